package build

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/secondstory/secondstory/generator/config"
	"github.com/secondstory/secondstory/generator/diag"
	"github.com/secondstory/secondstory/generator/graph"
	"github.com/secondstory/secondstory/generator/incremental"
	"github.com/secondstory/secondstory/generator/markdown"
	"github.com/secondstory/secondstory/generator/output"
	"github.com/secondstory/secondstory/generator/postmortem"
	"github.com/secondstory/secondstory/generator/source"
)

// Build runs the pipeline. On content errors it returns a *diag.ContentError with all of them (the causes first)
// and writes nothing; the previous site stays as it was. A session's caller may name the paths that changed since
// its last build (relative to the source folder, as the watcher reports them): then only those are looked at again,
// and the folder is scanned again only when a file appeared or went away. Without names, every file is looked at.
func (s *Session) Build(changed ...string) (*Result, error) {
	b, err := s.begin(changed)
	if err != nil {
		return nil, err
	}
	var fingerprint uint64
	if !s.check && !s.keep {
		fingerprint = fingerprintOf(b.opts, b.drafts, b.cfg, b.inv, b.themeDir, gitKey(b.inv.Git))
		if s.upToDate(b, fingerprint) {
			return b.res, nil
		}
	}
	entries, catalogue, r, listed := s.parse(b)

	// A one-off build indexes the listed incidents while the rest of the pipeline runs.
	var ix *indexer
	if !s.check && !s.keep && b.diags.Errors() == 0 {
		if ix, err = s.startIndexing(listed, catalogue, r); err != nil {
			return b.res, err
		}
		defer func() {
			if ix != nil {
				_ = ix.finish(false)
			}
		}()
	}
	site := s.bodiesAndGraph(b, listed, catalogue, r, ix)

	// PLAN: every page and file of the site; two with one path, and a file past the size limit, are errors found
	// now, by check as by build, with the others.
	pl, themeErr := plan(site, b.inv, b.themeDir)
	if pl != nil {
		b.diags = append(b.diags, pl.diags...)
	}
	b.diags.Sort()
	res := b.res
	res.Diagnostics = b.diags
	switch {
	case b.diags.Errors() > 0:
		return res, &diag.ContentError{List: b.diags}
	case s.check:
		res.Duration = time.Since(b.start)
		return res, nil
	case themeErr != nil:
		return res, themeErr
	}

	// RENDER, WRITE and INDEX.
	err = s.write(res, b.st, b.cfg, pl, site, ix)
	ix = nil // finished by write
	if err != nil {
		var ce *diag.ContentError
		if errors.As(err, &ce) { // a file unreadable when copied: printed with the others
			res.Diagnostics = append(res.Diagnostics, ce.List...)
			res.Diagnostics.Sort()
		}
		return res, err
	}
	s.remember(b, fingerprint, site, entries)
	if b.opts.Log != nil {
		fmt.Fprintf(b.opts.Log, "built %s: %s, %s, %s in %s%s\n", b.opts.Out, countOf(len(site.Incidents), "incident"), countOf(res.Files, "page"),
			countOf(b.diags.Warnings(), "warning"), res.Duration.Round(time.Millisecond), leftOut(res))
	}
	return res, nil
}

// pass is one Build's state as it goes through the stages.
type pass struct {
	start    time.Time
	opts     Options
	res      *Result
	st       *stages
	cfg      *config.Config
	diags    diag.List
	inv      *source.Inventory
	only     map[string]bool // the files to look at again; nil: all of them
	themeDir string          // a custom theme's folder, "" for the default
	drafts   bool            // drafts are built
}

