package search

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2"
	bolt "go.etcd.io/bbolt"
)

const (
	markerName = ".secondstory-index"
	bleveDir   = "bleve"
	// formatVersion changes whenever the mapping or the layout of the
	// tables does, so an old index is rebuilt rather than queried with
	// field names it does not have. 3: the tables are split into shards
	// (shard.go). 4: the shards are files beside bleve's (tables.go).
	formatVersion = 4
	// batchSize keeps bleve batches large: many tiny batches are very slow.
	batchSize = 1000
)

type marker struct {
	Format int       `json:"format"`
	Docs   int       `json:"docs"`
	Built  time.Time `json:"built"`
}

var (
	// buildMu serialises the check-and-rename step of concurrent Builds.
	buildMu sync.Mutex

	// writers counts OpenWritable handles per absolute dir: replacing a
	// directory under a live writer would let its background persister
	// write into the new index.
	writersMu   sync.Mutex
	writers     = map[string]int{}
	writerIndex = map[string]*Index{}

	// testHookBeforeSwap, when set, runs after the new index is complete and
	// before it replaces dir; tests use it to simulate a crash there.
	testHookBeforeSwap func(tmp string) error
)

// Build writes a complete new index at dir from docs. It builds into a
// temporary sibling directory (same filesystem, so the final rename is
// atomic) and swaps it in only when complete and verified. It refuses to
// replace a dir that is not a secondstory index (an empty directory is
// accepted) and only ever deletes its own temporary directory and the
// previous index it replaces.
func Build(dir string, docs []Document) (err error) {
	if err := validateDocs(docs); err != nil {
		return err
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	if filepath.Dir(abs) == abs {
		return fmt.Errorf("search: refusing to build an index at %s", abs)
	}
	// Fail before the expensive part when dir is foreign or busy.
	if _, err := replaceable(abs, false); err != nil {
		return err
	}
	tmp, err := buildTemp(abs, docs)
	if err != nil {
		return err
	}
	buildMu.Lock()
	defer buildMu.Unlock()
	if err := swapIn(tmp, abs, false); err != nil {
		_ = os.RemoveAll(tmp) // ours, made by buildTemp
		return err
	}
	return nil
}

// buildTemp builds docs into a new temporary sibling of abs (same file
// system, so that renaming it to abs is atomic) and returns it, complete
// and verified, for swapIn.
func buildTemp(abs string, docs []Document) (string, error) {
	parent := filepath.Dir(abs)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(abs)+".building-")
	if err != nil {
		return "", err
	}
	if err := fillTemp(tmp, docs); err != nil {
		_ = os.RemoveAll(tmp) // ours, created above
		return "", err
	}
	return tmp, nil
}

// fillTemp writes the index of docs into the new folder tmp.
func fillTemp(tmp string, docs []Document) error {
	if err := writeBleve(tmp, docs); err != nil {
		return fmt.Errorf("search: build index: %w", err)
	}
	if err := verify(tmp, len(docs)); err != nil {
		return err
	}
	if err := writeMarker(tmp, len(docs)); err != nil {
		return err
	}
	if testHookBeforeSwap != nil {
		return testHookBeforeSwap(tmp)
	}
	return nil
}

// validateDocs checks that every document has an ID, and no two the same.
func validateDocs(docs []Document) error {
	validIDs.mu.Lock()
	defer validIDs.mu.Unlock()
	if ids := validIDs.ids; len(ids) == len(docs) {
		i := 0
		// Equal IDs are replaced with docs' strings, which the next
		// call usually passes again: comparing those compares pointers.
		for ; i < len(docs) && docs[i].ID == ids[i]; i++ {
			ids[i] = docs[i].ID
		}
		if i == len(docs) {
			return nil
		}
	}
	seen := make(map[string]bool, len(docs))
	for i, d := range docs {
		if d.ID == "" {
			return fmt.Errorf("search: document %d (%q) has no ID", i, d.Title)
		}
		if seen[d.ID] {
			return fmt.Errorf("search: duplicate document ID %q", d.ID)
		}
		seen[d.ID] = true
	}
	ids := make([]string, len(docs))
	for i, d := range docs {
		ids[i] = d.ID
	}
	validIDs.ids = ids
	return nil
}

