package source

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestScanLinkedFolders: a folder linked from static/ to a folder the plain walk also reaches is published where
// the link is (two links to one folder publish it twice, as the links say); a link to the folder's own ancestor, or
// to any folder the walk came through, is a loop and is not followed, so no file is found twice through one.
func TestScanLinkedFolders(t *testing.T) {
	root, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string]string{
		"incidents/a.md":      "---\ntitle: A\n---\n",
		"incidents/2023/b.md": "---\ntitle: B\n---\n",
		"shared/img/logo.svg": "<svg/>",
		"static/site.css":     "body{}",
	} {
		p := filepath.Join(root, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte(data), 0o644)
	}
	for link, target := range map[string]string{
		"static/img":           "../shared/img", // followed
		"static/img2":          "../shared/img", // the same folder again: not walked twice
		"incidents/2023/up":    "..",            // its own ancestor: a cycle
		"static/loop":          ".",             // itself
		"shared/img/back":      "../../static",  // from a linked folder back to static/
		"incidents/2023/again": "../../incidents",
	} {
		if err := os.Symlink(target, filepath.Join(root, filepath.FromSlash(link))); err != nil {
			t.Fatal(err)
		}
	}
	inv, diags := Scan(root, Options{})
	if diags.Errors() > 0 {
		t.Fatalf("errors: %v", diags)
	}
	if !slices.Contains(inv.Static, "static/img/logo.svg") {
		t.Errorf("the linked folder is not published: %v", inv.Static)
	}
	if want := []string{"incidents/2023/b.md", "incidents/a.md"}; !slices.Equal(inv.Postmortems, want) {
		t.Errorf("postmortems %v, want %v (a cycle found them twice)", inv.Postmortems, want)
	}
	if want := []string{"static/img/logo.svg", "static/img2/logo.svg", "static/site.css"}; !slices.Equal(inv.Static, want) {
		t.Errorf("static files walked through loops: %v", inv.Static)
	}
}

// TestScanMultiplyingLinks: links that do not loop but multiply the tree (each of 20 folders links twice to the next:
// a million paths) end the walk through them with an error after a bounded number of entries, in a second or two
// instead of walking for hours.
func TestScanMultiplyingLinks(t *testing.T) {
	root, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		dir := filepath.Join(root, fmt.Sprintf("l%02d", i))
		os.MkdirAll(dir, 0o755)
		os.WriteFile(filepath.Join(dir, "f.txt"), []byte("x"), 0o644)
		for _, name := range []string{"a", "b"} {
			os.Symlink(fmt.Sprintf("../l%02d", i+1), filepath.Join(dir, name))
		}
	}
	start := time.Now()
	inv, diags := Scan(root, Options{})
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("the scan took %v", d)
	}
	found := false
	for _, d := range diags {
		if strings.Contains(d.Message, "through linked folders") {
			found = true
		}
	}
	if !found {
		t.Errorf("no error for the multiplying links (%d files found)", len(inv.Files))
	}
	if len(inv.Files) > maxLinked {
		t.Errorf("%d files through links", len(inv.Files))
	}
}
