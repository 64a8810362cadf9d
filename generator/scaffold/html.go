package scaffold

import (
	"bytes"
	"net/url"
	"strings"

	htmltomarkdown "github.com/JohannesKaufmann/html-to-markdown/v2/converter"
	"github.com/JohannesKaufmann/html-to-markdown/v2/plugin/base"
	"github.com/JohannesKaufmann/html-to-markdown/v2/plugin/commonmark"
	"github.com/JohannesKaufmann/html-to-markdown/v2/plugin/strikethrough"
	"github.com/JohannesKaufmann/html-to-markdown/v2/plugin/table"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// HTML exports of wiki and document tools, converted to Markdown with github.com/JohannesKaufmann/html-to-markdown
// (GFM tables included, so an action item table stays a table the build reads). Only the page's content is kept:
// a Confluence page export's #main-content (not its breadcrumbs, metadata and attachment list), a Google Docs
// "web page" export's body (its title paragraph dropped, its google.com/url?q= redirects unwrapped). The title,
// from Confluence's title heading or the document's <title>, opens the Markdown as its heading.

var converter = htmltomarkdown.NewConverter(htmltomarkdown.WithPlugins(base.NewBasePlugin(), commonmark.NewCommonmarkPlugin(),
	// Google Docs writes a table's header row as plain cells: the first row is taken as the header, so an action
	// item table keeps its columns.
	table.NewTablePlugin(table.WithHeaderPromotion(true), table.WithSkipEmptyRows(true)), strikethrough.NewStrikethroughPlugin()))

func htmlToMarkdown(data []byte) ([]byte, error) {
	doc, err := html.Parse(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	title := ""
	if n := byID(doc, "title-text"); n != nil { // Confluence: "Space name : Page title"
		title = textOf(n)
	} else if n := find(doc, func(n *html.Node) bool { return n.DataAtom == atom.Title }); n != nil {
		title = textOf(n)
	}
	if i := strings.LastIndex(title, " : "); i >= 0 {
		title = title[i+3:]
	}
	title = strings.Join(strings.Fields(title), " ")
	content := byID(doc, "main-content")
	if content == nil {
		content = find(doc, func(n *html.Node) bool { return n.DataAtom == atom.Body })
	}
	if content == nil {
		content = doc
	}
	// Google Docs: the title paragraph repeats the title; links go through a redirect.
	for _, n := range all(content, func(n *html.Node) bool { return hasClass(n, "title") || hasClass(n, "subtitle") }) {
		if t := strings.Join(strings.Fields(textOf(n)), " "); t == title || hasClass(n, "subtitle") || title == "" {
			if title == "" {
				title = t
			}
			n.Parent.RemoveChild(n)
		}
	}
	for _, a := range all(content, func(n *html.Node) bool { return n.DataAtom == atom.A }) {
		for i, at := range a.Attr {
			if at.Key == "href" && strings.HasPrefix(at.Val, "https://www.google.com/url?") {
				if u, err := url.Parse(at.Val); err == nil && u.Query().Get("q") != "" {
					a.Attr[i].Val = u.Query().Get("q")
				}
			}
		}
	}
	md, err := converter.ConvertNode(content)
	if err != nil {
		return nil, err
	}
	md = bytes.TrimSpace(md)
	if title != "" && !bytes.HasPrefix(md, []byte("# ")) {
		md = append([]byte("# "+escapeHeading(title)+"\n\n"), md...)
	}
	return append(md, '\n'), nil
}

func escapeHeading(s string) string {
	return strings.NewReplacer("#", `\#`, "*", `\*`, "_", `\_`).Replace(s)
}

func find(n *html.Node, match func(*html.Node) bool) *html.Node {
	if match(n) {
		return n
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if f := find(c, match); f != nil {
			return f
		}
	}
	return nil
}

func all(n *html.Node, match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if match(n) {
			out = append(out, n)
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return out
}

func byID(n *html.Node, id string) *html.Node {
	return find(n, func(n *html.Node) bool { return n.Type == html.ElementNode && attr(n, "id") == id })
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func hasClass(n *html.Node, class string) bool {
	return n.Type == html.ElementNode && n.DataAtom == atom.P && strings.Contains(" "+attr(n, "class")+" ", " "+class+" ")
}

func textOf(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.TrimSpace(b.String())
}
