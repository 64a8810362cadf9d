package generator

import (
	"bytes"
	"fmt"
	"maps"
	"os"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/secondstory/secondstory/search"
)

// While an author writes, most saves change a postmortem's Markdown body, or a part of its frontmatter that no
// list, term or relation depends on (title, summary, timeline, action items, times, links: graphKey says which).
// Such a save leaves the graph as it was — slugs, lists, terms, backlinks and similar incidents come from the rest
// of the frontmatter and from where the bodies link — so the preview, which knows from its watcher which files
// changed, applies it to the last build's model instead of running the pipeline over every file: it renders the
// changed bodies (and those whose links show a changed title), re-keys the pages that can show them (the page memo
// renders those whose key changed), writes the whole-site files again and updates those documents of the search
// index. Whatever else a save touches (a tag, a factor, a date, where a body links, a new, deleted or renamed
// file, the configuration, the theme, a factor file, another day) goes through Build's full pipeline. Either way
// the result is a clean build's; TestPreviewEditsMatchCleanBuild holds both to that.

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
	tpl     *templates // the theme's, parsed by the first save patched onto this build
	// listedBy: which incidents list each one (listers)
	listedBy map[*Postmortem][]*Postmortem
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

// fileEdit is one changed file that a patch can apply, or a body that renders differently because of one.
type fileEdit struct {
	f     *sourceFile // nil: a body rendered again because an incident it links to was retitled
	p     *Postmortem // the model's postmortem of that file
	st    fileStat
	sum   uint64
	body  []byte
	fm    *Postmortem // the file as decoded, when its frontmatter changed (only in what the graph does not read)
	fmSum uint64
	fmErr Diagnostics // decoding findings of a changed frontmatter
	entry *memEntry   // its new cache entry
	q     *Postmortem // p with the body rendered; nil when p has no page (a draft)
	diags Diagnostics // the findings of rendering the body
}

// patch applies opts.Changed to the last build when every change is a body edit or a frontmatter edit the graph
// does not see (see above). ok is false when it cannot, having changed nothing: then Build runs in full.
func patch(opts Options, lb *lastBuild, start time.Time) (res *Result, err error, ok bool) {
	if lb == nil || len(opts.Changed) == 0 || opts.Source != lb.opts.Source || opts.Out != lb.opts.Out ||
		opts.Drafts != lb.opts.Drafts || opts.BaseURL != lb.opts.BaseURL || buildDay(lb.site.Config, opts.Now) != lb.day {
		return nil, nil, false
	}
	mc := opts.Cache
	prev := mc.manifestFor(opts.Out)
	if prev == nil {
		return nil, nil, false
	}
	edits, ok := readEdits(opts, lb)
	if !ok {
		return nil, nil, false
	}
	summary, rollback := mergeFrontmatter(edits)
	// Bodies that show a retitled incident's title (its [[slug]] links) render again.
	edits = append(edits, dependentBodies(lb, edits)...)
	diags, ok := renderEdits(opts, lb, edits)
	if !ok {
		rollback()
		return nil, nil, false // a body's links moved: its backlinks change
	}
	res = &Result{Site: lb.site, Diagnostics: diags}
	res.Stages = append(res.Stages, Stage{"patch: load+parse", time.Since(start)})
	if diags.Errors() > 0 {
		// The site stays the last good build's, and so does the model.
		rollback()
		mc.mu.Lock()
		mc.last = lb
		mc.mu.Unlock()
		return res, &ContentError{diags}, true
	}
	// From here on the model changes; it is kept again only when the build commits.
	changed := applyEdits(mc, lb, edits)
	if err := writePatch(opts, lb, prev, edits, pagesToRender(opts, lb, edits, changed, summary), res); err != nil {
		return res, err, true // the model is forgotten: the next build runs in full
	}
	lb.diags = diags
	mc.mu.Lock()
	mc.last = lb
	mc.mu.Unlock()
	res.Duration = time.Since(start)
	return res, nil, true
}

