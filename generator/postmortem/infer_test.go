package postmortem_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/secondstory/secondstory/generator/diag"
	"github.com/secondstory/secondstory/generator/postmortem"
)

// TestInferTitleAndDate: the postmortems teams keep without frontmatter get a title and a date from the forms they
// are written in, each reported as an info naming its source.
func TestInferTitleAndDate(t *testing.T) {
	cfg := defaults(t, "")
	for _, c := range []struct {
		rel, text   string
		title, date string
		from        string // a part of the date's info
		opts        []postmortem.Option
	}{
		{"2019-04-11-checkout-unavailable.md", "# Checkout unavailable\n\nCheckout failed.\n", "Checkout unavailable", "2019-04-11", "date 2019-04-11 from the file name", nil},
		{"2021-09-30--billing-outage.md", "Billing stopped.\n", "Billing outage", "2021-09-30", "from the file name", nil},
		{"20190411_search-down.md", "Search was down.\n", "Search down", "2019-04-11", "from the file name", nil},
		{"2023-05-02-login is slow.md", "Logins took 30 s.\n", "Login is slow", "2023-05-02", "from the file name", nil},
		{"checkout.md", "Checkout unavailable\n====================\n\nOn 2021-03-02 checkout failed.\n", "Checkout unavailable", "2021-03-02", "from the body (line 4)", nil},
		{"checkout.md", "# 2019-04-11 - Checkout unavailable\n", "Checkout unavailable", "2019-04-11", "from the title (line 1)", nil},
		{"2024/02/data-loss.md", "# 14-02-2024 - Data loss on upgrade\n", "Data loss on upgrade", "2024-02-14", "from the title", nil},
		{"2024/02/ambiguous.md", "# 03-02-2024 - Ambiguous day\n", "Ambiguous day", "2024-02-03", "day-month-year, as the folder 2024/02 says", nil},
		{"2024/03/ambiguous.md", "# 03-02-2024 - Ambiguous day\n", "Ambiguous day", "2024-03-02", "month-day-year, as the folder 2024/03 says", nil},
		{"portal.md", "# Incident report March 3 2025 - Portal outage\n", "Portal outage", "2025-03-03", "from the title", nil},
		{"payments.md", "# Payments API outage - October 2, 2024\n", "Payments API outage", "2024-10-02", "from the title", nil},
		{"provider.md", "# Retrospective: provider incident 2021-06-08\n", "Retrospective: provider incident", "2021-06-08", "from the title", nil},
		{"api.md", "# Postmortem: API latency (2022-08-09)\n", "Postmortem: API latency", "2022-08-09", "from the title", nil},
		{"cdn.md", "# [2021-06-01] CDN purge overloaded origin\n", "CDN purge overloaded origin", "2021-06-01", "from the title", nil},
		{"edge.md", "# Edge resets [March 5, 2024]\n", "Edge resets", "2024-03-05", "from the title", nil},
		{"eu.md", "# (2020-02-02) Login outage (EU)\n", "Login outage (EU)", "2020-02-02", "from the title", nil},
		{"db.md", "# 3. März 2024 – Datenbank-Ausfall\n", "Datenbank-Ausfall", "2024-03-03", "from the title", nil},
		{"db.md", "# Database outage on 4th July 2022\n", "Database outage", "2022-07-04", "from the title", nil},
		{"queue.md", "# Queue stall\n\n## Timeline\n\n| Time | Event |\n|---|---|\n| 2022-05-03 09:12 | Lag alert |\n", "Queue stall", "2022-05-03", "from the timeline", nil},
		{"PM2022-014 - Queue consumer stall.md", "Consumers stalled on 5 May 2022.\n", "PM2022-014 - Queue consumer stall", "2022-05-05", "from the body", nil},
		{"notes.md", "# Notes on the proxy outage\n\nNo date here.\n", "Notes on the proxy outage", "2021-06-08", "from the file's first commit",
			[]postmortem.Option{postmortem.GitDate(time.Date(2021, 6, 8, 22, 30, 0, 0, time.UTC))}},
		{"incidents/x.md", "---\ntitle: From the frontmatter\n---\nOn 2020-01-02.\n", "From the frontmatter", "2020-01-02", "from the body (line 4)", nil},
		{"incidents/2020-01-02-x.md", "---\ndate: 2020-01-03\n---\n# Heading title\n", "Heading title", "2020-01-03", "", nil},
		{"incidents/bundle-2022-05-05/index.md", "# Bundle\n", "Bundle", "2022-05-05", "from the file name", nil},
	} {
		t.Run(c.rel+" "+c.title, func(t *testing.T) {
			p, diags := decode(t, cfg, c.rel, c.text, c.opts...)
			if diags.Errors() > 0 {
				t.Fatalf("errors: %v", diags)
			}
			if p.Title != c.title || p.Date.Format(time.DateOnly) != c.date {
				t.Errorf("title %q, date %s; want %q, %s", p.Title, p.Date.Format(time.DateOnly), c.title, c.date)
			}
			infos := fmt.Sprint(diags.Only(diag.Info))
			if c.from != "" && !strings.Contains(infos, c.from) {
				t.Errorf("no info %q in %s", c.from, infos)
			}
			if c.from == "" && strings.Contains(infos, "date ") {
				t.Errorf("the frontmatter's date was reported as inferred: %s", infos)
			}
		})
	}
}

