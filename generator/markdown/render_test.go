package markdown_test

import (
	"strings"
	"testing"

	"github.com/secondstory/secondstory/generator/markdown"
)

// resolver is a knowledge base known by hand.
type resolver struct {
	incidents map[string]string    // slug -> title
	sources   map[string][2]string // source path -> slug, title
	factors   map[string][2]string // name -> slug, display name
	files     map[string]bool
}

func (r resolver) Incident(slug string) (string, bool) { t, ok := r.incidents[slug]; return t, ok }
func (r resolver) Source(rel string) (string, string, bool) {
	s, ok := r.sources[rel]
	return s[0], s[1], ok
}
func (r resolver) Factor(name string) (string, string, bool) {
	f, ok := r.factors[strings.ToLower(name)]
	return f[0], f[1], ok
}
func (r resolver) File(rel string) bool { return r.files[rel] }

func kb() resolver {
	return resolver{
		incidents: map[string]string{"cache-stampede": "Cache stampede after deploy", "db-failover": "Orders DB failover"},
		sources:   map[string][2]string{"incidents/cache-stampede.md": {"cache-stampede", "Cache stampede after deploy"}},
		factors:   map[string][2]string{"config-drift": {"config-drift", "Config drift"}, "configuration drift": {"config-drift", "Config drift"}},
		files:     map[string]bool{"incidents/img/graph.png": true, "incidents/bundle/topology.svg": true},
	}
}

const body = `## Zeitachse für Ausfälle

See [[cache-stampede]], [[cache-stampede|the stampede]], [[cache-stampede#impact]] and [[factor:configuration drift]].
Also [the other one](cache-stampede.md#timeline) and ![graph](img/graph.png?v=2).

<b>raw html</b> and [a trap](javascript:alert(1)) and [external](https://example.com/x).

## Impact

| Figure | Value |
|---|---|
| Orders lost | 1,204 |

- [x] done task
- [ ] open task

"Quoted" -- and a footnote[^1].

## Impact

[^1]: The note.
`

func TestRender(t *testing.T) {
	b := markdown.New(false).Render("incidents/db-failover.md", []byte(body), 5, kb(), nil)
	if len(b.Diags) > 0 {
		t.Fatalf("diagnostics: %v", b.Diags)
	}
	html := string(b.HTML)
	for _, want := range []string{
		`<h2 id="zeitachse-für-ausfälle">Zeitachse für Ausfälle</h2>`, // heading ids keep letters of any script
		`<h2 id="impact">Impact</h2>`,
		`<a href="../../incidents/cache-stampede/" class="wikilink">Cache stampede after deploy</a>`,
		`<a href="../../incidents/cache-stampede/" class="wikilink">the stampede</a>`,
		`<a href="../../incidents/cache-stampede/#impact" class="wikilink">Cache stampede after deploy</a>`,
		`<a href="../../factors/config-drift/" class="wikilink">Config drift</a>`,
		`<a href="../../incidents/cache-stampede/#timeline">the other one</a>`,
		`<img src="../../files/incidents/img/graph.png?v=2" alt="graph">`,
		`<!-- raw HTML omitted -->raw html`, `<a href="">a trap</a>`, `<a href="https://example.com/x">external</a>`,
		`<table>`, `<input checked="" disabled="" type="checkbox"`, `class="footnotes"`,
		"“Quoted” – and", // typographic characters, not entities
	} {
		if !strings.Contains(html, want) {
			t.Errorf("HTML lacks %s\n%s", want, html)
		}
	}
	if strings.Contains(html, "javascript:") || strings.Contains(html, "&ldquo;") {
		t.Error("a javascript: link or an entity in the HTML")
	}
	var heads []string
	for _, h := range b.Headings {
		heads = append(heads, h.ID+"="+h.Text)
	}
	// A repeated heading gets an id of its own.
	if len(heads) != 3 || heads[0] != "zeitachse-für-ausfälle=Zeitachse für Ausfälle" || heads[1] != "impact=Impact" ||
		!strings.HasPrefix(heads[2], "impact-") || !strings.HasSuffix(heads[2], "=Impact") {
		t.Errorf("headings %s", heads)
	}
	var out []string
	for _, r := range b.Outlinks {
		kind := "i"
		if r.Factor {
			kind = "f"
		}
		out = append(out, kind+":"+r.Slug)
	}
	if got := strings.Join(out, ","); got != "i:cache-stampede,i:cache-stampede,i:cache-stampede,f:config-drift,i:cache-stampede" {
		t.Errorf("outlinks %s", got)
	}
	if len(b.Files) != 1 || b.Files[0] != "incidents/img/graph.png" {
		t.Errorf("files %v", b.Files)
	}
	if !strings.Contains(b.Text, "Orders lost") || strings.Contains(b.Text, "<") || b.Words != len(strings.Fields(b.Text)) {
		t.Errorf("text (%d words): %q", b.Words, b.Text)
	}
	if markdown.New(true).Render("x.md", []byte("<b>bold</b>\n"), 1, kb(), nil).HTML != "<p><b>bold</b></p>\n" {
		t.Error("unsafe HTML is not let through when asked for")
	}
}

