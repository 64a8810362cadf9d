package render

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"time"

	"github.com/secondstory/secondstory/generator/graph"
	"github.com/secondstory/secondstory/generator/postmortem"
)

type atomLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
}

type atomCategory struct {
	Term string `xml:"term,attr"`
}

type atomEntry struct {
	Title      string         `xml:"title"`
	ID         string         `xml:"id"`
	Link       atomLink       `xml:"link"`
	Updated    string         `xml:"updated"`
	Published  string         `xml:"published,omitempty"`
	Summary    string         `xml:"summary,omitempty"`
	Authors    []atomPerson   `xml:"author"`
	Categories []atomCategory `xml:"category"`
}

type atomPerson struct {
	Name string `xml:"name"`
}

type atomDoc struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Title   string      `xml:"title"`
	ID      string      `xml:"id"`
	Updated string      `xml:"updated"`
	Links   []atomLink  `xml:"link"`
	Author  atomPerson  `xml:"author"`
	Entries []atomEntry `xml:"entry"`
}

// siteURL makes a site-relative path absolute when base_url is set; otherwise it stays relative to the feed.
func siteURL(s *graph.Site, rel string) string { return s.Config.BaseURL + rel }

// Feed is the Atom feed of the newest incidents; nothing in it depends on the build time, so rebuilding unchanged
// content gives the same file.
func Feed(s *graph.Site, limit int) []byte {
	feed := atomDoc{
		Title:  s.Config.Title,
		ID:     feedID(s, ""),
		Links:  []atomLink{{Href: siteURL(s, "feed.xml"), Rel: "self", Type: "application/atom+xml"}, {Href: siteURL(s, ""), Rel: "alternate"}},
		Author: atomPerson{Name: s.Config.Title},
	}
	updated := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, p := range s.Incidents {
		if i == limit {
			break
		}
		u := entryUpdated(p)
		if u.After(updated) {
			updated = u
		}
		e := atomEntry{Title: p.Title, ID: feedID(s, p.URL()), Link: atomLink{Href: siteURL(s, p.URL())},
			Updated: u.Format(time.RFC3339), Published: p.Date.Format(time.RFC3339), Summary: p.Summary}
		for _, a := range p.Authors {
			e.Authors = append(e.Authors, atomPerson{Name: a})
		}
		if len(e.Authors) == 0 {
			e.Authors = []atomPerson{{Name: s.Config.Title}}
		}
		if p.Severity != "" {
			e.Categories = append(e.Categories, atomCategory{p.Severity})
		}
		for _, t := range p.Tags {
			e.Categories = append(e.Categories, atomCategory{t})
		}
		feed.Entries = append(feed.Entries, e)
	}
	feed.Updated = updated.Format(time.RFC3339)
	var b bytes.Buffer
	b.WriteString(xml.Header)
	enc := xml.NewEncoder(&b)
	enc.Indent("", "  ")
	_ = enc.Encode(feed)
	b.WriteByte('\n')
	return b.Bytes()
}

// feedID is a stable Atom id: the absolute URL when known, else a tag URI built from the site title.
func feedID(s *graph.Site, rel string) string {
	if s.Config.BaseURL != "" {
		return s.Config.BaseURL + rel
	}
	return "tag:secondstory," + "2000:" + postmortem.Slugify(s.Config.Title) + "/" + rel
}

func entryUpdated(p *graph.Incident) time.Time {
	if !p.ResolvedAt.IsZero() {
		return p.ResolvedAt.UTC()
	}
	return p.Date
}

type sitemapURL struct {
	Loc     string `xml:"loc"`
	LastMod string `xml:"lastmod,omitempty"`
}

type urlSet struct {
	XMLName xml.Name     `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 urlset"`
	URLs    []sitemapURL `xml:"url"`
}

// Sitemap lists the pages of jobs (the 404 page aside), incident pages with their date.
func Sitemap(s *graph.Site, jobs []Job) []byte {
	set := urlSet{}
	for _, j := range jobs {
		if j.Path == "404.html" {
			continue
		}
		u := sitemapURL{Loc: siteURL(s, j.Path)}
		if in := j.Incident(s); in != nil {
			u.LastMod = in.Date.Format("2006-01-02")
		}
		set.URLs = append(set.URLs, u)
	}
	var b bytes.Buffer
	b.WriteString(xml.Header)
	enc := xml.NewEncoder(&b)
	enc.Indent("", "  ")
	_ = enc.Encode(set)
	b.WriteByte('\n')
	return b.Bytes()
}