// TestInferConflictsAndNothing: two sources that disagree are a warning; a file with nothing to infer from is one
// error that says what to add.
func TestInferConflictsAndNothing(t *testing.T) {
	cfg := defaults(t, "")
	p, diags := decode(t, cfg, "2021-03-02-outage.md", "# 2020-11-30 Outage\n")
	w := diags.Only(diag.Warning)
	if len(w) != 1 || !strings.Contains(w[0].Message, "file name says 2021-03-02, title says 2020-11-30") {
		t.Errorf("warnings: %v", w)
	}
	if p.Date.Format(time.DateOnly) != "2021-03-02" || p.Title != "2020-11-30 Outage" {
		t.Errorf("date %s, title %q: the file name wins, the title keeps the date it does not repeat", p.Date.Format(time.DateOnly), p.Title)
	}

	_, diags = decode(t, cfg, "notes.md", "Some thoughts, no heading, no date.\n")
	errs := diags.Only(diag.Error)
	if len(errs) != 1 || !strings.Contains(errs[0].Message, "no heading and no date anywhere: add a frontmatter") {
		t.Errorf("errors: %v", errs)
	}
	_, diags = decode(t, cfg, "notes.md", "# A heading\n\nNo date.\n")
	if errs := diags.Only(diag.Error); len(errs) != 1 || !strings.Contains(errs[0].Message, "date: none found") {
		t.Errorf("errors: %v", errs)
	}
}

// TestInferDropsTheTitleHeading: the heading that became the title, or that repeats the frontmatter's title at the
// top of the body, is not rendered twice; the body keeps its line count.
func TestInferDropsTheTitleHeading(t *testing.T) {
	cfg := defaults(t, "")
	for text, lines := range map[string]int{
		"# 2019-04-11 - Checkout unavailable\n\n## Impact\n\nFirst paragraph.\n":                                             5,
		"Checkout unavailable\n===\n\n## Impact\n\nFirst paragraph.\n":                                                       6,
		"---\ntitle: Checkout unavailable\ndate: 2019-04-11\n---\n# 2019-04-11 - Checkout unavailable\n\nFirst paragraph.\n": 3,
	} {
		p, _ := decode(t, cfg, "x.md", text)
		body := string(p.Markdown)
		if strings.Contains(body, "Checkout") || !strings.Contains(body, "First paragraph.") || strings.Count(body, "\n") != lines {
			t.Errorf("body %q", body)
		}
	}
	// A lead paragraph that became the summary is shown at the top of the page, not again in the body.
	p, _ := decode(t, cfg, "2019-04-11-x.md", "# Checkout unavailable\n\nCustomers could not pay.\n\n## Impact\n\nMore.\n")
	if body := string(p.Markdown); p.Summary != "Customers could not pay." || strings.Contains(body, "Customers") ||
		!strings.Contains(body, "More.") || strings.Count(body, "\n") != 7 {
		t.Errorf("summary %q, body %q", p.Summary, body)
	}
	// So is an imported file's, whose frontmatter says the summary its lead paragraph gave; a different lead stays.
	p, _ = decode(t, cfg, "x.md", "---\ntitle: T\ndate: 2019-04-11\nsummary: Customers could not pay.\n---\n# T\n\nCustomers could not *pay*.\n\nMore.\n")
	if body := string(p.Markdown); strings.Contains(body, "Customers") || !strings.Contains(body, "More.") {
		t.Errorf("imported: body %q", body)
	}
	p, _ = decode(t, cfg, "x.md", "---\ntitle: T\ndate: 2019-04-11\nsummary: Customers could not pay.\n---\nCustomers could not pay for an hour.\n")
	if body := string(p.Markdown); !strings.Contains(body, "Customers could not pay for an hour.") {
		t.Errorf("a lead paragraph that is not the summary was dropped: %q", body)
	}
	p, _ = decode(t, cfg, "x.md", "---\ntitle: Another title\ndate: 2019-04-11\n---\n# A heading of its own\n")
	if !strings.Contains(string(p.Markdown), "# A heading of its own") {
		t.Errorf("a heading that is not the title was dropped: %q", p.Markdown)
	}
}

