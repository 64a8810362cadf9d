package generator

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// An in-place build of the preview frees the files it replaces after the commit, from a folder beside the site that
// it then removes; the site has the new files at once, and nothing is left behind.
func TestInPlaceReplacesLargeFilesLate(t *testing.T) {
	root := t.TempDir()
	site := filepath.Join(root, "public")
	big := func(b byte) []byte { return bytes.Repeat([]byte{b}, 2<<20) }
	first, err := newOutput(site)
	if err != nil {
		t.Fatal(err)
	}
	first.cur = map[string]uint64{}
	for rel, data := range map[string][]byte{"incidents.json": big('a'), "small.html": []byte("a")} {
		if err := first.write(rel, data); err != nil {
			t.Fatal(err)
		}
	}
	if err := first.commit(); err != nil {
		t.Fatal(err)
	}
	next, err := newOutputInPlace(site, first.cur)
	if err != nil {
		t.Fatal(err)
	}
	next.lateFree = true
	for rel, data := range map[string][]byte{"incidents.json": big('b'), "small.html": []byte("b")} {
		if err := next.write(rel, data); err != nil {
			t.Fatal(err)
		}
	}
	if err := next.commit(); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(site, "incidents.json")); !bytes.Equal(got, big('b')) {
		t.Errorf("incidents.json: %d bytes, not the new content", len(got))
	}
	if got, _ := os.ReadFile(filepath.Join(site, "small.html")); string(got) != "b" {
		t.Errorf("small.html: %q", got)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if _, err := os.Stat(replacedDir(site)); os.IsNotExist(err) {
			break
		}
		if time.Now().After(deadline) {
			entries, _ := os.ReadDir(replacedDir(site))
			t.Fatalf("%s still there with %d files", replacedDir(site), len(entries))
		}
	}
	entries, _ := os.ReadDir(root)
	if len(entries) != 1 {
		t.Errorf("beside the site: %v, want only the site", entries)
	}
}

// keepReplaced links a file that is about to be replaced, only in the preview and only when it exists;
// freeReplaced removes the link and its folder.
func TestKeepReplaced(t *testing.T) {
	site := filepath.Join(t.TempDir(), "public")
	if err := os.MkdirAll(site, 0o755); err != nil {
		t.Fatal(err)
	}
	o := &output{target: site, lateFree: true}
	page := filepath.Join(site, "page.html")
	os.WriteFile(page, []byte("x"), 0o644)
	if (&output{target: site}).keepReplaced(page, 0) != "" {
		t.Error("a one-off build's output kept a replaced file")
	}
	if o.keepReplaced(filepath.Join(site, "new.html"), 0) != "" {
		t.Error("a new file was kept")
	}
	old := o.keepReplaced(page, 1)
	a, errA := os.Stat(page)
	b, errB := os.Stat(old)
	if old == "" || errA != nil || errB != nil || !os.SameFile(a, b) {
		t.Fatalf("keepReplaced(page) = %q: not a second name of it (%v, %v)", old, errA, errB)
	}
	freeReplaced(replacedDir(site), []string{old})
	if _, err := os.Stat(replacedDir(site)); !os.IsNotExist(err) {
		t.Errorf("%s left behind (%v)", replacedDir(site), err)
	}
}
