package render_test

import (
	"fmt"
	"html"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/secondstory/secondstory/generator/internal/sitetest"
	"github.com/secondstory/secondstory/generator/postmortem"
	"github.com/secondstory/secondstory/generator/render"
)

// actionRowsHTML returns the markup of each action-item row of the dashboard, in page order.
func actionRowsHTML(page string) []string {
	var rows []string
	for _, chunk := range strings.Split(page, `<tr class="action-row`)[1:] {
		end := strings.Index(chunk, "</tr>")
		rows = append(rows, `<tr class="action-row`+chunk[:end])
	}
	return rows
}

// rowFor finds the row of the item with this title (escaped as the page escapes it).
func rowFor(t *testing.T, rows []string, title string) string {
	t.Helper()
	want := "<td>" + html.EscapeString(title) + "</td>"
	for _, r := range rows {
		if strings.Contains(r, want) {
			return r
		}
	}
	t.Fatalf("no row for action item %q", title)
	return ""
}

func TestActionsPageOnSampleContent(t *testing.T) {
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	out, site := buildSite(t, sitetest.Sample(), now)
	page := readFile(t, filepath.Join(out, "actions/index.html"))

	// Expected figures straight from the content, independently of actions.go.
	today := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	counts := map[string]int{}
	total, overdue := 0, 0
	var anOverdue, aDone *postmortem.ActionItem
	for _, p := range site.Incidents {
		for i := range p.ActionItems {
			a := &p.ActionItems[i]
			total++
			counts[a.Status]++
			if (a.Status == "open" || a.Status == "in-progress") && !a.Due.IsZero() && a.Due.Before(today) {
				overdue++
				if anOverdue == nil {
					anOverdue = a
				}
			}
			if a.Status == "done" && !a.Due.IsZero() && a.Due.Before(today) && aDone == nil {
				aDone = a // past due but done: must not be flagged
			}
		}
	}
	if total == 0 || overdue == 0 || anOverdue == nil || aDone == nil {
		t.Fatalf("sample content lacks the cases this test needs: %d items, %d overdue", total, overdue)
	}

	rows := actionRowsHTML(page)
	if len(rows) != total {
		t.Errorf("dashboard lists %d items, content has %d", len(rows), total)
	}
	figure := func(n int, label string) string {
		return fmt.Sprintf(`<span class="figure-value">%d</span><span class="figure-label">%s</span>`, n, label)
	}
	completion := int(math.Round(100 * float64(counts["done"]) / float64(total-counts["wontfix"])))
	for _, want := range []string{
		figure(counts["open"], "open"), figure(counts["in-progress"], "in progress"),
		figure(overdue, "overdue"), figure(counts["done"], "done"),
		fmt.Sprintf(`<span class="figure-value">%d%%</span><span class="figure-label">completion rate</span>`, completion),
		`<form class="action-filters" id="action-filters" hidden>`, // shown by actions.js only
		`assets/actions.js`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("actions page lacks %q", want)
		}
	}
	if n := strings.Count(page, "action-overdue"); n != overdue {
		t.Errorf("%d rows marked overdue, want %d", n, overdue)
	}

	// Groups in order, open first, each with its own count.
	last := -1
	for _, st := range postmortem.ActionStatuses {
		i := strings.Index(page, `id="status-`+st+`"`)
		if counts[st] == 0 {
			if i >= 0 {
				t.Errorf("empty group %s is shown", st)
			}
			continue
		}
		if i < last {
			t.Errorf("group %s is out of order", st)
		}
		last = i
		head := fmt.Sprintf(`%s</span> <span class="count">%d</span></h2>`, html.EscapeString(render.StatusLabel(st)), counts[st])
		if !strings.Contains(page[i:], head) {
			t.Errorf("group %s lacks heading %q", st, head)
		}
	}

	row := rowFor(t, rows, anOverdue.Title)
	days := int(today.Sub(anOverdue.Due).Hours() / 24)
	for _, want := range []string{
		`action-overdue"`, fmt.Sprintf(`data-overdue="%d"`, days),
		fmt.Sprintf(`<strong class="overdue overdue-days">%d days overdue</strong>`, days),
		`<time datetime="` + anOverdue.Due.Format("2006-01-02") + `">`,
	} {
		if !strings.Contains(row, want) {
			t.Errorf("overdue row lacks %q:\n%s", want, row)
		}
	}
	row = rowFor(t, rows, aDone.Title)
	if !strings.HasPrefix(row, `<tr class="action-row action-done" data-status="done"`) || strings.Contains(row, "overdue") {
		t.Errorf("done row has the wrong markup:\n%s", row)
	}
	if !strings.Contains(row, `href="../incidents/`) {
		t.Errorf("done row does not link its incident:\n%s", row)
	}
}

