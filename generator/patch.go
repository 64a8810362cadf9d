package generator

import (
	"bytes"
	"maps"
	"os"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/secondstory/secondstory/search"
)

// While an author writes, most saves change a postmortem's Markdown body and nothing else. Such a save leaves the
// graph as it was — slugs, lists, terms, backlinks and similar incidents come from the frontmatter and from where
// the bodies link — so a preview applies it to the last build's model instead of running the pipeline over every
// file: it renders the changed bodies, re-keys the pages other than incident pages (the page memo renders those
// whose key changed: the incident itself, its service guides, the reading path) and updates one document of the
// search index. Whatever else a save touches (frontmatter, where a body links, a new, deleted or renamed file, the
// configuration, the theme, a factor file, another day) goes through Build's full pipeline. Either way the result
// is a clean build's; TestPreviewEditsMatchCleanBuild holds both to that.

// lastBuild is the model of the last successful preview build, as the pages on disk show it.
type lastBuild struct {
	opts    Options // Source, Out, Drafts, BaseURL, as built
	day     string  // the build day in the site's zone
	content *Content
	site    *Site
	jobs    []pageJob
	memo    *pageMemo
	docs    []search.Document
	docAt   map[string]int // document index by incident slug
	diags   Diagnostics
	files   map[string]*sourceFile // postmortem source files by relative path
	bytes   int64
}

// keepLast records a successful preview build as the base of the next save's patch; without a complete page memo
// (a theme with its own layouts) there is none.
func (mc *MemCache) keepLast(opts Options, c *Content, s *Site, jobs []pageJob, memo *pageMemo, docs []search.Document,
	diags Diagnostics, bytes int64) {
	if mc == nil || mc.disk || memo == nil || !memo.complete || jobs == nil {
		return
	}
	lb := &lastBuild{opts: opts, day: buildDay(s.Config, opts.Now), content: c, site: s, jobs: jobs, memo: memo,
		docs: docs, docAt: make(map[string]int, len(docs)), diags: diags,
		files: make(map[string]*sourceFile, len(c.inv.postmortems)), bytes: bytes}
	for i, d := range docs {
		lb.docAt[d.ID] = i
	}
	for _, f := range c.inv.postmortems {
		lb.files[f.rel] = f
	}
	mc.mu.Lock()
	mc.last = lb
	mc.mu.Unlock()
}

// takeLast returns the last build's model and forgets it: a build that follows changes the model, and only a
// successful one keeps it again.
func (mc *MemCache) takeLast() *lastBuild {
	if mc == nil {
		return nil
	}
	mc.mu.Lock()
	defer mc.mu.Unlock()
	lb := mc.last
	mc.last = nil
	return lb
}

func buildDay(cfg *Config, now time.Time) string { return now.In(cfg.Location()).Format("2006-01-02") }

// bodyEdit is one changed file that a patch can apply.
type bodyEdit struct {
	f     *sourceFile
	p     *Postmortem // the model's postmortem of that file
	st    fileStat
	sum   uint64
	body  []byte
	entry *memEntry   // its new cache entry
	q     *Postmortem // p with the new body rendered; nil when p has no page (a draft)
	diags Diagnostics
}

