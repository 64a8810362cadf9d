package generator

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/secondstory/secondstory/themes"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
)

// Options configure one build.
type Options struct {
	Source  string // the knowledge base folder
	Out     string // the output folder; replaced only when the build succeeds
	Drafts  bool   // include postmortems with status draft
	BaseURL string // overrides the config's base_url
	Now     time.Time
	Log     io.Writer // progress and summary; nil for silence
	Force   bool      // build even when the build cache says the output is up to date
	Cache   *MemCache // kept by a long-running process between builds (serve --watch); nil for one-off builds

	// Changed, when not nil, lists the source files (relative, forward slashes) that changed since the last build
	// with this Cache, and nothing else did: serve --watch passes its change set, so that a save that edits only
	// bodies, or frontmatter the graph does not read, is applied to the last build (patch.go).
	Changed []string

	// Commit, when set, is asked once the new site is written, just before it replaces the old one: false
	// abandons the build (ErrAbandoned) and leaves the site as it was. serve --watch starts a rebuild before its
	// quiet period is over, and swaps it in only if no other change came meanwhile.
	Commit func() bool

	stats *fileStats // one-off builds: the stats of the files the last build read (diskcache.go)

	// Progress, when set, gets a line as each stage ends, so a long build is visibly moving (the CLI sets it on
	// a terminal).
	Progress io.Writer
}

func (opts Options) progress(st Stage, counts ...any) {
	if opts.Progress == nil {
		return
	}
	fmt.Fprintf(opts.Progress, "  %-14s %7.2f s  %s\n", st.Name, st.Duration.Seconds(), strings.TrimSpace(fmt.Sprintln(counts...)))
}

// ErrAbandoned is returned by Build when Options.Commit said no: nothing of the site changed, and the next build
// with the same Cache runs in full.
var ErrAbandoned = errors.New("build abandoned: the sources changed again before it was swapped in")

// Stage is the time one pipeline stage took.
type Stage struct {
	Name     string
	Duration time.Duration
}

// Result describes a build.
type Result struct {
	Site        *Site
	Diagnostics Diagnostics // errors and warnings, sorted
	Pages       int         // files written
	Bytes       int64
	Stages      []Stage
	Duration    time.Duration
	UpToDate    bool // nothing changed since the last build: nothing was written (Site is nil)
}

