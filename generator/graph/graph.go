// Package graph is the GRAPH stage: from the listed postmortems and their rendered bodies it derives the indexes
// (contributing factors, tags, services, teams, severities, years), backlinks, related incidents both ways, and
// similar incidents. It reads the postmortems and never changes them: everything derived lives on the Site.
package graph

import (
	"cmp"
	"html/template"
	"math"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/secondstory/secondstory/generator/config"
	"github.com/secondstory/secondstory/generator/markdown"
	"github.com/secondstory/secondstory/generator/postmortem"
)

// Site is the whole knowledge base after the graph stage: the listed incidents and every index.
type Site struct {
	Config     *config.Config
	Incidents  []*Incident // listed, newest first
	Factors    []*Term     // by incident count
	Tags       []*Term
	Services   []*Term
	Teams      []*Term
	Severities []*Term // configured order
	Years      []*Term // newest first
	BuildDate  time.Time

	bySlug map[string]*Incident
	byTerm map[string]map[string]*Term // kind -> slug -> term
}

// Incident is a listed postmortem with its rendered body and what the graph derived for it.
type Incident struct {
	*postmortem.Postmortem
	Body      *markdown.Body
	Backlinks []*Incident // incidents whose bodies link here and that are not related both ways
	RelatedTo []*Incident // related, both directions
	Similar   []Similarity
	// The terms of the incident's factors, services, tags and teams, in its own order.
	FactorTerms, ServiceTerms, TagTerms, TeamTerms []*Term
	SevTerm, YearTerm                              *Term
	Cited                                          []*Term // the term of each of Factors, in order
}

// Key is what postmortem.Sort orders by.
func (in *Incident) Key() (time.Time, string) { return in.Date, in.Slug }

// Term is one entry of a taxonomy with its incidents.
type Term struct {
	Kind        string // "factors", "tags", "services", "teams", "severities", "years"
	Slug        string
	Name        string
	Description template.HTML // factors: from factors/<slug>.md, else the first description a postmortem gives
	Incidents   []*Incident   // newest first
	Source      string        // the factors/ file, when there is one
	CoFactors   []TermCount   // factors: the factors that occur together with this one, most often first
	Related     []TermCount   // factors: the services it touched; services: the factors that recur on it; most first
	Severities  []TermCount   // the severities of its incidents, in configured order (severities: none)
	spellings   map[string]int
}

// TermCount is a term with how many incidents it shares with another.
type TermCount struct {
	Term  *Term
	Count int
}

// URL is the term page's path relative to the site root.
func (t *Term) URL() string { return t.Kind + "/" + markdown.PathEscape(t.Slug) + "/" }

// Latest is the most recent incident of the term.
func (t *Term) Latest() *Incident {
	if len(t.Incidents) == 0 {
		return nil
	}
	return t.Incidents[0]
}

// Similarity is an incident that shares contributing factors and services with another one.
type Similarity struct {
	Incident *Incident
	Score    float64
	Factors  []*Term
	Services []*Term
}

// Catalogued is a factor of the catalogue (factors/<slug>.md) with its rendered description.
type Catalogued struct {
	*postmortem.Factor
	Description template.HTML
}

// Incident returns the listed incident with that slug, or nil.
func (s *Site) Incident(slug string) *Incident { return s.bySlug[slug] }

// Term returns the term of a kind with that slug, or nil.
func (s *Site) Term(kind, slug string) *Term { return s.byTerm[kind][slug] }

