package search

import (
	"context"
	"errors"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
)

// patience bounds every wait in these tests. It is far longer than any of
// them should take, even on a loaded machine: it only turns a hang into a
// failure.
const patience = 60 * time.Second

// merged reports whether ix is merged into one segment without deleted
// documents.
func merged(t *testing.T, ix *Index) bool {
	t.Helper()
	adv, err := ix.bi.Advanced()
	if err != nil {
		t.Fatal(err)
	}
	_, ok, err := segmentState(adv.(*scorch.Scorch))
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

func mergedDir(t *testing.T, dir string) bool {
	t.Helper()
	ix, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	return merged(t, ix)
}

// Sync merges once the changes since the last merge exceed 1 % of the
// documents.
func TestSyncMergesPastBound(t *testing.T) {
	root := t.TempDir()
	dir, fresh := filepath.Join(root, "idx"), filepath.Join(root, "fresh")
	docs := syntheticDocs(200, 40)
	mustBuild(t, dir, docs)
	// 1 % of 200 is 2: the third change merges.
	for i, want := range []uint64{1, 2, 0} {
		docs[i].Body += " changed"
		st, err := Sync(dir, docs)
		if err != nil {
			t.Fatal(err)
		}
		if st != (SyncStats{Updated: 1, Unchanged: 199}) {
			t.Errorf("change %d: stats %+v", i+1, st)
		}
		if n := unmergedCount(t, dir); n != want {
			t.Errorf("change %d: %d unmerged changes, want %d", i+1, n, want)
		}
	}
	if !mergedDir(t, dir) {
		t.Error("not merged into one segment after the third change")
	}
	mustBuild(t, fresh, docs)
	compareExact(t, "after the merge", dir, fresh)

	// At 21 documents, every change merges.
	small := filepath.Join(root, "small")
	docs = docs[:21]
	mustBuild(t, small, docs)
	docs[3].Title += " changed"
	if _, err := Sync(small, docs); err != nil {
		t.Fatal(err)
	}
	if n := unmergedCount(t, small); n != 0 || !mergedDir(t, small) {
		t.Errorf("21 documents, one change: %d unmerged changes, merged %v", n, mergedDir(t, small))
	}
}

// Deletions alone in a merged index: Sync rewrites one document too, so
// that a later merge has two segments to merge and drops the deleted
// documents (bleve does not merge a segment alone).
func TestCompactAfterDeletionsAlone(t *testing.T) {
	root := t.TempDir()
	dir, fresh := filepath.Join(root, "idx"), filepath.Join(root, "fresh")
	docs := syntheticDocs(300, 40)
	mustBuild(t, dir, docs)
	docs = docs[1:]
	st, err := Sync(dir, docs)
	if err != nil || st != (SyncStats{Deleted: 1, Unchanged: 299}) {
		t.Fatalf("Sync: %+v, %v", st, err)
	}
	// The deletion and the rewritten document.
	if n := unmergedCount(t, dir); n != 2 {
		t.Errorf("%d unmerged changes, want 2", n)
	}
	w, err := OpenWritable(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := w.Compact(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Compact with a cancelled context: %v", err)
	}
	if n, _ := w.unmerged(); n != 2 {
		t.Errorf("a cancelled Compact changed the count to %d", n)
	}
	if err := w.Compact(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n, _ := w.unmerged(); n != 0 || !merged(t, w) {
		t.Errorf("after Compact: %d unmerged changes, merged %v", n, merged(t, w))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	mustBuild(t, fresh, docs)
	compareExact(t, "after Compact", dir, fresh)

	ro, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if err := ro.Compact(context.Background()); err == nil {
		t.Error("Compact on a read-only index succeeded")
	}
}

// A merge of more than 10 segments takes bleve several rounds; Compact
// runs them all.
func TestCompactManySegments(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "idx")
	docs := syntheticDocs(300, 40)
	mustBuild(t, dir, docs)
	// Opened with bleve's own merging turned off (it would merge the
	// small segments of an index this size by itself).
	bi, err := bleve.OpenUsing(filepath.Join(dir, bleveDir), map[string]interface{}{
		"scorchMergePlanOptions": map[string]interface{}{"FloorSegmentSize": 1, "MaxSegmentsPerTier": 1000},
	})
	if err != nil {
		t.Fatal(err)
	}
	w := &Index{bi: bi, dir: dir, writable: true, tables: openTables(dir, bi, true)}
	defer w.Close()
	for i := 0; i < 25; i++ {
		docs[i].Body += " changed"
		if err := w.Update(docs[i:i+1], nil); err != nil {
			t.Fatal(err)
		}
	}
	adv, err := bi.Advanced()
	if err != nil {
		t.Fatal(err)
	}
	if n, _, err := segmentState(adv.(*scorch.Scorch)); err != nil || n != 26 {
		t.Fatalf("%d segments (%v), want 26", n, err)
	}
	if err := w.Compact(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n, _ := w.unmerged(); n != 0 || !merged(t, w) {
		t.Errorf("after Compact: %d unmerged changes, merged %v", n, merged(t, w))
	}
}

// idleHooks installs the background merge's test hooks: each merge
// reports on started before it merges (and, while hold is set, waits
// there until it is cancelled or release is closed), and how it ended on
// done.
func idleHooks(t *testing.T) (started chan struct{}, done chan error, hold *atomic.Bool, release chan struct{}) {
	started, done, hold, release = make(chan struct{}, 10), make(chan error, 10), new(atomic.Bool), make(chan struct{})
	testHookIdleMerge = func(ctx context.Context) {
		started <- struct{}{}
		if hold.Load() {
			select {
			case <-ctx.Done():
			case <-release:
			case <-time.After(patience):
			}
		}
	}
	testHookIdleMergeDone = func(err error) { done <- err }
	// Runs after the test's deferred Close, which waits for the merge.
	t.Cleanup(func() { testHookIdleMerge, testHookIdleMergeDone = nil, nil })
	return started, done, hold, release
}

func receive[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(patience):
		t.Fatalf("no %s after %v", what, patience)
		panic("unreachable")
	}
}

// An index opened with OpenWritable merges in the background after a
// change, and then scores exactly as a fresh Build.
func TestIdleMerge(t *testing.T) {
	root := t.TempDir()
	dir, fresh := filepath.Join(root, "idx"), filepath.Join(root, "fresh")
	docs := syntheticDocs(300, 40)
	mustBuild(t, dir, docs)
	_, done, hold, release := idleHooks(t)
	hold.Store(true)
	w, err := OpenWritable(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	docs[7].Body += " quokka"
	if _, err := w.Sync(docs); err != nil {
		t.Fatal(err)
	}
	if n, _ := w.unmerged(); n != 1 {
		t.Fatalf("%d unmerged changes after Sync, want 1 (no merge yet)", n)
	}
	close(release)
	if err := receive(t, done, "background merge"); err != nil {
		t.Fatalf("background merge: %v", err)
	}
	if n, _ := w.unmerged(); n != 0 || !merged(t, w) {
		t.Errorf("after the background merge: %d unmerged changes, merged %v", n, merged(t, w))
	}
	mustBuild(t, fresh, docs)
	got := snapshotIndex(t, w)
	want := snapshot(t, fresh)
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("after the background merge\n%s\nfresh Build\n%s", got[i], want[i])
		}
	}
}

// A Sync stops a background merge that is running, instead of waiting
// for it; searches work while it runs; the merge is scheduled again.
func TestIdleMergeCancelledBySync(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "idx")
	docs := syntheticDocs(300, 40)
	mustBuild(t, dir, docs)
	started, done, hold, release := idleHooks(t)
	hold.Store(true)
	w, err := OpenWritable(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	docs[7].Body += " quokka"
	if _, err := w.Sync(docs); err != nil {
		t.Fatal(err)
	}
	receive(t, started, "background merge")

	// While the merge holds its locks, searches go on.
	searched := make(chan *Result, 1)
	go func() {
		res, err := w.Search(context.Background(), Request{Query: "quokka"})
		if err != nil {
			t.Error(err)
		}
		searched <- res
	}()
	if res := receive(t, searched, "search during the merge"); res == nil || res.Total != 1 {
		t.Errorf("search during the merge: %+v", res)
	}

	docs[8].Body += " quokka"
	synced := make(chan error, 1)
	go func() {
		_, err := w.Sync(docs)
		synced <- err
	}()
	if err := receive(t, synced, "Sync while merging"); err != nil {
		t.Fatal(err)
	}
	if err := receive(t, done, "end of the cancelled merge"); !errors.Is(err, context.Canceled) {
		t.Errorf("the merge a Sync interrupted ended with %v, want context.Canceled", err)
	}
	// The merge scheduled again after the Sync waits in the hook (hold is
	// still set), so the count is still there.
	if n, _ := w.unmerged(); n != 2 {
		t.Errorf("%d unmerged changes after the interrupted merge, want 2", n)
	}
	receive(t, started, "background merge after the Sync")
	close(release)
	if err := receive(t, done, "end of the second merge"); err != nil {
		t.Fatalf("second background merge: %v", err)
	}
	if n, _ := w.unmerged(); n != 0 || !merged(t, w) {
		t.Errorf("after the second merge: %d unmerged changes, merged %v", n, merged(t, w))
	}
}

// Close stops a running background merge, or one only scheduled, and
// leaves no goroutine behind.
func TestIdleMergeStoppedByClose(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "idx")
	docs := syntheticDocs(300, 40)
	mustBuild(t, dir, docs)
	// Open and close once, so that whatever bleve starts once per
	// process is running before counting.
	ix, err := OpenWritable(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	before := settledGoroutines(t, -1)

	started, done, hold, _ := idleHooks(t)
	hold.Store(true)
	w, err := OpenWritable(dir)
	if err != nil {
		t.Fatal(err)
	}
	docs[7].Body += " quokka"
	if _, err := w.Sync(docs); err != nil {
		t.Fatal(err)
	}
	receive(t, started, "background merge")
	closed := make(chan error, 1)
	go func() { closed <- w.Close() }()
	if err := receive(t, closed, "Close during a merge"); err != nil {
		t.Fatal(err)
	}
	if err := receive(t, done, "end of the merge"); !errors.Is(err, context.Canceled) {
		t.Errorf("the merge Close interrupted ended with %v, want context.Canceled", err)
	}
	settledGoroutines(t, before)

	// Closed while the merge is only scheduled.
	w, err = OpenWritable(dir)
	if err != nil {
		t.Fatal(err)
	}
	docs[8].Body += " quokka"
	if _, err := w.Sync(docs); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	settledGoroutines(t, before)
	// Only a machine stalled for 2 s lets the merge start before Close;
	// then Close must have stopped it.
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("a merge Close should have stopped ended with %v", err)
		}
	default:
	}
}

