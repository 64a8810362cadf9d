package search

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/blevesearch/bleve/v2"
)

// The tables the index keeps per document, the content hashes (hash.go)
// and the body's word pairs (phrase.go), live in files of their own, one
// per shard (shard.go) and table, in the index folder's tablesDir, rather
// than in bleve's internal store: bleve's persister writes every internal
// value into bolt again with every snapshot it saves, which at 10,000
// documents was tens of MB of garbage and 25 ms of CPU per one-document
// Sync. A file's name holds the checksum of its content (fileName), and
// files are never modified, only written under a temporary name and
// renamed, so a name always means the same content. bleve's internal
// store keeps only the manifest, the checksum of every shard's file, and
// it is written in the same batch as the documents the files describe:
// whatever a crash interrupts, the manifest bleve has on disk names files
// that match its documents. Files the manifest stops naming are removed
// once bleve has persisted the batch that replaced them (tableStore), and
// any other file when a writer opens the index.
//
// The files are not fsynced (nor is the folder). bleve does fsync its
// segments and bolt when it persists, but a shard file lost or truncated
// by a power cut is caught by its checksum and then treated as missing,
// which is always safe: phrases are checked against the stored text, and
// Sync rebuilds the index (see load). A process that dies leaves the
// files in the page cache, complete.
const (
	tablesDir = "tables"
	// manifestKey names the bleve internal value holding the manifest.
	manifestKey = "secondstory.tables"
	// manifestVersion is the manifest's first byte.
	manifestVersion = 1

	hashesFile = "hashes"
	pairsFile  = "pairs"
)

// manifest is the checksum of the file of each shard of both tables.
type manifest struct {
	hashes, pairs [tableShards]uint64
}

// checksum is two CRC-32s of b side by side (Castagnoli and IEEE, both in
// hardware; see docHash): a file's name, and how its content is checked.
func checksum(b []byte) uint64 {
	return uint64(crc32.Checksum(b, castagnoli))<<32 | uint64(crc32.ChecksumIEEE(b))
}

// fileName names the file of shard s of a table whose content has
// checksum sum, e.g. pairs.07.0123456789abcdef.
func fileName(table string, s int, sum uint64) string {
	return fmt.Sprintf("%s.%02d.%016x", table, s, sum)
}

// encode lays the manifest out as a version byte and the checksums of
// the hashes' shards, then the pairs', little-endian.
func (m *manifest) encode() []byte {
	b := make([]byte, 1, 1+2*8*tableShards)
	b[0] = manifestVersion
	for _, sum := range m.hashes {
		b = binary.LittleEndian.AppendUint64(b, sum)
	}
	for _, sum := range m.pairs {
		b = binary.LittleEndian.AppendUint64(b, sum)
	}
	return b
}

func decodeManifest(b []byte) (manifest, bool) {
	var m manifest
	if len(b) != 1+2*8*tableShards || b[0] != manifestVersion {
		return m, false
	}
	b = b[1:]
	for s := range m.hashes {
		m.hashes[s] = binary.LittleEndian.Uint64(b[8*s:])
	}
	b = b[8*tableShards:]
	for s := range m.pairs {
		m.pairs[s] = binary.LittleEndian.Uint64(b[8*s:])
	}
	return m, true
}

// names lists the files the manifest names.
func (m *manifest) names() []string {
	out := make([]string, 0, 2*tableShards)
	for s, sum := range m.hashes {
		out = append(out, fileName(hashesFile, s, sum))
	}
	for s, sum := range m.pairs {
		out = append(out, fileName(pairsFile, s, sum))
	}
	return out
}

// internalGetter is what has bleve's internal values: an index (its
// latest snapshot) or the reader of a query (the snapshot it searches).
type internalGetter interface {
	GetInternal(key []byte) ([]byte, error)
}

// readManifest reads the manifest of an index or snapshot; a missing or
// unreadable one is errBadHashes (Sync rebuilds).
func readManifest(g internalGetter) (manifest, error) {
	b, err := g.GetInternal([]byte(manifestKey))
	if err != nil {
		return manifest{}, err
	}
	m, ok := decodeManifest(b)
	if !ok {
		return manifest{}, errBadHashes
	}
	return m, nil
}

