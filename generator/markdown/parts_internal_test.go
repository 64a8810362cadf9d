package markdown

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
)

type noResolver struct{}

func (noResolver) Incident(string) (string, bool)       { return "", false }
func (noResolver) Source(string) (string, string, bool) { return "", "", false }
func (noResolver) Factor(string) (string, string, bool) { return "", "", false }
func (noResolver) File(string) bool                     { return false }

// TestPartsSameHTML: rendering a body block by block, as Render does to find its parts, gives the bytes goldmark
// gives for the whole document, for every postmortem of the sample knowledge base.
func TestPartsSameHTML(t *testing.T) {
	r := New(false)
	n := 0
	err := filepath.WalkDir("../../content/incidents", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".md") {
			return err
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if i := bytes.Index(src[3:], []byte("\n---\n")); bytes.HasPrefix(src, []byte("---\n")) && i >= 0 {
			src = src[3+i+5:]
		}
		src = append(src, "\n\nA note[^x].\n\n[^x]: There.\n"...)
		parse := func() *linkContext {
			return &linkContext{rel: "incidents/x.md", src: src, resolver: noResolver{}, body: &Body{}}
		}
		pc := parser.NewContext(parser.WithIDs(newHeadingIDs()))
		pc.Set(linkContextKey, parse())
		doc := r.md.Parser().Parse(text.NewReader(src), parser.WithContext(pc))
		var whole bytes.Buffer
		if err := r.md.Renderer().Render(&whole, src, doc); err != nil {
			return err
		}
		b := r.Render("incidents/x.md", src, 1, noResolver{}, nil)
		if string(b.HTML) != whole.String() {
			t.Errorf("%s: block by block the HTML differs", path)
		}
		if len(b.Parts) < 2 || b.Parts[len(b.Parts)-1].Kind != "footnotes" {
			t.Errorf("%s: %d parts", path, len(b.Parts))
		}
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 10 {
		t.Fatalf("only %d postmortems read", n)
	}
}
