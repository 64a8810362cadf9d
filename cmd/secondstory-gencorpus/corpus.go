package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// markerName marks a folder as written by this generator; only such a
// folder (or an empty one) may be overwritten.
const markerName = ".secondstory-corpus"

// Config holds the generator's inputs. Output is a pure function of it.
type Config struct {
	N         int     // number of postmortems
	Out       string  // output folder
	Seed      uint64  // random seed
	LintNoise float64 // share of documents carrying one linted phrase
	Workers   int     // render/write goroutines; 0 means GOMAXPROCS
}

func (cfg Config) validate() error {
	switch {
	case cfg.N < 1:
		return errors.New("-n must be at least 1")
	case cfg.LintNoise < 0 || cfg.LintNoise > 1:
		return errors.New("-lint-noise must be between 0 and 1")
	case cfg.Out == "":
		return errors.New("-out is required")
	}
	return nil
}

// Stats summarises one run.
type Stats struct {
	Documents int
	Factors   int
	Noisy     int   // documents carrying a linted phrase
	Words     int64 // body words (whitespace-separated tokens) of postmortems
	Bytes     int64 // bytes of all files written
	Elapsed   time.Duration
}

// RefusedError means the output folder is not ours to write into.
type RefusedError struct {
	Dir, Reason string
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("refusing to write into %s: %s", e.Dir, e.Reason)
}

// Date range of the corpus. Fixed rather than derived from the clock so
// that output stays reproducible.
var (
	firstDay = time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC)
	lastDay  = time.Date(2026, 10, 31, 0, 0, 0, 0, time.UTC)
	// refDay decides which action items are plausibly finished by now.
	refDay = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
)

// Frontmatter formats.
const (
	fmtYAML = iota
	fmtTOML
	fmtJSON
)

// incident holds what is decided up front, in chronological order, because
// other documents depend on it (slugs, related links) or because shares
// over the whole corpus should be exact-ish (formats, noise).
type incident struct {
	slug, title string
	year        int
	sev         int // 0..3 for SEV1..SEV4
	started     time.Time
	detected    time.Time
	mitigated   time.Time
	resolved    time.Time
	svcs        []int
	factors     []int
	trig        int
	symptom     int
	related     []int
	format      int
	noise       int // index into noisePool, or -1
}

type plan struct {
	cfg        Config
	incs       []incident
	bySvc      [][]int // incident indices per primary service, chronological
	documented []int   // factor indices that get a factors/ page
}

// Generate writes the corpus described by cfg.
func Generate(cfg Config) (Stats, error) {
	t0 := time.Now()
	var st Stats
	if err := cfg.validate(); err != nil {
		return st, err
	}
	if err := prepareDir(cfg.Out); err != nil {
		return st, err
	}
	// The marker goes first so that an interrupted run can be repeated.
	marker := fmt.Sprintf("This folder was written by secondstory-gencorpus (-n %d -seed %d).\n"+
		"Running it again rewrites incidents/, factors/ and secondstory.yaml here, and deletes what it did not generate there.\n", cfg.N, cfg.Seed)
	if err := writeFile(&st, filepath.Join(cfg.Out, markerName), []byte(marker)); err != nil {
		return st, err
	}

	p := newPlan(cfg)
	years := map[int]bool{}
	for i := range p.incs {
		years[p.incs[i].year] = true
		if p.incs[i].noise >= 0 {
			st.Noisy++
		}
	}
	for y := range years {
		if err := os.MkdirAll(filepath.Join(cfg.Out, "incidents", strconv.Itoa(y)), 0o755); err != nil {
			return st, err
		}
	}
	if err := os.MkdirAll(filepath.Join(cfg.Out, "factors"), 0o755); err != nil {
		return st, err
	}
	if err := writeFile(&st, filepath.Join(cfg.Out, "secondstory.yaml"), []byte(siteConfig)); err != nil {
		return st, err
	}

	workers := cfg.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	// Each document has its own random stream, so the worker that happens
	// to render it does not change its bytes.
	var (
		next     atomic.Int64
		wg       sync.WaitGroup
		errOnce  sync.Once
		firstErr error
		failed   atomic.Bool
		parts    = make([]Stats, workers)
	)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dw := newDocWriter(p)
			for !failed.Load() {
				i := int(next.Add(1) - 1)
				if i >= len(p.incs) {
					return
				}
				data, words := dw.render(i)
				inc := &p.incs[i]
				if err := writeFile(&parts[w], incidentPath(cfg.Out, inc), data); err != nil {
					errOnce.Do(func() { firstErr = err })
					failed.Store(true)
					return
				}
				parts[w].Words += int64(words)
				parts[w].Documents++
			}
		}()
	}
	wg.Wait()
	for _, ps := range parts {
		st.Documents += ps.Documents
		st.Words += ps.Words
		st.Bytes += ps.Bytes
	}
	if firstErr != nil {
		return st, firstErr
	}

	dw := newDocWriter(p)
	for _, f := range p.documented {
		data := dw.renderFactor(f)
		if err := writeFile(&st, factorPath(cfg.Out, f), data); err != nil {
			return st, err
		}
		st.Factors++
	}
	generated := make(map[string]bool, len(p.incs)+len(p.documented))
	for i := range p.incs {
		generated[incidentPath(cfg.Out, &p.incs[i])] = true
	}
	for _, f := range p.documented {
		generated[factorPath(cfg.Out, f)] = true
	}
	if err := removeStale(cfg.Out, generated); err != nil {
		return st, err
	}
	st.Elapsed = time.Since(t0)
	return st, nil
}