// Build runs the whole pipeline: load → parse → graph → render → write. On content errors it returns a
// *ContentError carrying all of them and writes nothing; on an unsafe or unwritable output an *EnvError.
func Build(opts Options) (*Result, error) {
	start := time.Now()
	res := &Result{}
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	stage := func(name string, t0 time.Time, counts ...any) {
		st := Stage{name, time.Since(t0)}
		res.Stages = append(res.Stages, st)
		opts.progress(st, counts...)
	}

	if opts.Cache != nil {
		if res, err, ok := patch(opts, opts.Cache.takeLast(), start); ok {
			logBuild(opts, res, err)
			return res, err
		}
	}
	t0 := time.Now()
	var saved chan *MemCache
	var upToDateNow atomic.Bool
	if opts.Cache == nil && opts.Out != "" {
		// Files whose size, times and inode are those the last build read are not read again.
		opts.stats = loadStats(opts.Out)
		// A one-off build starts from the state the last one saved (diskcache.go), read while the sources are.
		saved = make(chan *MemCache, 1)
		go func() { saved <- loadDiskCache(opts.Out, &upToDateNow) }()
	}
	content, err := gather(opts)
	if err != nil {
		return nil, err
	}
	fp := content.fingerprint(opts, content.themeDir)
	if diags, ok := upToDate(opts.Out, fp); ok && !opts.Force {
		upToDateNow.Store(true)
		res.Diagnostics, res.UpToDate = diags, true
		stage("load (unchanged)", t0)
		res.Duration = time.Since(start)
		if opts.Log != nil {
			fmt.Fprintf(opts.Log, "%s is up to date (%d warnings) in %s\n", opts.Out, diags.Warnings(), res.Duration.Round(time.Millisecond))
		}
		return res, nil
	}
	if saved != nil {
		opts.Cache = <-saved
		opts.Cache.stats = opts.stats
		content.beginCache(opts)
	}
	content.parse(opts)
	res.Diagnostics = content.Diagnostics
	stage("load+parse", t0, len(content.inv.postmortems)+len(content.inv.factors), "files")
	if content.Diagnostics.Errors() > 0 {
		return res, &ContentError{content.Diagnostics}
	}
	if err := CheckOutput(opts.Source, opts.Out); err != nil {
		return res, err
	}

	t0 = time.Now()
	site := buildGraph(content.Config, content.Listed, content.factorTerms, content.resolver, content.cache)
	site.BuildDate = opts.Now
	res.Site = site
	stage("graph", t0, len(site.Incidents), "incidents,", len(site.Factors), "factors")

	t0 = time.Now()
	var out *output
	if prev := opts.Cache.manifestFor(opts.Out); prev != nil {
		if out, err = newOutputInPlace(opts.Out, prev); err == nil {
			out.lateFree = !opts.Cache.disk
		}
	} else if out, err = newOutput(opts.Out); err == nil && opts.Cache != nil {
		out.cur = map[string]uint64{} // record what is written, so the next preview build can update in place
	}
	if err != nil {
		return res, err
	}
	forgetCache(opts.Out)
	dropDiskCache(opts.Out) // also in the preview, whose in-memory state is not saved: the output is about to change
	// The search index and the pages are independent, and bleve's builder leaves a core idle most of the time:
	// index while rendering. Only environment failures (a full disk) can fail either after this point.
	docs := searchDocuments(site, content.cache)
	indexed := make(chan Stage, 1)
	var indexErr error
	go func() {
		t := time.Now()
		indexErr = buildIndex(docs, IndexDir(opts.Out))
		indexed <- Stage{"search index", time.Since(t)}
	}()
	jobs, err := writeSite(site, content, out)
	if err == nil {
		err = writeClientIndex(docs, out)
	}
	stage("render+write", t0, out.files, "files")
	ist := <-indexed
	res.Stages = append(res.Stages, ist)
	opts.progress(ist, len(docs), "documents")
	if err == nil {
		err = indexErr
	}
	if err == nil && opts.Commit != nil && !opts.Commit() {
		err = ErrAbandoned
	}
	if err != nil {
		out.abort()
		return res, err
	}

	t0 = time.Now()
	if err := out.commit(); err != nil {
		out.abort()
		return res, err
	}
	stage("commit", t0)
	opts.Cache.setManifest(opts.Out, out.cur)
	opts.Cache.commitPages(out.memo)
	saveCache(opts.Out, fp, res.Diagnostics)
	if opts.Cache.disk {
		t0 = time.Now()
		opts.Cache.saveDisk(opts.Out)
		stage("save state", t0)
	}
	res.Pages, res.Bytes = out.files, out.bytes
	opts.Cache.keepLast(opts, content, site, jobs, out.memo, docs, res.Diagnostics, out.bytes)
	res.Duration = time.Since(start)
	logBuild(opts, res, nil)
	return res, nil
}

// logBuild reports a successful build, patched or not, on opts.Log.
func logBuild(opts Options, res *Result, err error) {
	if opts.Log != nil && err == nil {
		fmt.Fprintf(opts.Log, "built %s: %d pages, %d incidents, %d warnings in %s\n", opts.Out, res.Pages,
			len(res.Site.Incidents), res.Diagnostics.Warnings(), res.Duration.Round(time.Millisecond))
	}
}

// Content is a loaded and validated knowledge base: what Load returns, before the graph stage.
type Content struct {
	Config      *Config
	All         []*Postmortem // every valid postmortem, drafts included
	Listed      []*Postmortem // those that get pages
	Diagnostics Diagnostics
	theme       fs.FS
	themeDir    string
	cache       *MemCache
	inv         *inventory
	factorTerms map[string]*Term
	resolver    *resolver
}

