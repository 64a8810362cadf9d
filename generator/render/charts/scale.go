package charts

import (
	"math"
	"strconv"
)

// scale maps data values to pixels, linearly or by log10.
type scale struct {
	log    bool
	t0, t1 float64 // domain, in log10 units when log
	r0, r1 float64 // pixel range
}

func newScale(lo, hi float64, log bool, r0, r1 float64) scale {
	s := scale{log: log, r0: r0, r1: r1}
	s.t0, s.t1 = s.tr(lo), s.tr(hi)
	return s
}

func (s scale) tr(v float64) float64 {
	if !s.log {
		return v
	}
	if v <= 0 {
		return math.Inf(-1)
	}
	return math.Log10(v)
}

// at returns the pixel position of v, clamped to the range so that odd
// input can never push geometry outside the plot or produce NaN.
func (s scale) at(v float64) float64 {
	t := s.tr(v)
	if s.t1 == s.t0 || math.IsNaN(t) {
		return s.r0
	}
	p := (t - s.t0) / (s.t1 - s.t0)
	if math.IsNaN(p) {
		p = 0
	}
	p = math.Max(0, math.Min(1, p))
	return s.r0 + p*(s.r1-s.r0)
}

// niceStep rounds raw up to 1, 2 or 5 × 10^n.
func niceStep(raw float64) float64 {
	if !(raw > 0) || math.IsInf(raw, 0) {
		return 1
	}
	base := math.Pow(10, math.Floor(math.Log10(raw)))
	if base == 0 || math.IsInf(base, 0) {
		return raw
	}
	switch f := raw / base; {
	case f <= 1+1e-9:
		return base
	case f <= 2+1e-9:
		return 2 * base
	case f <= 5+1e-9:
		return 5 * base
	default:
		return 10 * base
	}
}

// clean removes float noise from computed ticks (0.1*3 is not 0.3) by
// rounding to 12 significant digits.
func clean(v float64) float64 {
	r, err := strconv.ParseFloat(strconv.FormatFloat(v, 'g', 12, 64), 64)
	if err != nil {
		return v
	}
	return r
}

// linearTicks widens [lo, hi] to multiples of a 1/2/5 × 10^n step giving
// about target intervals, and returns the widened domain and its ticks.
func linearTicks(lo, hi float64, target int) (float64, float64, []float64) {
	return linearTicksMin(lo, hi, target, 0)
}

// valueTicks is linearTicks for a chart's value axis: whole steps for counts.
func (s *spec) valueTicks(lo, hi float64, target int) (float64, float64, []float64) {
	if s.Counts {
		return linearTicksMin(lo, hi, target, 1)
	}
	return linearTicks(lo, hi, target)
}

// linearTicksMin is linearTicks with a step of at least minStep.
func linearTicksMin(lo, hi float64, target int, minStep float64) (float64, float64, []float64) {
	if hi < lo {
		lo, hi = hi, lo
	}
	if hi == lo {
		// A flat domain still needs an axis: grow it towards zero, or to
		// 0–1 when everything is zero.
		switch {
		case lo > 0:
			lo = 0
		case lo < 0:
			hi = 0
		default:
			hi = 1
		}
	}
	// Dividing before subtracting avoids overflow for huge magnitudes.
	step := math.Max(niceStep(hi/float64(target)-lo/float64(target)), minStep)
	k0 := math.Floor(lo/step + 1e-9)
	k1 := math.Ceil(hi/step - 1e-9)
	if !finite(k0) || !finite(k1) || k1-k0 > 1000 || k1 <= k0 {
		return lo, hi, []float64{lo, hi}
	}
	ticks := make([]float64, 0, int(k1-k0)+1)
	for k := k0; k <= k1; k++ {
		ticks = append(ticks, clean(k*step))
	}
	return ticks[0], ticks[len(ticks)-1], ticks
}

// pow10 is exact for integer exponents, unlike math.Pow at the extremes.
func pow10(e float64) float64 { return math.Pow10(int(e)) }

// logDomain widens [lo, hi] (both > 0) to whole decades, the natural
// frame for heavy-tailed data.
func logDomain(lo, hi float64) (float64, float64) {
	e0 := math.Floor(math.Log10(lo) + 1e-9)
	e1 := math.Ceil(math.Log10(hi) - 1e-9)
	// Stay clear of denormals and overflow.
	e0 = math.Max(e0, -300)
	e1 = math.Min(e1, 300)
	if e1 <= e0 {
		e1 = e0 + 1
	}
	return pow10(e0), pow10(e1)
}