// incidentPath is the file of inc, by year.
func incidentPath(out string, inc *incident) string {
	return filepath.Join(out, "incidents", strconv.Itoa(inc.year), inc.slug+".md")
}

// factorPath is the factors/ page of factors[f].
func factorPath(out string, f int) string {
	return filepath.Join(out, "factors", factorSlug(factors[f].name)+".md")
}

// writeFile writes data to path unless the file already holds exactly data: regenerating a corpus with the same
// flags then writes, creates and deletes nothing, so a benchmark that follows does not pay for a churned file
// system (on ext4 without a journal, inodes freed in the last minutes make creating new ones far slower).
func writeFile(st *Stats, path string, data []byte) error {
	st.Bytes += int64(len(data))
	if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() && fi.Size() == int64(len(data)) {
		if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data) {
			return nil
		}
	}
	return os.WriteFile(path, data, 0o644)
}

// prepareDir makes dir usable: missing or empty is fine; non-empty only if
// it carries our marker. What a previous run generated is left in place:
// files are rewritten only where they differ, and removeStale deletes those
// this run did not generate. Nothing else is ever deleted.
func prepareDir(dir string) error {
	fi, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return os.MkdirAll(dir, 0o755)
	}
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return &RefusedError{dir, "it exists and is not a directory"}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	if len(entries) == 0 {
		return nil
	}
	m, err := os.Lstat(filepath.Join(dir, markerName))
	if err != nil || !m.Mode().IsRegular() {
		return &RefusedError{dir, "it is not empty and has no " + markerName + " marker (not written by this generator)"}
	}
	return nil
}

