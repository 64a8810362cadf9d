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
