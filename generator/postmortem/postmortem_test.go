package postmortem_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/secondstory/secondstory/generator/config"
	"github.com/secondstory/secondstory/generator/diag"
	"github.com/secondstory/secondstory/generator/internal/sitetest"
	"github.com/secondstory/secondstory/generator/postmortem"
)

func TestSlugify(t *testing.T) {
	for in, want := range map[string]string{
		"Config drift":           "config-drift",
		"config-drift":           "config-drift",
		"  Config   Drift!! ":    "config-drift",
		"Datenbank-Ausfall":      "datenbank-ausfall",
		"Zeitachse für Ausfälle": "zeitachse-für-ausfälle",
		"Пропущенный алерт":      "пропущенный-алерт",
		"DNS / TTL (5m)":         "dns-ttl-5m",
		"!!!":                    "",
		"a--b":                   "a-b",
		"-orders-db-":            "orders-db",
		"orders-db2":             "orders-db2",
		"a":                      "a",
		"-":                      "",
		"":                       "",
	} {
		if got := postmortem.Slugify(in); got != want {
			t.Errorf("Slugify(%q) = %q, want %q", in, got, want)
		}
	}
}

// defaults is the configuration of a knowledge base without a config file, in a zone an hour east of UTC.
func defaults(t *testing.T, yaml string) *config.Config {
	t.Helper()
	dir := t.TempDir()
	if yaml != "" {
		sitetest.WriteTree(t, dir, map[string]string{"secondstory.yaml": yaml})
	}
	cfg, diags := config.Load(dir)
	if diags.Errors() > 0 {
		t.Fatalf("config: %v", diags)
	}
	return cfg
}

func decode(t *testing.T, cfg *config.Config, rel, text string, opts ...postmortem.Option) (*postmortem.Postmortem, diag.List) {
	t.Helper()
	p, diags, ok := postmortem.Decode(rel, []byte(text), cfg, opts...)
	if ok != (diags.Errors() == 0) {
		t.Errorf("%s: ok %v with %d errors", rel, ok, diags.Errors())
	}
	if p == nil {
		t.Fatalf("%s: no postmortem", rel)
	}
	return p, diags
}

// TestDecodeFormats: one postmortem written in YAML, TOML and JSON frontmatter decodes to the same fields.
func TestDecodeFormats(t *testing.T) {
	cfg := defaults(t, "timezone: Europe/Berlin\n")
	for name, text := range map[string]string{
		"yaml": "---\ntitle: \"Orders: down\"\ndate: 2024-03-05\nseverity: sev2\nservices: [Orders API, db]\ntags: [a]\n" +
			"contributing_factors:\n  - Config drift\n  - {name: Retry storm, description: Clients retry at once.}\n" +
			"started_at: 2024-03-05 10:00\nresolved_at: 2024-03-05T11:30:00+01:00\nrelated: [other]\nregion: eu\n---\nBody.\n",
		"toml": "+++\ntitle = \"Orders: down\"\ndate = 2024-03-05\nseverity = \"sev2\"\nservices = [\"Orders API\", \"db\"]\ntags = [\"a\"]\n" +
			"started_at = \"2024-03-05 10:00\"\nresolved_at = 2024-03-05T11:30:00+01:00\nrelated = [\"other\"]\nregion = \"eu\"\n" +
			"contributing_factors = [\"Config drift\", {name = \"Retry storm\", description = \"Clients retry at once.\"}]\n+++\nBody.\n",
		"json": "{\n\"title\": \"Orders: down\", \"date\": \"2024-03-05\", \"severity\": \"sev2\", \"services\": [\"Orders API\", \"db\"], \"tags\": [\"a\"],\n" +
			"\"contributing_factors\": [\"Config drift\", {\"name\": \"Retry storm\", \"description\": \"Clients retry at once.\"}],\n" +
			"\"started_at\": \"2024-03-05 10:00\", \"resolved_at\": \"2024-03-05T11:30:00+01:00\", \"related\": [\"other\"], \"region\": \"eu\"\n}\n\nBody.\n", // JSON ends at a } line and an empty line
	} {
		t.Run(name, func(t *testing.T) {
			p, diags := decode(t, cfg, "incidents/2024/orders-down.md", "\ufeff"+text) // a byte order mark is skipped
			if diags.Errors() > 0 {
				t.Fatalf("errors: %v", diags)
			}
			berlin, _ := time.LoadLocation("Europe/Berlin")
			for _, c := range []struct{ field, got, want string }{
				{"slug", p.Slug, "orders-down"},
				{"title", p.Title, "Orders: down"},
				{"date", p.Date.Format(time.RFC3339), "2024-03-05T00:00:00Z"},
				{"severity", p.Severity, "SEV2"},
				{"status", p.Status, postmortem.StatusPublished},
				{"services", strings.Join(p.Services, ","), "Orders API,db"},
				{"factors", p.Factors[0].Name + "|" + p.Factors[1].Name + "|" + p.Factors[1].Description, "Config drift|Retry storm|Clients retry at once."},
				{"started_at", p.StartedAt.String(), time.Date(2024, 3, 5, 10, 0, 0, 0, berlin).String()},
				{"duration", p.Duration().String(), "1h30m0s"},
				{"related", p.Related[0].Slug, "other"},
				{"extra", p.Extra["region"].(string), "eu"},
				{"body", string(p.Markdown), "Body.\n"},
				{"url", p.URL(), "incidents/orders-down/"},
			} {
				if c.got != c.want {
					t.Errorf("%s = %q, want %q", c.field, c.got, c.want)
				}
			}
			if p.SevRank != 1 {
				t.Errorf("severity rank %d, want 1", p.SevRank)
			}
		})
	}
}

