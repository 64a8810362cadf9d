package postmortem

import (
	"bytes"
	"fmt"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/secondstory/secondstory/generator/config"
	"github.com/secondstory/secondstory/generator/diag"
	"gopkg.in/yaml.v3"
)

// Decode decodes one postmortem file (its bytes, at rel). It always returns a Postmortem with at least its slug,
// so that a file with errors still resolves the links other files make to it (their authors did nothing wrong);
// ok is false when the file has errors, and the build then lists none of it.
//
// What the frontmatter lacks (all of it, for a file that has none) is inferred from the file (infer.go): the title
// from the first heading or the file name, the date from the file name, the title, the body or opts' GitDate, and
// the timeline, action items, severity, summary and factor mentions from the body's conventional sections.
func Decode(rel string, data []byte, cfg *config.Config, opts ...Option) (p *Postmortem, diags diag.List, ok bool) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	p = &Postmortem{Source: rel, Status: StatusPublished, SevRank: len(cfg.Severities)}
	if path.Base(rel) == "index.md" {
		p.Bundle = path.Dir(rel)
	}
	p.Slug = fileSlug(rel, p.Bundle)
	fm := parseFrontMatter(rel, data, &diags)
	if fm == nil {
		return p, diags, false
	}
	d := &decoder{path: rel, cfg: cfg, diags: &diags}
	for _, o := range opts {
		o(&d.opts)
	}
	d.headless = fm.root == nil
	d.decode(p, fm)
	if len(d.dropped) > 0 {
		p.Markdown = blankRanges(p.Markdown, d.dropped)
	}
	if p.Slug == "" {
		diags.Errorf(rel, max(fm.startLine, 1), 0, "schema", "slug: the file name %q has no letter or digit to make a URL from; set slug", path.Base(rel))
	}
	return p, diags, diags.Errors() == 0
}

// fileSlug is the slug a file gets from its name (or its bundle folder's): any name, with spaces, capitals or any
// script, gives a clean URL segment.
func fileSlug(rel, bundle string) string { return shorten(Slugify(fileStem(rel, bundle))) }

// fileStem is a file's name without its extension, or its bundle folder's name.
func fileStem(rel, bundle string) string {
	if bundle != "" {
		return path.Base(bundle)
	}
	return strings.TrimSuffix(path.Base(rel), path.Ext(rel))
}

// decoder turns a positioned frontmatter tree into a Postmortem, collecting every schema error on the way.
type decoder struct {
	path  string
	cfg   *config.Config
	diags *diag.List

	opts            options
	noTitle, noDate bool     // the frontmatter has no title, no date: they are inferred
	headless        bool     // the file has no frontmatter at all
	outline         *outline // the parsed body, when something was inferred from it
	dropped         [][2]int // byte ranges of the body that became structure
}

func (d *decoder) errorf(n *yaml.Node, field, format string, args ...any) {
	line, col := 0, 0
	if n != nil {
		line, col = n.Line, n.Column
	}
	d.diags.Errorf(d.path, line, col, "schema", field+": "+format, args...)
}

// fieldsOf maps the frontmatter keys to our field names (applying the config's `fields` aliases).
func (d *decoder) fieldsOf(root *yaml.Node) (map[string]*yaml.Node, map[string]any) {
	theirs := map[string]string{}
	for ours, names := range d.cfg.Fields {
		for _, name := range names {
			theirs[name] = ours
		}
	}
	fields := map[string]*yaml.Node{}
	extra := map[string]any{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		name := k.Value
		if !config.Fields[name] {
			if ours, ok := theirs[name]; ok {
				if _, set := fields[ours]; !set {
					name = ours
				}
			}
		}
		if config.Fields[name] {
			fields[name] = v
			continue
		}
		var val any
		if err := v.Decode(&val); err == nil {
			extra[k.Value] = val
		}
	}
	return fields, extra
}

