package markdown

import (
	"bytes"
	"net/url"
	"path"
	"strconv"
	"strings"

	"github.com/secondstory/secondstory/generator/postmortem"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
)

var linkContextKey = parser.NewContextKey()

// linkContext carries what the wiki link parser and the link rewriter need for one document.
type linkContext struct {
	rel       string
	src       []byte
	firstLine int
	resolver  Resolver
	body      *Body
}

func getLinkContext(pc parser.Context) *linkContext {
	lc, _ := pc.Get(linkContextKey).(*linkContext)
	return lc
}

// ask asks the resolver and records the question and its answer.
func (lc *linkContext) ask(kind byte, key string) string {
	a := answer(lc.resolver, kind, key)
	lc.body.Lookups = append(lc.body.Lookups, Lookup{kind, key, a})
	return a
}

// position converts a byte offset in the body into a file line and column.
func (lc *linkContext) position(offset int) (int, int) {
	offset = min(offset, len(lc.src))
	line := lc.firstLine + bytes.Count(lc.src[:offset], []byte("\n"))
	col := offset - bytes.LastIndexByte(lc.src[:offset], '\n')
	return line, col
}

// Pages are two levels deep (incidents/<slug>/, factors/<slug>/): links from them climb two folders.
const up = "../../"

// resolve finds the page a wiki reference points to and returns its URL relative to the page, and its title.
func (lc *linkContext) resolve(ref *postmortem.Ref) (dest, title string, ok bool) {
	if ref.Factor {
		a := lc.ask('f', ref.Slug)
		if a == "" {
			lc.body.Diags.Errorf(lc.rel, ref.Line, ref.Col, "link", "[[factor:%s]]: no contributing factor with that name", ref.Slug)
			return "", "", false
		}
		slug, name, _ := strings.Cut(a, "\x00")
		ref.Slug = slug
		lc.body.Outlinks = append(lc.body.Outlinks, *ref)
		return up + "factors/" + PathEscape(slug) + "/", name, true
	}
	target, fragment, _ := strings.Cut(ref.Slug, "#")
	a := lc.ask('i', target)
	if a == "" {
		lc.body.Diags.Errorf(lc.rel, ref.Line, ref.Col, "link", "[[%s]]: no incident with that slug", ref.Slug)
		return "", "", false
	}
	ref.Slug = target
	lc.body.Outlinks = append(lc.body.Outlinks, *ref)
	dest = up + "incidents/" + PathEscape(target) + "/"
	if fragment != "" {
		dest += "#" + fragment
	}
	return dest, a[1:], true
}

// wikiLinkParser parses [[slug]], [[slug|text]] and [[factor:slug]] into ordinary links, resolved while parsing (all
// slugs are known before any body is rendered). A target that does not exist is a positioned error and plain text.
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
	ref := postmortem.Ref{Slug: string(target)}
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

// linkRewriter turns relative links to other postmortems' .md files into links to their pages, and relative links
// to other files under the source folder (images, attachments) into links to their copies in the site. A link that
// leaves the source folder, or names nothing there, is an error: nothing outside the source is ever published.
type linkRewriter struct{}

func (linkRewriter) Transform(doc *ast.Document, reader text.Reader, pc parser.Context) {
	lc := getLinkContext(pc)
	if lc == nil {
		return
	}
	src := reader.Source()
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		var dest *[]byte
		switch n := n.(type) {
		case *ast.Link:
			if n.Attributes() != nil { // a wiki link, already resolved
				return ast.WalkContinue, nil
			}
			dest = &n.Destination
		case *ast.Image:
			dest = &n.Destination
		default:
			return ast.WalkContinue, nil
		}
		lc.rewrite(n, dest, src)
		return ast.WalkContinue, nil
	})
}

