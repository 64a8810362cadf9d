package graph

import (
	"fmt"
	"math"
	"strings"

	porter "github.com/blevesearch/go-porterstemmer"
	"github.com/secondstory/secondstory/generator/diag"
)

// Check reports what the graph shows to be wrong or doubtful: with strict_factors, factors the catalogue does not
// describe; learn.pin and learn.skip entries that name no incident; and near-duplicate tags and factors
// ("migration" and "migrations", "cache" and "caching"), which split one index into two.
func Check(s *Site, r *Resolver) diag.List {
	var diags diag.List
	cfg := s.Config
	if cfg.StrictFactors {
		var known []string
		for _, t := range s.Factors {
			if r.Catalogued(t.Slug) {
				known = append(known, t.Name)
			}
		}
		for _, in := range s.Incidents {
			for _, f := range in.Factors {
				if r.Catalogued(r.FactorSlug(f.Name)) {
					continue
				}
				msg := fmt.Sprintf("contributing_factors: %q has no description in factors/ (strict_factors is on)", f.Name)
				if m := DidYouMean(f.Name, known); m != "" {
					msg += fmt.Sprintf("; did you mean %q?", m)
				}
				diags.Errorf(in.Source, f.Line, f.Col, "factor", "%s", msg)
			}
		}
	}
	for _, list := range []struct {
		key   string
		slugs []string
	}{{"learn.pin", cfg.Learn.Pin}, {"learn.skip", cfg.Learn.Skip}} {
		for _, slug := range list.slugs {
			if r.Lookup(slug) == nil {
				diags.Warnf(cfg.File, cfg.Line(list.key), 0, "config", "%s: no incident with slug %q", list.key, slug)
			}
		}
	}
	nearDuplicates(s.Factors, "contributing_factors", &diags)
	nearDuplicates(s.Tags, "tags", &diags)
	nearDuplicates(s.Services, "services", &diags)
	return diags
}

// nearDuplicates warns, once per term, about a term whose stem is another's with more incidents: the less used
// spelling is probably a slip. The warning points at the first incident that uses it.
func nearDuplicates(terms []*Term, field string, diags *diag.List) {
	byStem := map[string]*Term{} // terms come most used first: the first of a stem is the one to keep
	for _, t := range terms {
		stem := stemOf(t.Slug)
		main, ok := byStem[stem]
		if !ok {
			byStem[stem] = t
			continue
		}
		if len(t.Incidents) == 0 {
			continue
		}
		first := t.Incidents[len(t.Incidents)-1] // the oldest
		diags.Warnf(first.Source, 0, 0, "check/near-duplicate", "%s: %q (%d incidents) is close to %q (%d); did you mean %q?",
			field, t.Name, len(t.Incidents), main.Name, len(main.Incidents), main.Name)
	}
}

// stemOf reduces a slug to the Porter stems of its words: "migrations" and "migration", "caching" and "cache" meet.
func stemOf(slug string) string {
	words := strings.Split(slug, "-")
	for i, w := range words {
		words[i] = porter.StemString(w)
	}
	return strings.Join(words, "-")
}

// DidYouMean suggests the closest known name, or "" when none is close.
func DidYouMean(name string, known []string) string {
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
