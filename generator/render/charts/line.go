package charts

import (
	"fmt"
	"html/template"
	"math"
	"strings"
)

const (
	// maxPointDots is the most points drawn as dots; past it the line
	// alone reads better and the output stays small.
	maxPointDots = 100
	// maxValueLabels is the most points labelled with their value.
	maxValueLabels = 12
)

// Line draws points evenly spaced along a category axis, joined by a line
// that breaks at non-finite values. The value axis starts at zero when
// all values are positive, and a "%" chart within 0–100 shows all of
// 0–100 so small moves do not look dramatic.
func Line(c Chart, points []Point) template.HTML {
	s := c.resolve("line")
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, p := range points {
		if finite(p.Value) {
			lo, hi = math.Min(lo, p.Value), math.Max(hi, p.Value)
		}
	}
	if lo > hi {
		return s.empty()
	}
	lastAt := 0
	for i, p := range points {
		if finite(p.Value) {
			lastAt = i
		}
	}
	minV, maxV := lo, hi
	lo = math.Min(lo, 0)
	if s.Unit == "%" && lo == 0 && hi <= 100 {
		hi = 100
	}
	lo, hi, ticks := s.valueTicks(lo, hi, 5)
	f := s.frame(formatAll(ticks, s.fv), 0)
	n := len(points)
	showValues := n <= maxValueLabels
	if showValues {
		f.top += fontSize
	}
	band := (f.right - f.left) / float64(n)
	sc := newScale(lo, hi, false, f.bottom, f.top)
	x := func(i int) float64 { return f.left + band*(float64(i)+0.5) }

	d := newDoc(s)
	d.begin(s.w, s.h, fmt.Sprintf("Line chart of %d points from %s to %s; latest %s is %s, range %s to %s.",
		n, points[0].Label, points[n-1].Label, points[lastAt].Label, s.fv(points[lastAt].Value), s.fv(minV), s.fv(maxV)), "")
	d.valueAxisY(sc, ticks, f.left, f.right, s.fv)
	d.line("chart-axis", f.left, f.bottom, f.right, f.bottom)

	var path strings.Builder
	pen := false
	for i, p := range points {
		if !finite(p.Value) {
			pen = false
			continue
		}
		cmd := "L"
		if !pen {
			cmd = "M"
		}
		fmt.Fprintf(&path, "%s%s %s", cmd, num(x(i)), num(sc.at(p.Value)))
		pen = true
	}
	d.printf(`<path class="chart-line" d="%s"/>`, path.String())
	if n <= maxPointDots {
		for i, p := range points {
			if !finite(p.Value) {
				continue
			}
			y := sc.at(p.Value)
			d.printf(`<circle class="chart-point" cx="%s" cy="%s" r="3.5"><title>%s</title></circle>`,
				num(x(i)), num(y), esc(p.Label+": "+s.fv(p.Value)))
			if showValues {
				d.text(x(i), y-8, "middle", "chart-label chart-value", s.fv(p.Value), band, "")
			}
		}
	}
	labels := make([]string, n)
	for i, p := range points {
		labels[i] = p.Label
	}
	d.categoryLabels(labels, x, band, f.bottom+fontSize+4)
	d.axisTitles(f.left, f.top, f.right, f.bottom, s.h)
	d.endSVG("")

	rows := make([][]cell, n)
	for i, p := range points {
		rows[i] = []cell{{text: p.Label}, {text: s.fv(p.Value)}}
	}
	d.table(s.title()+" (data)", []string{orDefault(s.XLabel, "Label"), orDefault(s.YLabel, "Value")}, rows)
	return d.end()
}