func (d *decoder) decode(p *Postmortem, fm *frontMatter) {
	p.Markdown, p.BodyLine = fm.body, fm.bodyLine
	root := fm.root
	if root == nil {
		root = &yaml.Node{Kind: yaml.MappingNode, Line: 1}
	}
	fields, extra := d.fieldsOf(root)
	if len(extra) > 0 {
		p.Extra = extra
	}
	p.Title = d.str(fields["title"], "title")
	if n := fields["title"]; p.Title == "" && (n == nil || n.Kind == yaml.ScalarNode) { // a list or mapping: d.str said so
		d.noTitle = true
	}
	d.slug(p, fields["slug"])
	p.Summary = d.str(fields["summary"], "summary")
	if n := fields["summary"]; n != nil {
		p.SummaryLine, p.SummaryCol = textStart(n)
	}
	d.severity(p, fields["severity"])
	d.status(p, fields)
	p.Authors = d.strings(fields["authors"], "authors", false)
	p.Services = d.strings(fields["services"], "services", true)
	p.Teams = d.strings(fields["teams"], "teams", true)
	p.Tags = d.strings(fields["tags"], "tags", true)
	p.Factors = d.factors(fields["contributing_factors"])

	loc := d.cfg.Location()
	d.times(p, fields, loc)
	d.inferTitleAndDate(p, fields, max(fm.startLine, 1), &d.opts)
	d.order(fields, p)

	p.Timeline = d.timeline(fields["timeline"], p, loc)
	p.ActionItems = d.actionItems(fields["action_items"], loc)
	p.Related = d.related(fields["related"])
	p.Links = d.links(fields["links"])
	if n := fields["onboarding"]; n != nil {
		b := d.boolean(n, "onboarding")
		p.Onboarding = &b
	}
	d.inferSections(p, fields)
	d.dropRepeatedSummary(p)
}

// slug sets the slug the frontmatter gives, when it makes a URL segment.
func (d *decoder) slug(p *Postmortem, n *yaml.Node) {
	s := d.str(n, "slug")
	if s == "" {
		return
	}
	switch slug := Slugify(s); {
	case slug == "":
		d.errorf(n, "slug", "%q has no letter or digit to make a URL from", s)
	case len(slug) > MaxSlug:
		d.errorf(n, "slug", "%d bytes long; the limit is %d", len(slug), MaxSlug)
	case slug != s && strings.ContainsAny(s, " /?#"):
		d.errorf(n, "slug", "%q cannot be a URL segment (try %q)", s, slug)
	default:
		p.Slug = slug
	}
}

func (d *decoder) severity(p *Postmortem, n *yaml.Node) {
	sev := d.str(n, "severity")
	if sev == "" {
		return
	}
	if r := d.cfg.SeverityRank(sev); r >= 0 {
		p.Severity, p.SevRank = d.cfg.Severities[r].ID, r
	} else {
		d.errorf(n, "severity", "unknown value %q (configured: %s)", sev, d.cfg.SeverityIDs())
	}
}

func (d *decoder) status(p *Postmortem, fields map[string]*yaml.Node) {
	if n := fields["status"]; n != nil {
		switch s := strings.ToLower(d.str(n, "status")); s {
		case StatusDraft, StatusInReview, StatusPublished:
			p.Status = s
		case "":
		default:
			d.errorf(n, "status", "unknown value %q (one of draft, in-review, published)", s)
		}
	} else if n := fields["draft"]; n != nil && d.boolean(n, "draft") { // Hugo-style `draft: true`
		p.Status = StatusDraft
	}
}

// times reads the incident's timestamps and its day, which is started_at's when it is not set.
func (d *decoder) times(p *Postmortem, fields map[string]*yaml.Node, loc *time.Location) {
	p.StartedAt = d.timestamp(fields["started_at"], "started_at", loc)
	p.DetectedAt = d.timestamp(fields["detected_at"], "detected_at", loc)
	p.MitigatedAt = d.timestamp(fields["mitigated_at"], "mitigated_at", loc)
	p.ResolvedAt = d.timestamp(fields["resolved_at"], "resolved_at", loc)
	if t := d.timestamp(fields["date"], "date", loc); !t.IsZero() {
		p.Date = Day(t)
	}
	if p.Date.IsZero() && !p.StartedAt.IsZero() {
		p.Date = Day(p.StartedAt)
	}
	d.noDate = p.Date.IsZero() && fields["date"] == nil
}

func (d *decoder) related(n *yaml.Node) []Ref {
	var out []Ref
	for _, n := range d.seq(n, "related") {
		if s := d.str(n, "related"); s != "" {
			out = append(out, Ref{Slug: s, Line: n.Line, Col: n.Column})
		}
	}
	return out
}

