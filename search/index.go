package search

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2"
	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	bolterrors "go.etcd.io/bbolt/errors"
)

// An Index is bleve's index opened read-only (servers) or for writing
// (the preview, which hands it the documents it knows changed). Search
// turns a Request into a few bleve searches: tiers that rank the phrase
// and all-the-words hits first, one that counts and facets, and one that
// loads the shown hits with their fragments.

// boltTimeout bounds how long opening waits for the lock of bleve's root
// file, so that a second process gets ErrLocked instead of hanging.
const boltTimeout = "500ms"

const (
	facetSize = 50 // values counted and shown per facet
	// maxPrefixTerms caps what the last word expands to: the terms with
	// that prefix in the most documents.
	maxPrefixTerms = 8
	// maxPrefixScan bounds the dictionary entries read for one prefix.
	maxPrefixScan = 5000
)

// Index is an open index, safe for concurrent use.
type Index struct {
	// mu is held shared by Search and Update and exclusively by Close, so
	// Close waits for them.
	mu       sync.RWMutex
	closed   bool
	bi       bleve.Index
	writable bool
	// persisting counts batches that searches see but that bleve's
	// persister has not written yet (unsafe_batch); Close waits for them.
	persisting sync.WaitGroup
}

// Open opens the index at dir read-only (serve --no-build).
func Open(dir string) (*Index, error) { return open(dir, false) }

// OpenWritable opens the index at dir for Update (the live preview). It
// fails with ErrLocked while another process has the index open.
func OpenWritable(dir string) (*Index, error) { return open(dir, true) }

// floorSegmentDocs is where bleve's merge planner starts telling segments
// apart by size (its default is 2,000 documents). With the default, a
// session's one-document updates and the built index's big segment fell in
// one tier, and bleve merged the whole index again every few saves, on the
// cores the next rebuild needed: a retitle at 1,000 postmortems took 151 ms,
// 92 ms with this floor (BenchmarkSession; BenchmarkWatchReload p50 225 ms
// -> 140 ms). Small segments still merge among themselves, and the big one
// when its deleted documents weigh enough.
const floorSegmentDocs = 100

func open(dir string, writable bool) (*Index, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if err := readMarker(abs); err != nil {
		return nil, err
	}
	cfg := map[string]interface{}{"bolt_timeout": boltTimeout}
	if writable {
		// A batch returns once searches see it; bleve writes it to disk
		// a moment later (waiting for that took ~100 ms per save).
		cfg["unsafe_batch"] = true
		cfg["scorchMergePlanOptions"] = map[string]interface{}{"FloorSegmentSize": floorSegmentDocs}
	} else {
		cfg["read_only"] = true
	}
	bi, err := bleve.OpenUsing(filepath.Join(abs, bleveDir), cfg)
	if err != nil {
		if isLockTimeout(err) {
			return nil, fmt.Errorf("search: open %s: %w", dir, ErrLocked)
		}
		return nil, fmt.Errorf("search: open %s: %w", dir, err)
	}
	return &Index{bi: bi, writable: writable}, nil
}

// isLockTimeout reports whether err is bleve passing on bolt's timeout
// for the file lock that a writer holds (or, for a writer, any opener).
func isLockTimeout(err error) bool { return errors.Is(err, bolterrors.ErrTimeout) }

// Close releases the index once in-flight searches and updates finish and
// the updates are on disk. A second Close does nothing.
func (ix *Index) Close() error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.closed {
		return nil
	}
	ix.closed = true
	done := make(chan struct{})
	go func() { ix.persisting.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
	}
	return ix.bi.Close()
}

// DocCount reports how many incidents the index holds.
func (ix *Index) DocCount() (uint64, error) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.closed {
		return 0, ErrClosed
	}
	return ix.bi.DocCount()
}

