package search

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"
	bsearch "github.com/blevesearch/bleve/v2/search"
	index "github.com/blevesearch/bleve_index_api"
)

// tableFiles lists the files in the tables folder of the index at dir.
func tableFiles(t *testing.T, dir string) map[string]os.FileInfo {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(dir, tablesDir))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]os.FileInfo{}
	for _, e := range entries {
		fi, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = fi
	}
	return out
}

// namedFiles returns the files the manifest of bi names, after checking
// that each exists and matches its checksum.
func namedFiles(t *testing.T, bi bleve.Index, dir string) []string {
	t.Helper()
	m, err := readManifest(bi)
	if err != nil {
		t.Fatal(err)
	}
	ts := &tableStore{dir: filepath.Join(dir, tablesDir)}
	for s := range tableShards {
		if _, err := ts.load(fileName(hashesFile, s, m.hashes[s]), m.hashes[s]); err != nil {
			t.Errorf("hashes shard %d: %v", s, err)
		}
		if _, err := ts.load(fileName(pairsFile, s, m.pairs[s]), m.pairs[s]); err != nil {
			t.Errorf("pairs shard %d: %v", s, err)
		}
	}
	names := m.names()
	slices.Sort(names)
	return names
}

// shardFiles returns, of a listing, the files of shard s.
func shardFiles(files map[string]os.FileInfo, s int) []string {
	var out []string
	for n := range files {
		if strings.Contains(n, fmt.Sprintf(".%02d.", s)) {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}

// A Sync writes new files for the shards that hold the documents it
// changes, and only those (of word pairs, only where a body changed or a
// document went); once bleve has persisted it, the files they replace are
// gone, and the folder holds exactly the files the manifest in the index
// names. bleve's internal store holds the manifest only.
func TestSyncRewritesTouchedShardFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "idx")
	docs := syntheticDocs(300, 60)
	mustBuild(t, dir, docs)
	// check compares the folder's files before and after a Sync that
	// changed the documents pairsChanged, whose word pairs changed, and
	// others, whose did not.
	check := func(name string, bi bleve.Index, before, after map[string]os.FileInfo, pairsChanged, others []string) {
		t.Helper()
		replaced := map[string]bool{} // table.shard
		for _, id := range pairsChanged {
			replaced[fmt.Sprintf("%s.%02d", pairsFile, shardOf(id))] = true
		}
		for _, id := range append(pairsChanged, others...) {
			replaced[fmt.Sprintf("%s.%02d", hashesFile, shardOf(id))] = true
		}
		shard := func(n string) string { return n[:strings.LastIndexByte(n, '.')] }
		for n, fi := range before {
			a, ok := after[n]
			switch {
			case replaced[shard(n)] && ok:
				t.Errorf("%s: %s was not replaced", name, n)
			case !replaced[shard(n)] && !ok:
				t.Errorf("%s: %s was removed", name, n)
			case ok && !os.SameFile(fi, a):
				t.Errorf("%s: %s was written again", name, n)
			}
		}
		added := map[string]bool{}
		for n := range after {
			if before[n] == nil {
				if !replaced[shard(n)] || added[shard(n)] {
					t.Errorf("%s: %s was added", name, n)
				}
				added[shard(n)] = true
			}
		}
		if len(added) != len(replaced) {
			t.Errorf("%s: %d files added, want %d", name, len(added), len(replaced))
		}
		if got := slices.Sorted(maps.Keys(after)); !slices.Equal(got, namedFiles(t, bi, dir)) {
			t.Errorf("%s: the folder holds %v, the manifest names others", name, got)
		}
		if b, err := bi.GetInternal([]byte(manifestKey)); err != nil || len(b) > 1024 {
			t.Errorf("%s: manifest of %d bytes, %v", name, len(b), err)
		}
		for _, old := range []string{"secondstory.pairs.00", "secondstory.hashes.00"} {
			if b, _ := bi.GetInternal([]byte(old)); b != nil {
				t.Errorf("%s: %s still in bleve's internal store", name, old)
			}
		}
	}

	// Through an Index held open for writing, the way of `serve --watch`.
	w, err := OpenWritable(dir)
	if err != nil {
		t.Fatal(err)
	}
	before := tableFiles(t, dir)
	docs[7].Body += " quokka wombat"
	if st, err := Sync(dir, docs); err != nil || st.Updated != 1 {
		t.Fatalf("Sync: %+v, %v", st, err)
	}
	w.waitPersisted()
	check("one body, through the writer", w.bi, before, tableFiles(t, dir), []string{docs[7].ID}, nil)

	// Two documents other than in the body, one deleted.
	before = tableFiles(t, dir)
	docs[20].Title += " wombat"
	docs[100].Summary += " wombat"
	gone := docs[200].ID
	docs = slices.Delete(docs, 200, 201)
	if st, err := Sync(dir, docs); err != nil || st.Updated != 2 || st.Deleted != 1 {
		t.Fatalf("Sync: %+v, %v", st, err)
	}
	w.waitPersisted()
	check("three documents, through the writer", w.bi, before, tableFiles(t, dir), []string{gone}, []string{docs[20].ID, docs[100].ID})
	checkKeptTable(t, w)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}

	// With nobody holding it, Sync opens the index and updates it.
	before = tableFiles(t, dir)
	docs[50].Body += " quokka wombat"
	if st, err := Sync(dir, docs); err != nil || st.Updated != 1 {
		t.Fatalf("Sync: %+v, %v", st, err)
	}
	ix, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	check("one body, nobody holding the index", ix.bi, before, tableFiles(t, dir), []string{docs[50].ID}, nil)
	if got := mustSearch(t, ix, Request{Query: `"quokka wombat"`}).Total; got != 2 {
		t.Errorf("%d hits for the changes, want 2", got)
	}
}

