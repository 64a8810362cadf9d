package postmortem

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/secondstory/secondstory/generator/config"
	"github.com/yuin/goldmark/ast"
	east "github.com/yuin/goldmark/extension/ast"
)

// FactorMention is an item of a "Contributing factors" section. The build makes it a factor when one of its
// names is a factor of the catalogue (by name, slug or alias); otherwise it stays prose in the body.
type FactorMention struct {
	Names       []string `json:"names"`       // the whole item, its lead before a colon or dash, its bold words
	Description string   `json:"description"` // the rest of the item after the lead, when it has one
	Line        int      `json:"line"`        // file line
}

// StatusUnknown is the state of an action item found in a body without one (a plain bullet): shown as "Status not
// stated", counted neither open nor done.
const StatusUnknown = "unknown"

// Column headers of action item tables, by role, lower case; any order, any case.
var (
	actionCols = []string{"action", "action item", "item", "task", "title", "description", "what", "follow up",
		"follow-up", "remediation", "todo", "to do", "summary"}
	ownerCols  = []string{"owner", "owners", "assignee", "assigned to", "who", "responsible", "dri", "team"}
	dueCols    = []string{"due", "due date", "deadline", "by", "target", "target date", "eta", "when"}
	statusCols = []string{"status", "state", "progress", "done", "complete", "completed"}
	ticketCols = []string{"ticket", "tickets", "issue", "jira", "link", "tracking", "bug", "id", "reference", "ref", "pr"}
)

var (
	ticketRE = regexp.MustCompile(`\b[A-Z][A-Z0-9]{1,9}-\d+\b|#\d{2,}\b`)
	ownerRE  = regexp.MustCompile(`(?i)[(\[]?\s*\b(?:owner|owned by|assignee|assigned to)\s*[:=]\s*([^,;)\]]+)[)\]]?|(?:^|\s)@([\pL\d][\pL\d._-]*)`)
)

// doneWords are a status cell's spellings of "done" beyond ActionStatus's, and of "not done".
var doneWords = map[string]string{"✅": "done", "✓": "done", "✔": "done", "✔️": "done", "x": "done", "[x]": "done",
	"yes": "done", "y": "done", "true": "done", "❌": "open", "no": "open", "n": "open", "false": "open", "[ ]": "open"}

// actionItems reads the action items of a section: task lists (checked is done), bullets (status unknown) and
// tables with action, owner, due, status and ticket columns in any order.
func (o *outline) actionItems(s *section, bodyLine int, loc *time.Location, folder time.Time) []ActionItem {
	var out []ActionItem
	for _, n := range s.blocks {
		switch n := n.(type) {
		case *ast.List:
			out = append(out, o.listActions(n, bodyLine, folder)...)
		case *east.Table:
			out = append(out, o.tableActions(n, bodyLine, folder)...)
		}
	}
	return out
}

func (o *outline) listActions(l *ast.List, bodyLine int, folder time.Time) []ActionItem {
	var out []ActionItem
	for it := l.FirstChild(); it != nil; it = it.NextSibling() {
		first := it.FirstChild()
		if first == nil {
			continue
		}
		title := InlineText(first, o.src)
		var nested *ast.List
		for c := first.NextSibling(); c != nil; c = c.NextSibling() {
			if l, ok := c.(*ast.List); ok && nested == nil {
				nested = l
			}
		}
		if nested != nil && (strings.HasSuffix(title, ":") || title == "") {
			out = append(out, o.listActions(nested, bodyLine, folder)...) // "Short term:" grouping its items
			continue
		}
		if title == "" {
			continue
		}
		a := ActionItem{Title: title, Status: StatusUnknown, Line: bodyLine + o.nodeLine(first) - 1}
		if cb, ok := first.FirstChild().(*east.TaskCheckBox); ok {
			a.Status = map[bool]string{true: "done", false: "open"}[cb.IsChecked]
		}
		if m := ownerRE.FindStringSubmatch(title); m != nil {
			a.Owner = strings.TrimSpace(m[1] + m[2])
			if m[1] != "" {
				a.Title = strings.Join(strings.Fields(strings.Replace(title, m[0], "", 1)), " ")
			}
		}
		if t := ticketRE.FindString(a.Title); t != "" {
			a.Ticket = t
		}
		out = append(out, a)
	}
	return out
}

func (o *outline) tableActions(t *east.Table, bodyLine int, folder time.Time) []ActionItem {
	header, rows, lines := o.tableRows(t)
	taken := map[int]bool{}
	cols := map[string]int{}
	// The specific roles first, so that "Due" or "Owner" is not taken as the action's text.
	for _, r := range []struct {
		role  string
		words []string
	}{{"owner", ownerCols}, {"due", dueCols}, {"status", statusCols}, {"ticket", ticketCols}, {"title", actionCols}} {
		cols[r.role] = column(header, r.words, taken)
	}
	if cols["title"] < 0 { // no header names the action: the first column nothing else took
		cols["title"] = firstFree(header, taken)
	}
	doneCol := cols["status"] >= 0 && strings.Contains(strings.ToLower(header[cols["status"]]), "done")
	var out []ActionItem
	for i, row := range rows {
		a := ActionItem{Title: cell(row, cols["title"]), Owner: cell(row, cols["owner"]), Ticket: cell(row, cols["ticket"]),
			Status: StatusUnknown, Line: bodyLine + lines[i] - 1}
		if a.Title == "" {
			continue
		}
		if s := cell(row, cols["status"]); s != "" {
			if v, ok := ActionStatus(s); ok && !doneCol {
				a.Status = v
			} else if v, ok := doneWords[strings.ToLower(s)]; ok {
				a.Status = v
			}
		} else if doneCol {
			a.Status = "open"
		}
		if due := cell(row, cols["due"]); due != "" {
			if l := findDates(due, folder); len(l) > 0 {
				a.Due = l[0].day
			}
		}
		out = append(out, a)
	}
	return out
}

// firstFree is the first column not taken, or -1.
func firstFree(header []string, taken map[int]bool) int {
	for i := range header {
		if !taken[i] {
			return i
		}
	}
	return -1
}

// Timeline columns.
var (
	timeCols  = []string{"time", "when", "timestamp", "date", "date time", "datetime", "hour", "time utc", "clock"}
	eventCols = []string{"event", "events", "description", "what happened", "what", "action", "details", "detail",
		"notes", "note", "activity", "update", "summary", "text", "message"}
	actorCols = []string{"who", "actor", "person", "by", "owner", "responder"}
)

// clockRE reads a timeline's time: 09:21, 9:21:30, 0921 (four digits only before a separator, so "2019 was" is
// not a time), each with an optional zone; an optional date before it.
var (
	clockRE   = regexp.MustCompile(`^\s*(?:\*\*|__)?\s*(?:(\d{4}-\d\d-\d\d|\d{1,2}[./-]\d{1,2}[./-]\d{4})[ T,]+)?(\d{1,2}):(\d\d)(?::(\d\d))?\s*(?i:(am|pm))?\s*(UTC|GMT|Z|[A-Z]{2,5}T)?\s*(?:\*\*|__)?\s*(?:[-–—:|]\s*)?(.*)$`)
	compactTR = regexp.MustCompile(`^\s*(?:\*\*|__)?\s*(\d\d)(\d\d)\s*(UTC|GMT|Z|[A-Z]{2,5}T)?\s*(?:\*\*|__)?\s*[-–—:|]\s*(.*)$`)
)

// stamp is a timeline time as written: an optional day, the clock, whether the zone is UTC.
type stamp struct {
	day        time.Time
	hour, min  int
	sec        int
	utc, valid bool
}

func parseStamp(s string, folder time.Time) (stamp, string) {
	if m := clockRE.FindStringSubmatch(s); m != nil {
		h, _ := strconv.Atoi(m[2])
		mi, _ := strconv.Atoi(m[3])
		sec, _ := strconv.Atoi(m[4])
		switch strings.ToLower(m[5]) {
		case "pm":
			if h < 12 {
				h += 12
			}
		case "am":
			if h == 12 {
				h = 0
			}
		}
		if h > 23 || mi > 59 || sec > 59 {
			return stamp{}, s
		}
		st := stamp{hour: h, min: mi, sec: sec, utc: m[6] == "UTC" || m[6] == "GMT" || m[6] == "Z", valid: true}
		if m[1] != "" {
			if l := findDates(m[1], folder); len(l) > 0 {
				st.day = l[0].day
			}
		}
		return st, strings.TrimSpace(m[7])
	}
	if m := compactTR.FindStringSubmatch(s); m != nil {
		h, _ := strconv.Atoi(m[1])
		mi, _ := strconv.Atoi(m[2])
		if h > 23 || mi > 59 {
			return stamp{}, s
		}
		return stamp{hour: h, min: mi, utc: m[3] == "UTC" || m[3] == "GMT" || m[3] == "Z", valid: true}, strings.TrimSpace(m[4])
	}
	return stamp{}, s
}

// rawEntry is a timeline entry before its time is placed on a day.
type rawEntry struct {
	st          stamp
	text, actor string
	line        int // file line
}

// timeline reads a timeline section: a table with a time and an event column, or lines (paragraph lines or list
// items) that start with a time. Lines that do not continue the previous entry's text.
func (o *outline) timeline(s *section, bodyLine int, folder time.Time) []rawEntry {
	var out []rawEntry
	for _, n := range s.blocks {
		switch n := n.(type) {
		case *east.Table:
			out = append(out, o.tableTimeline(n, bodyLine, folder)...)
		case *ast.Paragraph:
			lines := n.Lines()
			for i := 0; i < lines.Len(); i++ {
				seg := lines.At(i)
				out = o.timelineLine(out, string(seg.Value(o.src)), bodyLine+o.line(seg.Start)-1, folder)
			}
		case *ast.List:
			out = append(out, o.listTimeline(n, bodyLine, folder)...)
		}
	}
	return out
}

// tableTimeline reads a timeline table; without headers that say, the time is in the first column and the event
// in the next one free.
func (o *outline) tableTimeline(t *east.Table, bodyLine int, folder time.Time) []rawEntry {
	header, rows, lines := o.tableRows(t)
	taken := map[int]bool{}
	tc, ec, ac := column(header, timeCols, taken), column(header, eventCols, taken), column(header, actorCols, taken)
	if tc < 0 {
		tc = 0
	}
	if ec < 0 {
		taken[tc] = true
		ec = firstFree(header, taken)
	}
	var out []rawEntry
	for i, row := range rows {
		when, what := cell(row, tc), cell(row, ec)
		st, rest := parseStamp(when, folder)
		if !st.valid {
			if l := findDates(when, folder); len(l) > 0 { // a day without a time: a valid entry, untimed
				st = stamp{day: l[0].day}
			}
		} else if rest != "" && what == "" {
			what = rest
		}
		if what == "" {
			continue
		}
		out = append(out, rawEntry{st: st, text: what, actor: cell(row, ac), line: bodyLine + lines[i] - 1})
	}
	return out
}

// listTimeline reads the items of a list that start with a time; the time is taken off an item's text.
func (o *outline) listTimeline(l *ast.List, bodyLine int, folder time.Time) []rawEntry {
	var out []rawEntry
	for it := l.FirstChild(); it != nil; it = it.NextSibling() {
		first := it.FirstChild()
		if first == nil {
			continue
		}
		raw := ""
		if ls := first.Lines(); ls.Len() > 0 {
			seg := ls.At(0)
			raw = string(seg.Value(o.src))
		}
		st, _ := parseStamp(raw, folder)
		text := InlineText(first, o.src)
		if st.valid {
			_, text = parseStamp(text, folder)
		}
		if text == "" {
			continue
		}
		out = append(out, rawEntry{st: st, text: text, line: bodyLine + o.nodeLine(first) - 1})
	}
	return out
}

func (o *outline) timelineLine(out []rawEntry, raw string, line int, folder time.Time) []rawEntry {
	raw = strings.TrimSpace(raw)
	st, rest := parseStamp(raw, folder)
	rest = plain(rest)
	switch {
	case st.valid && rest != "":
		return append(out, rawEntry{st: st, text: rest, line: line})
	case len(out) > 0 && raw != "":
		out[len(out)-1].text += " " + plain(raw)
	}
	return out
}

// plain drops the emphasis and code markers of a raw line of Markdown.
func plain(s string) string {
	return strings.Join(strings.Fields(strings.NewReplacer("**", "", "__", "", "`", "").Replace(s)), " ")
}

// entries places the raw times on days: a time without a day is on the incident's day, the next one once times
// go back past midnight.
func entries(raw []rawEntry, date time.Time, loc *time.Location) []TimelineEntry {
	var out []TimelineEntry
	var last time.Time
	shift := 0
	for _, r := range raw {
		e := TimelineEntry{Text: r.text, Actor: r.actor, Line: r.line}
		if r.st.valid {
			zone := loc
			if r.st.utc {
				zone = time.UTC
			}
			d := r.st.day
			if d.IsZero() {
				d = date.AddDate(0, 0, shift)
			}
			if !d.IsZero() {
				t := time.Date(d.Year(), d.Month(), d.Day(), r.st.hour, r.st.min, r.st.sec, 0, zone)
				if r.st.day.IsZero() && !last.IsZero() && t.Before(last.Add(-time.Hour)) {
					shift++
					t = t.AddDate(0, 0, 1)
				}
				e.At, e.HasAt, last = t.In(loc), true, t
			}
		}
		out = append(out, e)
	}
	return out
}

// severityRE finds the levels people write: SEV2, Sev 2, SEV-2, S2, P1, Priority 1, Level 3.
var (
	severityRE     = regexp.MustCompile(`(?i)\b(sev(?:erity)?|s|p|priority|level|l)[\s_-]?(\d)\b`)
	severityLineRE = regexp.MustCompile(`(?im)(?:^|[·|,;])[ \t>*_|#-]*severity(?: level)?[ \t*_]*(?:[:：|=-])[ \t*_|]*([^\n|·,;]+)`)
)

// severityIn finds a configured severity named in text.
func severityIn(text string, cfg *config.Config) (string, int) {
	for _, m := range severityRE.FindAllStringSubmatch(text, -1) {
		pre := strings.ToUpper(m[1])
		cands := []string{pre + m[2]}
		if strings.HasPrefix(pre, "SEV") {
			cands = append(cands, "SEV"+m[2])
		}
		if pre == "PRIORITY" {
			cands = append(cands, "P"+m[2])
		}
		for _, c := range cands {
			if r := cfg.SeverityRank(c); r >= 0 {
				return cfg.Severities[r].ID, r
			}
		}
	}
	for _, w := range strings.FieldsFunc(text, func(r rune) bool { return !isLetterOrDigit(r) && r != '-' && r != '_' }) {
		if r := cfg.SeverityRank(w); r >= 0 {
			return cfg.Severities[r].ID, r
		}
	}
	return "", -1
}

// severity finds the severity a body states: in a "Severity" section (its first paragraph or table), in a
// "Severity: …" line, or in a table with a Severity column or row. It returns what was written when it names no
// configured level, for the info that says so.
func (o *outline) severity(cfg *config.Config) (id string, rank, line int, said string) {
	rank = -1
	try := func(text string, l int) bool {
		text = strings.TrimSpace(text)
		if text == "" {
			return false
		}
		if id, rank = severityIn(text, cfg); rank >= 0 {
			line = l
			return true
		}
		if said == "" {
			said, line = text, l
		}
		return false
	}
	if s := o.section(secSeverity); s != nil {
		for _, n := range s.blocks {
			if try(blockText(n, o.src), o.nodeLine(n)) {
				return
			}
			if _, ok := n.(*ast.Heading); ok {
				break
			}
		}
	}
	// The line regexp only on the lines that say "severity": over a whole body it was half of decoding's time.
	lower := asciiLower(o.src) // byte for byte, so offsets stay those of the source
	for off := 0; ; {
		i := bytes.Index(lower[off:], []byte("severity"))
		if i < 0 {
			break
		}
		i += off
		start, end := bytes.LastIndexByte(o.src[:i], '\n')+1, lineEnd(o.src, i+1)
		off = max(end, i+1)
		if m := severityLineRE.FindSubmatch(o.src[start:end]); m != nil && try(string(m[1]), o.line(start)) {
			return
		}
		if off >= len(o.src) {
			break
		}
	}
	_ = ast.Walk(o.doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		t, ok := n.(*east.Table)
		if !entering || !ok {
			return ast.WalkContinue, nil
		}
		header, rows, lines := o.tableRows(t)
		if c := column(header, []string{"severity", "sev", "severity level"}, map[int]bool{}); c >= 0 && len(rows) > 0 {
			if try(cell(rows[0], c), lines[0]) {
				return ast.WalkStop, nil
			}
		}
		return ast.WalkSkipChildren, nil
	})
	if rank < 0 {
		id = ""
	}
	return
}

// factorLeadRE splits an item into its lead and the rest: "Config drift: staging and production diverged",
// "Alert fatigue - too many pages", "Retry storm — clients retried at once".
var factorLeadRE = regexp.MustCompile(`^(.{2,80}?)\s*(?::|\s[-–—]\s)\s*(.+)$`)

// factorMentions reads a "Contributing factors" section's list items.
func (o *outline) factorMentions(s *section, bodyLine int) []FactorMention {
	var out []FactorMention
	for _, n := range s.blocks {
		l, ok := n.(*ast.List)
		if !ok {
			continue
		}
		for it := l.FirstChild(); it != nil; it = it.NextSibling() {
			first := it.FirstChild()
			if first == nil {
				continue
			}
			text := InlineText(first, o.src)
			if text == "" {
				continue
			}
			m := FactorMention{Line: bodyLine + o.nodeLine(first) - 1}
			if lead := factorLeadRE.FindStringSubmatch(text); lead != nil {
				m.Names = append(m.Names, lead[1])
				m.Description = lead[2]
			}
			for c := first.FirstChild(); c != nil; c = c.NextSibling() { // **Config drift** …
				if e, ok := c.(*ast.Emphasis); ok && e.Level == 2 {
					m.Names = append(m.Names, InlineText(e, o.src))
				}
			}
			m.Names = append(m.Names, strings.TrimSuffix(text, "."))
			out = append(out, m)
		}
	}
	return out
}

// metaLineRE matches the lines of facts many postmortems open with ("**Date:** …", "Severity: SEV2").
var metaLineRE = regexp.MustCompile(`(?i)^[\s*_]*(date|severity|status|authors?|owners?|duration|impact|incident|ticket|services?|teams?)[\s*_]*:`)

// summary is the first paragraph of a Summary section, or else the body's lead paragraph, with its body line and
// which of the two it is.
func (o *outline) summary() (text string, line int, from string) {
	if s := o.section(secSummary); s != nil {
		for _, n := range s.blocks {
			if p, ok := n.(*ast.Paragraph); ok {
				if isPrompt(p, o.src) {
					return "", 0, "" // a template's prompt, not yet replaced
				}
				return InlineText(p, o.src), o.nodeLine(p), fmt.Sprintf("the %q section", s.heading)
			}
			if _, ok := n.(*ast.Heading); ok {
				break
			}
		}
		return "", 0, ""
	}
	if p := o.leadParagraph(); p != nil {
		return InlineText(p, o.src), o.nodeLine(p), "the first paragraph"
	}
	return "", 0, ""
}

// leadParagraph is the body's first paragraph before any section, facts lines, prompts and images left aside.
func (o *outline) leadParagraph() *ast.Paragraph {
	for n := o.doc.FirstChild(); n != nil; n = n.NextSibling() {
		switch n := n.(type) {
		case *ast.Heading:
			if o.title == nil || n != o.title.node {
				return nil
			}
		case *ast.Paragraph:
			raw := strings.TrimSpace(string(n.Lines().Value(o.src)))
			if isPrompt(n, o.src) || metaLineRE.MatchString(raw) || InlineText(n, o.src) == "" || onlyImages(n, o.src) {
				continue
			}
			return n
		}
	}
	return nil
}

func isPrompt(p *ast.Paragraph, src []byte) bool {
	raw := strings.TrimSpace(string(p.Lines().Value(src)))
	return len(raw) > 2 && (raw[0] == '_' && raw[len(raw)-1] == '_' || raw[0] == '*' && raw[len(raw)-1] == '*')
}

func onlyImages(p *ast.Paragraph, src []byte) bool {
	for c := p.FirstChild(); c != nil; c = c.NextSibling() {
		switch c := c.(type) {
		case *ast.Image:
		case *ast.Text:
			if len(strings.TrimSpace(string(c.Segment.Value(src)))) > 0 {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// asciiLower lower-cases ASCII letters only, keeping every byte where it is.
func asciiLower(b []byte) []byte {
	out := make([]byte, len(b))
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		out[i] = c
	}
	return out
}
