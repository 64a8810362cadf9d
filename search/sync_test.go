package search

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
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

	steps := []struct {
		name   string
		change func([]Document) []Document
		want   SyncStats
	}{
		{"nothing", func(d []Document) []Document { return d }, SyncStats{Unchanged: 312}},
		{"one body", func(d []Document) []Document {
			d[20].Body += " zebra crossing failover"
			return d
		}, SyncStats{Updated: 1, Unchanged: 311}},
		{"facets and title", func(d []Document) []Document {
			d[0].Tags = append(d[0].Tags, "tag-03")
			d[1].Severity = "SEV4"
			d[2].Title = "Quokka database"
			return d
		}, SyncStats{Updated: 3, Unchanged: 309}},
		{"delete and add", func(d []Document) []Document {
			d = append(d[:5:5], d[9:]...) // drop 4
			extra := syntheticDocs(3, 40)
			for i := range extra {
				extra[i].ID = fmt.Sprintf("extra-%d", i)
				extra[i].URL = "incidents/" + extra[i].ID + "/"
			}
			return append(d, extra...)
		}, SyncStats{Added: 3, Deleted: 4, Unchanged: 308}},
		{"rename", func(d []Document) []Document {
			d[30].ID, d[30].URL = "renamed", "incidents/renamed/"
			return d
		}, SyncStats{Added: 1, Deleted: 1, Unchanged: 310}},
		{"delete some", func(d []Document) []Document { return d[:280] }, SyncStats{Deleted: 31, Unchanged: 280}},
		{"change most", func(d []Document) []Document {
			for i := range d[:200] {
				d[i].Summary += " rewritten"
			}
			return d
		}, SyncStats{Updated: 200, Unchanged: 80, Rebuilt: true}},
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
		if err := Build(fresh, docs); err != nil {
			t.Fatal(err)
		}
		got, want := snapshot(t, synced), snapshot(t, fresh)
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("%s: after Sync\n%s\nfresh Build\n%s", step.name, got[i], want[i])
			}
		}
		if g, w := internals(t, synced), internals(t, fresh); !reflect.DeepEqual(g, w) {
			t.Errorf("%s: the hashes or word pairs differ from a fresh Build's", step.name)
		}
	}
}

// internals returns the index's tables of hashes and word pairs.
func internals(t *testing.T, dir string) [2]any {
	t.Helper()
	ix, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	h, err := ix.hashes()
	if err != nil {
		t.Fatal(err)
	}
	p, err := ix.bi.GetInternal([]byte(pairsKey))
	if err != nil {
		t.Fatal(err)
	}
	pairs := map[string]string{}
	for id, b := range decodePairs(p) {
		pairs[id] = string(b)
	}
	return [2]any{h, pairs}
}

// A Sync that dies between two of its batches leaves an index that the
// next Sync brings to exactly the documents it is given.
func TestSyncInterrupted(t *testing.T) {
	root := t.TempDir()
	dir, fresh := filepath.Join(root, "idx"), filepath.Join(root, "fresh")
	docs := syntheticDocs(batchSize+200, 30)
	if err := Build(dir, docs[:100]); err != nil {
		t.Fatal(err)
	}
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
	// Some of the documents the interrupted Sync wrote are gone by the
	// next one, and some that were deleted are back.
	want := append(append([]Document(nil), docs[40:60]...), docs[400:]...)
	if _, err := w.Sync(want); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := Build(fresh, want); err != nil {
		t.Fatal(err)
	}
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
	got, exp := snapshot(t, dir), snapshot(t, fresh)
	for i := range exp {
		if got[i] != exp[i] {
			t.Errorf("after the interrupted Sync and another\n%s\nfresh Build\n%s", got[i], exp[i])
		}
	}
}

func TestSyncFallsBackToBuild(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "idx")
	docs := fixtureDocs()
	if err := Build(dir, docs[:3]); err != nil {
		t.Fatal(err)
	}
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

// A server holding the index open read-only (serve --no-build, or watch
// mode today) must keep working while Sync runs, and see the change once
// it reopens.
func TestSyncWithReaderOpen(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "idx")
	docs := fixtureDocs()
	if err := Build(dir, docs); err != nil {
		t.Fatal(err)
	}
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
	dir := filepath.Join(t.TempDir(), "idx")
	docs := fixtureDocs()
	if err := Build(dir, docs); err != nil {
		t.Fatal(err)
	}
	w, err := OpenWritable(dir)
	if err != nil {
		t.Fatal(err)
	}
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
}

// Changes larger than one batch are written in several; the hashes must
// still come out right.
func TestSyncLargeChange(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "idx")
	docs := syntheticDocs(batchSize+300, 20)
	if err := Build(dir, docs[:100]); err != nil {
		t.Fatal(err)
	}
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
	if err := Build(dir, docs); err != nil {
		t.Fatal(err)
	}
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
