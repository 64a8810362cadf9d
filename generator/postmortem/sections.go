package postmortem

import (
	"bytes"
	"regexp"
	"strings"
	"unicode"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	east "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/text"
)

// The conventional sections of postmortems written without secondstory ("## Timeline", "## Action items",
// "## Contributing factors", "## Severity", "## Summary"), read from the body's Markdown structure so that a
// team's existing files get the structure a frontmatter would give. Only files whose frontmatter lacks a field
// have their body parsed here; the rendering stage parses it again for HTML, which keeps the stages apart at the
// cost of one parse of such files.

// bodyParser parses bodies with tables and task lists; goldmark's parser is safe for concurrent use.
var bodyParser = goldmark.New(goldmark.WithExtensions(extension.Table, extension.TaskList)).Parser()

// Section kinds.
const (
	secTimeline = "timeline"
	secActions  = "actions"
	secFactors  = "factors"
	secSeverity = "severity"
	secSummary  = "summary"
)

// sectionNames maps a heading's slug (numbering and a trailing "(s)" taken off) to its kind.
var sectionNames = map[string]string{
	"timeline": secTimeline, "incident-timeline": secTimeline, "timeline-of-events": secTimeline,
	"detailed-timeline": secTimeline, "chronology": secTimeline, "sequence-of-events": secTimeline,
	"action-items": secActions, "action-item": secActions, "actions": secActions, "action-points": secActions,
	"follow-ups": secActions, "follow-up": secActions, "followups": secActions, "follow-up-items": secActions,
	"follow-up-actions": secActions, "follow-up-tasks": secActions, "corrective-actions": secActions,
	"remediation": secActions, "remediations": secActions, "remediation-items": secActions,
	"next-steps": secActions, "action-items-and-follow-ups": secActions,
	"contributing-factors": secFactors, "contributing-factor": secFactors, "factors": secFactors,
	"severity": secSeverity, "severity-level": secSeverity, "incident-severity": secSeverity,
	"summary": secSummary, "executive-summary": secSummary, "tl-dr": secSummary, "tldr": secSummary,
	"overview": secSummary, "abstract": secSummary,
}

var numbering = regexp.MustCompile(`^(?:\d+[.)]?\s*)+`)

// sectionKind is the kind of section a heading opens, or "".
func sectionKind(heading string) string {
	h := strings.TrimSpace(numbering.ReplaceAllString(strings.TrimSpace(heading), ""))
	h = strings.TrimSuffix(strings.TrimSuffix(h, ":"), "(s)")
	return sectionNames[Slugify(h)]
}

// outline is a parsed body: its top-level blocks, the first H1, and the sections.
type outline struct {
	src      []byte
	doc      ast.Node
	title    *block // the first level-1 heading that is not a section's, or nil
	sections []section
}

// block is a top-level node with the byte range of its whole lines.
type block struct {
	node       ast.Node
	start, end int // [start, end): from its first line's start to past its last line's newline
	text       string
}

// section is a heading of a known kind with the blocks up to the next heading of its level or above.
type section struct {
	kind, heading string
	line          int // body line of the heading, 1-based
	start, end    int // the byte range of the heading and its blocks
	blocks        []ast.Node
}

func parseOutline(src []byte) *outline {
	o := &outline{src: src, doc: bodyParser.Parse(text.NewReader(src))}
	type head struct {
		level int
		b     block
	}
	var heads []head
	for n := o.doc.FirstChild(); n != nil; n = n.NextSibling() {
		if h, ok := n.(*ast.Heading); ok {
			if b, ok := o.blockOf(h); ok {
				heads = append(heads, head{h.Level, b})
			}
		}
	}
	for i, h := range heads {
		kind := sectionKind(h.b.text)
		if h.level == 1 && o.title == nil && kind == "" && h.b.text != "" {
			b := h.b
			o.title = &b
			continue
		}
		if kind == "" {
			continue
		}
		s := section{kind: kind, heading: h.b.text, line: o.line(h.b.start), start: h.b.start, end: len(src)}
		var stop ast.Node
		for _, next := range heads[i+1:] {
			if next.level <= h.level {
				s.end, stop = next.b.start, next.b.node
				break
			}
		}
		for n := h.b.node.NextSibling(); n != nil && n != stop; n = n.NextSibling() {
			s.blocks = append(s.blocks, n)
		}
		o.sections = append(o.sections, s)
	}
	return o
}

// blockOf is a heading's line range and text.
func (o *outline) blockOf(h *ast.Heading) (block, bool) {
	if h.Lines().Len() == 0 {
		return block{}, false
	}
	first, last := h.Lines().At(0), h.Lines().At(h.Lines().Len()-1)
	start := bytes.LastIndexByte(o.src[:first.Start], '\n') + 1
	end := lineEnd(o.src, last.Stop)
	if !isATX(o.src[start:first.Start]) && end < len(o.src) { // a setext heading: its underline is the next line
		end = lineEnd(o.src, end+1)
	}
	return block{node: h, start: start, end: end, text: InlineText(h, o.src)}, true
}

func isATX(prefix []byte) bool { return bytes.Contains(prefix, []byte("#")) }

