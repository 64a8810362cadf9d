package generator

import (
	"bytes"
	"html/template"
	"net/url"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// newMarkdown builds the goldmark pipeline: GFM, footnotes, typographer, our heading IDs, wiki links and link
// rewriting. Raw HTML stays escaped unless the site opts in.
func newMarkdown(unsafeHTML bool) goldmark.Markdown {
	rendererOpts := []goldmark.Option{}
	if unsafeHTML {
		rendererOpts = append(rendererOpts, goldmark.WithRendererOptions(html.WithUnsafe()))
	}
	return goldmark.New(append(rendererOpts,
		goldmark.WithExtensions(extension.GFM, extension.Footnote, extension.Typographer),
		goldmark.WithParserOptions(
			parser.WithAutoHeadingID(),
			parser.WithInlineParsers(util.Prioritized(wikiLinkParser{}, 199)),
			parser.WithASTTransformers(util.Prioritized(linkRewriter{}, 100)),
		),
	)...)
}

var linkContextKey = parser.NewContextKey()

// linkContext carries what the wiki link parser and the link rewriter need for one document.
type linkContext struct {
	page     *Postmortem
	resolver *resolver
	outlinks []Ref
	deps     []linkDep // every lookup made, so a cached rendering can tell whether it still holds (memcache.go)
	diags    Diagnostics
}

func getLinkContext(pc parser.Context) *linkContext {
	lc, _ := pc.Get(linkContextKey).(*linkContext)
	return lc
}

// position converts a byte offset in the body into a file line and column.
func (lc *linkContext) position(offset int) (int, int) {
	body := lc.page.Body
	offset = min(offset, len(body))
	line := lc.page.BodyLine + bytes.Count(body[:offset], []byte("\n"))
	col := offset - bytes.LastIndexByte(body[:offset], '\n')
	return line, col
}

// resolve finds the page a reference points to and returns its URL relative to a page two levels deep
// (incidents/<slug>/ and factors/<slug>/ both are).
func (lc *linkContext) resolve(ref *Ref) (dest, title string, ok bool) {
	r := lc.resolver
	if ref.Factor {
		lc.deps = append(lc.deps, linkDep{depFactor, ref.Slug})
		slug := r.factorSlug(ref.Slug)
		if !r.factors[slug] {
			lc.diags.errorf(lc.page.Source, ref.Line, ref.Col, "link", "[[factor:%s]]: no contributing factor with that name", ref.Slug)
			return "", "", false
		}
		ref.Slug = slug
		lc.outlinks = append(lc.outlinks, *ref)
		return "../../factors/" + pathEscape(slug) + "/", r.factorNames[slug], true
	}
	target, fragment, _ := strings.Cut(ref.Slug, "#")
	lc.deps = append(lc.deps, linkDep{depIncident, target})
	p := r.incidents[target]
	if p == nil {
		lc.diags.errorf(lc.page.Source, ref.Line, ref.Col, "link", "[[%s]]: no incident with that slug", ref.Slug)
		return "", "", false
	}
	ref.Slug = target
	lc.outlinks = append(lc.outlinks, *ref)
	dest = "../../incidents/" + pathEscape(target) + "/"
	if fragment != "" {
		dest += "#" + fragment
	}
	return dest, p.Title, true
}

// resolver knows every page of the build, so links can be checked and rewritten while bodies are parsed.
type resolver struct {
	incidents   map[string]*Postmortem // by slug, published or not: a link to a draft is still a link
	bySource    map[string]*Postmortem // by source path
	factors     map[string]bool        // known factor slugs
	aliases     map[string]string      // factor slug -> canonical slug
	factorNames map[string]string      // factor slug -> display name, from factors/ files
}

func (r *resolver) factorSlug(name string) string { return r.canonical(Slugify(name)) }

// canonical follows the aliases from a factor's slug.
func (r *resolver) canonical(slug string) string {
	if to, ok := r.aliases[slug]; ok {
		return to
	}
	return slug
}

// slugOf is the canonical slug of a factor as a postmortem names it.
func (r *resolver) slugOf(f *FactorRef) string {
	if f.base == "" {
		return r.factorSlug(f.Name)
	}
	return r.canonical(f.base)
}

// linkRewriter turns relative links to other postmortems' .md files into links to their pages.
type linkRewriter struct{}

func (linkRewriter) Transform(doc *ast.Document, reader text.Reader, pc parser.Context) {
	lc := getLinkContext(pc)
	if lc == nil {
		return
	}
	src := reader.Source()
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		link, ok := n.(*ast.Link)
		if !entering || !ok || link.Attributes() != nil {
			return ast.WalkContinue, nil
		}
		dest := string(link.Destination)
		u, err := url.Parse(dest)
		if err != nil || u.Scheme != "" || u.Host != "" || !strings.HasSuffix(strings.ToLower(u.Path), ".md") || strings.HasPrefix(u.Path, "/") {
			return ast.WalkContinue, nil
		}
		target := path.Join(path.Dir(lc.page.Source), u.Path)
		line, col := lc.position(blockOffset(link, src, dest))
		lc.deps = append(lc.deps, linkDep{depSource, target})
		p := lc.resolver.bySource[target]
		if p == nil {
			lc.diags.errorf(lc.page.Source, line, col, "link", "link to %s: no such postmortem (looked for %s)", dest, target)
			return ast.WalkContinue, nil
		}
		lc.outlinks = append(lc.outlinks, Ref{Slug: p.Slug, Line: line, Col: col})
		newDest := "../../incidents/" + pathEscape(p.Slug) + "/"
		if u.Fragment != "" {
			newDest += "#" + u.Fragment
		}
		link.Destination = []byte(newDest)
		return ast.WalkContinue, nil
	})
}

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

