package search

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2"
)

// Build never writes into dir: it builds a sibling folder with bleve's
// offline builder (fast for a whole index, and one merged segment
// queries fastest) and swaps it in only when complete. So dir always
// holds a whole index, readers that have the old one open keep their
// files until they close them, and a Build that was killed leaves only
// siblings with known names, which the next Build removes.

const (
	markerName = ".secondstory-index"
	bleveDir   = "bleve"
	// formatVersion changes with the mapping, so an old index is rebuilt
	// rather than queried with fields it lacks.
	formatVersion = 6
	// segmentDocs is the offline builder's batch: the documents of one
	// segment before the final merge. 150 rather than 500: the batch's
	// analysed documents are live heap until the segment is written, and
	// at 10,000 postmortems the larger batch pushed a full build into
	// constant collection (BenchmarkBuild; make bench).
	segmentDocs = 150
	// Siblings of dir that Build makes: a new index being built, and
	// (where folders cannot be exchanged) the old one being removed.
	buildingInfix = ".building-"
	oldInfix      = ".old-"
)

type marker struct {
	Format int       `json:"format"`
	Docs   int       `json:"docs"`
	Built  time.Time `json:"built"`
}

var (
	// buildMu serialises this process's Builds (the leftover clean-up
	// must not remove another Build's folder).
	buildMu sync.Mutex
	// testHookBeforeSwap, when set, runs when the new index is complete,
	// before it replaces dir; tests use it to stop a Build there.
	testHookBeforeSwap func(tmp string) error
)

// Build writes a whole new index of docs at dir. It replaces only an
// index of ours, an empty folder or nothing (else ErrNotIndex), and not
// one that another process holds open for writing (ErrLocked). Readers of
// the old index keep serving it until they reopen.
func Build(dir string, docs []Document) error {
	b, err := NewBuilder(dir)
	if err != nil {
		return err
	}
	for _, d := range docs {
		if err := b.Add(d); err != nil {
			b.Abort()
			return err
		}
	}
	return b.Commit()
}

// Builder writes a whole new index a document at a time, so a build can hand
// documents over as it makes them, and index them while it renders pages.
// Nothing is visible at dir until Commit.
type Builder struct {
	abs, tmp string
	b        bleve.Builder
	seen     map[string]bool
	n        int
	done     bool
}

