package build

import (
	"bytes"
	"fmt"
	"net/url"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/secondstory/secondstory/generator/config"
	"github.com/secondstory/secondstory/generator/diag"
	"github.com/secondstory/secondstory/generator/graph"
	"github.com/secondstory/secondstory/generator/incremental"
	"github.com/secondstory/secondstory/generator/postmortem"
	"github.com/secondstory/secondstory/generator/source"
)

// What the pipeline does for the postmortems a team already has (issue 18), kept here so that pipeline.go only
// calls it: the git history's dates, PDF exports as incidents, factor mentions matched against the catalogue, and
// the base_url warning. Inference itself is the PARSE stage's (postmortem/infer.go).

// gitDates asks git, once per build, when each file was first committed; a failure is a warning and the build
// goes on without (files that need the date then say so).
func gitDates(root string, diags *diag.List) source.GitDates {
	dates, err := source.ReadGitDates(root)
	if err != nil {
		diags.Warnf(".", 0, 0, "read", "%v", err)
	}
	return dates
}

// gitKey stands for the git dates in a one-off build's fingerprint: a commit can change a postmortem's date
// without changing its file.
func gitKey(dates source.GitDates) uint64 {
	names := make([]string, 0, len(dates))
	for n := range dates {
		names = append(names, n)
	}
	slices.Sort(names)
	var k incremental.Key
	for _, n := range names {
		k.Str(n).U64(uint64(dates[n].Unix()))
	}
	return k.Sum()
}

// isPDF reports whether a postmortem's source is a PDF export.
func isPDF(rel string) bool { return strings.EqualFold(path.Ext(rel), ".pdf") }

// decodeSource decodes a postmortem file, Markdown or PDF, with the date of its first commit.
func decodeSource(rel string, data []byte, cfg *config.Config, first time.Time) (*postmortem.Postmortem, diag.List, bool) {
	var opts []postmortem.Option
	if !first.IsZero() {
		opts = append(opts, postmortem.GitDate(first))
	}
	if isPDF(rel) {
		return postmortem.DecodePDF(rel, data, cfg, opts...)
	}
	return postmortem.Decode(rel, data, cfg, opts...)
}

// whyLeftOutPDF is the summary's reason for a PDF that a postmortem links to.
const whyLeftOutPDF = "a PDF a postmortem links to"

// adopt runs after parsing: it leaves out the PDFs that a Markdown postmortem links to (attachments, not
// postmortems of their own), and gives each postmortem whose body has a "Contributing factors" section (and whose
// frontmatter names none) the factors of the catalogue that the section's items name. An entry it changes is
// replaced, never changed: the memo may still hold it.
func adopt(cfg *config.Config, entries []*incremental.File, catalogue []*postmortem.Factor, res *Result, diags *diag.List) []*incremental.File {
	var pdfs []*incremental.File
	for _, e := range entries {
		if e.P.PDF != "" {
			pdfs = append(pdfs, e)
		}
	}
	linked := map[*incremental.File]bool{}
	for _, pe := range pdfs {
		base := path.Base(pe.P.PDF)
		names := [][]byte{[]byte(base), []byte(url.PathEscape(base)), []byte(strings.ReplaceAll(base, " ", "%20"))}
		for _, e := range entries {
			if e.P.PDF != "" {
				continue
			}
			if slices.ContainsFunc(names, func(n []byte) bool { return bytes.Contains(e.P.Markdown, n) }) {
				linked[pe] = true
				res.Skipped = append(res.Skipped, source.Skip{Path: pe.P.Source, Why: whyLeftOutPDF})
				break
			}
		}
	}
	r := graph.NewResolver(cfg, nil, catalogue, nil)
	phrases := factorPhrases(catalogue)
	out := entries[:0:0]
	for _, e := range entries {
		if linked[e] {
			continue
		}
		if len(e.P.Mentions) > 0 {
			e = matchFactors(e, r, phrases, diags)
		}
		out = append(out, e)
	}
	return out
}