// Load reads and validates the knowledge base without writing anything: the part of the pipeline `check` runs.
// Content errors are returned in Content.Diagnostics; the error is for the environment (unreadable source).
func Load(opts Options) (*Content, error) {
	c, err := gather(opts)
	if err != nil {
		return nil, err
	}
	c.parse(opts)
	return c, nil
}

// gather reads the configuration and every source file: the cheap part of Load, enough to fingerprint a build.
func gather(opts Options) (*Content, error) {
	if st, err := os.Stat(opts.Source); err != nil || !st.IsDir() {
		return nil, envErrorf("source folder %s: not a readable folder", opts.Source)
	}
	cfg, diags := LoadConfig(opts.Source)
	if opts.BaseURL != "" {
		cfg.BaseURL = strings.TrimSuffix(opts.BaseURL, "/") + "/"
	}
	c := &Content{Config: cfg}
	if cfg.Theme != "" {
		c.themeDir = filepath.Join(opts.Source, cfg.Theme)
		if filepath.IsAbs(cfg.Theme) {
			c.themeDir = cfg.Theme
		}
		if st, err := os.Stat(c.themeDir); err != nil || !st.IsDir() {
			diags.errorf(cfg.File, 0, 0, "config", "theme: folder %s does not exist", cfg.Theme)
			c.themeDir = ""
		}
	}
	c.theme = themes.Overlay(c.themeDir)

	exclude := []string{}
	for _, p := range []string{opts.Out, IndexDir(opts.Out), c.themeDir} {
		if p != "" {
			if abs, err := filepath.Abs(p); err == nil {
				exclude = append(exclude, abs)
			}
		}
	}
	absSource, _ := filepath.Abs(opts.Source)
	c.inv = scan(absSource, exclude, &diags)
	sortFiles(c.inv.postmortems)
	sortFiles(c.inv.factors)
	if opts.Cache != nil {
		c.beginCache(opts) // before reading: a configuration change empties the cache, and then every file is read
	}
	var stats statTable
	if opts.Cache != nil {
		stats = opts.Cache
	} else if opts.stats != nil {
		stats = opts.stats
	}
	readAll(c.inv.postmortems, &diags, stats)
	readAll(c.inv.factors, &diags, nil)
	c.Diagnostics = diags
	return c, nil
}

// beginCache starts a build with an incremental cache: entries of another configuration or of files that are gone
// are dropped.
func (c *Content) beginCache(opts Options) {
	var configBytes []byte
	if c.Config.File != "" {
		configBytes, _ = os.ReadFile(filepath.Join(opts.Source, c.Config.File))
	}
	opts.Cache.begin(configSignature(opts, configBytes), c.inv.postmortems)
}

// parse runs the rest of Load: decode, validate, resolve links, render Markdown, lint.
func (c *Content) parse(opts Options) {
	cfg, diags := c.Config, c.Diagnostics
	c.cache = opts.Cache
	c.All = parseAll(c.inv.postmortems, cfg, c.cache, &diags)
	c.factorTerms = parseFactorFiles(c.inv.factors, &diags)
	c.resolver = newResolver(cfg, c.All, c.factorTerms, &diags)
	for _, p := range c.All {
		if p.Status != StatusDraft || opts.Drafts {
			c.Listed = append(c.Listed, p)
		}
	}
	checkRelated(c.All, c.resolver, &diags)
	if cfg.StrictFactors {
		checkStrictFactors(c.All, c.factorTerms, c.resolver, &diags)
	}
	checkLearnConfig(cfg, c.resolver, &diags)
	renderBodies(c, &diags)
	diags.Sort()
	c.Diagnostics = diags
}

