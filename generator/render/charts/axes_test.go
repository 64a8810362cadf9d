package charts

import (
	"fmt"
	"html/template"
	"math"
	"strings"
	"testing"
)

// TestCountAxes: a chart of counts never draws a grid line at half an incident, however few there are.
func TestCountAxes(t *testing.T) {
	for _, max := range []float64{1, 2, 3, 7} {
		c := Chart{ID: "n", Counts: true}
		for name, h := range map[string]string{
			"stacked": string(StackedBars(c, []string{"a", "b"}, []Series{{Name: "S", Values: []float64{max, 1}}})),
			"hbars":   string(HBars(c, []Bar{{Label: "a", Value: max}, {Label: "b", Value: 1}})),
			"line":    string(Line(c, []Point{{"a", max}, {"b", 1}})),
		} {
			els := checkFigure(t, htmlOf(h))
			for _, tick := range find(els, "text", "chart-tick") {
				if tick.attrs["text-anchor"] == "middle" && name != "hbars" {
					continue // category labels
				}
				if v := strings.TrimSpace(tick.text); strings.ContainsAny(v, ".") {
					t.Errorf("%s, largest %v: tick %q is not a whole number", name, max, v)
				}
			}
			lines := len(find(els, "line", "chart-grid"))
			if lines > int(max)+1 {
				t.Errorf("%s, largest %v: %d grid lines, more than whole numbers", name, max, lines)
			}
		}
	}
}

// TestDurationTicks: time axes span and tick round durations, labelled the way people say them.
func TestDurationTicks(t *testing.T) {
	for _, c := range []struct {
		lo, hi float64
		want   string
	}{
		{3, 100, "2 min 5 min 10 min 15 min 30 min 1 h 2 h"},
		{10, 10000, "15 min 1 h 6 h 1 d 1 w"},
		{40, 3000, "1 h 6 h 1 d"},
		{1, 600000, "1 min 10 min 1 h 1 d 1 w 1 y"},
		{0.5, 4, "1 min 2 min 5 min"},
	} {
		lo, hi := durationDomain(c.lo, c.hi)
		var got []string
		for _, v := range durationTicks(lo, hi, 7) {
			got = append(got, FormatDurationTick(v))
		}
		if strings.Join(got, " ") != c.want {
			t.Errorf("%v–%v min: domain %v–%v, ticks %q, want %q", c.lo, c.hi, lo, hi, got, c.want)
		}
		if lo > c.lo || hi < c.hi {
			t.Errorf("%v–%v min: the domain %v–%v does not hold the values", c.lo, c.hi, lo, hi)
		}
	}
}

// TestLabelsDoNotOverlap: no two labels of a chart's axes touch, whatever the width, the number of categories or
// the spread of the values.
func TestLabelsDoNotOverlap(t *testing.T) {
	type box struct{ x0, x1, y0, y1 float64 }
	for _, width := range []int{320, 480, 720} {
		var figs []struct {
			name string
			h    string
		}
		add := func(name string, h any) {
			figs = append(figs, struct{ name, h string }{fmt.Sprintf("%s at %d", name, width), fmt.Sprint(h)})
		}
		sc, cats, series := sampleStacked(24)
		sc.Width, sc.Counts = width, true
		add("stacked 24", StackedBars(sc, cats, series))
		sc, cats, series = sampleStacked(120)
		sc.Width, sc.Counts = width, true
		add("stacked 120", StackedBars(sc, cats, series))
		hc, bars := sampleHBars()
		hc.Width, hc.Counts = width, true
		add("hbars", HBars(hc, bars))
		bc, groups := sampleBoxes()
		bc.Width, bc.Minutes = width, true
		add("boxes", BoxPlots(bc, groups, true))
		xc, values := sampleHistogram()
		xc.Width, xc.Minutes = width, true
		add("histogram", Histogram(xc, values, 24, true))
		add("histogram narrow", Histogram(xc, []float64{3, 4, 5, 7, 9, 12, 16}, 24, true))
		lc, points := sampleLine()
		lc.Width = width
		add("line", Line(lc, points))
		for _, f := range figs {
			els := checkFigure(t, htmlOf(f.h))
			var boxes []box
			var texts []string
			for _, e := range find(els, "text", "") {
				if e.attrs["transform"] != "" || e.hasClass("chart-value") || e.hasClass("chart-legend") {
					continue // the rotated axis title; values sit on their bars; the legend lays itself out
				}
				x, y := attrFloatOr(e, "x"), attrFloatOr(e, "y")
				w := textPx(strings.TrimSpace(e.text))
				x0 := x
				switch e.attrs["text-anchor"] {
				case "middle":
					x0 = x - w/2
				case "end":
					x0 = x - w
				}
				b := box{x0, x0 + w, y - fontSize*0.8, y + fontSize*0.2}
				for i, o := range boxes {
					if b.x0 < o.x1 && o.x0 < b.x1 && b.y0 < o.y1 && o.y0 < b.y1 {
						t.Errorf("%s: %q overlaps %q", f.name, strings.TrimSpace(e.text), texts[i])
					}
				}
				boxes, texts = append(boxes, b), append(texts, strings.TrimSpace(e.text))
			}
		}
	}
}

func attrFloatOr(e elem, name string) float64 {
	var v float64
	if _, err := fmt.Sscan(e.attrs[name], &v); err != nil || math.IsNaN(v) {
		return 0
	}
	return v
}

func htmlOf(s string) template.HTML { return template.HTML(s) }