// summaryInputs says what of /stats/ and /actions/ the frontmatter edits left alone: stats (times, action items),
// actions (action items), and whether an edited incident shows on /actions/ at all (has items).
type summaryInputs struct{ statsSame, actionsSame, itemsShown bool }

// mergeFrontmatter puts each changed frontmatter into the model's postmortem itself, so that the bodies rendered
// next see it (a [[link]]'s label is the title); the graph's fields stay. rollback puts the old ones back.
func mergeFrontmatter(edits []fileEdit) (summary summaryInputs, rollback func()) {
	summary = summaryInputs{statsSame: true, actionsSame: true}
	var undo []func()
	for i := range edits {
		ed := &edits[i]
		if ed.fm == nil {
			continue
		}
		old := *ed.p
		summary.statsSame = summary.statsSame && old.StartedAt.Equal(ed.fm.StartedAt) &&
			old.DetectedAt.Equal(ed.fm.DetectedAt) && old.MitigatedAt.Equal(ed.fm.MitigatedAt) &&
			old.ResolvedAt.Equal(ed.fm.ResolvedAt)
		summary.actionsSame = summary.actionsSame && slices.EqualFunc(old.ActionItems, ed.fm.ActionItems, sameItem)
		summary.itemsShown = summary.itemsShown || len(old.ActionItems) > 0
		undo = append(undo, func() { *ed.p = old })
		merged := *ed.fm
		merged.Factors = slices.Clone(ed.fm.Factors)
		for j := range merged.Factors {
			merged.Factors[j].Slug = old.Factors[j].Slug
		}
		merged.Backlinks, merged.Similar, merged.RelatedTo, merged.svcTerms = old.Backlinks, old.Similar, old.RelatedTo, old.svcTerms
		merged.HTML, merged.PlainText, merged.Headings, merged.Outlinks, merged.Words = old.HTML, old.PlainText, old.Headings, old.Outlinks, old.Words
		merged.linkDeps, merged.rich, merged.richSet, merged.rowGen = old.linkDeps, old.rich, old.richSet, old.rowGen
		*ed.p = merged
	}
	return summary, func() {
		for _, u := range undo {
			u()
		}
	}
}

// renderEdits renders the bodies of the edits into new cache entries (ed.entry, ed.q) and returns the build's
// diagnostics with theirs; false when a body now links to other incidents.
func renderEdits(opts Options, lb *lastBuild, edits []fileEdit) (Diagnostics, bool) {
	mc, c := opts.Cache, lb.content
	md := newMarkdown(c.Config.UnsafeHTML)
	var ignored Diagnostics
	disable := lintDisabled(c.Config, &ignored)
	diags := slices.Clone(lb.diags)
	for i := range edits {
		ed := &edits[i]
		e := mc.entry(ed.p.Source)
		ne := *e
		ne.doc = nil
		if ed.f != nil {
			ne.sum, ne.pm.Body = ed.sum, ed.body
		}
		if ed.fm != nil {
			ne.pm = *ed.fm
			ne.pm.Factors = slices.Clone(ed.fm.Factors)
			ne.fmSum, ne.json = ed.fmSum, nil
			// Every finding on this file comes from decoding it and from its body, both done again here.
			diags = slices.DeleteFunc(diags, func(d Diagnostic) bool { return d.Path == ed.p.Source })
			diags = append(diags, ed.fmErr...)
			checkRelated([]*Postmortem{ed.p}, c.resolver, &diags)
			if c.Config.StrictFactors {
				checkStrictFactors([]*Postmortem{ed.p}, c.factorTerms, c.resolver, &diags)
			}
		}
		ed.entry = &ne
		if ed.p.Status == StatusDraft && !opts.Drafts {
			continue // no page, no lint: only the cache learns the new file
		}
		q := *ed.p
		q.Body, q.HTML, q.PlainText, q.Headings, q.Outlinks, q.Words, q.linkDeps = ne.pm.Body, "", "", nil, nil, 0, nil
		ed.diags = renderBody(md, &q, c.resolver, disable)
		if !sameTargets(ed.p.Outlinks, q.Outlinks) {
			return nil, false
		}
		ed.q = &q
		if ed.fm == nil {
			diags = withoutDiags(diags, e.diags)
		}
		diags = append(diags, ed.diags...)
		ne.links, ne.deps = linkDepsSum(c.resolver, q.linkDeps), q.linkDeps
		ne.html, ne.plain, ne.headings, ne.outlinks, ne.words, ne.diags = q.HTML, q.PlainText, q.Headings, q.Outlinks, q.Words, ed.diags
		ne.rich = richness(&q)
	}
	diags.Sort()
	return diags, true
}

