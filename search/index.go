package search

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2"
	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
)

// boltTimeout bounds how long Open waits for the index lock, so a server
// started next to a writer fails with an error instead of hanging.
const boltTimeout = "2s"

// Index is an open index; safe for concurrent Search calls.
type Index struct {
	// mu is held shared by every Search and exclusively by Close, so Close
	// waits for in-flight searches instead of failing them.
	mu sync.RWMutex
	// syncMu serialises Syncs, which read and then replace the hashes,
	// and merges (compact.go). It guards table and order.
	syncMu sync.Mutex
	// table is the index's table of hashes, kept by a writable Index
	// between Syncs (see hashes); nil until read. order is the same
	// table in the order of the last Sync's documents, or nil.
	table  *hashTable
	order  *docOrder
	closed bool
	bi     bleve.Index
	// tables holds the files of the tables (tables.go); replaced with
	// bi, under mu.
	tables   *tableStore
	dir      string
	writable bool
	// dirInfo is dir as opened, so that Sync can tell when the folder
	// was deleted or replaced under the Index (writable only; guarded by
	// syncMu after open).
	dirInfo os.FileInfo

	// idleMerge is set for OpenWritable: merge in the background after
	// a change (compact.go). bgMu guards the fields after it.
	idleMerge bool
	bgMu      sync.Mutex
	bgClosed  bool               // Close began: schedule nothing more
	bgTimer   *time.Timer        // the scheduled merge
	bgCancel  context.CancelFunc // cancels the scheduled or running merge
	bgWG      sync.WaitGroup     // the scheduled or running merge

	// persisting counts the batches of a writable index that are searchable but not yet on disk (batch).
	persisting sync.WaitGroup
}

// batch applies b. An index opened for writing (the preview's) is opened with bleve's unsafe_batch: a batch
// returns as soon as searches see it, and bleve's persister writes it to disk a moment later, instead of the
// caller waiting for the files and their fsync (about 100 ms per save on this kind of machine). Close and the
// merges wait for those writes (waitPersisted), so what is on disk stays complete. onPersisted, unless nil, runs
// once b is on disk (in bleve's persister, in batch order).
func (ix *Index) batch(b *bleve.Batch, onPersisted func()) error {
	if !ix.writable {
		err := ix.bi.Batch(b)
		if err == nil && onPersisted != nil {
			onPersisted()
		}
		return err
	}
	ix.persisting.Add(1)
	var once sync.Once
	done := func(err error) {
		once.Do(func() {
			if err == nil && onPersisted != nil {
				onPersisted()
			}
			ix.persisting.Done()
		})
	}
	b.SetPersistedCallback(done)
	err := ix.bi.Batch(b)
	if err != nil {
		// Not introduced, so never persisted: nothing to wait for.
		once.Do(ix.persisting.Done)
	}
	return err
}

// waitPersisted waits, up to a bound, for the batches not yet on disk.
func (ix *Index) waitPersisted() {
	done := make(chan struct{})
	go func() { ix.persisting.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
	}
}

// Open opens the index at dir read-only (for `serve --no-build`).
func Open(dir string) (*Index, error) {
	return open(dir, false)
}

// OpenWritable opens the index at dir for in-place updates (watch mode).
// While it is open, Build refuses to replace dir, and the package function
// Sync updates dir through this Index, which stays open even when Sync
// rebuilds the index: it then swaps the new one in under itself. Other
// processes can neither read nor write dir meanwhile. When the index is
// not merged (see Sync), it merges in the background once no change came
// for 2 s; searches keep working meanwhile.
func OpenWritable(dir string) (*Index, error) {
	ix, err := open(dir, true)
	if err != nil {
		return nil, err
	}
	ix.idleMerge = true
	ix.scheduleIdleMergeIfDue()
	return ix, nil
}

func open(dir string, writable bool) (*Index, error) {
	return openWait(dir, writable, boltTimeout)
}

