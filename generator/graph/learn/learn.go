// Package learn selects the onboarding reading path: a short, ordered list
// of postmortems that together teach the most important latent conditions
// (contributing factors) of our systems.
//
// Selection has two stages:
//
//  1. Rank factors by how much they have hurt us, weighting recent and
//     severe incidents more (see Select for the formula), and keep the top
//     Options.Factors.
//  2. Pick the fewest eligible incidents that cover the kept factors
//     (greedy set cover, made irredundant, and replaced by an exact
//     branch-and-bound answer when the candidate set is small).
//
// The result depends only on the input values, never on their order or on
// the wall clock, so rebuilding the site does not reshuffle the page.
package learn

import (
	"cmp"
	"math"
	"math/bits"
	"slices"
	"strings"
	"time"
)

// Incident is one postmortem as the generator sees it.
type Incident struct {
	Slug         string
	Title        string
	Date         time.Time
	SeverityRank int      // 0 = most severe (SEV1), increasing; NumSeverities given in Options
	Factors      []string // factor slugs
	Services     []string // service slugs
	Richness     float64  // 0..1: how complete the write-up is, computed by the caller
	Onboarding   *bool    // frontmatter `onboarding:`; true = preferred, false = never chosen
}

// Options tunes one selection.
type Options struct {
	Factors       int       // how many factors to teach; <= 0 means DefaultFactors
	Pin           []string  // slugs always included, in this order, first; their factors count as covered
	Skip          []string  // slugs never chosen (Pin wins if a slug is in both)
	Now           time.Time // build date for recency; the zero value disables decay
	NumSeverities int       // <= 0 means DefaultNumSeverities
	Service       string    // optional: only incidents touching this service slug are considered
}

// RankedFactor is one factor with its importance score and how many
// in-scope incidents cite it.
type RankedFactor struct {
	Slug  string
	Score float64
	Count int
}

// Step is one incident on the reading path.
type Step struct {
	Slug    string
	Teaches []string // chosen factors this incident covers, in ranked order
	Pinned  bool
}

// Plan is the result of Select.
type Plan struct {
	Factors   []RankedFactor // the chosen factors, most important first
	All       []RankedFactor // every factor in scope, ranked the same way: Factors is its prefix
	Steps     []Step         // reading order: pins, then most-new-factors first
	Uncovered []string       // chosen factors no pin or eligible incident covers, in ranked order
}

const (
	DefaultFactors       = 10
	DefaultNumSeverities = 4

	// HalfLifeYears is the recency half-life: an incident this old counts
	// half as much as one from the build date.
	HalfLifeYears = 2.0

	// Quality weights used to break coverage ties. The onboarding:true
	// bonus exceeds the sum of the others so an author's explicit
	// recommendation always wins a tie.
	qualityOnboarding = 1.0
	qualitySeverity   = 0.4
	qualityRichness   = 0.4
	qualityRecency    = 0.2
)

const daysPerYear = 365.2425

// item is a normalised incident: duplicates merged, factors deduplicated.
type item struct {
	slug       string
	date       time.Time
	rank       int
	richness   float64
	onboarding int8 // -1 false, 0 unset, +1 true
	factors    []string
	services   []string
	recency    float64 // cached: used for both ranking and quality
}