// Update applies upserts and deletes (IDs; unknown ones are ignored) as
// one bleve batch. They are searchable when it returns.
func (ix *Index) Update(upserts []Document, deletes []string) error {
	if err := validateDocs(upserts); err != nil {
		return err
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.closed {
		return ErrClosed
	}
	if !ix.writable {
		return errors.New("search: index is open read-only")
	}
	b := ix.bi.NewBatch()
	for _, d := range upserts {
		if err := b.Index(d.ID, fieldsOf(d)); err != nil {
			return fmt.Errorf("search: index %s: %w", d.ID, err)
		}
	}
	for _, id := range deletes {
		if id != "" {
			b.Delete(id)
		}
	}
	ix.persisting.Add(1)
	var once sync.Once
	b.SetPersistedCallback(func(error) { once.Do(ix.persisting.Done) })
	err := ix.bi.Batch(b)
	if err != nil {
		once.Do(ix.persisting.Done) // never introduced, never persisted
	}
	return err
}

// Search runs one request. Errors caused by the request wrap ErrBadQuery.
func (ix *Index) Search(ctx context.Context, req Request) (*Result, error) {
	start := time.Now()
	p, err := prepare(req)
	if err != nil {
		return nil, err
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.closed {
		return nil, ErrClosed
	}
	ctx = context.WithValue(ctx, bsearch.MaxTermSearchersKey, maxTermSearchers)
	var user query.Query
	var tiers []query.Query
	if p.text != nil {
		var expanded query.Query
		if p.text.prefix != "" {
			if expanded, err = ix.prefixQuery(p.text.prefix); err != nil {
				return nil, ix.searchErr(ctx, err)
			}
		}
		user, tiers = p.text.build(expanded)
	}

	// The last search counts and facets; tiers before it fetch the hits
	// to rank first (tiered).
	out := &Result{Hits: []Hit{}, Facets: map[string][]FacetTerm{}}
	page, res, err := ix.tiered(ctx, user, tiers, p)
	if err != nil {
		return nil, ix.searchErr(ctx, err)
	}
	out.Total = res.Total
	for _, fk := range facetKeys {
		fr := res.Facets[fk.key]
		if len(p.filters[fk.key]) > 0 {
			// Multi-select: a key with an active filter is counted
			// without its own filter, so its other values stay visible.
			sr := bleve.NewSearchRequestOptions(withFilters(user, p.filters, fk.key), 0, 0, false)
			sr.Score = "none"
			sr.AddFacet(fk.key, bleve.NewFacetRequest(fk.facetField, facetSize))
			fres, err := ix.bi.SearchInContext(ctx, sr)
			if err != nil {
				return nil, ix.searchErr(ctx, err)
			}
			fr = fres.Facets[fk.key]
		}
		out.Facets[fk.key] = facetTerms(fk.key, fr, p.filters[fk.key])
	}
	if len(page) > 0 {
		if out.Hits, err = ix.hits(ctx, user, page); err != nil {
			return nil, ix.searchErr(ctx, err)
		}
	}
	out.TookMS = float64(time.Since(start).Microseconds()) / 1000
	return out, nil
}

// tiered returns the page of hits: first those matching tiers[0] (the
// phrase), then those matching tiers[1] (all the words), then the rest,
// each tier by score; and the result of the last search, over everything
// the query matches, which has the total and the facets. Tier i's top
// from+size, less the hits of earlier tiers, are its next hits: where a
// tier has more than that, the page is full before the next tier counts.
// Searches rather than boosts, because no boost guarantees the order:
// bleve multiplies a phrase's score by the share of fields it is in, and
// a document repeating the words everywhere can outscore the phrase.
func (ix *Index) tiered(ctx context.Context, user query.Query, tiers []query.Query, p *plan) (bsearch.DocumentMatchCollection, *bleve.SearchResult, error) {
	n := p.page * p.size
	seen := map[string]bool{}
	var ranked bsearch.DocumentMatchCollection
	for i := 0; ; i++ {
		last := i == len(tiers)
		size := 0
		if len(ranked) < n {
			size = n + len(seen)
		}
		if size == 0 && !last {
			continue
		}
		q := user
		if !last {
			q = query.NewConjunctionQuery([]query.Query{user, tiers[i]})
		}
		sr := bleve.NewSearchRequestOptions(withFilters(q, p.filters, ""), size, 0, false)
		if user == nil {
			sr.SortBy([]string{"-" + fDate}) // ties in index order: "_id" would load every ID
		}
		if size == 0 {
			sr.Score = "none"
		}
		for _, fk := range facetKeys {
			if last && len(p.filters[fk.key]) == 0 {
				sr.AddFacet(fk.key, bleve.NewFacetRequest(fk.facetField, facetSize))
			}
		}
		r, err := ix.bi.SearchInContext(ctx, sr)
		if err != nil {
			return nil, nil, err
		}
		for _, h := range r.Hits {
			if !seen[h.ID] {
				seen[h.ID] = true
				ranked = append(ranked, h)
			}
		}
		if last {
			from := min((p.page-1)*p.size, len(ranked))
			return ranked[from:min(n, len(ranked))], r, nil
		}
	}
}

// hits loads the stored fields, matched fields and fragments of the page
// of hits, in a second search limited to their IDs: asking for them in
// the first would make bleve read term positions for every matching
// document, not only the ten shown.
func (ix *Index) hits(ctx context.Context, user query.Query, page bsearch.DocumentMatchCollection) ([]Hit, error) {
	ids := make([]string, len(page))
	for i, h := range page {
		ids[i] = h.ID
	}
	var q query.Query = query.NewDocIDQuery(ids)
	if user != nil {
		q = query.NewConjunctionQuery([]query.Query{q, user})
	}
	req := bleve.NewSearchRequestOptions(q, len(ids), 0, false)
	req.Fields = storedFields
	if user != nil {
		req.IncludeLocations = true
		req.Highlight = bleve.NewHighlightWithStyle("html")
		req.Highlight.Fields = fragmentFields
	}
	res, err := ix.bi.SearchInContext(ctx, req)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]*bsearch.DocumentMatch, len(res.Hits))
	for _, h := range res.Hits {
		byID[h.ID] = h
	}
	out := make([]Hit, 0, len(page))
	for _, h := range page {
		if d := byID[h.ID]; d != nil { // else deleted between the two searches
			out = append(out, toHit(d, h.Score))
		}
	}
	return out, nil
}

