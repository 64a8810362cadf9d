package generator

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
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
				writeTree(t, dir, map[string]string{"secondstory.yaml": config})
			}
			title := `Orders DB: "failover" took an hour — Zeitüberschreitung #2`
			rel, err := NewPostmortem(NewOptions{Source: dir, Title: title, Date: "2024-03-05"})
			if err != nil {
				t.Fatal(err)
			}
			if want := "incidents/2024-03-05-orders-db-failover-took-an-hour-zeitüberschreitung-2.md"; rel != want {
				t.Errorf("path %s, want %s", rel, want)
			}
			c, err := Load(Options{Source: dir, Drafts: true})
			if err != nil {
				t.Fatal(err)
			}
			if len(c.Diagnostics) != 0 {
				t.Fatalf("the scaffold does not check clean:\n%v", c.Diagnostics)
			}
			p := c.All[0]
			if p.Title != title || p.Status != StatusDraft || p.Date.Format(time.DateOnly) != "2024-03-05" {
				t.Errorf("decoded %q %s %s", p.Title, p.Status, p.Date)
			}
			if config != "" && p.Severity != "P2" || config == "" && p.Severity != "SEV4" {
				t.Errorf("severity placeholder %q, want the least severe level", p.Severity)
			}
			body := readFile(t, filepath.Join(dir, rel)) // the file as written: Load releases bodies once rendered
			for _, h := range []string{"Summary", "Impact", "Timeline", "Why it made sense at the time", "Contributing factors",
				"What went well", "Where we got lucky", "Why we were surprised", "Action items"} {
				if !strings.Contains(body, "\n## "+h+"\n\n_") {
					t.Errorf("section %q with a prompt missing", h)
				}
			}

			_, res := buildFixture(t, dir, Options{})
			if len(res.Site.Incidents) != 0 {
				t.Error("a draft was published")
			}
			out, _ := buildFixture(t, dir, Options{Drafts: true})
			slug := strings.TrimSuffix(filepath.Base(rel), ".md")
			if html := readFile(t, filepath.Join(out, "incidents", slug, "index.html")); !strings.Contains(html, "Why it made sense at the time") {
				t.Error("the drafts build has no page for the scaffold")
			}
		})
	}
}

// TestNewPostmortemToday: the default day is today in the site's zone, not the machine's.
func TestNewPostmortemToday(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"secondstory.yaml": "timezone: Pacific/Auckland\n"})
	now := time.Date(2024, 3, 5, 20, 0, 0, 0, time.UTC) // already March 6th in Auckland
	rel, err := NewPostmortem(NewOptions{Source: dir, Title: "Late", Now: now})
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
	writeTree(t, dir, map[string]string{"incidents/2024-03-05-cache-flush.md": existing})
	_, err := NewPostmortem(NewOptions{Source: dir, Title: "Cache flush", Date: "2024-03-05"})
	var ee *EnvError
	if !errors.As(err, &ee) || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("want a refusal, got %v", err)
	}
	if got := readFile(t, filepath.Join(dir, "incidents/2024-03-05-cache-flush.md")); got != existing {
		t.Errorf("the existing file changed:\n%s", got)
	}

	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() { _, errs[i] = NewPostmortem(NewOptions{Source: dir, Title: "Race", Date: "2024-03-05"}) })
	}
	wg.Wait()
	created := 0
	for _, err := range errs {
		if err == nil {
			created++
		} else if !errors.Is(err, fs.ErrExist) && !strings.Contains(err.Error(), "already exists") {
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
		_, err := NewPostmortem(NewOptions{Source: dir, Title: c.title, Date: c.date})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q %q: got %v, want %q", c.title, c.date, err, c.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "incidents")); err == nil {
		t.Error("bad input wrote something")
	}
	if _, err := NewPostmortem(NewOptions{Source: filepath.Join(dir, "nope"), Title: "X"}); !errors.As(err, new(*EnvError)) {
		t.Errorf("missing source: %v", err)
	}
}

func TestNewPostmortemLongTitle(t *testing.T) {
	dir := t.TempDir()
	for _, title := range []string{strings.Repeat("replication lag ", 20), strings.Repeat("Zeitüberschreitung ", 9)} {
		rel, err := NewPostmortem(NewOptions{Source: dir, Title: title, Date: "2024-01-01"})
		if err != nil {
			t.Fatal(err)
		}
		slug := strings.TrimPrefix(strings.TrimSuffix(filepath.Base(rel), ".md"), "2024-01-01-")
		if len(slug) > maxSlug || len(slug) < maxSlug/2 || !strings.HasPrefix(Slugify(title), slug+"-") {
			t.Errorf("slug %q is not cut at a word boundary within %d bytes", slug, maxSlug)
		}
	}
}

// TestNewPostmortemCustomTemplate: templates/postmortem.md replaces the default, with every documented field.
func TestNewPostmortemCustomTemplate(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"secondstory.yaml": "timezone: Europe/Berlin\n",
		TemplateFile: "+++\ntitle = {{quote .Title}}\ndate = {{.Date}}\nslug = \"{{.Slug}}\"\nseverity = \"{{.Severity}}\"\n" +
			"status = \"draft\"\n+++\n# House style\n\nLevels:{{range .Severities}} {{.ID}}{{end}}. Zone: {{.Timezone}}.\n",
	})
	rel, err := NewPostmortem(NewOptions{Source: dir, Title: `Say "hi"`, Date: "2024-03-05"})
	if err != nil {
		t.Fatal(err)
	}
	got := readFile(t, filepath.Join(dir, rel))
	want := "+++\ntitle = \"Say \\\"hi\\\"\"\ndate = 2024-03-05\nslug = \"2024-03-05-say-hi\"\nseverity = \"SEV4\"\n" +
		"status = \"draft\"\n+++\n# House style\n\nLevels: SEV1 SEV2 SEV3 SEV4. Zone: Europe/Berlin.\n"
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	c, err := Load(Options{Source: dir, Drafts: true})
	if err != nil || c.Diagnostics.Errors() != 0 || c.All[0].Title != `Say "hi"` {
		t.Errorf("custom scaffold does not load: %v %v", err, c.Diagnostics)
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
			writeTree(t, dir, map[string]string{TemplateFile: c.tmpl})
			_, err := NewPostmortem(NewOptions{Source: dir, Title: "Colon: in title", Date: "2024-03-05"})
			var ce *ContentError
			if !errors.As(err, &ce) || !strings.HasPrefix(ce.Diagnostics[0].String(), c.want) {
				t.Fatalf("got %v, want %s…", err, c.want)
			}
			if _, err := os.Stat(filepath.Join(dir, "incidents")); err == nil {
				t.Error("a broken template wrote a file")
			}
		})
	}
}