// Select computes the reading path.
//
// Factor score: every in-scope incident (including skipped and
// onboarding:false ones, because the factor is real even if that write-up
// should not be read) adds
//
//	2^(NumSeverities-1-rank) × 0.5^(ageYears/HalfLifeYears)
//
// to each of its factors; future dates have age 0. Factors are ordered by
// score, then count, then slug, and the top opts.Factors are kept.
//
// Eligible steps exclude pins (already included), Skip, and
// onboarding:false. Pins are explicit configuration and therefore override
// Skip and onboarding:false; unknown pins (or pins outside opts.Service) are
// ignored.
//
// Coverage ties are broken by quality
//
//	[onboarding:true] + 0.4·severity + 0.4·richness + 0.2·recency
//
// (each term in 0..1), then by slug.
//
// Cover: greedy (most still-uncovered chosen factors first), then picks made
// redundant by later ones are dropped (least preferred first). If at most
// maxExact candidates remain after dominance pruning, a bounded
// branch-and-bound replaces that answer by a strictly smaller cover when
// one exists, preferring the highest total quality among the smallest.
//
// Incidents without a slug are ignored; duplicate slugs are merged (factor
// and service union, most severe rank, latest date, highest richness,
// onboarding:false wins).
//
// Reading order: pins in Pin order, then repeatedly the selected incident
// that teaches the most factors not yet taught by earlier steps (ties by
// quality, then slug), so a reader who stops early has learnt the most.
func Select(incidents []Incident, opts Options) Plan {
	if opts.Factors <= 0 {
		opts.Factors = DefaultFactors
	}
	if opts.NumSeverities <= 0 {
		opts.NumSeverities = DefaultNumSeverities
	}
	items := normalise(incidents, opts.Service)
	if len(items) == 0 {
		return Plan{}
	}
	for i := range items {
		items[i].recency = recency(opts.Now, items[i].date)
	}

	ft := tally(items, opts.NumSeverities)
	order := ft.ranked()
	k := min(opts.Factors, len(order))
	var plan Plan
	plan.All = make([]RankedFactor, len(order))
	for r, id := range order {
		plan.All[r] = RankedFactor{Slug: ft.names[id], Score: ft.scores[id], Count: ft.counts[id]}
	}
	if k > 0 {
		plan.Factors = slices.Clone(plan.All[:k])
	}
	words := max((k+63)/64, 1)
	masks := ft.masks(order[:k], words)

	pins, pinned := pinnedItems(items, opts.Pin)
	covered := make([]uint64, words)
	for _, i := range pins {
		orInto(covered, maskAt(masks, words, i))
	}
	cands := candidates(items, masks, words, covered, pinned, opts)
	cm := make([]uint64, len(cands)*words) // candidate masks minus pin coverage
	cq := make([]float64, len(cands))
	reach := make([]uint64, words) // everything candidates can cover
	for c, cd := range cands {
		m := maskAt(cm, words, c)
		andNot(m, maskAt(masks, words, cd.item), covered)
		orInto(reach, m)
		cq[c] = cd.q
	}
	// Uncovered: chosen factors neither pins nor candidates cover.
	for r, f := range plan.Factors {
		if !hasBit(covered, r) && !hasBit(reach, r) {
			plan.Uncovered = append(plan.Uncovered, f.Slug)
		}
	}

	chosen := greedyCover(cm, words, len(cands), reach)
	chosen = dropRedundant(cm, words, chosen)
	if better := exactCover(cm, cq, words, reach, len(chosen)); better != nil {
		chosen = better
	}
	chosen = readingOrder(cm, words, chosen)

	teaches := func(i int) []string {
		var out []string
		for r, f := range plan.Factors {
			if hasBit(maskAt(masks, words, i), r) {
				out = append(out, f.Slug)
			}
		}
		return out
	}
	for _, i := range pins {
		plan.Steps = append(plan.Steps, Step{Slug: items[i].slug, Teaches: teaches(i), Pinned: true})
	}
	for _, c := range chosen {
		i := cands[c].item
		plan.Steps = append(plan.Steps, Step{Slug: items[i].slug, Teaches: teaches(i)})
	}
	return plan
}

// factorTally is the factors of all items, interned, with their scores and counts. Per-item factor ids live in
// one flat slice (item i's are ids[offs[i]:offs[i+1]]) to keep the 10k-incident case allocation-light.
type factorTally struct {
	names  []string
	scores []float64
	counts []int
	ids    []int32
	offs   []int
}