// TestInferSections: the conventional sections of a body become the structure a frontmatter would give.
func TestInferSections(t *testing.T) {
	cfg := defaults(t, "")
	cases := []struct {
		name, body string
		check      func(p *postmortem.Postmortem) string
		want       string
	}{
		{"task list", "## Action Items\n\n- [ ] Add an alert (owner: Kai) JIRA-12\n- [x] Raise the limit\n- Write the runbook\n",
			func(p *postmortem.Postmortem) string { return actions(p) },
			"Add an alert JIRA-12|Kai||open|JIRA-12; Raise the limit|||done|; Write the runbook|||unknown|"},
		{"grouped bullets", "## Follow-ups\n\n- Short term:\n  - Patch the proxy\n- Long term:\n  - [x] Replace the proxy\n",
			func(p *postmortem.Postmortem) string { return actions(p) },
			"Patch the proxy|||unknown|; Replace the proxy|||done|"},
		{"table, columns in any order and case", "## Follow-ups\n\n| STATUS | Due Date | Owner | Action Item | Ticket |\n|---|---|---|---|---|\n" +
			"| In Progress | 2024-04-01 | Ana | Add retries | OPS-1 |\n| ✅ | | Bo | Remove the flag | |\n| | March 5, 2024 | | Write it down | |\n",
			func(p *postmortem.Postmortem) string { return actions(p) },
			"Add retries|Ana|2024-04-01|in-progress|OPS-1; Remove the flag|Bo||done|; Write it down||2024-03-05|unknown|"},
		{"timeline table", "## Timeline\n\n| Time (UTC) | Who | What happened |\n|---|---|---|\n| 09:21 | Ana | Alert fired |\n| 23:50 | | Rollback |\n| 00:10 | | Recovered |\n",
			func(p *postmortem.Postmortem) string { return timeline(p) },
			"2024-03-05T09:21Z Ana:Alert fired; 2024-03-05T23:50Z Rollback; 2024-03-06T00:10Z Recovered"},
		{"timeline lines", "## Timeline\n\n0921 - alert fired\n0925 - on-call acknowledged\nand opened a bridge\n09:40 UTC: mitigated\n",
			func(p *postmortem.Postmortem) string { return timeline(p) },
			"2024-03-05T09:21Z alert fired; 2024-03-05T09:25Z on-call acknowledged and opened a bridge; 2024-03-05T09:40Z mitigated"},
		{"timeline list", "## Timeline\n\n- **09:21** Alert fired\n- 09:30 - Paged the database team\n",
			func(p *postmortem.Postmortem) string { return timeline(p) },
			"2024-03-05T09:21Z Alert fired; 2024-03-05T09:30Z Paged the database team"},
		{"severity section", "## Severity\n\nSev 2 (major)\n",
			func(p *postmortem.Postmortem) string { return p.Severity }, "SEV2"},
		{"severity line after others", "Text.\nSeverity: none\nseverity: SEV4\n",
			func(p *postmortem.Postmortem) string { return p.Severity }, "SEV4"},
		{"severity line", "**Severity:** SEV-1\n\nText.\n",
			func(p *postmortem.Postmortem) string { return p.Severity }, "SEV1"},
		{"severity table", "| Date | Severity | Duration |\n|---|---|---|\n| 2024-03-05 | sev3 | 1 h |\n",
			func(p *postmortem.Postmortem) string { return p.Severity }, "SEV3"},
		{"severity not configured", "## Severity\n\nHigh\n",
			func(p *postmortem.Postmortem) string { return p.Severity + "|" + fmt.Sprint(p.SevRank) }, "|4"},
		{"contributing factors", "## Contributing Factor(s)\n\n- Config drift: staging and production diverged\n- **Alert fatigue** made the page easy to miss\n- Nobody knew the proxy\n",
			func(p *postmortem.Postmortem) string {
				var s []string
				for _, m := range p.Mentions {
					s = append(s, strings.Join(m.Names, "/"))
				}
				return strings.Join(s, "; ")
			}, "Config drift/Config drift: staging and production diverged; Alert fatigue/Alert fatigue made the page easy to miss; Nobody knew the proxy"},
		{"summary", "## Summary\n\nThe proxy ran out of file descriptors.\n\nMore.\n",
			func(p *postmortem.Postmortem) string { return p.Summary }, "The proxy ran out of file descriptors."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, diags := decode(t, cfg, "2024-03-05-x.md", c.body)
			if diags.Errors() > 0 {
				t.Fatalf("errors: %v", diags)
			}
			if got := c.check(p); got != c.want {
				t.Errorf("got  %s\nwant %s", got, c.want)
			}
		})
	}
}

