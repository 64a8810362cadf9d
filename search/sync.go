package search

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/mapping"
	index "github.com/blevesearch/bleve_index_api"
	bolt "go.etcd.io/bbolt"
)

// SyncStats says what Sync did.
type SyncStats struct {
	Added, Updated, Deleted, Unchanged int
	// Rebuilt is set when Sync ran Build: there was no compatible index to
	// update (everything counts as added), or most documents changed.
	Rebuilt bool
}

// Changed reports whether the index was written.
func (s SyncStats) Changed() bool { return s.Rebuilt || s.Added+s.Updated+s.Deleted > 0 }

// Sync makes the index at dir hold exactly docs, rewriting only the
// documents whose content changed (each document's content hash is kept in
// the index) and deleting those no longer in docs. When dir holds no index
// of this format, or more than half the documents changed, Sync runs
// Build.
//
// The result finds what a fresh Build would: the same matching documents,
// totals, facets and fragments. Its scores, and with them the order of
// hits, equal a fresh Build's once the index is merged into one segment,
// which takes about a second per 10,000 documents. Sync merges when more
// than 1 % of the documents were added, rewritten or deleted since the
// last merge (at 10,000 documents, about every 100th change; below 100,
// every time). Until then scores can differ from a fresh Build's: each
// segment a Sync adds raises bleve's average field lengths, by an amount
// that depends on the vocabulary more than on the number of changes (see
// compact.go: up to 10 % measured at 10,000 documents just before a
// merge, 93 % in a small index with a tiny vocabulary). An index held
// with OpenWritable merges after 2 s without changes, and in a Sync only
// past 10 % (compact.go: writerMergeShare); Index.Compact merges at once.
// Build's result is always merged.
//
// bleve's index files admit one writer and no readers alongside it (bolt
// takes an exclusive file lock), so Sync picks the way that is safe:
//
//   - dir is open with OpenWritable in this process: the change goes
//     through that Index (see Index.Sync); its searches see it when Sync
//     returns. This is the way for a long-running server. When Sync
//     rebuilds (most documents changed, unreadable hashes, or dir was
//     deleted or replaced under the Index), the Index builds afresh beside
//     dir while its searches go on, then closes its files, swaps the new
//     index in and reopens it: the Index stays open and writable, and
//     searches wait for the swap (milliseconds) rather than fail.
//   - nobody has dir open: updated in place.
//   - readers (Open, here or in other processes) have dir open: Sync
//     updates a copy (hard links to the immutable segment files, so it is
//     cheap) and swaps it in as Build does; readers keep their old
//     files until they close them and must reopen to see the change.
//   - another process has it open for writing: an error.
//
// A reader that opens dir while Sync is updating it in place waits for
// the lock (up to 2 s, as Open always does).
func Sync(dir string, docs []Document) (SyncStats, error) {
	if err := validateDocs(docs); err != nil {
		return SyncStats{}, err
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return SyncStats{}, err
	}
	if ix := openWriter(abs); ix != nil {
		st, err := ix.syncOrRebuild(docs)
		if !errors.Is(err, ErrClosed) {
			return st, err
		}
		// Closed meanwhile: no longer open for writing here.
	}
	// rebuildWith runs Build and reports st, the changes found.
	rebuildWith := func(st SyncStats) (SyncStats, error) {
		if err := Build(abs, docs); err != nil {
			return SyncStats{}, err
		}
		st.Rebuilt = true
		return st, nil
	}
	rebuild := func() (SyncStats, error) {
		return rebuildWith(SyncStats{Added: len(docs)})
	}
	if _, err := readMarker(abs); err != nil {
		// Missing, another format, or not ours (Build refuses that).
		return rebuild()
	}
	// Past half the documents, the offline build is the faster way
	// (measured at 10,000: equal wall time at half).
	maxChanges := len(docs) / 2
	ix, err := openWait(abs, true, syncLockWait)
	if err == nil {
		st, err := ix.sync(docs, maxChanges)
		if cerr := ix.Close(); err == nil {
			err = cerr
		}
		switch {
		case errors.Is(err, errBadHashes):
			return rebuild()
		case errors.Is(err, errManyChanges):
			return rebuildWith(st)
		}
		return st, err
	}
	switch lockState(abs) {
	case lockShared:
		// Readers have it open. Look before copying: most syncs change
		// nothing.
		st, err := changes(abs, docs)
		switch {
		case errors.Is(err, errBadHashes):
			return rebuild()
		case err != nil:
			return st, err
		case !st.Changed():
			return st, nil
		case st.Added+st.Updated+st.Deleted > maxChanges:
			return rebuildWith(st)
		}
		return syncCopy(abs, docs)
	case lockExclusive:
		return SyncStats{}, fmt.Errorf("search: index %s is open for writing by another process", abs)
	}
	// Not locked, yet it would not open: damaged. Build replaces it.
	return rebuild()
}

