// Command secondstory-bench is `make bench`: for each corpus size it generates a corpus (secondstory-gencorpus),
// builds it with a fresh `secondstory build` process three times (full, nothing changed, one file changed), queries
// the search index it built, and prints the figures as one table.
//
//	go run ./cmd/secondstory-bench -bin bin/secondstory -gencorpus bin/secondstory-gencorpus -n 1000,10000
//
// Builds run as separate processes so that wall time, CPU time and peak memory are the process's own, as a CI job
// sees them. Per-stage times come from `build --timings`.
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/secondstory/secondstory/generator/output"
	"github.com/secondstory/secondstory/search"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

type config struct {
	bin, gencorpus, dir, table string
	sizes                      []int
	queries                    int
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("secondstory-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg config
	fs.StringVar(&cfg.bin, "bin", "bin/secondstory", "the secondstory binary to measure")
	fs.StringVar(&cfg.gencorpus, "gencorpus", "bin/secondstory-gencorpus", "the corpus generator binary")
	fs.StringVar(&cfg.dir, "dir", filepath.Join(os.TempDir(), "secondstory-bench"), "folder for the corpora and sites")
	sizes := fs.String("n", "1000,10000", "corpus sizes, comma-separated")
	fs.StringVar(&cfg.table, "table", "", "also write the table to this file")
	fs.IntVar(&cfg.queries, "queries", 400, "searches timed per corpus (p50/p99)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	for _, f := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			fmt.Fprintf(stderr, "secondstory-bench: -n: %q is not a positive number\n", f)
			return 2
		}
		cfg.sizes = append(cfg.sizes, n)
	}
	var results []*corpusResult
	var aside []string
	// The previous run's sites are removed only once every figure is taken (see setAside).
	defer func() {
		for _, p := range aside {
			os.RemoveAll(p)
		}
	}()
	for _, n := range cfg.sizes {
		r, err := benchCorpus(cfg, n, &aside, stderr)
		if err != nil {
			fmt.Fprintln(stderr, "secondstory-bench:", err)
			return 1
		}
		results = append(results, r)
	}
	var table strings.Builder
	printTable(&table, results)
	fmt.Fprint(stdout, table.String())
	if cfg.table != "" {
		if err := os.WriteFile(cfg.table, []byte(table.String()), 0o644); err != nil {
			fmt.Fprintln(stderr, "secondstory-bench:", err)
			return 1
		}
	}
	return 0
}

// buildRun is one `secondstory build --timings` process.
type buildRun struct {
	wall, user, sys time.Duration
	peakMB          int64
	stages          []stageTime // in the order --timings printed them
}

// upToDateStage is the one stage `build --timings` prints when nothing changed.
const upToDateStage = "load (unchanged)"

type stageTime struct {
	name string
	d    time.Duration
}

func (b *buildRun) stage(name string) (time.Duration, bool) {
	for _, s := range b.stages {
		if s.name == name {
			return s.d, true
		}
	}
	return 0, false
}

type corpusResult struct {
	n                 int
	full, warm, one   *buildRun
	p50, p99          time.Duration
	queries, hitsSeen int
}

func benchCorpus(cfg config, n int, aside *[]string, log io.Writer) (*corpusResult, error) {
	src := filepath.Join(cfg.dir, fmt.Sprintf("corpus-%d", n))
	out := filepath.Join(cfg.dir, fmt.Sprintf("site-%d", n))
	moved, err := setAside(src, out)
	*aside = append(*aside, moved...)
	if err != nil {
		return nil, err
	}
	// The generator rewrites only files whose bytes differ: a corpus made before is left untouched.
	fmt.Fprintf(log, "== %d postmortems: generating %s\n", n, src)
	if err := command(log, cfg.gencorpus, "-n", strconv.Itoa(n), "-out", src); err != nil {
		return nil, err
	}
	r := &corpusResult{n: n}
	build := func(what string) (*buildRun, error) {
		fmt.Fprintf(log, "== %d postmortems: %s\n", n, what)
		b, err := timedBuild(cfg.bin, src, out)
		if err == nil {
			fmt.Fprintf(log, "   %.2f s wall, %.2f s user, %.2f s sys, %d MB peak\n", b.wall.Seconds(), b.user.Seconds(), b.sys.Seconds(), b.peakMB)
		}
		return b, err
	}
	if r.full, err = build("full build"); err != nil {
		return nil, err
	}
	if r.warm, err = build("rebuild, nothing changed"); err != nil {
		return nil, err
	}
	if _, ok := r.warm.stage(upToDateStage); !ok {
		return nil, fmt.Errorf("the rebuild of an unchanged corpus did not find the site up to date")
	}
	restore, err := touchOneFile(filepath.Join(src, "incidents"))
	if err != nil {
		return nil, err
	}
	r.one, err = build("rebuild, one file changed")
	if rerr := restore(); err == nil {
		err = rerr
	}
	if err != nil {
		return nil, err
	}
	if _, ok := r.one.stage(upToDateStage); ok {
		return nil, fmt.Errorf("the rebuild after a changed file found the site up to date")
	}
	fmt.Fprintf(log, "== %d postmortems: %d searches\n", n, cfg.queries)
	paths, err := output.PathsFor(out)
	if err != nil {
		return nil, err
	}
	if err := timeSearches(r, paths.Index, cfg.queries); err != nil {
		return nil, err
	}
	return r, nil
}