// TestInferSectionsOnlyWhenMissing: a frontmatter's own fields are never replaced by the body's sections, and a
// section that became structure leaves the rendered body when it held nothing else.
func TestInferSectionsOnlyWhenMissing(t *testing.T) {
	cfg := defaults(t, "")
	p, diags := decode(t, cfg, "x.md", "---\ntitle: T\ndate: 2024-01-01\nseverity: SEV4\naction_items:\n  - {title: From the frontmatter}\n---\n"+
		"**Severity:** SEV1\n\n## Action items\n\n- [ ] From the body\n")
	if p.Severity != "SEV4" || len(p.ActionItems) != 1 || p.ActionItems[0].Title != "From the frontmatter" || len(diags.Only(diag.Info)) != 0 {
		t.Errorf("severity %s, actions %v, infos %v", p.Severity, p.ActionItems, diags.Only(diag.Info))
	}
	p, _ = decode(t, cfg, "2024-01-01-x.md", "Intro.\n\n## Action items\n\n- [ ] Only a list\n\n## Impact\n\nKept.\n")
	if strings.Contains(string(p.Markdown), "Only a list") || !strings.Contains(string(p.Markdown), "## Impact") || strings.Count(string(p.Markdown), "\n") != 9 {
		t.Errorf("body %q", p.Markdown)
	}
	p, _ = decode(t, cfg, "2024-01-01-x.md", "## Action items\n\nWe agreed on these:\n\n- [ ] A list with prose\n")
	if !strings.Contains(string(p.Markdown), "A list with prose") || len(p.ActionItems) != 1 {
		t.Errorf("a section with prose was dropped: %q", p.Markdown)
	}
}

func actions(p *postmortem.Postmortem) string {
	var s []string
	for _, a := range p.ActionItems {
		due := ""
		if !a.Due.IsZero() {
			due = a.Due.Format(time.DateOnly)
		}
		s = append(s, strings.Join([]string{a.Title, a.Owner, due, a.Status, a.Ticket}, "|"))
	}
	return strings.Join(s, "; ")
}

func timeline(p *postmortem.Postmortem) string {
	var s []string
	for _, e := range p.Timeline {
		at := e.At.UTC().Format("2006-01-02T15:04Z")
		if e.Actor != "" {
			at += " " + e.Actor + ":" + e.Text
		} else {
			at += " " + e.Text
		}
		s = append(s, at)
	}
	return strings.Join(s, "; ")
}