// changes reports what syncing docs into the index at abs would change,
// reading it as any reader may.
func changes(abs string, docs []Document) (SyncStats, error) {
	ro, err := Open(abs)
	if err != nil {
		return SyncStats{}, err
	}
	defer ro.Close()
	prev, err := ro.hashes()
	if err != nil {
		return SyncStats{}, err
	}
	st, _, _, _ := diff(prev, nil, docs, hashDocs(docs))
	return st, nil
}

// testHookBetweenBatches, when set, runs after each batch of apply but the
// last; tests use it to simulate a crash there.
var testHookBetweenBatches func() error

// syncLockWait is how long Sync waits for bolt's lock before it treats the
// index as busy; readers hold it for as long as they are open.
const syncLockWait = "100ms"

// Sync makes an index opened with OpenWritable hold exactly docs; see the
// package function Sync. Searches running meanwhile see the documents
// before or after a batch, never a mix; a change of more than about 1,000
// documents takes several batches. It stops a background merge that is
// running, and when it leaves the index not merged, schedules one for
// 2 s after it returns (unless another change comes first); Close stops
// it.
func (ix *Index) Sync(docs []Document) (SyncStats, error) {
	return ix.sync(docs, -1)
}

// errManyChanges is sync's answer when more than maxChanges documents
// would change; nothing has been written.
var errManyChanges = errors.New("search: too many changes for an update")

func (ix *Index) sync(docs []Document, maxChanges int) (SyncStats, error) {
	if err := validateDocs(docs); err != nil {
		return SyncStats{}, err
	}
	// A background merge holds syncMu until it notices the cancellation.
	ix.cancelIdleMerge()
	ix.syncMu.Lock()
	defer ix.syncMu.Unlock()
	return ix.syncLocked(docs, maxChanges)
}

// syncOrRebuild is the package function Sync through an Index held open
// for writing: an update in place, unless a Build is called for (more
// than half the documents changed, the hashes are unreadable, or the
// folder is no longer the one ix opened); then ix rebuilds itself. Sync
// has checked docs (validateDocs).
func (ix *Index) syncOrRebuild(docs []Document) (SyncStats, error) {
	ix.cancelIdleMerge()
	ix.syncMu.Lock()
	defer ix.syncMu.Unlock()
	st := SyncStats{Added: len(docs)}
	if ix.sameDir() {
		var err error
		st, err = ix.syncLocked(docs, len(docs)/2)
		switch {
		case errors.Is(err, errBadHashes):
			st = SyncStats{Added: len(docs)}
		case errors.Is(err, errManyChanges):
		default:
			return st, err
		}
	}
	if err := ix.rebuild(docs); err != nil {
		return SyncStats{}, err
	}
	st.Rebuilt = true
	return st, nil
}

// sameDir reports whether ix.dir is still the folder ix opened: not
// deleted, nor replaced by another. The caller holds syncMu.
func (ix *Index) sameDir() bool {
	fi, err := os.Stat(ix.dir)
	return err == nil && (ix.dirInfo == nil || os.SameFile(fi, ix.dirInfo))
}

