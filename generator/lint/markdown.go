package lint

import (
	"bytes"
	"html"
	"sort"

	"github.com/yuin/goldmark/ast"
)

// Markdown lints a Markdown body that the caller parsed with goldmark (a build parses each document once;
// parsing costs more than linting). src is the body doc was parsed from, and firstLine the file line on which
// it starts (frontmatter precedes it). Extension nodes are handled generically (GFM tables and linkified URLs,
// footnotes); text without a source position (typographer punctuation, generated link labels) is matched but
// reported at the nearest known position.
func (lt *Linter) Markdown(doc ast.Node, src []byte, firstLine int) []Finding {
	if lt.enabled.findsNothing() || len(src) == 0 || doc == nil {
		return nil
	}
	sc := lt.getScanner()
	defer putScanner(sc)
	w := walker{sc: sc, body: src, firstLine: firstLine, enabled: lt.enabled}
	w.blocks(doc, 0)
	sortFindings(w.out)
	return w.out
}

// walker visits the blocks of one document and lints their prose, one block at a time.
type walker struct {
	sc         *scanner
	body       []byte
	firstLine  int
	enabled    ruleSet
	line       int // lines before lineOff, for position
	lineOff    int
	blockStart int // body offset of the current block, for text with no position of its own
	out        []Finding
}

// piece maps a stretch of the block's text buffer back to the body: buffer offset buf is body offset src.
// Synthetic pieces (line breaks, separators) map every offset to src.
type piece struct {
	buf, src  int
	synthetic bool
}

// blocks lints the children of a container. ignore holds the rules silenced for all of them; an ignore comment
// adds rules for the one block after it.
func (w *walker) blocks(parent ast.Node, ignore ruleSet) {
	var pending ruleSet
	for c := parent.FirstChild(); c != nil; c = c.NextSibling() {
		switch n := c.(type) {
		case *ast.HTMLBlock:
			if set, ok := parseDirective(w.htmlBlockText(n)); ok {
				pending |= set // consecutive comments add up
				continue
			}
			pending = 0
			continue
		case *ast.FencedCodeBlock, *ast.CodeBlock, *ast.Blockquote:
			pending = 0
			continue
		}
		ign := ignore | pending
		pending = 0
		if fc := c.FirstChild(); fc != nil && fc.Type() == ast.TypeInline {
			w.inline(c, ign)
		} else if fc != nil {
			w.blocks(c, ign)
		}
	}
}

func (w *walker) htmlBlockText(n *ast.HTMLBlock) []byte {
	lines := n.Lines()
	if lines.Len() == 0 {
		return nil
	}
	// Cheap reject: a directive block starts with a comment.
	first := lines.At(0)
	if !bytes.HasPrefix(bytes.TrimLeft(first.Value(w.body), " \t"), []byte("<!--")) {
		return nil
	}
	var b []byte
	for i := range lines.Len() {
		seg := lines.At(i)
		b = append(b, seg.Value(w.body)...)
	}
	if n.HasClosure() {
		b = append(b, n.ClosureLine.Value(w.body)...)
	}
	return b
}

// inline lints the prose of one block whose children are inlines (paragraph, heading, list text, table cell).
func (w *walker) inline(block ast.Node, ignore ruleSet) {
	sc := w.sc
	sc.buf = sc.buf[:0]
	sc.matches = sc.matches[:0]
	w.sc.pieces = w.sc.pieces[:0]
	w.blockStart = 0
	if lines := block.Lines(); lines != nil && lines.Len() > 0 {
		w.blockStart = lines.At(0).Start
	}
	ignore |= w.collect(block)
	enabled := w.enabled &^ ignore
	if enabled.findsNothing() {
		return
	}
	maskURLs(sc.buf)
	sc.scan(enabled)
	for i := range sc.matches {
		line, col := w.position(w.source(sc.matches[i].start))
		w.out = append(w.out, sc.finding(&sc.matches[i], line, col))
	}
}

// collect appends the prose of n's inline children to the buffer and returns the rules silenced by ignore
// comments among them. Markup around text (emphasis, link brackets) is dropped, so "**should** have" reads as
// "should have"; code, raw HTML and autolinks become a separator that no phrase can span.
func (w *walker) collect(n ast.Node) ruleSet {
	var ign ruleSet
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		switch c := c.(type) {
		case *ast.Text:
			w.add(c.Segment.Start, w.body[c.Segment.Start:c.Segment.Stop])
			if c.SoftLineBreak() || c.HardLineBreak() {
				w.addSynthetic([]byte{'\n'})
			}
		case *ast.String:
			// No source position (typographer output in ASTs built elsewhere); keep the text for matching.
			v := c.Value
			if bytes.IndexByte(v, '&') >= 0 {
				v = []byte(html.UnescapeString(string(v)))
			}
			if c.PreviousSibling() == nil && n.Type() == ast.TypeInline && n.Pos() >= 0 {
				w.addSyntheticAt(n.Pos(), v) // a link label: report it at the link
			} else {
				w.addSynthetic(v)
			}
		case *ast.RawHTML:
			var b []byte
			for i := range c.Segments.Len() {
				seg := c.Segments.At(i)
				b = append(b, seg.Value(w.body)...)
			}
			if set, ok := parseDirective(b); ok {
				ign |= set
			}
			w.addSynthetic([]byte{sepByte})
		case *ast.CodeSpan, *ast.AutoLink:
			w.addSynthetic([]byte{sepByte})
		default:
			ign |= w.collect(c)
		}
	}
	return ign
}

func (w *walker) add(src int, b []byte) {
	w.sc.pieces = append(w.sc.pieces, piece{buf: len(w.sc.buf), src: src})
	w.sc.buf = append(w.sc.buf, b...)
}

func (w *walker) addSynthetic(b []byte) {
	src := w.blockStart
	if n := len(w.sc.pieces); n > 0 {
		p := w.sc.pieces[n-1]
		src = p.src
		if !p.synthetic {
			src += len(w.sc.buf) - p.buf
		}
	}
	w.addSyntheticAt(src, b)
}

func (w *walker) addSyntheticAt(src int, b []byte) {
	w.sc.pieces = append(w.sc.pieces, piece{buf: len(w.sc.buf), src: src, synthetic: true})
	w.sc.buf = append(w.sc.buf, b...)
}

// source maps a buffer offset to a body offset.
func (w *walker) source(off int) int {
	i := sort.Search(len(w.sc.pieces), func(i int) bool { return w.sc.pieces[i].buf > off }) - 1
	if i < 0 {
		return 0
	}
	p := w.sc.pieces[i]
	if p.synthetic {
		return p.src
	}
	return p.src + off - p.buf
}

// position converts a body offset to a file line and byte column. Findings come mostly in document order, so it
// counts lines on from the previous finding instead of from the start.
func (w *walker) position(off int) (int, int) {
	if off < w.lineOff {
		w.lineOff, w.line = 0, 0
	}
	w.line += bytes.Count(w.body[w.lineOff:off], []byte{'\n'})
	w.lineOff = off
	return w.firstLine + w.line, off - (bytes.LastIndexByte(w.body[:off], '\n') + 1) + 1
}
