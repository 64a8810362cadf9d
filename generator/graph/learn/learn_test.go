package learn

import (
	"fmt"
	"math/bits"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"
)

var now = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

func yearsAgo(y float64) time.Time {
	return now.Add(-time.Duration(y * daysPerYear * 24 * float64(time.Hour)))
}

// inc builds a recent SEV3 with mid richness unless the test overrides it.
func inc(slug string, factors ...string) Incident {
	return Incident{Slug: slug, Date: yearsAgo(0.5), SeverityRank: 2, Richness: 0.5, Factors: factors}
}

func with(in Incident, f func(*Incident)) Incident { f(&in); return in }

func ptr(b bool) *bool { return &b }

func stepSlugs(p Plan) []string {
	var out []string
	for _, s := range p.Steps {
		out = append(out, s.Slug)
	}
	return out
}

func factorSlugs(p Plan) []string {
	var out []string
	for _, f := range p.Factors {
		out = append(out, f.Slug)
	}
	return out
}

// checkPlan asserts the invariants every plan must satisfy.
func checkPlan(t *testing.T, in []Incident, opts Options, p Plan) {
	t.Helper()
	chosen := map[string]bool{}
	for _, f := range p.Factors {
		chosen[f.Slug] = true
	}
	taught := map[string]bool{}
	seen := map[string]bool{}
	bySlug := map[string]Incident{}
	for _, x := range in {
		bySlug[x.Slug] = x
	}
	for _, s := range p.Steps {
		if seen[s.Slug] {
			t.Errorf("step %s appears twice", s.Slug)
		}
		seen[s.Slug] = true
		x := bySlug[s.Slug]
		if !s.Pinned {
			if slices.Contains(opts.Skip, s.Slug) {
				t.Errorf("skipped %s chosen", s.Slug)
			}
			if x.Onboarding != nil && !*x.Onboarding {
				t.Errorf("onboarding:false %s chosen", s.Slug)
			}
		}
		for _, f := range s.Teaches {
			if !chosen[f] || !slices.Contains(x.Factors, f) {
				t.Errorf("step %s teaches %s wrongly", s.Slug, f)
			}
			taught[f] = true
		}
	}
	for _, u := range p.Uncovered {
		if taught[u] {
			t.Errorf("factor %s both taught and uncovered", u)
		}
		taught[u] = true
	}
	for f := range chosen {
		if !taught[f] {
			t.Errorf("chosen factor %s neither taught nor reported uncovered", f)
		}
	}
}

func TestEmpty(t *testing.T) {
	for name, in := range map[string][]Incident{
		"nil":        nil,
		"no slug":    {{Factors: []string{"a"}}},
		"no service": {inc("x", "a")},
	} {
		opts := Options{Now: now, Pin: []string{"x"}, Skip: []string{"y"}}
		if name == "no service" {
			opts.Service = "db"
		}
		if p := Select(in, opts); !reflect.DeepEqual(p, Plan{}) {
			t.Errorf("%s: got %+v, want empty plan", name, p)
		}
	}
	// Incidents without factors: nothing to teach, nothing chosen.
	p := Select([]Incident{inc("x"), inc("y", "")}, Options{Now: now})
	if len(p.Factors) != 0 || len(p.Steps) != 0 || len(p.Uncovered) != 0 {
		t.Errorf("factorless input: got %+v", p)
	}
}

func TestSelectTable(t *testing.T) {
	tests := []struct {
		name      string
		in        []Incident
		opts      Options
		factors   []string
		steps     []string
		uncovered []string
	}{
		{
			name: "single incident covers all",
			in:   []Incident{inc("a", "f1", "f2"), inc("b", "f1"), inc("c", "f2")},
			opts: Options{Factors: 2},
			// Scores tie (same weights), count ties, so slug order.
			factors: []string{"f1", "f2"},
			steps:   []string{"a"},
		},
		{
			name: "fewer factors than requested",
			in:   []Incident{inc("a", "f1"), inc("b", "f2")},
			opts: Options{Factors: 10},
			// f1, f2 tie; reading order: equal teaching, quality equal, slug.
			factors: []string{"f1", "f2"},
			steps:   []string{"a", "b"},
		},
		{
			name:    "count breaks score ties",
			in:      []Incident{inc("a", "zz"), with(inc("b", "aa"), func(x *Incident) { x.SeverityRank = 1 }), inc("c", "zz")},
			opts:    Options{Factors: 1},
			factors: []string{"zz"}, // aa: 4w; zz: 2w+2w (equal), but count 2
			steps:   []string{"a"},
		},
		{
			name: "pin first, its factors count as covered",
			in: []Incident{
				inc("big", "f1", "f2", "f3"),
				inc("pin", "f1", "f2"),
				inc("small", "f3"),
			},
			opts:    Options{Pin: []string{"pin"}},
			factors: []string{"f1", "f2", "f3"},
			steps:   []string{"pin", "big"}, // big and small both add only f3: slug decides
		},
		{
			name: "skip honoured, alternatives used",
			in: []Incident{
				inc("big", "f1", "f2"),
				inc("x1", "f1"),
				inc("x2", "f2"),
			},
			opts:    Options{Skip: []string{"big"}},
			factors: []string{"f1", "f2"},
			steps:   []string{"x1", "x2"},
		},
		{
			name: "skipped incidents still rank, factor reported uncovered",
			in: []Incident{
				with(inc("bad", "f1"), func(x *Incident) { x.SeverityRank = 0 }),
				inc("ok", "f2"),
			},
			opts:      Options{Skip: []string{"bad"}},
			factors:   []string{"f1", "f2"},
			steps:     []string{"ok"},
			uncovered: []string{"f1"},
		},
		{
			name: "onboarding false never chosen",
			in: []Incident{
				with(inc("secret", "f1", "f2"), func(x *Incident) { x.Onboarding = ptr(false) }),
				inc("x1", "f1"),
			},
			opts:      Options{},
			factors:   []string{"f1", "f2"},
			steps:     []string{"x1"},
			uncovered: []string{"f2"},
		},
		{
			name: "pin overrides skip and onboarding false",
			in: []Incident{
				with(inc("p", "f1"), func(x *Incident) { x.Onboarding = ptr(false) }),
				inc("q", "f2"),
			},
			opts:    Options{Pin: []string{"p", "q", "nope", "p"}, Skip: []string{"p", "q"}},
			factors: []string{"f1", "f2"},
			steps:   []string{"p", "q"},
		},
		{
			name: "service restriction",
			in: []Incident{
				with(inc("db1", "locks"), func(x *Incident) { x.Services = []string{"db"} }),
				with(inc("web1", "cache", "locks"), func(x *Incident) { x.Services = []string{"web"}; x.SeverityRank = 0 }),
				with(inc("both", "retries"), func(x *Incident) { x.Services = []string{"web", "db"} }),
			},
			opts:    Options{Service: "db", Pin: []string{"web1"}}, // pin outside the scope is ignored
			factors: []string{"locks", "retries"},
			steps:   []string{"both", "db1"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.Now = now
			p := Select(tc.in, tc.opts)
			checkPlan(t, tc.in, tc.opts, p)
			if got := factorSlugs(p); !slices.Equal(got, tc.factors) {
				t.Errorf("factors = %v, want %v", got, tc.factors)
			}
			if got := stepSlugs(p); !slices.Equal(got, tc.steps) {
				t.Errorf("steps = %v, want %v", got, tc.steps)
			}
			if !slices.Equal(p.Uncovered, tc.uncovered) {
				t.Errorf("uncovered = %v, want %v", p.Uncovered, tc.uncovered)
			}
		})
	}
}

