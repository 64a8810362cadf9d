package generator

import (
	"io/fs"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
)

// maxFullList is the longest incident list shown with summaries. /incidents/ stops there and links to the year
// pages; other long lists drop the summaries, so no page becomes a multi-megabyte wall.
const maxFullList = 500

// pageJob is one HTML page to render.
type pageJob struct {
	layout string
	page   *Page
	data   func() any // the page's Data when it is costly to compute: only called when the page is rendered
}

// Pages lists every HTML page of the site with the layout that renders it.
func (s *Site) pages() []pageJob {
	var jobs []pageJob
	add := func(layout, p, title string, fill func(*Page)) {
		pg := &Page{Site: s, Path: p, Root: rootFor(p), Title: title, Kind: layout, BuildDate: s.BuildDate}
		if fill != nil {
			fill(pg)
		}
		jobs = append(jobs, pageJob{layout: layout, page: pg})
	}
	add("home", "", s.Config.Title, nil)
	add("incidents", "incidents/", "All incidents", func(p *Page) {
		list := s.Incidents
		if len(list) > maxFullList {
			list = list[:maxFullList]
			p.Data = struct{ Shown int }{maxFullList}
		}
		p.Groups = byYear(list)
	})
	for _, inc := range s.Incidents {
		add("incident", inc.URL(), inc.Title, func(p *Page) { p.Incident = inc })
	}
	taxonomies := []struct {
		kind, title string
		terms       []*Term
	}{
		{"factors", "Contributing factors", s.Factors},
		{"tags", "Tags", s.Tags},
		{"services", "Services", s.Services},
		{"severities", "Severities", s.Severities},
		{"years", "Years", s.Years},
	}
	for _, tx := range taxonomies {
		add("terms", tx.kind+"/", tx.title, func(p *Page) { p.Terms = tx.terms; p.Data = tx.kind })
		for _, t := range tx.terms {
			add("term", t.URL(), t.Name, func(p *Page) {
				p.Term, p.Groups, p.Data = t, byYear(t.Incidents), tx.kind
				p.Compact = len(t.Incidents) > maxFullList
			})
		}
	}
	lazy := func(layout, p, title string, data func() any) {
		add(layout, p, title, nil)
		jobs[len(jobs)-1].data = data
	}
	lazy("actions", "actions/", "Action items", func() any { return s.actionsData() }) // actions.go
	lazy("stats", "stats/", "Statistics", func() any { return s.statsData() })         // stats.go
	lazy("learn", "learn/", "Start here", func() any { return s.learnData() })         // learnpage.go
	add("search", "search/", "Search", nil)
	// The 404 page is served at any depth, so relative links cannot work: it links from the site's root.
	add("404", "404.html", "Page not found", func(p *Page) { p.Root = s.rootURL() })
	return jobs
}

// writeSite renders every page and copies the assets into out, on every core. It returns the pages, which a preview
// keeps for its next save (patch.go).
func writeSite(s *Site, c *Content, out *output) ([]pageJob, error) {
	tpl, err := loadTemplates(c.theme)
	if err != nil {
		return nil, envErrorf("%v", err)
	}
	jobs := s.pages()
	out.startWriters()
	// In a preview rebuild, a page whose inputs are all unchanged is not rendered again: it is already on disk.
	memo := newPageMemo(s, c, out)
	tpl.useRowStore(c.cache, memo != nil)
	err = renderPages(jobs, c, tpl, memo, out)
	tpl.commitRowStore(s.today().Format("2006-01-02"))
	if memo != nil {
		memo.rendered = tpl.rows
	}
	out.memo = memo // the keys become the reference once the build is committed
	if err != nil {
		return nil, err
	}
	return jobs, writeSiteFiles(s, c, jobs, out)
}

// renderPages renders jobs on every core and hands them to out's writers, which it flushes. With a memo, a page whose
// key is the one on disk is kept instead.
func renderPages(jobs []pageJob, c *Content, tpl *templates, memo *pageMemo, out *output) error {
	var firstErr error
	var once sync.Once
	fail := func(err error) { once.Do(func() { firstErr = err }) }
	var ignored Diagnostics
	parallel(len(jobs), func(i int, _ *Diagnostics) {
		j := jobs[i]
		file := j.page.file()
		var key uint64
		var keyed bool
		if memo != nil {
			if key, keyed = memo.key(j); keyed && memo.unchanged(file, key) && out.keep(file) {
				memo.record(file, key)
				if j.layout == "incident" {
					j.page.Incident.HTML = ""
				}
				return
			}
		}
		if j.data != nil {
			j.page.Data = j.data()
		}
		if j.layout == "incident" && j.page.Incident.lazyHTML {
			if err := c.renderLazy(j.page.Incident); err != nil {
				fail(envErrorf("%v", err))
				return
			}
		}
		buf, data, err := tpl.render(j.layout, j.page)
		if err != nil {
			fail(envErrorf("%v", err))
			return
		}
		if keyed {
			memo.record(file, key)
		}
		if j.layout == "incident" && c.cache != nil {
			c.cache.count(0, 0, 1)
		}
		out.writeAsync(file, data, func() { putBuffer(buf) })
		if j.layout == "incident" {
			j.page.Incident.HTML = "" // rendered: large knowledge bases need the memory more than the copy
		}
	}, &ignored)
	if err := out.flush(); err != nil {
		fail(err)
	}
	return firstErr
}

// file is the page's file in the site: a folder's index.html for pretty URLs.
func (p *Page) file() string {
	if p.Path == "" || strings.HasSuffix(p.Path, "/") {
		return p.Path + "index.html"
	}
	return p.Path
}

// writeSiteFiles writes what is not a page: the feed, the sitemap, incidents.json and the assets.
func writeSiteFiles(s *Site, c *Content, jobs []pageJob, out *output) error {
	for _, f := range machineReadable(s, jobs, c.cache, out.memo) {
		if err := out.writeFile(f); err != nil {
			return err
		}
	}
	return copyAssets(s, c, out)
}

// copyAssets copies the theme's static files under assets/, the knowledge base's static/ to the site root, and each
// bundle's files next to its page so relative references keep working.
func copyAssets(s *Site, c *Content, out *output) error {
	err := fs.WalkDir(c.theme, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(c.theme, p)
		if err != nil {
			return err
		}
		return out.write("assets/"+strings.TrimPrefix(p, "static/"), data)
	})
	if err != nil {
		return envErrorf("theme: %v", err)
	}
	src := c.inv
	for _, rel := range src.static {
		if err := out.copyFile(strings.TrimPrefix(rel, "static/"), c.abs(rel)); err != nil {
			return err
		}
	}
	for _, p := range s.Incidents {
		if p.Bundle == "" {
			continue
		}
		for _, rel := range src.assets[p.Bundle] {
			if err := out.copyFile(p.URL()+strings.TrimPrefix(rel, p.Bundle+"/"), c.abs(rel)); err != nil {
				return err
			}
		}
	}
	return nil
}

func (c *Content) abs(rel string) string { return filepath.Join(c.inv.root, filepath.FromSlash(rel)) }

// rootURL is the absolute path of the site root: base_url's path, or "/".
func (s *Site) rootURL() string {
	if s.Config.BaseURL == "" {
		return "/"
	}
	if u, err := url.Parse(s.Config.BaseURL); err == nil && u.Path != "" {
		return u.Path
	}
	return "/"
}
