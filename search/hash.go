package search

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"math"
	"runtime"
	"sort"
	"sync"
	"time"
)

// hashesKey names the bleve internal value holding every document's
// content hash. Being inside the index, it is written in the same batch as
// the documents it describes, so it cannot disagree with them after a
// crash, and Build's swap carries it along.
const hashesKey = "secondstory.hashes"

// docHash identifies a document's content; 128 bits make a collision
// between an old and a new version of one document implausible.
type docHash [16]byte

// hashDoc hashes every field of d that reaches the index. Each value is
// length-prefixed, so text moving between fields changes the hash.
func hashDoc(d Document) docHash {
	h := sha256.New()
	var n [binary.MaxVarintLen64]byte
	str := func(s string) {
		h.Write(n[:binary.PutUvarint(n[:], uint64(len(s)))])
		h.Write([]byte(s))
	}
	strs := func(ss []string) {
		h.Write(n[:binary.PutUvarint(n[:], uint64(len(ss)))])
		for _, s := range ss {
			str(s)
		}
	}
	for _, s := range []string{d.ID, d.URL, d.Title, d.Summary, d.Body, d.Timeline, d.Actions, d.Severity, d.Status} {
		str(s)
	}
	strs(d.Tags)
	strs(d.Factors)
	strs(d.Services)
	str(d.Date.Format(time.RFC3339Nano))
	h.Write(n[:binary.PutUvarint(n[:], math.Float64bits(d.DurationMinutes))])
	var out docHash
	copy(out[:], h.Sum(nil))
	return out
}

// hashDocs hashes docs on every core (a few milliseconds per 1,000
// documents of 1,150 words).
func hashDocs(docs []Document) map[string]docHash {
	hs := make([]docHash, len(docs))
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < len(docs); i += workers {
				hs[i] = hashDoc(docs[i])
			}
		}(w)
	}
	wg.Wait()
	out := make(map[string]docHash, len(docs))
	for i, d := range docs {
		out[d.ID] = hs[i]
	}
	return out
}

// encodeHashes is a compact, deterministic encoding: a version byte, then
// per document (sorted by ID) the ID's length, the ID and the hash.
func encodeHashes(m map[string]docHash) []byte {
	ids := make([]string, 0, len(m))
	size := 1
	for id := range m {
		ids = append(ids, id)
		size += binary.MaxVarintLen64 + len(id) + len(docHash{})
	}
	sort.Strings(ids)
	b := make([]byte, 1, size)
	b[0] = 1
	for _, id := range ids {
		b = binary.AppendUvarint(b, uint64(len(id)))
		b = append(b, id...)
		h := m[id]
		b = append(b, h[:]...)
	}
	return b
}

var errBadHashes = errors.New("search: unreadable document hashes in the index")

func decodeHashes(b []byte) (map[string]docHash, error) {
	if len(b) == 0 || b[0] != 1 {
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
		id := string(b[:n])
		var h docHash
		copy(h[:], b[n:])
		m[id] = h
		b = b[n+uint64(len(h)):]
	}
	return m, nil
}