// applyEdits puts the rendered edits into the model and the cache, and returns the incidents whose page may change:
// the edited ones, and those that list one whose frontmatter changed (related, backlinks, similar).
func applyEdits(mc *MemCache, lb *lastBuild, edits []fileEdit) map[*Postmortem]bool {
	mc.mu.Lock()
	mc.Decoded, mc.Rendered, mc.Pages = 0, 0, 0
	mc.mu.Unlock()
	changed := map[*Postmortem]bool{}
	retitled := map[*Postmortem]bool{}
	memo := lb.memo
	for _, ed := range edits {
		if ed.f != nil {
			ed.f.sum, ed.f.data = ed.sum, nil
			mc.noteStat(ed.f.rel, ed.st, ed.sum)
			mc.count(1, 0, 0)
		}
		mc.store(ed.p.Source, ed.entry)
		if ed.q == nil {
			continue
		}
		p, q := ed.p, ed.q
		p.HTML, p.PlainText, p.Headings, p.Outlinks, p.Words, p.linkDeps = q.HTML, q.PlainText, q.Headings, q.Outlinks, q.Words, q.linkDeps
		p.Body, p.lazyHTML, p.rich, p.richSet = nil, false, ed.entry.rich, true
		memo.ent[p] = ed.entry
		changed[p] = true
		mc.count(0, 1, 0)
		if ed.fm != nil {
			h := newKeyHash()
			h.str(p.Source)
			h.u64(ed.fmSum)
			memo.row[p] = h.sum()
			retitled[p] = true
		}
	}
	if len(retitled) == 0 {
		return changed
	}
	if memo.rendered != nil {
		memo.rendered.forget(retitled)
	}
	list := newKeyHash()
	for _, p := range memo.order {
		list.u64(memo.row[p])
	}
	memo.listSig = list.sum()
	for q := range retitled {
		for _, p := range lb.listers()[q] {
			changed[p] = true
		}
	}
	return changed
}

// listers returns, for each incident, the incidents whose pages list it (related, backlinks, similar). The graph
// is the model's, which a patch leaves as it was: it is worked out once per model.
func (lb *lastBuild) listers() map[*Postmortem][]*Postmortem {
	if lb.listedBy != nil {
		return lb.listedBy
	}
	lb.listedBy = make(map[*Postmortem][]*Postmortem, len(lb.site.Incidents))
	for _, p := range lb.site.Incidents {
		add := func(q *Postmortem) {
			if l := lb.listedBy[q]; len(l) == 0 || l[len(l)-1] != p {
				lb.listedBy[q] = append(l, p)
			}
		}
		for _, q := range p.RelatedTo {
			add(q)
		}
		for _, q := range p.Backlinks {
			add(q)
		}
		for _, sim := range p.Similar {
			add(sim.Incident)
		}
	}
	return lb.listedBy
}

