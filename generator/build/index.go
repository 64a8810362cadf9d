package build

import (
	"strings"

	"github.com/secondstory/secondstory/generator/diag"
	"github.com/secondstory/secondstory/generator/graph"
	"github.com/secondstory/secondstory/generator/incremental"
	"github.com/secondstory/secondstory/generator/markdown"
	"github.com/secondstory/secondstory/generator/postmortem"
	"github.com/secondstory/secondstory/search"
)

type searchDoc = search.Document

// documents hands the listed incidents to the search package in its own small type; a session keeps each
// incident's document while its front matter, body and factor names are the same.
func (s *Session) documents(site *graph.Site) []searchDoc {
	docs := make([]searchDoc, len(site.Incidents))
	parallel(len(site.Incidents), func(i int) {
		in := site.Incidents[i]
		var k incremental.Key
		k.U64(s.version(true)(in)).U64(s.version(false)(in))
		for _, t := range in.FactorTerms {
			k.Str(t.Name)
		}
		key := k.Sum()
		if d, ok := s.docs.Get(in.Source, key); ok && s.keep {
			docs[i] = d
			return
		}
		docs[i] = document(in.Postmortem, in.Body, termNames(in.FactorTerms))
		if s.keep {
			s.docs.Put(in.Source, key, docs[i])
		}
	})
	return docs
}

func termNames(ts []*graph.Term) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.Name
	}
	return out
}

// document is an incident's search document: the timeline and action items as lines of text, so that an identifier
// that appears only there (a ticket, a host) is found. factors are the display names of its factors.
func document(in *postmortem.Postmortem, body *markdown.Body, factors []string) searchDoc {
	d := searchDoc{ID: in.Slug, URL: in.URL(), Title: in.Title, Summary: in.Summary, Tags: in.Tags, Services: in.Services,
		Severity: in.Severity, Status: in.Status, Date: in.Date, DurationMinutes: in.Duration().Minutes(), Factors: factors}
	if body != nil {
		d.Body = body.Text
	}
	d.Body += pdfSearchText(in) // adopt.go
	var tl, ac strings.Builder
	for _, t := range in.Timeline {
		if t.HasAt {
			tl.WriteString(t.At.Format("15:04") + " ")
		}
		if t.Actor != "" {
			tl.WriteString(t.Actor + " ")
		}
		tl.WriteString(t.Text + "\n")
	}
	for _, a := range in.ActionItems {
		ac.WriteString(a.Title)
		for _, x := range []string{a.Owner, a.Ticket} {
			if x != "" {
				ac.WriteString(" · " + x)
			}
		}
		ac.WriteByte('\n')
	}
	d.Timeline, d.Actions = tl.String(), ac.String()
	return d
}

// indexer writes a one-off build's index while the rest of the build goes on: each listed incident's document is
// made as soon as its body is rendered, on the rendering worker, and handed over in order (the index builder works
// on one core, and the other stages keep the other busy); the new index is swapped in only when the site is
// written.
type indexer struct {
	b     *search.Builder
	docs  []searchDoc
	ready []chan struct{} // closed when docs[i] is made
	added chan error      // every document added, or the first error
	names map[string]string
	r     *graph.Resolver
}

func (s *Session) startIndex(listed []*incremental.File, names map[string]string, r *graph.Resolver) (*indexer, error) {
	b, err := search.NewBuilder(s.paths.Index)
	if err != nil {
		return nil, indexError(s.paths.Index, err)
	}
	ix := &indexer{b: b, docs: make([]searchDoc, len(listed)), ready: make([]chan struct{}, len(listed)),
		added: make(chan error, 1), names: names, r: r}
	for i := range ix.ready {
		ix.ready[i] = make(chan struct{})
	}
	go func() {
		var err error
		for i := range ix.docs {
			<-ix.ready[i]
			if err == nil {
				err = b.Add(ix.docs[i])
			}
			ix.docs[i] = searchDoc{}
		}
		ix.added <- err
	}()
	return ix, nil
}

// take makes the document of listed incident i from its rendered body. The body's plain text goes with it: a
// one-off build needs it only for the index, and keeping it with the site held 70 MB more at 10,000 postmortems,
// which the collector marked again and again (make bench).
func (ix *indexer) take(i int, e *incremental.File) {
	var factors []string
	seen := map[string]bool{}
	for _, f := range e.P.Factors {
		if slug := ix.r.FactorSlug(f.Name); !seen[slug] {
			seen[slug] = true
			factors = append(factors, ix.names[slug])
		}
	}
	ix.docs[i] = document(e.P, e.Body, factors)
	if e.Body != nil {
		e.Body.Text = ""
	}
	close(ix.ready[i])
}

// finish commits the index (ok) or drops it; the index folder changes only on commit.
func (ix *indexer) finish(ok bool) error {
	err := <-ix.added
	if !ok || err != nil {
		ix.b.Abort()
		return err
	}
	return ix.b.Commit()
}

// updateIndex brings a session's index beside the site up to date: the session keeps the index open for writing
// and hands it only the documents that changed since its last build (upserts and deletes), so a save is
// searchable when the page reloads. Its first build writes the index whole.
func (s *Session) updateIndex(docs []searchDoc) error {
	ix := s.index.Load()
	if ix == nil {
		if err := search.Build(s.paths.Index, docs); err != nil {
			return indexError(s.paths.Index, err)
		}
		ix, err := search.OpenWritable(s.paths.Index)
		if err != nil {
			return indexError(s.paths.Index, err)
		}
		s.index.Store(ix)
		s.indexed = make(map[string]searchDoc, len(docs))
		for _, d := range docs {
			s.indexed[d.ID] = d
		}
		return nil
	}
	next := make(map[string]searchDoc, len(docs))
	var upserts []searchDoc
	var deletes []string
	for _, d := range docs {
		next[d.ID] = d
		if old, ok := s.indexed[d.ID]; !ok || !same(old, d) {
			upserts = append(upserts, d)
		}
	}
	for id := range s.indexed {
		if _, ok := next[id]; !ok {
			deletes = append(deletes, id)
		}
	}
	if len(upserts) > 0 || len(deletes) > 0 {
		if err := ix.Update(upserts, deletes); err != nil {
			return indexError(s.paths.Index, err)
		}
	}
	s.indexed = next
	return nil
}

// Index is the session's search index, open for writing; nil before its first build.
func (s *Session) Index() *search.Index { return s.index.Load() }

func same(a, b searchDoc) bool {
	return a.ID == b.ID && a.URL == b.URL && a.Title == b.Title && a.Summary == b.Summary && a.Body == b.Body &&
		a.Timeline == b.Timeline && a.Actions == b.Actions && strings.Join(a.Tags, "\x00") == strings.Join(b.Tags, "\x00") &&
		strings.Join(a.Factors, "\x00") == strings.Join(b.Factors, "\x00") && strings.Join(a.Services, "\x00") == strings.Join(b.Services, "\x00") &&
		a.Severity == b.Severity && a.Status == b.Status && a.Date.Equal(b.Date) && a.DurationMinutes == b.DurationMinutes
}

func indexError(dir string, err error) error { return diag.Env("search index %s: %v", dir, err) }

// clientIndex is search-index.json, the index a static copy of the site searches.
func clientIndex(docs []searchDoc) ([]byte, error) { return search.ClientIndex(docs) }
