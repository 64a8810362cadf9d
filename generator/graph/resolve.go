package graph

import (
	"github.com/secondstory/secondstory/generator/config"
	"github.com/secondstory/secondstory/generator/postmortem"
)

// Resolver knows every postmortem and factor of a build, so links can be checked and rewritten while bodies are
// rendered. It holds the postmortems that failed validation too: a link to a file with errors is not a second
// error (its author is told about the first).
type Resolver struct {
	incidents map[string]*postmortem.Postmortem // by slug
	bySource  map[string]*postmortem.Postmortem
	files     map[string]bool
	factors   map[string]string // canonical slug -> display name (the catalogue's, else the first spelling)
	catalogue map[string]bool
	aliases   map[string]string // slug -> canonical slug
}

// NewResolver indexes the postmortems (valid or not, by slug and source), the factor catalogue, the config's
// factor aliases and the publishable files. Duplicate slugs are the caller's to report: the first wins here.
func NewResolver(cfg *config.Config, all []*postmortem.Postmortem, catalogue []*postmortem.Factor, files []string) *Resolver {
	r := &Resolver{incidents: map[string]*postmortem.Postmortem{}, bySource: map[string]*postmortem.Postmortem{},
		files: map[string]bool{}, factors: map[string]string{}, aliases: map[string]string{}, catalogue: map[string]bool{}}
	for from, to := range cfg.Aliases {
		r.aliases[postmortem.Slugify(from)] = postmortem.Slugify(to)
	}
	for _, f := range catalogue {
		r.factors[f.Slug] = f.Name
		r.catalogue[f.Slug] = true
		for _, a := range f.Aliases {
			r.aliases[postmortem.Slugify(a)] = f.Slug
		}
	}
	for _, p := range all {
		if _, dup := r.incidents[p.Slug]; !dup {
			r.incidents[p.Slug] = p
		}
		r.bySource[p.Source] = p
		for _, f := range p.Factors {
			if s := r.FactorSlug(f.Name); r.factors[s] == "" {
				r.factors[s] = f.Name
			}
		}
	}
	for _, f := range files {
		r.files[f] = true
	}
	return r
}

// FactorSlug is the canonical slug of a factor as written: "Config drift", "config-drift" and an alias of it are
// one factor.
func (r *Resolver) FactorSlug(name string) string {
	s := postmortem.Slugify(name)
	if to, ok := r.aliases[s]; ok {
		return to
	}
	return s
}

// Incident implements markdown.Resolver.
func (r *Resolver) Incident(slug string) (string, bool) {
	p := r.incidents[slug]
	if p == nil {
		return "", false
	}
	return p.Title, true
}

// Lookup returns the postmortem with that slug, valid or not.
func (r *Resolver) Lookup(slug string) *postmortem.Postmortem { return r.incidents[slug] }

// Source implements markdown.Resolver.
func (r *Resolver) Source(rel string) (string, string, bool) {
	p := r.bySource[rel]
	if p == nil {
		return "", "", false
	}
	return p.Slug, p.Title, true
}

// Factor implements markdown.Resolver: a factor is known when the catalogue describes it or a postmortem names it.
func (r *Resolver) Factor(name string) (string, string, bool) {
	s := r.FactorSlug(name)
	display, ok := r.factors[s]
	return s, display, ok
}

// Catalogued reports whether factors/ describes the factor with that canonical slug.
func (r *Resolver) Catalogued(slug string) bool { return r.catalogue[slug] }

// File implements markdown.Resolver.
func (r *Resolver) File(rel string) bool { return r.files[rel] }