// NewBuilder starts a new index for dir (see Build). Until Commit or Abort,
// other Builds of this process wait.
func NewBuilder(dir string) (*Builder, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if filepath.Dir(abs) == abs {
		return nil, fmt.Errorf("search: refusing to build an index at %s", abs)
	}
	buildMu.Lock()
	fail := func(err error) (*Builder, error) { buildMu.Unlock(); return nil, err }
	removeLeftovers(abs)
	if err := checkReplaceable(abs); err != nil {
		return fail(err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
		return fail(err)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(abs), "."+filepath.Base(abs)+buildingInfix)
	if err != nil {
		return fail(err)
	}
	return &Builder{abs: abs, tmp: tmp, seen: map[string]bool{}}, nil
}

// Add indexes one document. Its ID must be new to this Builder.
func (b *Builder) Add(d Document) error {
	if d.ID == "" {
		return fmt.Errorf("search: document %d (%q) has no ID", b.n, d.Title)
	}
	if b.seen[d.ID] {
		return fmt.Errorf("search: duplicate document ID %q", d.ID)
	}
	b.seen[d.ID] = true
	if b.b == nil {
		m, err := newMapping()
		if err != nil {
			return err
		}
		if b.b, err = bleve.NewBuilder(filepath.Join(b.tmp, bleveDir), m, map[string]interface{}{
			"buildPathPrefix": b.tmp, // its scratch folder goes with tmp when a build fails
			"batchSize":       segmentDocs,
		}); err != nil {
			return err
		}
	}
	b.n++
	if err := b.b.Index(d.ID, fieldsOf(d)); err != nil {
		return fmt.Errorf("search: index %s: %w", d.ID, err)
	}
	return nil
}

// Commit finishes the index, verifies it, and swaps it in at dir.
func (b *Builder) Commit() error {
	defer b.Abort()
	path := filepath.Join(b.tmp, bleveDir)
	if b.b == nil {
		// The offline builder cannot write an index without a segment.
		m, err := newMapping()
		if err != nil {
			return err
		}
		bi, err := bleve.New(path, m)
		if err != nil {
			return err
		}
		if err := bi.Close(); err != nil {
			return err
		}
	} else {
		if err := b.b.Close(); err != nil {
			return fmt.Errorf("search: build index: %w", err)
		}
		b.b = nil
		if err := verify(path, b.n); err != nil {
			return err
		}
	}
	if err := writeMarker(b.tmp, b.n); err != nil {
		return err
	}
	if testHookBeforeSwap != nil {
		if err := testHookBeforeSwap(b.tmp); err != nil {
			return err
		}
	}
	// Checked again: a writer may have opened dir meanwhile.
	if err := checkReplaceable(b.abs); err != nil {
		return err
	}
	return swap(b.tmp, b.abs)
}

// Abort drops an unfinished index: dir is as it was. After Commit it only
// removes what the swap left (the old index).
func (b *Builder) Abort() {
	if b.done {
		return
	}
	b.done = true
	if b.b != nil {
		_ = b.b.Close()
	}
	_ = os.RemoveAll(b.tmp) // after the swap it holds the old index, or nothing
	buildMu.Unlock()
}

// verify opens the new index the way a server would and checks the count.
func verify(path string, want int) error {
	bi, err := bleve.OpenUsing(path, map[string]interface{}{"read_only": true, "bolt_timeout": boltTimeout})
	if err != nil {
		return fmt.Errorf("search: verify new index: %w", err)
	}
	n, err := bi.DocCount()
	if err = errors.Join(err, bi.Close()); err != nil {
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

func readMarker(dir string) error {
	b, err := os.ReadFile(filepath.Join(dir, markerName))
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s: %w (no %s)", dir, ErrNotIndex, markerName)
	}
	if err != nil {
		return err
	}
	var m marker
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("%s: %w (unreadable %s)", dir, ErrNotIndex, markerName)
	}
	if m.Format != formatVersion {
		return fmt.Errorf("%s: index format %d, this version reads %d: rebuild it", dir, m.Format, formatVersion)
	}
	return nil
}

// checkReplaceable says whether Build may replace abs: nothing there, an
// empty folder, or an index of ours that no process holds for writing.
func checkReplaceable(abs string) error {
	fi, err := os.Lstat(abs)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("search: %s: %w (not a directory); refusing to replace it", abs, ErrNotIndex)
	}
	if _, err := os.Stat(filepath.Join(abs, markerName)); err != nil {
		entries, err := os.ReadDir(abs)
		if err != nil {
			return err
		}
		if len(entries) > 0 {
			return fmt.Errorf("search: %s: %w; refusing to replace a folder with other files in it", abs, ErrNotIndex)
		}
		return nil
	}
	// A read-only open waits for bolt's lock only while a writer holds
	// it: that is how a `serve --watch` of this index shows.
	bi, err := bleve.OpenUsing(filepath.Join(abs, bleveDir), map[string]interface{}{"read_only": true, "bolt_timeout": boltTimeout})
	if err != nil {
		if isLockTimeout(err) {
			return fmt.Errorf("search: %s: %w", abs, ErrLocked)
		}
		return nil // broken or half-written: ours to replace
	}
	return bi.Close()
}

// removeLeftovers removes what a killed Build left beside abs.
func removeLeftovers(abs string) {
	entries, err := os.ReadDir(filepath.Dir(abs))
	if err != nil {
		return
	}
	prefix := "." + filepath.Base(abs)
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), prefix)
		if ok && e.IsDir() && (strings.HasPrefix(rest, buildingInfix) || strings.HasPrefix(rest, oldInfix)) {
			_ = os.RemoveAll(filepath.Join(filepath.Dir(abs), e.Name()))
		}
	}
}

// swap puts the complete index tmp at abs. Where it can (Linux), it
// exchanges the two folders in one step, leaving the old index at tmp;
// elsewhere it moves the old index aside first (between the two renames
// dir is missing, never half-written).
func swap(tmp, abs string) error {
	if _, err := os.Lstat(abs); errors.Is(err, fs.ErrNotExist) {
		return os.Rename(tmp, abs)
	}
	if exchange(tmp, abs) == nil {
		return nil
	}
	old, err := os.MkdirTemp(filepath.Dir(abs), "."+filepath.Base(abs)+oldInfix)
	if err != nil {
		return err
	}
	if err := os.Remove(old); err != nil {
		return err
	}
	if err := os.Rename(abs, old); err != nil {
		return err
	}
	if err := os.Rename(tmp, abs); err != nil {
		return errors.Join(err, os.Rename(old, abs))
	}
	// Readers of the old index keep their open files (POSIX unlink).
	return os.RemoveAll(old)
}

// validateDocs checks that every document has an ID, and no two the same.
func validateDocs(docs []Document) error {
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
	return nil
}
