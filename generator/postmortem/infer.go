package postmortem

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/yuin/goldmark/ast"
	"gopkg.in/yaml.v3"
)

// Inference: what a postmortem's frontmatter lacks is taken from the file itself, so that the postmortems a team
// already keeps (no frontmatter, a heading for a title, the date in the file name) build as they are. It depends
// only on the file's path and bytes and on the date of its first commit (passed in by the build, which asks git
// once), so the per-file memo of a session keeps it with the decoding. Nothing is invented silently: every value
// inferred is an info (rule "infer") saying where it came from, two sources that disagree are a warning, and a file
// with no date anywhere is an error that says what to add.

// Option is an input of Decode besides the file.
type Option func(*options)

type options struct {
	gitDate time.Time
}

// GitDate is the time of the file's first commit, the date of last resort.
func GitDate(t time.Time) Option { return func(o *options) { o.gitDate = t } }

// Inferred is a value a postmortem did not state, and where it was taken from.
type Inferred struct {
	Field string `json:"field"` // title, date, severity, summary, timeline, action_items, contributing_factors
	Value string `json:"value"` // as it would be written in a frontmatter ("2019-04-11", "3 items")
	From  string `json:"from"`  // "the file name", "the first heading", "the \"Action items\" section", …
	Line  int    `json:"line"`  // file line of the source, 0 when it is not in the file
}

// RuleInfer is the rule of every inferred value's info.
const RuleInfer = "infer"

// inferred records a value the file did not state; say is how the info names it ("date 2019-04-11").
func (d *decoder) inferred(p *Postmortem, field, value, say, from string, line int) {
	p.Inferred = append(p.Inferred, Inferred{field, value, from, line})
	where := from
	if line > 0 && !strings.Contains(from, "line ") {
		where = fmt.Sprintf("%s (line %d)", from, line)
	}
	d.diags.Infof(d.path, line, 0, RuleInfer, "%s from %s", say, where)
}

// body parses the body once, for all that is inferred from it.
func (d *decoder) body(p *Postmortem) *outline {
	if d.outline == nil {
		d.outline = parseOutline(p.Markdown)
	}
	return d.outline
}

// fileLine turns a body line into a file line.
func fileLine(p *Postmortem, bodyLine int) int {
	if bodyLine <= 0 {
		return 0
	}
	return p.BodyLine + bodyLine - 1
}

// inferTitleAndDate fills the title (the first H1, else the file name) and the date (the file name, the title, the
// body or timeline, the first commit) when the frontmatter has none.
func (d *decoder) inferTitleAndDate(p *Postmortem, fields map[string]*yaml.Node, at int, o *options) {
	c := d.titleClues(p)
	if d.noDate {
		d.inferDate(p, &c, fields, at, o)
	}
	if d.noTitle {
		d.inferTitle(p, &c)
	} else {
		d.dropRepeatedTitle(p, c.folder)
	}
	switch {
	case p.Date.IsZero() && d.noDate && d.noTitle && (p.Title == "" || c.titleFrom == ""): // a title from the file name alone
		d.diags.Errorf(d.path, at, 0, "schema", "no heading and no date anywhere: add a frontmatter (---, title: …, date: YYYY-MM-DD, ---), "+
			"or a \"# Title\" heading and a date in the file name (2024-03-05-….md)")
	case p.Date.IsZero() && d.noDate:
		d.diags.Errorf(d.path, at, 0, "schema", "date: none found in the file name, the title, the body or the git history: "+
			"add date: YYYY-MM-DD to a frontmatter, or start the file name with the date (2024-03-05-….md)")
	case p.Title == "" && d.noTitle:
		d.diags.Errorf(d.path, at, 0, "schema", "title: none found: add a \"# Title\" heading or title: to a frontmatter")
	}
}

// titleClues are where a title and a date may be found besides the frontmatter: the file name (its stem, the
// date in it and the YYYY/MM of its folder) and the title as written, with the date in it.
type titleClues struct {
	stem        string
	folder      time.Time
	nameDate    found
	hasNameDate bool

	title, titleFrom string // titleFrom is "" for the frontmatter's title
	titleLine        int
	titleDate        found
	hasTitleDate     bool
}

