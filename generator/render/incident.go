package render

import (
	"html/template"
	"strings"

	"github.com/secondstory/secondstory/generator/postmortem"
)

// Section is one section of an incident page, in reading order: a part of the body, with what the page shows of the
// frontmatter in it (the timeline, the contributing factors, the action items), or a section of the page's own
// where the body has none for them. One heading each: the author's "Action items" holds the table of action items.
type Section struct {
	Kind    string        // markdown.SectionKind, or "footnotes"; "" for another section or the text before the first heading
	ID      string        // the heading's id ("" for a part without heading)
	Heading template.HTML // the heading's HTML
	Text    string        // the heading as plain text, for the table of contents
	HTML    template.HTML // the author's text of the section, without its heading; "" for a section of the page's own
	Own     bool          // the page's own section: no part of the body
	// What the page puts in the section, after the author's text.
	Timeline, Factors, Actions bool
	// Unlinked are the incident's contributing factors that the author's factors section does not link to: the
	// page links them under the author's text. (A section of the page's own lists every factor.)
	Unlinked []Factor
}

// The page's own sections, for a body that has none of its kind. Their ids are reserved (markdown.ReservedIDs).
var ownSections = map[string]Section{
	"timeline": {Kind: "timeline", ID: "ss-timeline", Heading: "Timeline", Text: "Timeline", Own: true, Timeline: true},
	"factors":  {Kind: "factors", ID: "ss-factors", Heading: "Contributing factors", Text: "Contributing factors", Own: true, Factors: true},
	"actions":  {Kind: "actions", ID: "ss-actions", Heading: "Action items", Text: "Action items", Own: true, Actions: true},
}

// Sections lists the page's sections, story first: the text before the first heading, the summary and the impact,
// then the other sections in the author's order, the footnotes last. The timeline of the frontmatter goes in the
// body's first timeline section, or in a section of its own after the summary and the impact; the contributing
// factors in the body's first factors section, or before the action items; the action items in the body's first
// action-items section, or at the end.
func (v Incident) Sections() []Section {
	p, b := v.front(), v.body()
	var lead, rest, notes []Section
	for _, part := range b.Parts {
		s := Section{Kind: part.Kind, ID: part.Heading.ID, Heading: b.HeadingHTML(part), Text: part.Heading.Text, HTML: b.PartHTML(part)}
		switch {
		case part.Kind == "footnotes":
			notes = append(notes, s)
		case part.Heading.Level == 0 && len(rest) == 0, part.Kind == "summary", part.Kind == "impact":
			lead = append(lead, s)
		default:
			rest = append(rest, s)
		}
	}
	// The text before the first heading stays first; then every summary, then every impact.
	rank := func(s Section) int {
		switch {
		case s.Text == "" && s.Kind == "":
			return 0
		case s.Kind == "summary":
			return 1
		}
		return 2
	}
	ordered := make([]Section, 0, len(lead)+len(rest)+3)
	for r := 0; r <= 2; r++ {
		for _, s := range lead {
			if rank(s) == r {
				ordered = append(ordered, s)
			}
		}
	}
	nLead := len(ordered)
	ordered = append(ordered, rest...)
	place := func(kind string, has bool, mark func(*Section), at func() int) {
		if !has {
			return
		}
		for i := range ordered {
			if ordered[i].Kind == kind {
				mark(&ordered[i])
				return
			}
		}
		i := at()
		ordered = append(ordered[:i], append([]Section{ownSections[kind]}, ordered[i:]...)...)
	}
	place("timeline", len(p.Timeline) > 0, func(s *Section) { s.Timeline = true }, func() int { return nLead })
	place("actions", len(p.ActionItems) > 0, func(s *Section) { s.Actions = true }, func() int { return len(ordered) })
	place("factors", len(p.Factors) > 0, func(s *Section) {
		s.Factors = true
		for _, f := range v.Factors() {
			if !strings.Contains(string(s.HTML), `/`+f.Term.URL()+`"`) {
				s.Unlinked = append(s.Unlinked, f)
			}
		}
	}, func() int {
		for i, s := range ordered {
			if s.Kind == "actions" {
				return i
			}
		}
		return len(ordered)
	})
	return append(ordered, notes...)
}

// TimelineItem is an entry of the timeline with the day it happened on, when that day is not the one before it.
type TimelineItem struct {
	postmortem.TimelineEntry
	NewDay string // "Wed 22 Jul" when the entry is on another day than the one before (the first: than the incident's date)
}

// TimelineItems is the timeline with its changes of day marked (times are in the site's zone): an incident that
// runs past midnight says so where it does.
func (v Incident) TimelineItems() []TimelineItem {
	p := v.front()
	out := make([]TimelineItem, len(p.Timeline))
	prev := p.Date
	for i, e := range p.Timeline {
		out[i] = TimelineItem{TimelineEntry: e}
		if !e.HasAt {
			continue
		}
		day := postmortem.Day(e.At)
		if !prev.IsZero() && !day.Equal(prev) {
			layout := "Mon 2 Jan"
			if day.Year() != p.Date.Year() {
				layout = "Mon 2 Jan 2006"
			}
			out[i].NewDay = day.Format(layout)
		}
		prev = day
	}
	return out
}

// ActionStatus is how a page names an action item's status: "Open", "In progress", "Done", "Won't fix", "Status
// not stated".
func ActionStatus(status string) string {
	if l, ok := statusLabels[status]; ok {
		return l
	}
	return status
}
