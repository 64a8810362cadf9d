// Package incremental is everything that makes a rebuild cheaper than a clean build, in one place. It keeps three
// kinds of memo, all in memory, for a process that builds more than once (serve --watch):
//
//   - per input file (Files): what a source file decoded and rendered to, reused while the file's stat and bytes
//     and the answers its links got are the same;
//   - per derived value (Derived): a value keyed by a hash of what it was computed from (the graph, an incident's
//     line of incidents.json, its search document);
//   - output state (Pages, the manifest): each page's key, a hash of the versions of what rendering it read
//     (recorded by the render stage's views, whatever the theme), and what the last build wrote.
//
// A one-off build keeps none of it; it only records a fingerprint of its inputs (State), so a rebuild with nothing
// changed stops after looking at the files. Sum is the one content hash of the program.
package incremental

import (
	"encoding/binary"
	"hash/crc32"
	"math"
	"sync"
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Sum identifies contents: two CRC-32s, which the processor computes in hardware (several GB/s), side by side.
// It is stable across processes and machines, so the fingerprint a build saves means the same to the next one.
func Sum(b []byte) uint64 {
	return uint64(crc32.Checksum(b, castagnoli))<<32 | uint64(crc32.ChecksumIEEE(b))
}

// Key builds a key from parts: each part is written with its length, so ("ab","c") and ("a","bc") differ. Its
// value is Sum of the encoding.
type Key struct{ b []byte }

// Str adds a string.
func (k *Key) Str(s string) *Key {
	k.b = binary.AppendUvarint(k.b, uint64(len(s)))
	k.b = append(k.b, s...)
	return k
}

// Bytes adds bytes.
func (k *Key) Bytes(b []byte) *Key {
	k.b = binary.AppendUvarint(k.b, uint64(len(b)))
	k.b = append(k.b, b...)
	return k
}

// U64 adds a number.
func (k *Key) U64(v uint64) *Key {
	k.b = binary.LittleEndian.AppendUint64(k.b, v)
	return k
}

// F64 adds a float.
func (k *Key) F64(v float64) *Key { return k.U64(math.Float64bits(v)) }

// Sum is the key's value; never 0, which means "none".
func (k *Key) Sum() uint64 { return Sum(k.b) | 1 }

// Derived keeps one value per name, with the key it was computed for. It is safe for concurrent use.
type Derived[V any] struct {
	mu sync.Mutex
	m  map[string]derived[V]
}

type derived[V any] struct {
	key uint64
	v   V
}

// Get returns the value kept under name if it was computed for key.
func (d *Derived[V]) Get(name string, key uint64) (V, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	e, ok := d.m[name]
	if !ok || e.key != key {
		var zero V
		return zero, false
	}
	return e.v, true
}

// Put keeps v under name, computed for key.
func (d *Derived[V]) Put(name string, key uint64, v V) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.m == nil {
		d.m = map[string]derived[V]{}
	}
	d.m[name] = derived[V]{key, v}
}

// Keep forgets every name not in keep, so values of deleted files do not outlive them.
func (d *Derived[V]) Keep(keep func(name string) bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for name := range d.m {
		if !keep(name) {
			delete(d.m, name)
		}
	}
}
