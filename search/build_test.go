package search

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// siblings lists the entries of dir's parent other than dir itself, to
// catch temporary directories left behind.
func siblings(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Dir(dir))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if e.Name() != filepath.Base(dir) {
			out = append(out, e.Name())
		}
	}
	return out
}

func TestBuildOpenSearch(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "idx")
	mustBuild(t, dir, fixtureDocs())
	if _, err := os.Stat(filepath.Join(dir, markerName)); err != nil {
		t.Errorf("marker missing: %v", err)
	}
	if s := siblings(t, dir); len(s) != 0 {
		t.Errorf("Build left %v next to the index", s)
	}
	ix, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if n, err := ix.DocCount(); err != nil || n != 12 {
		t.Errorf("DocCount = %d, %v", n, err)
	}
	if err := ix.Update([]Document{{ID: "x", Title: "x"}}, nil); err == nil {
		t.Error("Update on a read-only index succeeded")
	}
	// Two read-only opens of the same index coexist (several servers).
	ix2, err := Open(dir)
	if err != nil {
		t.Fatalf("second read-only Open: %v", err)
	}
	ix2.Close()
}

func TestBuildEmpty(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "idx")
	mustBuild(t, dir, nil)
	ix, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	res := mustSearch(t, ix, Request{Query: "anything"})
	if res.Total != 0 || len(res.Hits) != 0 {
		t.Errorf("empty index returned %d", res.Total)
	}
}

func TestBuildRejectsBadDocs(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "idx")
	docs := fixtureDocs()
	if err := Build(dir, append(docs, docs[0])); err == nil || !strings.Contains(err.Error(), "duplicate") {
		t.Errorf("duplicate ID: err = %v", err)
	}
	if err := Build(dir, []Document{{Title: "no id"}}); err == nil {
		t.Error("empty ID accepted")
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("failed Build created %s", dir)
	}
}

func TestBuildRefusesForeignDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "public")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	keep := filepath.Join(dir, "index.html")
	if err := os.WriteFile(keep, []byte("precious"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := Build(dir, fixtureDocs())
	if !errors.Is(err, ErrNotIndex) {
		t.Fatalf("err = %v, want ErrNotIndex", err)
	}
	if b, err := os.ReadFile(keep); err != nil || string(b) != "precious" {
		t.Errorf("foreign file touched: %q, %v", b, err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("foreign dir now holds %d entries", len(entries))
	}
	if s := siblings(t, dir); len(s) != 0 {
		t.Errorf("Build left %v behind", s)
	}
	if _, err := Open(dir); !errors.Is(err, ErrNotIndex) {
		t.Errorf("Open foreign dir: %v", err)
	}

	// A plain file is refused too.
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Build(file, fixtureDocs()); !errors.Is(err, ErrNotIndex) {
		t.Errorf("file: err = %v", err)
	}
	if b, _ := os.ReadFile(file); string(b) != "x" {
		t.Error("file replaced")
	}
}

func TestBuildIntoEmptyDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "idx")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := Build(dir, fixtureDocs()); err != nil {
		t.Fatalf("empty dir refused: %v", err)
	}
	ix, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	ix.Close()
}

func TestRebuildReplacesOldIndex(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "idx")
	docs := fixtureDocs()
	mustBuild(t, dir, docs[:3])
	old, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()

	if err := Build(dir, docs); err != nil {
		t.Fatalf("rebuild: %v", err)
	}
	if s := siblings(t, dir); len(s) != 0 {
		t.Errorf("rebuild left %v behind", s)
	}
	// A reader of the old index keeps working until it is closed (watch
	// mode swaps and closes it afterwards).
	if res := mustSearch(t, old, Request{}); res.Total != 3 {
		t.Errorf("old reader sees %d docs, want 3", res.Total)
	}
	fresh, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	if res := mustSearch(t, fresh, Request{}); res.Total != 12 {
		t.Errorf("new index has %d docs, want 12", res.Total)
	}
}