// TestDecodeInference: what a file leaves out is inferred, each in one way.
func TestDecodeInference(t *testing.T) {
	cfg := defaults(t, "")
	for _, c := range []struct {
		name, rel, text string
		check           func(p *postmortem.Postmortem) string
	}{
		{"slug from the file name", "incidents/2024/Orders DB Down.md", "---\ntitle: T\ndate: 2024-01-01\n---\n",
			func(p *postmortem.Postmortem) string { return p.Slug + " " + p.Bundle }},
		{"slug from a bundle's folder", "incidents/db-bundle/index.md", "---\ntitle: T\ndate: 2024-01-01\n---\n",
			func(p *postmortem.Postmortem) string { return p.Slug + " " + p.Bundle }},
		{"slug from the frontmatter", "incidents/x.md", "---\ntitle: T\ndate: 2024-01-01\nslug: Orders-DB\n---\n",
			func(p *postmortem.Postmortem) string { return p.Slug }},
		{"date from started_at", "incidents/x.md", "---\ntitle: T\nstarted_at: 2024-02-03T23:30:00Z\n---\n",
			func(p *postmortem.Postmortem) string { return p.Date.Format(time.DateOnly) }},
		{"Hugo draft", "incidents/x.md", "---\ntitle: T\ndate: 2024-01-01\ndraft: true\n---\n",
			func(p *postmortem.Postmortem) string { return p.Status }},
		{"status wins over draft", "incidents/x.md", "---\ntitle: T\ndate: 2024-01-01\nstatus: In-Review\ndraft: true\n---\n",
			func(p *postmortem.Postmortem) string { return p.Status }},
		{"no severity ranks last", "incidents/x.md", "---\ntitle: T\ndate: 2024-01-01\n---\n",
			func(p *postmortem.Postmortem) string { return fmt.Sprint(p.Severity, "|", p.SevRank) }},
		{"timeline HH:MM on the start's day, past midnight the next", "incidents/x.md",
			"---\ntitle: T\nstarted_at: 2024-01-01T23:00:00Z\ntimeline:\n  - {at: \"23:10\", text: a}\n  - {at: \"00:20\", text: b}\n---\n",
			func(p *postmortem.Postmortem) string {
				return p.Timeline[0].At.UTC().Format(time.RFC3339) + " " + p.Timeline[1].At.UTC().Format(time.RFC3339)
			}},
		{"action item states as people write them", "incidents/x.md",
			"---\ntitle: T\ndate: 2024-01-01\naction_items:\n  - {title: a, status: In Progress}\n  - {title: b, status: won't fix}\n  - {title: c, status: DONE}\n  - {title: d}\n---\n",
			func(p *postmortem.Postmortem) string {
				var s []string
				for _, a := range p.ActionItems {
					s = append(s, a.Status)
				}
				return fmt.Sprint(strings.Join(s, ","), " ", p.ActionsDone())
			}},
		{"a link's title defaults to its URL", "incidents/x.md", "---\ntitle: T\ndate: 2024-01-01\nlinks:\n  - url: https://x.example/\n---\n",
			func(p *postmortem.Postmortem) string { return p.Links[0].Title }},
		{"onboarding", "incidents/x.md", "---\ntitle: T\ndate: 2024-01-01\nonboarding: false\n---\n",
			func(p *postmortem.Postmortem) string {
				return map[bool]string{true: "true", false: "false"}[*p.Onboarding]
			}},
		{"summary position past its quote", "incidents/x.md", "---\ntitle: T\ndate: 2024-01-01\n\nsummary: \"Quoted.\"\n---\n",
			func(p *postmortem.Postmortem) string {
				return fmt.Sprint(p.SummaryLine, ":", p.SummaryCol)
			}},
		{"body line", "incidents/x.md", "---\ntitle: T\ndate: 2024-01-01\n---\nFirst line.\n",
			func(p *postmortem.Postmortem) string { return fmt.Sprint(p.BodyLine, " ", string(p.Markdown)) }},
	} {
		want := map[string]string{
			"slug from the file name":     "orders-db-down ",
			"slug from a bundle's folder": "db-bundle incidents/db-bundle",
			"slug from the frontmatter":   "orders-db",
			"date from started_at":        "2024-02-03",
			"Hugo draft":                  "draft",
			"status wins over draft":      "in-review",
			"no severity ranks last":      "|4",
			"timeline HH:MM on the start's day, past midnight the next": "2024-01-01T23:10:00Z 2024-01-02T00:20:00Z",
			"action item states as people write them":                   "in-progress,wontfix,done,open 1",
			"a link's title defaults to its URL":                        "https://x.example/",
			"onboarding":                                                "false",
			"summary position past its quote":                           "5:11",
			"body line":                                                 "5 First line.\n",
		}[c.name]
		p, diags := decode(t, cfg, c.rel, c.text)
		if diags.Errors() > 0 {
			t.Errorf("%s: %v", c.name, diags)
			continue
		}
		if got := c.check(p); got != want {
			t.Errorf("%s: %q, want %q", c.name, got, want)
		}
	}
}