// tableStore is the tablesDir of an open index: it reads shard files,
// keeps the word pairs' shards in memory for queries, and for a writer,
// writes new files and removes those no longer needed.
type tableStore struct {
	dir string

	mu     sync.Mutex
	closed bool // the index is closed: remove nothing more
	// pairs holds shards of word pairs by file name: the ones current
	// names, once read. A query reads a shard once, and loading it from
	// its file (about 0.4 MB at 10,000 documents) for each query would
	// cost more than the query.
	pairs map[string][]byte
	// current names the word pairs' files of the latest manifest known:
	// the one at open, then each one a writer introduces. Only those are
	// kept in pairs, so that a query on an older snapshot does not fill
	// it with replaced shards.
	current [tableShards]string
	// For a writer: refs counts, per file, the manifests naming it among
	// live, which are the manifest bleve last persisted and every one
	// introduced (or about to be) since. A file is removed when no
	// manifest names it any more: never one that the manifest on disk
	// names, nor one a batch on its way there does.
	refs map[string]int
	live []liveManifest
	seq  uint64
}

type liveManifest struct {
	seq   uint64
	names []string
}

var errBadTable = errors.New("search: missing or damaged table file")

// openTables makes the tableStore of the index folder dir whose bleve
// index is bi. A writer also removes files that bi's manifest does not
// name: left by a crash, or by a close before bleve persisted.
func openTables(dir string, bi bleve.Index, writable bool) *tableStore {
	t := &tableStore{dir: filepath.Join(dir, tablesDir), pairs: map[string][]byte{}}
	m, err := readManifest(bi)
	if err != nil {
		// Sync rebuilds such an index (errBadHashes): remove nothing.
		return t
	}
	for s, sum := range m.pairs {
		t.current[s] = fileName(pairsFile, s, sum)
	}
	if !writable {
		return t
	}
	names := m.names()
	t.refs = make(map[string]int, len(names))
	for _, n := range names {
		t.refs[n]++
	}
	t.live = []liveManifest{{0, names}}
	entries, _ := os.ReadDir(t.dir)
	for _, e := range entries {
		if t.refs[e.Name()] == 0 {
			_ = os.Remove(filepath.Join(t.dir, e.Name())) // ours: nothing else is written here
		}
	}
	return t
}

// load reads the file name, whose content has checksum sum.
func (t *tableStore) load(name string, sum uint64) ([]byte, error) {
	b, err := os.ReadFile(filepath.Join(t.dir, name))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errBadTable, err)
	}
	if checksum(b) != sum {
		return nil, fmt.Errorf("%w: %s does not match its checksum", errBadTable, name)
	}
	return b, nil
}

// pairsShard returns the content of shard s of the word pairs, whose
// checksum is sum, or false if its file is missing or damaged (a query on
// a snapshot older than the latest Sync may find it removed).
func (t *tableStore) pairsShard(s int, sum uint64) ([]byte, bool) {
	if t == nil {
		return nil, false
	}
	name := fileName(pairsFile, s, sum)
	t.mu.Lock()
	b, ok := t.pairs[name]
	t.mu.Unlock()
	if ok {
		return b, true
	}
	b, err := t.load(name, sum)
	if err != nil {
		return nil, false
	}
	t.mu.Lock()
	if !t.closed && (t.current[s] == "" || t.current[s] == name) {
		t.current[s] = name
		t.pairs[name] = b
	}
	t.mu.Unlock()
	return b, true
}

// readHashes reads the table of hashes that m names.
func (t *tableStore) readHashes(m *manifest) (*hashTable, error) {
	var h hashTable
	for s, sum := range m.hashes {
		b, err := t.load(fileName(hashesFile, s, sum), sum)
		if err != nil {
			return nil, fmt.Errorf("%w (%v)", errBadHashes, err)
		}
		if h[s], err = decodeHashes(b); err != nil {
			return nil, err
		}
	}
	return &h, nil
}

