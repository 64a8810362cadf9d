package markdown

import (
	"bytes"
	"html/template"
	"strings"
	"unicode"

	"github.com/yuin/goldmark/ast"
	extast "github.com/yuin/goldmark/extension/ast"

	"github.com/secondstory/secondstory/generator/postmortem"
)

// Part is a section of a body: the text before its first heading, one top-level heading and what follows it up to
// the next, or the footnotes. The top level is the highest heading level the body uses at its outermost level (two
// for most postmortems). A part is a slice of Body.HTML, so keeping parts costs no copy of the HTML.
type Part struct {
	// Kind is what the section is about, from its heading (SectionKind): "summary", "impact", "timeline", "factors",
	// "actions"; "footnotes" for the footnotes; "" for any other section and for the text before the first heading.
	Kind    string
	Heading Heading // Level 0 when the part has no heading
	// Body.HTML[Start:Content] is the heading element, [headStart:headEnd] inside it the heading's own HTML, and
	// [Content:End] the rest of the section.
	Start, Content, End int
	headStart, headEnd  int
}

// PartHTML is the HTML of a part without its heading element.
func (b *Body) PartHTML(p Part) template.HTML { return b.HTML[p.Content:p.End] }

// HeadingHTML is the HTML inside a part's heading element ("Why <code>nofailover</code> stayed"), or "".
func (b *Body) HeadingHTML(p Part) template.HTML { return b.HTML[p.headStart:p.headEnd] }

// bufWriter lets goldmark write straight into the body's buffer (it would wrap any other writer in a 4 KB
// bufio.Writer per call), so the offset of every top-level block is known as it is written.
type bufWriter struct{ *bytes.Buffer }

func (bufWriter) Flush() error  { return nil }
func (bufWriter) Buffered() int { return 0 }

// renderParts renders the document's top-level blocks one after the other into buf (which gives the same HTML as
// rendering the document) and returns the parts they form.
func (r *Renderer) renderParts(buf *bytes.Buffer, src []byte, doc ast.Node) ([]Part, error) {
	top := 0
	for c := doc.FirstChild(); c != nil; c = c.NextSibling() {
		if h, ok := c.(*ast.Heading); ok && (top == 0 || h.Level < top) {
			top = h.Level
		}
	}
	w := bufWriter{buf}
	var parts []Part
	cur := Part{}
	closePart := func() {
		cur.End = buf.Len()
		if cur.Heading.Level > 0 || cur.Kind != "" || len(bytes.TrimSpace(buf.Bytes()[cur.Content:cur.End])) > 0 {
			parts = append(parts, cur)
		}
	}
	for c := doc.FirstChild(); c != nil; c = c.NextSibling() {
		start := buf.Len()
		h, isHeading := c.(*ast.Heading)
		footnotes := c.Kind() == extast.KindFootnoteList
		if isHeading && h.Level == top || footnotes {
			closePart()
			cur = Part{Start: start, Content: start}
			if footnotes {
				cur.Kind = "footnotes"
			}
		}
		if err := r.md.Renderer().Render(w, src, c); err != nil {
			return parts, err
		}
		if isHeading && h.Level == top {
			el := buf.Bytes()[start:]
			cur.Heading = Heading{Level: h.Level, Text: postmortem.InlineText(h, src)}
			if id, ok := h.AttributeString("id"); ok {
				if v, ok := id.([]byte); ok {
					cur.Heading.ID = string(v)
				}
			}
			cur.Kind = SectionKind(cur.Heading.Text)
			cur.headStart, cur.headEnd = start, start
			if i := bytes.IndexByte(el, '>'); i >= 0 {
				cur.headStart = start + i + 1
			}
			if j := bytes.LastIndex(el, []byte("</h")); j >= 0 && start+j >= cur.headStart {
				cur.headEnd = start + j
			}
			cur.Content = buf.Len()
		}
	}
	closePart()
	return parts, nil
}

// sectionWords name the kinds of section the theme places generated content in (the timeline, the contributing
// factors, the action items) or puts first (summary and impact). A heading is matched on its words, without
// numbering or punctuation: "2. Timeline narrative" is a timeline, "Why it made sense at the time" is not one of
// these. English first, with the German names the sample knowledge base uses.
var sectionWords = []struct {
	kind    string
	phrases []string
}{
	{"summary", []string{"summary", "executive summary", "overview", "tl dr", "tldr", "abstract", "synopsis", "zusammenfassung", "überblick"}},
	{"impact", []string{"impact", "customer impact", "user impact", "business impact", "who was affected", "auswirkungen", "auswirkung"}},
	{"timeline", []string{"timeline", "chronology", "sequence of events", "zeitachse", "zeitleiste", "chronologie", "ablauf"}},
	{"factors", []string{"contributing factors", "contributing factor", "factors", "latent conditions", "root causes", "root cause", "causes", "beitragende faktoren", "ursachen"}},
	{"actions", []string{"action items", "action item", "actions", "follow ups", "followups", "follow up items", "next steps", "remediation", "remediations", "maßnahmen", "massnahmen"}},
}

// SectionKind classifies a section heading: "summary", "impact", "timeline", "factors", "actions", or "". A heading
// is of a kind when it is one of the kind's phrases, or starts with one followed by more words ("Timeline
// narrative", "Impact on drivers", "Action items and owners"), or is "Timeline" preceded by other words ("Incident
// timeline").
func SectionKind(heading string) string {
	words := strings.FieldsFunc(strings.ToLower(heading), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != 'ß' })
	for len(words) > 0 && strings.IndexFunc(words[0], func(r rune) bool { return !unicode.IsDigit(r) }) < 0 {
		words = words[1:] // "2. Timeline"
	}
	text := strings.Join(words, " ")
	for _, sw := range sectionWords {
		for _, p := range sw.phrases {
			if text == p || strings.HasPrefix(text, p+" ") {
				return sw.kind
			}
		}
	}
	if n := len(words); n > 1 && (words[n-1] == "timeline" || words[n-1] == "chronology") {
		return "timeline"
	}
	return ""
}