// Build derives the indexes, backlinks, related and similar incidents. incidents are the listed postmortems with
// their bodies (the rest of Incident is filled here); r canonicalises factor names.
func Build(cfg *config.Config, incidents []*Incident, catalogue []*Catalogued, r *Resolver) *Site {
	postmortem.Sort(incidents)
	s := &Site{Config: cfg, Incidents: incidents, bySlug: map[string]*Incident{}, byTerm: map[string]map[string]*Term{}}
	tx := map[string]*taxonomy{}
	for _, kind := range []string{"factors", "tags", "services", "teams", "severities", "years"} {
		tx[kind] = &taxonomy{kind: kind, terms: map[string]*Term{}}
	}
	for _, c := range catalogue {
		t := tx["factors"].term(c.Slug, "")
		t.Name, t.Description, t.Source = c.Name, c.Description, c.Source
	}
	for _, sv := range cfg.Severities {
		t := tx["severities"].term(postmortem.Slugify(sv.ID), "")
		t.Name = sv.ID
		t.Description = paragraph(sv.Description)
	}
	for _, in := range incidents {
		s.bySlug[in.Slug] = in
		for _, f := range in.Factors {
			t := tx["factors"].add(r.FactorSlug(f.Name), f.Name, in)
			if t.Description == "" && f.Description != "" {
				t.Description = paragraph(f.Description)
			}
			in.FactorTerms = appendOnce(in.FactorTerms, t)
			in.Cited = append(in.Cited, t)
		}
		for _, n := range in.Tags {
			in.TagTerms = appendOnce(in.TagTerms, tx["tags"].add(postmortem.Slugify(n), n, in))
		}
		for _, n := range in.Services {
			in.ServiceTerms = appendOnce(in.ServiceTerms, tx["services"].add(postmortem.Slugify(n), n, in))
		}
		for _, n := range in.Teams {
			in.TeamTerms = appendOnce(in.TeamTerms, tx["teams"].add(postmortem.Slugify(n), n, in))
		}
		if in.Severity != "" {
			in.SevTerm = tx["severities"].add(postmortem.Slugify(in.Severity), in.Severity, in)
		}
		y := strconv.Itoa(in.Date.Year())
		in.YearTerm = tx["years"].add(y, y, in)
	}
	factors := make([]*postmortem.Factor, len(catalogue))
	for i, c := range catalogue {
		factors[i] = c.Factor
	}
	names := FactorNames(incidents, factors, r)
	for slug, t := range tx["factors"].terms {
		if t.Name == "" {
			t.Name = names[slug]
		}
	}
	s.Factors = tx["factors"].sorted()
	s.Tags = tx["tags"].sorted()
	s.Services = tx["services"].sorted()
	s.Teams = tx["teams"].sorted()
	for _, sv := range cfg.Severities {
		// Two ids with one URL ("SEV 1", "SEV-1") are one term, listed once (the build reports the configuration).
		if t := tx["severities"].terms[postmortem.Slugify(sv.ID)]; !slices.Contains(s.Severities, t) {
			s.Severities = append(s.Severities, t)
		}
	}
	s.Years = tx["years"].sorted()
	sort.Slice(s.Years, func(i, j int) bool { return s.Years[i].Slug > s.Years[j].Slug })
	for kind, t := range tx {
		s.byTerm[kind] = t.terms
	}
	// findSimilar leaves out the incidents related both ways, which linkBothWays finds: it runs first.
	s.linkBothWays()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); s.relate() }()
	s.findSimilar(5)
	wg.Wait()
	return s
}

// paragraph is plain text as an HTML paragraph.
func paragraph(text string) template.HTML {
	return template.HTML("<p>" + template.HTMLEscapeString(text) + "</p>")
}

func appendOnce(ts []*Term, t *Term) []*Term {
	if t == nil || slices.Contains(ts, t) {
		return ts
	}
	return append(ts, t)
}

// taxonomy collects the terms of one kind, one entry per slug.
type taxonomy struct {
	kind  string
	terms map[string]*Term
}

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

func (tx *taxonomy) add(slug, name string, in *Incident) *Term {
	if slug == "" {
		return nil
	}
	t := tx.term(slug, name)
	if n := len(t.Incidents); n == 0 || t.Incidents[n-1] != in {
		t.Incidents = append(t.Incidents, in)
	}
	return t
}

