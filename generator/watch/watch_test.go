package watch_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/secondstory/secondstory/generator/watch"
)

// watchRun is a Watcher running in the background of a test, its change sets delivered on a channel.
type watchRun struct {
	t       *testing.T
	root    string
	w       *watch.Watcher
	batches chan watch.Batch
	onBatch func(watch.Batch) // runs in Run's callback, where Watch may be called
}

// start watches root until the test ends. The tests that pin exact change sets use a longer quiet period than
// the default, so that a descheduled test goroutine between two steps of one save cannot split it.
func start(t *testing.T, opts watch.Options) *watchRun {
	t.Helper()
	w, err := watch.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	r := &watchRun{t: t, root: opts.Root, w: w, batches: make(chan watch.Batch, 1000)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		done <- w.Run(ctx, func(b watch.Batch) {
			if r.onBatch != nil {
				r.onBatch(b)
			}
			r.batches <- b
		})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	return r
}

// next waits for the next change set, with a generous deadline for slow machines.
func (r *watchRun) next() watch.Batch {
	r.t.Helper()
	select {
	case b := <-r.batches:
		return b
	case <-time.After(20 * time.Second):
		r.t.Fatal("no change set within 20 s")
		return watch.Batch{}
	}
}

// expect waits for the next change set and checks that it is exactly changed.
func (r *watchRun) expect(changed ...string) watch.Batch {
	r.t.Helper()
	b := r.next()
	if !reflect.DeepEqual(b.Changed, changed) || b.All || b.Gone || len(b.Problems) > 0 {
		r.t.Errorf("change set %q (all %v, gone %v, problems %v), want %q", b.Changed, b.All, b.Gone, b.Problems, changed)
	}
	return b
}

func (r *watchRun) write(rel, content string) {
	r.t.Helper()
	p := filepath.Join(r.root, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		r.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		r.t.Fatal(err)
	}
}

func (r *watchRun) rename(from, to string) {
	r.t.Helper()
	if err := os.Rename(filepath.Join(r.root, from), filepath.Join(r.root, to)); err != nil {
		r.t.Fatal(err)
	}
}

func (r *watchRun) remove(rel string) {
	r.t.Helper()
	if err := os.RemoveAll(filepath.Join(r.root, rel)); err != nil {
		r.t.Fatal(err)
	}
}

// newKB writes a small knowledge base whose output folder lies inside it, as with the defaults (--source .
// --out public): the watcher must ignore what the build writes.
func newKB(t *testing.T) (src, out string) {
	t.Helper()
	src = t.TempDir()
	for rel, content := range map[string]string{
		"secondstory.yaml":   "title: Watch Library\n",
		"incidents/alpha.md": "alpha",
		"incidents/beta.md":  "beta",
		"public/index.html":  "site",
	} {
		p := filepath.Join(src, rel)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return src, filepath.Join(src, "public")
}

// TestSaveShapes saves in every way editors and tools do and checks that each one is exactly one change set
// naming the right files.
func TestSaveShapes(t *testing.T) {
	src, out := newKB(t)
	r := start(t, watch.Options{Root: src, Exclude: []string{out, out + ".bleve"}, Debounce: 300 * time.Millisecond})
	steps := []struct {
		name string
		do   func()
		want []string
	}{
		{"in-place write", func() { r.write("incidents/alpha.md", "alpha 2") }, []string{"incidents/alpha.md"}},
		{"temp file renamed over the target (sed -i, vim backupcopy=no)", func() {
			r.write("incidents/sedX1b2c3", "alpha 3")
			r.rename("incidents/sedX1b2c3", "incidents/alpha.md")
		}, []string{"incidents/alpha.md"}}, // the temporary file came and went: not a change
		{"vim writebackup", func() {
			r.write("incidents/.alpha.md.swp", "swap")
			r.write("incidents/4913", "")
			r.remove("incidents/4913")
			r.rename("incidents/alpha.md", "incidents/alpha.md~")
			r.write("incidents/alpha.md", "alpha 4")
			r.remove("incidents/alpha.md~")
			r.remove("incidents/.alpha.md.swp")
		}, []string{"incidents/alpha.md"}},
		{"JetBrains safe write (no WRITE on the target)", func() {
			r.write("incidents/alpha.md___jb_tmp___", "alpha 5")
			r.rename("incidents/alpha.md", "incidents/alpha.md___jb_old___")
			r.rename("incidents/alpha.md___jb_tmp___", "incidents/alpha.md")
			r.remove("incidents/alpha.md___jb_old___")
		}, []string{"incidents/alpha.md"}},
		{"emacs", func() {
			os.Symlink("user@host.1234", filepath.Join(src, "incidents/.#alpha.md"))
			r.write("incidents/#alpha.md#", "autosave")
			r.write("incidents/alpha.md", "alpha 6")
			r.remove("incidents/#alpha.md#")
			r.remove("incidents/.#alpha.md")
		}, []string{"incidents/alpha.md"}},
		{"delete", func() { r.remove("incidents/beta.md") }, []string{"incidents/beta.md"}},
		{"rename", func() { r.rename("incidents/alpha.md", "incidents/gamma.md") }, []string{"incidents/alpha.md", "incidents/gamma.md"}},
		{"new file in a new nested folder", func() { r.write("incidents/2025/q1/epsilon.md", "epsilon") }, []string{"incidents/2025/q1/epsilon.md"}},
		{"a save in the new folder (it is watched now)", func() { r.write("incidents/2025/q1/epsilon.md", "epsilon 2") }, []string{"incidents/2025/q1/epsilon.md"}},
		{"a bundle folder moved in whole", func() {
			dir := filepath.Join(t.TempDir(), "zeta")
			os.MkdirAll(dir, 0o755)
			os.WriteFile(filepath.Join(dir, "index.md"), []byte("zeta"), 0o644)
			os.WriteFile(filepath.Join(dir, "diagram.svg"), []byte("<svg>one</svg>"), 0o644)
			if err := os.Rename(dir, filepath.Join(src, "incidents/zeta")); err != nil {
				t.Fatal(err)
			}
		}, []string{"incidents/zeta/diagram.svg", "incidents/zeta/index.md"}},
		{"an image changed", func() { r.write("incidents/zeta/diagram.svg", "<svg>two</svg>") }, []string{"incidents/zeta/diagram.svg"}},
		{"the bundle folder renamed", func() { r.rename("incidents/zeta", "incidents/eta") }, []string{"incidents/eta/diagram.svg", "incidents/eta/index.md", "incidents/zeta"}},
		{"a save in the renamed folder", func() { r.write("incidents/eta/diagram.svg", "<svg>three</svg>") }, []string{"incidents/eta/diagram.svg"}},
		{"ignored paths, then a sentinel", func() {
			r.write(".git/index", "x")
			r.write("incidents/.hidden/x.md", "hidden")
			r.write("node_modules/x/readme.md", "x")
			r.write("public/stray.html", "written into the output folder")
			r.write("incidents/notes.md.swx", "x")
			r.write("incidents/gamma.md", "gamma, sentinel")
		}, []string{"incidents/gamma.md"}},
		{"config", func() { r.write("secondstory.yaml", "title: Renamed\n") }, []string{"secondstory.yaml"}},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			r.t = t
			s.do()
			r.expect(s.want...)
		})
	}
}

