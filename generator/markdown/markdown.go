// Package markdown renders postmortem bodies with goldmark: GFM, footnotes, typographic quotes (as characters, so
// plain text and search fragments never carry entities), heading ids that keep letters of any script, wiki links
// ([[slug]], [[factor:name]]), and relative links rewritten to the pages and files they point at. Every link a body
// resolves is recorded (Body.Lookups), so a rendering can be reused as long as each lookup still gives the same
// answer.
package markdown

import (
	"bytes"
	"html/template"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/secondstory/secondstory/generator/diag"
	"github.com/secondstory/secondstory/generator/postmortem"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// Resolver answers what a body's links point at. The build implements it over every postmortem and factor it
// knows, valid or not, so that a link to a file with errors is not reported as broken.
type Resolver interface {
	// Incident returns the title of the incident with that slug.
	Incident(slug string) (title string, ok bool)
	// Source returns the slug and title of the postmortem in that source file.
	Source(rel string) (slug, title string, ok bool)
	// Factor returns the canonical slug and display name of a factor named so (name, slug or alias).
	Factor(name string) (slug, display string, ok bool)
	// File reports whether rel is a file under the source folder that can be published (an image, a PDF).
	File(rel string) bool
}

// Heading is a section heading of a body, for the table of contents.
type Heading struct {
	Level int
	ID    string
	Text  string
}

// Body is a rendered Markdown body and what later stages need of it.
type Body struct {
	HTML     template.HTML
	Text     string            // plain text, for search and the lint
	Headings []Heading         // in document order
	Parts    []Part            // the body's sections, in document order (parts.go)
	Outlinks []postmortem.Ref  // links to other incidents and factors, positioned
	Files    []string          // source files the body links to (images, attachments), copied into the site
	Words    int               // words of Text
	Lookups  []Lookup          // every resolution made while rendering
	Diags    diag.List         // broken links and other findings of the body
	Extra    map[string]string // reserved for structure found in the body (sections)
}

// Lookup is one question a rendering asked its Resolver, and the answer it got.
type Lookup struct {
	Kind   byte // 'i' incident, 's' source, 'f' factor, 'F' file
	Key    string
	Answer string // "" when not found
}

// Valid reports whether every lookup of b still gets the same answer from r: then rendering again would give the
// same HTML.
func (b *Body) Valid(r Resolver) bool {
	for _, l := range b.Lookups {
		if answer(r, l.Kind, l.Key) != l.Answer {
			return false
		}
	}
	return true
}

func answer(r Resolver, kind byte, key string) string {
	switch kind {
	case 'i':
		if t, ok := r.Incident(key); ok {
			return "\x00" + t
		}
	case 's':
		if s, t, ok := r.Source(key); ok {
			return s + "\x00" + t
		}
	case 'f':
		if s, n, ok := r.Factor(key); ok {
			return s + "\x00" + n
		}
	case 'F':
		if r.File(key) {
			return "1"
		}
	}
	return ""
}

// Renderer renders bodies; it is safe for concurrent use.
type Renderer struct{ md goldmark.Markdown }

// unicodeQuotes makes the typographer write characters, not entities: plain text then reads as the HTML does.
var unicodeQuotes = map[extension.TypographicPunctuation]string{
	extension.LeftSingleQuote: "‘", extension.RightSingleQuote: "’", extension.LeftDoubleQuote: "“",
	extension.RightDoubleQuote: "”", extension.EnDash: "–", extension.EmDash: "—", extension.Ellipsis: "…",
	extension.LeftAngleQuote: "«", extension.RightAngleQuote: "»", extension.Apostrophe: "’",
}

// New builds the goldmark pipeline. Raw HTML stays escaped unless the site opts in (unsafeHTML).
func New(unsafeHTML bool) *Renderer {
	opts := []goldmark.Option{
		goldmark.WithExtensions(extension.GFM, extension.Footnote,
			extension.NewTypographer(extension.WithTypographicSubstitutions(unicodeQuotes))),
		goldmark.WithParserOptions(
			parser.WithAutoHeadingID(),
			parser.WithInlineParsers(util.Prioritized(wikiLinkParser{}, 199)),
			parser.WithASTTransformers(util.Prioritized(linkRewriter{}, 100)),
		),
	}
	if unsafeHTML {
		opts = append(opts, goldmark.WithRendererOptions(html.WithUnsafe()))
	}
	return &Renderer{md: goldmark.New(opts...)}
}

// Render converts the body of the postmortem at rel (Markdown src, starting on file line firstLine) to HTML.
// inspect, when set, sees the parsed document before it is rendered (the lint uses it, so a body is parsed once).
func (r *Renderer) Render(rel string, src []byte, firstLine int, res Resolver, inspect func(doc ast.Node, src []byte)) *Body {
	lc := &linkContext{rel: rel, src: src, firstLine: firstLine, resolver: res, body: &Body{}}
	pc := parser.NewContext(parser.WithIDs(newHeadingIDs()))
	pc.Set(linkContextKey, lc)
	doc := r.md.Parser().Parse(text.NewReader(src), parser.WithContext(pc))
	if inspect != nil {
		inspect(doc, src)
	}
	var buf bytes.Buffer
	buf.Grow(len(src) * 3 / 2)
	b := lc.body
	parts, err := r.renderParts(&buf, src, doc)
	if err != nil {
		b.Diags.Errorf(rel, firstLine, 0, "markdown", "%v", err)
	}
	b.HTML, b.Parts = template.HTML(buf.String()), parts
	b.Text, b.Headings = plainText(doc, src)
	b.Words = countWords(b.Text)
	return b
}

// countWords is len(strings.Fields(s)) without the slice of every word.
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
func plainText(doc ast.Node, src []byte) (string, []Heading) {
	var b strings.Builder
	b.Grow(len(src))
	var headings []Heading
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			if n.Type() == ast.TypeBlock && b.Len() > 0 {
				b.WriteByte('\n')
			}
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.Heading:
			h := Heading{Level: n.Level, Text: postmortem.InlineText(n, src)}
			if id, ok := n.AttributeString("id"); ok {
				if v, ok := id.([]byte); ok {
					h.ID = string(v)
				}
			}
			headings = append(headings, h)
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