// sorted names every term (the most common spelling unless a name is set) and orders them by incident count,
// then slug.
func (tx *taxonomy) sorted() []*Term {
	out := make([]*Term, 0, len(tx.terms))
	for _, t := range tx.terms {
		if t.Name == "" {
			t.Name = cmp.Or(MostUsed(t.spellings), t.Slug)
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

// linkBothWays fills related (both directions) and backlinks: the incidents whose bodies link here, less those
// already related, so the two lists never repeat an incident.
func (s *Site) linkBothWays() {
	for _, p := range s.Incidents {
		for _, ref := range p.Related {
			if to := s.bySlug[ref.Slug]; to != nil && to != p {
				if !slices.Contains(p.RelatedTo, to) {
					p.RelatedTo = append(p.RelatedTo, to)
				}
				if !slices.Contains(to.RelatedTo, p) {
					to.RelatedTo = append(to.RelatedTo, p)
				}
			}
		}
	}
	for _, p := range s.Incidents {
		if p.Body == nil {
			continue
		}
		for _, ref := range p.Body.Outlinks {
			if to := s.bySlug[ref.Slug]; to != nil && !ref.Factor && to != p && !slices.Contains(to.RelatedTo, p) &&
				!slices.Contains(to.Backlinks, p) {
				to.Backlinks = append(to.Backlinks, p)
			}
		}
	}
	for _, p := range s.Incidents {
		postmortem.Sort(p.Backlinks)
		postmortem.Sort(p.RelatedTo)
	}
}

// relate counts, for each factor, the factors that occur with it and the services it touched; for each service the
// factors that recur on it; and for every term but the severities, the severities of its incidents.
func (s *Site) relate() {
	for _, f := range s.Factors {
		co, svc := map[*Term]int{}, map[*Term]int{}
		for _, p := range f.Incidents {
			for _, g := range p.FactorTerms {
				if g != f {
					co[g]++
				}
			}
			for _, t := range p.ServiceTerms {
				svc[t]++
			}
		}
		f.CoFactors = topCounts(co, -1)
		f.Related = topCounts(svc, -1)
		f.Severities = s.severityMix(f.Incidents)
	}
	for _, list := range [][]*Term{s.Tags, s.Services, s.Teams, s.Years} {
		for _, t := range list {
			t.Severities = s.severityMix(t.Incidents)
		}
	}
	for _, sv := range s.Services {
		fs := map[*Term]int{}
		for _, p := range sv.Incidents {
			for _, g := range p.FactorTerms {
				fs[g]++
			}
		}
		sv.Related = topCounts(fs, -1)
	}
}

// severityMix counts a list of incidents by severity, in configured order.
func (s *Site) severityMix(l []*Incident) []TermCount {
	n := map[*Term]int{}
	for _, p := range l {
		if p.SevTerm != nil {
			n[p.SevTerm]++
		}
	}
	var out []TermCount
	for _, t := range s.Severities {
		if c := n[t]; c > 0 {
			out = append(out, TermCount{t, c})
		}
	}
	return out
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
	if n >= 0 && len(out) > n {
		out = out[:n]
	}
	return out
}

// findSimilar finds, for every incident, the incidents sharing the most contributing factors and services, each
// shared term weighted by its rarity (inverse document frequency): sharing a rare factor says more than sharing a
// common one. Services count half as much as factors: a shared latent condition teaches more than a shared
// component, and sharing only a service is not a shared lesson. Scores accumulate in dense per-worker arrays: at
// 10,000 incidents each one meets thousands of candidates.
func (s *Site) findSimilar(limit int) {
	termsOf := s.weightedTerms()
	forEach(len(s.Incidents), func() func(int) {
		n := len(s.Incidents)
		sc := &scorer{s: s, termsOf: termsOf, score: make([]float64, n), factors: make([]int32, n)}
		return func(i int) { s.Incidents[i].Similar = sc.similar(i, limit) }
	})
}

// weighted is a factor or service term with its weight and its incidents' positions in Site.Incidents.
type weighted struct {
	term   *Term
	weight float64
	factor bool
	posts  []int32
}

// weightedTerms returns each incident's factor and service terms, weighted; incidents sharing a term share its
// weighted.
func (s *Site) weightedTerms() [][]*weighted {
	n := len(s.Incidents)
	ord := make(map[*Incident]int32, n)
	for i, p := range s.Incidents {
		ord[p] = int32(i)
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
		for _, t := range p.FactorTerms {
			termsOf[i] = append(termsOf[i], posting(t, true))
		}
		for _, t := range p.ServiceTerms {
			termsOf[i] = append(termsOf[i], posting(t, false))
		}
	}
	return termsOf
}

// scorer is one findSimilar worker's scratch: per incident, the score against the current one and the number of
// factors they share, and which incidents those are non-zero for, so resetting is as cheap as scoring.
type scorer struct {
	s       *Site
	termsOf [][]*weighted
	score   []float64
	factors []int32
	touched []int32
}

// similar returns the incidents most similar to incident i, at most limit.
func (sc *scorer) similar(i, limit int) []Similarity {
	for _, w := range sc.termsOf[i] {
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
	top := sc.top(i, limit)
	list := make([]Similarity, len(top))
	for k, q := range top {
		list[k] = sc.similarity(i, q)
	}
	for _, q := range sc.touched {
		sc.score[q], sc.factors[q] = 0, 0
	}
	sc.touched = sc.touched[:0]
	return list
}

// top returns the best-scoring incidents that share a factor with incident i and are not related to it, best
// first, at most limit.
func (sc *scorer) top(i, limit int) []int32 {
	top := make([]int32, 0, limit+1)
	for _, q := range sc.touched {
		if sc.factors[q] == 0 || slices.Contains(sc.s.Incidents[i].RelatedTo, sc.s.Incidents[q]) {
			continue
		}
		if len(top) == limit && !sc.better(q, top[limit-1]) {
			continue
		}
		k := len(top)
		top = append(top, q)
		for k > 0 && sc.better(q, top[k-1]) {
			top[k] = top[k-1]
			k--
		}
		top[k] = q
		if len(top) > limit {
			top = top[:limit]
		}
	}
	return top
}

// better orders similar incidents: by score, then newest, then slug.
func (sc *scorer) better(a, b int32) bool {
	if sc.score[a] != sc.score[b] {
		return sc.score[a] > sc.score[b]
	}
	pa, pb := sc.s.Incidents[a], sc.s.Incidents[b]
	if !pa.Date.Equal(pb.Date) {
		return pa.Date.After(pb.Date)
	}
	return pa.Slug < pb.Slug
}

// similarity is incident q as similar to incident i, with the terms they share.
func (sc *scorer) similarity(i int, q int32) Similarity {
	sim := Similarity{Incident: sc.s.Incidents[q], Score: sc.score[q]}
	for _, w := range sc.termsOf[i] {
		if !slices.Contains(sc.termsOf[q], w) {
			continue
		}
		if w.factor {
			sim.Factors = append(sim.Factors, w.term)
		} else {
			sim.Services = append(sim.Services, w.term)
		}
	}
	sortByName(sim.Factors)
	sortByName(sim.Services)
	return sim
}

func sortByName(ts []*Term) {
	slices.SortFunc(ts, func(a, b *Term) int { return cmp.Or(strings.Compare(a.Name, b.Name), strings.Compare(a.Slug, b.Slug)) })
}

// forEach runs one worker per core over 0..n-1; each worker gets its own scratch from newWorker.
func forEach(n int, newWorker func() func(int)) {
	var wg sync.WaitGroup
	next := make(chan int, 256)
	for range min(runtime.GOMAXPROCS(0), max(n, 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			work := newWorker()
			for i := range next {
				work(i)
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}

// YearGroup is the incidents of one year, for long lists.
type YearGroup struct {
	Year      int
	Incidents []*Incident
}

// ByYear groups a list of incidents (newest first) by year.
func ByYear(ps []*Incident) []YearGroup {
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

// FactorNames gives each factor its display name: the catalogue's, else the spelling the postmortems use most (the
// first in sort order on a tie). The build knows them before the graph stage, so search documents can be made
// while bodies render.
func FactorNames[P interface{ Refs() []postmortem.FactorRef }](ps []P, catalogue []*postmortem.Factor, r *Resolver) map[string]string {
	counts := map[string]map[string]int{}
	for _, p := range ps {
		for _, f := range p.Refs() {
			slug := r.FactorSlug(f.Name)
			if counts[slug] == nil {
				counts[slug] = map[string]int{}
			}
			counts[slug][f.Name]++
		}
	}
	names := make(map[string]string, len(counts)+len(catalogue))
	for slug, spellings := range counts {
		names[slug] = cmp.Or(MostUsed(spellings), slug)
	}
	for _, c := range catalogue {
		names[c.Slug] = c.Name
	}
	return names
}

// MostUsed returns the spelling used most often, the first in sort order on a tie ("" when there is none).
func MostUsed(spellings map[string]int) string {
	best, n := "", -1
	for s, c := range spellings {
		if c > n || c == n && s < best {
			best, n = s, c
		}
	}
	return best
}
