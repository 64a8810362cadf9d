package generator

import (
	"bytes"
	"html/template"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// Spliced lists must write the same site as lists joined in memory.
func TestSplicedListsMatchJoined(t *testing.T) {
	src, _, now := sampleLibrary(t)
	build := func(min int) string {
		defer func(old int) { spliceMin = old }(spliceMin)
		spliceMin = min
		out := filepath.Join(t.TempDir(), "public")
		if _, err := Build(Options{Source: src, Out: out, Now: now}); err != nil {
			t.Fatal(err)
		}
		return out
	}
	joined, spliced := build(math.MaxInt), build(1)
	sameTree(t, spliced, joined)
	err := filepath.WalkDir(spliced, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if bytes.IndexByte(data, 0) >= 0 {
			t.Errorf("%s: a NUL byte, a marker not cut", p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestSpliceCut(t *testing.T) {
	var s splices
	defer func(old int) { spliceMin = old }(spliceMin)
	spliceMin = 1
	a := s.list([]template.HTML{"<li>1</li>", "<li>2</li>"}, 20)
	b := s.list([]template.HTML{"<li>3</li>"}, 10)
	page := "<ul>" + string(a) + "</ul>" + spliceMark + "99\x00<ol>" + string(b) + "</ol>"
	got := string(s.cut([]byte(page)).joined())
	want := "<ul><li>1</li><li>2</li></ul>" + spliceMark + "99\x00<ol><li>3</li></ol>"
	if got != want {
		t.Errorf("cut:\n%q\nwant\n%q", got, want)
	}
	if _, ok := s.lists.Load(uint64(1)); ok {
		t.Error("a cut list is still held")
	}
	spliceMin = 100
	if h := s.list([]template.HTML{"<li>1</li>"}, 10); h != "<li>1</li>" {
		t.Errorf("a short list: %q, want it joined", h)
	}
}
