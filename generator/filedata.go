package generator

import (
	"bufio"
	"hash/crc32"
	"os"
	"sync"
	"unsafe"
)

// fileData is a file's content as pieces written one after another. The lists of thousands of rows and the JSON of
// every incident are joined only by the file they go to, not first in memory: at 10,000 postmortems those joins
// (and the copies text/template made of them) were most of a preview save's garbage.
type fileData [][]byte

// size is the file's length.
func (d fileData) size() int {
	n := 0
	for _, p := range d {
		n += len(p)
	}
	return n
}

// checksum is checksum of the pieces joined.
func (d fileData) checksum() uint64 {
	var c, i uint32
	for _, p := range d {
		c = crc32.Update(c, castagnoli, p)
		i = crc32.Update(i, crc32.IEEETable, p)
	}
	return uint64(c)<<32 | uint64(i)
}

// joined returns the file's content in one slice (tests, and readers that need it whole).
func (d fileData) joined() []byte {
	if len(d) == 1 {
		return d[0]
	}
	b := make([]byte, 0, d.size())
	for _, p := range d {
		b = append(b, p...)
	}
	return b
}

// fileWriters gathers the pieces into writes of fileBufSize: one system call per piece would cost more than the
// copy.
var fileWriters = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, fileBufSize) }}

const fileBufSize = 256 << 10

// writeData writes d to the file at path, as os.WriteFile does.
func writeData(path string, d fileData) error {
	if len(d) == 1 {
		return os.WriteFile(path, d[0], 0o644)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	w := fileWriters.Get().(*bufio.Writer)
	w.Reset(f)
	for _, p := range d {
		if _, err = w.Write(p); err != nil {
			break
		}
	}
	if err == nil {
		err = w.Flush()
	}
	w.Reset(nil)
	fileWriters.Put(w)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// stringBytes is s's bytes without a copy, for writing only: the caller must never change them.
func stringBytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }
