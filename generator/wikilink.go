package generator

import (
	"bytes"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
)

// wikiLinkParser parses [[slug]], [[slug|text]] and [[factor:slug]] into ordinary links, resolved against the
// site's known pages while parsing (all slugs are known before any body is rendered). A target that does not exist
// is recorded as a positioned error and rendered as plain text.
type wikiLinkParser struct{}

func (wikiLinkParser) Trigger() []byte { return []byte{'['} }

func (wikiLinkParser) Parse(parent ast.Node, block text.Reader, pc parser.Context) ast.Node {
	line, seg := block.PeekLine()
	if !bytes.HasPrefix(line, []byte("[[")) {
		return nil
	}
	end := bytes.Index(line, []byte("]]"))
	if end < 0 {
		return nil
	}
	inner := line[2:end]
	if len(bytes.TrimSpace(inner)) == 0 || bytes.ContainsAny(inner, "[]\n") {
		return nil
	}
	target, label := inner, []byte(nil)
	if i := bytes.IndexByte(inner, '|'); i >= 0 {
		target, label = inner[:i], inner[i+1:]
	}
	target = bytes.TrimSpace(target)
	label = bytes.TrimSpace(label)
	block.Advance(end + 2)

	lc := getLinkContext(pc)
	if lc == nil {
		return ast.NewString(line[:end+2])
	}
	ref := Ref{Slug: string(target)}
	if rest, ok := bytes.CutPrefix(target, []byte("factor:")); ok {
		ref.Factor, ref.Slug = true, string(bytes.TrimSpace(rest))
	}
	ref.Line, ref.Col = lc.position(seg.Start)
	dest, title, ok := lc.resolve(&ref)
	// Without an explicit label, show the target's title: readers see "Orders database failover", not a slug.
	if len(label) == 0 {
		label = []byte(title)
		if title == "" {
			label = []byte(ref.Slug)
		}
	}
	if !ok {
		return ast.NewString(label)
	}
	link := ast.NewLink()
	link.Destination = []byte(dest)
	link.AppendChild(link, ast.NewString(label))
	link.SetAttributeString("class", []byte("wikilink"))
	return link
}