// removeStale deletes the files under incidents/ and factors/ of dir that are not in generated (a previous run's,
// with other flags), and the folders that leaves empty. Those two folders are the generator's own.
func removeStale(dir string, generated map[string]bool) error {
	for _, sub := range []string{"incidents", "factors"} {
		root := filepath.Join(dir, sub)
		var dirs []string
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			switch {
			case err != nil:
				return err
			case d.IsDir():
				dirs = append(dirs, p)
			case !generated[p]:
				return os.Remove(p)
			}
			return nil
		})
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		for i := len(dirs) - 1; i > 0; i-- { // deepest first; the root stays
			if entries, err := os.ReadDir(dirs[i]); err == nil && len(entries) == 0 {
				if err := os.Remove(dirs[i]); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

const siteConfig = `# Generated by secondstory-gencorpus: a synthetic knowledge base for benchmarks.
title: Example Corp incident reviews
timezone: UTC
severities:
  - id: SEV1
    description: Critical. Broad customer-facing outage or data loss.
  - id: SEV2
    description: Major. Significant degradation for many customers or a key feature down.
  - id: SEV3
    description: Minor. Limited customer impact or a degraded internal system.
  - id: SEV4
    description: Low. Internal impact only, or a near miss worth learning from.
`

// splitmix64 derives well-separated PCG seeds from (seed, index).
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

func newRand(seed, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(splitmix64(seed), splitmix64(seed^splitmix64(stream+1))))
}

// zipf samples an index in [0,len) with weight 1/(k+1)^s.
type zipf struct{ cum []float64 }

func newZipf(n int, s float64) zipf {
	c := make([]float64, n)
	t := 0.0
	for k := range n {
		t += 1 / math.Pow(float64(k+1), s)
		c[k] = t
	}
	return zipf{c}
}

func (z zipf) draw(r *rand.Rand) int {
	x := r.Float64() * z.cum[len(z.cum)-1]
	i, _ := slices.BinarySearch(z.cum, x)
	return min(i, len(z.cum)-1)
}

// distinct draws k different indices.
func (z zipf) distinct(r *rand.Rand, k int) []int {
	out := make([]int, 0, k)
	for len(out) < k {
		if i := z.draw(r); !slices.Contains(out, i) {
			out = append(out, i)
		}
	}
	return out
}

// weighted picks an index with the given relative weights.
func weighted(r *rand.Rand, w ...float64) int {
	t := 0.0
	for _, x := range w {
		t += x
	}
	x := r.Float64() * t
	for i, v := range w {
		if x < v {
			return i
		}
		x -= v
	}
	return len(w) - 1
}

// lognormMinutes returns a log-normal duration with the given median.
func lognormMinutes(r *rand.Rand, median, sigma float64) time.Duration {
	m := math.Exp(math.Log(median) + sigma*r.NormFloat64())
	return time.Duration(math.Round(m)) * time.Minute
}

var (
	factorZipf  = newZipf(len(factors), 1.0)
	serviceZipf = newZipf(len(services), 0.8)
	tagZipf     = newZipf(len(tags), 0.7)
)

func newPlan(cfg Config) *plan {
	r := newRand(cfg.Seed, math.MaxUint64)
	n := cfg.N
	p := &plan{cfg: cfg, incs: make([]incident, n), bySvc: make([][]int, len(services))}

	// Start times: the organisation grows, so later years get more
	// incidents (density rises about fourfold across the range).
	span := lastDay.Sub(firstDay).Hours()/24 + 1
	g := math.Log(4)
	for i := range p.incs {
		u := r.Float64()
		t := math.Log1p(u*(math.Exp(g)-1)) / g
		day := firstDay.AddDate(0, 0, int(t*span))
		var minute int
		if r.Float64() < 0.6 { // most trouble starts when people change things
			minute = 8*60 + r.IntN(11*60)
		} else {
			minute = r.IntN(24 * 60)
		}
		p.incs[i].started = day.Add(time.Duration(minute) * time.Minute)
	}
	slices.SortStableFunc(p.incs, func(a, b incident) int { return a.started.Compare(b.started) })

	slugs := make(map[string]bool, n)
	noiseLeft := int(math.Round(cfg.LintNoise * float64(n)))
	for i := range p.incs {
		inc := &p.incs[i]
		inc.noise = -1
		// Exactly round(share*n) noisy documents, spread at random.
		if noiseLeft > 0 && r.IntN(n-i) < noiseLeft {
			inc.noise = r.IntN(len(noisePool))
			noiseLeft--
		}
		inc.sev = weighted(r, 5, 15, 35, 45)
		inc.year = inc.started.Year()

		// Heavy-tailed phases; a few slow burns go unnoticed for hours.
		sevScale := []float64{1.5, 1.25, 1, 0.85}[inc.sev]
		detect := lognormMinutes(r, 6, 1.0)
		if r.Float64() < 0.04 {
			detect = lognormMinutes(r, 480, 1.0)
		}
		mitig := lognormMinutes(r, 35*sevScale, 1.1)
		resolve := lognormMinutes(r, 90*sevScale, 1.5)
		// Clamped per phase so the order holds and nothing runs past two weeks.
		inc.detected = inc.started.Add(min(max(detect, time.Minute), 3*24*time.Hour))
		inc.mitigated = inc.detected.Add(min(max(mitig, 2*time.Minute), 4*24*time.Hour))
		inc.resolved = inc.mitigated.Add(min(max(resolve, time.Minute), 7*24*time.Hour))

		inc.svcs = serviceZipf.distinct(r, 1+weighted(r, 50, 35, 15))
		inc.factors = factorZipf.distinct(r, 2+weighted(r, 40, 40, 20))
		inc.trig = r.IntN(len(triggers))
		inc.symptom = r.IntN(len(symptoms))
		inc.format = weighted(r, 90, 5, 5)

		inc.title = makeTitle(r, inc)
		base := inc.started.Format("2006-01-02") + "-" + titleSlug(inc.title)
		slug := base
		for k := 2; slugs[slug]; k++ {
			slug = base + "-" + strconv.Itoa(k)
		}
		slugs[slug] = true
		inc.slug = slug

		inc.related = pickRelated(r, p, i, weighted(r, 55, 30, 15))
		p.bySvc[inc.svcs[0]] = append(p.bySvc[inc.svcs[0]], i)
	}

	// Factor pages: every factor with aliases (so the aliases are
	// declared somewhere), the rest of the head, and a random slice of the
	// tail, about 40 in all.
	doc := make([]bool, len(factors))
	count := 0
	for f := range factors {
		if len(factors[f].aliases) > 0 || f < 28 {
			doc[f] = true
			count++
		}
	}
	for _, f := range r.Perm(len(factors)) {
		if count >= 40 {
			break
		}
		if !doc[f] {
			doc[f] = true
			count++
		}
	}
	for f, ok := range doc {
		if ok {
			p.documented = append(p.documented, f)
		}
	}
	return p
}

// pickRelated returns up to k earlier incidents, preferring ones on the
// same primary service, as a reviewer would.
func pickRelated(r *rand.Rand, p *plan, i, k int) []int {
	if k == 0 || i == 0 {
		return nil
	}
	cur := p.incs[i].started
	var out []int
	same := p.bySvc[p.incs[i].svcs[0]]
	for tries := 0; len(out) < k && tries < 8; tries++ {
		var j int
		if len(same) > 0 && r.Float64() < 0.8 {
			// Recent incidents on the same service are the likeliest links.
			lo := max(0, len(same)-200)
			j = same[lo+r.IntN(len(same)-lo)]
		} else {
			j = r.IntN(i)
		}
		if p.incs[j].started.Before(cur) && !slices.Contains(out, j) {
			out = append(out, j)
		}
	}
	slices.Sort(out)
	return out
}

func makeTitle(r *rand.Rand, inc *incident) string {
	svc := services[inc.svcs[0]].name
	sym := symptoms[inc.symptom]
	tr := triggers[inc.trig].title
	switch weighted(r, 30, 35, 20, 15) {
	case 0:
		return svc + " " + sym
	case 1:
		return svc + " " + sym + " after " + tr
	case 2:
		return capitalize(sym) + " in " + svc + " during " + tr
	default:
		return capitalize(sym) + " on " + svc + " in " + regions[r.IntN(len(regions))]
	}
}

// titleSlug lower-cases, keeps ASCII letters and digits, joins words with
// '-' and caps the length at a word boundary.
func titleSlug(s string) string {
	b := make([]byte, 0, len(s))
	dash := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
			fallthrough
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
			if dash && len(b) > 0 {
				b = append(b, '-')
			}
			dash = false
			b = append(b, c)
		default:
			dash = true
		}
	}
	for len(b) > 72 {
		k := len(b) - 1
		for k > 0 && b[k] != '-' {
			k--
		}
		b = b[:k]
	}
	return string(b)
}

// factorSlug follows the contract: lower-case, spaces become '-'.
func factorSlug(name string) string {
	b := []byte(name)
	for i, c := range b {
		switch {
		case c >= 'A' && c <= 'Z':
			b[i] = c + 'a' - 'A'
		case c == ' ':
			b[i] = '-'
		}
	}
	return string(b)
}

func capitalize(s string) string {
	if s != "" && s[0] >= 'a' && s[0] <= 'z' {
		return string(s[0]-'a'+'A') + s[1:]
	}
	return s
}