// actionsFixture is three incidents whose items cover every state, owner spellings and teams.
var actionsFixture = map[string]string{
	"secondstory.yaml": "timezone: Europe/Berlin\n",
	"incidents/a.md": `---
title: Alpha
date: 2024-01-10
teams: [Storage, Payments]
action_items:
  - {title: Due yesterday in Berlin, owner: Platform team, due: 2024-03-01, status: open, ticket: "https://tickets.example/OPS-1"}
  - {title: Past due but done, owner: platform  TEAM, due: 2024-01-20, status: done, ticket: OPS-2}
  - {title: Dropped, owner: Kai, due: 2024-01-20, status: wontfix, ticket: "javascript:alert(1)"}
---
`,
	"incidents/b.md": `---
title: Beta
date: 2024-02-01
action_items:
  - {title: Nobody owns this, status: in-progress, due: 2024-02-15}
  - {title: Due on the build day, owner: Kai, due: 2024-03-02, status: open}
  - {title: No due date, owner: Kai}
---
`,
	"incidents/c.md": "---\ntitle: Gamma\ndate: 2024-02-20\n---\n",
}

func TestActionsDashboardFixture(t *testing.T) {
	// 23:30 UTC on 1 March is already 2 March in Berlin: the build date is the site's day.
	out, site := buildTree(t, actionsFixture, time.Date(2024, 3, 1, 23, 30, 0, 0, time.UTC))
	d := render.ActionsDataOf(site)
	if got := d.Today.Format("2006-01-02"); got != "2024-03-02" {
		t.Errorf("today = %s, want 2024-03-02 (the site's zone)", got)
	}
	if d.Total != 6 || d.Open != 3 || d.InProgress != 1 || d.Done != 1 || d.WontFix != 1 || d.Overdue != 2 {
		t.Errorf("counts: %+v", d)
	}
	// done ÷ (all − won't fix) = 1 ÷ 5.
	if !d.HasCompletion || d.CompletionPct != 20 {
		t.Errorf("completion %d%% (has %v), want 20%%", d.CompletionPct, d.HasCompletion)
	}
	if d.Oldest == nil || d.Oldest.Title != "Due yesterday in Berlin" {
		t.Errorf("oldest unfinished item: %+v", d.Oldest)
	}
	// Open items: most overdue first, no due date last.
	var open []string
	for _, r := range d.Groups[0].Items {
		open = append(open, r.Title)
	}
	if got := strings.Join(open, " | "); got != "Due yesterday in Berlin | Due on the build day | No due date" {
		t.Errorf("open items in order %q", got)
	}

	owners := map[string]*render.ActionTally{}
	for _, o := range d.Owners {
		owners[o.Name] = o
	}
	if o := owners["Platform team"]; o == nil || o.N != 2 || o.Overdue != 1 || o.Done != 1 {
		t.Errorf("Platform team and platform  TEAM are not one owner: %+v", d.Owners)
	}
	if o := owners[render.NoOwner]; o == nil || o.N != 1 || o.Overdue != 1 {
		t.Errorf("unowned item not tallied: %+v", owners[render.NoOwner])
	}
	if d.Owners[0].Overdue < d.Owners[len(d.Owners)-1].Overdue {
		t.Error("owners are not sorted by overdue work")
	}
	teams := map[string]*render.ActionTally{}
	for _, tm := range d.Teams {
		teams[tm.Name] = tm
	}
	if teams["Storage"] == nil || teams["Storage"].N != 3 || teams["Payments"] == nil || teams["Payments"].N != 3 || teams[render.NoTeam] == nil || teams[render.NoTeam].N != 3 {
		t.Errorf("team tallies: %+v", d.Teams)
	}

	page := readFile(t, filepath.Join(out, "actions/index.html"))
	rows := actionRowsHTML(page)
	for title, want := range map[string]string{
		"Due yesterday in Berlin": `<strong class="overdue overdue-days">1 day overdue</strong>`,
		"Nobody owns this":        `<strong class="overdue overdue-days">16 days overdue</strong>`,
	} {
		if r := rowFor(t, rows, title); !strings.Contains(r, want) {
			t.Errorf("%s: lacks %q:\n%s", title, want, r)
		}
	}
	for _, title := range []string{"Due on the build day", "No due date", "Past due but done"} {
		if r := rowFor(t, rows, title); strings.Contains(r, "overdue") {
			t.Errorf("%s is marked overdue:\n%s", title, r)
		}
	}
	if r := rowFor(t, rows, "Due yesterday in Berlin"); !strings.Contains(r, `<a href="https://tickets.example/OPS-1">https://tickets.example/OPS-1</a>`) ||
		!strings.Contains(r, `data-owner="platform team"`) || !strings.Contains(r, `data-teams="|storage|payments|"`) {
		t.Errorf("URL ticket, owner or team attributes wrong:\n%s", r)
	}
	if r := rowFor(t, rows, "Past due but done"); !strings.Contains(r, `<td class="nowrap">OPS-2</td>`) {
		t.Errorf("plain ticket should be text:\n%s", r)
	}
	if r := rowFor(t, rows, "Dropped"); strings.Contains(r, "<a href=\"javascript") || !strings.Contains(r, "javascript:alert(1)</td>") {
		t.Errorf("a javascript: ticket must stay text:\n%s", r)
	}
	if r := rowFor(t, rows, "Nobody owns this"); !strings.Contains(r, `data-owner="-"`) || !strings.Contains(r, `data-teams="|-|"`) {
		t.Errorf("unowned, teamless item lacks the nobody keys:\n%s", r)
	}
	// The owner filter offers every owner once, by its most common spelling.
	if n := strings.Count(page, `<option value="platform team">`); n != 1 {
		t.Errorf("owner option for platform team appears %d times", n)
	}
	if _, err := os.Stat(filepath.Join(out, "assets/actions.js")); err != nil {
		t.Error(err)
	}
}

func TestActionsPageWithoutItems(t *testing.T) {
	for name, tree := range map[string]map[string]string{
		"no incidents":   {"secondstory.yaml": "title: Empty\n"},
		"no items":       {"incidents/x.md": "---\ntitle: X\ndate: 2024-01-01\n---\n"},
		"only won't fix": {"incidents/x.md": "---\ntitle: X\ndate: 2024-01-01\naction_items:\n  - {title: Nope, status: won't fix}\n---\n"},
	} {
		t.Run(name, func(t *testing.T) {
			out, site := buildTree(t, tree, time.Time{})
			page := readFile(t, filepath.Join(out, "actions/index.html"))
			d := render.ActionsDataOf(site)
			if d.Total == 0 && (!strings.Contains(page, "No action items yet.") || strings.Contains(page, "action-filters")) {
				t.Error("empty dashboard lacks its empty state, or shows filters for nothing")
			}
			// Without items to count, the rate is undefined rather than 0%.
			if d.Total == d.WontFix && (d.HasCompletion || !strings.Contains(page, `<span class="figure-value">–</span><span class="figure-label">completion rate</span>`)) {
				t.Error("completion rate with nothing to count should be –")
			}
		})
	}
}
