package build_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/secondstory/secondstory/generator/build"
	"github.com/secondstory/secondstory/generator/diag"
	"github.com/secondstory/secondstory/generator/internal/sitetest"
)

// bounded runs fn and fails the test when it takes longer than limit (a read blocked on a FIFO) or when the heap
// grows past 1 GB (a read of /dev/zero): the watchdog panics, which ends the test binary with a message, rather than
// let the test take the machine's memory.
func bounded(t *testing.T, limit time.Duration, fifos []string, fn func()) {
	t.Helper()
	done := make(chan struct{})
	stop := make(chan struct{})
	go func() {
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				if ms.HeapAlloc > 1<<30 {
					panic(fmt.Sprintf("%s: the heap grew past 1 GB (%d MB): a file is read without bound", t.Name(), ms.HeapAlloc>>20))
				}
			}
		}
	}()
	go func() {
		defer close(done)
		fn()
	}()
	defer close(stop)
	select {
	case <-done:
	case <-time.After(limit):
		// Unblock a reader stuck in open(2) on a FIFO, so the goroutine ends.
		for _, f := range fifos {
			if w, err := os.OpenFile(f, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
				w.Close()
			}
		}
		t.Fatalf("still running after %s: a read blocks (a FIFO?)", limit)
	}
}

func mkfifo(t *testing.T, p string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(p, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
}

// TestNonRegularFiles: only regular files are read. A link to /dev/zero, a FIFO, a link inside the source to a FIFO,
// in static/, as a postmortem or as the configuration: each is reported at its path, and the build ends at once with
// little memory. (Before: a link to /dev/zero in static/ grew the build to 16.6 GB in 60 s; a FIFO blocked it.)
func TestNonRegularFiles(t *testing.T) {
	base := map[string]string{
		"incidents/x.md": "---\ntitle: X\ndate: 2024-01-01\n---\nBody.\n",
	}
	for _, c := range []struct {
		name  string
		setup func(t *testing.T, dir string) []string // returns the FIFOs made
		path  string                                  // where the finding is
		sev   diag.Severity
		text  string
	}{
		{"static link to /dev/zero", func(t *testing.T, dir string) []string {
			symlink(t, "/dev/zero", filepath.Join(dir, "static/zero"))
			return nil
		}, "static/zero", diag.Error, "outside the source folder"},
		{"static link to /dev/urandom", func(t *testing.T, dir string) []string {
			symlink(t, "/dev/urandom", filepath.Join(dir, "static/random.bin"))
			return nil
		}, "static/random.bin", diag.Error, "outside the source folder"},
		{"postmortem link to /dev/zero", func(t *testing.T, dir string) []string {
			symlink(t, "/dev/zero", filepath.Join(dir, "incidents/zero.md"))
			return nil
		}, "incidents/zero.md", diag.Error, "outside the source folder"},
		{"FIFO in static", func(t *testing.T, dir string) []string {
			p := filepath.Join(dir, "static/fifo")
			mkfifo(t, p)
			return []string{p}
		}, "static/fifo", diag.Warning, "not a regular file"},
		{"FIFO as a postmortem", func(t *testing.T, dir string) []string {
			p := filepath.Join(dir, "incidents/fifo.md")
			mkfifo(t, p)
			return []string{p}
		}, "incidents/fifo.md", diag.Warning, "not a regular file"},
		{"link inside the source to a FIFO", func(t *testing.T, dir string) []string {
			p := filepath.Join(dir, "pipes/fifo")
			mkfifo(t, p)
			symlink(t, "../pipes/fifo", filepath.Join(dir, "static/f.txt"))
			return []string{p}
		}, "static/f.txt", diag.Warning, "not a regular file"},
		{"FIFO as the configuration", func(t *testing.T, dir string) []string {
			p := filepath.Join(dir, "secondstory.yaml")
			mkfifo(t, p)
			return []string{p}
		}, "secondstory.yaml", diag.Error, "not a regular file"},
		{"configuration linked to /dev/zero", func(t *testing.T, dir string) []string {
			symlink(t, "/dev/zero", filepath.Join(dir, "secondstory.yaml"))
			return nil
		}, "secondstory.yaml", diag.Error, "outside the source folder"},
		{"theme file that is a FIFO", func(t *testing.T, dir string) []string {
			sitetest.WriteTree(t, dir, map[string]string{"secondstory.yaml": "theme: mytheme\n", "mytheme/static/ok.css": "body{}"})
			p := filepath.Join(dir, "mytheme/static/fifo.css")
			mkfifo(t, p)
			return []string{p}
		}, "", "", ""},
		{"theme file linked to /dev/zero", func(t *testing.T, dir string) []string {
			sitetest.WriteTree(t, dir, map[string]string{"secondstory.yaml": "theme: mytheme\n", "mytheme/static/ok.css": "body{}"})
			symlink(t, "/dev/zero", filepath.Join(dir, "mytheme/static/zero.css"))
			return nil
		}, "", "", ""},
		{"theme file linked to /etc/passwd", func(t *testing.T, dir string) []string {
			sitetest.WriteTree(t, dir, map[string]string{"secondstory.yaml": "theme: mytheme\n", "mytheme/static/ok.css": "body{}"})
			symlink(t, "/etc/passwd", filepath.Join(dir, "mytheme/static/passwd.css"))
			return nil
		}, "", "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := sitetest.MemDir(t)
			sitetest.WriteTree(t, dir, base)
			fifos := c.setup(t, dir)
			out := filepath.Join(sitetest.MemDir(t), "public")
			var res *build.Result
			var err error
			before := time.Now()
			bounded(t, 10*time.Second, fifos, func() {
				res, err = build.Build(build.Options{Source: dir, Out: out, Now: sitetest.Now})
			})
			took := time.Since(before)
			if took > 5*time.Second {
				t.Errorf("took %s", took)
			}
			if c.path == "" {
				// A theme's file that is not a regular file inside the theme is not published, and nothing blocks.
				var ee *diag.EnvError
				if !errors.As(err, &ee) || !strings.Contains(err.Error(), "theme: static/") {
					t.Fatalf("want an environment error naming the theme's file, got %v", err)
				}
				t.Log(err)
				if _, err := os.Stat(out); err == nil {
					t.Error("a site was written")
				}
				return
			}
			if res == nil {
				t.Fatalf("no result: %v", err)
			}
			var ce *diag.ContentError
			if c.sev == diag.Error && !errors.As(err, &ce) {
				t.Fatalf("want a content error, got %v", err)
			}
			if c.sev == diag.Warning && err != nil {
				t.Fatalf("want a build with a warning, got %v", err)
			}
			if !hasDiag(res.Diagnostics.Only(c.sev), c.path, c.text) {
				t.Errorf("no %s at %s saying %q in\n%s", c.sev, c.path, c.text, lines(res.Diagnostics))
			}
		})
	}
}