func tally(items []item, numSeverities int) *factorTally {
	factorID := make(map[string]int32)
	ft := &factorTally{ids: make([]int32, 0, len(items)*3), offs: make([]int, len(items)+1)}
	for i := range items {
		it := &items[i]
		w := severityWeight(it.rank, numSeverities) * it.recency
		for _, f := range it.factors {
			id, ok := factorID[f]
			if !ok {
				id = int32(len(ft.names))
				factorID[f] = id
				ft.names = append(ft.names, f)
				ft.scores = append(ft.scores, 0)
				ft.counts = append(ft.counts, 0)
			}
			ft.scores[id] += w
			ft.counts[id]++
			ft.ids = append(ft.ids, id)
		}
		ft.offs[i+1] = len(ft.ids)
	}
	return ft
}

// ranked returns the factor ids by score, then count, then slug.
func (ft *factorTally) ranked() []int32 {
	order := make([]int32, len(ft.names))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int {
		if c := cmp.Compare(ft.scores[b], ft.scores[a]); c != 0 {
			return c
		}
		if c := cmp.Compare(ft.counts[b], ft.counts[a]); c != 0 {
			return c
		}
		return strings.Compare(ft.names[a], ft.names[b])
	})
	return order
}

// masks returns one bitset of `words` words per item over the chosen factors: bit r is chosen[r].
func (ft *factorTally) masks(chosen []int32, words int) []uint64 {
	pos := make([]int, len(ft.names)) // factor id -> rank position, or -1
	for i := range pos {
		pos[i] = -1
	}
	for r, id := range chosen {
		pos[id] = r
	}
	items := len(ft.offs) - 1
	masks := make([]uint64, items*words)
	for i := range items {
		m := maskAt(masks, words, i)
		for _, id := range ft.ids[ft.offs[i]:ft.offs[i+1]] {
			if r := pos[id]; r >= 0 {
				m[r/64] |= 1 << (r % 64)
			}
		}
	}
	return masks
}

// pinnedItems returns the items pinned by slug, in Pin order and each once, and which items they are; unknown
// slugs are ignored.
func pinnedItems(items []item, slugs []string) (pins []int, pinned []bool) {
	pinned = make([]bool, len(items))
	for _, s := range slugs {
		// items are sorted by unique slug, so a binary search finds pins.
		i, ok := slices.BinarySearchFunc(items, s, func(it item, s string) int { return strings.Compare(it.slug, s) })
		if ok && !pinned[i] {
			pinned[i] = true
			pins = append(pins, i)
		}
	}
	return pins, pinned
}

// candidate is an item the cover may choose, with its quality.
type candidate struct {
	item int
	q    float64
	slug string
}

// candidates are the eligible items that teach something the pins do not (covered), in preference order
// (quality desc, slug asc) so "lowest index wins" is the whole tie-break.
func candidates(items []item, masks []uint64, words int, covered []uint64, pinned []bool, opts Options) []candidate {
	skip := make(map[string]bool, len(opts.Skip))
	for _, s := range opts.Skip {
		skip[s] = true
	}
	var cands []candidate
	for i := range items {
		it := &items[i]
		if pinned[i] || skip[it.slug] || it.onboarding < 0 || popAndNot(maskAt(masks, words, i), covered) == 0 {
			continue
		}
		cands = append(cands, candidate{i, quality(it, opts.NumSeverities), it.slug})
	}
	// Slugs are unique after normalise, so this order is total.
	slices.SortFunc(cands, func(a, b candidate) int {
		if c := cmp.Compare(b.q, a.q); c != 0 {
			return c
		}
		return strings.Compare(a.slug, b.slug)
	})
	return cands
}