func TestPinnedFlagAndTeaches(t *testing.T) {
	in := []Incident{
		with(inc("a", "f3", "f1"), func(x *Incident) { x.SeverityRank = 3 }),
		with(inc("b", "f1", "f2"), func(x *Incident) { x.SeverityRank = 0 }),
		with(inc("c", "f3"), func(x *Incident) { x.SeverityRank = 1 }),
	}
	p := Select(in, Options{Now: now, Pin: []string{"a"}})
	// f1: 1+8=9, f2: 8, f3: 1+4=5.
	if got := factorSlugs(p); !slices.Equal(got, []string{"f1", "f2", "f3"}) {
		t.Fatalf("factors = %v", got)
	}
	want := []Step{
		{Slug: "a", Teaches: []string{"f1", "f3"}, Pinned: true}, // ranked order, not frontmatter order
		{Slug: "b", Teaches: []string{"f1", "f2"}},               // all chosen factors it covers
	}
	if !reflect.DeepEqual(p.Steps, want) {
		t.Errorf("steps = %+v, want %+v", p.Steps, want)
	}
}

func TestGreedyTrap(t *testing.T) {
	// Two rows of 7 factors. Greedy takes the 8-wide column block, then
	// the 4-wide, then the 2-wide (3 picks, none redundant); the two rows
	// cover everything with 2.
	var top, bottom []string
	for i := range 7 {
		top = append(top, fmt.Sprintf("a%d", i))
		bottom = append(bottom, fmt.Sprintf("b%d", i))
	}
	cols := func(lo, hi int) []string {
		return append(slices.Clone(top[lo:hi]), bottom[lo:hi]...)
	}
	in := []Incident{
		// Columns are better write-ups, so they win every greedy tie too.
		with(inc("row-top", top...), func(x *Incident) { x.Richness = 0 }),
		with(inc("row-bottom", bottom...), func(x *Incident) { x.Richness = 0 }),
		with(inc("col-1", cols(0, 1)...), func(x *Incident) { x.Richness = 1 }),
		with(inc("col-2", cols(1, 3)...), func(x *Incident) { x.Richness = 1 }),
		with(inc("col-4", cols(3, 7)...), func(x *Incident) { x.Richness = 1 }),
	}
	opts := Options{Now: now, Factors: 14}

	// Confirm the instance really traps the greedy stage.
	words := 1
	cm := make([]uint64, len(in))
	idx := map[string]int{}
	for i, f := range append(slices.Clone(top), bottom...) {
		idx[f] = i
	}
	for c, x := range in {
		for _, f := range x.Factors {
			cm[c] |= 1 << idx[f]
		}
	}
	g := dropRedundant(cm, words, greedyCover(cm, words, len(in), []uint64{1<<14 - 1}))
	if len(g) != 3 {
		t.Fatalf("greedy picked %d, the trap expects 3", len(g))
	}

	p := Select(in, opts)
	checkPlan(t, in, opts, p)
	if got := stepSlugs(p); !slices.Equal(got, []string{"row-bottom", "row-top"}) {
		t.Errorf("steps = %v, want the two rows", got)
	}
}

func TestRedundantGreedyPickDropped(t *testing.T) {
	// Greedy takes "wide" (4 factors) first, then needs x and y; the two
	// halves cover everything and make "wide" redundant.
	in := []Incident{
		with(inc("half1", "f1", "f2", "f3"), func(x *Incident) { x.Richness = 0 }),
		with(inc("half2", "f4", "f5", "f6"), func(x *Incident) { x.Richness = 0 }),
		with(inc("wide", "f1", "f2", "f4", "f5"), func(x *Incident) { x.Richness = 1 }),
	}
	p := Select(in, Options{Now: now})
	if got := stepSlugs(p); len(got) != 2 || slices.Contains(got, "wide") {
		t.Errorf("steps = %v, want the two halves", got)
	}
}

