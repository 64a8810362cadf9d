package search

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
)

// syncQueries cover term, phrase, field, wildcard and fuzzy queries, with
// and without filters, so that scores, totals, facets and fragments are
// all compared.
var syncQueries = []Request{
	{},
	{Query: "database latency", Size: 20},
	{Query: "failover", Size: 20},
	{Query: `"circuit breaker"`, Size: 20},
	{Query: "timeouts retry", Filters: map[string][]string{"severity": {"SEV1", "SEV2"}}, Size: 20},
	{Query: "tag:tag-03 cache", Size: 20},
	{Query: "zebra quokka", Size: 20},
	{Query: "certif*", Size: 20},
	{Query: "replcia~1", Size: 20},
	{Query: "", Filters: map[string][]string{"year": {"2020"}}, Size: 50},
}

// snapshot runs syncQueries and describes each result: total, facets, and
// the hits' scores with their URLs and fragments. bleve breaks ties in
// index order, which differs between any two builds (the offline builder
// takes each batch from a map), so hits are listed by score and then URL,
// and of the hits tied at the lowest score on the page, only how many
// there are is compared: which of them make the page is arbitrary.
func snapshot(t *testing.T, dir string) []string {
	t.Helper()
	ix, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	return snapshotIndex(t, ix)
}

func snapshotIndex(t *testing.T, ix *Index) []string {
	t.Helper()
	var out []string
	for _, req := range syncQueries {
		res, err := ix.Search(context.Background(), req)
		if err != nil {
			t.Fatalf("%+v: %v", req, err)
		}
		hits := res.Hits
		sort.SliceStable(hits, func(i, j int) bool {
			if hits[i].Score != hits[j].Score {
				return hits[i].Score > hits[j].Score
			}
			return hits[i].URL < hits[j].URL
		})
		var sb strings.Builder
		fmt.Fprintf(&sb, "%q total=%d facets=%v\n", req.Query, res.Total, res.Facets)
		for _, h := range hits {
			if len(hits) == req.Size && h.Score == hits[len(hits)-1].Score && req.Query != "" {
				fmt.Fprintf(&sb, "  %.17g (tied at the cut)\n", h.Score)
				continue
			}
			fmt.Fprintf(&sb, "  %.17g %s %q\n", h.Score, h.URL, h.Fragments)
		}
		out = append(out, sb.String())
	}
	return out
}

// After every Sync the index finds what a fresh Build finds; its scores
// equal the fresh Build's when Sync merged (more than 1 % of the
// documents changed since the last merge), and otherwise once merged.
func TestSyncMatchesBuild(t *testing.T) {
	root := t.TempDir()
	synced, fresh := filepath.Join(root, "synced"), filepath.Join(root, "fresh")
	docs := append(fixtureDocs(), syntheticDocs(300, 80)...)

	st, err := Sync(synced, docs)
	if err != nil {
		t.Fatal(err)
	}
	if !st.Rebuilt || st.Added != len(docs) {
		t.Errorf("first Sync: %+v, want a rebuild", st)
	}

	// unmerged is the count of changes since the last merge that each
	// step leaves: Sync merges past 1 % of the documents (3.12 here).
	steps := []struct {
		name     string
		change   func([]Document) []Document
		want     SyncStats
		unmerged uint64
	}{
		{"nothing", func(d []Document) []Document { return d }, SyncStats{Unchanged: 312}, 0},
		{"one body", func(d []Document) []Document {
			d[20].Body += " zebra crossing failover"
			return d
		}, SyncStats{Updated: 1, Unchanged: 311}, 1},
		{"facets and title", func(d []Document) []Document {
			d[0].Tags = append(d[0].Tags, "tag-03")
			d[1].Severity = "SEV4"
			d[2].Title = "Quokka database"
			return d
		}, SyncStats{Updated: 3, Unchanged: 309}, 0},
		{"delete and add", func(d []Document) []Document {
			d = append(d[:5:5], d[9:]...) // drop 4
			extra := syntheticDocs(3, 40)
			for i := range extra {
				extra[i].ID = fmt.Sprintf("extra-%d", i)
				extra[i].URL = "incidents/" + extra[i].ID + "/"
			}
			return append(d, extra...)
		}, SyncStats{Added: 3, Deleted: 4, Unchanged: 308}, 0},
		{"rename", func(d []Document) []Document {
			d[30].ID, d[30].URL = "renamed", "incidents/renamed/"
			return d
		}, SyncStats{Added: 1, Deleted: 1, Unchanged: 310}, 2},
		// Deletions alone: Sync rewrites one document as well (see sync).
		{"delete some", func(d []Document) []Document { return d[:280] }, SyncStats{Deleted: 31, Unchanged: 280}, 0},
		{"change most", func(d []Document) []Document {
			for i := range d[:200] {
				d[i].Summary += " rewritten"
			}
			return d
		}, SyncStats{Updated: 200, Unchanged: 80, Rebuilt: true}, 0},
	}
	for _, step := range steps {
		docs = step.change(append([]Document(nil), docs...))
		st, err := Sync(synced, docs)
		if err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		if st != step.want {
			t.Errorf("%s: stats %+v, want %+v", step.name, st, step.want)
		}
		mustBuild(t, fresh, docs)
		if n := unmergedCount(t, synced); n != step.unmerged {
			t.Errorf("%s: %d unmerged changes, want %d", step.name, n, step.unmerged)
		}
		if step.unmerged == 0 {
			compareExact(t, step.name+": after Sync", synced, fresh)
		} else {
			compareUnmerged(t, step.name, synced, fresh)
			// Merged, a copy scores exactly as the fresh Build.
			compareExact(t, step.name+": merged", compactedCopy(t, synced), fresh)
		}
		if g, w := internals(t, synced), internals(t, fresh); !reflect.DeepEqual(g, w) {
			t.Errorf("%s: the hashes or word pairs differ from a fresh Build's", step.name)
		}
	}
}

