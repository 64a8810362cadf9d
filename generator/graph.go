package generator

import (
	"cmp"
	"html/template"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Term is one entry of a taxonomy (a contributing factor, tag, service, team, severity or year) with its incidents.
type Term struct {
	Kind        string // "factors", "tags", "services", "teams", "severities", "years"
	Slug        string
	Name        string
	Description template.HTML // factors: from factors/<slug>.md, else the first description given in a postmortem
	Incidents   []*Postmortem // newest first
	Source      string        // the factors/ file, when there is one
	CoFactors   []TermCount   // factors: the factors that most often occur together with this one
	Related     []TermCount   // factors: the services it touched; services: the factors that recur on it
	Severities  []TermCount   // severities involved, in configured order
	spellings   map[string]int

	factorBody     []byte // factors/ file: Markdown, rendered by the markdown stage
	factorBodyLine int
	aliases        []string
}

// TermCount is a term with how many incidents it shares with another.
type TermCount struct {
	Term  *Term
	Count int
}

// URL is the term page's path relative to the site root; templates percent-encode it in links.
func (t *Term) URL() string { return t.Kind + "/" + t.Slug + "/" }

// Latest is the most recent incident of the term.
func (t *Term) Latest() *Postmortem {
	if len(t.Incidents) == 0 {
		return nil
	}
	return t.Incidents[0]
}

// Similarity is an incident that shares contributing factors and services with another one.
type Similarity struct {
	Incident *Postmortem
	Score    float64
	Factors  []*Term
	Services []*Term
}

// taxonomy collects the terms of one kind, normalising names to one entry per slug.
type taxonomy struct {
	kind  string
	terms map[string]*Term
}

func newTaxonomy(kind string) *taxonomy { return &taxonomy{kind: kind, terms: map[string]*Term{}} }

func (tx *taxonomy) term(slug, name string) *Term {
	t := tx.terms[slug]
	if t == nil {
		t = &Term{Kind: tx.kind, Slug: slug, spellings: map[string]int{}}
		tx.terms[slug] = t
	}
	if name != "" {
		t.spellings[name]++
	}
	return t
}

func (tx *taxonomy) add(name string, p *Postmortem) *Term {
	slug := Slugify(name)
	if slug == "" {
		return nil
	}
	t := tx.term(slug, name)
	if n := len(t.Incidents); n == 0 || t.Incidents[n-1] != p {
		t.Incidents = append(t.Incidents, p)
	}
	return t
}

// sorted names every term (most common spelling unless a name is set) and orders terms by incident count, then name.
func (tx *taxonomy) sorted() []*Term {
	out := make([]*Term, 0, len(tx.terms))
	for _, t := range tx.terms {
		if t.Name == "" {
			best, n := "", -1
			for s, c := range t.spellings {
				if c > n || c == n && s < best {
					best, n = s, c
				}
			}
			t.Name = best
			if t.Name == "" {
				t.Name = t.Slug
			}
		}
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool {
		if len(out[i].Incidents) != len(out[j].Incidents) {
			return len(out[i].Incidents) > len(out[j].Incidents)
		}
		return out[i].Slug < out[j].Slug
	})
	return out
}

// Site is the whole knowledge base after the graph stage: the listed incidents and every index.
type Site struct {
	Config     *Config
	Incidents  []*Postmortem // listed (published; drafts too with --drafts), newest first
	bySlug     map[string]*Postmortem
	Factors    []*Term // by incident count
	Tags       []*Term
	Services   []*Term
	Teams      []*Term
	Severities []*Term // configured order
	Years      []*Term // newest first
	BuildDate  time.Time
	factorIdx  map[string]*Term
	serviceIdx map[string]*Term
	learnMemo  *learnMemo // the reading path's last selection (learnData)

	memoMu sync.Mutex     // guards what pages compute on first use and a patched save keeps:
	recent *recentFactors // RecentFactors
}

// Incident returns the listed incident with that slug, or nil.
func (s *Site) Incident(slug string) *Postmortem { return s.bySlug[slug] }

// FactorTerm returns the factor with that slug, or nil.
func (s *Site) FactorTerm(slug string) *Term { return s.factorIdx[slug] }

// buildGraph derives the indexes, backlinks and similar incidents from the listed postmortems. factorFiles holds
// the factor catalogue's own entries (from factors/*.md).
func buildGraph(cfg *Config, listed []*Postmortem, factorFiles map[string]*Term, r *resolver, mc *MemCache) *Site {
	sortPostmortems(listed)
	s := &Site{Config: cfg, Incidents: listed, bySlug: map[string]*Postmortem{}}
	factors, tags, services, teams := newTaxonomy("factors"), newTaxonomy("tags"), newTaxonomy("services"), newTaxonomy("teams")
	years := newTaxonomy("years")
	sevs := newTaxonomy("severities")
	for _, t := range factorFiles {
		factors.terms[t.Slug] = t
	}
	for _, sv := range cfg.Severities {
		t := sevs.term(Slugify(sv.ID), sv.ID)
		t.Name = sv.ID
		t.Description = template.HTML(template.HTMLEscapeString(sv.Description))
	}
	for _, p := range listed {
		s.bySlug[p.Slug] = p
		for i := range p.Factors {
			f := &p.Factors[i]
			f.Slug = r.slugOf(f)
			t := factors.term(f.Slug, f.Name)
			if n := len(t.Incidents); n == 0 || t.Incidents[n-1] != p {
				t.Incidents = append(t.Incidents, p)
			}
			if t.Description == "" && f.Description != "" {
				t.Description = template.HTML("<p>" + template.HTMLEscapeString(f.Description) + "</p>")
			}
		}
		for _, n := range p.Tags {
			tags.add(n, p)
		}
		for _, n := range p.Services {
			if t := services.add(n, p); t != nil {
				p.svcTerms = append(p.svcTerms, t)
			}
		}
		for _, n := range p.Teams {
			teams.add(n, p)
		}
		if p.Severity != "" {
			sevs.add(p.Severity, p)
		}
		years.add(strconv.Itoa(p.Date.Year()), p)
	}
	s.Factors = factors.sorted()
	s.Tags = tags.sorted()
	s.Services = services.sorted()
	s.Teams = teams.sorted()
	for _, sv := range cfg.Severities {
		s.Severities = append(s.Severities, sevs.terms[Slugify(sv.ID)])
	}
	s.Years = years.sorted()
	sort.Slice(s.Years, func(i, j int) bool { return s.Years[i].Slug > s.Years[j].Slug })
	s.factorIdx = index(s.Factors)
	s.serviceIdx = index(s.Services)

	// Three independent passes (each writes fields the others do not read): on every core.
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); s.linkBothWays() }()
	go func() { defer wg.Done(); s.relateFactorsCached(mc) }()
	s.similarCached(5, mc)
	wg.Wait()
	return s
}

