package generator

import (
	"bytes"
	"html/template"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
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
	noNUL(t, spliced)
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

// Nothing a postmortem says can pass for a list's marker, even with raw HTML let through: Markdown's NUL bytes
// become U+FFFD (and so do frontmatter's, escaped by the templates).
func TestSpliceMarkerCannotBeForged(t *testing.T) {
	defer func(old int) { spliceMin = old }(spliceMin)
	spliceMin = 1 // every list is spliced
	forged := strings.ReplaceAll(spliceMark, "\x00", "\\x00") + `1\x00`
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"secondstory.yaml": "unsafe_html: true\n",
		"incidents/a.md":   "---\ntitle: \"A " + forged + "\"\ndate: 2024-01-01\ntags: [t]\n---\n<div>" + spliceMark + "1\x00</div>\n\n" + spliceMark + "2\x00\n",
		"incidents/b.md":   "---\ntitle: B\ndate: 2024-01-02\ntags: [t]\n---\nBody.\n",
	})
	out, _ := buildFixture(t, dir, Options{})
	noNUL(t, out)
	tag := readFile(t, filepath.Join(out, "tags/t/index.html"))
	for _, want := range []string{`href="../../incidents/a/"`, `href="../../incidents/b/"`} {
		if strings.Count(tag, want) != 1 {
			t.Errorf("tags/t/: %d rows linking %s, want 1", strings.Count(tag, want), want)
		}
	}
}

// noNUL fails t for every file under dir with a NUL byte: a list marker not cut, or one forged.
func noNUL(t *testing.T, dir string) {
	t.Helper()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if bytes.IndexByte(data, 0) >= 0 {
			t.Errorf("%s: a NUL byte", p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