func TestOnboardingTruePreferredOnTies(t *testing.T) {
	in := []Incident{
		// "a" is better on every quality axis except the flag.
		with(inc("a", "f1"), func(x *Incident) { x.SeverityRank = 0; x.Richness = 1; x.Date = now }),
		with(inc("b", "f1"), func(x *Incident) { x.SeverityRank = 3; x.Richness = 0; x.Onboarding = ptr(true) }),
		with(inc("c", "f1"), func(x *Incident) { x.SeverityRank = 3; x.Richness = 0 }),
	}
	if got := stepSlugs(Select(in, Options{Now: now})); !slices.Equal(got, []string{"b"}) {
		t.Errorf("steps = %v, want [b]", got)
	}
	// Without the flag, quality decides: severity, richness, recency.
	in[1].Onboarding = nil
	if got := stepSlugs(Select(in, Options{Now: now})); !slices.Equal(got, []string{"a"}) {
		t.Errorf("steps = %v, want [a]", got)
	}
	// Coverage still comes first: the flag only breaks ties.
	in = append(in, inc("wide", "f1", "f2"))
	in[1].Onboarding = ptr(true)
	if got := stepSlugs(Select(in, Options{Now: now})); !slices.Equal(got, []string{"wide"}) {
		t.Errorf("steps = %v, want [wide]", got)
	}
}

