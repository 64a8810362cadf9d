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

// writeData writes d to the file at path, as os.WriteFile does.
func writeData(path string, d fileData) error {
	if len(d) == 1 {
		return os.WriteFile(path, d[0], 0o644)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	err = writePieces(f, d)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// fileWriters gathers the pieces into writes of fileBufSize where the system cannot take them all in one call
// (writev_other.go): one system call per piece would cost more than the copy.
var fileWriters = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, fileBufSize) }}

const fileBufSize = 256 << 10

func writeBuffered(f *os.File, d fileData) error {
	w := fileWriters.Get().(*bufio.Writer)
	defer fileWriters.Put(w)
	w.Reset(f)
	defer w.Reset(nil)
	for _, p := range d {
		if _, err := w.Write(p); err != nil {
			return err
		}
	}
	return w.Flush()
}

// stringBytes is s's bytes without a copy, for writing only: the caller must never change them.
func stringBytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

// advance drops the first n bytes of d; a piece written in part is left with its rest.
func advance(d fileData, n int) fileData {
	for n > 0 && len(d) > 0 {
		if n < len(d[0]) {
			rest := make(fileData, len(d))
			copy(rest, d)
			rest[0] = rest[0][n:]
			return rest
		}
		n -= len(d[0])
		d = d[1:]
	}
	return d
}
