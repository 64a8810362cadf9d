package learn

import (
	"math/bits"
	"slices"
)

// Set cover over candidate bitsets. Candidates are indexed in preference
// order (best quality first), so every tie in this file is broken by the
// lower index, which keeps results deterministic without extra keys.
// cm holds n masks of `words` words each, already stripped of what the
// pins cover.

const (
	// maxExact bounds the exact search: it runs only when at most this many
	// candidates survive dominance pruning. With rarest-factor branching and
	// a lower bound this is far below a millisecond in practice.
	maxExact = 32
	// maxNodes is a hard backstop on search effort so pathological inputs
	// still finish quickly; the best cover found so far is still used.
	maxNodes = 50_000
)

func maskAt(cm []uint64, words, c int) []uint64 { return cm[c*words : (c+1)*words] }

// greedyCover repeatedly takes the candidate covering the most still
// uncovered bits of target. Candidates that stop contributing are dropped
// from the scan, which keeps 10k candidates cheap.
func greedyCover(cm []uint64, words, n int, target []uint64) []int {
	unc := slices.Clone(target)
	active := make([]int, n)
	for i := range active {
		active[i] = i
	}
	var chosen []int
	for !isZero(unc) {
		best, bestGain := -1, 0
		kept := active[:0]
		for _, c := range active {
			g := popAnd(maskAt(cm, words, c), unc)
			if g == 0 {
				continue
			}
			kept = append(kept, c)
			if g > bestGain { // strict: the lower index wins ties
				best, bestGain = c, g
			}
		}
		active = kept
		if best < 0 {
			break // the rest of target is unreachable
		}
		chosen = append(chosen, best)
		andNot(unc, unc, maskAt(cm, words, best))
	}
	return chosen
}

// dropRedundant removes picks whose every factor is also taught by another
// pick (greedy's early broad picks can become redundant), trying the
// least preferred first so the better write-ups stay.
func dropRedundant(cm []uint64, words int, chosen []int) []int {
	if len(chosen) < 2 {
		return chosen
	}
	cnt := make([]int, words*64)
	forBits := func(m []uint64, f func(b int)) {
		for w, x := range m {
			for x != 0 {
				b := bits.TrailingZeros64(x)
				f(w*64 + b)
				x &= x - 1
			}
		}
	}
	for _, c := range chosen {
		forBits(maskAt(cm, words, c), func(b int) { cnt[b]++ })
	}
	byPref := slices.Clone(chosen)
	slices.Sort(byPref)
	drop := make(map[int]bool)
	for i := len(byPref) - 1; i >= 0; i-- {
		c := byPref[i]
		redundant := true
		forBits(maskAt(cm, words, c), func(b int) {
			if cnt[b] < 2 {
				redundant = false
			}
		})
		if redundant {
			drop[c] = true
			forBits(maskAt(cm, words, c), func(b int) { cnt[b]-- })
		}
	}
	return slices.DeleteFunc(slices.Clone(chosen), func(c int) bool { return drop[c] })
}

// exactCover looks for a cover of target with fewer than have candidates;
// among the smallest covers it prefers the highest total quality. It
// returns nil when it finds none or when the instance is too large.
func exactCover(cm []uint64, cq []float64, words int, target []uint64, have int) []int {
	if have <= 1 {
		return nil
	}
	// Dominance pruning: a candidate whose mask is within an earlier (more
	// preferred) candidate's can be swapped for it without growing a cover
	// or lowering its quality. Kept candidates never get removed later, so
	// the scan can stop as soon as there are too many.
	n := len(cq)
	var red []int
	for c := 0; c < n; c++ {
		m := maskAt(cm, words, c)
		dominated := false
		for _, d := range red {
			if popAndNot(m, maskAt(cm, words, d)) == 0 {
				dominated = true
				break
			}
		}
		if !dominated {
			red = append(red, c)
			if len(red) > maxExact {
				return nil
			}
		}
	}

	s := &search{words: words, have: have, bestSize: have}
	for _, c := range red {
		s.masks = append(s.masks, maskAt(cm, words, c)...)
		s.qual = append(s.qual, cq[c])
		s.qMax = max(s.qMax, cq[c])
	}
	s.buf = make([]uint64, (have+1)*words)
	s.dfs(slices.Clone(target), 0)
	if s.best == nil {
		return nil
	}
	out := make([]int, len(s.best))
	for i, r := range s.best {
		out[i] = red[r]
	}
	return out
}

type search struct {
	words    int
	masks    []uint64
	qual     []float64
	qMax     float64
	have     int // greedy's size: only strictly smaller covers count
	bestSize int
	bestQ    float64
	best     []int
	cur      []int
	buf      []uint64 // per-depth scratch for the uncovered set
	nodes    int
}

func (s *search) mask(c int) []uint64 { return s.masks[c*s.words : (c+1)*s.words] }

func (s *search) dfs(unc []uint64, q float64) {
	s.nodes++
	if s.nodes > maxNodes {
		return
	}
	depth := len(s.cur)
	if isZero(unc) {
		if depth < s.bestSize || (s.best != nil && depth == s.bestSize && q > s.bestQ) {
			s.best = slices.Clone(s.cur)
			s.bestSize, s.bestQ = depth, q
		}
		return
	}
	// Lower bound: the remaining bits need at least ceil(left/maxGain)
	// more picks.
	left, maxGain := popCount(unc), 0
	for c := range s.qual {
		maxGain = max(maxGain, popAnd(s.mask(c), unc))
	}
	if maxGain == 0 {
		return
	}
	lb := depth + (left+maxGain-1)/maxGain
	if lb > s.bestSize {
		return
	}
	if lb == s.bestSize && (s.best == nil || q+float64(s.bestSize-depth)*s.qMax <= s.bestQ) {
		return // cannot beat greedy, or cannot beat the best's quality
	}
	bestBit := s.rarest(unc)
	if depth >= s.have {
		return // defensive: bounded by the lb check above
	}
	next := s.buf[depth*s.words : (depth+1)*s.words]
	for c := range s.qual {
		m := s.mask(c)
		if !hasBit(m, bestBit) {
			continue
		}
		andNot(next, unc, m)
		s.cur = append(s.cur, c)
		s.dfs(next, q+s.qual[c])
		s.cur = s.cur[:depth]
		if s.nodes > maxNodes {
			return
		}
	}
}

// rarest returns the uncovered factor with the fewest covering candidates,
// to branch on: some candidate must cover it, and few choices keep the
// tree narrow.
func (s *search) rarest(unc []uint64) int {
	bestBit, bestCnt := -1, len(s.qual)+1
	for w, x := range unc {
		for x != 0 {
			b := bits.TrailingZeros64(x)
			x &= x - 1
			cnt := 0
			for c := range s.qual {
				if s.mask(c)[w]&(1<<b) != 0 {
					cnt++
				}
			}
			if cnt < bestCnt {
				bestBit, bestCnt = w*64+b, cnt
			}
		}
	}
	return bestBit
}

// readingOrder sorts a cover so each next step teaches the most factors
// not taught before it (ties: preference order), so the path front-loads
// what a reader learns even if they stop early.
func readingOrder(cm []uint64, words int, chosen []int) []int {
	rest := slices.Clone(chosen)
	slices.Sort(rest)
	taught := make([]uint64, words)
	out := make([]int, 0, len(rest))
	for len(rest) > 0 {
		bi, bg := 0, -1
		for i, c := range rest {
			if g := popAndNot(maskAt(cm, words, c), taught); g > bg {
				bi, bg = i, g
			}
		}
		c := rest[bi]
		out = append(out, c)
		orInto(taught, maskAt(cm, words, c))
		rest = slices.Delete(rest, bi, bi+1)
	}
	return out
}
