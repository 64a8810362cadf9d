package generator

import (
	"fmt"
	"html/template"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Postmortem is one incident write-up: the validated frontmatter, the Markdown body and what is derived from them.
type Postmortem struct {
	Source   string // path relative to the source folder, forward slashes
	Bundle   string // the bundle folder (relative) when the postmortem is an index.md with assets; else ""
	Slug     string
	Title    string
	Date     time.Time
	Summary  string
	Severity string // a configured id, upper case; "" when unset
	SevRank  int    // index among the configured severities; len(severities) when unset
	Status   string
	Authors  []string
	Services []string
	Teams    []string
	Tags     []string
	Factors  []FactorRef

	StartedAt, DetectedAt, MitigatedAt, ResolvedAt time.Time

	Timeline    []TimelineEntry
	ActionItems []ActionItem
	Related     []Ref
	Links       []Link
	Onboarding  *bool
	Extra       map[string]any // unknown keys, kept for incidents.json

	Body     []byte
	BodyLine int

	// SummaryLine and SummaryCol locate the summary's first character, for lint findings (0: unknown).
	SummaryLine, SummaryCol int

	// Filled by the markdown stage.
	HTML      template.HTML
	PlainText string
	Headings  []string
	Outlinks  []Ref // wiki links and links to other postmortems, with their lines
	Words     int

	// Filled by the graph stage.
	Backlinks []*Postmortem
	Similar   []Similarity
	RelatedTo []*Postmortem // related, both directions, resolved

	linkDeps []linkDep // what rendering the body looked up (markdown.go)
	rowGen   uint32    // moves on when a patched save changes the frontmatter: rows rendered before are stale (render.go)
	learnSig uint64    // learnSig(p), once computed (learnpage.go)

	// rich is richness(p), set once the body is rendered: the reading path and every service guide ask for it.
	rich    float64
	richSet bool

	// lazyHTML: HTML is not filled in (the body's by-products came from a lean cache); renderLazy does it.
	lazyHTML bool

	// svcTerms are the terms of Services, in order, set by the graph stage: later stages need them by slug often.
	svcTerms []*Term
}

// FactorRef is one contributing factor as written in a postmortem.
type FactorRef struct {
	Name        string
	Description string
	Line, Col   int
	Slug        string // normalised, after aliases
	base        string // Slugify(Name), before aliases: computed once, when the file is decoded
}

// TimelineEntry is one moment of the incident: what people saw and did.
type TimelineEntry struct {
	At     time.Time
	HasAt  bool
	Text   string
	Actor  string
	Line   int // where Text starts (the entry's position when it has no text); Column 0 when unknown
	Column int
}

// ActionItem is a follow-up with an owner and a state.
type ActionItem struct {
	Title  string
	Owner  string
	Due    time.Time
	Status string
	Ticket string
	Line   int
}

// Ref is a link to another postmortem or factor, positioned for error messages.
type Ref struct {
	Slug   string
	Factor bool
	Line   int
	Col    int
}

// Link is an external or intranet link listed in the frontmatter.
type Link struct {
	Title string
	URL   string
}

// Statuses a postmortem can have; drafts are hidden unless the build asks for them.
const (
	StatusDraft     = "draft"
	StatusInReview  = "in-review"
	StatusPublished = "published"
)

// ActionStatuses are the allowed action item states, in the order pages list them.
var ActionStatuses = []string{"open", "in-progress", "done", "wontfix"}

// Durations derived from the timestamps; zero when a timestamp is missing.
func (p *Postmortem) TimeToDetect() time.Duration   { return span(p.StartedAt, p.DetectedAt) }
func (p *Postmortem) TimeToMitigate() time.Duration { return span(p.StartedAt, p.MitigatedAt) }
func (p *Postmortem) TimeToResolve() time.Duration  { return span(p.DetectedAt, p.ResolvedAt) }
func (p *Postmortem) Duration() time.Duration       { return span(p.StartedAt, p.ResolvedAt) }

func span(from, to time.Time) time.Duration {
	if from.IsZero() || to.IsZero() {
		return 0
	}
	return to.Sub(from)
}

// URL is the page's path relative to the site root.
func (p *Postmortem) URL() string { return "incidents/" + p.Slug + "/" }

// ActionsDone counts the action items that are done.
func (p *Postmortem) ActionsDone() int {
	n := 0
	for _, a := range p.ActionItems {
		if a.Status == "done" {
			n++
		}
	}
	return n
}

// decoder turns a positioned frontmatter tree into a Postmortem, collecting every schema error on the way.
type decoder struct {
	path  string
	cfg   *Config
	diags *Diagnostics
}

func (d *decoder) errorf(n *yaml.Node, field, format string, args ...any) {
	line, col := 0, 0
	if n != nil {
		line, col = n.Line, n.Column
	}
	d.diags.errorf(d.path, line, col, "schema", field+": "+format, args...)
}

// fieldsOf maps the frontmatter keys to our field names (applying the config's `fields` aliases); the value
// node and the key node (for its line) are returned per field.
func (d *decoder) fieldsOf(root *yaml.Node) (map[string][2]*yaml.Node, map[string]any) {
	theirs := map[string]string{}
	for ours, names := range d.cfg.Fields {
		for _, name := range names {
			theirs[name] = ours
		}
	}
	fields := map[string][2]*yaml.Node{}
	extra := map[string]any{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		name := k.Value
		if !ourFields[name] {
			if ours, ok := theirs[name]; ok {
				if _, set := fields[ours]; !set {
					name = ours
				}
			}
		}
		if ourFields[name] {
			fields[name] = [2]*yaml.Node{k, v}
			continue
		}
		var val any
		if err := v.Decode(&val); err == nil {
			extra[k.Value] = val
		}
	}
	return fields, extra
}

func decodePostmortem(path string, fm *frontMatter, cfg *Config, diags *Diagnostics) *Postmortem {
	d := &decoder{path: path, cfg: cfg, diags: diags}
	before := diags.Errors()
	p := &Postmortem{Source: path, Body: fm.body, BodyLine: fm.bodyLine, Status: StatusPublished, SevRank: len(cfg.Severities)}
	root := fm.root
	if root == nil {
		root = &yaml.Node{Kind: yaml.MappingNode, Line: 1}
	}
	fields, extra := d.fieldsOf(root)
	if len(extra) > 0 {
		p.Extra = extra
	}
	get := func(name string) *yaml.Node { return fields[name][1] }

	p.Title = d.str(get("title"), "title")
	if p.Title == "" {
		d.diags.errorf(path, max(fm.startLine, 1), 0, "schema", "title: missing (every postmortem needs a title)")
	}
	p.Slug = d.str(get("slug"), "slug")
	p.Summary = d.str(get("summary"), "summary")
	if n := get("summary"); n != nil {
		p.SummaryLine, p.SummaryCol = textStart(n)
	}
	if n := get("severity"); n != nil {
		sev := d.str(n, "severity")
		if sev != "" {
			if r := cfg.severityRank(sev); r >= 0 {
				p.Severity, p.SevRank = cfg.Severities[r].ID, r
			} else {
				d.errorf(n, "severity", "unknown value %q (configured: %s)", sev, cfg.severityIDs())
			}
		}
	}
	if n := get("status"); n != nil {
		s := strings.ToLower(d.str(n, "status"))
		switch s {
		case StatusDraft, StatusInReview, StatusPublished:
			p.Status = s
		case "":
		default:
			d.errorf(n, "status", "unknown value %q (one of draft, in-review, published)", s)
		}
	} else if n := get("draft"); n != nil {
		// Hugo-style `draft: true`.
		if d.boolean(n, "draft") {
			p.Status = StatusDraft
		}
	}
	p.Authors = d.strings(get("authors"), "authors")
	p.Services = d.strings(get("services"), "services")
	p.Teams = d.strings(get("teams"), "teams")
	p.Tags = d.strings(get("tags"), "tags")
	p.Factors = d.factors(get("contributing_factors"))

	loc := cfg.Location()
	p.StartedAt = d.timestamp(get("started_at"), "started_at", loc)
	p.DetectedAt = d.timestamp(get("detected_at"), "detected_at", loc)
	p.MitigatedAt = d.timestamp(get("mitigated_at"), "mitigated_at", loc)
	p.ResolvedAt = d.timestamp(get("resolved_at"), "resolved_at", loc)
	if n := get("date"); n != nil {
		t := d.timestamp(n, "date", loc)
		if !t.IsZero() {
			p.Date = day(t)
		}
	}
	if p.Date.IsZero() && !p.StartedAt.IsZero() {
		p.Date = day(p.StartedAt)
	}
	if p.Date.IsZero() && get("date") == nil {
		d.diags.errorf(path, max(fm.startLine, 1), 0, "schema", "date: missing (set date or started_at)")
	}
	d.order(fields, p)

	p.Timeline = d.timeline(get("timeline"), p, loc)
	p.ActionItems = d.actionItems(get("action_items"), loc)
	for _, n := range d.seq(get("related"), "related") {
		if s := d.str(n, "related"); s != "" {
			p.Related = append(p.Related, Ref{Slug: s, Line: n.Line, Col: n.Column})
		}
	}
	for i, n := range d.seq(get("links"), "links") {
		m := d.mapping(n, fmt.Sprintf("links[%d]", i))
		l := Link{Title: d.str(m["title"], "links.title"), URL: d.str(m["url"], "links.url")}
		if l.URL == "" && m != nil {
			d.errorf(n, fmt.Sprintf("links[%d]", i), "url is missing")
			continue
		}
		if l.Title == "" {
			l.Title = l.URL
		}
		if m != nil {
			p.Links = append(p.Links, l)
		}
	}
	if n := get("onboarding"); n != nil {
		b := d.boolean(n, "onboarding")
		p.Onboarding = &b
	}
	if diags.Errors() > before {
		return nil
	}
	return p
}

// order checks that the timestamps follow the incident's course.
func (d *decoder) order(fields map[string][2]*yaml.Node, p *Postmortem) {
	steps := []struct {
		name string
		t    time.Time
	}{{"started_at", p.StartedAt}, {"detected_at", p.DetectedAt}, {"mitigated_at", p.MitigatedAt}, {"resolved_at", p.ResolvedAt}}
	for i := 1; i < len(steps); i++ {
		if steps[i].t.IsZero() {
			continue
		}
		for j := i - 1; j >= 0; j-- {
			if steps[j].t.IsZero() {
				continue
			}
			if steps[i].t.Before(steps[j].t) {
				d.errorf(fields[steps[i].name][1], steps[i].name, "%s is before %s (%s)", steps[i].t.Format(time.RFC3339), steps[j].name, steps[j].t.Format(time.RFC3339))
			}
			break
		}
	}
}

func (d *decoder) factors(n *yaml.Node) []FactorRef {
	var out []FactorRef
	for i, e := range d.seq(n, "contributing_factors") {
		field := fmt.Sprintf("contributing_factors[%d]", i)
		var f FactorRef
		if e.Kind == yaml.MappingNode {
			m := d.mapping(e, field)
			f.Name = d.str(m["name"], field+".name")
			f.Description = d.str(m["description"], field+".description")
		} else {
			f.Name = d.str(e, field)
		}
		f.Name = strings.TrimSpace(f.Name)
		if f.Name == "" {
			d.errorf(e, field, "factor name is empty")
			continue
		}
		f.Line, f.Col = e.Line, e.Column
		f.base = Slugify(f.Name)
		out = append(out, f)
	}
	return out
}

func (d *decoder) timeline(n *yaml.Node, p *Postmortem, loc *time.Location) []TimelineEntry {
	var out []TimelineEntry
	for i, e := range d.seq(n, "timeline") {
		field := fmt.Sprintf("timeline[%d]", i)
		m := d.mapping(e, field)
		if m == nil {
			continue
		}
		te := TimelineEntry{Text: d.str(m["text"], field+".text"), Actor: d.str(m["actor"], field+".actor"), Line: e.Line, Column: e.Column}
		if t := m["text"]; t != nil {
			te.Line, te.Column = textStart(t)
		}
		if at := m["at"]; at != nil {
			te.At, te.HasAt = d.clock(at, field+".at", p, loc)
		}
		if te.Text == "" {
			d.errorf(e, field, "text is missing")
		}
		out = append(out, te)
	}
	return out
}

// clock parses a timeline time: a full timestamp, or HH:MM on the incident's day (the next day when that would
// fall before the start, for incidents that cross midnight).
func (d *decoder) clock(n *yaml.Node, field string, p *Postmortem, loc *time.Location) (time.Time, bool) {
	s := strings.TrimSpace(d.str(n, field))
	if s == "" {
		return time.Time{}, false
	}
	if hm, err := time.Parse("15:04", s); err == nil {
		base := p.StartedAt
		if base.IsZero() {
			base = p.Date
		}
		if base.IsZero() {
			d.errorf(n, field, "%q has no day: set date or started_at", s)
			return time.Time{}, false
		}
		base = base.In(loc)
		t := time.Date(base.Year(), base.Month(), base.Day(), hm.Hour(), hm.Minute(), 0, 0, loc)
		if !p.StartedAt.IsZero() && t.Before(p.StartedAt.Add(-time.Hour)) {
			t = t.AddDate(0, 0, 1)
		}
		return t, true
	}
	t := d.timestamp(n, field, loc)
	return t, !t.IsZero()
}

func (d *decoder) actionItems(n *yaml.Node, loc *time.Location) []ActionItem {
	var out []ActionItem
	for i, e := range d.seq(n, "action_items") {
		field := fmt.Sprintf("action_items[%d]", i)
		m := d.mapping(e, field)
		if m == nil {
			continue
		}
		a := ActionItem{Title: d.str(m["title"], field+".title"), Owner: d.str(m["owner"], field+".owner"),
			Ticket: d.str(m["ticket"], field+".ticket"), Status: "open", Line: e.Line}
		if a.Title == "" {
			d.errorf(e, field, "title is missing")
		}
		if s := m["status"]; s != nil {
			v := strings.ToLower(strings.TrimSpace(d.str(s, field+".status")))
			v = strings.NewReplacer("_", "-", " ", "-").Replace(v)
			if v == "won't-fix" || v == "wont-fix" {
				v = "wontfix"
			}
			if !contains(ActionStatuses, v) {
				d.errorf(s, field+".status", "unknown value %q (one of %s)", v, strings.Join(ActionStatuses, ", "))
			} else {
				a.Status = v
			}
		}
		if due := m["due"]; due != nil {
			if t := d.timestamp(due, field+".due", loc); !t.IsZero() {
				a.Due = day(t)
			}
		}
		out = append(out, a)
	}
	return out
}

// textStart is where a scalar's text begins in the file, so that findings inside it point at the right
// character: past the opening quote; on the next line for a block scalar (| or >), whose indentation the node
// does not record (column 0: unknown). TOML-converted nodes have no column either.
func textStart(n *yaml.Node) (line, col int) {
	switch {
	case n.Column == 0:
		return n.Line, 0
	case n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0:
		return n.Line + 1, 0
	case n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0:
		return n.Line, n.Column + 1
	}
	return n.Line, n.Column
}

// --- typed accessors: each reports a positioned error and returns the zero value on a wrong type.

func (d *decoder) str(n *yaml.Node, field string) string {
	if n == nil || (n.Kind == yaml.ScalarNode && n.Tag == "!!null") {
		return ""
	}
	if n.Kind != yaml.ScalarNode {
		d.errorf(n, field, "expected a string, got %s", kindName(n))
		return ""
	}
	return strings.TrimSpace(n.Value)
}

func (d *decoder) boolean(n *yaml.Node, field string) bool {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
		d.errorf(n, field, "expected true or false, got %s", kindName(n))
		return false
	}
	var b bool
	_ = n.Decode(&b)
	return b
}