// rebuild replaces the index ix holds for writing with a fresh Build of
// docs and reopens it, keeping ix open: searches use the old index while
// the new one is built, and wait only for the swap (close, two renames,
// open). The caller holds syncMu. If the new index cannot be opened, ix
// is left closed, and no longer counts as open for writing.
func (ix *Index) rebuild(docs []Document) error {
	ix.cancelIdleMerge()
	tmp, err := buildTemp(ix.dir, docs)
	if err != nil {
		return err
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.closed {
		_ = os.RemoveAll(tmp) // ours, made by buildTemp
		return ErrClosed
	}
	// bolt's lock admits one opener, and the persister of an open index
	// writes into its folder: close before swapping. An error closing
	// the old index does not concern the new one.
	ix.waitPersisted()
	_ = ix.bi.Close()
	// The new folder may hold files of the same names: the old store
	// must remove none of them.
	ix.tables.close()
	ix.table, ix.order = nil, nil // of the index closed; whichever is reopened is read anew
	buildMu.Lock()
	serr := swapIn(tmp, ix.dir, true)
	buildMu.Unlock()
	if serr != nil {
		_ = os.RemoveAll(tmp) // ours; the old index is back at ix.dir
	}
	// Whichever index is at ix.dir now, reopen it.
	bi, err := bleve.OpenUsing(filepath.Join(ix.dir, bleveDir), map[string]interface{}{"bolt_timeout": boltTimeout, "unsafe_batch": true})
	if err != nil {
		ix.closed = true
		unregisterWriter(ix.dir, ix)
		return errors.Join(serr, fmt.Errorf("search: reopen index %s after rebuilding it: %w", ix.dir, err))
	}
	ix.bi = bi
	ix.tables = openTables(ix.dir, bi, true)
	ix.dirInfo, _ = os.Stat(ix.dir)
	return serr
}

// syncLocked is sync once the caller holds syncMu.
func (ix *Index) syncLocked(docs []Document, maxChanges int) (SyncStats, error) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.closed {
		return SyncStats{}, ErrClosed
	}
	if !ix.writable {
		return SyncStats{}, errors.New("search: index was opened read-only; use OpenWritable")
	}
	// Whatever happens below, a merge that is due (maybe cancelled
	// above) is scheduled again.
	defer ix.scheduleIdleMergeIfDue()
	prev, err := ix.hashes()
	if err != nil {
		return SyncStats{}, err
	}
	hs := hashDocs(docs)
	order := ix.order
	if !order.matches(docs) {
		order = nil
	}
	st, upserts, hashes, deletes := diff(prev, order, docs, hs)
	if !st.Changed() {
		ix.keepOrder(order, docs, hs)
		return st, nil
	}
	if maxChanges >= 0 && len(upserts)+len(deletes) > maxChanges {
		return st, errManyChanges
	}
	if len(upserts) == 0 && len(docs) > 0 {
		// Deletions alone add no segment. In an index merged into one,
		// they would leave one segment with deleted documents, which
		// bleve never merges (it merges segments with each other), so
		// the deleted documents' terms would stay in its dictionary and
		// in the scores for good (see compact). Rewriting one unchanged
		// document adds a segment to merge with, now or later.
		upserts, hashes = docs[:1], hs[:1]
	}
	n, err := ix.apply(upserts, hashes, deletes, prev)
	if err != nil {
		return SyncStats{}, err
	}
	ix.keepOrder(order, docs, hs)
	if ix.mergeDue(n, len(docs)) {
		if err := ix.compact(context.Background()); err != nil {
			return st, err
		}
	}
	return st, nil
}

// diff compares the table of hashes of an index with docs, whose hashes
// are hs. order is nil, or the same table as a list in the order of docs
// (docOrder.matches). It returns the documents to write with their hashes,
// and the IDs to delete.
func diff(prev *hashTable, order *docOrder, docs []Document, hs []docHash) (st SyncStats, upserts []Document, hashes []docHash, deletes []string) {
	found := 0 // documents of docs in prev
	for i, d := range docs {
		var old docHash
		ok := order != nil
		if ok {
			old = order.hashes[i]
		} else {
			old, ok = prev.get(d.ID)
		}
		switch {
		case !ok:
			st.Added++
		case old != hs[i]:
			found++
			st.Updated++
		default:
			found++
			st.Unchanged++
			continue
		}
		upserts = append(upserts, d)
		hashes = append(hashes, hs[i])
	}
	if found < prev.len() {
		// Some are gone: which ones takes a set of docs' IDs.
		ids := make(map[string]bool, len(docs))
		for _, d := range docs {
			ids[d.ID] = true
		}
		for _, shard := range prev {
			for id := range shard {
				if !ids[id] {
					deletes = append(deletes, id)
				}
			}
		}
	}
	st.Deleted = len(deletes)
	return st, upserts, hashes, deletes
}

// docOrder is a table of hashes as the list of the documents of a Sync,
// in their order. An Index open for writing keeps the one of its last
// Sync, as long as its table holds exactly those documents: the next
// Sync usually passes the same documents in the same order, and its diff
// then reads the old hashes position by position instead of looking each
// ID up in the table: 10,000 lookups took about 2 ms, mostly missing the
// CPU cache.
type docOrder struct {
	ids    []string
	hashes []docHash
}

