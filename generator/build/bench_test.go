package build_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"testing"

	"github.com/secondstory/secondstory/generator/build"
	"github.com/secondstory/secondstory/generator/internal/sitetest"
)

// BenchmarkBuild is a one-off full build of a generated corpus (1,000 postmortems; SECONDSTORY_BENCH_N sets
// another size), search index included.
func BenchmarkBuild(b *testing.B) {
	src := corpus(b)
	out := filepath.Join(b.TempDir(), "public")
	b.ResetTimer()
	for range b.N {
		if _, err := build.Build(build.Options{Source: src, Out: out, Force: true}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSession is the live preview's rebuild after one save, without the watcher's debounce: what a save costs
// between the file event and the reload, at the corpus size (SECONDSTORY_BENCH_N, default 1,000).
func BenchmarkSession(b *testing.B) {
	src := corpus(b)
	sess, err := build.NewSession(build.Options{Source: src, Out: filepath.Join(b.TempDir(), "public")})
	if err != nil {
		b.Fatal(err)
	}
	defer sess.Close()
	if _, err := sess.Build(); err != nil {
		b.Fatal(err)
	}
	target := firstIncident(b, src)
	rel, _ := filepath.Rel(src, target)
	orig, err := os.ReadFile(target)
	if err != nil {
		b.Fatal(err)
	}
	defer os.WriteFile(target, orig, 0o644)
	// SECONDSTORY_BENCH_PROFILE=file profiles the rebuilds alone, without the first build.
	if p := os.Getenv("SECONDSTORY_BENCH_PROFILE"); p != "" {
		f, err := os.Create(p)
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			b.Fatal(err)
		}
		defer pprof.StopCPUProfile()
	}
	edit := 0
	for _, c := range []struct {
		name string
		save func() []byte
	}{
		{"nothing", func() []byte { return nil }},
		{"body", func() []byte { return append(bytes.Clone(orig), fmt.Sprintf("\nEdit %d.\n", edit)...) }},
		{"title", func() []byte {
			return bytes.Replace(orig, []byte("\ntitle: "), []byte(fmt.Sprintf("\ntitle: Edit %d, ", edit)), 1)
		}},
		{"tag", func() []byte {
			return bytes.Replace(orig, []byte("\ntags: ["), []byte(fmt.Sprintf("\ntags: [edit-%d, ", edit%2)), 1)
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			rendered := 0
			for range b.N {
				edit++
				var changed []string
				if data := c.save(); data != nil {
					if err := os.WriteFile(target, data, 0o644); err != nil {
						b.Fatal(err)
					}
					changed = []string{filepath.ToSlash(rel)} // as the watcher reports it
				}
				res, err := sess.Build(changed...)
				if err != nil {
					b.Fatal(err)
				}
				rendered += res.Written
			}
			b.ReportMetric(float64(rendered)/float64(b.N), "pages/op")
		})
	}
}

// corpus generates SECONDSTORY_BENCH_N (default 1,000) postmortems once per benchmark run, in tmpfs.
func corpus(b *testing.B) string {
	b.Helper()
	n := 1000
	if s := os.Getenv("SECONDSTORY_BENCH_N"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	src := filepath.Join(sitetest.MemDir(b), "kb")
	cmd := exec.Command("go", "run", "./cmd/secondstory-gencorpus", "-n", strconv.Itoa(n), "-out", src)
	cmd.Dir = sitetest.Root()
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Skipf("cannot generate a corpus (%v): %s", err, out)
	}
	return src
}

func firstIncident(b *testing.B, src string) string {
	var found string
	_ = filepath.WalkDir(filepath.Join(src, "incidents"), func(p string, d os.DirEntry, err error) error {
		if err == nil && found == "" && !d.IsDir() && strings.HasSuffix(p, ".md") {
			found = p
		}
		return nil
	})
	if found == "" {
		b.Fatal("the corpus has no incidents")
	}
	return found
}