// titleClues reads the file name and the title as written: the frontmatter's, else the first H1, which then
// leaves the rendered body.
func (d *decoder) titleClues(p *Postmortem) titleClues {
	c := titleClues{stem: fileStem(d.path, p.Bundle), folder: folderMonth(d.path), title: p.Title}
	c.nameDate, c.hasNameDate = fileDate(c.stem, c.folder)
	if d.noTitle {
		if h := d.body(p).title; h != nil {
			c.title, c.titleFrom, c.titleLine = h.text, "the first heading", fileLine(p, d.outline.line(h.start))
			d.drop(h.start, h.end)
		}
	}
	if l := findDates(c.title, c.folder); len(l) > 0 {
		c.titleDate, c.hasTitleDate = l[0], true
	}
	return c
}

// inferDate sets the date from the first place that has one, and warns when the file name and the title disagree.
func (d *decoder) inferDate(p *Postmortem, c *titleClues, fields map[string]*yaml.Node, at int, o *options) {
	day, from, line, note := d.dateClue(p, c, fields, at, o)
	if c.hasNameDate && c.hasTitleDate && !c.nameDate.day.Equal(c.titleDate.day) {
		d.diags.Warnf(d.path, c.titleLine, 0, RuleInfer, "file name says %s, title says %s: the file name's is used; set date to say which is right",
			c.nameDate.day.Format(time.DateOnly), c.titleDate.day.Format(time.DateOnly))
	}
	if day.IsZero() {
		return
	}
	p.Date = day
	if note != "" {
		from += ", " + note
	}
	d.inferred(p, "date", day.Format(time.DateOnly), "date "+day.Format(time.DateOnly), from, line)
}

// dateClue is the date of the file name, else the title's, else the body's, else the first commit's.
func (d *decoder) dateClue(p *Postmortem, c *titleClues, fields map[string]*yaml.Node, at int, o *options) (day time.Time, from string, line int, note string) {
	switch {
	case c.hasNameDate:
		return c.nameDate.day, "the file name", 0, c.nameDate.note
	case c.hasTitleDate:
		line = c.titleLine
		if c.titleFrom == "" && !d.noTitle {
			line = at
		}
		return c.titleDate.day, "the title", line, c.titleDate.note
	}
	day, from, line, note = d.bodyDate(p, fields, c.folder)
	if day.IsZero() && !o.gitDate.IsZero() {
		day, from = Day(o.gitDate.In(d.cfg.Location())), "the file's first commit (git log)"
	}
	return day, from, line, note
}

// inferTitle sets the title from the first heading, else from the file name.
func (d *decoder) inferTitle(p *Postmortem, c *titleClues) {
	title, from := c.title, c.titleFrom
	switch {
	case from == "":
		title, from = titleFromName(c.stem, c.nameDate, c.hasNameDate), "the file name"
	case c.hasTitleDate && c.titleDate.day.Equal(p.Date):
		title = stripDate(title, c.titleDate) // the date is said once, by the page's date
	}
	if title != "" {
		p.Title = title
		d.inferred(p, "title", title, fmt.Sprintf("title %q", title), from, c.titleLine)
	}
}

// dropRepeatedTitle leaves out of the page a body's opening heading that repeats the frontmatter's title, as an
// imported file's does.
func (d *decoder) dropRepeatedTitle(p *Postmortem, folder time.Time) {
	if p.Title == "" || !opensWithH1(p.Markdown) || d.body(p).title == nil || d.outline.title.start != firstBlockStart(d.outline) {
		return
	}
	h := d.outline.title
	t := h.text
	if l := findDates(t, folder); len(l) > 0 {
		t = stripDate(t, l[0])
	}
	if strings.EqualFold(strings.TrimSpace(t), p.Title) || strings.EqualFold(h.text, p.Title) {
		d.drop(h.start, h.end)
	}
}