func (d *decoder) links(n *yaml.Node) []Link {
	var out []Link
	for i, n := range d.seq(n, "links") {
		m := d.mapping(n, fmt.Sprintf("links[%d]", i))
		if m == nil {
			continue
		}
		l := Link{Title: d.str(m["title"], "links.title"), URL: d.str(m["url"], "links.url")}
		if l.URL == "" {
			d.errorf(n, fmt.Sprintf("links[%d]", i), "url is missing")
			continue
		}
		if l.Title == "" {
			l.Title = l.URL
		}
		out = append(out, l)
	}
	return out
}

// order checks that the timestamps follow the incident's course.
func (d *decoder) order(fields map[string]*yaml.Node, p *Postmortem) {
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
				d.errorf(fields[steps[i].name], steps[i].name, "%s is before %s (%s)", steps[i].t.Format(time.RFC3339), steps[j].name, steps[j].t.Format(time.RFC3339))
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
		switch {
		case f.Name == "":
			d.errorf(e, field, "factor name is empty")
			continue
		case Slugify(f.Name) == "":
			d.errorf(e, field, "%q has no letter or digit to make a URL from", f.Name)
			continue
		case len(Slugify(f.Name)) > MaxSlug:
			d.errorf(e, field, "%d bytes long as a URL segment; the limit is %d", len(Slugify(f.Name)), MaxSlug)
			continue
		}
		f.Line, f.Col = e.Line, e.Column
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
			if v, ok := ActionStatus(d.str(s, field+".status")); ok {
				a.Status = v
			} else {
				d.errorf(s, field+".status", "unknown value %q (one of %s)", d.str(s, field+".status"), strings.Join(ActionStatuses, ", "))
			}
		}
		if due := m["due"]; due != nil {
			if t := d.timestamp(due, field+".due", loc); !t.IsZero() {
				a.Due = Day(t)
			}
		}
		out = append(out, a)
	}
	return out
}

// ActionStatus normalises an action item state as people write it ("In Progress", "won't fix", "DONE").
func ActionStatus(s string) (string, bool) {
	v := strings.ToLower(strings.TrimSpace(s))
	v = strings.NewReplacer("_", "-", " ", "-").Replace(v)
	switch v {
	case "won't-fix", "wont-fix", "won’t-fix":
		v = "wontfix"
	case "todo", "to-do", "new", "planned":
		v = "open"
	case "doing", "started", "wip":
		v = "in-progress"
	case "closed", "complete", "completed", "fixed", "resolved":
		v = "done"
	}
	return v, slices.Contains(ActionStatuses, v)
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

// strings decodes a list of names; terms (tags, services, teams) must have a letter or digit to make a URL from.
func (d *decoder) strings(n *yaml.Node, field string, term bool) []string {
	var out []string
	for i, e := range d.seq(n, field) {
		if e.Kind != yaml.ScalarNode || e.Tag == "!!null" {
			d.errorf(e, fmt.Sprintf("%s[%d]", field, i), "expected a string, got %s", kindName(e))
			continue
		}
		s := strings.TrimSpace(e.Value)
		if s == "" || slices.Contains(out, s) {
			continue
		}
		if term && Slugify(s) == "" {
			d.errorf(e, fmt.Sprintf("%s[%d]", field, i), "%q has no letter or digit to make a URL from", s)
			continue
		}
		if n := len(Slugify(s)); term && n > MaxSlug {
			d.errorf(e, fmt.Sprintf("%s[%d]", field, i), "%d bytes long as a URL segment; the limit is %d", n, MaxSlug)
			continue
		}
		out = append(out, s)
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
	t, ok := ParseTimestamp(s, loc)
	if !ok {
		d.errorf(n, field, "%q is not a timestamp (use RFC 3339, e.g. 2024-03-05T14:02:00Z, or \"YYYY-MM-DD HH:MM\")", s)
		return t
	}
	return t.In(loc) // shown in the site's zone, whatever offset the author wrote
}

// ParseTimestamp reads RFC 3339 or "YYYY-MM-DD[ HH:MM[:SS]]" in loc.
func ParseTimestamp(s string, loc *time.Location) (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, true
	}
	for _, layout := range timestampLayouts {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
