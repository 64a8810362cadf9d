package build

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/secondstory/secondstory/generator/config"
	"github.com/secondstory/secondstory/generator/diag"
	"github.com/secondstory/secondstory/generator/graph"
	"github.com/secondstory/secondstory/generator/incremental"
	"github.com/secondstory/secondstory/generator/output"
	"github.com/secondstory/secondstory/generator/render"
	"github.com/secondstory/secondstory/generator/source"
	"github.com/secondstory/secondstory/themes"
)

// file is one file of the site that is not a page: where it comes from and how to read it.
type file struct {
	from string // a source path, or "theme:<path>"
	read func() ([]byte, error)
}

// sitePlan is what a build will write: the theme, the pages, every other file and where it comes from, and the
// errors found in making it.
type sitePlan struct {
	theme *render.Theme
	jobs  []render.Job
	files map[string]file
	diags diag.List
}

// plan lists the pages and files of the site. A theme that does not load is an environment error (check goes on
// without the plan: it does not render).
func plan(site *graph.Site, inv *source.Inventory, themeDir string) (*sitePlan, error) {
	theme, err := render.LoadTheme(themes.Overlay(themeDir))
	if err != nil {
		return nil, diag.Env("%v", err)
	}
	p := &sitePlan{theme: theme, jobs: render.Jobs(site)}
	p.files, p.diags = planFiles(site, inv, theme.FS, p.jobs)
	return p, nil
}

// write renders the pages, writes them with the machine-readable files and the assets, updates the search index,
// and commits the new site. Only environment failures (a full disk) can fail it after the plan is checked.
func (s *Session) write(res *Result, st *stages, cfg *config.Config, pl *sitePlan, site *graph.Site, ix *indexer) error {
	ok := false
	if ix != nil {
		defer func() {
			if !ok {
				_ = ix.finish(false)
			}
		}()
	}
	if err := s.paths.Check(s.opts.Source); err != nil {
		return err
	}
	if err := s.paths.Recover(); err != nil {
		return err
	}
	theme, jobs, files := pl.theme, pl.jobs, pl.files
	_ = os.Remove(s.paths.State) // the site is about to change: an interrupted build must not look up to date
	var w *output.Writer
	var err error
	if s.keep && s.sums != nil && s.siteExists() {
		w, err = output.InPlace(s.paths, s.sums)
	} else {
		w, err = output.Fresh(s.paths)
		s.forgetOutput()
	}
	if err != nil {
		return err
	}
	if s.keep {
		s.changes(site, theme)
		s.frags.Begin(s.vers)
	} else {
		s.frags.Begin(nil)
	}
	docs := s.documents(site)
	indexed := make(chan error, 1)
	go func() {
		if ix == nil {
			indexed <- s.updateIndex(docs)
		} else {
			indexed <- nil // the indexer has been at it since the bodies rendered
		}
	}()

	err = s.renderPages(res, w, theme, site, jobs)
	if err == nil {
		err = s.writeFiles(w, site, jobs, docs, files, cfg)
	}
	st.done("render+write", res.Written, "pages rendered,", w.Files, "files")
	if ierr := <-indexed; err == nil {
		err = ierr
	}
	if ix != nil {
		ok = true
		if ierr := ix.finish(err == nil); err == nil && ierr != nil {
			err = indexError(s.paths.Index, ierr)
		}
	}
	st.done("search index", len(docs), "documents")
	if err != nil {
		w.Abort()
		s.forgetOutput()
		return err
	}
	if err := w.Commit(s.keep); err != nil {
		w.Abort()
		s.forgetOutput()
		return err
	}
	st.done("commit")
	res.Files, res.Bytes = w.Files, w.Bytes
	if s.keep {
		s.sums = w.Manifest()
	}
	return nil
}