// matchedNames maps index fields to the names Hit.Matched uses, in the
// order they are listed.
var matchedNames = []struct{ field, name string }{
	{fTitle, "title"}, {fSummary, "summary"}, {fBody, "body"}, {fTimeline, "timeline"},
	{fActions, "actions"}, {fIdent, "identifier"}, {fTag, "tag"}, {fFactor, "factor"},
	{fService, "service"}, {fSeverity, "severity"}, {fStatus, "status"}, {fYear, "year"},
}

func toHit(d *bsearch.DocumentMatch, score float64) Hit {
	str := func(k string) string { s, _ := d.Fields[k].(string); return s }
	h := Hit{
		URL: str(fURL), Title: str(fTitle), Date: dayOf(d.Fields[fDate]),
		Severity: str(fSeverityFacet), Summary: str(fSummary),
		Matched: []string{}, Fragments: []Fragment{}, Score: score,
	}
	if math.IsNaN(h.Score) || math.IsInf(h.Score, 0) {
		h.Score = 0 // JSON cannot carry these
	}
	for _, m := range matchedNames {
		if len(d.Locations[m.field]) > 0 {
			h.Matched = append(h.Matched, m.name)
		}
	}
	for _, f := range fragmentFields {
		if frags := d.Fragments[f]; len(frags) > 0 && strings.Contains(frags[0], "<mark>") {
			h.Fragments = append(h.Fragments, Fragment{Field: f, HTML: frags[0]})
		}
	}
	// The fragment with the most of the query in it first (a pasted error message, found whole in the body,
	// before a summary that shares one of its words); ties in the fields' order.
	slices.SortStableFunc(h.Fragments, func(a, b Fragment) int {
		return strings.Count(b.HTML, "<mark>") - strings.Count(a.HTML, "<mark>")
	})
	return h
}