// lead is a cheap cut of a body's text before its first section, an opening title heading aside.
func lead(body []byte) []byte {
	rest := bytes.TrimLeft(body, "\n\r\t ")
	if opensWithH1(rest) {
		n := 1 // an ATX heading's line; a setext heading has two
		if !bytes.HasPrefix(rest, []byte("#")) {
			n = 2
		}
		for ; n > 0 && len(rest) > 0; n-- {
			if i := bytes.IndexByte(rest, '\n'); i >= 0 {
				rest = rest[i+1:]
			} else {
				rest = nil
			}
		}
	}
	if rest = bytes.TrimLeft(rest, "\n\r\t "); bytes.HasPrefix(rest, []byte("#")) {
		return nil // a section first: no lead
	}
	if i := bytes.Index(rest, []byte("\n#")); i >= 0 {
		rest = rest[:i]
	}
	return rest
}

// opensWithH1 is a cheap look at whether a body's first line is a level-1 heading (ATX, or setext: text over
// "==="), so that a file with a frontmatter title is parsed only when its body may repeat it.
func opensWithH1(body []byte) bool {
	lines := strings.SplitN(strings.TrimLeft(string(body[:min(len(body), 4096)]), "\n\r\t "), "\n", 3)
	if len(lines) > 0 && (strings.HasPrefix(lines[0], "# ") || strings.TrimSpace(lines[0]) == "#") {
		return true
	}
	return len(lines) > 1 && strings.HasPrefix(strings.TrimSpace(lines[1]), "=")
}

// firstBlockStart is where the body's first block starts.
func firstBlockStart(o *outline) int {
	n := o.doc.FirstChild()
	if n == nil {
		return -1
	}
	if h, ok := n.(*ast.Heading); ok {
		if b, ok := o.blockOf(h); ok {
			return b.start
		}
	}
	return -1
}

// bodyDate is the first date of the frontmatter's timeline or of the body.
func (d *decoder) bodyDate(p *Postmortem, fields map[string]*yaml.Node, folder time.Time) (time.Time, string, int, string) {
	if tl := fields["timeline"]; tl != nil && tl.Kind == yaml.SequenceNode && len(tl.Content) > 0 && tl.Content[0].Kind == yaml.MappingNode {
		m := tl.Content[0]
		for i := 0; i+1 < len(m.Content); i += 2 {
			if m.Content[i].Value == "at" {
				if t, ok := ParseTimestamp(strings.TrimSpace(m.Content[i+1].Value), d.cfg.Location()); ok && strings.Contains(m.Content[i+1].Value, "-") {
					return Day(t.In(d.cfg.Location())), "the timeline's first entry", m.Content[i+1].Line, ""
				}
			}
		}
	}
	o := d.body(p)
	src := string(o.src)
	if o.title != nil { // the heading is the title, whose date came first
		src = strings.Repeat(" ", o.title.end) + src[o.title.end:]
	}
	if l := findDates(src, folder); len(l) > 0 {
		from := "the body"
		if s := d.sectionAt(l[0].start); s != nil && s.kind == secTimeline {
			from = "the timeline"
		}
		return l[0].day, from, fileLine(p, o.line(l[0].start)), l[0].note
	}
	return time.Time{}, "", 0, ""
}

func (d *decoder) sectionAt(off int) *section {
	for i := range d.outline.sections {
		if s := &d.outline.sections[i]; s.start <= off && off < s.end {
			return s
		}
	}
	return nil
}

// drop leaves the lines [start, end) of the body out of the rendered page (they became structure: the title, a
// timeline, the action items), keeping its line count so that every later position still points at the file.
func (d *decoder) drop(start, end int) { d.dropped = append(d.dropped, [2]int{start, end}) }

func blankRanges(src []byte, ranges [][2]int) []byte {
	out := slices.Clone(src)
	for _, r := range ranges {
		w := r[0]
		for i := r[0]; i < r[1] && i < len(out); i++ {
			if src[i] == '\n' {
				out[w] = '\n'
				w++
			}
		}
		for i := w; i < r[1] && i < len(out); i++ {
			out[i] = ' '
		}
	}
	return out
}

// cues are words a body holds when it may have the section a missing field is taken from: a body with none of
// them for any field its frontmatter lacks is not parsed.
var cues = map[string][]string{
	"timeline":             {"timeline", "chronology", "sequence of events"},
	"action_items":         {"action", "follow", "remediation", "next steps"},
	"severity":             {"severity"},
	"contributing_factors": {"factor"},
}