func TestSeverityRecencyWeighting(t *testing.T) {
	var in []Incident
	// Ten SEV4s in 2017 on one factor...
	for i := range 10 {
		in = append(in, Incident{Slug: fmt.Sprintf("old%d", i), SeverityRank: 3,
			Date: time.Date(2017, 3, 1, 0, 0, 0, 0, time.UTC), Factors: []string{"old-factor"}})
	}
	// ...against one SEV1 last year.
	in = append(in, Incident{Slug: "new", SeverityRank: 0, Date: yearsAgo(1), Factors: []string{"new-factor"}})
	p := Select(in, Options{Now: now, Factors: 1})
	if got := factorSlugs(p); !slices.Equal(got, []string{"new-factor"}) {
		t.Errorf("top factor = %v, want new-factor (scores %+v)", got, Select(in, Options{Now: now}).Factors)
	}

	score := func(in Incident, opts Options) float64 {
		return Select([]Incident{in}, opts).Factors[0].Score
	}
	base := Incident{Slug: "x", Factors: []string{"f"}, Date: now}
	for _, tc := range []struct {
		name string
		in   Incident
		opts Options
		want float64
	}{
		{"SEV1 today", base, Options{Now: now}, 8},
		{"SEV4 today", with(base, func(x *Incident) { x.SeverityRank = 3 }), Options{Now: now}, 1},
		{"rank clamped high", with(base, func(x *Incident) { x.SeverityRank = 9 }), Options{Now: now}, 1},
		{"rank clamped low", with(base, func(x *Incident) { x.SeverityRank = -2 }), Options{Now: now}, 8},
		{"two severities", base, Options{Now: now, NumSeverities: 2}, 2},
		{"half-life", with(base, func(x *Incident) { x.Date = yearsAgo(HalfLifeYears) }), Options{Now: now}, 4},
		{"future is age 0", with(base, func(x *Incident) { x.Date = now.AddDate(1, 0, 0) }), Options{Now: now}, 8},
		{"zero Now disables decay", with(base, func(x *Incident) { x.Date = yearsAgo(10) }), Options{}, 8},
	} {
		if got := score(tc.in, tc.opts); got < tc.want*0.999 || got > tc.want*1.001 {
			t.Errorf("%s: score %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestDefaultFactorCount(t *testing.T) {
	var in []Incident
	for i := range 25 {
		in = append(in, inc(fmt.Sprintf("i%02d", i), fmt.Sprintf("f%02d", i)))
	}
	p := Select(in, Options{Now: now})
	if len(p.Factors) != DefaultFactors || len(p.Steps) != DefaultFactors {
		t.Errorf("got %d factors, %d steps; want %d each", len(p.Factors), len(p.Steps), DefaultFactors)
	}
}

func TestDuplicatesAndInputNotMutated(t *testing.T) {
	fs := make([]string, 1, 4) // spare capacity: an append would leak into it
	fs[0] = "f1"
	in := []Incident{
		{Slug: "d", Date: now, Factors: fs},
		{Slug: "d", Date: now, Factors: []string{"f2", "f1", "f1"}},
	}
	p := Select(in, Options{Now: now})
	if got := stepSlugs(p); !slices.Equal(got, []string{"d"}) {
		t.Errorf("steps = %v", got)
	}
	for _, f := range p.Factors {
		if f.Count != 1 {
			t.Errorf("factor %s count %d, want 1 (duplicates merged)", f.Slug, f.Count)
		}
	}
	if got := fs[:cap(fs)]; got[1] != "" {
		t.Errorf("caller's factor slice was written to: %q", got)
	}
	// An explicit opt-out on either copy wins.
	in[1].Onboarding = ptr(false)
	in[0].Onboarding = ptr(true)
	if p := Select(in, Options{Now: now}); len(p.Steps) != 0 {
		t.Errorf("merged onboarding:false still chosen: %v", stepSlugs(p))
	}
}

// randomInstance makes small instances with plenty of ties.
func randomInstance(r *rand.Rand, n, nf int) []Incident {
	var in []Incident
	for i := range n {
		x := Incident{
			Slug:         fmt.Sprintf("inc-%02d", i),
			SeverityRank: r.IntN(4),
			Date:         now.AddDate(-r.IntN(4), 0, 0),
			Richness:     float64(r.IntN(3)) / 2,
			Services:     []string{fmt.Sprintf("svc%d", r.IntN(3))},
		}
		for range 1 + r.IntN(4) {
			x.Factors = append(x.Factors, fmt.Sprintf("f%d", r.IntN(nf)))
		}
		switch r.IntN(8) {
		case 0:
			x.Onboarding = ptr(false)
		case 1:
			x.Onboarding = ptr(true)
		}
		in = append(in, x)
	}
	return in
}

func randomOpts(r *rand.Rand, in []Incident) Options {
	opts := Options{Now: now, Factors: 1 + r.IntN(8)}
	if r.IntN(3) == 0 {
		opts.Pin = []string{in[r.IntN(len(in))].Slug}
	}
	if r.IntN(3) == 0 {
		opts.Skip = []string{in[r.IntN(len(in))].Slug, in[r.IntN(len(in))].Slug}
	}
	if r.IntN(4) == 0 {
		opts.Service = "svc1"
	}
	return opts
}

func TestShuffleDeterminism(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for trial := range 200 {
		in := randomInstance(r, 2+r.IntN(30), 2+r.IntN(10))
		opts := randomOpts(r, in)
		want := Select(in, opts)
		checkPlan(t, in, opts, want)
		for range 5 {
			sh := slices.Clone(in)
			r.Shuffle(len(sh), func(i, j int) { sh[i], sh[j] = sh[j], sh[i] })
			for i := range sh { // factor order inside an incident must not matter either
				sh[i].Factors = slices.Clone(sh[i].Factors)
				r.Shuffle(len(sh[i].Factors), func(a, b int) {
					sh[i].Factors[a], sh[i].Factors[b] = sh[i].Factors[b], sh[i].Factors[a]
				})
			}
			if got := Select(sh, opts); !reflect.DeepEqual(got, want) {
				t.Fatalf("trial %d: shuffled input changed the plan:\n got %+v\nwant %+v", trial, got, want)
			}
		}
	}
}

// TestMinimalAgainstBruteForce checks the cover size against exhaustive
// search on instances small enough to enumerate.
func TestMinimalAgainstBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for trial := range 500 {
		in := randomInstance(r, 2+r.IntN(13), 3+r.IntN(8))
		opts := randomOpts(r, in)
		p := Select(in, opts)
		checkPlan(t, in, opts, p)

		pos := map[string]int{}
		for i, f := range p.Factors {
			pos[f.Slug] = i
		}
		full := uint64(0)
		for _, f := range p.Factors {
			if !slices.Contains(p.Uncovered, f.Slug) {
				full |= 1 << pos[f.Slug]
			}
		}
		pinned := uint64(0)
		for _, s := range p.Steps {
			if s.Pinned {
				for _, f := range s.Teaches {
					pinned |= 1 << pos[f]
				}
			}
		}
		var masks []uint64
		for _, x := range in {
			if slices.Contains(opts.Pin, x.Slug) || slices.Contains(opts.Skip, x.Slug) ||
				(x.Onboarding != nil && !*x.Onboarding) ||
				(opts.Service != "" && !slices.Contains(x.Services, opts.Service)) {
				continue
			}
			m := uint64(0)
			for _, f := range x.Factors {
				if i, ok := pos[f]; ok {
					m |= 1 << i
				}
			}
			masks = append(masks, m)
		}
		best := len(masks) + 1
		for sub := 0; sub < 1<<len(masks); sub++ {
			cov := pinned
			for i, m := range masks {
				if sub&(1<<i) != 0 {
					cov |= m
				}
			}
			if cov&full == full {
				best = min(best, bits.OnesCount(uint(sub)))
			}
		}
		got := 0
		for _, s := range p.Steps {
			if !s.Pinned {
				got++
			}
		}
		if got != best {
			t.Fatalf("trial %d: %d steps, optimum %d\nin=%+v\nopts=%+v\nplan=%+v", trial, got, best, in, opts, p)
		}
	}
}

func TestReadingOrderMostTeachingFirst(t *testing.T) {
	// All three are needed; the one teaching most goes first.
	in := []Incident{
		inc("a", "f1"),
		inc("b", "f2", "f3", "f4"),
		inc("c", "f5", "f6"),
	}
	if got := stepSlugs(Select(in, Options{Now: now})); !slices.Equal(got, []string{"b", "c", "a"}) {
		t.Errorf("steps = %v, want [b c a]", got)
	}
}

// synthetic builds n incidents over nf factors and 40 services, with a
// long-tailed factor distribution like real postmortems.
func synthetic(n, nf int) []Incident {
	r := rand.New(rand.NewPCG(42, 7))
	in := make([]Incident, n)
	for i := range in {
		x := Incident{
			Slug:         fmt.Sprintf("%04d-incident-%d", 2015+i%11, i),
			Title:        "synthetic",
			SeverityRank: r.IntN(4),
			Date:         now.AddDate(0, 0, -r.IntN(11*365)),
			Richness:     r.Float64(),
			Services:     []string{fmt.Sprintf("svc-%d", r.IntN(40)), fmt.Sprintf("svc-%d", r.IntN(40))},
		}
		for range 1 + r.IntN(5) {
			f := int(float64(nf) * r.Float64() * r.Float64()) // skew to low ids
			x.Factors = append(x.Factors, fmt.Sprintf("factor-%02d", f))
		}
		if r.IntN(50) == 0 {
			x.Onboarding = ptr(r.IntN(2) == 0)
		}
		in[i] = x
	}
	return in
}

func TestSynthetic(t *testing.T) {
	in := synthetic(10_000, 60)
	for _, opts := range []Options{
		{Now: now},
		{Now: now, Factors: 60},
		{Now: now, Factors: 60, Service: "svc-3"},
	} {
		p := Select(in, opts)
		checkPlan(t, in, opts, p)
		if want := max(opts.Factors, DefaultFactors); len(p.Factors) > want || len(p.Factors) < want-5 {
			t.Errorf("%+v: %d factors, want about %d", opts, len(p.Factors), want)
		}
		t.Logf("service=%q factors=%d steps=%d uncovered=%d", opts.Service, len(p.Factors), len(p.Steps), len(p.Uncovered))
	}
}

func BenchmarkSelect(b *testing.B) {
	in := synthetic(10_000, 60)
	for _, bc := range []struct {
		name string
		opts Options
	}{
		{"factors=10", Options{Now: now}},
		{"factors=60", Options{Now: now, Factors: 60}},
		{"service", Options{Now: now, Factors: 60, Service: "svc-3"}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Select(in, bc.opts)
			}
		})
	}
}