// The files a Sync replaces stay until bleve has persisted the batch that
// replaced them: until then, the manifest on disk names them.
func TestReplacedFilesOutliveThePersist(t *testing.T) {
	docs := syntheticDocs(100, 60)
	dir, w := writableIndex(t, docs)
	defer w.Close()
	// bleve's persister calls back in its own goroutine: held in the
	// callback of a batch, it persists nothing more until released.
	held, release := make(chan struct{}), make(chan struct{})
	b := w.bi.NewBatch()
	b.SetInternal([]byte("test.hold"), []byte{1})
	b.SetPersistedCallback(func(error) { close(held); <-release })
	if err := w.bi.Batch(b); err != nil {
		t.Fatal(err)
	}
	<-held
	before := tableFiles(t, dir)
	s := shardOf(docs[3].ID)
	old := shardFiles(before, s)
	docs[3].Body += " quokka wombat"
	st, err := w.Sync(docs)
	if err != nil || st.Updated != 1 {
		close(release)
		t.Fatalf("Sync: %+v, %v", st, err)
	}
	now := tableFiles(t, dir)
	close(release)
	for _, n := range old {
		if now[n] == nil {
			t.Errorf("%s removed before bleve persisted the Sync", n)
		}
	}
	if got := shardFiles(now, s); len(got) != 4 {
		t.Errorf("files of shard %d: %v, want the old and the new ones", s, got)
	}
	w.waitPersisted()
	if got := shardFiles(tableFiles(t, dir), s); len(got) != 2 || slices.Contains(got, old[0]) || slices.Contains(got, old[1]) {
		t.Errorf("files of shard %d once persisted: %v, want only the new ones", s, got)
	}
}