// begin is the LOAD stage: the configuration, the theme, the inventory (a session's last one when the changed
// paths are all files it knows).
func (s *Session) begin(changed []string) (*pass, error) {
	b := &pass{start: time.Now(), opts: s.opts, res: &Result{}}
	if b.opts.Now.IsZero() {
		b.opts.Now = time.Now()
	}
	b.st = &stages{opts: b.opts, res: b.res, t0: b.start}
	if fi, err := os.Stat(b.opts.Source); err != nil || !fi.IsDir() {
		return nil, diag.Env("source folder %s: not a readable folder", b.opts.Source)
	}
	b.cfg, b.diags = config.Load(b.opts.Source)
	if b.opts.BaseURL != "" {
		b.cfg.BaseURL = strings.TrimSuffix(b.opts.BaseURL, "/") + "/"
	}
	checkSeverities(b.cfg, &b.diags)
	b.themeDir = themeFolder(b.opts.Source, b.cfg, &b.diags)
	inv, scanDiags := s.inv, s.scanDiags
	if inv == nil || !s.keep || !s.known(changed, b.cfg.Data) {
		inv, scanDiags = source.Scan(b.opts.Source, source.Options{Exclude: s.excluded(b.themeDir), Include: b.cfg.Content.Include, Skip: b.cfg.Content.Exclude})
		inv.Git = gitDates(inv.Root, &scanDiags) // adopt.go: once per scan, not per saved file
	} else {
		b.only = map[string]bool{}
		for _, c := range changed {
			b.only[c] = true
		}
	}
	b.diags = append(b.diags, scanDiags...)
	b.inv = inv
	b.res.Skipped = inv.Skipped
	b.res.Checked = len(inv.Postmortems) + len(inv.PDFs) + len(inv.Factors)
	if b.cfg.File != "" {
		b.res.Checked++
	}
	s.root = inv.Root
	if s.keep {
		s.inv, s.scanDiags, s.scanConfig = inv, scanDiags, b.cfg.Data
	}
	b.drafts = b.opts.Drafts || b.opts.Preview || s.check && !b.opts.OnlyPublished
	if !s.check && !b.opts.Preview {
		baseURLWarning(b.cfg, &b.diags)
	}
	return b, nil
}

// excluded lists the folders a scan never reads as content: the theme, the site and its index (for check, those
// a build with the default --out would write).
func (s *Session) excluded(themeDir string) []string {
	exclude := []string{themeDir}
	if !s.check {
		return append(exclude, s.paths.Out, s.paths.Index)
	}
	if p, err := PathsFor("public"); err == nil {
		exclude = append(exclude, p.Out, p.Index)
	}
	return exclude
}

// upToDate reports whether the last one-off build had these inputs and its site is still there: then the build
// stops here, writing nothing.
func (s *Session) upToDate(b *pass, fingerprint uint64) bool {
	saved := incremental.LoadState(s.paths.State)
	if b.opts.Force || !saved.Matches(fingerprint) || !s.siteExists() {
		return false
	}
	b.res.Diagnostics, b.res.UpToDate = saved.Diagnostics, true
	b.st.done("load (unchanged)")
	b.res.Duration = time.Since(b.start)
	if b.opts.Log != nil {
		fmt.Fprintf(b.opts.Log, "%s is up to date (%d warnings) in %s\n", b.opts.Out, saved.Diagnostics.Warnings(), b.res.Duration.Round(time.Millisecond))
	}
	return true
}

// parse is the PARSE stage: every postmortem decoded (the unchanged from the memo), the factor catalogue, the
// resolver of slugs and links, and the postmortems the site lists (drafts only when they are built).
func (s *Session) parse(b *pass) (entries []*incremental.File, catalogue []*postmortem.Factor, r *graph.Resolver, listed []*incremental.File) {
	template := kbTemplate(b.inv)
	var cfgKey incremental.Key
	cfgKey.Bytes(b.cfg.Data).Str(b.cfg.BaseURL).Str(fmt.Sprint(b.drafts, b.opts.Preview && !b.opts.NoDraftBanner, s.check)).Str(template)
	s.files.Begin(cfgKey.Sum())
	entries = s.load(b.inv, b.cfg, b.inv.Git, newShellChecks(b.cfg, template), b.only, &b.diags)
	catalogue = s.loadFactors(b.inv, b.cfg, &b.diags)
	entries = adopt(b.cfg, entries, catalogue, b.res, &b.diags) // adopt.go: PDFs that are attachments, factor mentions
	all := make([]*postmortem.Postmortem, len(entries))
	for i, e := range entries {
		all[i] = e.P
	}
	r = graph.NewResolver(b.cfg, all, catalogue, append(b.inv.Files, b.inv.Static...))
	checkSlugs(entries, &b.diags)
	for _, e := range entries {
		b.diags = append(b.diags, e.Diags...)
		if !e.OK {
			continue
		}
		for _, ref := range e.P.Related {
			if r.Lookup(ref.Slug) == nil {
				b.diags.Errorf(e.P.Source, ref.Line, ref.Col, "link", "related: no incident with slug %q", ref.Slug)
			}
		}
		if e.P.Status == postmortem.StatusDraft && !b.drafts {
			b.res.Drafts++
			continue
		}
		listed = append(listed, e)
	}
	b.st.done("load+parse", len(entries), "postmortems")
	return entries, catalogue, r, listed
}