// planFiles lists every file of the site that is not a page, and checks that no two files, and no file and page,
// have one path: a static file or a bundle's file never overwrites a page. A source file past the size limit is an
// error now, each one, rather than the first one the copy meets.
func planFiles(site *graph.Site, inv *source.Inventory, theme fs.FS, jobs []render.Job) (map[string]file, diag.List) {
	files := map[string]file{}
	owner := map[string]string{}
	var diags diag.List
	title := map[string]string{}
	for _, j := range jobs {
		// Names are validated so that no two pages meet; this is the net under that rule, naming both.
		name := j.File()
		if other, dup := title[name]; dup {
			diags.Errorf(".", 0, 0, "collision", "the pages %q and %q would both be published as /%s", other, j.Title, name)
			continue
		}
		title[name] = j.Title
		owner[name] = "the page /" + j.Path
	}
	for _, name := range []string{"feed.xml", "sitemap.xml", "incidents.json", "search-index.json", output.Marker} {
		owner[name] = "the site's " + name
	}
	add := func(site, from, what string, read func() ([]byte, error)) {
		if other, ok := owner[site]; ok {
			if other != what {
				diags.Errorf(from, 0, 0, "collision", "would be published as /%s, which is %s", site, other)
			}
			return
		}
		owner[site] = what
		files[site] = file{from, read}
	}
	_ = fs.WalkDir(theme, "static", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			add("assets/"+strings.TrimPrefix(p, "static/"), "theme:"+p, "the theme's "+p, func() ([]byte, error) { return fs.ReadFile(theme, p) })
		}
		return nil
	})
	max := site.Config.MaxFileBytes()
	tooLarge := map[string]bool{}
	addSource := func(site, rel string) {
		if tooLarge[rel] {
			return
		}
		if st, err := os.Stat(filepath.Join(inv.Root, filepath.FromSlash(rel))); err == nil && st.Mode().IsRegular() && st.Size() > max {
			tooLarge[rel] = true
			diags.Errorf(rel, 0, 0, "read", "cannot read: %v", source.TooLarge(st.Size(), max))
			return
		}
		add(site, rel, rel, func() ([]byte, error) { return source.Read(inv.Root, rel, max) })
	}
	for _, rel := range inv.Static {
		addSource(strings.TrimPrefix(rel, "static/"), rel)
	}
	for _, in := range site.Incidents {
		if in.Bundle != "" {
			for _, rel := range inv.Files {
				if strings.HasPrefix(rel, in.Bundle+"/") {
					addSource(in.URL()+strings.TrimPrefix(rel, in.Bundle+"/"), rel)
				}
			}
		}
		if in.Body != nil {
			for _, rel := range in.Body.Files {
				addSource("files/"+rel, rel) // linked as markdown.FileURL(rel), its escaped form
			}
		}
	}
	return files, diags
}

// renderPages renders every page on every core; a session renders only the pages that read something that
// changed since its last build (and pages it has not rendered yet), and keeps the others as they are on disk.
func (s *Session) renderPages(res *Result, w *output.Writer, theme *render.Theme, site *graph.Site, jobs []render.Job) error {
	preview := s.opts.Preview && !s.opts.NoDraftBanner
	var mu sync.Mutex
	var firstErr error
	rendered := 0
	keep := make([]bool, len(jobs)) // decided before the workers start: they change s.pages
	for i, j := range jobs {
		keep[i] = s.keep && !s.stale(j.File())
	}
	parallel(len(jobs), func(i int) {
		j := jobs[i]
		name := j.File()
		if keep[i] && w.Keep(name) {
			return
		}
		b, reads, err := theme.Render(site, j, preview, &s.frags)
		if err == nil {
			err = w.Write(name, b, incremental.Sum(b))
		}
		mu.Lock()
		defer mu.Unlock()
		rendered++
		if err != nil {
			if firstErr == nil {
				firstErr = diag.Env("%v", err)
			}
			return
		}
		if s.keep {
			s.pages.Record(name, incremental.IDs(reads))
		}
	})
	if s.keep {
		current := make(map[string]bool, len(jobs))
		for _, j := range jobs {
			current[j.File()] = true
		}
		for _, name := range s.pages.Names() {
			if !current[name] && !machineFiles[name] {
				s.pages.Forget(name)
			}
		}
	}
	res.Written = rendered
	return firstErr
}

// changes works out, in a session, what changed since its last build: the versions of everything a page can
// read, compared with the last build's. Pages that read none of it are kept.
func (s *Session) changes(site *graph.Site, theme *render.Theme) {
	vers := incremental.NewVersions(site, s.version(true), s.version(false), configKey(site.Config, s.opts),
		themeVersion(theme.FS), s.vers, s.graphReused)
	s.stalePages = nil
	if s.vers != nil {
		s.stalePages = s.pages.Stale(vers.Changed(s.vers))
	} else {
		s.pages.Reset()
	}
	s.vers = vers
}

// stale reports whether a session must write a page or file again: it read something that changed, or no build
// of the session wrote it.
func (s *Session) stale(name string) bool {
	return s.stalePages[name] || !s.pages.Known(name)
}

// machineFiles are the site's files that are not pages, and what each is made from: the session keeps one
// while none of that changed.
var machineFiles = map[string]bool{"feed.xml": true, "sitemap.xml": true, "incidents.json": true, "search-index.json": true}

func machineReads(name string, site *graph.Site) *render.Reads {
	r := render.NewReads()
	r.Site = render.Config | render.ListIncidents
	switch name {
	case "feed.xml":
		for i, in := range site.Incidents {
			if i == feedLength {
				break
			}
			r.Incidents[in.Source] = render.Front
		}
	case "sitemap.xml":
		r.Site |= render.AllFront | render.ListFactors | render.ListTags | render.ListServices | render.ListSeverities | render.ListYears
	case "incidents.json":
		r.Site |= render.AllFront | render.AllLinks
	case "search-index.json":
		r.Site |= render.AllFront | render.AllLinks | render.AllTerms
	}
	return r
}

const feedLength = 50

