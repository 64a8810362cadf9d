package charts

import (
	"fmt"
	"html/template"
	"math"
)

// maxHBars caps the bars drawn; a ranking longer than this is unreadable
// as a chart, so the rest is only in the table and the caption says so.
const maxHBars = 50

// HBars draws horizontal bars in the order given, labels on the left
// (linked when Bar.URL is set) and values at the bar ends. With Height 0
// the height follows the number of bars (24px a row). Non-finite values
// draw as zero; any non-zero value is at least 1px long.
func HBars(c Chart, bars []Bar) template.HTML {
	s := c.resolve("hbars")
	if len(bars) == 0 {
		return s.empty()
	}
	shown := bars
	if len(shown) > maxHBars {
		shown = shown[:maxHBars]
	}
	value := func(b Bar) float64 {
		if finite(b.Value) {
			return b.Value
		}
		return 0
	}
	lo, hi := 0.0, 0.0
	labels := make([]string, len(shown))
	valueLabels := make([]string, len(shown))
	for i, b := range shown {
		lo, hi = math.Min(lo, value(b)), math.Max(hi, value(b))
		labels[i] = b.Label
		valueLabels[i] = s.fv(b.Value)
	}
	lo, hi, ticks := s.valueTicks(lo, hi, 5)
	tickLabels := formatAll(ticks, s.fv)

	labelW := math.Max(math.Min(maxTextPx(labels), s.w*0.35), 3*charW)
	f := frame{left: 8 + labelW + 8, top: 8}
	if s.YLabel != "" {
		f.left += fontSize + 8
	}
	f.right = s.w - math.Max(maxTextPx(valueLabels)+8, textPx(tickLabels[len(tickLabels)-1])/2+4)
	bottomPad := float64(fontSize + 12)
	if s.XLabel != "" {
		bottomPad += fontSize + 8
	}
	rowH := 24.0
	if c.Height > 0 {
		rowH = math.Max((s.h-f.top-bottomPad)/float64(len(shown)), 1)
	}
	f.bottom = f.top + rowH*float64(len(shown))
	s.h = f.bottom + bottomPad
	barH := math.Max(1, math.Min(rowH*0.7, 28))
	// Labels need about a line of height each; thin them on crowded axes.
	labelEvery := 1
	if rowH < fontSize+1 {
		labelEvery = int(math.Ceil((fontSize + 1) / rowH))
	}
	sc := newScale(lo, hi, false, f.left, f.right)

	d := newDoc(s)
	desc := fmt.Sprintf("Horizontal bar chart of %d items; the largest is %s with %s.", len(bars), largest(bars).Label, s.fv(largest(bars).Value))
	d.begin(s.w, s.h, desc, "")
	d.valueAxisX(sc, ticks, f.top, f.bottom, s.fv)
	x0 := sc.at(0)
	for i, b := range shown {
		mid := f.top + rowH*(float64(i)+0.5)
		v := value(b)
		x1 := sc.at(v)
		if v != 0 && math.Abs(x1-x0) < 1 {
			x1 = x0 + math.Copysign(1, v)
		}
		d.printf(`<rect class="chart-bar" x="%s" y="%s" width="%s" height="%s"><title>%s</title></rect>`,
			num(math.Min(x0, x1)), num(mid-barH/2), num(math.Abs(x1-x0)), num(barH),
			esc(b.Label+": "+s.fv(b.Value)))
		if barH >= fontSize-2 {
			if v < 0 {
				d.text(x1-4, mid+fontSize/3, "end", "chart-label chart-value", valueLabels[i], 0, "")
			} else {
				d.text(math.Max(x0, x1)+4, mid+fontSize/3, "start", "chart-label chart-value", valueLabels[i], 0, "")
			}
		}
		if i%labelEvery == 0 {
			d.link(b.URL, func() {
				d.text(f.left-8, mid+fontSize/3, "end", "chart-label chart-category", b.Label, labelW, "")
			})
		}
	}
	d.line("chart-axis", x0, f.top, x0, f.bottom)
	d.axisTitles(f.left, f.top, f.right, f.bottom, s.h)
	note := ""
	if len(bars) > len(shown) {
		note = fmt.Sprintf("Showing the first %d of %d.", len(shown), len(bars))
	}
	d.endSVG(note)

	rows := make([][]cell, len(bars))
	for i, b := range bars {
		rows[i] = []cell{{text: b.Label, url: b.URL}, {text: s.fv(b.Value)}}
	}
	d.table(s.title()+" (data)", []string{orDefault(s.YLabel, "Item"), orDefault(s.XLabel, "Value")}, rows)
	return d.end()
}

// largest finds the bar the description should mention.
func largest(bars []Bar) Bar {
	best := bars[0]
	for _, b := range bars[1:] {
		if finite(b.Value) && (!finite(best.Value) || b.Value > best.Value) {
			best = b
		}
	}
	return best
}