// cued are the fields the frontmatter lacks whose cues the body holds.
func cued(body []byte, fields map[string]*yaml.Node) map[string]bool {
	lower := strings.ToLower(string(body))
	out := map[string]bool{}
	for field, words := range cues {
		if fields[field] == nil && slices.ContainsFunc(words, func(w string) bool { return strings.Contains(lower, w) }) {
			out[field] = true
		}
	}
	return out
}

// inferSections fills what the frontmatter lacks from the body's conventional sections.
func (d *decoder) inferSections(p *Postmortem, fields map[string]*yaml.Node) {
	if len(p.Markdown) == 0 {
		return
	}
	want := cued(p.Markdown, fields)
	if len(want) == 0 && !d.headless {
		return // the common case of a frontmatter-first file: no parse
	}
	o := d.body(p)
	folder := folderMonth(d.path)
	loc := d.cfg.Location()
	if s := o.section(secTimeline); s != nil && fields["timeline"] == nil {
		if raw := o.timeline(s, p.BodyLine, folder); len(raw) > 0 {
			p.Timeline = entries(raw, p.Date, loc)
			n := count(len(raw), "entry", "entries")
			d.inferredSection(p, s, "timeline", n, "a timeline of "+n)
		}
	}
	if s := o.section(secActions); s != nil && fields["action_items"] == nil {
		if items := o.actionItems(s, p.BodyLine, loc, folder); len(items) > 0 {
			p.ActionItems = items
			n := count(len(items), "action item", "action items")
			d.inferredSection(p, s, "action_items", n, n)
		}
	}
	if want["severity"] {
		d.inferSeverity(p, o)
	}
	if s := o.section(secFactors); s != nil && fields["contributing_factors"] == nil {
		p.Mentions = o.factorMentions(s, p.BodyLine)
	}
	// A summary only for a file without a frontmatter: one written for secondstory that lacks it is told so
	// (check/empty-summary) rather than given its first paragraph.
	if d.headless {
		d.inferSummary(p, o)
	}
}

// inferredSection records a field read from section s (n of its entries), and drops the section from the body
// when it held nothing else.
func (d *decoder) inferredSection(p *Postmortem, s *section, field, n, say string) {
	d.inferred(p, field, n, say, fmt.Sprintf("the %q section", s.heading), fileLine(p, s.line))
	if onlyStructure(s, d.outline.src) {
		d.drop(s.start, s.end)
	}
}

func (d *decoder) inferSummary(p *Postmortem, o *outline) {
	if text, line, from := o.summary(); text != "" {
		p.Summary = text
		d.inferred(p, "summary", text, "summary", from, fileLine(p, line))
	}
}

// dropRepeatedSummary leaves out of the page a body's lead paragraph that says the summary, which the page shows
// at its top: the paragraph a headless file's summary was taken from, or an imported file's. The body is parsed
// only when its lead (before the first section) holds the summary's first three words.
func (d *decoder) dropRepeatedSummary(p *Postmortem) {
	words := strings.Fields(p.Summary)
	if len(words) == 0 || !bytes.Contains(lead(p.Markdown), []byte(strings.Join(words[:min(len(words), 3)], " "))) {
		return
	}
	if lead := d.body(p).leadParagraph(); lead != nil && strings.Join(strings.Fields(InlineText(lead, d.outline.src)), " ") == strings.Join(words, " ") {
		lines := lead.Lines()
		d.drop(lines.At(0).Start, lines.At(lines.Len()-1).Stop)
		if p.SummaryLine == 0 { // an inferred summary: the lint reads it as the summary now, at the paragraph's line
			p.SummaryLine = fileLine(p, d.outline.nodeLine(lead))
		}
	}
}

func (d *decoder) inferSeverity(p *Postmortem, o *outline) {
	id, rank, line, said := o.severity(d.cfg)
	switch {
	case rank >= 0:
		p.Severity, p.SevRank = id, rank
		d.inferred(p, "severity", id, "severity "+id, "the body", fileLine(p, line))
	case said != "" && len(said) < 80:
		d.diags.Infof(d.path, fileLine(p, line), 0, RuleInfer, "severity %q names no configured level (%s): not used; map it with severities: in the configuration, or set severity",
			said, d.cfg.SeverityIDs())
	}
}

func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
