package output_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secondstory/secondstory/generator/diag"
	"github.com/secondstory/secondstory/generator/incremental"
	"github.com/secondstory/secondstory/generator/internal/sitetest"
	"github.com/secondstory/secondstory/generator/output"
)

// site is a tree of files: site path -> content.
type site map[string]string

func paths(t *testing.T) output.Paths {
	t.Helper()
	p, err := output.PathsFor(filepath.Join(t.TempDir(), "public"))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// writeFresh writes s as a whole new site and commits it; it returns the manifest an in-place build starts from.
func writeFresh(t testing.TB, p output.Paths, s site) map[string]uint64 {
	t.Helper()
	w, err := output.Fresh(p)
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range s {
		if err := w.Write(name, []byte(data), incremental.Sum([]byte(data))); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Commit(false); err != nil {
		t.Fatal(err)
	}
	return w.Manifest()
}

// withMarker is s as it is on disk: with the marker every site of ours holds.
func withMarker(t testing.TB, s site) map[string][]byte {
	t.Helper()
	out := map[string][]byte{output.Marker: nil}
	for name, data := range s {
		out[name] = []byte(data)
	}
	return out
}

// sameSite compares the files of the site at dir with s (and the marker, whose text is not compared).
func sameSite(t testing.TB, dir string, s site) []string {
	t.Helper()
	got := sitetest.Tree(t, dir)
	want := withMarker(t, s)
	want[output.Marker] = got[output.Marker]
	return sitetest.Diff(got, want)
}

func TestPathsFor(t *testing.T) {
	dir := t.TempDir()
	p, err := output.PathsFor(filepath.Join(dir, "public"))
	if err != nil {
		t.Fatal(err)
	}
	for name, got := range map[string]string{"index": p.Index, "state": p.State, "lock": p.LockFile, "journal": p.Journal, "staging": p.Staging} {
		if filepath.Dir(got) != dir {
			t.Errorf("%s %s is not beside the site", name, got)
		}
	}
	if _, err := output.PathsFor("/"); err == nil {
		t.Error("/ accepted as an output folder")
	}
	// A symbolic link is followed: the site replaces the folder it points to.
	real := filepath.Join(dir, "real")
	os.Mkdir(real, 0o755)
	os.Symlink(real, filepath.Join(dir, "link"))
	if p, _ := output.PathsFor(filepath.Join(dir, "link")); p.Out != real {
		t.Errorf("link: out %s, want %s", p.Out, real)
	}
}

func TestCheck(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "kb")
	sitetest.WriteTree(t, dir, map[string]string{"kb/incidents/x.md": "x", "foreign/a.txt": "a", "file": "f"})
	os.Mkdir(filepath.Join(dir, "empty"), 0o755)
	for name, c := range map[string]struct {
		out string
		ok  bool
	}{
		"missing":            {filepath.Join(dir, "new"), true},
		"empty":              {filepath.Join(dir, "empty"), true},
		"inside the source":  {filepath.Join(src, "public"), true},
		"the source":         {src, false},
		"a parent of source": {dir, false},
		"foreign files":      {filepath.Join(dir, "foreign"), false},
		"a file":             {filepath.Join(dir, "file"), false},
	} {
		p, err := output.PathsFor(c.out)
		if err != nil {
			t.Fatal(err)
		}
		err = p.Check(src)
		var ee *diag.EnvError
		if c.ok != (err == nil) || err != nil && !errors.As(err, &ee) {
			t.Errorf("%s: %v", name, err)
		}
	}
	// A site of ours (the marker) is replaced.
	p, _ := output.PathsFor(filepath.Join(dir, "ours"))
	writeFresh(t, p, site{"index.html": "x"})
	if err := p.Check(src); err != nil {
		t.Errorf("our own site: %v", err)
	}
}

// TestFreshCommit: a fresh build writes beside the site and swaps it in whole; files of the old site that the new
// one lacks are gone; Abort leaves the site as it was and nothing beside it.
func TestFreshCommit(t *testing.T) {
	p := paths(t)
	writeFresh(t, p, site{"index.html": "one", "old/index.html": "old"})
	writeFresh(t, p, site{"index.html": "two", "new/index.html": "new"})
	if d := sameSite(t, p.Out, site{"index.html": "two", "new/index.html": "new"}); len(d) > 0 {
		t.Error(d)
	}
	w, err := output.Fresh(p)
	if err != nil {
		t.Fatal(err)
	}
	w.Write("index.html", []byte("three"), 3)
	w.Abort()
	if d := sameSite(t, p.Out, site{"index.html": "two", "new/index.html": "new"}); len(d) > 0 {
		t.Error(d)
	}
	if leftovers := beside(t, p); len(leftovers) > 0 {
		t.Errorf("left beside the site: %v", leftovers)
	}
}

// beside lists what is next to the site other than the site, its lock and its index.
func beside(t *testing.T, p output.Paths) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Dir(p.Out))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if full := filepath.Join(filepath.Dir(p.Out), e.Name()); full != p.Out && full != p.LockFile && full != p.Index && full != p.State {
			out = append(out, e.Name())
		}
	}
	return out
}