// pagesToRender picks the pages a patch renders or keys again: every page but the incident pages of unchanged
// incidents (their keys say they show nothing of the edits), the term pages that list no edited incident, /stats/
// when its inputs are unchanged, and /actions/ when no edited incident shows on it; /actions/ keeps its data when
// the action items are unchanged.
func pagesToRender(opts Options, lb *lastBuild, edits []fileEdit, changed map[*Postmortem]bool, summary summaryInputs) []pageJob {
	edited := map[*Postmortem]bool{}
	for _, ed := range edits {
		if ed.q != nil {
			edited[ed.p] = true
		}
	}
	mc := opts.Cache
	jobs := make([]pageJob, 0, 512)
	for _, j := range lb.jobs {
		switch {
		case j.layout == "stats" && summary.statsSame && summary.actionsSame:
			continue // kept as it is; its memo key stays the old one, so the next full build renders it again
		case j.layout == "actions" && summary.actionsSame:
			if !summary.itemsShown {
				continue
			}
			if data := j.page.Data; data != nil {
				j.data = func() any { return data }
			}
		case j.layout == "incident" && !changed[j.page.Incident]:
			continue
		case j.layout == "term" && !slices.ContainsFunc(j.page.Term.Incidents, func(p *Postmortem) bool { return edited[p] }):
			// Its key hashes its incidents' rows (and, for a service, their bodies' weight) and the graph, which
			// a patch leaves as it was: unchanged, as the page on disk.
			continue
		}
		j.page.BuildDate = opts.Now
		if p := j.page.Incident; p != nil {
			// Rendered pages drop their body's HTML (writeSite); a neighbour's page needs it again.
			j.page.Title = p.Title
			if p.HTML == "" {
				p.HTML = mc.entry(p.Source).html
			}
		}
		jobs = append(jobs, j)
	}
	return jobs
}

// writePatch writes jobs and the whole-site files in place, updates the search documents of the edits, and commits;
// res gets the stages and the count of files. prev is what the last build wrote.
func writePatch(opts Options, lb *lastBuild, prev map[string]uint64, edits []fileEdit, jobs []pageJob, res *Result) error {
	mc, c, s := opts.Cache, lb.content, lb.site
	t0 := time.Now()
	s.BuildDate = opts.Now
	out, err := newOutputInPlace(opts.Out, prev)
	if err != nil {
		return err
	}
	out.cur, out.lateFree, out.keepsAll = maps.Clone(prev), true, true
	forgetCache(opts.Out)
	dropDiskCache(opts.Out)

	// In place: a patch that fails after this point forgets the model (patch).
	docs := lb.docs
	for _, ed := range edits {
		if i, ok := lb.docAt[ed.p.Slug]; ok && ed.q != nil {
			docs[i] = s.searchDocument(ed.p, ed.entry)
		}
	}
	indexed := make(chan error, 1)
	var indexTime time.Duration
	go func() {
		t := time.Now()
		err := buildIndex(docs, IndexDir(opts.Out))
		indexTime = time.Since(t)
		indexed <- err
	}()
	memo := lb.memo
	memo.next = maps.Clone(mc.pageKeysNow())
	memo.keep = true
	out.memo = memo
	// The whole-site files (feed, sitemap, incidents.json, search-index.json) while the pages render: a frontmatter
	// edit makes several megabytes of them again, and a few large pages keep only one core busy.
	files := make(chan error, 1)
	go func() {
		err := writeSiteFiles(s, c, lb.jobs, out)
		if err == nil {
			err = writeClientIndex(docs, out)
		}
		files <- err
	}()
	// The theme is the last build's (a change to it is not patched): its templates are parsed once.
	tpl, err := lb.tpl, error(nil)
	if tpl == nil {
		tpl, err = loadTemplates(c.theme)
		lb.tpl = tpl
	}
	if err == nil {
		tpl.useFrozenRows(mc)
		if memo.rendered != nil {
			tpl.rows = memo.rendered
		}
		memo.rendered = tpl.rows
		out.startWriters()
		err = renderPages(jobs, c, tpl, memo, out)
	} else {
		err = envErrorf("%v", err)
	}
	if ferr := <-files; err == nil {
		err = ferr
	}
	res.Stages = append(res.Stages, Stage{"patch: render+write", time.Since(t0)})
	if ierr := <-indexed; err == nil {
		err = ierr
	}
	res.Stages = append(res.Stages, Stage{"patch: search index", indexTime})
	if err == nil && opts.Commit != nil && !opts.Commit() {
		err = ErrAbandoned
	}
	t0 = time.Now()
	if err == nil {
		err = out.commit()
	}
	if err != nil {
		out.abort()
		return err
	}
	res.Stages = append(res.Stages, Stage{"patch: commit", time.Since(t0)})
	mc.setManifest(opts.Out, out.cur)
	mc.commitPages(memo)
	saveCache(opts.Out, c.fingerprint(opts, c.themeDir), res.Diagnostics)
	lb.docs = docs
	res.Pages, res.Bytes = len(out.cur), lb.bytes
	return nil
}