// bodiesAndGraph are the MARKDOWN and LINT stages (each listed body, unless its last rendering still holds) and
// the GRAPH stage (reused when nothing it reads changed).
func (s *Session) bodiesAndGraph(b *pass, listed []*incremental.File, catalogue []*postmortem.Factor, r *graph.Resolver, ix *indexer) *graph.Site {
	md := markdown.New(b.cfg.UnsafeHTML)
	lint := lintOptions(b.cfg, &b.diags)
	var ready func(int)
	if ix != nil {
		ready = func(i int) { ix.take(i, listed[i]) }
	}
	s.renderBodies(md, r, lint, listed, ready)
	incidents := make([]*graph.Incident, len(listed))
	for i, e := range listed {
		b.diags = append(b.diags, e.BodyDiags...)
		incidents[i] = &graph.Incident{Postmortem: e.P, Body: e.Body}
	}
	described := renderFactors(md, r, catalogue, &b.diags)
	for _, e := range listed {
		b.diags = append(b.diags, e.Shell...)
	}
	b.st.done("markdown+lint", len(listed), "bodies")

	site := s.buildGraph(b.cfg, incidents, described, r)
	site.BuildDate = b.opts.Now
	b.diags = append(b.diags, graph.Check(site, r)...)
	b.res.Site = site
	if b.opts.SuggestFactors {
		b.res.Suggestions = suggestFactors(site.Incidents, catalogue) // suggest.go
	}
	b.st.done("graph", len(site.Incidents), "incidents,", len(site.Factors), "factors")
	return site
}

// remember keeps what the next build starts from: a one-off build's fingerprint, a session's site and memos.
func (s *Session) remember(b *pass, fingerprint uint64, site *graph.Site, entries []*incremental.File) {
	if !s.keep {
		incremental.SaveState(s.paths.State, fingerprint, b.diags)
	}
	if s.last != nil {
		b.res.Moved = movedPages(s.last, site)
	}
	if s.keep {
		s.last = site
		keep := map[string]bool{}
		for _, e := range entries {
			keep[e.P.Source] = true
		}
		s.lines.Keep(func(n string) bool { return keep[n] })
		s.docs.Keep(func(n string) bool { return keep[n] })
	}
	b.res.Duration = time.Since(b.start)
}

// leftOut says what the build left out, and why, for the summary line.
func leftOut(res *Result) string {
	var parts []string
	if res.Drafts > 0 {
		parts = append(parts, countOf(res.Drafts, "draft")+" (--drafts builds them)")
	}
	why := map[string]int{}
	for _, sk := range res.Skipped {
		why[sk.Why]++
	}
	for _, w := range []string{"a repository document", "a template", "an index page", "outside incidents/", whyLeftOutPDF} {
		switch {
		case why[w] == 0:
		case w == whyLeftOutPDF:
			parts = append(parts, countOf(why[w], "PDF")+" linked from postmortems (attachments)")
		default:
			parts = append(parts, fmt.Sprintf("%d %s", why[w], map[string]string{"a repository document": "README/LICENSE-like files",
				"a template": "templates", "an index page": "index pages", "outside incidents/": "Markdown files outside incidents/"}[w]))
		}
		delete(why, w)
	}
	n := 0
	for _, c := range why {
		n += c
	}
	if n > 0 {
		parts = append(parts, fmt.Sprintf("%d files by content.include/exclude", n))
	}
	if len(parts) == 0 {
		return ""
	}
	return "; left out " + strings.Join(parts, ", ")
}

func countOf(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func (s *Session) siteExists() bool {
	for _, p := range []string{filepath.Join(s.paths.Out, output.Marker), s.paths.Index} {
		if _, err := os.Stat(p); err != nil {
			return false
		}
	}
	return true
}

// checkSeverities makes sure every configured severity has a page of its own: an id with no letter or digit, or
// with the URL of another ("SEV 1" and "SEV-1"), is an error at the configuration.
func checkSeverities(cfg *config.Config, diags *diag.List) {
	seen := map[string]string{}
	for i, sv := range cfg.Severities {
		slug := postmortem.Slugify(sv.ID)
		switch other, dup := seen[slug]; {
		case sv.ID == "":
			// reported by config.Load
		case slug == "":
			diags.Errorf(cfg.File, cfg.Line("severities"), 0, "config", "severities[%d]: %q has no letter or digit to make a URL from", i, sv.ID)
		case len(slug) > postmortem.MaxSlug:
			diags.Errorf(cfg.File, cfg.Line("severities"), 0, "config", "severities[%d]: %q is %d bytes long as a URL segment; the limit is %d", i, sv.ID, len(slug), postmortem.MaxSlug)
		case dup && other != sv.ID:
			diags.Errorf(cfg.File, cfg.Line("severities"), 0, "config", "severities[%d]: %q has the URL of %q (severities/%s/); rename one", i, sv.ID, other, slug)
		default:
			seen[slug] = sv.ID
		}
	}
}

// themeFolder is the absolute folder of a custom theme, "" for the default one.
func themeFolder(src string, cfg *config.Config, diags *diag.List) string {
	if cfg.Theme == "" {
		return ""
	}
	dir := cfg.Theme
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(src, dir)
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		diags.Errorf(cfg.File, cfg.Line("theme"), 0, "config", "theme: folder %s does not exist", cfg.Theme)
		return ""
	}
	abs, _ := filepath.Abs(dir)
	return abs
}