// renderMarkdown converts one body to HTML and gathers what later stages need: plain text for search, headings,
// outgoing links and a word count. afterParse, when set, sees the parsed document (the lint uses it).
func renderMarkdown(md goldmark.Markdown, p *Postmortem, r *resolver, afterParse func(ast.Node)) Diagnostics {
	lc := &linkContext{page: p, resolver: r}
	pc := parser.NewContext(parser.WithIDs(newHeadingIDs()))
	pc.Set(linkContextKey, lc)
	doc := md.Parser().Parse(text.NewReader(p.Body), parser.WithContext(pc))
	if afterParse != nil {
		afterParse(doc)
	}
	var buf bytes.Buffer
	buf.Grow(len(p.Body) * 3 / 2)
	if err := md.Renderer().Render(&buf, p.Body, doc); err != nil {
		lc.diags.errorf(p.Source, p.BodyLine, 0, "markdown", "%v", err)
	}
	p.HTML = template.HTML(buf.String())
	p.PlainText, p.Headings = plainText(doc, p.Body)
	p.Words = countWords(p.PlainText)
	p.Outlinks = lc.outlinks
	p.linkDeps = lc.deps
	return lc.diags
}

// countWords is len(strings.Fields(s)) without the slice of every word: at 10,000 postmortems that slice was
// 380 MB of a full build's garbage.
func countWords(s string) int {
	n, inWord := 0, false
	for i := 0; i < len(s); {
		c := s[i]
		var space bool
		if c < utf8.RuneSelf {
			space = c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
			i++
		} else {
			r, size := utf8.DecodeRuneInString(s[i:])
			space = unicode.IsSpace(r)
			i += size
		}
		if !space && !inWord {
			n++
		}
		inWord = !space
	}
	return n
}

// plainText strips the Markdown: the text of every inline and code block, blocks separated by new lines.
func plainText(doc ast.Node, src []byte) (string, []string) {
	var b strings.Builder
	b.Grow(len(src))
	var headings []string
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			if n.Type() == ast.TypeBlock && b.Len() > 0 {
				b.WriteByte('\n')
			}
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.Heading:
			headings = append(headings, string(nodeText(n, src)))
		case *ast.Text:
			b.Write(n.Segment.Value(src))
			if n.SoftLineBreak() || n.HardLineBreak() {
				b.WriteByte(' ')
			}
		case *ast.String:
			b.Write(n.Value)
		case *ast.FencedCodeBlock, *ast.CodeBlock:
			lines := n.Lines()
			for i := 0; i < lines.Len(); i++ {
				seg := lines.At(i)
				b.Write(seg.Value(src))
			}
			return ast.WalkSkipChildren, nil
		case *ast.HTMLBlock, *ast.RawHTML:
			return ast.WalkSkipChildren, nil
		}
		return ast.WalkContinue, nil
	})
	return b.String(), headings
}

func nodeText(n ast.Node, src []byte) []byte {
	var b bytes.Buffer
	_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if entering {
			switch c := c.(type) {
			case *ast.Text:
				b.Write(c.Segment.Value(src))
			case *ast.String:
				b.Write(c.Value)
			}
		}
		return ast.WalkContinue, nil
	})
	return b.Bytes()
}

// pathEscape escapes a slug for a URL path segment; letters of any script stay as they are in the HTML and the
// browser encodes them.
func pathEscape(s string) string {
	return strings.ReplaceAll(url.PathEscape(s), "%2F", "/")
}