// logTicks returns ticks inside [lo, hi] (both > 0): 1–9 × 10^n for spans
// of a decade or less, 1/2/5 × 10^n up to 3 decades, powers of ten beyond,
// skipping decades when there would be more than 8.
func logTicks(lo, hi float64) []float64 {
	if !(lo > 0) || !(hi > lo) || !finite(hi) {
		return []float64{lo}
	}
	span := math.Log10(hi) - math.Log10(lo)
	var mults []float64
	decadeStep := 1.0
	switch {
	case span <= 1+1e-9:
		mults = []float64{1, 2, 3, 4, 5, 6, 7, 8, 9}
	case span <= 3+1e-9:
		mults = []float64{1, 2, 5}
	default:
		mults = []float64{1}
		decadeStep = math.Ceil(span / 8)
	}
	e0 := math.Floor(math.Log10(lo) + 1e-9)
	e1 := math.Ceil(math.Log10(hi) - 1e-9)
	var ticks []float64
	for e := e0; e <= e1; e += decadeStep {
		for _, m := range mults {
			t := clean(m * pow10(e))
			if t >= lo*(1-1e-9) && t <= hi*(1+1e-9) {
				ticks = append(ticks, t)
			}
		}
	}
	if len(ticks) < 2 {
		// A narrow range between ticks: label its ends instead.
		ticks = []float64{clean(lo), clean(hi)}
	}
	return ticks
}

// Round durations, in minutes, for logarithmic time axes: every one is a
// possible end of the axis; ticks come from the coarsest ladder that still
// gives a few of them.
var (
	durationStops   = []float64{1, 2, 5, 10, 15, 30, 60, 120, 360, 720, 1440, 2880, 4320, 10080, 20160, 43200, 525600}
	durationLadders = [][]float64{
		{1, 2, 5, 10, 15, 30, 60, 120, 360, 720, 1440, 2880, 4320, 10080, 20160, 43200, 525600},
		{1, 5, 15, 60, 360, 1440, 10080, 43200, 525600},
		{1, 10, 60, 1440, 10080, 525600},
	}
)

// durationDomain widens [lo, hi] (minutes, both > 0) to round durations.
func durationDomain(lo, hi float64) (float64, float64) {
	a, b := durationStops[0], durationStops[len(durationStops)-1]
	for _, d := range durationStops {
		if d <= lo*(1+1e-9) {
			a = d
		}
	}
	for i := len(durationStops) - 1; i >= 0; i-- {
		if durationStops[i] >= hi*(1-1e-9) {
			b = durationStops[i]
		}
	}
	if lo < durationStops[0] {
		a, _ = logDomain(lo, hi)
	}
	if hi > b {
		_, b = logDomain(lo, hi)
	}
	if b <= a {
		b = a * 10
	}
	return a, b
}

// durationTicks picks round durations inside [lo, hi] (both > 0): the ends
// of the domain and the stops of the finest ladder that gives at most
// maxTicks ticks.
func durationTicks(lo, hi float64, maxTicks int) []float64 {
	var ticks []float64
	for _, ladder := range durationLadders {
		ticks = ticks[:0]
		for _, d := range ladder {
			if d >= lo*(1-1e-9) && d <= hi*(1+1e-9) {
				ticks = append(ticks, d)
			}
		}
		if len(ticks) <= maxTicks {
			break
		}
	}
	if len(ticks) < 2 {
		return logTicks(lo, hi)
	}
	return ticks
}

// FormatDurationTick labels a round duration the way people say it: "15 min", "6 h", "1 d", "1 w", "1 y".
func FormatDurationTick(minutes float64) string {
	switch m := math.Round(minutes); {
	case m >= 525600 && math.Mod(m, 525600) == 0:
		return strconv.FormatFloat(m/525600, 'f', -1, 64) + " y"
	case m >= 10080 && math.Mod(m, 10080) == 0:
		return strconv.FormatFloat(m/10080, 'f', -1, 64) + " w"
	}
	return FormatDuration(minutes)
}

// logAxis is the domain and ticks of a logarithmic value axis over [lo, hi].
func (s *spec) logAxis(lo, hi float64) (float64, float64, []float64) {
	if s.Minutes {
		lo, hi = durationDomain(lo, hi)
		return lo, hi, durationTicks(lo, hi, 7)
	}
	lo, hi = logDomain(lo, hi)
	return lo, hi, logTicks(lo, hi)
}

// tickFormat formats the ticks of a value axis.
func (s *spec) tickFormat() func(float64) string {
	if s.Minutes {
		return func(v float64) string {
			if !finite(v) {
				return dash
			}
			return FormatDurationTick(v)
		}
	}
	return s.fv
}
