package scaffold_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/secondstory/secondstory/generator/build"
	"github.com/secondstory/secondstory/generator/diag"
	"github.com/secondstory/secondstory/generator/internal/sitetest"
	"github.com/secondstory/secondstory/generator/scaffold"
)

// adoptFixture is the build tests' collection of postmortems as teams keep them.
func adoptFixture() string {
	return filepath.Join(sitetest.Root(), "generator", "build", "testdata", "adopt")
}

// incidents builds (checks) a knowledge base and returns its incidents as "title|date" by slug.
func incidents(t *testing.T, dir string) map[string]string {
	t.Helper()
	res, err := build.Check(build.Options{Source: dir})
	if err != nil {
		t.Fatalf("check %s: %v", dir, err)
	}
	out := map[string]string{}
	for _, in := range res.Site.Incidents {
		out[in.Slug] = in.Title + "|" + in.Date.Format(time.DateOnly) + "|" + in.Severity
	}
	return out
}

// TestImportCollection: a collection imported into a new knowledge base builds with the titles, dates and
// severities the collection's own build infers, with frontmatter stating them and bodies unchanged; importing
// again changes nothing; a file changed in the knowledge base is never overwritten.
func TestImportCollection(t *testing.T) {
	src := filepath.Join(sitetest.MemDir(t), "collection")
	sitetest.CopyTree(t, adoptFixture(), src)
	kb := filepath.Join(sitetest.MemDir(t), "kb")
	res, err := scaffold.Import(scaffold.ImportOptions{Sources: []string{src}, Into: kb})
	if err != nil {
		t.Fatal(err)
	}
	for _, im := range res {
		for _, d := range im.Diags.Only(diag.Error) {
			t.Errorf("%s", d)
		}
		if im.To == "" {
			t.Errorf("%s was not imported", im.From)
		}
	}
	if len(res) != 14 {
		t.Errorf("%d files imported, want the 14 postmortems", len(res))
	}
	want, got := incidents(t, src), incidents(t, kb)
	for slug, w := range want {
		if slug == "object-storage-rejected-writes" {
			slug = "2022-08-17-object-storage-rejected-writes" // a PDF's date goes into its copy's name
		}
		if got[slug] != w {
			t.Errorf("%s: %q imported, %q in the collection", slug, got[slug], w)
		}
	}

	copyOf := filepath.Join(kb, "incidents", "2019", "04", "2019-04-11-checkout-unavailable.md")
	text := sitetest.ReadFile(t, copyOf)
	orig := sitetest.ReadFile(t, filepath.Join(src, "2019", "04", "2019-04-11-checkout-unavailable.md"))
	if !strings.HasPrefix(text, "---\ndate: 2019-04-11\ntitle: \"Checkout unavailable\"\nseverity: \"SEV1\"\nsummary: \"Customers could not") ||
		!strings.HasSuffix(text, "\n---\n"+orig) {
		t.Errorf("normalised copy:\n%s", text)
	}
	for _, f := range []string{"incidents/media/checkout-latency.png", "incidents/media/queue-depth.png", "incidents/media/queue-consumer-runbook.pdf"} {
		if _, err := os.Stat(filepath.Join(kb, f)); err != nil {
			t.Errorf("linked file not copied: %v", err)
		}
	}

	// Again: nothing is written, nothing is an error.
	res, err = scaffold.Import(scaffold.ImportOptions{Sources: []string{src}, Into: kb})
	if err != nil {
		t.Fatal(err)
	}
	for _, im := range res {
		if !im.Same || len(im.Diags.Only(diag.Error)) > 0 {
			t.Errorf("second import of %s: same %v, %v", im.From, im.Same, im.Diags)
		}
	}

	// Edited in the knowledge base, then imported again: a clash for that file alone.
	if err := os.WriteFile(copyOf, []byte(text+"\nEdited after the import.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	res, _ = scaffold.Import(scaffold.ImportOptions{Sources: []string{src}, Into: kb})
	clashes := 0
	for _, im := range res {
		if errs := im.Diags.Only(diag.Error); len(errs) > 0 {
			clashes++
			if !strings.Contains(errs[0].Message, "already in the knowledge base with other content: not overwritten") {
				t.Errorf("%s", errs[0])
			}
		}
	}
	if clashes != 1 || !strings.HasSuffix(sitetest.ReadFile(t, copyOf), "Edited after the import.\n") {
		t.Errorf("%d clashes; the edited copy was overwritten?", clashes)
	}
}

// TestImportHTML: a Confluence page export and a Google Docs "web page" become Markdown postmortems with their
// title, date, sections and images.
func TestImportHTML(t *testing.T) {
	kb := filepath.Join(sitetest.MemDir(t), "kb")
	res, err := scaffold.Import(scaffold.ImportOptions{Sources: []string{"testdata/import"}, Into: kb})
	if err != nil {
		t.Fatal(err)
	}
	for _, im := range res {
		if len(im.Diags) > 0 || len(im.Files) != 1 {
			t.Errorf("%s: %v, copied %v", im.From, im.Diags, im.Files)
		}
	}
	check, err := build.Check(build.Options{Source: kb})
	if err != nil {
		t.Fatal(err)
	}
	byTitle := map[string]string{}
	for _, in := range check.Site.Incidents {
		var actions []string
		for _, a := range in.ActionItems {
			actions = append(actions, a.Title+"="+a.Status)
		}
		byTitle[in.Title] = strings.Join([]string{in.Date.Format(time.DateOnly), in.Severity, strings.Join(actions, ";"), string(in.Body.HTML)}, "|")
	}
	confluence := byTitle["Search index rebuild stalled"]
	for _, want := range []string{"2023-11-07|SEV3|Alert when the rebuild makes no progress for 15 minutes=done;Give the rebuild job a memory limit it cannot outgrow=open|",
		`src="../../files/incidents/confluence/attachments/98305/98306.png"`} {
		if !strings.Contains(confluence, want) {
			t.Errorf("the Confluence page lacks %q: %s", want, confluence)
		}
	}
	if strings.Contains(confluence, "Document generated by Confluence") || strings.Contains(confluence, "Attachments:") {
		t.Errorf("the Confluence page kept the export's chrome")
	}
	gdocs := byTitle["Postmortem: Webhook retries overwhelmed partners"]
	for _, want := range []string{"2024-03-14||Exponential backoff with jitter for webhook retries=unknown;A rate limit per partner=unknown|",
		`href="https://status.example.com/incidents/812"`, `src="../../files/incidents/gdocs/images/image1.png"`} {
		if !strings.Contains(gdocs, want) {
			t.Errorf("the Google Docs page lacks %q: %s", want, gdocs)
		}
	}
}

// TestImportFrontmatter: values are added to a frontmatter a file already has, in its format, and what it says
// is kept byte for byte.
func TestImportFrontmatter(t *testing.T) {
	src := sitetest.MemDir(t)
	files := map[string]string{
		"2024-05-01-yaml.md": "---\nservices: [api]\n# a comment kept\n---\n# YAML one\n",
		"2024-05-02-toml.md": "+++\nservices = [\"api\"]\n+++\n# TOML one\n",
		"2024-05-03-json.md": "{\n\"services\": [\"api\"]\n}\n\n# JSON one\n",
		"2024-05-04-none.md": "# No frontmatter\n",
		"kept.md":            "---\ntitle: Stated\ndate: 2024-05-05\n---\nBody.\n",
	}
	sitetest.WriteTree(t, src, files)
	kb := filepath.Join(sitetest.MemDir(t), "kb")
	if _, err := scaffold.Import(scaffold.ImportOptions{Sources: []string{src}, Into: kb}); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		"2024-05-01-yaml.md": "---\ndate: 2024-05-01\ntitle: \"YAML one\"\nservices: [api]\n# a comment kept\n---\n# YAML one\n",
		"2024-05-02-toml.md": "+++\ndate = 2024-05-02\ntitle = \"TOML one\"\nservices = [\"api\"]\n+++\n# TOML one\n",
		"2024-05-03-json.md": "{\n\"date\": \"2024-05-03\",\n\"title\": \"JSON one\",\n\"services\": [\"api\"]\n}\n\n# JSON one\n",
		"2024-05-04-none.md": "---\ndate: 2024-05-04\ntitle: \"No frontmatter\"\n---\n# No frontmatter\n",
		"kept.md":            files["kept.md"],
	} {
		if got := sitetest.ReadFile(t, filepath.Join(kb, "incidents", name)); got != want {
			t.Errorf("%s:\n%s\nwant\n%s", name, got, want)
		}
	}
	if got := incidents(t, kb); len(got) != 5 || got["2024-05-03-json"] != "JSON one|2024-05-03|" {
		t.Errorf("the imported knowledge base: %v", got)
	}
}

// TestImportLinksLeavingTheFolder: a file linked from outside the imported folder is not copied, and said so; a
// knowledge base that keeps postmortems without incidents/ gets the copies at its root.
func TestImportLinksLeavingTheFolder(t *testing.T) {
	dir := sitetest.MemDir(t)
	sitetest.WriteTree(t, dir, map[string]string{
		"outside.png":               "png",
		"reports/2024-01-02-x.md":   "# X\n\n![](../outside.png)\n",
		"kb/2023-01-01-existing.md": "# Existing\n",
	})
	res, err := scaffold.Import(scaffold.ImportOptions{Sources: []string{filepath.Join(dir, "reports")}, Into: filepath.Join(dir, "kb")})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 || res[0].To != "2024-01-02-x.md" || len(res[0].Diags) != 1 ||
		!strings.Contains(res[0].Diags[0].String(), "warning: import: link to ../outside.png leaves the imported folder: not copied") {
		t.Errorf("%+v", res)
	}
	if !slices.Contains([]string{"2024-01-02-x.md"}, res[0].To) {
		t.Errorf("imported to %s", res[0].To)
	}
}

// TestImportOneFile: a file named on its own is imported, and is named as it was given.
func TestImportOneFile(t *testing.T) {
	dir := sitetest.MemDir(t)
	src := filepath.Join(dir, "exports", "Payment outage 2024-03-05.md")
	if err := os.MkdirAll(filepath.Dir(src), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(src, []byte("# Payment outage\n\nPayments failed for 20 minutes.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := scaffold.Import(scaffold.ImportOptions{Sources: []string{src}, Into: filepath.Join(dir, "kb")})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 || res[0].From != src || res[0].To == "" {
		t.Fatalf("imported %+v, want %s alone, named as given", res, src)
	}
}

// TestImportHeaderlessTable: a Google Docs export writes a table's header row as plain cells (no <th>); its first
// row is taken as the header, so an action item table keeps its owners and states.
func TestImportHeaderlessTable(t *testing.T) {
	dir := sitetest.MemDir(t)
	src := filepath.Join(dir, "Search outage 2025-03-03.html")
	page := `<html><body><p class="title"><span>Search outage</span></p><p><span>Search failed for 45 minutes.</span></p>
<h2><span>Action Items</span></h2>
<table><tbody><tr><td><p><span>Action</span></p></td><td><p><span>Owner</span></p></td><td><p><span>Status</span></p></td></tr>
<tr><td><p><span>Snapshot the index hourly</span></p></td><td><p><span>Lee</span></p></td><td><p><span>Done</span></p></td></tr></tbody></table>
</body></html>`
	if err := os.WriteFile(src, []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	kb := filepath.Join(dir, "kb")
	if _, err := scaffold.Import(scaffold.ImportOptions{Sources: []string{src}, Into: kb}); err != nil {
		t.Fatal(err)
	}
	check, err := build.Check(build.Options{Source: kb})
	if err != nil {
		t.Fatal(err)
	}
	if len(check.Site.Incidents) != 1 {
		t.Fatalf("%d incidents, want 1", len(check.Site.Incidents))
	}
	var got []string
	for _, a := range check.Site.Incidents[0].ActionItems {
		got = append(got, a.Title+"|"+a.Owner+"|"+a.Status)
	}
	if want := []string{"Snapshot the index hourly|Lee|done"}; !slices.Equal(got, want) {
		t.Errorf("action items %q, want %q", got, want)
	}
}