// phrase is a catalogue factor's name, slug or alias as words, lower case.
type phrase struct{ words, slug string }

// factorPhrases lists every way the catalogue names a factor, longest first, so that an item that opens with a
// factor's name ("configuration drift between the two nodes") is matched by its longest name.
func factorPhrases(catalogue []*postmortem.Factor) []phrase {
	var out []phrase
	for _, f := range catalogue {
		for _, n := range append([]string{f.Name, strings.ReplaceAll(f.Slug, "-", " ")}, f.Aliases...) {
			if w := strings.Join(strings.Fields(strings.ToLower(n)), " "); w != "" {
				out = append(out, phrase{w, f.Slug})
			}
		}
	}
	slices.SortStableFunc(out, func(a, b phrase) int { return len(b.words) - len(a.words) })
	return out
}

// matchFactors makes the mentions that name a catalogue factor (the whole item, its lead, its bold words, or the
// words it opens with) the postmortem's factors; the other items stay prose.
func matchFactors(e *incremental.File, r *graph.Resolver, phrases []phrase, diags *diag.List) *incremental.File {
	var factors []postmortem.FactorRef
	seen := map[string]bool{}
	add := func(m postmortem.FactorMention, name, slug, desc string) {
		if seen[slug] {
			return
		}
		seen[slug] = true
		factors = append(factors, postmortem.FactorRef{Name: name, Description: desc, Line: m.Line})
		diags.Infof(e.P.Source, m.Line, 0, postmortem.RuleInfer, "contributing factor %q (%s) from the \"Contributing factors\" section", name, slug)
	}
mentions:
	for _, m := range e.P.Mentions {
		whole := m.Names[len(m.Names)-1]
		for _, name := range m.Names {
			if slug := r.FactorSlug(name); r.Catalogued(slug) {
				desc := ""
				if name != whole { // the item's lead named it: the rest describes it
					desc = m.Description
				}
				add(m, name, slug, desc)
				continue mentions
			}
		}
		lower := strings.ToLower(whole)
		for _, ph := range phrases {
			if strings.HasPrefix(lower, ph.words+" ") {
				name, rest := ph.words, lower[len(ph.words):]
				if len(lower) == len(whole) { // as written, when lower case kept the byte offsets
					name, rest = whole[:len(ph.words)], whole[len(ph.words):]
				}
				add(m, name, ph.slug, strings.TrimSpace(rest))
				continue mentions
			}
		}
	}
	if slices.EqualFunc(factors, e.P.Factors, func(a, b postmortem.FactorRef) bool { return a == b }) {
		return e
	}
	p := *e.P
	p.Factors = factors
	n := *e
	n.P, n.Front = &p, incremental.FrontVersion(&p)
	if len(factors) > 0 { // the shell check ran on the file alone, before the catalogue named these
		n.Shell = slices.DeleteFunc(slices.Clone(e.Shell), func(d diag.Diagnostic) bool { return d.Rule == "check/no-factors" })
	}
	return &n
}

// baseURLWarning warns a one-off build whose site has no base_url: its feed and sitemap then hold URLs relative to
// the site, which feed readers and search engines do not resolve.
func baseURLWarning(cfg *config.Config, diags *diag.List) {
	if cfg.BaseURL != "" {
		return
	}
	file := cfg.File
	if file == "" {
		file = config.Files[0]
	}
	diags.Warnf(file, cfg.Line("base_url"), 0, "config", "base_url is not set: feed.xml and sitemap.xml hold relative URLs, which feed readers "+
		"and search engines do not resolve; set base_url: https://… (or build --base-url) to the address the site is published at")
}

// pdfSearchText is what search finds of a PDF incident beyond its page: the PDF's text.
func pdfSearchText(p *postmortem.Postmortem) string {
	if p.PDFText == "" {
		return ""
	}
	return fmt.Sprintf("\n%s", p.PDFText)
}
