package generator

import (
	"strings"

	"github.com/secondstory/secondstory/search"
)

// IndexDir is where the search index of a site written to out lives: beside the web root, not inside it, so a
// copy of the site to a plain web server does not publish it.
func IndexDir(out string) string { return strings.TrimRight(out, "/\\") + ".bleve" }

// searchDocuments hands the listed incidents to the search package in its own small type: search never sees
// generator's internals.
func searchDocuments(s *Site, cache *MemCache) []search.Document {
	docs := make([]search.Document, 0, len(s.Incidents))
	for _, p := range s.Incidents {
		var e *memEntry
		if cache != nil {
			e = cache.entry(p.Source)
		}
		docs = append(docs, s.searchDocument(p, e))
	}
	return docs
}

// searchDocument is p's document. An entry of the incremental cache (e, when not nil) keeps it, all but the factor
// names (the catalogue's, which another file can change): the rest comes from the file and its rendered body.
func (s *Site) searchDocument(p *Postmortem, e *memEntry) search.Document {
	if e != nil && e.doc != nil && e.docLinks == e.links {
		d := *e.doc
		d.Factors = s.factorNames(p)
		return d
	}
	d := search.Document{
		ID: p.Slug, URL: p.URL(), Title: p.Title, Summary: p.Summary, Body: p.PlainText,
		Tags: p.Tags, Services: p.Services, Severity: p.Severity, Status: p.Status, Date: p.Date,
		DurationMinutes: p.Duration().Minutes(),
	}
	var tl, ac strings.Builder
	for _, t := range p.Timeline {
		tl.WriteString(t.Text)
		tl.WriteByte('\n')
	}
	for _, a := range p.ActionItems {
		ac.WriteString(a.Title)
		ac.WriteByte('\n')
	}
	d.Timeline, d.Actions = tl.String(), ac.String()
	if e != nil && e.links != 0 {
		kept := d
		e.doc, e.docLinks = &kept, e.links
	}
	d.Factors = s.factorNames(p)
	return d
}

// factorNames are the catalogue's display names of p's factors, so search facets match the factor pages.
func (s *Site) factorNames(p *Postmortem) []string {
	var names []string
	for _, f := range p.Factors {
		if t := s.factorIdx[f.Slug]; t != nil {
			names = append(names, t.Name)
		}
	}
	return names
}

// writeClientIndex writes the compact index the search page falls back to on a plain web server.
// Its entries show frontmatter and factor names only: a preview build takes it from the last one when neither
// changed.
func writeClientIndex(docs []search.Document, out *output) error {
	var key uint64
	if m := out.memo; m != nil {
		h := newKeyHash()
		h.u64(m.listSig)
		h.u64(m.frame)
		key = h.sum()
	}
	var err error
	f := out.memo.derived("search-index.json", key, func() (fileData, uint64) {
		pieces, sum, cerr := search.ClientIndex(docs)
		err = cerr
		return pieces, sum
	})
	if err != nil {
		return envErrorf("search: %v", err)
	}
	return out.writeFile(f)
}

// buildIndex brings the bleve index beside the site up to date: an existing index of ours is updated in place
// with only the documents whose content changed (search.Sync, which rebuilds when there is none or most changed).
func buildIndex(docs []search.Document, dir string) error {
	if _, err := search.Sync(dir, docs); err != nil {
		return envErrorf("search index %s: %v", dir, err)
	}
	return nil
}