func index(terms []*Term) map[string]*Term {
	m := make(map[string]*Term, len(terms))
	for _, t := range terms {
		m[t.Slug] = t
	}
	return m
}

// linkBothWays fills backlinks (body links and related: from other incidents) and related in both directions.
func (s *Site) linkBothWays() {
	seenBack := map[[2]*Postmortem]bool{}
	seenRel := map[[2]*Postmortem]bool{}
	addBack := func(to, from *Postmortem) {
		if to == from || seenBack[[2]*Postmortem{to, from}] {
			return
		}
		seenBack[[2]*Postmortem{to, from}] = true
		to.Backlinks = append(to.Backlinks, from)
	}
	addRel := func(a, b *Postmortem) {
		if a == b || seenRel[[2]*Postmortem{a, b}] {
			return
		}
		seenRel[[2]*Postmortem{a, b}] = true
		a.RelatedTo = append(a.RelatedTo, b)
	}
	for _, p := range s.Incidents {
		for _, ref := range p.Outlinks {
			if to := s.bySlug[ref.Slug]; to != nil && !ref.Factor {
				addBack(to, p)
			}
		}
		for _, ref := range p.Related {
			if to := s.bySlug[ref.Slug]; to != nil {
				addRel(p, to)
				addRel(to, p)
				addBack(to, p)
			}
		}
	}
	for _, p := range s.Incidents {
		sortPostmortems(p.Backlinks)
		sortPostmortems(p.RelatedTo)
	}
}

// relateFactors counts, for each factor, the factors that occur with it, the services it touched and the severities
// involved; and for each service the factors that recur on it.
func (s *Site) relateFactors() {
	for _, f := range s.Factors {
		co := map[*Term]int{}
		svc := map[*Term]int{}
		sev := map[string]int{}
		for _, p := range f.Incidents {
			for _, g := range p.Factors {
				if t := s.factorIdx[g.Slug]; t != nil && t != f {
					co[t]++
				}
			}
			for _, t := range p.svcTerms {
				svc[t]++
			}
			if p.Severity != "" {
				sev[p.Severity]++
			}
		}
		f.CoFactors = topCounts(co, 8)
		f.Related = topCounts(svc, 8)
		f.Severities = nil
		for _, t := range s.Severities {
			if n := sev[t.Name]; n > 0 {
				f.Severities = append(f.Severities, TermCount{t, n})
			}
		}
	}
	for _, sv := range s.Services {
		fs := map[*Term]int{}
		for _, p := range sv.Incidents {
			for _, g := range p.Factors {
				if t := s.factorIdx[g.Slug]; t != nil {
					fs[t]++
				}
			}
		}
		sv.Related = topCounts(fs, 8)
	}
}

func topCounts(m map[*Term]int, n int) []TermCount {
	out := make([]TermCount, 0, len(m))
	for t, c := range m {
		out = append(out, TermCount{t, c})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Term.Slug < out[j].Term.Slug
	})
	if len(out) > n {
		out = out[:n]
	}
	return out
}