// setAside renames a site this benchmark built before, with its index and build cache, out of the way, and
// returns the new names. They are removed after the measurements, not before: deleting 20,000 files just before
// a build makes the build slower on some file systems (ext4 without a journal, as on the machine these figures
// were taken on, skips inodes freed in the last minutes when it allocates new ones, one by one: a third of a
// build's CPU time right after such a deletion). A folder there that `secondstory build` would refuse to replace
// (output.Paths.Check) is refused here too.
func setAside(src, out string) ([]string, error) {
	paths, err := output.PathsFor(out)
	if err == nil {
		err = paths.Check(src)
	}
	if err != nil {
		return nil, fmt.Errorf("%s exists and was not written by secondstory build: not removing it (%v)", out, err)
	}
	suffix := ".old-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	var moved []string
	for _, p := range []string{out, paths.Index, paths.State} {
		if _, err := os.Stat(p); errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err := os.Rename(p, p+suffix); err != nil {
			return moved, err
		}
		moved = append(moved, p+suffix)
	}
	return moved, nil
}

func command(log io.Writer, name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = io.Discard, log
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %v", name, err)
	}
	return nil
}

// timedBuild runs one build process and reads its timings, CPU time and peak memory.
func timedBuild(bin, src, out string) (*buildRun, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(bin, "build", "--quiet", "--timings", "--source", src, "--out", out)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	t0 := time.Now()
	err := cmd.Run()
	b := &buildRun{wall: time.Since(t0)}
	if err != nil {
		return nil, fmt.Errorf("%s build: %v\n%s", bin, err, stderr.Bytes())
	}
	b.user, b.sys = cmd.ProcessState.UserTime(), cmd.ProcessState.SystemTime()
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		b.peakMB = int64(ru.Maxrss) / 1024 // kilobytes on Linux
	}
	b.stages = parseTimings(&stdout)
	return b, nil
}

// parseTimings reads the lines of `build --timings`: a name, a number and "ms" (the memory line, in MB, is left
// out: the process's rusage gives it).
func parseTimings(r io.Reader) []stageTime {
	var stages []stageTime
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 3 || f[len(f)-1] != "ms" {
			continue
		}
		ms, err := strconv.ParseFloat(f[len(f)-2], 64)
		if err != nil {
			continue
		}
		stages = append(stages, stageTime{strings.Join(f[:len(f)-2], " "), time.Duration(ms * float64(time.Millisecond))})
	}
	return stages
}