// TestInPlace: an in-place build writes only the files whose checksum changed, carries kept files over, and
// removes at Commit the files of the last build it neither wrote nor kept, with the folders they leave empty.
func TestInPlace(t *testing.T) {
	p := paths(t)
	prev := writeFresh(t, p, site{"index.html": "home", "a/index.html": "a", "b/index.html": "b", "gone/deep/index.html": "gone", "same.css": "css"})
	before, _ := os.Stat(filepath.Join(p.Out, "same.css"))
	w, err := output.InPlace(p, prev)
	if err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(w.Write("index.html", []byte("home, edited"), incremental.Sum([]byte("home, edited"))))
	must(w.Write("same.css", []byte("css"), incremental.Sum([]byte("css"))))
	must(w.Write("c/index.html", []byte("c"), incremental.Sum([]byte("c"))))
	if !w.Keep("a/index.html") || w.Keep("nope.html") {
		t.Error("Keep")
	}
	if w.KeepIf("b/index.html", 12345) || !w.KeepIf("b/index.html", incremental.Sum([]byte("b"))) {
		t.Error("KeepIf")
	}
	if err := w.Write("index.html", []byte("twice"), 1); err == nil {
		t.Error("a file written twice")
	}
	// Nothing is visible before the commit.
	if d := sameSite(t, p.Out, site{"index.html": "home", "a/index.html": "a", "b/index.html": "b", "gone/deep/index.html": "gone", "same.css": "css"}); len(d) > 0 {
		t.Errorf("before commit: %v", d)
	}
	must(w.Commit(true))
	want := site{"index.html": "home, edited", "a/index.html": "a", "b/index.html": "b", "c/index.html": "c", "same.css": "css"}
	if d := sameSite(t, p.Out, want); len(d) > 0 {
		t.Error(d)
	}
	if _, err := os.Stat(filepath.Join(p.Out, "gone")); err == nil {
		t.Error("the emptied folder gone/ is still there")
	}
	if after, _ := os.Stat(filepath.Join(p.Out, "same.css")); !after.ModTime().Equal(before.ModTime()) {
		t.Error("an unchanged file was written again")
	}
	if w.Files != len(want) || len(w.Manifest()) != len(want) {
		t.Errorf("%d files, manifest %d, want %d", w.Files, len(w.Manifest()), len(want))
	}
	if leftovers := beside(t, p); len(leftovers) > 0 {
		t.Errorf("left beside the site: %v", leftovers)
	}
}

