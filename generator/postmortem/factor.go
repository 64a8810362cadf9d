package postmortem

import (
	"path"
	"strings"

	"github.com/secondstory/secondstory/generator/diag"
)

// Factor is one entry of the catalogue of contributing factors: factors/<slug>.md, with a title, aliases and a
// Markdown description.
type Factor struct {
	Slug, Name, Source string
	Aliases            []string
	Markdown           []byte
	BodyLine           int
}

// DecodeFactor decodes a factors/ file; nil when it has errors.
func DecodeFactor(rel string, data []byte) (*Factor, diag.List) {
	var diags diag.List
	fm := parseFrontMatter(rel, data, &diags)
	if fm == nil {
		return nil, diags
	}
	f := &Factor{Slug: Slugify(strings.TrimSuffix(path.Base(rel), path.Ext(rel))), Source: rel, Markdown: fm.body, BodyLine: fm.bodyLine}
	if fm.root != nil {
		d := &decoder{path: rel, diags: &diags}
		for i := 0; i+1 < len(fm.root.Content); i += 2 {
			switch k, v := fm.root.Content[i], fm.root.Content[i+1]; k.Value {
			case "title":
				f.Name = d.str(v, "title")
			case "aliases":
				f.Aliases = d.strings(v, "aliases", false)
			}
		}
	}
	if f.Name == "" {
		diags.Errorf(rel, max(fm.startLine, 1), 0, "schema", "title: missing (the factor's display name)")
	}
	if f.Slug == "" {
		diags.Errorf(rel, 1, 0, "schema", "the file name has no letter or digit to make a URL from")
	}
	if diags.Errors() > 0 {
		return nil, diags
	}
	return f, diags
}