// load reads and decodes the postmortems, in parallel. A file whose stat is that of the memo's entry is not read;
// a file whose bytes are the entry's is not decoded.
func (s *Session) load(inv *source.Inventory, cfg *config.Config, git source.GitDates, shell *shellChecks, only map[string]bool, diags *diag.List) []*incremental.File {
	rels := append(slices.Clone(inv.Postmortems), inv.PDFs...)
	out := make([]*incremental.File, len(rels))
	readDiags := make([]diag.List, len(rels))
	max := cfg.MaxFileBytes()
	parallel(len(rels), func(i int) {
		rel := rels[i]
		old := s.files.Get(rel)
		if old != nil && only != nil && !only[rel] {
			out[i] = old // not among the changed paths
			return
		}
		stat := source.StatOf(inv.Root, rel)
		first := git[rel] // the first commit's time, which the decoding may use
		if old != nil && stat != (source.Stat{}) && old.Stat == stat && old.Git.Equal(first) {
			out[i] = old
			return
		}
		data, err := source.Read(inv.Root, rel, max)
		switch {
		case errors.Is(err, source.ErrGone):
			return // deleted since the scan: the next event brings the folder's new state
		case err != nil:
			readDiags[i].Errorf(rel, 0, 0, "read", "cannot read: %v", err)
			return
		case !isPDF(rel) && !utf8.Valid(data):
			line := 1 + bytes.Count(data[:firstInvalidUTF8(data)], []byte("\n"))
			readDiags[i].Errorf(rel, line, 0, "read", "not valid UTF-8 (save the file as UTF-8)")
			return
		}
		sum := incremental.Sum(data)
		if old != nil && old.Sum == sum && old.Git.Equal(first) {
			e := *old
			e.Stat = stat
			out[i] = &e
			return
		}
		p, d, ok := decodeSource(rel, data, cfg, first)
		out[i] = &incremental.File{Stat: stat, Sum: sum, Git: first, P: p, Diags: d, OK: ok, Front: incremental.FrontVersion(p), Shell: shell.warnings(p)}
	})
	var entries []*incremental.File
	present := map[string]bool{}
	for i, e := range out {
		*diags = append(*diags, readDiags[i]...)
		if e != nil {
			entries = append(entries, e)
			s.files.Put(e.P.Source, e)
			present[e.P.Source] = true
		}
	}
	s.files.Keep(present)
	return entries
}

func firstInvalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return len(b)
}

// loadFactors reads the catalogue of contributing factors (a few dozen small files: read every time).
func (s *Session) loadFactors(inv *source.Inventory, cfg *config.Config, diags *diag.List) []*postmortem.Factor {
	var out []*postmortem.Factor
	seen := map[string]string{}
	for _, rel := range inv.Factors {
		data, err := source.Read(inv.Root, rel, cfg.MaxFileBytes())
		if errors.Is(err, source.ErrGone) {
			continue
		}
		if err != nil {
			diags.Errorf(rel, 0, 0, "read", "cannot read: %v", err)
			continue
		}
		f, d := postmortem.DecodeFactor(rel, data)
		*diags = append(*diags, d...)
		if f == nil {
			continue
		}
		if other, dup := seen[f.Slug]; dup {
			diags.Errorf(rel, 1, 0, "duplicate", "factor %q is also described in %s", f.Slug, other)
			continue
		}
		seen[f.Slug] = rel
		out = append(out, f)
	}
	return out
}

// checkSlugs reports two files with one slug, naming both in each error.
func checkSlugs(entries []*incremental.File, diags *diag.List) {
	first := map[string]*postmortem.Postmortem{}
	for _, e := range entries {
		p := e.P
		if p.Slug == "" {
			continue
		}
		if other := first[p.Slug]; other != nil {
			diags.Errorf(p.Source, 1, 0, "duplicate", "slug %q is also used by %s", p.Slug, other.Source)
			diags.Errorf(other.Source, 1, 0, "duplicate", "slug %q is also used by %s", p.Slug, p.Source)
			e.OK = false
			continue
		}
		first[p.Slug] = p
	}
}