// prefixQuery matches the terms that start with the last word (or with
// its stem, which is what the text fields hold: "retries" is "retri") in
// the text fields, or for an identifier-like word the identifiers that
// start with it: the maxPrefixTerms terms in the most documents.
func (ix *Index) prefixQuery(word string) (query.Query, error) {
	toks := analyse(word)
	prefixes := []string{word}
	groups := [][]boostedField{textFields}
	switch {
	case len(identifiers(word, nil, map[string]bool{})) > 0:
		// OPS-41…: its pieces would expand to every OPS ticket.
		groups = [][]boostedField{{{fIdent, identBoost}}}
	case len(toks) != 1:
		return nil, nil // a stop word, or several words
	case string(toks[0].Term) != word && len(toks[0].Term) >= minLiteral:
		prefixes = append(prefixes, string(toks[0].Term))
	}
	var qs []query.Query
	for _, fields := range groups {
		terms := map[string]uint64{}
		for _, f := range fields {
			for _, p := range prefixes {
				if err := ix.scanPrefix(f.name, p, terms); err != nil {
					return nil, err
				}
			}
		}
		top := slices.Collect(maps.Keys(terms))
		slices.SortFunc(top, func(a, b string) int { return cmp.Or(cmp.Compare(terms[b], terms[a]), strings.Compare(a, b)) })
		for _, t := range top[:min(len(top), maxPrefixTerms)] {
			for _, f := range fields {
				tq := query.NewTermQuery(t)
				tq.SetField(f.name)
				tq.SetBoost(f.boost * prefixBoost)
				qs = append(qs, tq)
			}
		}
	}
	if len(qs) == 0 {
		return nil, nil
	}
	return query.NewDisjunctionQuery(qs), nil
}

// scanPrefix adds the terms of field starting with prefix, and their
// document counts, to terms.
func (ix *Index) scanPrefix(field, prefix string, terms map[string]uint64) error {
	d, err := ix.bi.FieldDictPrefix(field, []byte(prefix))
	if err != nil {
		return err
	}
	defer d.Close()
	for range maxPrefixScan {
		e, err := d.Next()
		if err != nil || e == nil {
			return err
		}
		terms[e.Term] += e.Count
	}
	return nil
}

// withFilters ANDs the user's query and the filters but skipKey (for a
// multi-select facet). The filters' leaves have boost 0, so they leave
// scores and ranking exactly as they were. A conjunction rather than
// BooleanQuery.Filter: that turns a query that matches nothing (all stop
// words) into everything that passes the filter.
func withFilters(user query.Query, filters map[string][]string, skipKey string) query.Query {
	conj := []query.Query{}
	if user != nil {
		conj = append(conj, user)
	}
	for _, fk := range facetKeys {
		vals := filters[fk.key]
		if fk.key == skipKey || len(vals) == 0 {
			continue
		}
		ors := make([]query.Query, len(vals))
		for i, v := range vals {
			// The field's analyzer lower-cases: "DNS" filters like "dns".
			mq := query.NewMatchQuery(v)
			mq.SetField(fk.field)
			mq.SetBoost(0)
			ors[i] = mq
		}
		conj = append(conj, query.NewDisjunctionQuery(ors))
	}
	switch len(conj) {
	case 0:
		return query.NewMatchAllQuery()
	case 1:
		return conj[0]
	}
	return query.NewConjunctionQuery(conj)
}

// searchErr classifies a bleve failure: cancellation stays as it is, a
// query that expands to too many terms is the user's.
func (ix *Index) searchErr(ctx context.Context, err error) error {
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case errors.Is(err, bleve.ErrorIndexClosed):
		return ErrClosed
	case strings.Contains(err.Error(), "TooManyTermSearchers"), strings.Contains(err.Error(), "TooManyClauses"):
		return badQuery("the query matches too many different words; make wildcards and regular expressions more specific")
	}
	return fmt.Errorf("search: %w", err)
}

// facetTerms orders one facet's values: years newest first, severities
// in order, the rest by count. A filtered value outside the top
// facetSize still appears, so it can be unticked.
func facetTerms(key string, fr *bsearch.FacetResult, active []string) []FacetTerm {
	out := []FacetTerm{}
	if fr != nil && fr.Terms != nil {
		for _, t := range fr.Terms.Terms() {
			out = append(out, FacetTerm{Term: t.Term, Count: t.Count})
		}
	}
	switch key {
	case "year":
		sort.Slice(out, func(i, j int) bool { return out[i].Term > out[j].Term })
	case "severity":
		sort.Slice(out, func(i, j int) bool { return out[i].Term < out[j].Term })
	default:
		sort.SliceStable(out, func(i, j int) bool {
			if out[i].Count != out[j].Count {
				return out[i].Count > out[j].Count
			}
			return out[i].Term < out[j].Term
		})
	}
	for _, v := range active {
		if !slices.ContainsFunc(out, func(t FacetTerm) bool { return strings.EqualFold(t.Term, v) }) {
			out = append(out, FacetTerm{Term: v})
		}
	}
	return out
}
