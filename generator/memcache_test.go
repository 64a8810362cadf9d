package generator

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestMemCacheMatchesCleanBuild makes a sequence of edits and, after each, builds once with the watch mode's
// in-memory cache and once from scratch: the two sites must be identical byte for byte, and the cached build must
// have re-decoded and re-rendered only what the edit calls for.
func TestMemCacheMatchesCleanBuild(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"incidents/a.md":          "---\ntitle: A\ndate: 2024-01-01\ncontributing_factors: [Config drift]\nrelated: [b]\n---\nSee [[b]] and [[factor:config-drift]].\n",
		"incidents/b.md":          "---\ntitle: B\ndate: 2024-02-01\ncontributing_factors: [Config drift, Retry storm]\n---\nThe team simply restarted it.\n",
		"incidents/c.md":          "---\ntitle: C\ndate: 2023-02-01\ncontributing_factors: [Retry storm]\n---\nPlain.\n",
		"factors/config-drift.md": "---\ntitle: Config drift\n---\nConfiguration diverges.\n",
	})
	cache := &MemCache{}
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	out := filepath.Join(t.TempDir(), "public")
	build := func(opts Options) *Result {
		t.Helper()
		opts.Source, opts.Now, opts.Force = dir, now, true
		res, err := Build(opts)
		if err != nil {
			t.Fatalf("build: %v", err)
		}
		return res
	}
	build(Options{Out: out, Cache: cache})
	if cache.Decoded != 3 || cache.Rendered != 3 {
		t.Fatalf("first build decoded %d, rendered %d; want 3, 3", cache.Decoded, cache.Rendered)
	}
	steps := []struct {
		name              string
		files             map[string]string
		remove            string
		decoded, rendered int
		pages             int // incident pages rendered; -1: not checked
		wantErr           bool
	}{
		{name: "edit one body", files: map[string]string{"incidents/c.md": "---\ntitle: C\ndate: 2023-02-01\ncontributing_factors: [Retry storm]\n---\nPlain, edited.\n"}, decoded: 1, rendered: 1, pages: 1}, // the first build recorded every page's key
		{name: "nothing changed", decoded: 0, rendered: 0, pages: 0},
		{name: "edit one body again", files: map[string]string{"incidents/c.md": "---\ntitle: C\ndate: 2023-02-01\ncontributing_factors: [Retry storm]\n---\nPlain, edited twice.\n"}, decoded: 1, rendered: 1, pages: 1},
		{name: "change a factor", files: map[string]string{"incidents/c.md": "---\ntitle: C\ndate: 2023-02-01\ncontributing_factors: [Retry storm, Config drift]\n---\nPlain, edited twice.\n"}, decoded: 1, rendered: 1, pages: -1},
		{name: "retitle a linked incident", pages: -1, files: map[string]string{"incidents/b.md": "---\ntitle: B renamed\ndate: 2024-02-01\ncontributing_factors: [Config drift, Retry storm]\n---\nThe team simply restarted it.\n"}, decoded: 1, rendered: 2}, // b itself and a, whose [[b]] shows the title
		{name: "broken file", pages: -1, files: map[string]string{"incidents/c.md": "---\ntitle: C\ndate: 2023-02-01\n"}, wantErr: true},
		{name: "fixed", pages: -1, files: map[string]string{"incidents/c.md": "---\ntitle: C\ndate: 2023-02-01\ncontributing_factors: [Retry storm]\n---\nFixed.\n"}, decoded: 1, rendered: 1},
		{name: "new file", pages: 4, files: map[string]string{"incidents/d.md": "---\ntitle: D\ndate: 2025-01-01\ncontributing_factors: [Clock skew]\n---\nNew, see [[a]].\n"}, decoded: 1, rendered: 1}, // no body links to d
		{name: "delete a file", pages: 3, remove: "incidents/d.md", decoded: 0, rendered: 0},
		{name: "config change", pages: -1, files: map[string]string{"secondstory.yaml": "title: Renamed library\n"}, decoded: 3, rendered: 3},
	}
	for _, st := range steps {
		writeTree(t, dir, st.files)
		if st.remove != "" {
			if err := os.Remove(filepath.Join(dir, st.remove)); err != nil {
				t.Fatal(err)
			}
		}
		_, err := Build(Options{Source: dir, Out: out, Now: now, Force: true, Cache: cache})
		if st.wantErr {
			if err == nil {
				t.Fatalf("%s: built", st.name)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if cache.Decoded != st.decoded || cache.Rendered != st.rendered {
			t.Errorf("%s: decoded %d, rendered %d; want %d, %d", st.name, cache.Decoded, cache.Rendered, st.decoded, st.rendered)
		}
		if st.pages >= 0 && cache.Pages != st.pages {
			t.Errorf("%s: %d incident pages rendered, want %d", st.name, cache.Pages, st.pages)
		}
		clean := filepath.Join(t.TempDir(), "public")
		build(Options{Out: clean})
		sameTree(t, out, clean)
	}
}