// lineEnd is the offset past the newline that ends the line holding offset i (len(src) on the last line).
func lineEnd(src []byte, i int) int {
	if i > 0 && i <= len(src) && src[i-1] == '\n' {
		return i
	}
	if j := bytes.IndexByte(src[min(i, len(src)):], '\n'); j >= 0 {
		return i + j + 1
	}
	return len(src)
}

// line is the 1-based body line of a byte offset.
func (o *outline) line(off int) int {
	return 1 + bytes.Count(o.src[:min(off, len(o.src))], []byte("\n"))
}

// nodeLine is the body line a block starts on (0 when it has no lines of its own and no child that has).
func (o *outline) nodeLine(n ast.Node) int {
	for ; n != nil; n = n.FirstChild() {
		if n.Type() == ast.TypeBlock && n.Lines().Len() > 0 {
			return o.line(n.Lines().At(0).Start)
		}
		if t, ok := n.(*ast.Text); ok {
			return o.line(t.Segment.Start)
		}
	}
	return 0
}

// section returns the first section of a kind, or nil.
func (o *outline) section(kind string) *section {
	for i := range o.sections {
		if o.sections[i].kind == kind {
			return &o.sections[i]
		}
	}
	return nil
}

// InlineText is the plain text of a node's inline content: emphasis and links give their text, code spans their
// code, line breaks a space; task-list checkboxes and nested blocks are left out.
func InlineText(n ast.Node, src []byte) string {
	var b strings.Builder
	var walk func(n ast.Node)
	walk = func(n ast.Node) {
		for c := n.FirstChild(); c != nil; c = c.NextSibling() {
			switch c := c.(type) {
			case *ast.Text:
				b.Write(c.Segment.Value(src))
				if c.SoftLineBreak() || c.HardLineBreak() {
					b.WriteByte(' ')
				}
			case *ast.String:
				b.Write(c.Value)
			case *ast.CodeSpan:
				for t := c.FirstChild(); t != nil; t = t.NextSibling() {
					if s, ok := t.(*ast.Text); ok {
						b.Write(s.Segment.Value(src))
					}
				}
			case *ast.AutoLink:
				b.Write(c.URL(src))
			case *ast.RawHTML, *east.TaskCheckBox:
			default:
				if c.Type() != ast.TypeBlock {
					walk(c)
				}
			}
		}
	}
	walk(n)
	return strings.Join(strings.Fields(b.String()), " ")
}

// blockText is the plain text of a block and its inline content, blocks joined by a space.
func blockText(n ast.Node, src []byte) string {
	if n.Type() == ast.TypeBlock && n.HasChildren() && n.FirstChild().Type() == ast.TypeBlock {
		var parts []string
		for c := n.FirstChild(); c != nil; c = c.NextSibling() {
			if t := blockText(c, src); t != "" {
				parts = append(parts, t)
			}
		}
		return strings.Join(parts, " ")
	}
	return InlineText(n, src)
}

// onlyStructure reports whether a section holds nothing but the lists and tables that were read (and HTML comments,
// a template's instructions): then the page shows the structure in the section's place and the body drops it.
func onlyStructure(s *section, src []byte) bool {
	if len(s.blocks) == 0 {
		return false
	}
	for _, n := range s.blocks {
		switch n := n.(type) {
		case *ast.List, *east.Table:
		case *ast.HTMLBlock:
			if n.HTMLBlockType != ast.HTMLBlockType2 { // <!-- … -->
				return false
			}
		default:
			return false
		}
	}
	return true
}

// tableRows returns a table's header cells and its rows, as plain text, with each row's body line.
func (o *outline) tableRows(t *east.Table) (header []string, rows [][]string, lines []int) {
	for r := t.FirstChild(); r != nil; r = r.NextSibling() {
		var cells []string
		for c := r.FirstChild(); c != nil; c = c.NextSibling() {
			cells = append(cells, InlineText(c, o.src))
		}
		if _, ok := r.(*east.TableHeader); ok {
			header = cells
			continue
		}
		rows = append(rows, cells)
		line := 0
		if r.FirstChild() != nil {
			line = o.nodeLine(r.FirstChild())
		}
		lines = append(lines, line)
	}
	return header, rows, lines
}

// column finds the column whose header names one of the roles' words: an exact name first, then a name that
// contains the word. It returns -1 when none does.
func column(header []string, words []string, taken map[int]bool) int {
	norm := func(s string) string {
		return strings.Join(strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !isLetterOrDigit(r) }), " ")
	}
	for pass := 0; pass < 2; pass++ {
		for i, h := range header {
			if taken[i] {
				continue
			}
			h = norm(h)
			for _, w := range words {
				if h == w || pass == 1 && (strings.HasPrefix(h, w+" ") || strings.HasSuffix(h, " "+w) || strings.Contains(h, " "+w+" ")) {
					taken[i] = true
					return i
				}
			}
		}
	}
	return -1
}

func isLetterOrDigit(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

func cell(row []string, i int) string {
	if i < 0 || i >= len(row) {
		return ""
	}
	return strings.TrimSpace(row[i])
}