// normalise merges duplicate slugs, drops incidents outside the service
// scope and sorts by slug, which makes everything downstream independent of
// input order (including float summation order).
func normalise(incidents []Incident, service string) []item {
	idx := make(map[string]int, len(incidents))
	items := make([]item, 0, len(incidents))
	for i := range incidents {
		in := &incidents[i]
		if in.Slug == "" {
			continue // cannot be linked to
		}
		ob := int8(0)
		if in.Onboarding != nil {
			ob = -1
			if *in.Onboarding {
				ob = 1
			}
		}
		if j, ok := idx[in.Slug]; ok {
			// Duplicate slugs are a content error elsewhere; merge them
			// with commutative rules so the result stays order-free.
			it := &items[j]
			it.rank = min(it.rank, in.SeverityRank)
			if in.Date.After(it.date) {
				it.date = in.Date
			}
			it.richness = max(it.richness, in.Richness)
			if ob < 0 || it.onboarding < 0 {
				it.onboarding = -1 // an explicit opt-out wins
			} else {
				it.onboarding = max(it.onboarding, ob)
			}
			it.factors = unionInto(it.factors, in.Factors)
			it.services = unionInto(it.services, in.Services)
			continue
		}
		idx[in.Slug] = len(items)
		items = append(items, item{
			slug:       in.Slug,
			date:       in.Date,
			rank:       in.SeverityRank,
			richness:   in.Richness,
			onboarding: ob,
			factors:    unionInto(nil, in.Factors),
			services:   in.Services,
		})
	}
	if service != "" {
		items = slices.DeleteFunc(items, func(it item) bool {
			return !slices.Contains(it.services, service)
		})
	}
	// Sort a permutation rather than the wide structs themselves.
	perm := make([]int32, len(items))
	for i := range perm {
		perm[i] = int32(i)
	}
	slices.SortFunc(perm, func(a, b int32) int { return strings.Compare(items[a].slug, items[b].slug) })
	sorted := make([]item, len(items))
	for i, j := range perm {
		sorted[i] = items[j]
	}
	return sorted
}

// unionInto appends the non-empty members of add missing from dst. Lists
// are short (a handful of factors), so quadratic beats a map here.
func unionInto(dst, add []string) []string {
	if dst == nil && isSet(add) {
		return slices.Clip(add) // common case: share, never append in place
	}
	dst = slices.Clip(dst) // never write into the caller's backing array
	for _, s := range add {
		if s != "" && !slices.Contains(dst, s) {
			dst = append(dst, s)
		}
	}
	return dst
}

func isSet(xs []string) bool {
	for i, x := range xs {
		if x == "" || slices.Contains(xs[:i], x) {
			return false
		}
	}
	return true
}

func severityWeight(rank, n int) float64 {
	rank = min(max(rank, 0), n-1)
	return math.Ldexp(1, n-1-rank)
}

func recency(now, date time.Time) float64 {
	age := now.Sub(date) // saturates rather than overflowing
	if age <= 0 {
		return 1
	}
	years := age.Hours() / 24 / daysPerYear
	return math.Exp2(-years / HalfLifeYears)
}

func quality(it *item, n int) float64 {
	rank := min(max(it.rank, 0), n-1)
	sev := 1.0
	if n > 1 {
		sev = float64(n-1-rank) / float64(n-1)
	}
	rich := it.richness
	if math.IsNaN(rich) {
		rich = 0
	}
	rich = min(max(rich, 0), 1)
	q := qualitySeverity*sev + qualityRichness*rich + qualityRecency*it.recency
	if it.onboarding > 0 {
		q += qualityOnboarding
	}
	return q
}

// Bitset helpers over equal-length word slices.

func orInto(dst, src []uint64) {
	for i := range dst {
		dst[i] |= src[i]
	}
}

func andNot(dst, a, b []uint64) {
	for i := range dst {
		dst[i] = a[i] &^ b[i]
	}
}

func hasBit(a []uint64, r int) bool { return a[r/64]&(1<<(r%64)) != 0 }

func popAndNot(a, b []uint64) int {
	n := 0
	for i := range a {
		n += bits.OnesCount64(a[i] &^ b[i])
	}
	return n
}

func popAnd(a, b []uint64) int {
	n := 0
	for i := range a {
		n += bits.OnesCount64(a[i] & b[i])
	}
	return n
}

func popCount(a []uint64) int {
	n := 0
	for _, w := range a {
		n += bits.OnesCount64(w)
	}
	return n
}

func isZero(a []uint64) bool {
	for _, w := range a {
		if w != 0 {
			return false
		}
	}
	return true
}