// validIDs are the IDs validateDocs last found valid, in their order. A
// preview passes the same documents, in the same order, on every save,
// and comparing their IDs with these is far cheaper than building a set
// of 10,000.
var validIDs struct {
	mu  sync.Mutex
	ids []string
}

// writeBleve writes the index of docs into the new folder dir: bleve's
// files and the tables' (tables.go).
func writeBleve(dir string, docs []Document) error {
	path := filepath.Join(dir, bleveDir)
	m, err := newMapping()
	if err != nil {
		return err
	}
	tables := &tableStore{dir: filepath.Join(dir, tablesDir)}
	var man manifest
	for s, shard := range newHashTable(docs, hashDocs(docs)) {
		b := encodeHashes(shard)
		man.hashes[s] = checksum(b)
		if err := tables.writeFile(fileName(hashesFile, s, man.hashes[s]), b); err != nil {
			return err
		}
	}
	internal := map[string][]byte{}
	// Once the word pairs are known, their files are written and the
	// manifest completed.
	pairsDone := func(pairs *[tableShards]pairsTable) error {
		for s, t := range pairs {
			b := t.encode()
			man.pairs[s] = checksum(b)
			if err := tables.writeFile(fileName(pairsFile, s, man.pairs[s]), b); err != nil {
				return err
			}
		}
		internal[manifestKey] = man.encode()
		return nil
	}
	if len(docs) == 0 {
		// The offline builder cannot write an empty index.
		if err := pairsDone(&[tableShards]pairsTable{}); err != nil {
			return err
		}
		bi, err := bleve.New(path, m)
		if err != nil {
			return err
		}
		b := bi.NewBatch()
		for k, v := range internal {
			b.SetInternal([]byte(k), v)
		}
		if err := bi.Batch(b); err != nil {
			_ = bi.Close()
			return err
		}
		return bi.Close()
	}
	return buildOffline(path, dir, m, docs, internal, pairsDone)
}

// verify opens the new index the way a server would and checks the count.
func verify(dir string, want int) error {
	bi, err := bleve.OpenUsing(filepath.Join(dir, bleveDir), map[string]interface{}{
		"read_only": true, "bolt_timeout": boltTimeout,
	})
	if err != nil {
		return fmt.Errorf("search: verify new index: %w", err)
	}
	n, err := bi.DocCount()
	if cerr := bi.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("search: verify new index: %w", err)
	}
	if n != uint64(want) {
		return fmt.Errorf("search: new index holds %d documents, want %d", n, want)
	}
	return nil
}

func writeMarker(dir string, docs int) error {
	b, err := json.Marshal(marker{Format: formatVersion, Docs: docs, Built: time.Now().UTC()})
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, markerName), append(b, '\n'), 0o644)
}

func readMarker(dir string) (*marker, error) {
	b, err := os.ReadFile(filepath.Join(dir, markerName))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s: %w (no %s)", dir, ErrNotIndex, markerName)
		}
		return nil, err
	}
	var m marker
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: %w (unreadable %s)", dir, ErrNotIndex, markerName)
	}
	if m.Format != formatVersion {
		return nil, fmt.Errorf("%s: index format %d, this version reads %d: rebuild it", dir, m.Format, formatVersion)
	}
	return &m, nil
}

type existing int

const (
	none existing = iota
	emptyDir
	ownIndex
)

