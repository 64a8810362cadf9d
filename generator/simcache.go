package generator

import (
	"strconv"
)

// Similar incidents are the graph stage's one costly part (each incident meets thousands of candidates), and they
// depend on little: each listed incident's slug, date, factors and services. A preview rebuild whose edit left all
// of those alone (a body, a title, a timeline) reuses the previous build's lists instead of computing them again.

// similarRef is one similar incident as remembered between builds: by slug, so it can be attached to the new
// build's postmortems and terms.
type similarRef struct {
	slug              string
	score             float64
	factors, services []string
}

// similarSignature hashes everything (*Site).similar reads.
func (s *Site) similarSignature(limit int) uint64 {
	h := newKeyHash()
	b := strconv.AppendInt(nil, int64(limit), 10)
	for _, p := range s.Incidents {
		b = append(b, 0)
		b = append(b, p.Slug...)
		b = append(b, 0)
		b = strconv.AppendInt(b, p.Date.UnixNano(), 10)
		for _, f := range p.Factors {
			b = append(b, 1)
			b = append(b, f.Slug...)
		}
		for _, t := range p.svcTerms {
			b = append(b, 2)
			b = append(b, t.Slug...)
		}
		if len(b) > 32<<10 {
			h.bytes(b)
			b = b[:0]
		}
	}
	h.bytes(b)
	return h.sum()
}

// similarCached fills every incident's Similar list, from the cache when its signature is unchanged.
func (s *Site) similarCached(limit int, mc *MemCache) {
	if mc == nil {
		s.similar(limit)
		return
	}
	sig := s.similarSignature(limit)
	mc.mu.Lock()
	prev, prevSig := mc.similar, mc.similarSig
	mc.mu.Unlock()
	if prev != nil && prevSig == sig && s.restoreSimilar(prev) {
		return
	}
	s.similar(limit)
	refs := make(map[string][]similarRef, len(s.Incidents))
	for _, p := range s.Incidents {
		list := make([]similarRef, len(p.Similar))
		for i, sim := range p.Similar {
			r := similarRef{slug: sim.Incident.Slug, score: sim.Score}
			for _, t := range sim.Factors {
				r.factors = append(r.factors, t.Slug)
			}
			for _, t := range sim.Services {
				r.services = append(r.services, t.Slug)
			}
			list[i] = r
		}
		refs[p.Slug] = list
	}
	mc.mu.Lock()
	mc.similar, mc.similarSig = refs, sig
	mc.mu.Unlock()
}

// restoreSimilar attaches remembered lists to this build's incidents and terms; false if anything is missing (then
// the lists are computed afresh).
func (s *Site) restoreSimilar(refs map[string][]similarRef) bool {
	lists := make([][]Similarity, len(s.Incidents))
	for i, p := range s.Incidents {
		rs, ok := refs[p.Slug]
		if !ok {
			return false
		}
		list := make([]Similarity, len(rs))
		for j, r := range rs {
			sim := Similarity{Incident: s.bySlug[r.slug], Score: r.score}
			if sim.Incident == nil {
				return false
			}
			for _, slug := range r.factors {
				t := s.factorIdx[slug]
				if t == nil {
					return false
				}
				sim.Factors = append(sim.Factors, t)
			}
			for _, slug := range r.services {
				t := s.serviceIdx[slug]
				if t == nil {
					return false
				}
				sim.Services = append(sim.Services, t)
			}
			sortTerms(sim.Factors) // display names may have changed; the order follows them
			sortTerms(sim.Services)
			list[j] = sim
		}
		lists[i] = list
	}
	for i, p := range s.Incidents {
		p.Similar = lists[i]
	}
	return true
}

// The relations of the factor and service pages (co-occurring factors, services touched, severities involved)
// depend on each incident's factors, services and severity, and are remembered the same way.

type termCountRef struct {
	slug  string
	count int
}

type relationRefs struct {
	coFactors, related, severities []termCountRef
}

func (s *Site) relationsSignature() uint64 {
	h := newKeyHash()
	for _, p := range s.Incidents {
		h.str(p.Slug, p.Severity)
		for _, f := range p.Factors {
			h.str(f.Slug)
		}
		h.str("services")
		for _, t := range p.svcTerms {
			h.str(t.Slug)
		}
	}
	for _, t := range s.Severities {
		if t != nil {
			h.str("sev", t.Slug, t.Name)
		}
	}
	return h.sum()
}

// relateFactorsCached is relateFactors, from the cache when its signature is unchanged.
func (s *Site) relateFactorsCached(mc *MemCache) {
	if mc == nil {
		s.relateFactors()
		return
	}
	sig := s.relationsSignature()
	mc.mu.Lock()
	prev, prevSig := mc.relations, mc.relationsSig
	mc.mu.Unlock()
	if prev != nil && prevSig == sig && s.restoreRelations(prev) {
		return
	}
	s.relateFactors()
	refs := map[string]relationRefs{}
	out := func(list []TermCount) []termCountRef {
		r := make([]termCountRef, len(list))
		for i, tc := range list {
			r[i] = termCountRef{tc.Term.Slug, tc.Count}
		}
		return r
	}
	for _, f := range s.Factors {
		refs["factors/"+f.Slug] = relationRefs{out(f.CoFactors), out(f.Related), out(f.Severities)}
	}
	for _, sv := range s.Services {
		refs["services/"+sv.Slug] = relationRefs{related: out(sv.Related)}
	}
	mc.mu.Lock()
	mc.relations, mc.relationsSig = refs, sig
	mc.mu.Unlock()
}

func (s *Site) restoreRelations(refs map[string]relationRefs) bool {
	sevIdx := map[string]*Term{}
	for _, t := range s.Severities {
		if t != nil {
			sevIdx[t.Slug] = t
		}
	}
	in := func(list []termCountRef, idx map[string]*Term) ([]TermCount, bool) {
		if list == nil {
			return nil, true
		}
		r := make([]TermCount, len(list))
		for i, c := range list {
			t := idx[c.slug]
			if t == nil {
				return nil, false
			}
			r[i] = TermCount{t, c.count}
		}
		return r, true
	}
	type set struct {
		t                       *Term
		coFactors, related, sev []TermCount
	}
	var sets []set
	for _, f := range s.Factors {
		r, found := refs["factors/"+f.Slug]
		co, ok1 := in(r.coFactors, s.factorIdx)
		rel, ok2 := in(r.related, s.serviceIdx)
		sev, ok3 := in(r.severities, sevIdx)
		if !found || !ok1 || !ok2 || !ok3 {
			return false
		}
		sets = append(sets, set{f, co, rel, sev})
	}
	for _, sv := range s.Services {
		r, found := refs["services/"+sv.Slug]
		rel, ok := in(r.related, s.factorIdx)
		if !found || !ok {
			return false
		}
		sets = append(sets, set{t: sv, related: rel})
	}
	for _, x := range sets {
		if x.t.Kind == "factors" {
			x.t.CoFactors, x.t.Severities = x.coFactors, x.sev
		}
		x.t.Related = x.related
	}
	return true
}