// forgetOutput drops the session's output state: the next build writes a fresh site. After a failed write, what is
// on disk is the last committed site, which the state no longer describes.
func (s *Session) forgetOutput() {
	s.sums, s.vers, s.stalePages = nil, nil, nil
	s.pages.Reset()
}

// version returns an incident's Front or Body version, from its file's memo entry.
func (s *Session) version(front bool) func(*graph.Incident) uint64 {
	return func(in *graph.Incident) uint64 {
		e := s.files.Get(in.Source)
		if e == nil {
			return 0
		}
		if front {
			return e.Front
		}
		return e.BodyVersion
	}
}

// configKey stands for the configuration and the options that change pages.
func configKey(cfg *config.Config, opts Options) uint64 {
	var k incremental.Key
	return k.Bytes(cfg.Data).Str(cfg.BaseURL).Str(fmt.Sprint(opts.Preview, opts.NoDraftBanner)).Sum()
}

// themeVersion hashes the theme's files: a changed layout or stylesheet changes every page's key.
func themeVersion(theme fs.FS) uint64 {
	var k incremental.Key
	_ = fs.WalkDir(theme, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			data, _ := fs.ReadFile(theme, p)
			k.Str(p).Bytes(data)
		}
		return nil
	})
	return k.Sum()
}

// writeFiles writes the feed, the sitemap, incidents.json, search-index.json and the assets.
func (s *Session) writeFiles(w *output.Writer, site *graph.Site, jobs []render.Job, docs []searchDoc, files map[string]file, cfg *config.Config) error {
	lines := make([][]byte, len(site.Incidents))
	if s.keep && !s.stale("incidents.json") {
		lines = nil // kept: not made
	}
	parallel(len(lines), func(i int) {
		in := site.Incidents[i]
		var k incremental.Key
		key := k.U64(s.version(true)(in)).Str(cfg.BaseURL).Sum()
		if l, ok := s.lines.Get(in.Source, key); ok && s.keep {
			lines[i] = l
			return
		}
		lines[i] = render.IncidentLine(site, in)
		if s.keep {
			s.lines.Put(in.Source, key, lines[i])
		}
	})
	makers := map[string]func() ([]byte, error){
		"feed.xml":          func() ([]byte, error) { return render.Feed(site, feedLength), nil },
		"sitemap.xml":       func() ([]byte, error) { return render.Sitemap(site, jobs), nil },
		"incidents.json":    func() ([]byte, error) { return render.IncidentsJSON(lines), nil },
		"search-index.json": func() ([]byte, error) { return clientIndex(docs) },
	}
	for name, build := range makers {
		if s.keep && !s.stale(name) && w.Keep(name) {
			continue
		}
		data, err := build()
		if err != nil {
			return diag.Env("%s: %v", name, err)
		}
		if err := w.Write(name, data, incremental.Sum(data)); err != nil {
			return err
		}
		if s.keep {
			s.pages.Record(name, incremental.IDs(machineReads(name, site)))
		}
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	var mu sync.Mutex
	var envErr error
	var unreadable diag.List
	parallel(len(names), func(i int) {
		name, f := names[i], files[names[i]]
		err := s.copyFile(w, name, f)
		var ce *diag.ContentError
		mu.Lock()
		defer mu.Unlock()
		switch {
		case err == nil:
		case errors.As(err, &ce):
			unreadable = append(unreadable, ce.List...)
		case envErr == nil:
			envErr = err
		}
	})
	if envErr != nil {
		return envErr
	}
	if len(unreadable) > 0 {
		unreadable.Sort()
		return &diag.ContentError{List: unreadable}
	}
	return nil
}

// copyFile writes one asset; a session keeps an asset whose stat did not change without reading it.
func (s *Session) copyFile(w *output.Writer, name string, f file) error {
	theme := strings.HasPrefix(f.from, "theme:")
	var statKey uint64
	if s.keep && !theme {
		st := source.StatOf(s.root, f.from)
		var k incremental.Key
		statKey = k.U64(uint64(st.Size)).U64(uint64(st.Mod.UnixNano())).U64(uint64(st.Chg.UnixNano())).U64(st.Inode).Sum()
		if sum, ok := s.assets.Get(f.from, statKey); ok && w.KeepIf(name, sum) {
			return nil
		}
	}
	data, err := f.read()
	if errors.Is(err, source.ErrGone) {
		// Deleted since the scan (a temporary file that came and went): not part of this site, and the next
		// change set brings the folder's new state.
		return nil
	}
	if err != nil {
		if theme {
			return diag.Env("theme: %s: %v", strings.TrimPrefix(f.from, "theme:"), err)
		}
		return &diag.ContentError{List: diag.List{{Path: f.from, Severity: diag.Error, Rule: "read", Message: "cannot read: " + err.Error()}}}
	}
	sum := incremental.Sum(data)
	if statKey != 0 {
		s.assets.Put(f.from, statKey, sum)
	}
	return w.Write(name, data, sum)
}
