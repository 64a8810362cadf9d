package render

import (
	"fmt"
	"html/template"
	"net/url"
	"strings"

	"github.com/secondstory/secondstory/generator/graph"
)

// maxFullList is the longest incident list shown with summaries. /incidents/ stops there and links to the year
// pages; other long lists drop the summaries, so no page becomes a multi-megabyte wall.
const maxFullList = 500

// Page is what every template receives.
type Page struct {
	Site     Site
	Root     string // relative path from this page to the site root ("../../"): the site works from any sub-path
	Path     string // this page's path relative to the root ("incidents/x/")
	Title    string
	Kind     string // the layout: home, incident, incidents, terms, term, actions, stats, learn, search, 404
	Incident *Incident
	Term     *Term
	Terms    []Term
	Groups   []YearGroup
	Compact  bool // a long list: rows without summaries
	Data     any  // page-specific extras
	Preview  bool // served by serve --watch: drafts carry a banner
	r        *Reads
	set      *template.Template
	frags    Fragments
}

// Row renders the "incident-row" partial for an incident (with P, Root and Compact), through the fragment cache:
// lists of thousands of incidents repeat the same rows on many pages and across builds.
func (p *Page) Row(in Incident, compact bool) (template.HTML, error) {
	return p.fragment(fmt.Sprintf("row|%s|%t|%s", p.Root, compact, in.in.Source), "incident-row",
		func(r *Reads) any { return map[string]any{"P": Incident{in.in, r}, "Root": p.Root, "Compact": compact} })
}

// ActionRow renders the "action-row" template of /actions/ for an item (with A and Root), through the fragment
// cache.
func (p *Page) ActionRow(a *ActionRow) (template.HTML, error) {
	return p.fragment(fmt.Sprintf("action|%s|%s|%d", p.Root, a.slugSource, a.index), "action-row",
		func(r *Reads) any {
			c := *a
			c.Incident = Incident{a.Incident.in, r}
			return map[string]any{"A": &c, "Root": p.Root}
		})
}

// fragment executes a named template of the page's set with data made for a fresh record of reads, or takes it
// from the cache; either way the page reads what the fragment read.
func (p *Page) fragment(key, name string, data func(*Reads) any) (template.HTML, error) {
	mk := func() (template.HTML, *Reads, error) {
		r := NewReads()
		r.Site |= Day | Config // action rows say how overdue an item is, and link tickets by the configured pattern
		var b strings.Builder
		if err := p.set.ExecuteTemplate(&b, name, data(r)); err != nil {
			return "", nil, err
		}
		return template.HTML(b.String()), r, nil
	}
	var h template.HTML
	var r *Reads
	var err error
	if p.frags == nil {
		h, r, err = mk()
	} else {
		h, r, err = p.frags.Get(p.Kind+"|"+key, mk)
	}
	if err != nil {
		return "", err
	}
	p.r.Add(r)
	return h, nil
}

// URL returns the path to a site-relative target from this page.
func (p *Page) URL(target string) string { return p.Root + target }

// EditURL is the "edit this page" link of an incident, when the site configures one.
func (p *Page) EditURL() string {
	cfg := p.Site.Config()
	if p.Incident == nil || cfg.EditURL == "" {
		return ""
	}
	return strings.ReplaceAll(cfg.EditURL, "{path}", p.Incident.Source())
}

// Canonical is the absolute URL of the page when base_url is set.
func (p *Page) Canonical() string {
	if b := p.Site.Config().BaseURL; b != "" {
		return b + p.Path
	}
	return ""
}

// TicketURL links a ticket id when the site configures ticket_url; "" otherwise (an http(s) ticket is its own
// link).
func (p *Page) TicketURL(ticket string) string {
	return ticketURL(p.Site.Config().TicketURL, ticket)
}

// Job is one page to render.
type Job struct {
	Layout string
	Path   string
	Title  string
	fill   func(*Page) // sets what the layout shows, through the page's views
}

// File is the page's file in the site: a folder's index.html for pretty URLs. Path is a URL, escaped (a term
// "für" is at tags/f%C3%BCr/); the file has the name a web server looks for once it has decoded it.
func (j Job) File() string {
	p := j.Path
	if strings.Contains(p, "%") { // most paths have nothing to unescape, and a build asks for every page's file
		if u, err := url.PathUnescape(p); err == nil {
			p = u
		}
	}
	if p == "" || strings.HasSuffix(p, "/") {
		return p + "index.html"
	}
	return p
}

