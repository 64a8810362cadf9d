package generator

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// watchRun is a Watcher running in the background of a test, its rebuilds delivered on a channel.
type watchRun struct {
	t        *testing.T
	src, out string
	builds   chan Rebuild
}

// startWatch runs a watcher on src (output in out) until the test ends, and waits for the initial build. The
// tests that pin exact change sets use a longer quiet period than the default, so that a descheduled test
// goroutine between two steps of one save cannot split it.
func startWatch(t *testing.T, src, out string, wo WatchOptions) *watchRun {
	t.Helper()
	w, err := NewWatcher(Options{Source: src, Out: out}, wo)
	if err != nil {
		t.Fatal(err)
	}
	r := &watchRun{t: t, src: src, out: out, builds: make(chan Rebuild, 1000)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- w.Run(ctx, func(rb Rebuild) { r.builds <- rb }) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	if rb := r.next(); !rb.Initial || !rb.OK() {
		t.Fatalf("initial build: %+v", rb)
	}
	return r
}

// next waits for the next rebuild, with a generous deadline for slow machines.
func (r *watchRun) next() Rebuild {
	r.t.Helper()
	select {
	case rb := <-r.builds:
		return rb
	case <-time.After(30 * time.Second):
		r.t.Fatal("no rebuild within 30s")
		return Rebuild{}
	}
}

// expect waits for the next rebuild and checks that exactly the paths in changed caused it.
func (r *watchRun) expect(ok bool, changed ...string) Rebuild {
	r.t.Helper()
	rb := r.next()
	if rb.OK() != ok {
		r.t.Errorf("rebuild ok = %v, want %v (err: %v)", rb.OK(), ok, rb.Err)
	}
	if !reflect.DeepEqual(rb.Changed, changed) {
		r.t.Errorf("changed %q, want %q", rb.Changed, changed)
	}
	return rb
}

func (r *watchRun) write(rel, content string) {
	r.t.Helper()
	p := filepath.Join(r.src, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		r.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		r.t.Fatal(err)
	}
}

func (r *watchRun) rename(from, to string) {
	r.t.Helper()
	if err := os.Rename(filepath.Join(r.src, from), filepath.Join(r.src, to)); err != nil {
		r.t.Fatal(err)
	}
}

func (r *watchRun) remove(rel string) {
	r.t.Helper()
	if err := os.RemoveAll(filepath.Join(r.src, rel)); err != nil {
		r.t.Fatal(err)
	}
}

// page returns a file of the served site, "" when it does not exist.
func (r *watchRun) page(rel string) string {
	data, err := os.ReadFile(filepath.Join(r.out, filepath.FromSlash(rel)))
	if err != nil {
		return ""
	}
	return string(data)
}

func incident(title string, extra ...string) string {
	return "---\ntitle: " + title + "\ndate: 2024-03-05\nseverity: SEV2\n" + strings.Join(extra, "\n") + "\n---\nWhat happened, and why it made sense at the time.\n"
}

// newWatchKB writes a small knowledge base; the output folder lies inside it, as with the defaults (--source .
// --out public), so the watcher must ignore what the build itself writes.
func newWatchKB(t *testing.T) (src, out string) {
	t.Helper()
	src = t.TempDir()
	for rel, content := range map[string]string{
		"secondstory.yaml":   "title: Watch Library\n",
		"incidents/alpha.md": incident("Alpha outage"),
		"incidents/beta.md":  incident("Beta outage"),
	} {
		p := filepath.Join(src, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return src, filepath.Join(src, "public")
}

// TestWatchSaveShapes saves in every way editors and tools do and checks that each one is exactly one rebuild
// caused by the right file, with the site on disk following.
func TestWatchSaveShapes(t *testing.T) {
	src, out := newWatchKB(t)
	r := startWatch(t, src, out, WatchOptions{Debounce: 300 * time.Millisecond})
	if !strings.Contains(r.page("incidents/alpha/index.html"), "Alpha outage") {
		t.Fatal("initial site lacks the alpha page")
	}

	t.Run("in-place write", func(t *testing.T) {
		r.t = t
		r.write("incidents/alpha.md", incident("Alpha, written in place"))
		r.expect(true, "incidents/alpha.md")
		if !strings.Contains(r.page("incidents/alpha/index.html"), "Alpha, written in place") {
			t.Error("page not updated")
		}
	})
	t.Run("temp file renamed over the target (sed -i, vim backupcopy=no)", func(t *testing.T) {
		r.t = t
		r.write("incidents/sedX1b2c3", incident("Alpha, renamed over"))
		r.rename("incidents/sedX1b2c3", "incidents/alpha.md")
		r.expect(true, "incidents/alpha.md") // the temporary file came and went: not a change
		if !strings.Contains(r.page("incidents/alpha/index.html"), "Alpha, renamed over") {
			t.Error("page not updated")
		}
	})
	t.Run("vim writebackup", func(t *testing.T) {
		r.t = t
		r.write("incidents/.alpha.md.swp", "swap")
		r.write("incidents/4913", "")
		r.remove("incidents/4913")
		r.rename("incidents/alpha.md", "incidents/alpha.md~")
		r.write("incidents/alpha.md", incident("Alpha, by vim"))
		r.remove("incidents/alpha.md~")
		r.remove("incidents/.alpha.md.swp")
		r.expect(true, "incidents/alpha.md")
		if !strings.Contains(r.page("incidents/alpha/index.html"), "Alpha, by vim") {
			t.Error("page not updated")
		}
	})
	t.Run("JetBrains safe write (no WRITE on the target)", func(t *testing.T) {
		r.t = t
		r.write("incidents/alpha.md___jb_tmp___", incident("Alpha, by GoLand"))
		r.rename("incidents/alpha.md", "incidents/alpha.md___jb_old___")
		r.rename("incidents/alpha.md___jb_tmp___", "incidents/alpha.md")
		r.remove("incidents/alpha.md___jb_old___")
		r.expect(true, "incidents/alpha.md")
		if !strings.Contains(r.page("incidents/alpha/index.html"), "Alpha, by GoLand") {
			t.Error("page not updated")
		}
	})
	t.Run("emacs", func(t *testing.T) {
		r.t = t
		if err := os.Symlink("user@host.1234", filepath.Join(src, "incidents/.#alpha.md")); err != nil {
			t.Fatal(err)
		}
		r.write("incidents/#alpha.md#", "autosave")
		r.write("incidents/alpha.md", incident("Alpha, by emacs"))
		r.remove("incidents/#alpha.md#")
		r.remove("incidents/.#alpha.md")
		r.expect(true, "incidents/alpha.md")
	})
	t.Run("delete", func(t *testing.T) {
		r.t = t
		r.remove("incidents/beta.md")
		r.expect(true, "incidents/beta.md")
		if r.page("incidents/beta/index.html") != "" {
			t.Error("deleted incident still has a page")
		}
	})
	t.Run("rename to a new slug", func(t *testing.T) {
		r.t = t
		r.rename("incidents/alpha.md", "incidents/gamma.md")
		rb := r.expect(true, "incidents/alpha.md", "incidents/gamma.md")
		if want := map[string]string{"incidents/alpha/": "incidents/gamma/"}; !reflect.DeepEqual(rb.Moved, want) {
			t.Errorf("moved %v, want %v", rb.Moved, want)
		}
		if r.page("incidents/alpha/index.html") != "" || r.page("incidents/gamma/index.html") == "" {
			t.Error("the site did not follow the rename")
		}
	})
	t.Run("slug changed in the frontmatter", func(t *testing.T) {
		r.t = t
		r.write("incidents/gamma.md", incident("Gamma", "slug: delta"))
		rb := r.expect(true, "incidents/gamma.md")
		if want := map[string]string{"incidents/gamma/": "incidents/delta/"}; !reflect.DeepEqual(rb.Moved, want) {
			t.Errorf("moved %v, want %v", rb.Moved, want)
		}
	})
	t.Run("new file in a new nested folder", func(t *testing.T) {
		r.t = t
		r.write("incidents/2025/q1/epsilon.md", incident("Epsilon")) // mkdir -p, then the file at once
		r.expect(true, "incidents/2025/q1/epsilon.md")
		if r.page("incidents/epsilon/index.html") == "" {
			t.Fatal("no page for the new file")
		}
		// The new folders are watched now.
		r.write("incidents/2025/q1/epsilon.md", incident("Epsilon, again"))
		r.expect(true, "incidents/2025/q1/epsilon.md")
		if !strings.Contains(r.page("incidents/epsilon/index.html"), "Epsilon, again") {
			t.Error("a save in the new folder was not picked up")
		}
	})
	t.Run("new bundle folder with an image", func(t *testing.T) {
		r.t = t
		dir := filepath.Join(t.TempDir(), "zeta")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, "index.md"), []byte(incident("Zeta")+"\n![topology](diagram.svg)\n"), 0o644)
		os.WriteFile(filepath.Join(dir, "diagram.svg"), []byte("<svg>one</svg>"), 0o644)
		if err := os.Rename(dir, filepath.Join(src, "incidents/zeta")); err != nil { // the folder arrives whole
			t.Fatal(err)
		}
		r.expect(true, "incidents/zeta/diagram.svg", "incidents/zeta/index.md")
		if r.page("incidents/zeta/diagram.svg") != "<svg>one</svg>" {
			t.Error("bundle image not copied")
		}
	})
	t.Run("image change", func(t *testing.T) {
		r.t = t
		r.write("incidents/zeta/diagram.svg", "<svg>two</svg>")
		r.expect(true, "incidents/zeta/diagram.svg")
		if r.page("incidents/zeta/diagram.svg") != "<svg>two</svg>" {
			t.Error("changed image not copied")
		}
	})
	t.Run("bundle folder renamed", func(t *testing.T) {
		r.t = t
		r.rename("incidents/zeta", "incidents/eta")
		rb := r.expect(true, "incidents/eta/diagram.svg", "incidents/eta/index.md", "incidents/zeta")
		if want := map[string]string{"incidents/zeta/": "incidents/eta/"}; !reflect.DeepEqual(rb.Moved, want) {
			t.Errorf("moved %v, want %v", rb.Moved, want)
		}
		r.write("incidents/eta/diagram.svg", "<svg>three</svg>") // the moved folder is still watched, by its new name
		r.expect(true, "incidents/eta/diagram.svg")
		if r.page("incidents/eta/diagram.svg") != "<svg>three</svg>" {
			t.Error("image in the moved bundle not updated")
		}
	})
	t.Run("broken, then fixed", func(t *testing.T) {
		r.t = t
		r.write("incidents/gamma.md", "---\ntitle: [unclosed\ndate: 2024-03-05\n---\nbody\n")
		rb := r.expect(false, "incidents/gamma.md")
		var ce *ContentError
		if !errors.As(rb.Err, &ce) || !strings.Contains(ce.Error(), "incidents/gamma.md:") {
			t.Errorf("error %v, want a positioned content error", rb.Err)
		}
		if !strings.Contains(r.page("incidents/delta/index.html"), "Gamma") {
			t.Error("the last good site is gone")
		}
		r.write("incidents/gamma.md", incident("Gamma, fixed", "slug: delta"))
		r.expect(true, "incidents/gamma.md")
		if !strings.Contains(r.page("incidents/delta/index.html"), "Gamma, fixed") {
			t.Error("fixed page not served")
		}
	})
	t.Run("ignored paths", func(t *testing.T) {
		r.t = t
		r.write(".git/index", "x")
		r.write("incidents/.hidden/x.md", incident("Hidden"))
		r.write("templates/postmortem.md", "template")
		r.write("public/stray.html", "written into the output folder")
		r.write("incidents/notes.md.swx", "x")
		// Whatever the above did, the next rebuild is caused by this save alone.
		r.write("incidents/gamma.md", incident("Gamma, sentinel", "slug: delta"))
		r.expect(true, "incidents/gamma.md")
	})
	t.Run("config", func(t *testing.T) {
		r.t = t
		r.write("secondstory.yaml", "title: Renamed Library\n")
		r.expect(true, "secondstory.yaml")
		if !strings.Contains(r.page("index.html"), "Renamed Library") {
			t.Error("config change not built")
		}
	})
}

// TestWatchTheme follows a custom theme folder outside the source, named by the config.
func TestWatchTheme(t *testing.T) {
	src, out := newWatchKB(t)
	theme := filepath.Join(t.TempDir(), "theme")
	if err := os.MkdirAll(filepath.Join(theme, "static"), 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(theme, "static/extra.css"), []byte("body{color:red}"), 0o644)
	os.WriteFile(filepath.Join(src, "secondstory.yaml"), []byte("title: T\ntheme: "+theme+"\n"), 0o644)
	r := startWatch(t, src, out, WatchOptions{Debounce: 300 * time.Millisecond})
	os.WriteFile(filepath.Join(theme, "static/extra.css"), []byte("body{color:blue}"), 0o644)
	rel, _ := filepath.Rel(src, filepath.Join(theme, "static/extra.css"))
	r.expect(true, filepath.ToSlash(rel))
	if got := r.page("assets/extra.css"); got != "body{color:blue}" {
		t.Errorf("theme asset %q", got)
	}
	// Switching the theme off stops watching it: the next rebuild is caused by the sentinel alone.
	r.write("secondstory.yaml", "title: T\n")
	r.expect(true, "secondstory.yaml")
	os.WriteFile(filepath.Join(theme, "static/extra.css"), []byte("body{color:green}"), 0o644)
	r.write("incidents/alpha.md", incident("Alpha, sentinel"))
	r.expect(true, "incidents/alpha.md")
}

// TestWatchDebounce writes 50 files as fast as it can (a `git checkout`): far fewer rebuilds than writes, and
// every file is in one of the change sets.
func TestWatchDebounce(t *testing.T) {
	src, out := newWatchKB(t)
	r := startWatch(t, src, out, WatchOptions{}) // the default quiet period
	const n = 50
	for i := range n {
		r.write(fmt.Sprintf("incidents/bulk/b%02d.md", i), incident(fmt.Sprintf("Bulk %d", i)))
	}
	seen := map[string]bool{}
	rebuilds := 0
	for len(seen) < n {
		rb := r.next()
		rebuilds++
		if !rb.OK() {
			t.Fatalf("rebuild failed: %v", rb.Err)
		}
		for _, c := range rb.Changed {
			seen[c] = true
		}
	}
	t.Logf("%d writes, %d rebuilds", n, rebuilds)
	if rebuilds > 5 {
		t.Errorf("%d writes made %d rebuilds; debouncing should make one or a few", n, rebuilds)
	}
	if r.page("incidents/b49/index.html") == "" {
		t.Error("last bulk file has no page")
	}
}

func TestIgnoredName(t *testing.T) {
	for name, want := range map[string]bool{
		"alpha.md": false, "diagram.svg": false, "secondstory.yaml": false, "index.md": false,
		"alpha.md~": true, ".alpha.md.swp": true, ".alpha.md.swx": true, "4913": true,
		"alpha.md___jb_tmp___": true, "alpha.md___jb_old___": true, ".#alpha.md": true, "#alpha.md#": true,
		".goutputstream-X1Y2Z3": true, ".DS_Store": true,
	} {
		if got := ignoredName(name); got != want {
			t.Errorf("ignoredName(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestMovedPages(t *testing.T) {
	pm := func(src, slug, title string) *Postmortem { return &Postmortem{Source: src, Slug: slug, Title: title} }
	site := func(ps ...*Postmortem) *Site {
		s := &Site{Incidents: ps, bySlug: map[string]*Postmortem{}}
		for _, p := range ps {
			s.bySlug[p.Slug] = p
		}
		return s
	}
	for _, tc := range []struct {
		name     string
		old, new *Site
		want     map[string]string
	}{
		{"unchanged", site(pm("a.md", "a", "A")), site(pm("a.md", "a", "A")), nil},
		{"slug changed", site(pm("a.md", "a", "A")), site(pm("a.md", "b", "A")), map[string]string{"incidents/a/": "incidents/b/"}},
		{"file renamed", site(pm("a.md", "a", "A"), pm("c.md", "c", "C")), site(pm("b.md", "b", "A2"), pm("c.md", "c", "C")),
			map[string]string{"incidents/a/": "incidents/b/"}},
		{"two renamed, paired by title", site(pm("a.md", "a", "A"), pm("c.md", "c", "C")), site(pm("d.md", "d", "C"), pm("b.md", "b", "A")),
			map[string]string{"incidents/a/": "incidents/b/", "incidents/c/": "incidents/d/"}},
		{"deleted", site(pm("a.md", "a", "A"), pm("c.md", "c", "C")), site(pm("c.md", "c", "C")), nil},
		{"slug taken over by another file", site(pm("a.md", "a", "A"), pm("b.md", "b", "B")), site(pm("a.md", "x", "A"), pm("b.md", "a", "B")),
			map[string]string{"incidents/b/": "incidents/a/"}},
	} {
		if got := MovedPages(tc.old, tc.new); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestWatchSpeculative: a rebuild runs once the sources are quiet for Speculate, but the site changes and the
// rebuild is reported only once they are quiet for Debounce; a change in between abandons it, and its change set
// joins the next, which then waits for the whole quiet period.
func TestWatchSpeculative(t *testing.T) {
	src, out := newWatchKB(t)
	const debounce = 600 * time.Millisecond
	r := startWatch(t, src, out, WatchOptions{Debounce: debounce, Speculate: 20 * time.Millisecond})

	saved := time.Now()
	r.write("incidents/alpha.md", incident("Alpha, first edit"))
	time.Sleep(debounce / 2)
	page := r.page("incidents/alpha/index.html")
	if time.Since(saved) < debounce-100*time.Millisecond && strings.Contains(page, "first edit") {
		t.Error("the site changed before the quiet period was over")
	}
	rb := r.expect(true, "incidents/alpha.md")
	if !rb.Speculative {
		t.Error("a lone save was not built speculatively")
	}
	if took := time.Since(saved); took < debounce {
		t.Errorf("reported %v after the save, before the quiet period (%v) was over", took, debounce)
	}
	if !strings.Contains(r.page("incidents/alpha/index.html"), "first edit") {
		t.Error("the speculative build was not swapped in")
	}

	// The second save comes after the first's speculative build started (Speculate) and before it may commit.
	r.write("incidents/alpha.md", incident("Alpha, second edit"))
	time.Sleep(debounce / 3)
	r.write("incidents/beta.md", incident("Beta, second edit"))
	rb = r.expect(true, "incidents/alpha.md", "incidents/beta.md")
	if rb.Speculative {
		t.Error("the build after an abandoned one was speculative too")
	}
	if !strings.Contains(r.page("incidents/alpha/index.html"), "second edit") || !strings.Contains(r.page("incidents/beta/index.html"), "second edit") {
		t.Error("the site does not show both saves")
	}
	select {
	case rb := <-r.builds:
		t.Errorf("another rebuild was reported: %+v", rb.Changed)
	case <-time.After(debounce):
	}

	// Once a build is swapped in, saves are built speculatively again, and a save that pauses as the abandoned one
	// did is waited for: it is not abandoned again.
	r.write("incidents/alpha.md", incident("Alpha, third edit"))
	time.Sleep(debounce / 3)
	r.write("incidents/beta.md", incident("Beta, third edit"))
	if rb := r.expect(true, "incidents/alpha.md", "incidents/beta.md"); !rb.Speculative {
		t.Error("the same pause within a save abandoned the speculative build again")
	}
}