// patch applies opts.Changed to the last build when every change is a body edit (see above). ok is false when it
// cannot, having changed nothing: then Build runs in full.
func patch(opts Options, lb *lastBuild, start time.Time) (res *Result, err error, ok bool) {
	if lb == nil || len(opts.Changed) == 0 || opts.Source != lb.opts.Source || opts.Out != lb.opts.Out ||
		opts.Drafts != lb.opts.Drafts || opts.BaseURL != lb.opts.BaseURL || buildDay(lb.site.Config, opts.Now) != lb.day {
		return nil, nil, false
	}
	mc, c, s := opts.Cache, lb.content, lb.site
	prev := mc.manifestFor(opts.Out)
	if prev == nil {
		return nil, nil, false
	}
	edits, ok := readEdits(opts, lb)
	if !ok {
		return nil, nil, false
	}
	md := newMarkdown(c.Config.UnsafeHTML)
	var ignored Diagnostics
	disable := lintDisabled(c.Config, &ignored)
	diags := slices.Clone(lb.diags)
	for i := range edits {
		ed := &edits[i]
		e := mc.entry(ed.f.rel)
		ne := *e
		ne.sum, ne.pm.Body, ne.doc = ed.sum, ed.body, nil
		ed.entry = &ne
		if !(ed.p.Status != StatusDraft || opts.Drafts) {
			continue // no page, no lint: only the cache learns the new body
		}
		q := *ed.p
		q.Body, q.HTML, q.PlainText, q.Headings, q.Outlinks, q.Words, q.linkDeps = ed.body, "", "", nil, nil, 0, nil
		ed.diags = renderBody(md, &q, c.resolver, disable)
		if !sameTargets(ed.p.Outlinks, q.Outlinks) {
			return nil, nil, false // its backlinks move
		}
		ed.q = &q
		diags = withoutDiags(diags, e.diags)
		diags = append(diags, ed.diags...)
		ne.links, ne.deps = linkDepsSum(c.resolver, q.linkDeps), q.linkDeps
		ne.html, ne.plain, ne.headings, ne.outlinks, ne.words, ne.diags = q.HTML, q.PlainText, q.Headings, q.Outlinks, q.Words, ed.diags
		ne.rich = richness(&q)
	}
	diags.Sort()
	res = &Result{Site: s, Diagnostics: diags}
	stage := func(name string, t0 time.Time) { res.Stages = append(res.Stages, Stage{name, time.Since(t0)}) }
	stage("patch: load+parse", start)
	if diags.Errors() > 0 {
		// The site stays the last good build's, and so does the model.
		mc.mu.Lock()
		mc.last = lb
		mc.mu.Unlock()
		return res, &ContentError{diags}, true
	}

	// From here on the model changes; it is kept again only when the build commits.
	t0 := time.Now()
	mc.mu.Lock()
	mc.Decoded, mc.Rendered, mc.Pages = 0, 0, 0
	mc.mu.Unlock()
	changed := map[*Postmortem]bool{}
	for _, ed := range edits {
		ed.f.sum, ed.f.data = ed.sum, nil
		mc.store(ed.f.rel, ed.entry)
		mc.noteStat(ed.f.rel, ed.st, ed.sum)
		mc.count(1, 0, 0)
		if ed.q == nil {
			continue
		}
		p, q := ed.p, ed.q
		p.HTML, p.PlainText, p.Headings, p.Outlinks, p.Words, p.linkDeps = q.HTML, q.PlainText, q.Headings, q.Outlinks, q.Words, q.linkDeps
		p.Body, p.lazyHTML, p.rich, p.richSet = nil, false, ed.entry.rich, true
		lb.memo.ent[p] = ed.entry
		changed[p] = true
		mc.count(0, 1, 0)
	}
	s.BuildDate = opts.Now
	out, err := newOutputInPlace(opts.Out, prev)
	if err != nil {
		return res, err, true
	}
	out.cur = maps.Clone(prev)
	forgetCache(opts.Out)
	dropDiskCache(opts.Out)

	docs := slices.Clone(lb.docs)
	for p := range changed {
		docs[lb.docAt[p.Slug]] = s.searchDocument(p, mc.entry(p.Source))
	}
	indexed := make(chan error, 1)
	var indexTime time.Duration
	go func() {
		t := time.Now()
		err := buildIndex(docs, IndexDir(opts.Out))
		indexTime = time.Since(t)
		indexed <- err
	}()

	// Incident pages other than the edited ones show nothing of a body (their keys say so): they stay on disk.
	jobs := make([]pageJob, 0, 512)
	for _, j := range lb.jobs {
		if j.layout != "incident" || changed[j.page.Incident] {
			j.page.BuildDate = opts.Now
			jobs = append(jobs, j)
		}
	}
	memo := lb.memo
	memo.next = maps.Clone(mc.pageKeysNow())
	memo.keep = true
	out.memo = memo
	tpl, err := loadTemplates(c.theme)
	if err == nil {
		tpl.useFrozenRows(mc)
		out.startWriters()
		err = renderPages(jobs, c, tpl, memo, out)
	} else {
		err = envErrorf("%v", err)
	}
	if err == nil {
		err = writeSiteFiles(s, c, lb.jobs, out)
	}
	if err == nil {
		err = writeClientIndex(docs, out)
	}
	stage("patch: render+write", t0)
	if ierr := <-indexed; err == nil {
		err = ierr
	}
	res.Stages = append(res.Stages, Stage{"patch: search index", indexTime})
	t0 = time.Now()
	if err == nil {
		err = out.commit()
	}
	if err != nil {
		out.abort()
		return res, err, true // the model is forgotten: the next build runs in full
	}
	stage("patch: commit", t0)
	mc.setManifest(opts.Out, out.cur)
	mc.commitPages(memo)
	saveCache(opts.Out, c.fingerprint(opts, c.themeDir), diags)
	lb.docs, lb.diags = docs, diags
	mc.mu.Lock()
	mc.last = lb
	mc.mu.Unlock()
	res.Pages, res.Bytes = len(out.cur), lb.bytes
	res.Duration = time.Since(start)
	return res, nil, true
}

// readEdits reads the changed files and returns them when each is a postmortem of the last build whose frontmatter
// is unchanged (ok false otherwise). Files whose bytes did not change are left out.
func readEdits(opts Options, lb *lastBuild) (edits []bodyEdit, ok bool) {
	mc := opts.Cache
	for _, rel := range opts.Changed {
		f := lb.files[rel]
		if f == nil {
			return nil, false
		}
		p := lb.content.resolver.bySource[rel]
		e := mc.entry(rel)
		if p == nil || e == nil || e.links == 0 && (p.Status != StatusDraft || opts.Drafts) {
			return nil, false
		}
		st := statFile(f.abs)
		data, err := os.ReadFile(f.abs)
		if err != nil || !utf8.Valid(data) {
			return nil, false // the full build says what is wrong
		}
		data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
		sum := checksum(data)
		if sum == f.sum {
			continue
		}
		var ignored Diagnostics
		fm := parseFrontMatter(rel, data, &ignored)
		if fm == nil || checksum(fm.raw(data)) != e.fmSum || fm.bodyLine != e.pm.BodyLine {
			return nil, false
		}
		edits = append(edits, bodyEdit{f: f, p: p, st: st, sum: sum, body: fm.body})
	}
	return edits, true
}

// sameTargets reports whether two bodies link to the same incidents, which is all backlinks depend on.
func sameTargets(a, b []Ref) bool {
	set := func(refs []Ref) map[string]bool {
		m := map[string]bool{}
		for _, r := range refs {
			if !r.Factor {
				m[r.Slug] = true
			}
		}
		return m
	}
	return maps.Equal(set(a), set(b))
}

// withoutDiags returns all without one occurrence of each of drop.
func withoutDiags(all, drop Diagnostics) Diagnostics {
	for _, d := range drop {
		if i := slices.Index(all, d); i >= 0 {
			all = slices.Delete(all, i, i+1)
		}
	}
	return all
}

func (mc *MemCache) pageKeysNow() map[string]uint64 {
	mc.mu.Lock()
	defer mc.mu.Unlock()
	return mc.pageKeys
}