// Incident is the incident an incident page shows, or nil.
func (j Job) Incident(s *graph.Site) *graph.Incident {
	if j.Layout != "incident" {
		return nil
	}
	return s.Incident(strings.TrimSuffix(strings.TrimPrefix(j.Path, "incidents/"), "/"))
}

// Jobs lists every HTML page of the site.
func Jobs(s *graph.Site) []Job {
	var jobs []Job
	add := func(layout, path, title string, fill func(*Page)) {
		jobs = append(jobs, Job{Layout: layout, Path: path, Title: title, fill: fill})
	}
	add("home", "", s.Config.Title, nil)
	add("incidents", "incidents/", "All incidents", func(p *Page) {
		list := p.Site.s.Incidents
		p.Site.r.Site |= ListIncidents
		if len(list) > maxFullList {
			list = list[:maxFullList]
			p.Data = struct{ Shown int }{maxFullList}
		}
		p.Groups = byYear(list, p.r)
	})
	for _, in := range s.Incidents {
		add("incident", in.URL(), in.Title, func(p *Page) { p.Incident = &Incident{in, p.r} })
	}
	for _, tx := range []struct {
		kind, title string
		terms       []*graph.Term
		list        Aspect
	}{
		{"factors", "Contributing factors", s.Factors, ListFactors},
		{"tags", "Tags", s.Tags, ListTags},
		{"services", "Services", s.Services, ListServices},
		{"severities", "Severities", s.Severities, ListSeverities},
		{"years", "Years", s.Years, ListYears},
	} {
		add("terms", tx.kind+"/", tx.title, func(p *Page) {
			p.r.Site |= tx.list
			p.Terms, p.Data = terms(tx.terms, p.r), tx.kind
		})
		for _, t := range tx.terms {
			add("term", t.URL(), t.Name, func(p *Page) {
				p.r.term(t, TermMembers)
				p.Term, p.Groups, p.Data = &Term{t, p.r}, byYear(t.Incidents, p.r), tx.kind
				p.Compact = len(t.Incidents) > maxFullList
			})
		}
	}
	add("actions", "actions/", "Action items", func(p *Page) { p.Data = actionsData(p) })
	add("stats", "stats/", "Statistics", func(p *Page) { p.Data = statsData(p) })
	add("learn", "learn/", "Start here", func(p *Page) { p.Data = learnData(p) })
	add("search", "search/", "Search", nil)
	// The 404 page is served at any depth, so relative links cannot work: it links from the site's root.
	add("404", "404.html", "Page not found", func(p *Page) { p.Root = rootURL(p.Site.Config().BaseURL) })
	return jobs
}

// Fragments keeps rendered fragments of pages (list rows), each with what it read, so that a row shown on many
// pages is rendered once, and a row whose inputs did not change is not rendered again. make renders the fragment
// and returns what it read; Get returns the kept fragment or make's, with what it read.
type Fragments interface {
	Get(key string, mk func() (template.HTML, *Reads, error)) (template.HTML, *Reads, error)
}

// Render renders one page; it returns the page's bytes and what it read. frags, when not nil, keeps list rows.
func (t *Theme) Render(s *graph.Site, j Job, preview bool, frags Fragments) ([]byte, *Reads, error) {
	r := NewReads()
	p := &Page{Site: Site{s, r}, Path: j.Path, Root: rootFor(j.Path), Title: j.Title, Kind: j.Layout, Preview: preview, r: r,
		set: t.sets[j.Layout], frags: frags}
	if j.fill != nil {
		j.fill(p)
	}
	b, err := t.execute(j.Layout, p)
	return b, r, err
}

// rootFor returns the relative path from a page at p (e.g. "incidents/x/") to the site root.
func rootFor(p string) string {
	if p == "" {
		return ""
	}
	return strings.Repeat("../", strings.Count(strings.TrimSuffix(p, "/"), "/")+1)
}

// rootURL is the absolute path of the site root: base_url's path, or "/".
func rootURL(baseURL string) string {
	if u, err := url.Parse(baseURL); err == nil && u.Path != "" {
		return u.Path
	}
	return "/"
}
