package charts

import (
	"math"
	"sort"
)

// finiteValues copies the usable values: finite ones, and only positive
// ones when they will be plotted on a log scale. dropped counts the rest,
// so captions can say what is missing.
func finiteValues(values []float64, log bool) (kept []float64, dropped int) {
	kept = make([]float64, 0, len(values))
	for _, v := range values {
		if !finite(v) || log && v <= 0 {
			dropped++
			continue
		}
		kept = append(kept, v)
	}
	return kept, dropped
}

// quantile of sorted data, interpolating linearly between order statistics
// (Hyndman & Fan type 7, the default of R and NumPy).
func quantile(sorted []float64, q float64) float64 {
	n := len(sorted)
	if n == 0 {
		return math.NaN()
	}
	pos := q * float64(n-1)
	i := int(math.Floor(pos))
	if i >= n-1 {
		return sorted[n-1]
	}
	frac := pos - float64(i)
	return sorted[i] + frac*(sorted[i+1]-sorted[i])
}

// boxStats summarises one group for a box plot.
type boxStats struct {
	n                        int
	min, q1, median, q3, max float64
	whiskerLo, whiskerHi     float64
	outliers                 []float64 // all of them, ascending
}

// summarize computes Tukey box plot statistics: whiskers reach the most
// extreme values within 1.5 × IQR of the quartiles. On a log scale the
// fences are placed in log space (Q1 ÷ (Q3/Q1)^1.5, Q3 × (Q3/Q1)^1.5) so
// they match what the eye sees; in linear space nearly every heavy-tail
// value would be flagged.
func summarize(values []float64, log bool) boxStats {
	s := append([]float64(nil), values...)
	sort.Float64s(s)
	st := boxStats{n: len(s)}
	if len(s) == 0 {
		return st
	}
	st.min, st.max = s[0], s[len(s)-1]
	st.q1, st.median, st.q3 = quantile(s, 0.25), quantile(s, 0.5), quantile(s, 0.75)
	var lo, hi float64
	if log {
		r := math.Pow(st.q3/st.q1, 1.5)
		lo, hi = st.q1/r, st.q3*r
	} else {
		iqr := st.q3 - st.q1
		lo, hi = st.q1-1.5*iqr, st.q3+1.5*iqr
	}
	st.whiskerLo, st.whiskerHi = st.q1, st.q3
	for _, v := range s {
		if v < lo || v > hi {
			st.outliers = append(st.outliers, v)
			continue
		}
		st.whiskerLo = math.Min(st.whiskerLo, v)
		st.whiskerHi = math.Max(st.whiskerHi, v)
	}
	return st
}

// sample picks at most limit values spread evenly through sorted, always
// keeping both ends, so a capped set of outlier dots still shows the
// extremes.
func sample(sorted []float64, limit int) []float64 {
	if len(sorted) <= limit {
		return sorted
	}
	if limit <= 1 {
		return sorted[len(sorted)-1:]
	}
	out := make([]float64, 0, limit)
	for i := 0; i < limit; i++ {
		out = append(out, sorted[int(math.Round(float64(i)*float64(len(sorted)-1)/float64(limit-1)))])
	}
	return out
}