// sameItem reports whether two action items are the same to /actions/ and /stats/ (their line may differ).
func sameItem(a, b ActionItem) bool {
	return a.Title == b.Title && a.Owner == b.Owner && a.Due.Equal(b.Due) && a.Status == b.Status && a.Ticket == b.Ticket
}

// readEdits reads the changed files and returns them when each is a postmortem of the last build whose frontmatter
// is unchanged, or changed only in what the graph does not read (graphKey); ok is false otherwise. Files whose
// bytes did not change are left out.
func readEdits(opts Options, lb *lastBuild) (edits []fileEdit, ok bool) {
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
		ed := fileEdit{f: f, p: p, st: st, sum: sum}
		var ignored Diagnostics
		fm := parseFrontMatter(rel, data, &ignored)
		if fm == nil {
			return nil, false
		}
		ed.body, ed.fmSum = fm.body, checksum(fm.raw(data))
		if ed.fmSum != e.fmSum {
			q, _ := decodeSource(rel, data, lb.content.Config, &ed.fmErr)
			if q == nil || ed.fmErr.Errors() > 0 || graphKey(q) != graphKey(&e.pm) {
				return nil, false
			}
			q.Body = fm.body
			ed.fm = q
		} else if fm.bodyLine != e.pm.BodyLine {
			return nil, false
		}
		edits = append(edits, ed)
	}
	return edits, true
}

// graphKey hashes what the graph stage and the page list read of a decoded postmortem: its identity, date,
// status, terms (with the spellings that name them), relations and onboarding flag. A frontmatter edit that keeps
// it (a title, a summary, the timeline, action items, links, times) leaves every list, term and relation as it is.
func graphKey(p *Postmortem) uint64 {
	h := newKeyHash()
	h.str(p.Source, p.Bundle, p.Slug, p.Date.Format(time.RFC3339Nano), p.Date.Location().String(), p.Severity,
		strconv.Itoa(p.SevRank), p.Status, fmt.Sprint(p.Onboarding != nil, p.Onboarding != nil && *p.Onboarding))
	for _, list := range [][]string{p.Tags, p.Services, p.Teams} {
		h.str("list")
		h.str(list...)
	}
	for _, f := range p.Factors {
		h.str("factor", f.Name, f.Description, f.base)
	}
	for _, r := range p.Related {
		h.str("related", r.Slug, strconv.FormatBool(r.Factor))
	}
	return h.sum()
}

// dependentBodies lists the listed incidents, other than the edited ones, whose body links to an incident whose
// frontmatter changed (their [[slug]] link shows its title): their bodies render again.
func dependentBodies(lb *lastBuild, edits []fileEdit) []fileEdit {
	slugs := map[string]bool{}
	edited := map[*Postmortem]bool{}
	var retitled []*Postmortem
	for _, ed := range edits {
		edited[ed.p] = true
		if ed.fm != nil {
			slugs[ed.p.Slug] = true
			retitled = append(retitled, ed.p)
		}
	}
	// A body that shows an incident's title links to it, so it is among the incidents' backlinks (the patch keeps
	// where bodies link).
	var out []fileEdit
	for _, q := range retitled {
		for _, p := range q.Backlinks {
			if edited[p] {
				continue
			}
			e := lb.memo.ent[p] // the page memo's entries: no lock, unlike the cache's own map
			if e != nil && slices.ContainsFunc(e.deps, func(d linkDep) bool { return d.kind == depIncident && slugs[d.key] }) {
				edited[p] = true
				out = append(out, fileEdit{p: p})
			}
		}
	}
	return out
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
