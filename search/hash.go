package search

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
	"maps"
	"math"
	"runtime"
	"slices"
	"sort"
	"sync"
	"time"
	"unsafe"
)

// docHash identifies a document's content: two CRC-32s of it, with
// different polynomials (Castagnoli and IEEE), side by side. It only ever
// tells an old version of one document from a new one, never one document
// from another, so it needs to catch edits, not resist an adversary.
// The two polynomials have no common factor, so together they act as one
// CRC of degree 64: an edit that keeps every field's length and changes
// no more than 64 consecutive bits is always seen, and any other goes
// unseen with a chance of about 2^-64. Both CRCs have hardware support in
// hash/crc32 (SSE 4.2 and carry-less multiplication on amd64, the CRC
// instructions on arm64): less than half of SHA-256's CPU time, and a
// quarter of its wall time on two idle cores (see hashDocs).
// The all-zero value is never a document's hash (see hashDoc): it marks
// documents to rewrite (see apply).
type docHash [8]byte

// castagnoli is the table crc32.Update recognises and computes with the
// CRC32 instruction.
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// docHasher feeds both CRCs. Short pieces (length prefixes, titles,
// tags) are gathered in buf and handed over together, since each call
// into crc32 costs as much as hashing tens of bytes; long ones go
// straight from the string. The CRCs see the same bytes either way.
type docHasher struct {
	c, i uint32
	n    int
	buf  [512]byte
}

// directMin is the length from which write hands bytes to crc32 without
// gathering them first.
const directMin = 128

func (h *docHasher) update(b []byte) {
	h.c = crc32.Update(h.c, castagnoli, b)
	h.i = crc32.Update(h.i, crc32.IEEETable, b)
}

func (h *docHasher) flush() {
	if h.n > 0 {
		h.update(h.buf[:h.n])
		h.n = 0
	}
}

func (h *docHasher) write(b []byte) {
	if len(b) >= directMin {
		h.flush()
		h.update(b)
		return
	}
	if h.n+len(b) > len(h.buf) {
		h.flush()
	}
	h.n += copy(h.buf[h.n:], b)
}

func (h *docHasher) uvarint(v uint64) {
	if h.n+binary.MaxVarintLen64 > len(h.buf) {
		h.flush()
	}
	h.n += binary.PutUvarint(h.buf[h.n:], v)
}

// str writes s length-prefixed, reading its bytes where they are: crc32
// only reads them, so the string's memory is never written.
func (h *docHasher) str(s string) {
	h.uvarint(uint64(len(s)))
	h.write(unsafe.Slice(unsafe.StringData(s), len(s)))
}

func (h *docHasher) strs(ss []string) {
	h.uvarint(uint64(len(ss)))
	for _, s := range ss {
		h.str(s)
	}
}

// hashDoc hashes every field of d that reaches the index. Each value is
// length-prefixed, so text moving between fields changes the hash. The
// result is stored in the index, so it must not change between processes
// or versions without a new hashesVersion.
func hashDoc(d Document) docHash {
	var h docHasher
	for _, s := range [...]string{d.ID, d.URL, d.Title, d.Summary, d.Body, d.Timeline, d.Actions, d.Severity, d.Status} {
		h.str(s)
	}
	h.strs(d.Tags)
	h.strs(d.Factors)
	h.strs(d.Services)
	var date [64]byte
	h.write(d.Date.AppendFormat(date[:0], time.RFC3339Nano))
	h.uvarint(math.Float64bits(d.DurationMinutes))
	h.flush()
	var out docHash
	binary.LittleEndian.PutUint32(out[0:], h.c)
	binary.LittleEndian.PutUint32(out[4:], h.i)
	if out == (docHash{}) {
		out[0] = 1 // zero is reserved for "rewrite this document"
	}
	return out
}

// hashDocs hashes docs on every core; the result is in docs' order.
// 10,000 documents of 1,150 words (60 MB of text, BenchmarkHashDocs) take
// 30 to 45 ms of CPU, against 80 to 95 ms with SHA-256 measured side by
// side; 20 ms of wall time on two idle cores. Much of it is reading the
// text from memory (a loop that only touches every cache line of it takes
// 7 ms of CPU), which no hash of the full text avoids.
//
// A document equal to the one its ID had at the last call takes that
// call's hash (hashMemo): comparing is far cheaper than hashing, as the
// text of an unchanged document is usually the very same string (the
// preview hands the same documents back on every save), which Go compares
// by its pointer before reading any byte.
func hashDocs(docs []Document) []docHash {
	hs := make([]docHash, len(docs))
	// Held throughout: the memo is read and rewritten in place.
	hashMemo.mu.Lock()
	defer hashMemo.mu.Unlock()
	prev, next := hashMemo.docs, hashMemo.docs
	// The documents usually come in the order of the last call: then
	// the memo entry of each is at its position, and is replaced in
	// place. Otherwise they are found by ID, and the memo is made anew.
	var at map[string]int
	if len(prev) != len(docs) || !sameIDs(prev, docs) {
		at = make(map[string]int, len(prev))
		for i, m := range prev {
			at[m.d.ID] = i
		}
		next = make([]memoHash, len(docs))
	}
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < len(docs); i += workers {
				j, ok := i, true
				if at != nil {
					j, ok = at[docs[i].ID]
				}
				if ok && sameDoc(prev[j].d, docs[i]) {
					hs[i] = prev[j].h
				} else {
					hs[i] = hashDoc(docs[i])
				}
				next[i] = memoHash{docs[i], hs[i]}
			}
		}(w)
	}
	wg.Wait()
	hashMemo.docs = next
	return hs
}

// sameIDs reports whether docs have the IDs of memo, in the same order.
func sameIDs(memo []memoHash, docs []Document) bool {
	for i := range docs {
		if memo[i].d.ID != docs[i].ID {
			return false
		}
	}
	return true
}

// hashMemo holds the documents of the last hashDocs call, in its order,
// with their hashes (for the process: a preview hashes the same library
// on every save).
var hashMemo struct {
	mu   sync.Mutex
	docs []memoHash
}

type memoHash struct {
	d Document
	h docHash
}

// sameDoc reports whether a and b hash alike: every field equal.
func sameDoc(a, b Document) bool {
	return a.ID == b.ID && a.URL == b.URL && a.Title == b.Title && a.Summary == b.Summary && a.Body == b.Body &&
		a.Timeline == b.Timeline && a.Actions == b.Actions && a.Severity == b.Severity && a.Status == b.Status &&
		slices.Equal(a.Tags, b.Tags) && slices.Equal(a.Factors, b.Factors) && slices.Equal(a.Services, b.Services) &&
		a.Date == b.Date && math.Float64bits(a.DurationMinutes) == math.Float64bits(b.DurationMinutes)
}

// hashesVersion is the first byte of each stored shard of the table of
// hashes. It changes whenever hashDoc does (or the size of docHash), so
// that hashes of another kind are never compared with new ones. Version 1
// held 16 bytes of SHA-256 per document, in indexes of format 2 at most,
// which are rebuilt (formatVersion).
const hashesVersion = 2

// hashTable is the table of every document's hash, split as the index
// stores it: shard s maps the IDs of shard s (shardOf) to their hashes.
type hashTable [tableShards]map[string]docHash

// newHashTable makes the table of docs, whose hashes are hs.
func newHashTable(docs []Document, hs []docHash) *hashTable {
	var t hashTable
	for s := range t {
		t[s] = make(map[string]docHash, len(docs)/tableShards)
	}
	for i, d := range docs {
		t[shardOf(d.ID)][d.ID] = hs[i]
	}
	return &t
}

func (t *hashTable) get(id string) (docHash, bool) {
	h, ok := t[shardOf(id)][id]
	return h, ok
}

func (t *hashTable) len() int {
	n := 0
	for _, m := range t {
		n += len(m)
	}
	return n
}

// changed returns t without deletes and with upserts, whose hashes are
// hashes (nil: the zero hash, for documents to rewrite), in that order.
// t is left as it is: the shards in touched, which must hold every entry
// that changes, are copied, the others shared.
func (t *hashTable) changed(touched *[tableShards]bool, deletes []string, upserts []Document, hashes []docHash) *hashTable {
	c := *t
	for s, ok := range touched {
		if ok {
			c[s] = maps.Clone(t[s])
		}
	}
	for _, id := range deletes {
		delete(c[shardOf(id)], id)
	}
	for i, d := range upserts {
		var h docHash
		if hashes != nil {
			h = hashes[i]
		}
		c[shardOf(d.ID)][d.ID] = h
	}
	return &c
}

// encodeHashes encodes a shard of the table compactly and
// deterministically: a version byte, then per document (sorted by ID) the
// ID's length, the ID and the hash.
func encodeHashes(m map[string]docHash) []byte {
	ids := make([]string, 0, len(m))
	size := 1
	for id := range m {
		ids = append(ids, id)
		size += binary.MaxVarintLen64 + len(id) + len(docHash{})
	}
	sort.Strings(ids)
	b := make([]byte, 1, size)
	b[0] = hashesVersion
	for _, id := range ids {
		b = binary.AppendUvarint(b, uint64(len(id)))
		b = append(b, id...)
		h := m[id]
		b = append(b, h[:]...)
	}
	return b
}

var errBadHashes = errors.New("search: unreadable document hashes in the index")

// decodeHashes reads a shard of the table; a missing one is unreadable.
func decodeHashes(b []byte) (map[string]docHash, error) {
	if len(b) == 0 || b[0] != hashesVersion {
		return nil, errBadHashes
	}
	b = b[1:]
	m := map[string]docHash{}
	for len(b) > 0 {
		n, k := binary.Uvarint(b)
		if k <= 0 || uint64(len(b)-k) < n+uint64(len(docHash{})) {
			return nil, errBadHashes
		}
		b = b[k:]
		var h docHash
		copy(h[:], b[n:])
		m[string(b[:n])] = h
		b = b[n+uint64(len(docHash{})):]
	}
	return m, nil
}