// incidentJSON is the public, stable shape of one incident in incidents.json.
type incidentJSON struct {
	Slug                 string            `json:"slug"`
	URL                  string            `json:"url"`
	Title                string            `json:"title"`
	Date                 string            `json:"date"`
	Summary              string            `json:"summary,omitempty"`
	Severity             string            `json:"severity,omitempty"`
	Status               string            `json:"status"`
	Authors              []string          `json:"authors,omitempty"`
	Services             []string          `json:"services,omitempty"`
	Teams                []string          `json:"teams,omitempty"`
	Tags                 []string          `json:"tags,omitempty"`
	ContributingFactors  []string          `json:"contributing_factors,omitempty"`
	StartedAt            *time.Time        `json:"started_at,omitempty"`
	DetectedAt           *time.Time        `json:"detected_at,omitempty"`
	MitigatedAt          *time.Time        `json:"mitigated_at,omitempty"`
	ResolvedAt           *time.Time        `json:"resolved_at,omitempty"`
	TimeToDetectMinutes  *float64          `json:"time_to_detect_minutes,omitempty"`
	TimeToMitigateMinute *float64          `json:"time_to_mitigate_minutes,omitempty"`
	TimeToResolveMinutes *float64          `json:"time_to_resolve_minutes,omitempty"`
	DurationMinutes      *float64          `json:"duration_minutes,omitempty"`
	ActionItems          []actionJSON      `json:"action_items,omitempty"`
	Related              []string          `json:"related,omitempty"`
	Links                []postmortem.Link `json:"links,omitempty"`
	Source               string            `json:"source"`
	Extra                map[string]any    `json:"extra,omitempty"`
	Timeline             []timelineEntry   `json:"timeline,omitempty"`
}

type actionJSON struct {
	Title  string `json:"title"`
	Owner  string `json:"owner,omitempty"`
	Due    string `json:"due,omitempty"`
	Status string `json:"status"`
	Ticket string `json:"ticket,omitempty"`
}

type timelineEntry struct {
	At    *time.Time `json:"at,omitempty"`
	Text  string     `json:"text"`
	Actor string     `json:"actor,omitempty"`
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func optMinutes(d time.Duration) *float64 {
	if d <= 0 {
		return nil
	}
	m := d.Minutes()
	return &m
}

// IncidentLine is one incident's line of incidents.json: it depends on the incident's frontmatter and the base
// URL alone, so a build encodes only the lines of the files that changed.
func IncidentLine(s *graph.Site, in *graph.Incident) []byte {
	b, _ := json.Marshal(incidentEntry(s, in))
	return b
}

// IncidentsJSON joins the lines: an array with one incident per line, newest first, a third of its indented size and
// still greppable and diffable line by line.
func IncidentsJSON(lines [][]byte) []byte {
	if len(lines) == 0 {
		return []byte("[]\n")
	}
	return append(append([]byte("[\n"), bytes.Join(lines, []byte(",\n"))...), "\n]\n"...)
}

func incidentEntry(s *graph.Site, p *graph.Incident) incidentJSON {
	j := incidentJSON{Slug: p.Slug, URL: siteURL(s, p.URL()), Title: p.Title, Date: p.Date.Format("2006-01-02"),
		Summary: p.Summary, Severity: p.Severity, Status: p.Status, Authors: p.Authors, Services: p.Services,
		Teams: p.Teams, Tags: p.Tags, StartedAt: optTime(p.StartedAt), DetectedAt: optTime(p.DetectedAt),
		MitigatedAt: optTime(p.MitigatedAt), ResolvedAt: optTime(p.ResolvedAt),
		TimeToDetectMinutes: optMinutes(p.TimeToDetect()), TimeToMitigateMinute: optMinutes(p.TimeToMitigate()),
		TimeToResolveMinutes: optMinutes(p.TimeToResolve()), DurationMinutes: optMinutes(p.Duration()),
		Links: p.Links, Source: p.Source, Extra: p.Extra}
	for _, f := range p.Factors {
		j.ContributingFactors = append(j.ContributingFactors, f.Name)
	}
	for _, a := range p.ActionItems {
		aj := actionJSON{Title: a.Title, Owner: a.Owner, Status: a.Status, Ticket: a.Ticket}
		if !a.Due.IsZero() {
			aj.Due = a.Due.Format("2006-01-02")
		}
		j.ActionItems = append(j.ActionItems, aj)
	}
	for _, r := range p.Related {
		j.Related = append(j.Related, r.Slug)
	}
	for _, t := range p.Timeline {
		e := timelineEntry{Text: t.Text, Actor: t.Actor}
		if t.HasAt {
			e.At = optTime(t.At)
		}
		j.Timeline = append(j.Timeline, e)
	}
	return j
}