// TestExtraFolder follows a folder outside the root (a custom theme elsewhere), by its absolute paths, until it
// is replaced.
func TestExtraFolder(t *testing.T) {
	src, out := newKB(t)
	theme := filepath.Join(t.TempDir(), "theme")
	os.MkdirAll(filepath.Join(theme, "static"), 0o755)
	os.WriteFile(filepath.Join(theme, "static/extra.css"), []byte("a"), 0o644)
	r := start(t, watch.Options{Root: src, Exclude: []string{out}, Debounce: 300 * time.Millisecond})
	watched := make(chan []string, 1)
	r.onBatch = func(watch.Batch) { // as serve --watch does after a build that read the config
		dirs := <-watched
		r.w.Watch(dirs...)
	}
	watched <- []string{theme}
	r.write("secondstory.yaml", "theme: "+theme+"\n")
	r.expect("secondstory.yaml")
	extra := filepath.ToSlash(filepath.Join(theme, "static/extra.css"))
	os.WriteFile(filepath.Join(theme, "static/extra.css"), []byte("b"), 0o644)
	watched <- []string{theme}
	r.expect(extra)

	// Switching the theme off stops watching it: the next change set is the sentinel's alone.
	watched <- nil
	r.write("secondstory.yaml", "title: T\n")
	r.expect("secondstory.yaml")
	os.WriteFile(filepath.Join(theme, "static/extra.css"), []byte("c"), 0o644)
	watched <- nil
	r.write("incidents/alpha.md", "sentinel")
	r.expect("incidents/alpha.md")
}

// TestRootGoneAndBack: the root moved away is a change set saying so; back again, everything may have changed.
func TestRootGoneAndBack(t *testing.T) {
	parent := t.TempDir()
	src := filepath.Join(parent, "kb")
	os.MkdirAll(filepath.Join(src, "incidents"), 0o755)
	r := start(t, watch.Options{Root: src, Debounce: 100 * time.Millisecond, Poll: 50 * time.Millisecond})
	if err := os.Rename(src, filepath.Join(parent, "away")); err != nil {
		t.Fatal(err)
	}
	if b := r.next(); !b.Gone {
		t.Errorf("root moved away: %+v", b)
	}
	if err := os.Rename(filepath.Join(parent, "away"), src); err != nil {
		t.Fatal(err)
	}
	if b := r.next(); !b.All || b.Gone {
		t.Errorf("root back: %+v", b)
	}
	r.write("incidents/x.md", "x") // watched again
	r.expect("incidents/x.md")
}

// TestDebounce writes 50 files as fast as it can (a `git checkout`): far fewer change sets than writes, and every
// file is in one of them.
func TestDebounce(t *testing.T) {
	src, out := newKB(t)
	r := start(t, watch.Options{Root: src, Exclude: []string{out}}) // the default quiet period
	const n = 50
	for i := range n {
		r.write(fmt.Sprintf("incidents/bulk/b%02d.md", i), "bulk")
	}
	seen := map[string]bool{}
	batches := 0
	for len(seen) < n {
		b := r.next()
		batches++
		for _, c := range b.Changed {
			seen[c] = true
		}
	}
	t.Logf("%d writes, %d change sets", n, batches)
	if batches > 5 {
		t.Errorf("%d writes made %d change sets; debouncing should make one or a few", n, batches)
	}
}

func TestIgnoredName(t *testing.T) {
	for name, want := range map[string]bool{
		"alpha.md": false, "diagram.svg": false, "secondstory.yaml": false, "index.md": false,
		"alpha.md~": true, ".alpha.md.swp": true, ".alpha.md.swx": true, "4913": true,
		"alpha.md___jb_tmp___": true, "alpha.md___jb_old___": true, ".#alpha.md": true, "#alpha.md#": true,
		".goutputstream-X1Y2Z3": true, ".DS_Store": true,
	} {
		if got := watch.IgnoredName(name); got != want {
			t.Errorf("IgnoredName(%q) = %v, want %v", name, got, want)
		}
	}
}
