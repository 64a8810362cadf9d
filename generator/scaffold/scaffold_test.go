package scaffold_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/secondstory/secondstory/generator/build"
	"github.com/secondstory/secondstory/generator/diag"
	"github.com/secondstory/secondstory/generator/internal/sitetest"
	"github.com/secondstory/secondstory/generator/postmortem"
	"github.com/secondstory/secondstory/generator/scaffold"
)

// TestNewPostmortemPassesCheckAndBuilds: the default scaffold is valid as it stands, lint-clean (its prompts must
// not teach the phrases the lint flags), hidden from a build as a draft and built with --drafts.
func TestNewPostmortemPassesCheckAndBuilds(t *testing.T) {
	for name, config := range map[string]string{
		"defaults":          "",
		"custom severities": "timezone: Europe/Berlin\nseverities:\n  - {id: P1, description: \"Everything\\n is down\"}\n  - {id: p2}\n",
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if config != "" {
				sitetest.WriteTree(t, dir, map[string]string{"secondstory.yaml": config})
			}
			title := `Orders DB: "failover" took an hour — Zeitüberschreitung #2`
			rel, err := scaffold.New(scaffold.Options{Source: dir, Title: title, Date: "2024-03-05"})
			if err != nil {
				t.Fatal(err)
			}
			if want := "incidents/2024-03-05-orders-db-failover-took-an-hour-zeitüberschreitung-2.md"; rel != want {
				t.Errorf("path %s, want %s", rel, want)
			}
			c, err := build.Check(build.Options{Source: dir})
			if err != nil {
				t.Fatal(err)
			}
			if len(c.Diagnostics) != 0 {
				t.Fatalf("the scaffold does not check clean:\n%v", c.Diagnostics)
			}
			p := c.Site.Incidents[0]
			if p.Title != title || p.Status != postmortem.StatusDraft || p.Date.Format(time.DateOnly) != "2024-03-05" {
				t.Errorf("decoded %q %s %s", p.Title, p.Status, p.Date)
			}
			if config != "" && p.Severity != "P2" || config == "" && p.Severity != "SEV4" {
				t.Errorf("severity placeholder %q, want the least severe level", p.Severity)
			}
			body := sitetest.ReadFile(t, filepath.Join(dir, rel))
			for _, h := range []string{"Summary", "Impact", "Timeline", "Why it made sense at the time", "Contributing factors",
				"What went well", "Where we got lucky", "Why we were surprised", "Action items"} {
				if !strings.Contains(body, "\n## "+h+"\n\n_") {
					t.Errorf("section %q with a prompt missing", h)
				}
			}

			res, err := build.Build(build.Options{Source: dir, Out: filepath.Join(t.TempDir(), "public"), Now: sitetest.Now})
			if err != nil || len(res.Site.Incidents) != 0 || res.Drafts != 1 {
				t.Errorf("a build: %v, %d incidents, %d drafts; want the draft left out", err, len(res.Site.Incidents), res.Drafts)
			}
			out := filepath.Join(t.TempDir(), "public")
			if _, err := build.Build(build.Options{Source: dir, Out: out, Drafts: true, Now: sitetest.Now}); err != nil {
				t.Fatal(err)
			}
			slug := strings.TrimSuffix(filepath.Base(rel), ".md")
			if html := sitetest.ReadFile(t, filepath.Join(out, "incidents", slug, "index.html")); !strings.Contains(html, "Why it made sense at the time") {
				t.Error("the drafts build has no page for the scaffold")
			}
		})
	}
}

// TestNewPostmortemToday: the default day is today in the site's zone, not the machine's.
func TestNewPostmortemToday(t *testing.T) {
	dir := t.TempDir()
	sitetest.WriteTree(t, dir, map[string]string{"secondstory.yaml": "timezone: Pacific/Auckland\n"})
	now := time.Date(2024, 3, 5, 20, 0, 0, 0, time.UTC) // already March 6th in Auckland
	rel, err := scaffold.New(scaffold.Options{Source: dir, Title: "Late", Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if rel != "incidents/2024-03-06-late.md" {
		t.Errorf("got %s", rel)
	}
}

// TestNewPostmortemNeverOverwrites: an existing file stays byte-identical, also when many run at once.
func TestNewPostmortemNeverOverwrites(t *testing.T) {
	dir := t.TempDir()
	existing := "---\ntitle: Mine\ndate: 2024-03-05\n---\nHours of writing.\n"
	sitetest.WriteTree(t, dir, map[string]string{"incidents/2024-03-05-cache-flush.md": existing})
	_, err := scaffold.New(scaffold.Options{Source: dir, Title: "Cache flush", Date: "2024-03-05"})
	var ee *diag.EnvError
	if !errors.As(err, &ee) || !strings.Contains(err.Error(), "it was not overwritten") {
		t.Fatalf("want a refusal, got %v", err)
	}
	if got := sitetest.ReadFile(t, filepath.Join(dir, "incidents/2024-03-05-cache-flush.md")); got != existing {
		t.Errorf("the existing file changed:\n%s", got)
	}

	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() { _, errs[i] = scaffold.New(scaffold.Options{Source: dir, Title: "Race", Date: "2024-03-05"}) })
	}
	wg.Wait()
	created := 0
	for _, err := range errs {
		if err == nil {
			created++
		} else if !errors.Is(err, fs.ErrExist) && !strings.Contains(err.Error(), "it was not overwritten") {
			t.Error(err)
		}
	}
	if created != 1 {
		t.Errorf("%d of 8 concurrent runs created the file, want 1", created)
	}
}