func TestFailedBuildKeepsOldIndex(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "idx")
	docs := fixtureDocs()
	mustBuild(t, dir, docs[:4])
	boom := errors.New("simulated crash before swap")
	testHookBeforeSwap = func(tmp string) error {
		if _, err := os.Stat(filepath.Join(tmp, markerName)); err != nil {
			t.Errorf("hook ran before the new index was complete: %v", err)
		}
		return boom
	}
	defer func() { testHookBeforeSwap = nil }()

	if err := Build(dir, docs); !errors.Is(err, boom) {
		t.Fatalf("err = %v, want the simulated failure", err)
	}
	if s := siblings(t, dir); len(s) != 0 {
		t.Errorf("failed build left %v behind", s)
	}
	ix, err := Open(dir)
	if err != nil {
		t.Fatalf("old index unusable after failed build: %v", err)
	}
	defer ix.Close()
	res := mustSearch(t, ix, Request{Size: 100})
	if res.Total != 4 {
		t.Errorf("old index has %d docs, want 4", res.Total)
	}
	// And a duplicate-ID build, which fails early, leaves it alone too.
	testHookBeforeSwap = nil
	if err := Build(dir, append(docs, docs[0])); err == nil {
		t.Fatal("duplicate build succeeded")
	}
	if res := mustSearch(t, ix, Request{}); res.Total != 4 {
		t.Errorf("after second failure: %d docs", res.Total)
	}
}

func TestWritableIndexUpdate(t *testing.T) {
	docs := fixtureDocs()
	dir := filepath.Join(t.TempDir(), "idx")
	mustBuild(t, dir, docs)
	ix, err := OpenWritable(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	// While a writer (a preview) holds it, a rebuild must not swap the
	// folder away under it.
	if err := Build(dir, docs); !errors.Is(err, ErrLocked) {
		t.Errorf("Build under a writer: err = %v, want ErrLocked", err)
	}

	changed := docs[0]
	changed.Title = "Orders database failover with zebra crossing"
	added := Document{
		ID: "new-incident", URL: "incidents/new-incident/", Title: "Quokka service meltdown",
		Summary: "The quokka service melted.", Tags: []string{"networking"}, Severity: "SEV2", Date: day("2026-02-01"),
	}
	if err := ix.Update([]Document{changed, added}, []string{"cert-expiry", "does-not-exist"}); err != nil {
		t.Fatalf("Update: %v", err)
	}
	if res := mustSearch(t, ix, Request{}); res.Total != 12 { // 12 - 1 + 1
		t.Errorf("total after update %d, want 12", res.Total)
	}
	if got := hitURLs(mustSearch(t, ix, Request{Query: "zebra"})); !slices.Equal(got, []string{"incidents/orders-db-failover/"}) {
		t.Errorf("updated doc not found: %v", got)
	}
	if got := mustSearch(t, ix, Request{Query: "certificate"}); got.Total != 0 {
		t.Errorf("deleted doc still found: %v", hitURLs(got))
	}
	res := mustSearch(t, ix, Request{Query: "quokka"})
	if len(res.Hits) != 1 || res.Hits[0].Date != "2026-02-01" {
		t.Errorf("added doc: %+v", res.Hits)
	}
	if got := facetMap(mustSearch(t, ix, Request{}).Facets["tag"])["networking"]; got != 3 {
		t.Errorf("facet after update: networking = %d, want 3", got)
	}
	if err := ix.Update([]Document{{Title: "no id"}}, nil); err == nil {
		t.Error("Update accepted a document without ID")
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}

	// Updates are durable, and once closed the dir can be rebuilt.
	ro, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := mustSearch(t, ro, Request{Query: "quokka"}).Total; got != 1 {
		t.Errorf("update not persisted: %d", got)
	}
	ro.Close()
	if err := Build(dir, docs); err != nil {
		t.Errorf("Build after writer closed: %v", err)
	}
}

func TestUpdateLargeBatch(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "idx")
	mustBuild(t, dir, nil)
	ix, err := OpenWritable(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	docs := syntheticDocs(1250, 50)
	if err := ix.Update(docs, nil); err != nil {
		t.Fatal(err)
	}
	if n, _ := ix.DocCount(); n != uint64(len(docs)) {
		t.Errorf("DocCount %d, want %d", n, len(docs))
	}
	res, err := ix.Search(context.Background(), Request{Query: "latency", Size: 1})
	if err != nil || res.Total == 0 {
		t.Errorf("search after bulk update: %v, %v", res, err)
	}
}

func TestOpenMissing(t *testing.T) {
	if _, err := Open(filepath.Join(t.TempDir(), "nope")); !errors.Is(err, ErrNotIndex) {
		t.Errorf("err = %v", err)
	}
}

func TestOpenRejectsOtherFormat(t *testing.T) {
	_, dir := buildFixture(t)
	if err := os.WriteFile(filepath.Join(dir, markerName), []byte(`{"format":99}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir); err == nil || !strings.Contains(err.Error(), "rebuild") {
		t.Errorf("err = %v", err)
	}
}