// readHashes reads the table of hashes of the index bi, whose files are
// in t.
func readHashes(bi bleve.Index, t *tableStore) (*hashTable, error) {
	m, err := readManifest(bi)
	if err != nil {
		return nil, err
	}
	return t.readHashes(&m)
}

// writeFile writes b as the file name: under a temporary name first, so
// that a file of that name is always complete.
func (t *tableStore) writeFile(name string, b []byte) error {
	if err := os.MkdirAll(t.dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(t.dir, ".tmp-"+name+"-")
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), filepath.Join(t.dir, name))
	}
	if err != nil {
		_ = os.Remove(f.Name()) // ours, created above
	}
	return err
}

// tableFile is a file to write: its name and content.
type tableFile struct {
	name string
	b    []byte
}

// prepare writes files for a batch whose manifest is m, which names them,
// and returns the number to pass to persisted or abandon. From now on,
// until a later manifest is persisted, no file m names is removed.
func (t *tableStore) prepare(m *manifest, files []tableFile) (uint64, error) {
	t.mu.Lock()
	t.seq++
	seq := t.seq
	names := m.names()
	if t.refs == nil {
		t.refs = map[string]int{}
	}
	for _, n := range names {
		t.refs[n]++
	}
	t.live = append(t.live, liveManifest{seq, names})
	t.mu.Unlock()
	for _, f := range files {
		if err := t.writeFile(f.name, f.b); err != nil {
			t.abandon(seq)
			return 0, err
		}
	}
	return seq, nil
}

// introduced records that the batch of manifest m is searchable; its new
// shards of word pairs, by shard (nil: unchanged), are kept for queries.
func (t *tableStore) introduced(m *manifest, pairs *[tableShards][]byte) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return
	}
	for s, b := range pairs {
		if b == nil {
			continue
		}
		name := fileName(pairsFile, s, m.pairs[s])
		if t.current[s] != name {
			delete(t.pairs, t.current[s])
			t.current[s] = name
		}
		t.pairs[name] = b
	}
}

// persisted records that bleve has persisted the batch seq (bleve calls
// back in batch order): the manifests before it are gone from the disk,
// and the files only they named are removed.
func (t *tableStore) persisted(seq uint64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	i := 0
	for i < len(t.live) && t.live[i].seq < seq {
		i++
	}
	t.release(t.live[:i])
	t.live = t.live[i:]
}

// abandon forgets the manifest of batch seq, which bleve never took.
func (t *tableStore) abandon(seq uint64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for i, l := range t.live {
		if l.seq == seq {
			t.release(t.live[i : i+1])
			t.live = append(t.live[:i], t.live[i+1:]...)
			return
		}
	}
}

// release drops the references of ms and removes the files no manifest
// names any more. The caller holds mu: a file is removed only while no
// prepare can take it up again.
func (t *tableStore) release(ms []liveManifest) {
	for _, m := range ms {
		for _, n := range m.names {
			if t.refs[n]--; t.refs[n] > 0 {
				continue
			}
			delete(t.refs, n)
			if !t.closed {
				_ = os.Remove(filepath.Join(t.dir, n)) // named by no manifest on disk or on its way there
			}
		}
	}
}

// close stops all removals: after the index closes, its folder may be
// replaced (Index.rebuild) by one holding files of the same names.
func (t *tableStore) close() {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.closed = true
	t.pairs = nil
}

// isTableFile reports whether rel, a path inside an index folder, is a
// shard file (or a temporary one), which is never modified once written.
func isTableFile(rel string) bool {
	return filepath.Dir(rel) == tablesDir && !strings.HasPrefix(filepath.Base(rel), ".")
}

// tablesKey is the context key under which Index.Search hands its
// tableStore to the queries it runs (see bodyPhraseQuery).
type tablesKey struct{}

func withTables(ctx context.Context, t *tableStore) context.Context {
	return context.WithValue(ctx, tablesKey{}, t)
}

func tablesFrom(ctx context.Context) *tableStore {
	t, _ := ctx.Value(tablesKey{}).(*tableStore)
	return t
}