// replaceable says what is at abs and whether Build may replace it.
// held says that the caller is the Index this process holds abs open for
// writing with, and has closed its files (Index.rebuild).
func replaceable(abs string, held bool) (existing, error) {
	fi, err := os.Lstat(abs)
	if errors.Is(err, fs.ErrNotExist) {
		return none, nil
	}
	if err != nil {
		return none, err
	}
	if !fi.IsDir() {
		return none, fmt.Errorf("search: %s: %w (not a directory); refusing to replace it", abs, ErrNotIndex)
	}
	if _, merr := os.Stat(filepath.Join(abs, markerName)); merr == nil {
		if !held && isWriterOpen(abs) {
			return none, fmt.Errorf("search: index %s is open for writing in this process; close it before rebuilding", abs)
		}
		if lockedByWriter(abs) {
			return none, fmt.Errorf("search: index %s is open for writing by another process", abs)
		}
		return ownIndex, nil
	}
	entries, err := os.ReadDir(abs)
	if err != nil {
		return none, err
	}
	if len(entries) == 0 {
		return emptyDir, nil
	}
	return none, fmt.Errorf("search: %s: %w; refusing to replace a directory with other files in it", abs, ErrNotIndex)
}

// lockedByWriter reports whether another process holds bolt's exclusive
// lock on the index root, i.e. has it open for writing.
func lockedByWriter(abs string) bool {
	p := filepath.Join(abs, bleveDir, "store", "root.bolt")
	if _, err := os.Stat(p); err != nil {
		return false
	}
	db, err := bolt.Open(p, 0o600, &bolt.Options{ReadOnly: true, Timeout: 200 * time.Millisecond})
	if err != nil {
		return errors.Is(err, bolt.ErrTimeout)
	}
	_ = db.Close()
	return false
}

// swapIn replaces abs with tmp; held is as for replaceable. The caller
// holds buildMu.
func swapIn(tmp, abs string, held bool) error {
	kind, err := replaceable(abs, held)
	if err != nil {
		return err
	}
	switch kind {
	case none:
		return os.Rename(tmp, abs)
	case emptyDir:
		// os.Remove only removes an empty directory, so nothing is lost.
		if err := os.Remove(abs); err != nil {
			return err
		}
		return os.Rename(tmp, abs)
	}
	old, err := freeSibling(abs, ".old-")
	if err != nil {
		return err
	}
	if err := os.Rename(abs, old); err != nil {
		return err
	}
	if err := os.Rename(tmp, abs); err != nil {
		if rerr := os.Rename(old, abs); rerr != nil {
			return fmt.Errorf("search: swap failed (%v) and the old index is left at %s: %w", err, old, rerr)
		}
		return err
	}
	// Readers that still have the old index open keep working: their
	// files stay alive until closed (POSIX unlink semantics).
	_ = os.RemoveAll(old)
	return nil
}

// freeSibling returns an unused path next to abs.
func freeSibling(abs, infix string) (string, error) {
	d, err := os.MkdirTemp(filepath.Dir(abs), "."+filepath.Base(abs)+infix)
	if err != nil {
		return "", err
	}
	return d, os.Remove(d)
}

func registerWriter(abs string) {
	writersMu.Lock()
	defer writersMu.Unlock()
	writers[abs]++
}

// setWriterIndex records the open writable Index of abs, which Sync(dir)
// then updates through (bolt's lock admits no second opener).
func setWriterIndex(abs string, ix *Index) {
	writersMu.Lock()
	defer writersMu.Unlock()
	writerIndex[abs] = ix
}

func unregisterWriter(abs string, ix *Index) {
	writersMu.Lock()
	defer writersMu.Unlock()
	if writers[abs]--; writers[abs] <= 0 {
		delete(writers, abs)
	}
	if ix != nil && writerIndex[abs] == ix {
		delete(writerIndex, abs)
	}
}

func openWriter(abs string) *Index {
	writersMu.Lock()
	defer writersMu.Unlock()
	return writerIndex[abs]
}

func isWriterOpen(abs string) bool {
	writersMu.Lock()
	defer writersMu.Unlock()
	return writers[abs] > 0
}
