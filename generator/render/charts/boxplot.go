package charts

import (
	"fmt"
	"html/template"
	"math"
	"sort"
	"strconv"
	"strings"
)

// maxOutliers caps the outlier dots drawn per group, keeping output small
// for thousands of values; the table gives the full count.
const maxOutliers = 40

// minBox is the fewest values a group needs for a box: quartiles of three
// or four values say less than the values themselves, which are drawn as
// dots instead.
const minBox = 5

// BoxPlots draws one vertical box plot per group: the box spans the 25th to
// 75th percentile with a line at the median, whiskers reach the furthest
// values within 1.5 × IQR of the box (Tukey; measured in log space when
// log is true), and values beyond are dots, at most maxOutliers per group
// spread evenly from the least to the most extreme. Non-finite values are
// left out, and on a log scale so are values ≤ 0; the caption says how
// many. Statistics are exact over all values; only the drawing is capped.
func BoxPlots(c Chart, groups []Group, log bool) template.HTML {
	s := c.resolve("boxplot")
	stats := make([]boxStats, len(groups))
	dropped, total := 0, 0
	lo, hi := math.Inf(1), math.Inf(-1)
	for i, g := range groups {
		vals, drop := finiteValues(g.Values, log)
		dropped += drop
		stats[i] = summarize(vals, log)
		if stats[i].n > 0 {
			total += stats[i].n
			lo, hi = math.Min(lo, stats[i].min), math.Max(hi, stats[i].max)
		}
	}
	if total == 0 {
		return s.empty()
	}
	var ticks []float64
	if log {
		lo, hi, ticks = s.logAxis(lo, hi)
	} else {
		lo, hi, ticks = s.valueTicks(lo, hi, 5)
	}
	f := s.frame(formatAll(ticks, s.tickFormat()), 0)
	n := len(groups)
	band := (f.right - f.left) / float64(n)
	boxW := barWidth(band*0.7, 56)
	labels := make([]string, n)
	for i, g := range groups {
		labels[i] = g.Label
	}
	// Counts under the labels warn against reading much into small groups,
	// but only fit when every group is labelled.
	showN := categoryStep(n, f.right-f.left, math.Min(maxTextPx(labels), 12*charW)) == 1 && band >= 40
	if showN {
		f.bottom -= fontSize + 2
	}
	sc := newScale(lo, hi, log, f.bottom, f.top)

	d := newDoc(s)
	scaleWord := "linear"
	if log {
		scaleWord = "logarithmic"
	}
	d.begin(s.w, s.h, fmt.Sprintf("Box plots of %d values in %d groups on a %s scale; %s.",
		total, n, scaleWord, medianSummary(s, groups, stats)), "")
	d.valueAxisY(sc, ticks, f.left, f.right, s.tickFormat())
	few, boxes := false, false
	for i, st := range stats {
		if st.n == 0 {
			continue
		}
		cx := f.left + band*(float64(i)+0.5)
		if st.n < minBox {
			few = true
			vals, _ := finiteValues(groups[i].Values, log)
			sort.Float64s(vals)
			d.printf(`<g class="chart-group chart-few"><title>%s</title>`, esc(fmt.Sprintf("%s: %s, median %s",
				groups[i].Label, plural(st.n, "value"), s.fv(st.median))))
			ym := sc.at(st.median)
			d.line("chart-median", cx-boxW/4, ym, cx+boxW/4, ym)
			for j, v := range vals {
				dx := (float64(j) - float64(len(vals)-1)/2) * 7
				d.printf(`<circle class="chart-value-dot" cx="%s" cy="%s" r="3.5"><title>%s</title></circle>`,
					num(cx+dx), num(sc.at(v)), esc(groups[i].Label+": "+s.fv(v)))
			}
			d.b.WriteString(`</g>`)
			continue
		}
		boxes = true
		d.printf(`<g class="chart-group"><title>%s</title>`, esc(fmt.Sprintf(
			"%s: %s, median %s, middle half %s to %s, range %s to %s, %s",
			groups[i].Label, plural(st.n, "value"), s.fv(st.median), s.fv(st.q1), s.fv(st.q3), s.fv(st.min), s.fv(st.max),
			plural(len(st.outliers), "outlier"))))
		yq1, yq3 := sc.at(st.q1), sc.at(st.q3)
		capW := boxW / 2
		d.line("chart-whisker", cx, sc.at(st.whiskerHi), cx, yq3)
		d.line("chart-whisker", cx, yq1, cx, sc.at(st.whiskerLo))
		d.line("chart-whisker", cx-capW/2, sc.at(st.whiskerHi), cx+capW/2, sc.at(st.whiskerHi))
		d.line("chart-whisker", cx-capW/2, sc.at(st.whiskerLo), cx+capW/2, sc.at(st.whiskerLo))
		// A box with no spread still shows as a 1px sliver.
		top, h := yq3, math.Max(yq1-yq3, 1)
		d.printf(`<rect class="chart-box" x="%s" y="%s" width="%s" height="%s"/>`,
			num(cx-boxW/2), num(top), num(boxW), num(h))
		ym := sc.at(st.median)
		d.line("chart-median", cx-boxW/2, ym, cx+boxW/2, ym)
		for _, v := range sample(st.outliers, maxOutliers) {
			d.printf(`<circle class="chart-outlier" cx="%s" cy="%s" r="2.5"><title>%s</title></circle>`,
				num(cx), num(sc.at(v)), esc(groups[i].Label+": "+s.fv(v)))
		}
		d.b.WriteString(`</g>`)
	}
	d.line("chart-axis", f.left, f.bottom, f.right, f.bottom)
	center := func(i int) float64 { return f.left + band*(float64(i)+0.5) }
	d.categoryLabels(labels, center, band, f.bottom+fontSize+4)
	if showN {
		for i, st := range stats {
			d.text(center(i), f.bottom+2*fontSize+6, "middle", "chart-label chart-tick chart-count", "n="+strconv.Itoa(st.n), band, "")
		}
	}
	d.axisTitles(f.left, f.top, f.right, f.bottom, s.h)

	note := ""
	if boxes {
		note = fmt.Sprintf("Boxes span the 25th to 75th percentile, the line is the median, whiskers reach the furthest values within 1.5 × IQR, dots are outliers (at most %d per group drawn).", maxOutliers)
	}
	if few {
		note += fmt.Sprintf(" Groups of fewer than %d values show each value as a filled dot, with a line at the median.", minBox)
	}
	note = strings.TrimPrefix(note, " ")
	if log {
		note += " Log scale."
	}
	note += droppedNote(dropped, log)
	d.endSVG(note)

	rows := make([][]cell, n)
	for i, st := range stats {
		row := []cell{{text: groups[i].Label}, {text: strconv.Itoa(st.n)}}
		for _, v := range []float64{st.min, st.q1, st.median, st.q3, st.max} {
			t := dash
			if st.n > 0 {
				t = s.fv(v)
			}
			row = append(row, cell{text: t})
		}
		rows[i] = append(row, cell{text: strconv.Itoa(len(st.outliers))})
	}
	d.table(s.title()+" (data)",
		[]string{orDefault(s.XLabel, "Group"), "Count", "Min", "25th percentile", "Median", "75th percentile", "Max", "Outliers"}, rows)
	return d.end()
}

// medianSummary names each group's median for the short description, up
// to a handful; the table has the rest.
func medianSummary(s *spec, groups []Group, stats []boxStats) string {
	out := "medians: "
	shown := 0
	for i, st := range stats {
		if st.n == 0 {
			continue
		}
		if shown == 6 {
			return out + ", …"
		}
		if shown > 0 {
			out += ", "
		}
		out += groups[i].Label + " " + s.fv(st.median)
		shown++
	}
	return out
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// droppedNote explains values that could not be drawn.
func droppedNote(dropped int, log bool) string {
	switch {
	case dropped == 0:
		return ""
	case log:
		return " Left out as zero, negative or not a number: " + plural(dropped, "value") + "."
	default:
		return " Left out as not a number: " + plural(dropped, "value") + "."
	}
}
