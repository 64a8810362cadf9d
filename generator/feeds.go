package generator

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"time"
)

// machineReadable renders the feed, the sitemap and incidents.json. Nothing in them depends on the build time, so
// rebuilding unchanged content gives identical files.
func machineReadable(s *Site, jobs []pageJob, cache *MemCache, memo *pageMemo) []siteFile {
	var listSig uint64
	if memo != nil {
		listSig = memo.listSig // every listed incident's source and frontmatter, in order
	}
	return []siteFile{
		{name: "feed.xml", data: fileData{renderFeed(s, 50)}},
		memo.derived("sitemap.xml", memo.sitemapKey(jobs), func() (fileData, uint64) { return fileData{sitemap(s, jobs)}, 0 }),
		memo.derived("incidents.json", listSig, func() (fileData, uint64) { return incidentsJSON(s, cache, memo) }),
	}
}

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
func (s *Site) siteURL(rel string) string { return s.Config.BaseURL + rel }

func renderFeed(s *Site, limit int) []byte {
	feed := atomDoc{
		Title:  s.Config.Title,
		ID:     s.feedID(""),
		Links:  []atomLink{{Href: s.siteURL("feed.xml"), Rel: "self", Type: "application/atom+xml"}, {Href: s.siteURL(""), Rel: "alternate"}},
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
		e := atomEntry{Title: p.Title, ID: s.feedID(p.URL()), Link: atomLink{Href: s.siteURL(p.URL())},
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
func (s *Site) feedID(rel string) string {
	if s.Config.BaseURL != "" {
		return s.Config.BaseURL + rel
	}
	return "tag:secondstory," + "2000:" + Slugify(s.Config.Title) + "/" + rel
}

func entryUpdated(p *Postmortem) time.Time {
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

// sitemap lists the pages being written (jobs): listing them anew would compute every page's data twice.
// sitemapKey hashes what the sitemap lists: every page's path, and an incident's date.
func sitemapKey(jobs []pageJob) uint64 {
	h := newKeyHash()
	for _, j := range jobs {
		h.str(j.page.Path)
		if j.page.Incident != nil {
			h.u64(uint64(j.page.Incident.Date.Unix()))
		}
	}
	return h.sum()
}

func sitemap(s *Site, jobs []pageJob) []byte {
	set := urlSet{}
	for _, j := range jobs {
		if j.page.Path == "404.html" {
			continue
		}
		u := sitemapURL{Loc: s.siteURL(j.page.Path)}
		if j.page.Incident != nil {
			u.LastMod = j.page.Incident.Date.Format("2006-01-02")
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
	Slug                 string          `json:"slug"`
	URL                  string          `json:"url"`
	Title                string          `json:"title"`
	Date                 string          `json:"date"`
	Summary              string          `json:"summary,omitempty"`
	Severity             string          `json:"severity,omitempty"`
	Status               string          `json:"status"`
	Authors              []string        `json:"authors,omitempty"`
	Services             []string        `json:"services,omitempty"`
	Teams                []string        `json:"teams,omitempty"`
	Tags                 []string        `json:"tags,omitempty"`
	ContributingFactors  []string        `json:"contributing_factors,omitempty"`
	StartedAt            *time.Time      `json:"started_at,omitempty"`
	DetectedAt           *time.Time      `json:"detected_at,omitempty"`
	MitigatedAt          *time.Time      `json:"mitigated_at,omitempty"`
	ResolvedAt           *time.Time      `json:"resolved_at,omitempty"`
	TimeToDetectMinutes  *float64        `json:"time_to_detect_minutes,omitempty"`
	TimeToMitigateMinute *float64        `json:"time_to_mitigate_minutes,omitempty"`
	TimeToResolveMinutes *float64        `json:"time_to_resolve_minutes,omitempty"`
	DurationMinutes      *float64        `json:"duration_minutes,omitempty"`
	ActionItems          []actionJSON    `json:"action_items,omitempty"`
	Related              []string        `json:"related,omitempty"`
	Links                []Link          `json:"links,omitempty"`
	Source               string          `json:"source"`
	Extra                map[string]any  `json:"extra,omitempty"`
	Timeline             []timelineEntry `json:"timeline,omitempty"`
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

// incidentsJSON lists every listed incident. Each entry depends on its own file alone (and the base URL), so the
// entries are encoded on every core, and a preview rebuild reuses those of unchanged files. The result is what
// json.MarshalIndent(list, "", "  ") gives.
// incidentsJSON is every listed incident, newest first: an array with one incident per line, which keeps the file
// a third of its indented size and still greppable and diffable line by line. Each line is kept with the file's
// cache entry, with its checksum, so a build encodes only the incidents that changed, the file is written from
// those lines, and its checksum (returned with it) is a hash of theirs rather than a pass over 20 MB.
func incidentsJSON(s *Site, cache *MemCache, memo *pageMemo) (fileData, uint64) {
	if len(s.Incidents) == 0 {
		return fileData{[]byte("[]\n")}, 0
	}
	entries := make([]*memEntry, len(s.Incidents))
	lines := make([][]byte, len(s.Incidents))
	var missing []int
	for i, p := range s.Incidents {
		switch {
		case memo != nil:
			entries[i] = memo.ent[p] // no lock, unlike the cache's own map
		case cache != nil:
			entries[i] = cache.entry(p.Source)
		}
		if e := entries[i]; e != nil && e.json != nil {
			lines[i] = e.json
		} else {
			missing = append(missing, i)
		}
	}
	var ignored Diagnostics
	parallel(len(missing), func(k int, _ *Diagnostics) {
		i := missing[k]
		lines[i], _ = json.Marshal(incidentEntry(s, s.Incidents[i]))
		if e := entries[i]; e != nil {
			e.json, e.jsonSum = lines[i], 0
		}
	}, &ignored)
	d := make(fileData, 0, 2*len(lines)+1)
	d = append(d, jsonOpen)
	h := newKeyHash()
	for i, line := range lines {
		if i > 0 {
			d = append(d, jsonNext)
		}
		d = append(d, line)
		sum := uint64(0)
		if e := entries[i]; e != nil {
			if e.jsonSum == 0 {
				e.jsonSum = checksum(line)
			}
			sum = e.jsonSum
		} else {
			sum = checksum(line)
		}
		h.u64(sum)
		h.u64(uint64(len(line)))
	}
	d = append(d, jsonClose)
	return d, h.sum() | 1 // never 0, which means "unknown"
}

var jsonOpen, jsonNext, jsonClose = []byte("[\n"), []byte(",\n"), []byte("\n]\n")

func incidentEntry(s *Site, p *Postmortem) incidentJSON {
	j := incidentJSON{Slug: p.Slug, URL: s.siteURL(p.URL()), Title: p.Title, Date: p.Date.Format("2006-01-02"),
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