// matches reports whether docs have the IDs of o, in the same order.
func (o *docOrder) matches(docs []Document) bool {
	return o != nil && slices.EqualFunc(docs, o.ids, func(d Document, id string) bool { return d.ID == id })
}

// keepOrder records, for an Index open for writing whose table of hashes
// holds exactly docs, whose hashes are hs, the table as a docOrder. order
// is the one kept before, when docs matched it, or nil.
func (ix *Index) keepOrder(order *docOrder, docs []Document, hs []docHash) {
	if !ix.writable {
		return
	}
	var ids []string
	if order != nil {
		ids = order.ids // the same IDs; replaced with docs' strings, see validateDocs
	} else {
		ids = make([]string, len(docs))
	}
	for i, d := range docs {
		ids[i] = d.ID
	}
	ix.order = &docOrder{ids, hs}
}

// hashes returns the index's table of hashes. An Index open for writing
// reads it once and then keeps it, as apply leaves it: only this Index
// writes the index (bolt's lock admits one writer), and decoding the
// table took over 1 ms of every Sync at 10,000 documents. The caller
// holds syncMu, or is alone with ix. The table is not to be modified
// (see hashTable.changed).
func (ix *Index) hashes() (*hashTable, error) {
	if ix.table != nil {
		return ix.table, nil
	}
	t, err := readHashes(ix.bi, ix.tables)
	if err != nil {
		return nil, err
	}
	if ix.writable {
		ix.table = t
	}
	return t, nil
}

// apply writes upserts, whose hashes are hashes, and deletes into an index
// whose table of hashes is prev, in batches of about batchSize operations
// (one batch is atomic). Each batch writes new files for the shards of the
// tables that hold an entry of upserts or deletes, and the manifest naming
// them (tables.go). When it takes several, each but the last records every
// ID that may be in the index, with a zero hash for documents not written
// yet: if the process dies half-way, the next Sync rewrites those and
// deletes the ones it no longer wants, instead of trusting hashes of
// documents never written. Each batch also adds its documents to the
// count of unmerged changes (compact.go); apply returns the count. Deletes
// are applied before upserts, so an ID in both is written.
func (ix *Index) apply(upserts []Document, hashes []docHash, deletes []string, prev *hashTable) (uint64, error) {
	// Until the last batch is written, the table kept in memory is not the
	// index's (see hashes); if apply fails, it is read again next time.
	ix.table, ix.order = nil, nil
	m := ix.bi.Mapping()
	count, err := ix.unmerged()
	if err != nil {
		return 0, err
	}
	man, err := readManifest(ix.bi)
	if err != nil {
		return 0, err
	}
	touched := shardsOf(deletes, upserts)
	next := prev.changed(&touched, deletes, upserts, hashes)
	var pending *hashTable
	var pairs [tableShards]pairsTable
	var readOK [tableShards]bool // the shard of word pairs man names was read whole
	for s, ok := range touched {
		if !ok {
			continue
		}
		if old, ok := ix.tables.pairsShard(s, man.pairs[s]); ok {
			pairs[s], readOK[s] = decodePairs(old), true
		} else {
			// Missing or damaged: taken from the stored bodies, so that
			// the shard written is complete again.
			pairs[s] = ix.storedPairs(m, prev[s])
		}
	}
	b := ix.bi.NewBatch()
	for _, id := range deletes {
		b.Delete(id)
		delete(pairs[shardOf(id)], id)
	}
	count += uint64(len(deletes))
	for i := 0; ; {
		start := i
		for ; i < len(upserts) && b.Size() < batchSize; i++ {
			d := upserts[i]
			if err := b.Index(d.ID, fieldsOf(d)); err != nil {
				return 0, fmt.Errorf("index %s: %w", d.ID, err)
			}
			pairs[shardOf(d.ID)][d.ID] = bodyPairs(m, d.Body)
		}
		count += uint64(i - start)
		table := next
		if i < len(upserts) {
			if pending == nil {
				pending = prev.changed(&touched, deletes, upserts, nil)
			}
			table = pending
		}
		// The manifest naming the tables' files and the count go in the
		// same batch as the documents they describe, so that they cannot
		// disagree with them.
		var files []tableFile
		var newPairs [tableShards][]byte
		for s, ok := range touched {
			if !ok {
				continue
			}
			hb := encodeHashes(table[s])
			man.hashes[s] = checksum(hb)
			files = append(files, tableFile{fileName(hashesFile, s, man.hashes[s]), hb})
			// Word pairs change only with a body or a deletion: a
			// file found intact with the same content stays.
			pb := pairs[s].encode()
			if sum := checksum(pb); sum != man.pairs[s] || !readOK[s] {
				man.pairs[s] = sum
				files = append(files, tableFile{fileName(pairsFile, s, sum), pb})
				newPairs[s] = pb
			}
		}
		seq, err := ix.tables.prepare(&man, files)
		if err != nil {
			return 0, err
		}
		b.SetInternal([]byte(manifestKey), man.encode())
		b.SetInternal([]byte(unmergedKey), encodeCount(count))
		tables := ix.tables
		if err := ix.batch(b, func() { tables.persisted(seq) }); err != nil {
			tables.abandon(seq)
			return 0, err
		}
		tables.introduced(&man, &newPairs)
		if i == len(upserts) {
			ix.table = next
			return count, nil
		}
		if testHookBetweenBatches != nil {
			if err := testHookBetweenBatches(); err != nil {
				return 0, err
			}
		}
		b.Reset()
	}
}