// settledGoroutines waits until at most limit goroutines run (any number
// when limit < 0, for a stable count) and returns how many do. Goroutines
// that end asynchronously get time to, so this does not flake.
func settledGoroutines(t *testing.T, limit int) int {
	t.Helper()
	deadline := time.Now().Add(patience)
	prev := -1
	for {
		n := runtime.NumGoroutine()
		if limit >= 0 && n <= limit || limit < 0 && n == prev {
			return n
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines, want at most %d:\n%s", n, limit, buf[:runtime.Stack(buf, true)])
		}
		prev = n
		time.Sleep(20 * time.Millisecond)
	}
}

// An index held with OpenWritable (the preview's) does not merge in a
// Sync past 1 % of changes, which would hold that save's reload, but only
// past 10 %; until then the merge waits for a pause.
func TestWritableMergesPastWriterBound(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "idx")
	docs := syntheticDocs(100, 40)
	mustBuild(t, dir, docs)
	_, _, hold, _ := idleHooks(t)
	hold.Store(true) // no background merge during the test
	w, err := OpenWritable(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	// 10 % of 100 is 10: the eleventh change merges, the ones before do not.
	for i := range 11 {
		docs[i].Body += " changed"
		if _, err := w.Sync(docs); err != nil {
			t.Fatal(err)
		}
		n, _ := w.unmerged()
		if want := uint64(i + 1); i < 10 && n != want {
			t.Errorf("change %d: %d unmerged changes, want %d (no merge in the Sync)", i+1, n, want)
		}
		if i == 10 && (n != 0 || !merged(t, w)) {
			t.Errorf("change 11: %d unmerged changes, merged %v: want merged", n, merged(t, w))
		}
	}
}
