package charts

import (
	"fmt"
	"html/template"
	"math"
	"sort"
	"strconv"
)

const (
	defaultBins = 20
	// maxBins bounds the output size whatever the caller asks for.
	maxBins = 100
)

// Histogram counts values into bins and draws one bar per non-empty bin,
// with the median marked. bins is a target (0 means 20, at most 100):
// linear bins have a 1/2/5 × 10^n width aligned to multiples of it, so
// there may be somewhat fewer or one more; log bins split each decade into
// equal log steps (about bins ÷ decades per decade) so bin edges meet the
// powers of ten. Bins are [a, b), the last one [a, b]. Non-finite values,
// and on a log scale values ≤ 0, are left out and the caption says so. Any
// non-empty bin is at least 1px tall, so a lone value in the tail shows.
func Histogram(c Chart, values []float64, bins int, log bool) template.HTML {
	s := c.resolve("histogram")
	vals, dropped := finiteValues(values, log)
	if len(vals) == 0 {
		return s.empty()
	}
	if bins <= 0 {
		bins = defaultBins
	}
	bins = min(bins, maxBins)
	sort.Float64s(vals)
	var edges []float64
	if log {
		edges = logEdges(vals[0], vals[len(vals)-1], bins)
	} else {
		edges = linearEdges(vals[0], vals[len(vals)-1], bins)
	}
	counts := make([]int, len(edges)-1)
	maxCount := 0
	for _, v := range vals {
		// Binary search instead of arithmetic, so values sitting exactly
		// on an edge land in the right bin despite float rounding.
		i := sort.Search(len(edges), func(i int) bool { return edges[i] > v }) - 1
		i = max(0, min(i, len(counts)-1))
		counts[i]++
		maxCount = max(maxCount, counts[i])
	}

	lo, hi := edges[0], edges[len(edges)-1]
	var xTicks []float64
	switch {
	case log && s.Minutes:
		lo, hi = durationDomain(lo, hi)
		xTicks = durationTicks(lo, hi, 7)
	case log:
		xTicks = logTicks(lo, hi)
	default:
		_, _, all := linearTicks(lo, hi, 6)
		for _, t := range all {
			if t >= lo && t <= hi {
				xTicks = append(xTicks, t)
			}
		}
		if len(xTicks) < 2 {
			xTicks = []float64{lo, hi}
		}
	}
	_, yHi, yTicks := countTicks(maxCount)
	f := s.frame(formatAll(yTicks, formatCount), textPx(s.tickFormat()(xTicks[len(xTicks)-1]))/2)
	if s.YLabel == "" {
		s.YLabel = "Count"
		f.left += fontSize + 8
	}
	f.top += fontSize + 4 // room for the median label
	xs := newScale(lo, hi, log, f.left, f.right)
	ys := newScale(0, yHi, false, f.bottom, f.top)
	median, p90 := quantile(vals, 0.5), quantile(vals, 0.9)

	d := newDoc(s)
	d.begin(s.w, s.h, fmt.Sprintf("Histogram of %d values from %s to %s in %d bins; median %s, 90th percentile %s.",
		len(vals), s.fv(vals[0]), s.fv(vals[len(vals)-1]), len(counts), s.fv(median), s.fv(p90)), "")
	d.valueAxisY(ys, yTicks, f.left, f.right, formatCount)
	d.valueAxisX(xs, xTicks, f.top, f.bottom, s.tickFormat())
	for i, n := range counts {
		if n == 0 {
			continue
		}
		x0, x1 := xs.at(edges[i]), xs.at(edges[i+1])
		if x1-x0 > 3 {
			x0, x1 = x0+0.5, x1-0.5 // hairline gap between neighbours
		}
		w := math.Max(x1-x0, 1)
		y := math.Min(ys.at(float64(n)), f.bottom-1)
		d.printf(`<rect class="chart-bar" x="%s" y="%s" width="%s" height="%s"><title>%s</title></rect>`,
			num(x0), num(y), num(w), num(f.bottom-y), esc(fmt.Sprintf("%s: %d", binLabel(s, edges[i], edges[i+1]), n)))
	}
	d.line("chart-axis", f.left, f.bottom, f.right, f.bottom)
	mx := xs.at(median)
	d.line("chart-median", mx, f.top-2, mx, f.bottom)
	anchor, dx := "start", 4.0
	if mx > (f.left+f.right)/2 {
		anchor, dx = "end", -4
	}
	d.text(mx+dx, f.top-4, anchor, "chart-label chart-median-label", "median "+s.fv(median), 0, "")
	d.axisTitles(f.left, f.top, f.right, f.bottom, s.h)
	note := ""
	if log {
		note = "Log scale, log-spaced bins."
	}
	if note += droppedNote(dropped, log); len(note) > 0 && note[0] == ' ' {
		note = note[1:]
	}
	d.endSVG(note)

	rows := make([][]cell, len(counts))
	for i, n := range counts {
		rows[i] = []cell{{text: binLabel(s, edges[i], edges[i+1])}, {text: strconv.Itoa(n)}}
	}
	d.table(s.title()+" (data)", []string{orDefault(s.XLabel, "Range"), s.YLabel}, rows)
	return d.end()
}

