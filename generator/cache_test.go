package generator

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestBuildCache: an unchanged rebuild writes nothing; after an edit the rebuilt site is byte for byte what a clean
// build of the same content writes.
func TestBuildCache(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"incidents/a.md": "---\ntitle: A\ndate: 2024-01-01\ncontributing_factors: [Config drift]\n---\nSee [[b]].\n",
		"incidents/b.md": "---\ntitle: B\ndate: 2024-02-01\ncontributing_factors: [Config drift]\n---\nThe team simply restarted it.\n",
		"static/x.txt":   "static",
	})
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	out := filepath.Join(t.TempDir(), "public")
	first, err := Build(Options{Source: dir, Out: out, Now: now})
	if err != nil || first.UpToDate {
		t.Fatalf("first build: %v, up to date %v", err, first.UpToDate)
	}
	page := filepath.Join(out, "incidents/a/index.html")
	before, _ := os.Stat(page)

	again, err := Build(Options{Source: dir, Out: out, Now: now.Add(time.Hour)})
	if err != nil || !again.UpToDate {
		t.Fatalf("unchanged rebuild: %v, up to date %v", err, again.UpToDate)
	}
	if again.Diagnostics.Warnings() != first.Diagnostics.Warnings() || first.Diagnostics.Warnings() == 0 {
		t.Errorf("the up-to-date build reports %d warnings, the first %d", again.Diagnostics.Warnings(), first.Diagnostics.Warnings())
	}
	if after, _ := os.Stat(page); !after.ModTime().Equal(before.ModTime()) {
		t.Error("an up-to-date build rewrote a page")
	}

	// Every input counts: an edit, a static file, the options, the day.
	changes := []func() Options{
		func() Options {
			writeTree(t, dir, map[string]string{"incidents/b.md": "---\ntitle: B renamed\ndate: 2024-02-01\ncontributing_factors: [Retry storm]\n---\nBody.\n"})
			return Options{Now: now}
		},
		func() Options {
			writeTree(t, dir, map[string]string{"static/x.txt": "static, longer"})
			return Options{Now: now}
		},
		func() Options { return Options{Now: now, Drafts: true} },
		func() Options { return Options{Now: now.AddDate(0, 0, 1), Drafts: true} },
	}
	for i, change := range changes {
		opts := change()
		opts.Source, opts.Out = dir, out
		res, err := Build(opts)
		if err != nil || res.UpToDate {
			t.Fatalf("change %d: %v, up to date %v", i, err, res.UpToDate)
		}
		clean := filepath.Join(t.TempDir(), "public")
		opts.Out = clean
		if _, err := Build(opts); err != nil {
			t.Fatal(err)
		}
		sameTree(t, out, clean)
	}
}

func sameTree(t *testing.T, a, b string) {
	t.Helper()
	files := map[string][]byte{}
	_ = filepath.WalkDir(a, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(a, p)
			files[rel], _ = os.ReadFile(p)
		}
		return nil
	})
	n := 0
	_ = filepath.WalkDir(b, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		n++
		rel, _ := filepath.Rel(b, p)
		data, _ := os.ReadFile(p)
		if want, ok := files[rel]; !ok || !bytes.Equal(want, data) {
			t.Errorf("%s differs from a clean build%s", rel, firstDiff(want, data))
		}
		return nil
	})
	if n != len(files) {
		t.Errorf("rebuilt site has %d files, a clean build %d", len(files), n)
	}
}

// firstDiff shows where two versions of a file part first.
func firstDiff(a, b []byte) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	from := max(0, i-80)
	return fmt.Sprintf(":\n  rebuilt: …%q…\n  clean:   …%q…", a[from:min(len(a), i+80)], b[from:min(len(b), i+80)])
}