// similar finds, for every incident, the incidents sharing the most contributing factors and services, each shared
// term weighted by its rarity (inverse document frequency): sharing a rare factor says more than sharing a common one.
// Services count half as much as factors: a shared latent condition teaches more than a shared component.
// Scores accumulate in dense per-worker arrays rather than maps: with 10,000 incidents each one meets thousands of
// candidates, and this loop would otherwise dominate the graph stage.
func (s *Site) similar(limit int) {
	n := len(s.Incidents)
	ord := make(map[*Postmortem]int32, n)
	for i, p := range s.Incidents {
		ord[p] = int32(i)
	}
	type weighted struct {
		term   *Term
		weight float64
		factor bool
		posts  []int32
	}
	postings := map[*Term]*weighted{}
	posting := func(t *Term, factor bool) *weighted {
		if w := postings[t]; w != nil {
			return w
		}
		w := &weighted{term: t, factor: factor, weight: math.Log(1 + float64(n)/float64(len(t.Incidents)))}
		if !factor {
			w.weight *= 0.5
		}
		w.posts = make([]int32, len(t.Incidents))
		for i, q := range t.Incidents {
			w.posts[i] = ord[q]
		}
		postings[t] = w
		return w
	}
	termsOf := make([][]*weighted, n)
	for i, p := range s.Incidents {
		seen := map[*Term]bool{}
		for _, f := range p.Factors {
			if t := s.factorIdx[f.Slug]; t != nil && !seen[t] {
				seen[t] = true
				termsOf[i] = append(termsOf[i], posting(t, true))
			}
		}
		for _, t := range p.svcTerms {
			if !seen[t] {
				seen[t] = true
				termsOf[i] = append(termsOf[i], posting(t, false))
			}
		}
	}
	type scratch struct {
		score   []float64
		factors []int32
		touched []int32
	}
	var ignored Diagnostics
	pool := make(chan *scratch, 8)
	parallel(n, func(i int, _ *Diagnostics) {
		var sc *scratch
		select {
		case sc = <-pool:
		default:
			sc = &scratch{score: make([]float64, n), factors: make([]int32, n)}
		}
		for _, w := range termsOf[i] {
			for _, q := range w.posts {
				if int(q) == i {
					continue
				}
				if sc.score[q] == 0 {
					sc.touched = append(sc.touched, q)
				}
				sc.score[q] += w.weight
				if w.factor {
					sc.factors[q]++
				}
			}
		}
		top := make([]int32, 0, limit+1)
		better := func(a, b int32) bool {
			if sc.score[a] != sc.score[b] {
				return sc.score[a] > sc.score[b]
			}
			pa, pb := s.Incidents[a], s.Incidents[b]
			if !pa.Date.Equal(pb.Date) {
				return pa.Date.After(pb.Date)
			}
			return pa.Slug < pb.Slug
		}
		for _, q := range sc.touched {
			if sc.factors[q] == 0 {
				continue // sharing only a service is not a shared lesson
			}
			if len(top) == limit && !better(q, top[limit-1]) {
				continue
			}
			k := len(top)
			top = append(top, q)
			for k > 0 && better(q, top[k-1]) {
				top[k] = top[k-1]
				k--
			}
			top[k] = q
			if len(top) > limit {
				top = top[:limit]
			}
		}
		list := make([]Similarity, 0, len(top))
		for _, q := range top {
			sim := Similarity{Incident: s.Incidents[q], Score: sc.score[q]}
			for _, w := range termsOf[i] {
				for _, v := range termsOf[q] {
					if v == w {
						if w.factor {
							sim.Factors = append(sim.Factors, w.term)
						} else {
							sim.Services = append(sim.Services, w.term)
						}
					}
				}
			}
			sortTerms(sim.Factors)
			sortTerms(sim.Services)
			list = append(list, sim)
		}
		s.Incidents[i].Similar = list
		for _, q := range sc.touched {
			sc.score[q], sc.factors[q] = 0, 0
		}
		sc.touched = sc.touched[:0]
		select {
		case pool <- sc:
		default:
		}
	}, &ignored)
}

func sortTerms(ts []*Term) {
	slices.SortFunc(ts, func(a, b *Term) int { return cmp.Or(strings.Compare(a.Name, b.Name), strings.Compare(a.Slug, b.Slug)) })
}

// ByYear groups a list of incidents (newest first) by year, so long lists stay readable.
type YearGroup struct {
	Year      int
	Incidents []*Postmortem
}

func byYear(ps []*Postmortem) []YearGroup {
	var out []YearGroup
	for _, p := range ps {
		y := p.Date.Year()
		if len(out) == 0 || out[len(out)-1].Year != y {
			out = append(out, YearGroup{Year: y})
		}
		out[len(out)-1].Incidents = append(out[len(out)-1].Incidents, p)
	}
	return out
}

// didYouMean suggests the closest known name, for strict factor checks.
func didYouMean(name string, known []string) string {
	best, bestD := "", math.MaxInt
	for _, k := range known {
		if d := levenshtein(strings.ToLower(name), strings.ToLower(k)); d < bestD {
			best, bestD = k, d
		}
	}
	if bestD > max(3, len(name)/2) {
		return ""
	}
	return best
}

func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