func TestGreedyTrapMultiWord(t *testing.T) {
	// The trap scaled to two rows of 63 (126 factors, two bitset words):
	// columns of widths 1,2,4,...,32 each beat the rows at their turn, so
	// greedy takes all six; two rows suffice.
	var top, bottom []string
	for i := range 63 {
		top = append(top, fmt.Sprintf("a%03d", i))
		bottom = append(bottom, fmt.Sprintf("b%03d", i))
	}
	in := []Incident{inc("row-top", top...), inc("row-bottom", bottom...)}
	for lo, w := 0, 1; w <= 32; lo, w = lo+w, w*2 {
		in = append(in, inc(fmt.Sprintf("col-%02d", w), append(slices.Clone(top[lo:lo+w]), bottom[lo:lo+w]...)...))
	}
	opts := Options{Now: now, Factors: 200}
	p := Select(in, opts)
	checkPlan(t, in, opts, p)
	if len(p.Factors) != 126 {
		t.Fatalf("%d factors, want 126", len(p.Factors))
	}
	if got := stepSlugs(p); !slices.Equal(got, []string{"row-bottom", "row-top"}) {
		t.Errorf("steps = %v, want the two rows", got)
	}
}

func TestExactPrefersQualityAmongSmallest(t *testing.T) {
	// Candidates in preference order (quality desc). Two 2-covers exist:
	// {P,L} (found first, quality 1.0) and {M,R} (quality 1.35).
	const P, M, R, L = 1<<3 | 1<<0, 1<<0 | 1<<1, 1<<3 | 1<<2, 1<<1 | 1<<2
	cm := []uint64{P, M, R, L}
	cq := []float64{0.9, 0.85, 0.5, 0.1}
	got := exactCover(cm, cq, 1, []uint64{0b1111}, 3)
	slices.Sort(got)
	if !slices.Equal(got, []int{1, 2}) {
		t.Errorf("exact cover = %v, want [1 2] (M, R)", got)
	}
	if got := exactCover(cm, cq, 1, []uint64{0b1111}, 2); got != nil {
		t.Errorf("no cover smaller than 2 exists, got %v", got)
	}
}

// TestExactDense exercises the exact search near its size limit, where the
// node budget may cut it short: any answer must still be a smaller cover.
func TestExactDense(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	improved := 0
	for range 100 {
		n, dens := maxExact, 3+r.IntN(20)
		cm := make([]uint64, n)
		cq := make([]float64, n)
		for c := range cm {
			for range dens + r.IntN(dens) {
				cm[c] |= 1 << r.IntN(60)
			}
			cq[c] = float64(n-c) / float64(n) // index order = preference
		}
		reach := []uint64{0}
		for _, m := range cm {
			reach[0] |= m
		}
		g := dropRedundant(cm, 1, greedyCover(cm, 1, n, reach))
		best := exactCover(cm, cq, 1, reach, len(g))
		if best == nil {
			continue
		}
		improved++
		cov := uint64(0)
		for _, c := range best {
			cov |= cm[c]
		}
		if cov != reach[0] || len(best) >= len(g) {
			t.Fatalf("exact %v (cov %x) not a smaller cover than greedy %v (target %x)", best, cov, g, reach[0])
		}
	}
	if improved == 0 {
		t.Error("exact search never beat greedy on dense random instances")
	}
}
