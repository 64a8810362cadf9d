package graph

import "github.com/secondstory/secondstory/generator/postmortem"

// Rebind returns a Site with old's indexes, links and similar lists over new incidents: the same postmortems as
// old's in everything the graph reads (slugs, dates, severities, factors, tags, services, teams, related, body
// links), with new bodies and new values of what it does not read (a title, a summary, a timeline). Making that
// costs a pass over the lists instead of the whole analysis; the caller decides when the inputs are the same.
func Rebind(old *Site, incidents []*Incident) *Site {
	postmortem.Sort(incidents)
	s := &Site{Config: old.Config, Incidents: incidents, BuildDate: old.BuildDate, bySlug: make(map[string]*Incident, len(incidents)),
		byTerm: map[string]map[string]*Term{}}
	inc := make(map[*Incident]*Incident, len(incidents))
	for i, in := range incidents {
		inc[old.Incidents[i]] = in
		s.bySlug[in.Slug] = in
	}
	incs := func(l []*Incident) []*Incident { return lookup(l, inc) }
	terms := map[*Term]*Term{}
	copyTerms := func(l []*Term) []*Term {
		out := make([]*Term, len(l))
		for i, t := range l {
			c := *t
			c.Incidents = incs(t.Incidents)
			terms[t], out[i] = &c, &c
		}
		return out
	}
	s.Factors, s.Tags, s.Services, s.Teams = copyTerms(old.Factors), copyTerms(old.Tags), copyTerms(old.Services), copyTerms(old.Teams)
	s.Severities, s.Years = copyTerms(old.Severities), copyTerms(old.Years)
	ts := func(l []*Term) []*Term { return lookup(l, terms) }
	counts := func(l []TermCount) []TermCount {
		out := make([]TermCount, len(l))
		for i, c := range l {
			out[i] = TermCount{terms[c.Term], c.Count}
		}
		return out
	}
	for _, t := range terms {
		t.CoFactors, t.Related, t.Severities = counts(t.CoFactors), counts(t.Related), counts(t.Severities)
		if s.byTerm[t.Kind] == nil {
			s.byTerm[t.Kind] = map[string]*Term{}
		}
		s.byTerm[t.Kind][t.Slug] = t
	}
	for i, in := range incidents {
		o := old.Incidents[i]
		in.Backlinks, in.RelatedTo = incs(o.Backlinks), incs(o.RelatedTo)
		in.FactorTerms, in.ServiceTerms, in.TagTerms, in.TeamTerms = ts(o.FactorTerms), ts(o.ServiceTerms), ts(o.TagTerms), ts(o.TeamTerms)
		in.SevTerm, in.YearTerm, in.Cited = terms[o.SevTerm], terms[o.YearTerm], ts(o.Cited)
		in.Similar = make([]Similarity, len(o.Similar))
		for j, sim := range o.Similar {
			in.Similar[j] = Similarity{Incident: inc[sim.Incident], Score: sim.Score, Factors: ts(sim.Factors), Services: ts(sim.Services)}
		}
	}
	return s
}

// lookup maps each element of l through m.
func lookup[T comparable](l []T, m map[T]T) []T {
	out := make([]T, len(l))
	for i, x := range l {
		out[i] = m[x]
	}
	return out
}