// TestDecodeErrors: every schema problem of a file is reported at once, each at its value.
func TestDecodeErrors(t *testing.T) {
	cfg := defaults(t, "")
	for _, c := range []struct {
		name, text string
		want       []string
	}{
		{"missing date (the title is the file name's)", "---\ntags: [a]\n---\n", []string{
			"x.md:1: error: schema: no heading and no date anywhere: add a frontmatter",
		}},
		{"missing date", "---\ntitle: T\n---\n", []string{
			"x.md:1: error: schema: date: none found in the file name, the title, the body or the git history",
		}},
		{"types", "---\ntitle: T\ndate: 2024-01-01\nauthors: 5\nservices: {a: b}\n---\n", []string{
			"x.md:4:10: error: schema: authors: expected a list, got a number (5)",
			"x.md:5:11: error: schema: services: expected a list, got a mapping",
		}},
		{"a title of the wrong type is one error", "---\ntitle: [a]\ndate: 2024-01-01\n---\n", []string{
			"x.md:2:8: error: schema: title: expected a string, got a list",
		}},
		{"slug", "---\ntitle: T\ndate: 2024-01-01\nslug: \"a b/c\"\n---\n", []string{
			`x.md:4:7: error: schema: slug: "a b/c" cannot be a URL segment (try "a-b-c")`,
		}},
		{"action item", "---\ntitle: X\ndate: 2024-01-01\naction_items:\n  - title: Fix it\n    status: finished\n  - owner: Kai\n---\n", []string{
			`x.md:6:13: error: schema: action_items[0].status: unknown value "finished" (one of open, in-progress, done, wontfix)`,
			`x.md:7:5: error: schema: action_items[1]: title is missing`,
		}},
		{"timestamps out of order", "---\ntitle: T\nstarted_at: 2024-01-01T10:00:00Z\ndetected_at: 2024-01-01T09:00:00Z\n---\n", []string{
			"x.md:4:14: error: schema: detected_at: 2024-01-01T09:00:00Z is before started_at (2024-01-01T10:00:00Z)",
		}},
		{"timeline", "---\ntitle: T\ndate: 2024-01-01\ntimeline:\n  - {at: \"25:00\", text: a}\n  - {at: \"10:00\"}\n---\n", []string{
			"x.md:5:",
			"x.md:6:5: error: schema: timeline[1]: text is missing",
		}},
		{"links", "---\ntitle: T\ndate: 2024-01-01\nlinks:\n  - title: no url\n---\n", []string{
			"x.md:5:5: error: schema: links[0]: url is missing",
		}},
		{"empty factor", "---\ntitle: T\ndate: 2024-01-01\ncontributing_factors: [\"\", \"!!\"]\n---\n", []string{
			"x.md:4:24: error: schema: contributing_factors[0]: factor name is empty",
			`x.md:4:28: error: schema: contributing_factors[1]: "!!" has no letter or digit to make a URL from`,
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, diags := decode(t, cfg, "x.md", c.text)
			errs := diags.Only(diag.Error)
			errs.Sort()
			if len(errs) != len(c.want) {
				t.Fatalf("%d errors, want %d:\n%v", len(errs), len(c.want), errs)
			}
			for i, w := range c.want {
				if got := errs[i].String(); !strings.HasPrefix(got, w) {
					t.Errorf("error %d:\n got %s\nwant %s", i, got, w)
				}
			}
		})
	}
}