// openWait opens dir, waiting up to timeout for bolt's file lock.
func openWait(dir string, writable bool, timeout string) (*Index, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if _, err := readMarker(abs); err != nil {
		return nil, err
	}
	cfg := map[string]interface{}{"bolt_timeout": timeout}
	if writable {
		registerWriter(abs)
		cfg["unsafe_batch"] = true // see Index.batch
	} else {
		cfg["read_only"] = true
	}
	bi, err := bleve.OpenUsing(filepath.Join(abs, bleveDir), cfg)
	if err != nil {
		if writable {
			unregisterWriter(abs, nil)
		}
		return nil, fmt.Errorf("open search index %s: %w", dir, err)
	}
	ix := &Index{bi: bi, dir: abs, writable: writable, tables: openTables(abs, bi, writable)}
	if writable {
		ix.dirInfo, _ = os.Stat(abs)
		setWriterIndex(abs, ix)
	}
	return ix, nil
}

// Close releases the index after in-flight searches finish. It stops a
// background merge rather than waiting for it to complete. Calling it
// twice is harmless.
func (ix *Index) Close() error {
	ix.stopIdleMerge()
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.closed {
		return nil
	}
	ix.closed = true
	if ix.writable {
		ix.waitPersisted()
	}
	err := ix.bi.Close()
	ix.tables.close()
	if ix.writable {
		unregisterWriter(ix.dir, ix)
	}
	return err
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

// Update applies upserts and deletes in place (watch mode), keeping the
// content hashes Sync relies on. Documents are sent in batches of
// batchSize; a batch is durable when Update returns. Unlike Sync, it never
// merges segments itself, so scores may differ from a fresh Build's (see
// Sync) until the background merge of an OpenWritable index, a Sync over
// the bound, or Compact merges them. Deletions alone, in an index merged
// into one segment, stay in the scores until the next write adds a
// segment to merge with.
func (ix *Index) Update(upserts []Document, deletes []string) error {
	if err := validateDocs(upserts); err != nil {
		return err
	}
	return ix.writing(func() error { return ix.update(upserts, deletes) })
}

func (ix *Index) update(upserts []Document, deletes []string) error {
	prev, err := ix.hashes()
	if err != nil {
		return err
	}
	var dels []string
	for _, id := range deletes {
		if id != "" {
			dels = append(dels, id)
		}
	}
	_, err = ix.apply(upserts, hashDocs(upserts), dels, prev)
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
	ctx = withTables(ctx, ix.tables) // for phrases on the body (phrase.go)

	from, size := (p.page-1)*p.size, p.size
	if p.page > maxWindow || from+size > maxWindow {
		// Past the window: still count and facet, but fetch no hits.
		from, size = 0, 0
	}
	// Stored fields and highlights are fetched in a second pass for the
	// page of hits only: asking for highlights here would make bleve decode
	// term positions for every matching document, which was 40% of the
	// time of a broad query.
	sr := bleve.NewSearchRequestOptions(combine(p.user, filterQuery(p.filters, "")), size, from, false)
	if p.user == nil {
		sr.SortBy([]string{"-" + fDate, "_id"})
	} else {
		// Score alone: tie-breakers on date or ID would make bleve read
		// their doc values for every matching document (~10% of a broad
		// query); equal scores keep index order, which is stable.
		sr.SortBy([]string{"-_score"})
	}
	// Multi-select facets: a key with an active filter is counted without
	// its own filter, so the other values stay visible and OR-able.
	var separate []int
	for i, fk := range facetKeys {
		if len(p.filters[fk.key]) > 0 {
			separate = append(separate, i)
			continue
		}
		sr.AddFacet(fk.key, bleve.NewFacetRequest(fk.facetField, facetSize))
	}

	res, err := ix.bi.SearchInContext(ctx, sr)
	if err != nil {
		return nil, ix.searchErr(ctx, p, err)
	}
	out := &Result{
		Total:  res.Total,
		Hits:   make([]Hit, 0, len(res.Hits)),
		Facets: make(map[string][]FacetTerm, len(facetKeys)),
	}
	if len(res.Hits) > 0 {
		details, err := ix.hitDetails(ctx, p.user, res.Hits)
		if err != nil {
			return nil, ix.searchErr(ctx, p, err)
		}
		for _, h := range res.Hits {
			// A document deleted between the passes (watch mode) is
			// dropped rather than shown blank.
			if d, ok := details[h.ID]; ok {
				out.Hits = append(out.Hits, toHit(d.fields, d.fragments, h.Score))
			}
		}
	}
	for _, fk := range facetKeys {
		out.Facets[fk.key] = facetTerms(fk.key, res.Facets[fk.key])
	}
	for _, i := range separate {
		fk := facetKeys[i]
		fr := bleve.NewSearchRequestOptions(combine(p.user, filterQuery(p.filters, fk.key)), 0, 0, false)
		fr.AddFacet(fk.key, bleve.NewFacetRequest(fk.facetField, facetSize))
		fres, err := ix.bi.SearchInContext(ctx, fr)
		if err != nil {
			return nil, ix.searchErr(ctx, p, err)
		}
		out.Facets[fk.key] = facetTerms(fk.key, fres.Facets[fk.key])
	}
	// An active value outside the top facetSize still needs to be shown
	// (and be clickable to remove), so add it with the count we know.
	for _, fk := range facetKeys {
		for _, v := range p.filters[fk.key] {
			if !hasTermFold(out.Facets[fk.key], v) {
				out.Facets[fk.key] = append(out.Facets[fk.key], FacetTerm{Term: v})
			}
		}
	}
	out.TookMS = float64(time.Since(start).Microseconds()) / 1000
	return out, nil
}

type hitDetail struct {
	fields    map[string]interface{}
	fragments []string
}

// hitDetails loads the stored fields of the given hits and, for text
// queries, their fragments (highlight.go).
func (ix *Index) hitDetails(ctx context.Context, user query.Query, hits bsearch.DocumentMatchCollection) (map[string]hitDetail, error) {
	ids := make([]string, len(hits))
	for i, h := range hits {
		ids[i] = h.ID
	}
	req := bleve.NewSearchRequestOptions(query.NewDocIDQuery(ids), len(ids), 0, false)
	req.Fields = storedFields
	var matchers map[string]*fieldMatcher
	m := ix.bi.Mapping()
	if user != nil {
		matchers = queryMatchers(user, m)
		if len(matchers) > 0 {
			req.Fields = append(slices.Clip(req.Fields), fTimeline, fBody)
		}
	}
	res, err := ix.bi.SearchInContext(ctx, req)
	if err != nil {
		return nil, err
	}
	out := make(map[string]hitDetail, len(res.Hits))
	for _, h := range res.Hits {
		d := hitDetail{fields: h.Fields}
		if len(matchers) > 0 {
			d.fragments = fragmentsFor(matchers, m, h.Fields)
		}
		out[h.ID] = d
	}
	return out, nil
}

// searchErr classifies a bleve failure: cancellation stays as is, failures
// from expanding wildcards/regexps/fuzzy terms are the user's query.
func (ix *Index) searchErr(ctx context.Context, p *plan, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if errors.Is(err, bleve.ErrorIndexClosed) {
		return ErrClosed
	}
	if p.expensive {
		return badQuery("query could not be run: " + firstLine(err.Error()))
	}
	return fmt.Errorf("search: %w", err)
}

func toHit(fields map[string]interface{}, frags []string, score float64) Hit {
	str := func(k string) string { s, _ := fields[k].(string); return s }
	h := Hit{
		URL: str(fURL), Title: str(fTitle), Date: dayOf(fields[fDate]),
		Severity: str(fSeverityFacet), Summary: str(fSummary),
		Fragments: []string{},
		Score:     score,
	}
	if math.IsNaN(h.Score) || math.IsInf(h.Score, 0) {
		h.Score = 0 // JSON cannot carry these
	}
	for _, fr := range frags {
		// Fields without a match yield no fragment; the summary is
		// shown anyway.
		if strings.Contains(fr, "<mark>") && len(h.Fragments) < 3 {
			h.Fragments = append(h.Fragments, fr)
		}
	}
	return h
}

func facetTerms(key string, fr *bsearch.FacetResult) []FacetTerm {
	out := []FacetTerm{}
	if fr == nil || fr.Terms == nil {
		return out
	}
	for _, t := range fr.Terms.Terms() {
		out = append(out, FacetTerm{Term: t.Term, Count: t.Count})
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
	return out
}

func hasTermFold(ts []FacetTerm, v string) bool {
	for _, t := range ts {
		if strings.EqualFold(t.Term, v) {
			return true
		}
	}
	return false
}