// TestRenderErrors: every broken link is an error at its line and column in the file (the body starts on line
// 10; a link's column is its destination's), and the link text stays.
func TestRenderErrors(t *testing.T) {
	src := "First paragraph.\n\nSee [[ghost]] and [[factor:no-such]] and [that](missing.md) and ![x](nope.png) and [up](../../etc/passwd).\n"
	b := markdown.New(false).Render("incidents/x.md", []byte(src), 10, kb(), nil)
	var got []string
	for _, d := range b.Diags {
		got = append(got, d.String())
	}
	want := []string{
		`incidents/x.md:12:5: error: link: [[ghost]]: no incident with that slug`,
		`incidents/x.md:12:19: error: link: [[factor:no-such]]: no contributing factor with that name`,
		`incidents/x.md:12:49: error: link: link to missing.md: no such postmortem (looked for incidents/missing.md)`,
		`incidents/x.md:12:70: error: link: link to nope.png: no such file under the source folder (looked for incidents/nope.png)`,
		`incidents/x.md:12:89: error: link: link to ../../etc/passwd leaves the source folder: nothing outside it is published`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("diagnostics:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if !strings.Contains(string(b.HTML), "See ghost and no-such and") {
		t.Errorf("broken wiki links do not stay as text: %s", b.HTML)
	}
}

// TestBundleLinks: a bundle's index.md links to its own files as written (they are copied next to its page).
func TestBundleLinks(t *testing.T) {
	b := markdown.New(false).Render("incidents/bundle/index.md", []byte("![t](topology.svg) ![m](missing.svg)\n"), 1, kb(), nil)
	if !strings.Contains(string(b.HTML), `<img src="topology.svg" alt="t">`) || len(b.Files) != 0 {
		t.Errorf("bundle link rewritten: %s %v", b.HTML, b.Files)
	}
	if len(b.Diags) != 1 || !strings.Contains(b.Diags[0].Message, "no such file in the bundle") {
		t.Errorf("diagnostics %v", b.Diags)
	}
}

// TestValid: a rendering holds while every link it resolved resolves the same way: a retitled or deleted target,
// a factor renamed, a file gone or one that appears makes it stale.
func TestValid(t *testing.T) {
	r := kb()
	b := markdown.New(false).Render("incidents/db-failover.md", []byte(body+"\n[[ghost]]\n"), 1, r, nil)
	if !b.Valid(r) {
		t.Fatal("a rendering is not valid for its own resolver")
	}
	for name, change := range map[string]func(r *resolver){
		"target retitled":   func(r *resolver) { r.incidents["cache-stampede"] = "Another title" },
		"target gone":       func(r *resolver) { delete(r.incidents, "cache-stampede") },
		"missing one added": func(r *resolver) { r.incidents["ghost"] = "Ghost" },
		"factor renamed":    func(r *resolver) { r.factors["configuration drift"] = [2]string{"config-drift", "Configuration drift"} },
		"file gone":         func(r *resolver) { delete(r.files, "incidents/img/graph.png") },
		"source retitled":   func(r *resolver) { r.sources["incidents/cache-stampede.md"] = [2]string{"cache-stampede", "New"} },
	} {
		c := kb()
		change(&c)
		if b.Valid(c) {
			t.Errorf("%s: the rendering still counts as valid", name)
		}
	}
	c := kb()
	c.incidents["unrelated"] = "Unrelated"
	if !b.Valid(c) {
		t.Error("an unrelated incident made the rendering stale")
	}
}

func TestPathEscape(t *testing.T) {
	for in, want := range map[string]string{
		"config-drift":              "config-drift",
		"zeitachse-für-ausfälle":    "zeitachse-f%C3%BCr-ausf%C3%A4lle",
		"incidents/a b/Bericht.pdf": "incidents/a%20b/Bericht.pdf",
	} {
		if got := markdown.PathEscape(in); got != want {
			t.Errorf("PathEscape(%q) = %q, want %q", in, got, want)
		}
	}
	if got := markdown.FileURL("incidents/a b.png"); got != "files/incidents/a%20b.png" {
		t.Errorf("FileURL: %s", got)
	}
}

// TestParts: a body is cut into its sections at its top headings, each a slice of the HTML, with the kind of
// section its heading names.
func TestParts(t *testing.T) {
	src := "Before any heading.\n\n## 1. Summary\n\nShort.\n\n## Impact on drivers\n\n### Detail\n\nText.\n\n" +
		"## Timeline narrative\n\nStory[^n].\n\n## Why it made sense at the time\n\nReasons.\n\n## Contributing factors\n\n- one\n\n" +
		"## Action items and *owners*\n\nLater.\n\n[^n]: A note.\n"
	b := markdown.New(false).Render("incidents/x.md", []byte(src), 1, kb(), nil)
	type got struct{ kind, id, heading, html string }
	var parts []got
	for _, p := range b.Parts {
		parts = append(parts, got{p.Kind, p.Heading.ID, string(b.HeadingHTML(p)), strings.TrimSpace(string(b.PartHTML(p)))})
	}
	want := []got{
		{"", "", "", "<p>Before any heading.</p>"},
		{"summary", "1-summary", "1. Summary", "<p>Short.</p>"},
		{"impact", "impact-on-drivers", "Impact on drivers", "<h3 id=\"detail\">Detail</h3>\n<p>Text.</p>"},
		{"timeline", "timeline-narrative", "Timeline narrative", `<p>Story<sup id="fnref:1"><a href="#fn:1" class="footnote-ref" role="doc-noteref">1</a></sup>.</p>`},
		{"", "why-it-made-sense-at-the-time", "Why it made sense at the time", "<p>Reasons.</p>"},
		{"factors", "contributing-factors", "Contributing factors", "<ul>\n<li>one</li>\n</ul>"},
		{"actions", "action-items-and-owners", "Action items and <em>owners</em>", "<p>Later.</p>"},
	}
	if len(parts) != len(want)+1 || parts[len(parts)-1].kind != "footnotes" {
		t.Fatalf("parts: %q", parts)
	}
	for i, w := range want {
		if parts[i] != w {
			t.Errorf("part %d: %q, want %q", i, parts[i], w)
		}
	}
	for i := 1; i < len(b.Parts); i++ {
		if b.Parts[i].Start != b.Parts[i-1].End {
			t.Errorf("part %d starts at %d, the one before ends at %d", i, b.Parts[i].Start, b.Parts[i-1].End)
		}
	}
	if last := b.Parts[len(b.Parts)-1]; last.End != len(b.HTML) || b.Parts[0].Start != 0 {
		t.Errorf("the parts span %d–%d of %d bytes", b.Parts[0].Start, last.End, len(b.HTML))
	}
}

func TestSectionKind(t *testing.T) {
	for heading, want := range map[string]string{
		"Summary": "summary", "TL;DR": "summary", "Impact": "impact", "Customer impact": "impact",
		"Timeline": "timeline", "Timeline narrative": "timeline", "Incident timeline": "timeline", "Zeitachse für Ausfälle": "timeline",
		"Contributing factors": "factors", "Root causes": "factors", "Action items": "actions", "Follow-ups": "actions",
		"Next steps": "actions", "3) Action items": "actions",
		"What happened": "", "Why it made sense at the time": "", "What went well": "", "Summaryless": "", "Impactful moments": "",
	} {
		if got := markdown.SectionKind(heading); got != want {
			t.Errorf("SectionKind(%q) = %q, want %q", heading, got, want)
		}
	}
}

// TestReservedIDs: a body heading never takes an id the page gives its own elements.
func TestReservedIDs(t *testing.T) {
	b := markdown.New(false).Render("incidents/x.md", []byte("## Title\n\n## Main\n\n## Title\n"), 1, kb(), nil)
	var ids []string
	for _, h := range b.Headings {
		ids = append(ids, h.ID)
	}
	if got := strings.Join(ids, " "); got != "title-1 main-1 title-2" {
		t.Errorf("heading ids %q", got)
	}
}