// TestDecodeKeepsSlugOnErrors: a file with errors still has its slug, so links to it are not errors too.
func TestDecodeKeepsSlugOnErrors(t *testing.T) {
	p, _, ok := postmortem.Decode("incidents/bad-one.md", []byte("---\ntitle: T\ndate: 2024-01-01\nseverity: SEV9\n---\n"), defaults(t, ""))
	if ok || p.Slug != "bad-one" {
		t.Errorf("ok %v, slug %q", ok, p.Slug)
	}
	p, _, ok = postmortem.Decode("incidents/unclosed.md", []byte("---\ntitle: T\n"), defaults(t, ""))
	if ok || p.Slug != "unclosed" {
		t.Errorf("unclosed frontmatter: ok %v, slug %q", ok, p.Slug)
	}
}

func TestDecodeFactor(t *testing.T) {
	f, diags := postmortem.DecodeFactor("factors/config-drift.md", []byte("---\ntitle: Config drift\naliases: [configuration drift, drift]\n---\nIt diverges.\n"))
	if diags.Errors() > 0 || f == nil {
		t.Fatalf("%v", diags)
	}
	if f.Slug != "config-drift" || f.Name != "Config drift" || strings.Join(f.Aliases, ",") != "configuration drift,drift" ||
		string(f.Markdown) != "It diverges.\n" || f.BodyLine != 5 {
		t.Errorf("%+v", f)
	}
	f, diags = postmortem.DecodeFactor("factors/x.md", []byte("---\naliases: [y]\n---\n"))
	if f != nil || len(diags) != 1 || diags[0].String() != "factors/x.md:1: error: schema: title: missing (the factor's display name)" {
		t.Errorf("no title: %v %v", f, diags)
	}
}

func TestActionStatus(t *testing.T) {
	for in, want := range map[string]string{
		"open": "open", "TODO": "open", "In Progress": "in-progress", "in_progress": "in-progress", "WIP": "in-progress",
		"done": "done", "Completed": "done", "won't fix": "wontfix", "Won’t fix": "wontfix", "wontfix": "wontfix",
	} {
		if got, ok := postmortem.ActionStatus(in); !ok || got != want {
			t.Errorf("ActionStatus(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	if _, ok := postmortem.ActionStatus("finished"); ok {
		t.Error("finished accepted")
	}
}

func TestParseTimestamp(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	for in, want := range map[string]string{
		"2024-03-05T14:02:00Z":      "2024-03-05T14:02:00Z",
		"2024-03-05T14:02:00+02:00": "2024-03-05T12:02:00Z",
		"2024-03-05 14:02":          "2024-03-05T13:02:00Z", // in the site's zone
		"2024-03-05":                "2024-03-04T23:00:00Z",
	} {
		got, ok := postmortem.ParseTimestamp(in, berlin)
		if !ok || got.UTC().Format(time.RFC3339) != want {
			t.Errorf("ParseTimestamp(%q) = %v, %v; want %s", in, got.UTC(), ok, want)
		}
	}
	for _, bad := range []string{"yesterday", "2024-02-30", "5.3.2024"} {
		if _, ok := postmortem.ParseTimestamp(bad, berlin); ok {
			t.Errorf("ParseTimestamp(%q) accepted", bad)
		}
	}
}

// TestPrompts: the lines of a template that ask for something, which a published postmortem must not keep.
func TestPrompts(t *testing.T) {
	ps := postmortem.Prompts(postmortem.DefaultTemplate)
	if len(ps) != 9 {
		t.Errorf("%d prompts in the default template, want 9 (one per section)", len(ps))
	}
	for _, p := range ps {
		if !strings.HasPrefix(p, "_") || !strings.HasSuffix(p, "_") {
			t.Errorf("prompt %q", p)
		}
	}
}

func TestSort(t *testing.T) {
	d := func(s string) time.Time { t, _ := time.Parse(time.DateOnly, s); return t }
	ps := []*postmortem.Postmortem{{Slug: "b", Date: d("2024-01-01")}, {Slug: "c", Date: d("2025-01-01")}, {Slug: "a", Date: d("2024-01-01")}}
	postmortem.Sort(ps)
	var got []string
	for _, p := range ps {
		got = append(got, p.Slug)
	}
	if strings.Join(got, ",") != "c,a,b" {
		t.Errorf("sorted %v, want newest first, then by slug", got)
	}
}