// parseAll decodes every postmortem concurrently; per-worker diagnostics keep the hot path lock-free.
func parseAll(files []*sourceFile, cfg *Config, cache *MemCache, diags *Diagnostics) []*Postmortem {
	out := make([]*Postmortem, len(files))
	parallel(len(files), func(i int, d *Diagnostics) {
		f := files[i]
		if f.data == nil && !f.cached {
			return // unreadable: reported by readAll
		}
		sum := f.sum
		if cache != nil {
			if e := cache.entry(f.rel); e != nil && e.sum == sum {
				if e.relocate {
					e.pm.inZone(cfg.Location())
					e.relocate = false
				}
				out[i] = e.fresh()
				f.data = nil
				return
			}
		}
		if f.cached { // not read on the cache's word, which no longer holds: read it now
			data, err := os.ReadFile(f.abs)
			if err != nil {
				d.errorf(f.rel, 0, 0, "read", "cannot read: %v", err)
				return
			}
			f.data, f.sum, sum = data, checksum(data), checksum(data)
		}
		p, fm := decodeSource(f.rel, f.data, cfg, d)
		if p == nil {
			return
		}
		out[i] = p
		if cache != nil {
			// The frontmatter's own checksum: list rows, /actions/ and /stats/ show nothing of the body.
			e := &memEntry{sum: sum, fmSum: checksum(fm.raw(f.data)), pm: *p}
			e.pm.Factors = slices.Clone(p.Factors)
			if cache.lean {
				e.pm.Body = nil
			}
			cache.store(f.rel, e)
			cache.count(1, 0, 0)
		}
		f.data = nil // the body is kept on the postmortem; drop the duplicate
	}, diags)
	var ps []*Postmortem
	for _, p := range out {
		if p != nil {
			ps = append(ps, p)
		}
	}
	return ps
}

// decodeSource decodes one postmortem file (its bytes, at rel) and gives it its slug; nil when it cannot be
// decoded, with the reasons in d.
func decodeSource(rel string, data []byte, cfg *Config, d *Diagnostics) (*Postmortem, *frontMatter) {
	fm := parseFrontMatter(rel, data, d)
	if fm == nil {
		return nil, nil
	}
	p := decodePostmortem(rel, fm, cfg, d)
	if p == nil {
		return nil, nil
	}
	if path.Base(rel) == "index.md" {
		p.Bundle = path.Dir(rel)
	}
	if p.Slug == "" {
		if p.Bundle != "" {
			p.Slug = path.Base(p.Bundle)
		} else {
			p.Slug = strings.TrimSuffix(path.Base(rel), path.Ext(rel))
		}
	}
	if s := Slugify(p.Slug); s != p.Slug && s != "" && !strings.ContainsAny(p.Slug, " /?#") {
		p.Slug = s
	} else if s != p.Slug {
		d.errorf(rel, fm.bodyLine, 0, "schema", "slug: %q cannot be a URL segment (try %q)", p.Slug, s)
		return nil, nil
	}
	return p, fm
}

// parallel runs fn for 0..n-1 on every core, each worker with its own diagnostics, merged at the end.
func parallel(n int, fn func(i int, d *Diagnostics), diags *Diagnostics) {
	workers := min(runtime.GOMAXPROCS(0), max(n, 1))
	per := make([]Diagnostics, workers)
	var wg sync.WaitGroup
	next := make(chan int, 64)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				fn(i, &per[w])
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, d := range per {
		*diags = append(*diags, d...)
	}
}

// parseFactorFiles reads the catalogue of contributing factors (factors/<slug>.md: title, aliases, description).
func parseFactorFiles(files []*sourceFile, diags *Diagnostics) map[string]*Term {
	terms := map[string]*Term{}
	for _, f := range files {
		if f.data == nil {
			continue
		}
		fm := parseFrontMatter(f.rel, f.data, diags)
		if fm == nil {
			continue
		}
		slug := Slugify(strings.TrimSuffix(path.Base(f.rel), path.Ext(f.rel)))
		t := &Term{Kind: "factors", Slug: slug, Source: f.rel, spellings: map[string]int{}}
		var aliases []string
		if fm.root != nil {
			d := &decoder{path: f.rel, diags: diags}
			for i := 0; i+1 < len(fm.root.Content); i += 2 {
				switch k, v := fm.root.Content[i], fm.root.Content[i+1]; k.Value {
				case "title":
					t.Name = d.str(v, "title")
				case "aliases":
					aliases = d.strings(v, "aliases")
				}
			}
		}
		if t.Name == "" {
			diags.errorf(f.rel, 1, 0, "schema", "title: missing (the factor's display name)")
			continue
		}
		if other := terms[slug]; other != nil {
			diags.errorf(f.rel, 1, 0, "duplicate", "factor %q is also described in %s", slug, other.Source)
			continue
		}
		t.factorBody = fm.body
		t.factorBodyLine = fm.bodyLine
		t.aliases = aliases
		terms[slug] = t
	}
	return terms
}

