package generator

import (
	"github.com/secondstory/secondstory/search"

	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"testing"
	"time"
)

// BenchmarkRebuild times the rebuilds an author and a CI job wait for, after one postmortem changed, on a
// generated corpus (1,000 postmortems; SECONDSTORY_BENCH_N=10000 for the large one):
//
//   - watch/body, watch/title: one Build of serve --watch (in-memory cache, site updated in place) after an edit
//     of the body text, or of the title (which every link label and list row shows);
//   - cold/one-file: a new `secondstory build` process after one file changed (build cache on disk only).
func BenchmarkRebuild(b *testing.B) {
	n := 1000
	if v, err := strconv.Atoi(os.Getenv("SECONDSTORY_BENCH_N")); err == nil && v > 0 {
		n = v
	}
	src := benchCorpus(b, n)
	target := firstMarkdown(b, filepath.Join(src, "incidents"))
	orig, err := os.ReadFile(target)
	if err != nil {
		b.Fatal(err)
	}
	defer os.WriteFile(target, orig, 0o644)
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	edit := 0
	save := func(title bool) {
		edit++
		var content []byte
		if title {
			content = bytes.Replace(orig, []byte("\ntitle: "), []byte(fmt.Sprintf("\ntitle: Edit %d, ", edit)), 1)
		} else {
			content = append(bytes.Clone(orig), fmt.Sprintf("\nEdit %d.\n", edit)...)
		}
		if err := os.WriteFile(target, content, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	var stages map[string]time.Duration // summed over the timed builds, reported per build
	build := func(opts Options) {
		opts.Source, opts.Now = src, now
		res, err := Build(opts)
		if err != nil {
			b.Fatal(err)
		}
		if stages != nil {
			for _, st := range res.Stages {
				stages[st.Name] += st.Duration
			}
		}
	}
	timed := func(b *testing.B, prepare func(), opts *Options) {
		stages = map[string]time.Duration{}
		// SECONDSTORY_BENCH_PROFILE=file profiles the timed rebuilds alone, without the initial full builds.
		if p := os.Getenv("SECONDSTORY_BENCH_PROFILE"); p != "" {
			f, err := os.Create(p)
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close()
			pprof.StartCPUProfile(f)
			defer pprof.StopCPUProfile()
		}
		// SECONDSTORY_BENCH_MEMPROFILE=prefix writes prefix.before and prefix.after: compare them with
		// go tool pprof -sample_index=alloc_space -base prefix.before prefix.after.
		if p := os.Getenv("SECONDSTORY_BENCH_MEMPROFILE"); p != "" {
			writeHeapProfile(b, p+".before")
			defer writeHeapProfile(b, p+".after")
		}
		for b.Loop() {
			b.StopTimer()
			prepare()
			b.StartTimer()
			build(*opts)
		}
		for name, d := range stages {
			b.ReportMetric(float64(d.Milliseconds())/float64(b.N), strings.ReplaceAll(name, " ", "-")+"-ms")
		}
		stages = nil
	}

	b.Run(fmt.Sprintf("n=%d/full", n), func(b *testing.B) {
		// A clean build: a new output folder every time, no saved state.
		dir := b.TempDir()
		opts := Options{}
		timed(b, func() {
			os.RemoveAll(dir)
			opts.Out = filepath.Join(dir, "public")
		}, &opts)
	})
	b.Run(fmt.Sprintf("n=%d/watch", n), func(b *testing.B) {
		out := filepath.Join(b.TempDir(), "public")
		cache := &MemCache{}
		build(Options{Out: out, Cache: cache, Force: true})
		// The preview holds the index open for writing, so each save's Sync goes through that handle.
		ix, err := search.OpenWritable(IndexDir(out))
		if err != nil {
			b.Fatal(err)
		}
		defer ix.Close()
		build(Options{Out: out, Cache: cache, Force: true}) // the second build is the first in place
		for _, kind := range []string{"body", "title"} {
			b.Run(kind, func(b *testing.B) {
				// The watcher's change set: the one file saved.
				changed := []string{filepath.ToSlash(strings.TrimPrefix(target, src+string(filepath.Separator)))}
				timed(b, func() { save(kind == "title") }, &Options{Out: out, Cache: cache, Force: true, Changed: changed})
			})
		}
	})
	b.Run(fmt.Sprintf("n=%d/cold/one-file", n), func(b *testing.B) {
		out := filepath.Join(b.TempDir(), "public")
		build(Options{Out: out})
		save(false)
		build(Options{Out: out}) // the first build from saved state records the page keys
		timed(b, func() { save(false) }, &Options{Out: out})
	})
}

func writeHeapProfile(b *testing.B, file string) {
	runtime.GC() // the profile shows allocations up to the last collection
	f, err := os.Create(file)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
		b.Fatal(err)
	}
}

// benchCorpus generates n postmortems with cmd/secondstory-gencorpus, once per process (the generator is
// deterministic, so runs are comparable).
func benchCorpus(b *testing.B, n int) string {
	b.Helper()
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("secondstory-bench-corpus-%d", n))
	if _, err := os.Stat(filepath.Join(dir, ".secondstory-corpus")); err == nil {
		return dir
	}
	cmd := exec.Command("go", "run", "./cmd/secondstory-gencorpus", "-n", strconv.Itoa(n), "-out", dir)
	cmd.Dir = ".."
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Skipf("cannot generate a corpus (%v): %s", err, out)
	}
	return dir
}

func firstMarkdown(b *testing.B, dir string) string {
	var found string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && found == "" && !d.IsDir() && strings.HasSuffix(p, ".md") {
			found = p
		}
		return nil
	})
	if found == "" {
		b.Fatal("no postmortem in ", dir)
	}
	return found
}