// touchOneFile appends a blank line to the first postmortem (a change of content, not only of time), and returns
// what puts the file back, so the corpus stays as generated.
func touchOneFile(dir string) (restore func() error, err error) {
	var first string
	err = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(p, ".md") && (first == "" || p < first) {
			first = p
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if first == "" {
		return nil, fmt.Errorf("no postmortem in %s", dir)
	}
	orig, err := os.ReadFile(first)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(first, append(slices.Clone(orig), '\n'), 0o644); err != nil {
		return nil, err
	}
	return func() error { return os.WriteFile(first, orig, 0o644) }, nil
}

// benchQueries are what readers of a knowledge base type: words, a phrase, a field, filters, and the filtered
// list with no words (newest first). The words are the generated corpus's.
var benchQueries = []search.Request{
	{Query: "failover"},
	{Query: "database latency"},
	{Query: `"connection pool"`},
	{Query: "retry storm timeout"},
	{Query: "certificate expired", Filters: map[string][]string{"severity": {"SEV1", "SEV2"}}},
	{Query: "title:deploy"},
	{Query: "cache", Filters: map[string][]string{"tag": {"latency"}}},
	{Filters: map[string][]string{"service": {"checkout-api"}, "year": {"2024"}}},
}

// timeSearches opens the built index as `serve` does and times queries round-robin over benchQueries; the first
// round warms the index and is not timed.
func timeSearches(r *corpusResult, dir string, n int) error {
	ix, err := search.Open(dir)
	if err != nil {
		return err
	}
	defer ix.Close()
	ctx := context.Background()
	for _, q := range benchQueries {
		if _, err := ix.Search(ctx, q); err != nil {
			return fmt.Errorf("search %q: %v", q.Query, err)
		}
	}
	lat := make([]time.Duration, 0, n)
	for i := range n {
		t0 := time.Now()
		res, err := ix.Search(ctx, benchQueries[i%len(benchQueries)])
		lat = append(lat, time.Since(t0))
		if err != nil {
			return err
		}
		r.hitsSeen += len(res.Hits)
	}
	slices.Sort(lat)
	r.queries = n
	r.p50, r.p99 = lat[len(lat)/2], lat[(len(lat)-1)*99/100]
	if r.hitsSeen == 0 {
		return fmt.Errorf("no search found anything in %s", dir)
	}
	return nil
}

// printTable prints the figures as a Markdown table, a column per corpus size.
func printTable(w io.Writer, rs []*corpusResult) {
	header := []string{""}
	for _, r := range rs {
		header = append(header, fmt.Sprintf("%d postmortems", r.n))
	}
	rows := [][]string{header, make([]string, len(header))}
	for i := range rows[1] {
		rows[1][i] = "---"
	}
	add := func(label string, cell func(*corpusResult) string) {
		row := []string{label}
		for _, r := range rs {
			row = append(row, cell(r))
		}
		rows = append(rows, row)
	}
	secs := func(d time.Duration) string { return fmt.Sprintf("%.2f s", d.Seconds()) }
	stage := func(b *buildRun, name string) string {
		if d, ok := b.stage(name); ok {
			return secs(d)
		}
		return "–"
	}
	add("full build: wall", func(r *corpusResult) string { return secs(r.full.wall) })
	add("full build: peak memory", func(r *corpusResult) string { return fmt.Sprintf("%d MB", r.full.peakMB) })
	add("full build: CPU, user", func(r *corpusResult) string { return secs(r.full.user) })
	// The pages are written on background goroutines while others render, so writing has no wall time of its
	// own; its cost is the kernel's time in file system calls, nearly all of the process's system time.
	add("full build: CPU, system (writing files)", func(r *corpusResult) string { return secs(r.full.sys) })
	// Every stage the full build reported, in its order. render+write and search index run at the same time.
	var names []string
	for _, r := range rs {
		for _, s := range r.full.stages {
			if s.name != "total" && !slices.Contains(names, s.name) {
				names = append(names, s.name)
			}
		}
	}
	for _, name := range names {
		label := "  stage: " + name
		if name == "search index" {
			label += " (at the same time as render+write)"
		}
		add(label, func(r *corpusResult) string { return stage(r.full, name) })
	}
	add("rebuild, nothing changed: wall / peak", func(r *corpusResult) string {
		return fmt.Sprintf("%s / %d MB", secs(r.warm.wall), r.warm.peakMB)
	})
	add("rebuild, one file changed: wall / peak", func(r *corpusResult) string {
		return fmt.Sprintf("%s / %d MB", secs(r.one.wall), r.one.peakMB)
	})
	add("search: p50 / p99", func(r *corpusResult) string {
		return fmt.Sprintf("%.2f / %.2f ms (%d queries)", ms(r.p50), ms(r.p99), r.queries)
	})
	if len(rs) > 1 {
		first := rs[0]
		add("peak memory per 1,000 postmortems", func(r *corpusResult) string {
			perK := fmt.Sprintf("%.0f MB", float64(r.full.peakMB)*1000/float64(r.n))
			if r == first {
				return perK
			}
			return fmt.Sprintf("%s (×%.1f memory for ×%.0f postmortems)", perK, float64(r.full.peakMB)/float64(first.full.peakMB),
				float64(r.n)/float64(first.n))
		})
	}
	widths := make([]int, len(header))
	for _, row := range rows {
		for i, c := range row {
			widths[i] = max(widths[i], len([]rune(c)))
		}
	}
	for _, row := range rows {
		var line strings.Builder
		line.WriteString("|")
		for i, c := range row {
			fill := widths[i] - len([]rune(c))
			if row[i] == "---" {
				c, fill = strings.Repeat("-", widths[i]), 0
			}
			fmt.Fprintf(&line, " %s%s |", c, strings.Repeat(" ", fill))
		}
		fmt.Fprintln(w, line.String())
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