func newResolver(cfg *Config, all []*Postmortem, factorTerms map[string]*Term, diags *Diagnostics) *resolver {
	r := &resolver{incidents: map[string]*Postmortem{}, bySource: map[string]*Postmortem{}, factors: map[string]bool{},
		aliases: map[string]string{}, factorNames: map[string]string{}}
	for from, to := range cfg.Aliases {
		r.aliases[Slugify(from)] = Slugify(to)
	}
	for _, t := range sortedTerms(factorTerms) {
		r.factors[t.Slug] = true
		r.factorNames[t.Slug] = t.Name
		for _, a := range t.aliases {
			r.aliases[Slugify(a)] = t.Slug
		}
	}
	for _, p := range all {
		if other := r.incidents[p.Slug]; other != nil {
			diags.errorf(p.Source, 1, 0, "duplicate", "slug %q is also used by %s", p.Slug, other.Source)
			diags.errorf(other.Source, 1, 0, "duplicate", "slug %q is also used by %s", p.Slug, p.Source)
			continue
		}
		r.incidents[p.Slug] = p
		r.bySource[p.Source] = p
		for _, f := range p.Factors {
			r.factors[r.slugOf(&f)] = true
		}
	}
	return r
}

func sortedTerms(m map[string]*Term) []*Term {
	out := make([]*Term, 0, len(m))
	for _, t := range m {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Slug < out[j].Slug })
	return out
}

func checkRelated(all []*Postmortem, r *resolver, diags *Diagnostics) {
	for _, p := range all {
		for _, ref := range p.Related {
			if r.incidents[ref.Slug] == nil {
				diags.errorf(p.Source, ref.Line, ref.Col, "link", "related: no incident with slug %q", ref.Slug)
			}
		}
	}
}

// checkLearnConfig warns about learn.pin and learn.skip entries that name no incident: a typo there would silently
// change the reading path.
func checkLearnConfig(cfg *Config, r *resolver, diags *Diagnostics) {
	for _, list := range []struct {
		key   string
		slugs []string
	}{{"learn.pin", cfg.Learn.Pin}, {"learn.skip", cfg.Learn.Skip}} {
		for _, slug := range list.slugs {
			if r.incidents[slug] == nil {
				diags.warnf(cfg.File, 0, 0, "config", "%s: no incident with slug %q", list.key, slug)
			}
		}
	}
}

func checkStrictFactors(all []*Postmortem, files map[string]*Term, r *resolver, diags *Diagnostics) {
	var known []string
	for _, t := range sortedTerms(files) {
		known = append(known, t.Name)
	}
	for _, p := range all {
		for _, f := range p.Factors {
			if files[r.slugOf(&f)] != nil {
				continue
			}
			msg := fmt.Sprintf("contributing_factors: %q has no description in factors/ (strict_factors is on)", f.Name)
			if s := didYouMean(f.Name, known); s != "" {
				msg += fmt.Sprintf("; did you mean %q?", s)
			}
			diags.errorf(p.Source, f.Line, f.Col, "factor", "%s", msg)
		}
	}
}