func (lc *linkContext) rewrite(n ast.Node, dest *[]byte, src []byte) {
	raw := string(*dest)
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "" || u.Host != "" || u.Path == "" || strings.HasPrefix(u.Path, "/") || strings.HasPrefix(raw, "//") {
		return
	}
	line, col := lc.position(blockOffset(n, src, raw))
	target := path.Join(path.Dir(lc.rel), u.Path)
	if target == ".." || strings.HasPrefix(target, "../") {
		lc.body.Diags.Errorf(lc.rel, line, col, "link", "link to %s leaves the source folder: nothing outside it is published", raw)
		*dest = nil
		return
	}
	if strings.EqualFold(path.Ext(u.Path), ".md") {
		a := lc.ask('s', target)
		if a == "" {
			lc.body.Diags.Errorf(lc.rel, line, col, "link", "link to %s: no such postmortem (looked for %s)", raw, target)
			return
		}
		slug, _, _ := strings.Cut(a, "\x00")
		lc.body.Outlinks = append(lc.body.Outlinks, postmortem.Ref{Slug: slug, Line: line, Col: col})
		d := up + "incidents/" + PathEscape(slug) + "/"
		if u.Fragment != "" {
			d += "#" + u.Fragment
		}
		*dest = []byte(d)
		return
	}
	if bundle := path.Dir(lc.rel); path.Base(lc.rel) == "index.md" && strings.HasPrefix(target, bundle+"/") {
		// A page bundle's own files are copied next to its page: the link works as written.
		if lc.ask('F', target) == "" {
			lc.body.Diags.Errorf(lc.rel, line, col, "link", "link to %s: no such file in the bundle (looked for %s)", raw, target)
		}
		return
	}
	if lc.ask('F', target) == "" {
		lc.body.Diags.Errorf(lc.rel, line, col, "link", "link to %s: no such file under the source folder (looked for %s)", raw, target)
		return
	}
	lc.body.Files = append(lc.body.Files, target)
	d := up + FileURL(target)
	if u.RawQuery != "" {
		d += "?" + u.RawQuery
	}
	if u.Fragment != "" {
		d += "#" + u.Fragment
	}
	*dest = []byte(d)
}

// FileURL is where a source file a body links to is published, relative to the site root: files/ and its path in
// the source folder, so two postmortems linking to one image share one copy.
func FileURL(rel string) string { return "files/" + PathEscape(rel) }

// blockOffset finds where an inline link's destination sits in the source: inline nodes carry no position, their
// enclosing block does.
func blockOffset(n ast.Node, src []byte, dest string) int {
	for p := n.Parent(); p != nil; p = p.Parent() {
		if p.Type() == ast.TypeBlock && p.Lines().Len() > 0 {
			start := p.Lines().At(0).Start
			if i := bytes.Index(src[start:], []byte(dest)); i >= 0 {
				return start + i
			}
			return start
		}
	}
	return 0
}

// PathEscape escapes a slug or path for a URL; letters of any script stay as they are in the HTML and the browser
// encodes them.
func PathEscape(s string) string {
	return strings.ReplaceAll(url.PathEscape(s), "%2F", "/")
}

// headingIDs implements goldmark's parser.IDs with postmortem.Slugify, because goldmark's default drops non-ASCII
// letters.
type headingIDs struct{ seen map[string]int }

// ReservedIDs are the ids the default theme gives its own elements on an incident page: a body heading never takes
// one ("## Title" gets "title-1"), so every link of the table of contents leads to one place.
var ReservedIDs = []string{"main", "title", "toc", "ss-timeline", "ss-factors", "ss-actions", "ss-links", "ss-related"}

func newHeadingIDs() *headingIDs {
	ids := &headingIDs{seen: make(map[string]int, len(ReservedIDs)+16)}
	for _, id := range ReservedIDs {
		ids.seen[id] = 1
	}
	return ids
}

func (ids *headingIDs) Generate(value []byte, _ ast.NodeKind) []byte {
	id := postmortem.Slugify(string(value))
	if id == "" {
		id = "section"
	}
	base := id
	for n := ids.seen[base]; ids.seen[id] > 0; n++ {
		id = base + "-" + strconv.Itoa(n)
	}
	ids.seen[base]++
	ids.seen[id]++
	return []byte(id)
}

func (ids *headingIDs) Put(value []byte) { ids.seen[string(value)]++ }