func (d *decoder) seq(n *yaml.Node, field string) []*yaml.Node {
	if n == nil || (n.Kind == yaml.ScalarNode && n.Tag == "!!null") {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		d.errorf(n, field, "expected a list, got %s", kindName(n))
		return nil
	}
	return n.Content
}

func (d *decoder) strings(n *yaml.Node, field string) []string {
	var out []string
	for i, e := range d.seq(n, field) {
		if e.Kind != yaml.ScalarNode || e.Tag == "!!null" {
			d.errorf(e, fmt.Sprintf("%s[%d]", field, i), "expected a string, got %s", kindName(e))
			continue
		}
		if s := strings.TrimSpace(e.Value); s != "" && !contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func (d *decoder) mapping(n *yaml.Node, field string) map[string]*yaml.Node {
	if n == nil {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		d.errorf(n, field, "expected a mapping, got %s", kindName(n))
		return nil
	}
	m := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		m[n.Content[i].Value] = n.Content[i+1]
	}
	return m
}

var timestampLayouts = []string{"2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02"}

func (d *decoder) timestamp(n *yaml.Node, field string, loc *time.Location) time.Time {
	s := d.str(n, field)
	if s == "" {
		return time.Time{}
	}
	t, err := parseTimestamp(s, loc)
	if err != nil {
		d.errorf(n, field, "%q is not a timestamp (use RFC 3339, e.g. 2024-03-05T14:02:00Z, or \"YYYY-MM-DD HH:MM\")", s)
		return t
	}
	// Shown in the site's zone, whatever offset the author wrote.
	return t.In(loc)
}

func parseTimestamp(s string, loc *time.Location) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	for _, layout := range timestampLayouts {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("not a timestamp")
}

// day is the calendar day of t in t's own zone, as a UTC midnight: days compare and print without zone surprises.
func day(t time.Time) time.Time { return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC) }

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

// sortPostmortems orders newest first, then by slug so equal days are stable.
func sortPostmortems(ps []*Postmortem) {
	sort.SliceStable(ps, func(i, j int) bool {
		if !ps[i].Date.Equal(ps[j].Date) {
			return ps[i].Date.After(ps[j].Date)
		}
		return ps[i].Slug < ps[j].Slug
	})
}