func TestNewPostmortemBadInput(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct{ title, date, want string }{
		{"?!… — !!", "", "has no letters or digits"},
		{"   ", "", "a title is required"},
		{"Fine", "2024-02-30", "not a day"},
		{"Fine", "5.3.2024", "not a day"},
	} {
		_, err := scaffold.New(scaffold.Options{Source: dir, Title: c.title, Date: c.date})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q %q: got %v, want %q", c.title, c.date, err, c.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "incidents")); err == nil {
		t.Error("bad input wrote something")
	}
	if _, err := scaffold.New(scaffold.Options{Source: filepath.Join(dir, "nope"), Title: "X"}); !errors.As(err, new(*diag.EnvError)) {
		t.Errorf("missing source: %v", err)
	}
}

func TestNewPostmortemLongTitle(t *testing.T) {
	dir := t.TempDir()
	for _, title := range []string{strings.Repeat("replication lag ", 20), strings.Repeat("Zeitüberschreitung ", 9)} {
		rel, err := scaffold.New(scaffold.Options{Source: dir, Title: title, Date: "2024-01-01"})
		if err != nil {
			t.Fatal(err)
		}
		const maxSlug = 60
		slug := strings.TrimPrefix(strings.TrimSuffix(filepath.Base(rel), ".md"), "2024-01-01-")
		if len(slug) > maxSlug || len(slug) < maxSlug/2 || !strings.HasPrefix(postmortem.Slugify(title), slug+"-") {
			t.Errorf("slug %q is not cut at a word boundary within %d bytes", slug, maxSlug)
		}
	}
}

// TestNewPostmortemCustomTemplate: templates/postmortem.md replaces the default, with every documented field.
func TestNewPostmortemCustomTemplate(t *testing.T) {
	dir := t.TempDir()
	sitetest.WriteTree(t, dir, map[string]string{
		"secondstory.yaml": "timezone: Europe/Berlin\n",
		scaffold.TemplateFile: "+++\ntitle = {{quote .Title}}\ndate = {{.Date}}\nslug = \"{{.Slug}}\"\nseverity = \"{{.Severity}}\"\n" +
			"status = \"draft\"\n+++\n# House style\n\nLevels:{{range .Severities}} {{.ID}}{{end}}. Zone: {{.Timezone}}.\n",
	})
	rel, err := scaffold.New(scaffold.Options{Source: dir, Title: `Say "hi"`, Date: "2024-03-05"})
	if err != nil {
		t.Fatal(err)
	}
	got := sitetest.ReadFile(t, filepath.Join(dir, rel))
	want := "+++\ntitle = \"Say \\\"hi\\\"\"\ndate = 2024-03-05\nslug = \"2024-03-05-say-hi\"\nseverity = \"SEV4\"\n" +
		"status = \"draft\"\n+++\n# House style\n\nLevels: SEV1 SEV2 SEV3 SEV4. Zone: Europe/Berlin.\n"
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	c, err := build.Check(build.Options{Source: dir})
	if err != nil || c.Diagnostics.Errors() != 0 || c.Site.Incidents[0].Title != `Say "hi"` {
		t.Errorf("custom scaffold does not check: %v", err)
	}
}

// TestNewPostmortemBrokenTemplate: a template error, or a template whose output would not be a valid postmortem,
// is positioned at the template and nothing is written.
func TestNewPostmortemBrokenTemplate(t *testing.T) {
	for name, c := range map[string]struct{ tmpl, want string }{
		"parse":   {"---\ntitle: x\n{{if}}\n", "templates/postmortem.md:3: error: template: missing value for if"},
		"execute": {"---\ntitle: x\ndate: {{.When}}\n---\n", "templates/postmortem.md:3: error: template: executing"},
		"invalid": {"---\ntitle: {{.Title}}\ndate: {{.Date}}\n---\n", "templates/postmortem.md: error: template: the postmortem it produces would not be valid: line 2: frontmatter: invalid YAML"},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			sitetest.WriteTree(t, dir, map[string]string{scaffold.TemplateFile: c.tmpl})
			_, err := scaffold.New(scaffold.Options{Source: dir, Title: "Colon: in title", Date: "2024-03-05"})
			var ce *diag.ContentError
			if !errors.As(err, &ce) || !strings.HasPrefix(ce.List[0].String(), c.want) {
				t.Fatalf("got %v, want %s…", err, c.want)
			}
			if _, err := os.Stat(filepath.Join(dir, "incidents")); err == nil {
				t.Error("a broken template wrote a file")
			}
		})
	}
}

// TestNewPostmortemSlugTaken: a postmortem elsewhere (a year folder) with the slug the new file would get is not
// shadowed: two pages cannot have one URL.
func TestNewPostmortemSlugTaken(t *testing.T) {
	dir := t.TempDir()
	sitetest.WriteTree(t, dir, map[string]string{"incidents/2024/2024-03-05-cache-flush.md": "---\ntitle: Mine\ndate: 2024-03-05\n---\n"})
	_, err := scaffold.New(scaffold.Options{Source: dir, Title: "Cache flush", Date: "2024-03-05"})
	var ee *diag.EnvError
	if !errors.As(err, &ee) || !strings.Contains(err.Error(), "already uses the slug") {
		t.Errorf("want a refusal, got %v", err)
	}
}

func TestFindRoot(t *testing.T) {
	dir := t.TempDir()
	sitetest.WriteTree(t, dir, map[string]string{"kb/secondstory.toml": "title = \"T\"\n", "kb/incidents/2024/x.md": ""})
	got, err := scaffold.FindRoot(filepath.Join(dir, "kb/incidents/2024"))
	if err != nil || got != filepath.Join(dir, "kb") {
		t.Errorf("FindRoot: %s, %v", got, err)
	}
	if _, err := scaffold.FindRoot(dir); !errors.As(err, new(*diag.EnvError)) {
		t.Errorf("outside a knowledge base: %v", err)
	}
}