// storedPairs computes the word pairs of the documents ids from the
// bodies stored in the index, for a shard whose file is lost. A document
// not found gets none: queries check it against its text.
func (ix *Index) storedPairs(m mapping.IndexMapping, ids map[string]docHash) pairsTable {
	t := make(pairsTable, len(ids))
	for id := range ids {
		doc, err := ix.bi.Document(id)
		if err != nil || doc == nil {
			continue
		}
		var body []byte
		doc.VisitFields(func(f index.Field) {
			if f.Name() == fBody {
				body = f.Value()
			}
		})
		t[id] = bodyPairs(m, string(body))
	}
	return t
}

type lockKind int

const (
	lockFree lockKind = iota
	lockShared
	lockExclusive
)

// lockState reports who holds bolt's lock on the index root: nobody,
// readers (shared) or a writer (exclusive).
func lockState(abs string) lockKind {
	p := filepath.Join(abs, bleveDir, "store", "root.bolt")
	try := func(readOnly bool) bool {
		db, err := bolt.Open(p, 0o600, &bolt.Options{ReadOnly: readOnly, Timeout: 50 * time.Millisecond})
		if err != nil {
			return false
		}
		_ = db.Close()
		return true
	}
	switch {
	case try(false):
		return lockFree
	case try(true):
		return lockShared
	}
	return lockExclusive
}

// syncCopy updates a copy of the index at abs and swaps it in, for when
// readers have abs open.
func syncCopy(abs string, docs []Document) (st SyncStats, err error) {
	tmp, err := os.MkdirTemp(filepath.Dir(abs), "."+filepath.Base(abs)+".syncing-")
	if err != nil {
		return st, err
	}
	defer func() {
		if err != nil {
			_ = os.RemoveAll(tmp) // ours, created above
		}
	}()
	if err = copyIndex(abs, tmp); err != nil {
		return st, fmt.Errorf("search: copy index: %w", err)
	}
	ix, err := openWait(tmp, true, boltTimeout)
	if err != nil {
		return st, err
	}
	st, err = ix.Sync(docs)
	if cerr := ix.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return st, err
	}
	if err = verify(tmp, len(docs)); err != nil {
		return st, err
	}
	if err = writeMarker(tmp, len(docs)); err != nil {
		return st, err
	}
	buildMu.Lock()
	defer buildMu.Unlock()
	return st, swapIn(tmp, abs, false)
}

// copyIndex copies the index at src into the empty directory dst. Segment
// files (.zap) and the tables' files are never modified once written, so
// they are hard-linked when the file system allows. It holds a shared lock on the index root
// meanwhile, so no writer changes the index under it.
func copyIndex(src, dst string) error {
	root := filepath.Join(src, bleveDir, "store", "root.bolt")
	db, err := bolt.Open(root, 0o600, &bolt.Options{ReadOnly: true, Timeout: 2 * time.Second})
	if err != nil {
		return err
	}
	defer db.Close()
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		to := filepath.Join(dst, rel)
		if d.IsDir() {
			if rel == "." {
				return nil
			}
			return os.Mkdir(to, 0o755)
		}
		if (strings.HasSuffix(p, ".zap") || isTableFile(rel)) && os.Link(p, to) == nil {
			return nil
		}
		return copyFile(p, to)
	})
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		_ = out.Close()
		return err
	}
	return out.Close()
}