// renderBodies converts every listed body and every factor description to HTML, on every core.
func renderBodies(c *Content, diags *Diagnostics) {
	mds := make(chan goldmark.Markdown, runtime.GOMAXPROCS(0))
	for range cap(mds) {
		mds <- newMarkdown(c.Config.UnsafeHTML)
	}
	// The blameless-language lint (check.go) runs on the same parse, for the postmortems that get pages (`check`
	// lists drafts too); its warnings reach Result.Diagnostics, so the watch preview shows them.
	disable := lintDisabled(c.Config, diags)
	cache := c.cache
	parallel(len(c.Listed), func(i int, d *Diagnostics) {
		p := c.Listed[i]
		var e *memEntry
		if cache != nil {
			if e = cache.entry(p.Source); e != nil && e.links != 0 && linkDepsSum(c.resolver, e.deps) == e.links {
				p.lazyHTML = e.html == "" // a lean entry: rendered again if its page is
				p.HTML, p.PlainText, p.Headings, p.Outlinks, p.Words = e.html, e.plain, e.headings, e.outlinks, e.words
				*d = append(*d, e.diags...)
				p.Body = nil
				p.rich, p.richSet = e.rich, true
				return
			}
		}
		if p.Body == nil && p.BodyLine > 0 && cache != nil && cache.lean {
			// A lean entry whose links now resolve differently: its body comes from the file again.
			if err := c.loadBody(p, e); err != nil {
				d.errorf(p.Source, 0, 0, "read", "%v", err)
				return
			}
		}
		md := <-mds
		pd := renderBody(md, p, c.resolver, disable)
		mds <- md
		*d = append(*d, pd...)
		if e != nil {
			e.links, e.deps = linkDepsSum(c.resolver, p.linkDeps), p.linkDeps
			e.html, e.plain, e.headings, e.outlinks, e.words, e.diags = p.HTML, p.PlainText, p.Headings, p.Outlinks, p.Words, pd
			if cache.lean {
				e.html = ""
			}
			e.rich = richness(p)
			cache.count(0, 1, 0)
		}
		p.Body = nil // rendered and linted: the HTML and plain text are what later stages use
		p.rich, p.richSet = richness(p), true
	}, diags)
	md := <-mds
	for _, t := range sortedTerms(c.factorTerms) {
		page := &Postmortem{Source: t.Source, Body: t.factorBody, BodyLine: t.factorBodyLine}
		*diags = append(*diags, renderMarkdown(md, page, c.resolver, nil)...)
		t.Description = page.HTML
	}
}

// renderBody renders p's body with md and lints it (the lint rules disable turns off), returning the findings.
func renderBody(md goldmark.Markdown, p *Postmortem, r *resolver, disable []string) Diagnostics {
	var pd Diagnostics
	pd = append(pd, renderMarkdown(md, p, r, func(doc ast.Node) { lintPostmortem(p, doc, disable, &pd) })...)
	return pd
}

// loadBody gives a postmortem decoded from a lean cache entry its body again, from the file, which must still be
// the one the entry was made from.
func (c *Content) loadBody(p *Postmortem, e *memEntry) error {
	data, err := os.ReadFile(c.abs(p.Source))
	if err != nil {
		return fmt.Errorf("cannot read: %v", err)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if e != nil && checksum(data) != e.sum {
		return fmt.Errorf("changed during the build; build again")
	}
	var ignored Diagnostics
	fm := parseFrontMatter(p.Source, data, &ignored)
	if fm == nil {
		return fmt.Errorf("changed during the build; build again")
	}
	p.Body, p.BodyLine = fm.body, fm.bodyLine
	return nil
}

// renderLazy renders the body of a postmortem whose other by-products came from a lean cache entry: its page is
// being rendered.
func (c *Content) renderLazy(p *Postmortem) error {
	if err := c.loadBody(p, c.cache.entry(p.Source)); err != nil {
		return fmt.Errorf("%s: %v", p.Source, err)
	}
	q := *p
	renderMarkdown(newMarkdown(c.Config.UnsafeHTML), &q, c.resolver, nil)
	p.HTML, p.Body, p.lazyHTML = q.HTML, nil, false
	return nil
}
