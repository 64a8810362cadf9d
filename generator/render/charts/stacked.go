package charts

import (
	"fmt"
	"html/template"
	"math"
	"strings"
)

// frame is the plot area inside the viewBox.
type frame struct{ left, top, right, bottom float64 }

// frame reserves room for y tick labels, axis titles and overflowing x
// tick labels (rightPx is the half-width of the last one, if any).
func (s *spec) frame(yTickLabels []string, rightPx float64) frame {
	f := frame{left: 8 + maxTextPx(yTickLabels) + 6, top: 12, right: s.w - math.Max(16, rightPx+4)}
	if s.YLabel != "" {
		f.left += fontSize + 8
	}
	f.bottom = s.h - (fontSize + 12)
	if s.XLabel != "" {
		f.bottom -= fontSize + 8
	}
	return f
}

func formatAll(values []float64, format func(float64) string) []string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = format(v)
	}
	return out
}

// barWidth leaves gaps between wide bands, none between narrow ones, and
// never goes below 1px so thousands of categories still show up.
func barWidth(band, maxW float64) float64 {
	w := band
	if band >= 4 {
		w = band * 0.75
	}
	return math.Max(1, math.Min(w, maxW))
}

// StackedBars draws one bar per category stacked by series, first series
// at the bottom (where segments share a baseline and compare best).
// Non-finite, negative, zero and missing values count as zero and their
// segments are not drawn; any positive segment is at least 1px tall. The
// table shows the values as given ("–" where missing or not a number).
func StackedBars(c Chart, categories []string, series []Series) template.HTML {
	s := c.resolve("stacked")
	n := len(categories)
	if n == 0 || len(series) == 0 {
		return s.empty()
	}
	val := func(si, ci int) float64 {
		if v := series[si].Values; ci < len(v) && finite(v[ci]) && v[ci] > 0 {
			return v[ci]
		}
		return 0
	}
	totals := make([]float64, n)
	maxTotal, maxAt := 0.0, 0
	for ci := range categories {
		for si := range series {
			totals[ci] += val(si, ci)
		}
		if totals[ci] > maxTotal {
			maxTotal, maxAt = totals[ci], ci
		}
	}
	_, hi, ticks := s.valueTicks(0, maxTotal, 5)
	f := s.frame(formatAll(ticks, s.fv), 0)

	names := make([]string, len(series))
	items := make([]legendItem, len(series))
	for si, sr := range series {
		names[si] = sr.Name
		if names[si] == "" {
			names[si] = fmt.Sprintf("Series %d", si+1)
		}
		items[si] = legendItem{names[si], seriesClass(sr.Class, si)}
	}
	d := newDoc(s)
	showLegend := len(series) > 1 || series[0].Name != ""
	legendTop := f.top - 4
	if showLegend {
		f.top = legendTop + d.legend(items, f.left, legendTop, f.right, false) + 4
	}
	band := (f.right - f.left) / float64(n)
	barW := barWidth(band, 72)
	showTotals := band >= 28
	if showTotals {
		f.top += fontSize
	}
	sc := newScale(0, hi, false, f.bottom, f.top)

	desc := fmt.Sprintf("Stacked bar chart of %d categories from %s to %s, stacked by %s. Largest total: %s in %s.",
		n, categories[0], categories[n-1], strings.Join(names, ", "), s.fv(maxTotal), categories[maxAt])
	dense := ""
	if barW < 3 {
		// Segment separators would swallow hairline bars.
		dense = "chart-dense"
	}
	d.begin(s.w, s.h, desc, dense)
	if showLegend {
		d.legend(items, f.left, legendTop, f.right, true)
	}
	d.valueAxisY(sc, ticks, f.left, f.right, s.fv)
	for ci, cat := range categories {
		x := f.left + band*float64(ci) + (band-barW)/2
		y, cum := f.bottom, 0.0
		for si := range series {
			v := val(si, ci)
			if v == 0 {
				continue
			}
			// Stack by cumulative value so rounding never accumulates,
			// but keep each segment visible.
			cum += v
			top := math.Min(sc.at(cum), y-1)
			d.printf(`<rect class="chart-bar %s" x="%s" y="%s" width="%s" height="%s"><title>%s</title></rect>`,
				items[si].class, num(x), num(top), num(barW), num(y-top),
				esc(fmt.Sprintf("%s · %s: %s", cat, names[si], s.fv(series[si].Values[ci]))))
			y = top
		}
		if showTotals && totals[ci] > 0 {
			d.text(x+barW/2, y-4, "middle", "chart-label chart-value", s.fv(totals[ci]), band, "")
		}
	}
	d.line("chart-axis", f.left, f.bottom, f.right, f.bottom)
	d.categoryLabels(categories, func(i int) float64 { return f.left + band*(float64(i)+0.5) }, band, f.bottom+fontSize+4)
	d.axisTitles(f.left, f.top, f.right, f.bottom, s.h)
	d.endSVG("")

	head := []string{orDefault(s.XLabel, "Category")}
	head = append(head, names...)
	head = append(head, "Total")
	rows := make([][]cell, n)
	for ci, cat := range categories {
		row := []cell{{text: cat}}
		for _, sr := range series {
			t := dash
			if ci < len(sr.Values) {
				t = s.fv(sr.Values[ci])
			}
			row = append(row, cell{text: t})
		}
		rows[ci] = append(row, cell{text: s.fv(totals[ci])})
	}
	d.table(s.title()+" (data)", head, rows)
	return d.end()
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
