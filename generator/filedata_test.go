package generator

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"unsafe"
)

// A file written from pieces holds them joined, however many there are (more than one writev takes) and whatever
// their sizes, empty ones included; the pieces are left as they were.
func TestWriteData(t *testing.T) {
	var d fileData
	for i := range 3000 {
		d = append(d, bytes.Repeat([]byte(strconv.Itoa(i%10)), i%700), nil, []byte("\n"))
	}
	d = append(d, make(fileData, 2048)...) // a run of empty pieces longer than one writev takes (1024)
	d = append(d, bytes.Repeat([]byte("x"), 3<<20), nil)
	kept := make(fileData, len(d))
	copy(kept, d)
	for _, tc := range []struct {
		name  string
		write func(f *os.File, d fileData) error
	}{{"pieces", writePieces}, {"buffered", writeBuffered}} {
		p := filepath.Join(t.TempDir(), "f")
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := tc.write(f, d); err != nil {
			t.Fatal(err)
		}
		f.Close()
		got, _ := os.ReadFile(p)
		if !bytes.Equal(got, d.joined()) {
			t.Errorf("%s: %d bytes written, want %d", tc.name, len(got), d.size())
		}
		if d.checksum() != checksum(got) {
			t.Errorf("%s: checksum of the pieces differs from the file's", tc.name)
		}
	}
	for i := range d {
		if unsafe.SliceData(d[i]) != unsafe.SliceData(kept[i]) || len(d[i]) != len(kept[i]) {
			t.Fatalf("piece %d changed", i)
		}
	}
	if got := advance(fileData{[]byte("abc"), []byte("de")}, 4); len(got) != 1 || string(got[0]) != "e" {
		t.Errorf("advance 4 = %q, want [e]", got)
	}
	if got := advance(fileData{[]byte("abc"), []byte("de")}, 1); len(got) != 2 || string(got[0]) != "bc" {
		t.Errorf("advance 1 = %q, want [bc de]", got)
	}
}

// joined returns the file's content in one slice.
func (d fileData) joined() []byte {
	b := make([]byte, 0, d.size())
	for _, p := range d {
		b = append(b, p...)
	}
	return b
}