// Phrase searches running while Syncs replace the files they read find
// what they would find alone: the documents no Sync touches, always, and
// a change once its Sync has returned.
func TestPhraseSearchesDuringSyncs(t *testing.T) {
	docs := syntheticDocs(200, 60)
	dir, w := writableIndex(t, docs)
	defer w.Close()
	// Phrases from the documents the Syncs leave alone; the ones they
	// change only gain words no phrase has.
	phrases := slices.DeleteFunc(phraseQueries(docs[100:]), func(r Request) bool { return strings.Contains(r.Query, "quokka") })
	want := phraseResults(t, w, phrases, false)
	stop := make(chan struct{})
	errs := make(chan error, 2)
	for g := 0; g < 2; g++ {
		go func() {
			for {
				select {
				case <-stop:
					errs <- nil
					return
				default:
				}
				for i, req := range phrases {
					res, err := w.Search(context.Background(), req)
					if err != nil {
						errs <- err
						return
					}
					if !strings.HasPrefix(want[i], fmt.Sprintf("%s: %d ", req.Query, res.Total)) {
						errs <- fmt.Errorf("%s: %d hits during the Syncs; alone: %.200s", req.Query, res.Total, want[i])
						return
					}
				}
			}
		}()
	}
	changed := map[int]bool{}
	for i := 0; i < 40; i++ {
		j := (i * 37) % 100
		docs[j].Body += " quokka wombat"
		changed[j] = true
		if st, err := Sync(dir, docs); err != nil || st.Updated != 1 {
			t.Errorf("Sync %d: %+v, %v", i, st, err)
			break
		}
		if got := mustSearch(t, w, Request{Query: `"quokka wombat"`}).Total; got != uint64(len(changed)) {
			t.Errorf("after Sync %d: %d hits for the changes, want %d", i, got, len(changed))
		}
	}
	close(stop)
	for range 2 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if got := phraseResults(t, w, phrases, false); !slices.Equal(got, want) {
		t.Errorf("after the Syncs:%s", diffLines(got, want))
	}
}

// phraseQueries returns phrases on the body: of two words (answered from
// the word pairs alone) and three, cut from docs' bodies and reversed,
// some with a stop word inside, and one in no document.
func phraseQueries(docs []Document) []Request {
	out := []Request{{Query: `"promoted the replica"`}, {Query: `"quokka wombat"`}, {Query: `"queue consumer" -tag:tag-03`}}
	r := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 20; i++ {
		words := strings.Fields(docs[r.IntN(len(docs))].Body)
		k := 2 + r.IntN(2)
		at := r.IntN(len(words) - k)
		p := slices.Clone(words[at : at+k])
		out = append(out, Request{Query: `"` + strings.Join(p, " ") + `"`})
		slices.Reverse(p)
		out = append(out, Request{Query: `"` + strings.Join(p, " ") + `"`})
	}
	for i := range out {
		out[i].Size = 100
	}
	return out
}

// phraseResults runs reqs on ix: each total and all its hits' URLs,
// sorted, and when scores is set, the hits' scores.
func phraseResults(t *testing.T, ix *Index, reqs []Request, scores bool) []string {
	t.Helper()
	var out []string
	for _, req := range reqs {
		var hits []string
		var total uint64
		for req.Page = 1; ; req.Page++ {
			res := mustSearch(t, ix, req)
			total = res.Total
			for _, h := range res.Hits {
				if scores {
					hits = append(hits, fmt.Sprintf("%s %.12g", h.URL, h.Score))
				} else {
					hits = append(hits, h.URL)
				}
			}
			if len(res.Hits) < req.Size {
				break
			}
		}
		slices.Sort(hits)
		out = append(out, fmt.Sprintf("%s: %d %s", req.Query, total, strings.Join(hits, " ")))
	}
	return out
}

// diffLines describes where got and want differ.
func diffLines(got, want []string) string {
	var sb strings.Builder
	for i := range max(len(got), len(want)) {
		var g, w string
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if g != w {
			fmt.Fprintf(&sb, "\n got %.300s\nwant %.300s", g, w)
		}
	}
	return sb.String()
}

// A shard of word pairs whose file is gone or damaged reads as empty:
// phrase queries find the same documents, checking them against the
// text. That includes a query on a snapshot older than the Sync that
// replaced the file.
func TestPairsFileLost(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "idx")
	docs := append(fixtureDocs(), syntheticDocs(200, 80)...)
	mustBuild(t, dir, docs)
	ix, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	phrases := phraseQueries(docs)
	want := phraseResults(t, ix, phrases, true)
	m, err := readManifest(ix.bi)
	if err != nil {
		t.Fatal(err)
	}
	ix.Close()
	matched := 0
	for _, r := range want {
		if !strings.Contains(r, ": 0 ") {
			matched++
		}
	}
	if matched < len(want)/3 {
		t.Fatalf("only %d phrases match anything: %q", matched, want)
	}
	// Every other shard's file deleted; the others replaced with tables
	// of the same documents without their pairs, which would reject them
	// all if the checksum went unchecked.
	for s, sum := range m.pairs {
		p := filepath.Join(dir, tablesDir, fileName(pairsFile, s, sum))
		if s%2 == 0 {
			if err := os.Remove(p); err != nil {
				t.Fatal(err)
			}
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		tab := decodePairs(b)
		for id := range tab {
			tab[id] = nil
		}
		if err := os.WriteFile(p, tab.encode(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ix, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := phraseResults(t, ix, phrases, true); !slices.Equal(got, want) {
		t.Errorf("without the word pairs:%s", diffLines(got, want))
	}
	ix.Close()

	// A query on a snapshot taken before a Sync, run after bleve has
	// persisted it: the replaced file is gone.
	mustBuild(t, dir, docs)
	w, err := OpenWritable(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	r := reader(t, w)
	defer r.Close()
	docs[3].Body += " quokka wombat"
	if st, err := w.Sync(docs); err != nil || st.Updated != 1 {
		t.Fatalf("Sync: %+v, %v", st, err)
	}
	w.waitPersisted()
	old := pairsReader{r: r, t: w.tables}
	if _, ok := old.lookup(docs[3].ID); ok {
		t.Errorf("the old snapshot's pairs of %s were found after the Sync", docs[3].ID)
	}
	for _, d := range docs {
		if shardOf(d.ID) == shardOf(docs[3].ID) {
			continue
		}
		if p, ok := old.lookup(d.ID); !ok || !slices.Equal(p, bodyPairs(w.bi.Mapping(), d.Body)) {
			t.Errorf("the old snapshot's pairs of %s, in an untouched shard: %v", d.ID, ok)
		}
	}
	if got := mustSearch(t, w, Request{Query: `"quokka wombat"`}).Total; got != 1 {
		t.Errorf("%d hits for the change, want 1", got)
	}
	// The searcher itself, on the old snapshot, checks the documents of
	// the lost shard against their old text: without the new phrase, with
	// the old ones.
	find := func(phrase string) []string {
		t.Helper()
		q := newBodyPhraseQuery(bleve.NewMatchPhraseQuery(phrase)).(*bodyPhraseQuery)
		ids, err := matches(withTables(context.Background(), w.tables), q, r, w.bi)
		if err != nil {
			t.Fatal(err)
		}
		return ids
	}
	if ids := find("quokka wombat"); len(ids) != 0 {
		t.Errorf("the old snapshot finds the new phrase in %v", ids)
	}
	body := docs[3].Body
	toks := analyse(w.bi.Mapping(), w.bi.Mapping().AnalyzerNameForPath(fBody), []byte(body))
	for i := 1; i < len(toks); i += 7 {
		if toks[i].Position != toks[i-1].Position+1 {
			continue
		}
		phrase := body[toks[i-1].Start:toks[i-1].End] + " " + body[toks[i].Start:toks[i].End]
		if ids := find(phrase); !slices.Contains(ids, docs[3].ID) {
			t.Errorf("the old snapshot does not find %q in %s: %v", phrase, docs[3].ID, ids)
		}
	}
}

// reader returns a reader of the index's current snapshot.
func reader(t *testing.T, ix *Index) index.IndexReader {
	t.Helper()
	adv, err := ix.bi.Advanced()
	if err != nil {
		t.Fatal(err)
	}
	r, err := adv.Reader()
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// matches runs q's searcher on the snapshot r and returns the IDs of the
// documents it matches.
func matches(ctx context.Context, q *bodyPhraseQuery, r index.IndexReader, bi bleve.Index) ([]string, error) {
	s, err := q.Searcher(ctx, r, bi.Mapping(), bsearch.SearcherOptions{})
	if err != nil {
		return nil, err
	}
	defer s.Close()
	sctx := &bsearch.SearchContext{DocumentMatchPool: bsearch.NewDocumentMatchPool(s.DocumentMatchPoolSize(), 0), IndexReader: r}
	var ids []string
	for {
		d, err := s.Next(sctx)
		if err != nil || d == nil {
			return ids, err
		}
		id, err := r.ExternalID(d.IndexInternalID)
		if err != nil {
			return nil, err
		}
		ids = append(ids, id)
		sctx.DocumentMatchPool.Put(d)
	}
}

// A Sync after a file of the hashes was lost still writes every changed
// document: through an Index that keeps the table in memory, from there;
// otherwise by building afresh. A Sync that finds the word pairs of a
// shard it rewrites lost takes them from the stored bodies, so that the
// shard is complete again.
func TestHashesFileLost(t *testing.T) {
	root := t.TempDir()
	dir, fresh := filepath.Join(root, "idx"), filepath.Join(root, "fresh")
	docs := syntheticDocs(200, 60)
	mustBuild(t, dir, docs)
	// lose deletes or damages the file of shard s of a table.
	lose := func(table string, s int, damage bool) {
		t.Helper()
		named := shardFiles(tableFiles(t, dir), s)
		named = slices.DeleteFunc(named, func(n string) bool { return !strings.HasPrefix(n, table+".") })
		if len(named) != 1 {
			t.Fatalf("files of %s shard %d: %v", table, s, named)
		}
		p := filepath.Join(dir, tablesDir, named[0])
		if !damage {
			if err := os.Remove(p); err != nil {
				t.Fatal(err)
			}
			return
		}
		if err := os.WriteFile(p, []byte{hashesVersion}, 0o644); err != nil { // truncated
			t.Fatal(err)
		}
	}
	same := func(name string) {
		t.Helper()
		mustBuild(t, fresh, docs)
		if g, w := internals(t, dir), internals(t, fresh); !reflect.DeepEqual(g, w) {
			t.Errorf("%s: the hashes or word pairs differ from a fresh Build's", name)
		}
		phrases := phraseQueries(docs)
		if g, w := phrasesAt(t, dir, phrases), phrasesAt(t, fresh, phrases); !slices.Equal(g, w) {
			t.Errorf("%s: phrase queries differ from a fresh Build's:%s", name, diffLines(g, w))
		}
	}

	// Nobody holds the index: the shard of the changed document is lost.
	lose(hashesFile, shardOf(docs[5].ID), true)
	docs[5].Body += " quokka"
	st, err := Sync(dir, docs)
	if err != nil || !st.Rebuilt {
		t.Errorf("Sync with a damaged file of hashes: %+v, %v; want a rebuild", st, err)
	}
	if got := totalAt(t, dir, Request{Query: "quokka"}); got != 1 {
		t.Errorf("%d hits for the change, want 1", got)
	}
	same("after the rebuild")

	// Held open for writing: the table kept in memory answers, and the
	// touched shard is written anew.
	w, err := OpenWritable(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Sync(docs); err != nil { // reads the table while it is whole
		t.Fatal(err)
	}
	s := shardOf(docs[9].ID)
	lose(hashesFile, s, false)
	docs[9].Body += " wombat"
	if st, err := Sync(dir, docs); err != nil || st != (SyncStats{Updated: 1, Unchanged: len(docs) - 1}) {
		t.Errorf("Sync through the writer: %+v, %v", st, err)
	}
	checkKeptTable(t, w)
	// Another shard's file lost: the writer, reopened, must rebuild.
	var other int
	for other = range docs {
		if shardOf(docs[other].ID) != s {
			break
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	lose(hashesFile, shardOf(docs[other].ID), false)
	if w, err = OpenWritable(dir); err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	docs[other].Title += " wombat"
	if _, err := w.Sync(docs); !errors.Is(err, errBadHashes) {
		t.Errorf("Index.Sync with a lost file of hashes: %v, want errBadHashes", err)
	}
	if st, err := Sync(dir, docs); err != nil || !st.Rebuilt {
		t.Errorf("Sync through the writer with a lost file of hashes: %+v, %v; want a rebuild", st, err)
	}
	if got := mustSearch(t, w, Request{Query: "wombat"}).Total; got != 2 {
		t.Errorf("%d hits for the changes, want 2", got)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	same("after the writer rebuilt")

	// The word pairs of the changed documents' shards lost: rebuilt from
	// the stored bodies, in place.
	j := 12
	for shardOf(docs[j].ID) == shardOf(docs[11].ID) {
		j++
	}
	lose(pairsFile, shardOf(docs[11].ID), false)
	lose(pairsFile, shardOf(docs[j].ID), true)
	docs[11].Body += " quokka wombat"
	docs[j].Body += " quokka wombat"
	if st, err := Sync(dir, docs); err != nil || st.Rebuilt || st.Updated != 2 {
		t.Errorf("Sync with lost word pairs: %+v, %v", st, err)
	}
	same("after word pairs were lost")
}

// phrasesAt is phraseResults without scores (an index Sync left
// unmerged scores differently) on the index at dir, opened for the call.
func phrasesAt(t *testing.T, dir string, reqs []Request) []string {
	t.Helper()
	ix, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	return phraseResults(t, ix, reqs, false)
}

// totalAt runs req on the index at dir, opened for the call.
func totalAt(t *testing.T, dir string, req Request) uint64 {
	t.Helper()
	ix, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	return mustSearch(t, ix, req).Total
}

// crashDocs are the documents of TestTablesAfterCrash: the index's, with
// the edits of the first n Syncs of its writer.
func crashDocs(n int) []Document {
	docs := syntheticDocs(150, 60)
	for i := 0; i < n; i++ {
		for _, j := range []int{(7 * i) % len(docs), (7*i + 50) % len(docs)} {
			docs[j].Body += " edit " + strconv.Itoa(i)
		}
	}
	return docs
}

// TestTablesAfterCrash kills a process (this test binary, run again) while
// it syncs an index it holds open for writing, two documents a Sync, at
// random moments: between, during and after bleve's writes. Each time, the
// manifest in the index names files that exist and match their checksums,
// those files are consistent with the index's documents, a writer's open
// removes every other file, and a Sync brings the index to what a fresh
// Build of its documents holds.
func TestTablesAfterCrash(t *testing.T) {
	if dir := os.Getenv("SECONDSTORY_TEST_CRASH"); dir != "" {
		from, _ := strconv.Atoi(os.Getenv("SECONDSTORY_TEST_CRASH_FROM"))
		w, err := OpenWritable(dir)
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		for i := from; ; i++ {
			if _, err := w.Sync(crashDocs(i + 1)); err != nil {
				fmt.Println("error:", err)
				return
			}
			fmt.Println("synced", i+1)
		}
	}
	if testing.Short() {
		t.Skip("starts processes")
	}
	root := t.TempDir()
	dir, fresh := filepath.Join(root, "idx"), filepath.Join(root, "fresh")
	mustBuild(t, dir, crashDocs(0))
	rng := rand.New(rand.NewPCG(7, 8))
	synced := 0 // Syncs that have returned, over all rounds
	for round := 0; round < 6; round++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestTablesAfterCrash$")
		cmd.Env = append(os.Environ(), "SECONDSTORY_TEST_CRASH="+dir, "SECONDSTORY_TEST_CRASH_FROM="+strconv.Itoa(synced))
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		out := bufio.NewReader(stdout)
		lines := make(chan string)
		go func() {
			defer close(lines)
			for {
				l, err := out.ReadString('\n')
				if err != nil {
					return
				}
				lines <- strings.TrimSpace(l)
			}
		}()
		// Let it sync a few times, then kill it a random moment later.
		for k := 0; k < 2+round; k++ {
			l := <-lines
			if !strings.HasPrefix(l, "synced ") {
				t.Fatalf("writer: %q", l)
			}
			synced, _ = strconv.Atoi(strings.TrimPrefix(l, "synced "))
		}
		time.Sleep(time.Duration(rng.IntN(4000)) * time.Microsecond)
		_ = cmd.Process.Kill()
		for l := range lines {
			if n, err := strconv.Atoi(strings.TrimPrefix(l, "synced ")); err == nil {
				synced = n
			}
		}
		_ = cmd.Wait()

		// The documents in the index are those of some Sync's, in
		// synced-1..synced+1 (the one killed may have been persisted).
		ix, err := Open(dir)
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		named := namedFiles(t, ix.bi, dir)
		table, err := ix.hashes()
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		pr := pairsReader{r: reader(t, ix), t: ix.tables}
		for _, d := range crashDocs(0) {
			stored, err := ix.bi.Document(d.ID)
			if err != nil || stored == nil {
				t.Fatalf("round %d: %s: %v", round, d.ID, err)
			}
			stored.VisitFields(func(f index.Field) {
				if f.Name() == fBody {
					d.Body = string(f.Value())
				}
			})
			if h, ok := table.get(d.ID); !ok || h != hashDoc(d) {
				t.Errorf("round %d: the hash of %s does not match its stored document", round, d.ID)
			}
			if p, ok := pr.lookup(d.ID); !ok || !slices.Equal(p, bodyPairs(ix.bi.Mapping(), d.Body)) {
				t.Errorf("round %d: the word pairs of %s do not match its stored body", round, d.ID)
			}
		}
		pr.r.Close()
		ix.Close()
		// A writer's open leaves only the named files.
		w, err := OpenWritable(dir)
		if err != nil {
			t.Fatal(err)
		}
		if got := slices.Sorted(maps.Keys(tableFiles(t, dir))); !slices.Equal(got, named) {
			t.Errorf("round %d: after a writer's open, the folder holds %d files, the manifest names %d", round, len(got), len(named))
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if synced < 10 {
		t.Fatalf("only %d Syncs in all", synced)
	}
	// Then a Sync of the documents of the last one that returned, and one
	// change more.
	docs := crashDocs(synced)
	docs[1].Body += " quokka"
	st, err := Sync(dir, docs)
	if err != nil || st.Rebuilt || st.Updated == 0 {
		t.Errorf("Sync after the crashes: %+v, %v", st, err)
	}
	mustBuild(t, fresh, docs)
	if g, w := internals(t, dir), internals(t, fresh); !reflect.DeepEqual(g, w) {
		t.Error("the hashes or word pairs differ from a fresh Build's")
	}
	phrases := phraseQueries(docs)
	if g, w := phrasesAt(t, dir, phrases), phrasesAt(t, fresh, phrases); !slices.Equal(g, w) {
		t.Errorf("phrase queries differ from a fresh Build's:%s", diffLines(g, w))
	}
}

// writableIndex builds an index of docs in a temporary folder and opens it
// for writing, as the preview does; the caller closes it.
func writableIndex(t *testing.T, docs []Document) (dir string, w *Index) {
	t.Helper()
	dir = filepath.Join(t.TempDir(), "idx")
	mustBuild(t, dir, docs)
	w, err := OpenWritable(dir)
	if err != nil {
		t.Fatal(err)
	}
	return dir, w
}