// TestRecover: what a killed build leaves is finished or undone — a committed journal is rolled forward (twice is
// harmless), staged files without a journal and an uncommitted journal are removed, and the folders of killed
// fresh builds (they hold the marker) are removed, but not a folder of that name without the marker.
func TestRecover(t *testing.T) {
	t.Run("journal rolled forward", func(t *testing.T) {
		p := paths(t)
		writeFresh(t, p, site{"index.html": "old", "a/index.html": "a", "gone/index.html": "gone"})
		sitetest.WriteTree(t, p.Staging, map[string]string{"0": "new", "1": "b"})
		journal := "D gone/index.html\nR 0\tindex.html\nR 1\tb/index.html\n"
		if err := os.WriteFile(p.Journal, []byte(journal), 0o644); err != nil {
			t.Fatal(err)
		}
		// A roll-forward killed after its first rename: the journal is still there, one staged file is gone.
		if err := os.Rename(filepath.Join(p.Staging, "0"), filepath.Join(p.Out, "index.html")); err != nil {
			t.Fatal(err)
		}
		if err := p.Recover(); err != nil {
			t.Fatal(err)
		}
		if d := sameSite(t, p.Out, site{"index.html": "new", "a/index.html": "a", "b/index.html": "b"}); len(d) > 0 {
			t.Error(d)
		}
		if leftovers := beside(t, p); len(leftovers) > 0 {
			t.Errorf("left beside the site: %v", leftovers)
		}
		if err := p.Recover(); err != nil {
			t.Errorf("a second Recover: %v", err)
		}
	})
	t.Run("a journal never leaves the site", func(t *testing.T) {
		p := paths(t)
		writeFresh(t, p, site{"index.html": "old"})
		os.MkdirAll(p.Staging, 0o755)
		outside := filepath.Join(filepath.Dir(p.Out), "victim.txt")
		os.WriteFile(outside, []byte("keep"), 0o644)
		os.WriteFile(p.Journal, []byte("D ../victim.txt\nD /etc/passwd\n"), 0o644)
		if err := p.Recover(); err != nil {
			t.Fatal(err)
		}
		if sitetest.ReadFile(t, outside) != "keep" {
			t.Error("a journal line removed a file outside the site")
		}
	})
	t.Run("staging without a journal", func(t *testing.T) {
		p := paths(t)
		writeFresh(t, p, site{"index.html": "old"})
		sitetest.WriteTree(t, p.Staging, map[string]string{"0": "new"})
		os.WriteFile(p.Journal+".tmp", []byte("R 0\tindex.html\n"), 0o644) // written, never renamed: not committed
		if err := p.Recover(); err != nil {
			t.Fatal(err)
		}
		if d := sameSite(t, p.Out, site{"index.html": "old"}); len(d) > 0 {
			t.Error(d)
		}
		if leftovers := beside(t, p); len(leftovers) > 0 {
			t.Errorf("left beside the site: %v", leftovers)
		}
	})
	t.Run("killed fresh builds, not foreign folders", func(t *testing.T) {
		p := paths(t)
		writeFresh(t, p, site{"index.html": "old"})
		w, err := output.Fresh(p) // a build killed before its swap: its folder holds the marker
		if err != nil {
			t.Fatal(err)
		}
		w.Write("index.html", []byte("new"), 1)
		dir := filepath.Dir(p.Out)
		foreign := filepath.Join(dir, "."+filepath.Base(p.Out)+".tmp-mine")
		sitetest.WriteTree(t, foreign, map[string]string{"precious.txt": "keep"})
		if err := p.Recover(); err != nil {
			t.Fatal(err)
		}
		left := beside(t, p)
		if len(left) != 1 || left[0] != filepath.Base(foreign) {
			t.Errorf("beside the site after Recover: %v, want only the foreign %s", left, filepath.Base(foreign))
		}
		if sitetest.ReadFile(t, filepath.Join(foreign, "precious.txt")) != "keep" {
			t.Error("the foreign folder changed")
		}
		if d := sameSite(t, p.Out, site{"index.html": "old"}); len(d) > 0 {
			t.Error(d)
		}
	})
}

// TestLock: the site's lock refuses a second holder at once, with ErrBusy, until the first lets go.
func TestLock(t *testing.T) {
	p := paths(t)
	unlock, err := p.Lock()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Lock(); !errors.Is(err, output.ErrBusy) {
		t.Errorf("a second holder: %v, want ErrBusy", err)
	}
	// Another process is refused too.
	if out, err := runChild(t, "lock", p.Out); err != nil || strings.TrimSpace(out) != "busy" {
		t.Errorf("another process: %q, %v", out, err)
	}
	unlock()
	again, err := p.Lock()
	if err != nil {
		t.Fatalf("after unlock: %v", err)
	}
	again()
	if out, err := runChild(t, "lock", p.Out); err != nil || strings.TrimSpace(out) != "locked" {
		t.Errorf("another process after unlock: %q, %v", out, err)
	}
}

func TestMain(m *testing.M) {
	if mode := os.Getenv(childEnv); mode != "" {
		os.Exit(child(mode, os.Getenv(childOut)))
	}
	os.Exit(m.Run())
}