func binLabel(s *spec, a, b float64) string { return s.fv(a) + " – " + s.fv(b) }

// countTicks is linearTicks for counts: steps below 1 make no sense.
func countTicks(maxCount int) (float64, float64, []float64) {
	return linearTicksMin(0, float64(maxCount), 5, 1)
}

// linearEdges returns edges at multiples of a nice width covering
// [lo, hi] in about bins bins.
func linearEdges(lo, hi float64, bins int) []float64 {
	w := niceStep(hi/float64(bins) - lo/float64(bins))
	if hi == lo {
		// One value (or many equal ones): a single bin around it.
		w = niceStep(math.Max(math.Abs(lo), 1) / 10)
	}
	k0 := math.Floor(lo/w + 1e-9)
	k1 := math.Ceil(hi/w - 1e-9)
	if k1 <= k0 {
		k1 = k0 + 1
	}
	if !finite(k0) || !finite(k1) || k1-k0 > maxBins+2 {
		return []float64{lo, hi + math.Max(math.Abs(hi)*1e-9, 1e-300)}
	}
	edges := make([]float64, 0, int(k1-k0)+1)
	for k := k0; k <= k1; k++ {
		edges = append(edges, clean(k*w))
	}
	return edges
}

// logEdges returns edges 10^(e0 + j·step) covering [lo, hi] (both > 0),
// with step a whole fraction of a decade (or whole decades when the data
// spans more than maxBins of them).
func logEdges(lo, hi float64, bins int) []float64 {
	l0, l1 := math.Log10(lo), math.Log10(hi)
	e0 := math.Max(math.Floor(l0+1e-9), -300)
	e1 := math.Min(math.Ceil(l1-1e-9), 300)
	if e1 <= e0 {
		e1 = e0 + 1
	}
	decades := e1 - e0
	perDecade := math.Max(1, math.Round(float64(bins)/decades))
	step := 1 / perDecade
	if decades/step > maxBins {
		step = math.Ceil(decades / maxBins)
	}
	j0 := math.Floor((l0-e0)/step + 1e-9)
	j1 := math.Ceil((l1-e0)/step - 1e-9)
	if j1 <= j0 {
		j1 = j0 + 1
	}
	edges := make([]float64, 0, int(j1-j0)+1)
	for j := j0; j <= j1; j++ {
		e := e0 + j*step
		if math.Abs(e-math.Round(e)) < 1e-9 {
			edges = append(edges, pow10(math.Round(e)))
		} else {
			edges = append(edges, clean(math.Pow(10, e)))
		}
	}
	return edges
}