// TestFileSizeLimit: each file past max_file_mb is an error naming it — every one of them, in one build, static
// files as well as postmortems — and check reports them too, without reading them.
func TestFileSizeLimit(t *testing.T) {
	dir := sitetest.MemDir(t)
	big := strings.Repeat("x", 1<<20+1)
	sitetest.WriteTree(t, dir, map[string]string{
		"secondstory.yaml":             "max_file_mb: 1\n",
		"incidents/x.md":               "---\ntitle: X\ndate: 2024-01-01\n---\nBody.\n",
		"incidents/big.md":             "---\ntitle: Big\ndate: 2024-01-01\n---\n" + big,
		"static/big1.bin":              big,
		"static/sub/big2.bin":          big,
		"static/small.bin":             "small",
		"incidents/bundle/index.md":    "---\ntitle: Bundle\ndate: 2024-01-01\n---\n![](huge.png)\n",
		"incidents/bundle/huge.png":    big,
		"factors/big-factor.md":        "---\ntitle: Big factor\n---\n" + big,
		"incidents/exactly-the-max.md": "---\ntitle: Max\ndate: 2024-01-01\n---\n" + strings.Repeat("y", 1<<20-44),
	})
	want := []string{"incidents/big.md", "static/big1.bin", "static/sub/big2.bin", "incidents/bundle/huge.png", "factors/big-factor.md"}
	for _, mode := range []string{"build", "check"} {
		var res *build.Result
		var err error
		if mode == "build" {
			res, err = build.Build(build.Options{Source: dir, Out: filepath.Join(sitetest.MemDir(t), "public"), Now: sitetest.Now})
		} else {
			res, err = build.Check(build.Options{Source: dir, Now: sitetest.Now})
		}
		var ce *diag.ContentError
		if !errors.As(err, &ce) || res == nil {
			t.Fatalf("%s: want a content error, got %v", mode, err)
		}
		errs := res.Diagnostics.Only(diag.Error)
		for _, p := range want {
			if !hasDiag(errs, p, "max_file_mb") {
				t.Errorf("%s: no size error at %s in\n%s", mode, p, lines(errs))
			}
		}
		if len(errs) != len(want) {
			t.Errorf("%s: %d errors, want %d:\n%s", mode, len(errs), len(want), lines(errs))
		}
	}
}