// compareExact fails unless the indexes at got and want answer
// syncQueries identically, scores included.
func compareExact(t *testing.T, name, got, want string) {
	t.Helper()
	g, w := snapshot(t, got), snapshot(t, want)
	for i := range w {
		if g[i] != w[i] {
			t.Errorf("%s\n%s\nfresh Build\n%s", name, g[i], w[i])
		}
	}
}

// unmergedCount reads the index's count of changes since its last merge.
func unmergedCount(t *testing.T, dir string) uint64 {
	t.Helper()
	ix, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	n, err := ix.unmerged()
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// compactedCopy copies the index at dir, merges the copy with Compact and
// returns its path.
func compactedCopy(t *testing.T, dir string) string {
	t.Helper()
	cp := t.TempDir()
	if err := copyIndex(dir, cp); err != nil {
		t.Fatal(err)
	}
	w, err := OpenWritable(cp)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Compact(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n, err := w.unmerged(); err != nil || n != 0 {
		t.Errorf("after Compact: %d unmerged changes, %v", n, err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return cp
}

// compareUnmerged checks an index Sync left unmerged against a fresh
// Build of the same documents. Everything but scores must be the same:
// totals, facets, the full set of matching documents, fragments. Scores
// may be higher, by at most scoreBound, and hits may change places on a
// page only where the fresh Build's scores are that close.
//
// Queries with wildcard or fuzzy terms are left out of the score checks:
// they expand to the terms in the segments' dictionaries, where a term
// only deleted documents had stays until merged and changes the query's
// normalisation. (compactedCopy checks them.)
func compareUnmerged(t *testing.T, name, syncedDir, freshDir string) {
	t.Helper()
	synced, err := Open(syncedDir)
	if err != nil {
		t.Fatal(err)
	}
	defer synced.Close()
	fresh, err := Open(freshDir)
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	tol := scoreBound(t, synced, fresh)
	// Scores are float64 sums computed in different orders.
	const eps = 1e-9
	worst := 0.0
	for _, req := range syncQueries {
		label := fmt.Sprintf("%s: %q %v", name, req.Query, req.Filters)
		got, want := mustSearch(t, synced, req), mustSearch(t, fresh, req)
		if got.Total != want.Total || !reflect.DeepEqual(got.Facets, want.Facets) {
			t.Errorf("%s: total %d, facets %v\nfresh Build: total %d, facets %v", label, got.Total, got.Facets, want.Total, want.Facets)
		}
		gm, expanding := allMatches(t, synced, req)
		fm, _ := allMatches(t, fresh, req)
		if !reflect.DeepEqual(slices.Sorted(maps.Keys(gm)), slices.Sorted(maps.Keys(fm))) {
			t.Errorf("%s: matches\n%v\nfresh Build\n%v", label, slices.Sorted(maps.Keys(gm)), slices.Sorted(maps.Keys(fm)))
			continue
		}
		frags := map[string][]string{}
		for _, h := range want.Hits {
			frags[h.URL] = h.Fragments
		}
		for _, h := range got.Hits {
			if f, ok := frags[h.URL]; ok && !reflect.DeepEqual(f, h.Fragments) {
				t.Errorf("%s: %s fragments %q, fresh Build %q", label, h.URL, h.Fragments, f)
			}
		}
		if req.Query == "" {
			// Newest first: the same page.
			if !reflect.DeepEqual(hitURLs(got), hitURLs(want)) {
				t.Errorf("%s: hits %v\nfresh Build %v", label, hitURLs(got), hitURLs(want))
			}
			continue
		}
		if expanding || len(got.Hits) == 0 {
			continue
		}
		for u, f := range fm {
			g := gm[u]
			if g < f*(1-eps) || g > f*(1+tol)*(1+eps) {
				t.Errorf("%s: %s scores %.17g, fresh Build %.17g: outside [0, +%.3g%%]", label, u, g, f, 100*tol)
			}
			if f > 0 {
				worst = max(worst, g/f-1)
			}
		}
		// Each hit on the page may only be above a hit the fresh Build
		// scores higher by less than the bound...
		page := got.Hits
		for i := range page {
			for j := i + 1; j < len(page); j++ {
				if a, b := fm[page[i].URL], fm[page[j].URL]; b > a*(1+tol)*(1+eps) {
					t.Errorf("%s: %s ranked above %s, which the fresh Build scores %.3g%% higher", label, page[i].URL, page[j].URL, 100*(b/a-1))
				}
			}
		}
		// ... and that includes the hits it pushed off the page.
		on := map[string]bool{}
		for _, h := range page {
			on[h.URL] = true
		}
		last := fm[page[len(page)-1].URL]
		for _, h := range want.Hits {
			if !on[h.URL] && fm[h.URL] > last*(1+tol)*(1+eps) {
				t.Errorf("%s: %s off the page, though the fresh Build scores it %.3g%% above the last hit", label, h.URL, 100*(fm[h.URL]/last-1))
			}
		}
	}
	t.Logf("%s: scores up to %.3g%% above a fresh Build's; bound %.3g%%", name, 100*worst, 100*tol)
}

// allMatches runs req's query on ix without a page limit and returns
// every matching document's score by URL, and whether the query expands
// wildcard or fuzzy terms.
func allMatches(t *testing.T, ix *Index, req Request) (map[string]float64, bool) {
	t.Helper()
	p, err := prepare(req)
	if err != nil {
		t.Fatal(err)
	}
	sr := bleve.NewSearchRequestOptions(combine(p.user, filterQuery(p.filters, "")), 1_000_000, 0, false)
	sr.Fields = []string{fURL}
	res, err := ix.bi.Search(sr)
	if err != nil {
		t.Fatal(err)
	}
	out := make(map[string]float64, len(res.Hits))
	for _, h := range res.Hits {
		u, _ := h.Fields[fURL].(string)
		out[u] = h.Score
	}
	return out, p.expensive
}

// scoreBound is how much higher than fresh's the scores of synced can be.
// bleve's BM25 takes a field's average length as ceil(sum of the sizes of
// the field's term dictionaries over all segments / live documents).
// Segments a Sync adds can only raise the sum: a term counts once per
// segment that holds it, deleted documents' terms included. A term's
// score, idf * tf * k1 / (tf + k1 * (1 - b + b * length / average)),
// grows with the average and by at most the same factor (for a' > a,
// (c + d/a) / (c + d/a') < a'/a); idf and the query's normalisation do
// not depend on it. So each score is between the fresh Build's and that
// times the largest ratio of the two indexes' averages over all fields.
func scoreBound(t *testing.T, synced, fresh *Index) float64 {
	t.Helper()
	avgs := func(ix *Index) map[string]float64 {
		adv, err := ix.bi.Advanced()
		if err != nil {
			t.Fatal(err)
		}
		r, err := adv.(*scorch.Scorch).Reader()
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		snap := r.(*scorch.IndexSnapshot)
		n, err := snap.DocCount()
		if err != nil {
			t.Fatal(err)
		}
		fields, err := snap.Fields()
		if err != nil {
			t.Fatal(err)
		}
		out := make(map[string]float64, len(fields))
		for _, f := range fields {
			c, err := snap.FieldCardinality(f)
			if err != nil {
				t.Fatal(err)
			}
			out[f] = math.Ceil(float64(c) / float64(n))
		}
		return out
	}
	s, f := avgs(synced), avgs(fresh)
	// Only the fields queries score in: _id, for one, has a dictionary
	// too, but no query scores it.
	scored := []string{}
	for _, tf := range textFields {
		scored = append(scored, tf.name)
	}
	for k := range keywordFields {
		scored = append(scored, k)
	}
	ratio := 1.0
	for _, field := range scored {
		if a := f[field]; a > 0 {
			ratio = max(ratio, s[field]/a)
		}
	}
	return ratio - 1
}

// internals returns the index's tables of hashes and word pairs, each as
// one map, after checking that every entry is in the shard of its ID.
func internals(t *testing.T, dir string) [2]any {
	t.Helper()
	ix, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	table, err := ix.hashes()
	if err != nil {
		t.Fatal(err)
	}
	man, err := readManifest(ix.bi)
	if err != nil {
		t.Fatal(err)
	}
	hashes := map[string]docHash{}
	pairs := map[string]string{}
	for s := range tableShards {
		for id, h := range table[s] {
			if shardOf(id) != s {
				t.Errorf("the hash of %s is in shard %d, want %d", id, s, shardOf(id))
			}
			hashes[id] = h
		}
		b, ok := ix.tables.pairsShard(s, man.pairs[s])
		if !ok {
			t.Fatalf("the word pairs' shard %d is unreadable", s)
		}
		for id, p := range decodePairs(b) {
			if shardOf(id) != s {
				t.Errorf("the word pairs of %s are in shard %d, want %d", id, s, shardOf(id))
			}
			pairs[id] = string(p)
		}
	}
	return [2]any{hashes, pairs}
}

// checkKeptTable fails unless the table of hashes a writable Index keeps
// in memory, if any, is the one in its index, and so is its docOrder.
func checkKeptTable(t *testing.T, w *Index) {
	t.Helper()
	w.syncMu.Lock()
	defer w.syncMu.Unlock()
	if w.table == nil {
		if w.order != nil {
			t.Error("a docOrder kept without a table")
		}
		return
	}
	stored, err := readHashes(w.bi, w.tables)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(w.table, stored) {
		t.Error("the table of hashes kept in memory differs from the index's")
	}
	if w.order == nil {
		return
	}
	listed := map[string]docHash{}
	for i, id := range w.order.ids {
		listed[id] = w.order.hashes[i]
	}
	all := map[string]docHash{}
	for _, shard := range stored {
		maps.Copy(all, shard)
	}
	if len(w.order.ids) != len(w.order.hashes) || !maps.Equal(listed, all) {
		t.Error("the docOrder kept in memory differs from the index's table of hashes")
	}
}

// A Sync that dies between two of its batches leaves an index that the
// next Sync brings to exactly the documents it is given.
func TestSyncInterrupted(t *testing.T) {
	root := t.TempDir()
	dir, fresh := filepath.Join(root, "idx"), filepath.Join(root, "fresh")
	docs := syntheticDocs(batchSize+200, 30)
	mustBuild(t, dir, docs[:100])
	// Through a writable Index, which never falls back to Build.
	w, err := OpenWritable(dir)
	if err != nil {
		t.Fatal(err)
	}
	crash := errors.New("simulated crash")
	batches := 0
	testHookBetweenBatches = func() error { batches++; return crash }
	_, err = w.Sync(docs[50:])
	testHookBetweenBatches = nil
	if !errors.Is(err, crash) || batches != 1 {
		t.Fatalf("Sync: %v after %d batches, want the simulated crash after 1", err, batches)
	}
	checkKeptTable(t, w)
	// Some of the documents the interrupted Sync wrote are gone by the
	// next one, and some that were deleted are back.
	want := append(append([]Document(nil), docs[40:60]...), docs[400:]...)
	if _, err := w.Sync(want); err != nil {
		t.Fatal(err)
	}
	checkKeptTable(t, w)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	mustBuild(t, fresh, want)
	ix, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	n, err := ix.DocCount()
	ix.Close()
	if err != nil || n != uint64(len(want)) {
		t.Errorf("DocCount %d, %v; want %d", n, err, len(want))
	}
	if g, w := internals(t, dir), internals(t, fresh); !reflect.DeepEqual(g, w) {
		t.Error("the hashes or word pairs differ from a fresh Build's")
	}
	// The second Sync changed far more than 1 %, so it merged.
	if n := unmergedCount(t, dir); n != 0 {
		t.Errorf("%d unmerged changes after a large Sync", n)
	}
	compareExact(t, "after the interrupted Sync and another", dir, fresh)
}

func TestSyncFallsBackToBuild(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "idx")
	docs := fixtureDocs()
	mustBuild(t, dir, docs[:3])
	// An index of another format (an older mapping) is rebuilt.
	if err := os.WriteFile(filepath.Join(dir, markerName), []byte(`{"format":1}`), 0o644); err != nil {
		t.Fatal(err)
	}
	st, err := Sync(dir, docs)
	if err != nil || !st.Rebuilt || st.Added != len(docs) {
		t.Fatalf("Sync over an old format: %+v, %v", st, err)
	}
	if s := siblings(t, dir); len(s) != 0 {
		t.Errorf("Sync left %v behind", s)
	}
	// A directory that is not an index is refused, as Build refuses it.
	foreign := t.TempDir()
	if err := os.WriteFile(filepath.Join(foreign, "index.html"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Sync(foreign, docs); err == nil {
		t.Error("Sync replaced a foreign directory")
	}
}

// A server holding the index open read-only (serve --no-build, or a
// watch server beside one) must keep working while Sync runs, and see the
// change once it reopens.
func TestSyncWithReaderOpen(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "idx")
	docs := fixtureDocs()
	mustBuild(t, dir, docs)
	reader, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	docs[3].Body += " quokka"
	st, err := Sync(dir, docs)
	if err != nil {
		t.Fatal(err)
	}
	if st.Updated != 1 || st.Rebuilt {
		t.Errorf("stats %+v", st)
	}
	if s := siblings(t, dir); len(s) != 0 {
		t.Errorf("Sync left %v behind", s)
	}
	if got := mustSearch(t, reader, Request{Query: "certificate"}).Total; got == 0 {
		t.Error("old reader broken by Sync")
	}
	fresh, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	if got := hitURLs(mustSearch(t, fresh, Request{Query: "quokka"})); !reflect.DeepEqual(got, []string{"incidents/cert-expiry/"}) {
		t.Errorf("after Sync: %v", got)
	}
}

// With the index held by OpenWritable (the way for a watch server), Sync
// updates through that handle, and its searches see the change at once.
func TestSyncThroughOpenWriter(t *testing.T) {
	docs := fixtureDocs()
	dir, w := writableIndex(t, docs)
	defer w.Close()
	svc := NewService(w)
	docs = append(docs[1:], Document{ID: "new", URL: "incidents/new/", Title: "Quokka outage", Date: day("2026-03-01")})
	st, err := Sync(dir, docs)
	if err != nil {
		t.Fatal(err)
	}
	if st != (SyncStats{Added: 1, Deleted: 1, Unchanged: 11}) {
		t.Errorf("stats %+v", st)
	}
	res, err := svc.Search(context.Background(), Request{Query: "quokka"})
	if err != nil || res.Total != 1 {
		t.Errorf("search after Sync: %+v, %v", res, err)
	}
	if res, _ := svc.Search(context.Background(), Request{Query: "failover"}); res.Total != 0 {
		t.Errorf("deleted document still found: %d hits", res.Total)
	}
	checkKeptTable(t, w)
	// The next Syncs compare docs with the table w keeps in memory.
	docs[0].Body += " wombat"
	docs = append(docs[:1], docs[2:]...)
	if st, err := Sync(dir, docs); err != nil || st != (SyncStats{Updated: 1, Deleted: 1, Unchanged: 10}) {
		t.Errorf("second Sync: %+v, %v", st, err)
	}
	checkKeptTable(t, w)
	if st, err := Sync(dir, docs); err != nil || st != (SyncStats{Unchanged: 11}) {
		t.Errorf("third Sync: %+v, %v", st, err)
	}
	// The same IDs in the same order: the kept docOrder is compared.
	docs[5].Title += " wombat"
	if st, err := Sync(dir, docs); err != nil || st != (SyncStats{Updated: 1, Unchanged: 10}) {
		t.Errorf("fourth Sync: %+v, %v", st, err)
	}
	checkKeptTable(t, w)
	if res, _ := svc.Search(context.Background(), Request{Query: "wombat"}); res.Total != 2 {
		t.Errorf("search for the changes: %d hits, want 2", res.Total)
	}
}

// When Sync must rebuild an index held by OpenWritable (most documents
// changed, or the folder was deleted under it), the Index builds afresh,
// swaps the new index in under itself and stays open and writable:
// searches on it never fail, see the change when Sync returns, and later
// Syncs go on in place.
func TestSyncThroughOpenWriterRebuilds(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "idx")
	docs := append(fixtureDocs(), syntheticDocs(40, 30)...)
	mustBuild(t, dir, docs)
	abs, _ := filepath.Abs(dir)
	w, err := OpenWritable(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	// Searches run all along.
	stop := make(chan struct{})
	searchErr := make(chan error, 1)
	go func() {
		defer close(searchErr)
		for {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := w.Search(context.Background(), Request{Query: "database"}); err != nil {
				searchErr <- err
				return
			}
		}
	}()
	find := func(what, q string, want int) {
		t.Helper()
		if got := mustSearch(t, w, Request{Query: q}).Total; got != uint64(want) {
			t.Errorf("%s: %d hits for %q, want %d", what, got, q, want)
		}
	}
	stat := func() os.FileInfo {
		t.Helper()
		fi, err := os.Stat(dir)
		if err != nil {
			t.Fatal(err)
		}
		return fi
	}

	before := stat()
	most := slices.Clone(docs)
	for i := range most[:len(most)/2+1] {
		most[i].Body += " quokka"
	}
	st, err := Sync(dir, most)
	if want := (SyncStats{Updated: len(docs)/2 + 1, Unchanged: len(docs) - len(docs)/2 - 1, Rebuilt: true}); err != nil || st != want {
		t.Fatalf("Sync changing most: %+v, %v; want %+v", st, err, want)
	}
	if os.SameFile(before, stat()) {
		t.Error("Sync changing most did not build afresh")
	}
	if openWriter(abs) != w {
		t.Fatal("the Index no longer counts as open for writing")
	}
	find("after the rebuild", "quokka", len(docs)/2+1)
	if s := siblings(t, dir); len(s) != 0 {
		t.Errorf("the rebuild left %v behind", s)
	}

	// Then in place again, through the reopened index.
	rebuilt := stat()
	most[len(most)-1].Title += " wombat"
	if st, err := Sync(dir, most); err != nil || st != (SyncStats{Updated: 1, Unchanged: len(docs) - 1}) {
		t.Errorf("Sync of one change: %+v, %v", st, err)
	}
	if !os.SameFile(rebuilt, stat()) {
		t.Error("Sync of one change replaced the folder")
	}
	find("after the update", "wombat", 1)
	checkKeptTable(t, w)

	// The folder deleted under the Index: Sync rebuilds it rather than
	// writing into the deleted files.
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	most = most[1:]
	if st, err := Sync(dir, most); err != nil || !st.Rebuilt {
		t.Errorf("Sync after the folder was deleted: %+v, %v", st, err)
	}
	find("after the folder was deleted", "wombat", 1)
	if n, err := w.DocCount(); err != nil || n != uint64(len(most)) {
		t.Errorf("DocCount %d, %v; want %d", n, err, len(most))
	}

	close(stop)
	if err := <-searchErr; err != nil {
		t.Errorf("a search failed during the rebuilds: %v", err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if openWriter(abs) != nil || isWriterOpen(abs) {
		t.Error("still registered as a writer after Close")
	}
	// Closed, the folder is an ordinary index again.
	ix, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if got := mustSearch(t, ix, Request{Query: "wombat"}).Total; got != 1 {
		t.Errorf("reopened: %d hits", got)
	}
}

// A rebuild through an open writer that fails before its swap leaves the
// Index open on the old index, and nothing beside it.
func TestSyncThroughOpenWriterRebuildFails(t *testing.T) {
	docs := fixtureDocs()
	dir, w := writableIndex(t, docs)
	defer w.Close()
	boom := errors.New("simulated failure before the swap")
	testHookBeforeSwap = func(string) error { return boom }
	defer func() { testHookBeforeSwap = nil }()
	all := slices.Clone(docs)
	for i := range all {
		all[i].Body += " quokka"
	}
	if _, err := Sync(dir, all); !errors.Is(err, boom) {
		t.Fatalf("Sync: %v, want the simulated failure", err)
	}
	if s := siblings(t, dir); len(s) != 0 {
		t.Errorf("the failed rebuild left %v behind", s)
	}
	if got := mustSearch(t, w, Request{Query: "certificate"}).Total; got != 1 {
		t.Errorf("the old index answers %d hits, want 1", got)
	}
	testHookBeforeSwap = nil
	if st, err := Sync(dir, all); err != nil || !st.Rebuilt {
		t.Fatalf("Sync again: %+v, %v", st, err)
	}
	if got := mustSearch(t, w, Request{Query: "quokka"}).Total; got != uint64(len(all)) {
		t.Errorf("after the rebuild: %d hits, want %d", got, len(all))
	}
}

// Changes larger than one batch are written in several; the hashes must
// still come out right.
func TestSyncLargeChange(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "idx")
	docs := syntheticDocs(batchSize+300, 20)
	mustBuild(t, dir, docs[:100])
	w, err := OpenWritable(dir)
	if err != nil {
		t.Fatal(err)
	}
	st, err := w.Sync(docs)
	if err != nil {
		t.Fatal(err)
	}
	if st.Added != len(docs)-100 || st.Unchanged != 100 || st.Rebuilt {
		t.Errorf("stats %+v", st)
	}
	if st, err := w.Sync(docs); err != nil || st.Changed() {
		t.Errorf("second Sync changed something: %+v, %v", st, err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}

	// The package function updates in place, unless most documents
	// changed: then it builds afresh.
	before, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	docs[0].Title += " changed"
	if st, err := Sync(dir, docs); err != nil || st != (SyncStats{Updated: 1, Unchanged: len(docs) - 1}) {
		t.Errorf("Sync of one change: %+v, %v", st, err)
	}
	if after, err := os.Stat(dir); err != nil || !os.SameFile(before, after) {
		t.Errorf("with nobody reading, Sync replaced the directory instead of updating it (%v)", err)
	}
	st, err = Sync(dir, docs[:500])
	if err != nil || st != (SyncStats{Deleted: len(docs) - 500, Unchanged: 500, Rebuilt: true}) {
		t.Errorf("Sync deleting most: %+v, %v", st, err)
	}
}

// TestSyncWithReaderProcess runs a reader in another process (this test
// binary, re-run as the reader) that holds the index open while Sync
// runs: bolt's lock keeps a writer out, so Sync must update a copy.
func TestSyncWithReaderProcess(t *testing.T) {
	if dir := os.Getenv("SECONDSTORY_TEST_READER"); dir != "" {
		ix, err := Open(dir)
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		defer ix.Close()
		fmt.Println("ready")
		_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
		res, err := ix.Search(context.Background(), Request{Query: "certificate"})
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		fmt.Println("total", res.Total)
		return
	}
	if testing.Short() {
		t.Skip("starts a process")
	}
	dir := filepath.Join(t.TempDir(), "idx")
	docs := fixtureDocs()
	mustBuild(t, dir, docs)
	cmd := exec.Command(os.Args[0], "-test.run=^TestSyncWithReaderProcess$")
	cmd.Env = append(os.Environ(), "SECONDSTORY_TEST_READER="+dir)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	out := bufio.NewReader(stdout)
	if line, _ := out.ReadString('\n'); line != "ready\n" {
		t.Fatalf("reader: %q", line)
	}

	before, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	docs = append(docs[:3], docs[4:]...) // the only incident about a certificate
	st, err := Sync(dir, docs)
	if err != nil {
		t.Fatalf("Sync beside a reader: %v", err)
	}
	if st.Deleted != 1 || st.Rebuilt {
		t.Errorf("stats %+v", st)
	}
	if after, err := os.Stat(dir); err != nil || os.SameFile(before, after) {
		t.Errorf("Sync did not swap in an updated copy (%v)", err)
	}
	ix, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := mustSearch(t, ix, Request{Query: "certificate"}).Total; got != 0 {
		t.Errorf("after Sync: %d hits for the deleted incident", got)
	}
	ix.Close()

	// The reader still answers from the index it opened.
	fmt.Fprintln(stdin, "search")
	if line, _ := out.ReadString('\n'); line != "total 1\n" {
		t.Errorf("reader after Sync: %q", line)
	}
}