// buildGraph runs the graph stage, or rebinds the last build's graph when nothing it reads changed.
func (s *Session) buildGraph(cfg *config.Config, incidents []*graph.Incident, catalogue []*graph.Catalogued, r *graph.Resolver) *graph.Site {
	if !s.keep {
		return graph.Build(cfg, incidents, catalogue, r)
	}
	var k incremental.Key
	k.Bytes(cfg.Data)
	for _, c := range catalogue {
		k.Str(c.Slug).Str(c.Name).Str(string(c.Description))
		for _, a := range c.Aliases {
			k.Str(a)
		}
	}
	postmortem.Sort(incidents)
	for _, in := range incidents {
		graphInputs(&k, in)
	}
	if last, ok := s.graph.Get("graph", k.Sum()); ok {
		site := graph.Rebind(last, incidents)
		s.graph.Put("graph", k.Sum(), site)
		s.graphReused = true
		return site
	}
	s.graphReused = false
	site := graph.Build(cfg, incidents, catalogue, r)
	s.graph.Put("graph", k.Sum(), site)
	return site
}

// graphInputs adds what the graph stage reads of an incident to k.
func graphInputs(k *incremental.Key, in *graph.Incident) {
	p := in.Postmortem
	k.Str(p.Source).Str(p.Slug).U64(uint64(p.Date.Unix())).Str(p.Severity).Str(p.Status)
	for _, l := range [][]string{p.Tags, p.Services, p.Teams} {
		for _, x := range l {
			k.Str(x)
		}
		k.U64(0)
	}
	for _, f := range p.Factors {
		k.Str(f.Name).Str(f.Description)
	}
	k.U64(0)
	for _, ref := range p.Related {
		k.Str(ref.Slug)
	}
	k.U64(0)
	if in.Body != nil {
		for _, ref := range in.Body.Outlinks {
			k.Str(ref.Slug).U64(boolBit(ref.Factor))
		}
	}
}

func boolBit(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// fingerprintOf hashes what a one-off build depends on without reading a file: the options, the build day, the
// program, the configuration, and the stat (size, times, inode) of every source and theme file.
func fingerprintOf(opts Options, drafts bool, cfg *config.Config, inv *source.Inventory, themeDir string, git uint64) uint64 {
	var k incremental.Key
	k.U64(git).Str(fmt.Sprint(drafts, opts.BaseURL)).Str(opts.Now.In(cfg.Location()).Format("2006-01-02")).Str(programID())
	k.Bytes(cfg.Data)
	for _, l := range [][]string{inv.Postmortems, inv.PDFs, inv.Factors, inv.Static, inv.Files} {
		for _, rel := range l {
			st := source.StatOf(inv.Root, rel)
			k.Str(rel).U64(uint64(st.Size)).U64(uint64(st.Mod.UnixNano())).U64(uint64(st.Chg.UnixNano())).U64(st.Inode)
		}
		k.U64(0)
	}
	if themeDir != "" {
		_ = filepath.WalkDir(themeDir, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				st := source.StatOf(themeDir, rel(themeDir, p))
				k.Str(p).U64(uint64(st.Size)).U64(uint64(st.Mod.UnixNano()))
			}
			return nil
		})
	}
	return k.Sum()
}

// known reports whether a session's change set names only files its last scan knew and that still exist, with the
// same configuration: then the inventory stands, and only those files need looking at.
func (s *Session) known(changed []string, cfgData []byte) bool {
	if len(changed) == 0 || !bytes.Equal(cfgData, s.scanConfig) {
		return false
	}
	for _, c := range changed {
		if filepath.IsAbs(c) {
			continue // outside the source: a theme, loaded every build
		}
		st, err := os.Stat(filepath.Join(s.inv.Root, filepath.FromSlash(c)))
		if err != nil || st.IsDir() || !s.inv.Has(c) {
			return false
		}
	}
	return true
}

// startIndexing checks the output folder (a build refused there must not start writing beside it), then starts
// the one-off build's indexer.
func (s *Session) startIndexing(listed []*incremental.File, catalogue []*postmortem.Factor, r *graph.Resolver) (*indexer, error) {
	if err := s.paths.Check(s.opts.Source); err != nil {
		return nil, err
	}
	if err := s.paths.Recover(); err != nil {
		return nil, err
	}
	ps := make([]*postmortem.Postmortem, len(listed))
	for i, e := range listed {
		ps[i] = e.P
	}
	return s.startIndex(listed, graph.FactorNames(ps, catalogue, r), r)
}
