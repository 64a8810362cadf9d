package render_test

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/secondstory/secondstory/generator/graph"
	"github.com/secondstory/secondstory/generator/internal/sitetest"
	"github.com/secondstory/secondstory/generator/render"
)

// svgs returns every inline <svg>…</svg> of a page, checking that each one is well-formed XML.
func svgs(t *testing.T, page string) []string {
	t.Helper()
	var out []string
	for rest := page; ; {
		i := strings.Index(rest, "<svg")
		if i < 0 {
			break
		}
		j := strings.Index(rest[i:], "</svg>")
		if j < 0 {
			t.Fatal("unclosed <svg>")
		}
		svg := rest[i : i+j+len("</svg>")]
		dec := xml.NewDecoder(strings.NewReader(svg))
		for {
			_, err := dec.Token()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("svg does not parse as XML: %v\n%s", err, svg)
			}
		}
		out = append(out, svg)
		rest = rest[i+j:]
	}
	return out
}

// figure returns the <figure> with that id.
func figure(t *testing.T, page, id string) string {
	t.Helper()
	i := strings.Index(page, `<figure class="chart chart-type-`)
	for i >= 0 {
		end := strings.Index(page[i:], "</figure>") + i
		if f := page[i:end]; strings.Contains(f[:strings.Index(f, ">")], `id="`+id+`"`) {
			return f
		}
		next := strings.Index(page[end:], `<figure class="chart chart-type-`)
		if next < 0 {
			break
		}
		i = end + next
	}
	t.Fatalf("no figure %q", id)
	return ""
}

var statsFixture = map[string]string{
	"incidents/a.md": `---
title: A
severity: SEV1
started_at: 2024-01-05T10:00:00Z
detected_at: 2024-01-05T10:10:00Z
resolved_at: 2024-01-05T12:10:00Z
contributing_factors: [Config drift, Retry storm]
action_items:
  - {title: one, status: done}
  - {title: two, status: open}
---
`,
	"incidents/b.md": `---
title: B
severity: SEV2
started_at: 2024-02-05T10:00:00Z
detected_at: 2024-02-05T10:20:00Z
resolved_at: 2024-02-05T10:50:00Z
contributing_factors: [Config drift]
action_items:
  - {title: three, status: done}
  - {title: four, status: wontfix}
---
`,
	"incidents/c.md": `---
title: C
severity: SEV2
started_at: 2024-04-05T10:00:00Z
detected_at: 2024-04-05T11:00:00Z
contributing_factors: [config-drift]
action_items:
  - {title: five, status: in-progress}
---
`,
}

func TestStatsFixture(t *testing.T) {
	out, site := buildTree(t, statsFixture, time.Date(2024, 6, 15, 0, 0, 0, 0, time.UTC))
	page := readFile(t, filepath.Join(out, "stats/index.html"))
	if n := len(svgs(t, page)); n != 7 {
		t.Errorf("%d charts, want 7", n)
	}

	// Months from the first incident to the build date: Jan–Jun 2024, three of them with one bar each.
	f := figure(t, page, "incidents-per-period")
	if !strings.Contains(f, "Incidents per month, by severity") {
		t.Error("incidents chart is not monthly for a span of months")
	}
	if n := strings.Count(f, `<rect class="chart-bar chart-sev1"`); n != 1 {
		t.Errorf("%d SEV1 bars, want 1", n)
	}
	if n := strings.Count(f, `<rect class="chart-bar chart-sev2"`); n != 2 {
		t.Errorf("%d SEV2 bars, want 2", n)
	}
	if n := strings.Count(f, `<th scope="row">`); n != 6 {
		t.Errorf("%d months in the table, want 6 (Jan–Jun)", n)
	}
	if !strings.Contains(f, `<th scope="row">Jun 2024</th><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td>`) {
		t.Error("the quiet months up to the build date are not in the chart")
	}
	if strings.Contains(f, "No severity") {
		t.Error("a No severity series although every incident has one")
	}

	// Factors: config drift (three spellings) in 3 incidents, retry storm in 1, linked relative to /stats/.
	f = figure(t, page, "factors-ranking")
	if n := strings.Count(f, `<rect class="chart-bar"`); n != 2 {
		t.Errorf("%d factor bars, want 2", n)
	}
	for _, want := range []string{`<a class="chart-link" href="../factors/config-drift/">`, `<title>Config drift: 3</title>`, `<title>Retry storm: 1</title>`} {
		if !strings.Contains(f, want) {
			t.Errorf("factors chart lacks %s", want)
		}
	}

	// Time to detect: 10, 20, 60 min → median 20 min, p90 20 + 0.8 × 40 = 52 min. Time to resolve: 2 h and 30
	// min (C is unresolved) → median 1.3 h (75 min), p90 1.9 h (111 min).
	table := page[strings.Index(page, `<table class="duration-table">`):]
	table = table[:strings.Index(table, "</table>")]
	for _, want := range []string{
		`<th scope="row">Time to detect</th><td>started → detected</td><td class="num">3</td><td class="num">20 min</td><td class="num">52 min</td>`,
		`<th scope="row">Time to resolve</th><td>detected → resolved</td><td class="num">2</td><td class="num">1.3 h</td><td class="num">1.9 h</td>`,
		`<th scope="row">Time to mitigate</th><td>started → mitigated</td><td class="num">0</td><td class="num">–</td><td class="num">–</td>`,
	} {
		if !strings.Contains(table, want) {
			t.Errorf("durations table lacks %s\n%s", want, table)
		}
	}
	f = figure(t, page, "detect-by-year")
	// Three values are too few for a box: they are drawn as dots, with the median.
	if n := strings.Count(f, `<g class="chart-group chart-few">`); n != 1 || !strings.Contains(f, "2024: 3 values, median 20 min") ||
		strings.Count(f, `class="chart-value-dot"`) != 3 || strings.Contains(f, `class="chart-box"`) {
		t.Errorf("detect box plot: %d groups\n%s", n, f)
	}
	// Round durations on the time axis: 10 min, 15 min, 30 min, 1 h.
	for _, tick := range []string{">10 min</text>", ">15 min</text>", ">30 min</text>", ">1 h</text>"} {
		if !strings.Contains(f, `text-anchor="end"`+tick) {
			t.Errorf("detect box plot lacks the tick %s", tick)
		}
	}
	f = figure(t, page, "detect-histogram")
	sum := 0
	for _, m := range regexp.MustCompile(`<rect class="chart-bar"[^>]*><title>[^<]*: (\d+)</title>`).FindAllStringSubmatch(f, -1) {
		n, _ := strconv.Atoi(m[1])
		sum += n
	}
	if sum != 3 {
		t.Errorf("histogram bars hold %d incidents, want 3", sum)
	}

	// Completion per quarter: Q1 has done, open, done (won't fix left out) → 66.7%; Q2 in progress → 0%.
	f = figure(t, page, "action-completion")
	if n := strings.Count(f, `<circle class="chart-point"`); n != 2 {
		t.Errorf("%d completion points, want 2", n)
	}
	for _, want := range []string{"<title>2024 Q1: 66.7%</title>", "<title>2024 Q2: 0%</title>"} {
		if !strings.Contains(f, want) {
			t.Errorf("completion chart lacks %s", want)
		}
	}
	if len(site.Incidents) != 3 {
		t.Fatalf("%d incidents", len(site.Incidents))
	}
}

func TestStatsOnSampleContent(t *testing.T) {
	out, site := buildSite(t, sitetest.Sample(), time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC))
	page := readFile(t, filepath.Join(out, "stats/index.html"))
	if n := len(svgs(t, page)); n != 7 {
		t.Errorf("%d charts, want 7", n)
	}
	// The sample spans more than four years: quarters, one category per quarter from the first incident to now.
	first := site.Incidents[len(site.Incidents)-1].Date
	quarters := (2026*4 + 3) - (first.Year()*4 + (int(first.Month())-1)/3) + 1
	f := figure(t, page, "incidents-per-period")
	if !strings.Contains(f, "Incidents per quarter, by severity") || strings.Count(f, `<th scope="row">`) != quarters {
		t.Errorf("want %d quarters in the incidents chart", quarters)
	}
	// A segment per severity of each quarter with incidents: at least one, at most one per incident.
	if got := strings.Count(f, `<rect class="chart-bar`); got > len(site.Incidents) || got == 0 {
		t.Errorf("%d bar segments for %d incidents", got, len(site.Incidents))
	}
	f = figure(t, page, "factors-ranking")
	want := min(len(site.Factors), render.TopFactors)
	if got := strings.Count(f, `<rect class="chart-bar"`); got != want {
		t.Errorf("%d factor bars, want %d", got, want)
	}
	for _, id := range []string{"detect-by-year", "detect-histogram", "resolve-by-year", "resolve-histogram", "action-completion"} {
		if f := figure(t, page, id); strings.Contains(f, "No data yet") {
			t.Errorf("%s is empty on the sample content", id)
		}
	}
}

// TestStatsAndHomeSmallSites: a knowledge base with one incident or none still builds, with empty states.
// TestHomeNoRecentFactors: factors named only long ago: the last 12 months say so, the all-time list has them.
func TestHomeNoRecentFactors(t *testing.T) {
	out, _ := buildTree(t, map[string]string{"incidents/x.md": "---\ntitle: X\ndate: 2021-01-01\ncontributing_factors: [Config drift]\n---\n"},
		time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC))
	home := readFile(t, filepath.Join(out, "index.html"))
	if !strings.Contains(home, "No contributing factors named in the last 12 months.") || !strings.Contains(home, "Most frequent latent conditions") ||
		!strings.Contains(home, ">Config drift</a>") {
		t.Error("home lacks the last 12 months' empty state, or the all-time list")
	}
}

func TestStatsAndHomeSmallSites(t *testing.T) {
	for name, tree := range map[string]map[string]string{
		"none": {"secondstory.yaml": "title: Empty\n"},
		"one":  {"incidents/x.md": "---\ntitle: X\ndate: 2024-01-01\nseverity: SEV3\n---\n"},
	} {
		t.Run(name, func(t *testing.T) {
			out, site := buildTree(t, tree, time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC))
			page := readFile(t, filepath.Join(out, "stats/index.html"))
			charts := svgs(t, page)
			if len(charts) != 7 {
				t.Errorf("%d charts, want 7", len(charts))
			}
			empty := strings.Count(page, "No data yet</text>")
			if len(site.Incidents) == 0 && empty != 7 {
				t.Errorf("%d empty charts without incidents, want 7", empty)
			}
			if len(site.Incidents) == 1 {
				// One incident without timestamps, factors or items: only the incidents chart has data.
				if empty != 6 || strings.Count(figure(t, page, "incidents-per-period"), `<rect class="chart-bar chart-sev3"`) != 1 {
					t.Errorf("one incident: %d empty charts, want 6, and one SEV3 bar", empty)
				}
			}
			home := readFile(t, filepath.Join(out, "index.html"))
			// No factor at all: one empty state, not two headings over empty lists.
			if !strings.Contains(home, "No contributing factors named yet") || strings.Contains(home, "Most frequent latent conditions") {
				t.Error("home lacks the one empty state of the factors, or shows their empty lists")
			}
			for page, want := range map[string]string{"factors/index.html": "No contributing factors yet", "services/index.html": "No services yet", "tags/index.html": "No tags yet"} {
				if !strings.Contains(readFile(t, filepath.Join(out, page)), want) {
					t.Errorf("%s lacks its empty state %q", page, want)
				}
			}
			if strings.Contains(home, "on-this-day") {
				t.Error("home shows On this day on a day with nothing to show")
			}
		})
	}
}

func TestOnThisDayOnSampleContent(t *testing.T) {
	out, site := buildSite(t, sitetest.Sample(), time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC))
	var want []*graph.Incident
	for _, p := range site.Incidents {
		if p.Date.Month() == time.November && p.Date.Day() == 22 && p.Date.Year() < 2026 {
			want = append(want, p)
		}
	}
	if len(want) < 3 {
		t.Fatalf("the sample content has %d incidents on 22 November, want several", len(want))
	}
	home := readFile(t, filepath.Join(out, "index.html"))
	start := strings.Index(home, `<section class="on-this-day"`)
	section := home[start : start+strings.Index(home[start:], "</section>")]
	if !strings.Contains(section, `On this day <span class="count">22 November</span>`) {
		t.Error("On this day does not name the day")
	}
	if n := strings.Count(section, "<li>"); n != len(want) {
		t.Errorf("On this day lists %d incidents, want %d", n, len(want))
	}
	last := -1
	for _, p := range want {
		i := strings.Index(section, `href="`+p.URL()+`"`)
		if i < 0 || i < last {
			t.Errorf("On this day lacks %s or lists it out of order (newest first)", p.Slug)
		}
		last = i
		if ago := fmt.Sprintf("%d, %d years ago", p.Date.Year(), 2026-p.Date.Year()); !strings.Contains(section[max(i, 0):], ago) {
			t.Errorf("%s: lacks %q", p.Slug, ago)
		}
	}
	if !strings.Contains(home, `<h2 id="recent-factors">Latent conditions of the last 12 months</h2>`) {
		t.Error("home lacks the last 12 months' factors")
	}
}

func TestOnThisDayLeapDayAndRecentFactors(t *testing.T) {
	_, s := buildTree(t, map[string]string{
		"incidents/leap.md":   "---\ntitle: Leap\ndate: 2024-02-29\ncontributing_factors: [Clock skew]\n---\n",
		"incidents/old.md":    "---\ntitle: Old\ndate: 2023-12-01\ncontributing_factors: [Config drift]\n---\n",
		"incidents/recent.md": "---\ntitle: Recent\ndate: 2024-12-01\ncontributing_factors: [Clock skew, Retry storm]\n---\n",
		"incidents/future.md": "---\ntitle: Future\ndate: 2025-03-01\ncontributing_factors: [Unsafe default]\n---\n",
	}, time.Time{})
	at := func(y, m, d int) render.Site {
		s.BuildDate = time.Date(y, time.Month(m), d, 12, 0, 0, 0, time.UTC)
		return render.ViewOf(s)
	}

	// A common year: 29 February's incidents come round on the 28th.
	if got := at(2025, 2, 28).OnThisDay(); len(got) != 1 || got[0].Incident.Slug() != "leap" || got[0].YearsAgo != 1 {
		t.Errorf("28 Feb 2025: %+v", got)
	}
	if got := at(2028, 2, 28).OnThisDay(); len(got) != 0 { // a leap year has its own 29th
		t.Errorf("28 Feb 2028: %+v", got)
	}
	if got := at(2024, 2, 29).OnThisDay(); len(got) != 0 { // the same year is not an anniversary
		t.Errorf("29 Feb 2024: %+v", got)
	}

	// 12 months before 2025-02-28: the leap-day and recent incidents count; old is too early, future too late.
	v := at(2025, 2, 28)
	got := map[string]int{}
	for _, tc := range v.RecentFactors() {
		got[tc.Term.Slug()] = tc.Count
	}
	if len(got) != 2 || got["clock-skew"] != 2 || got["retry-storm"] != 1 {
		t.Errorf("recent factors %v, want clock-skew 2, retry-storm 1", got)
	}
	if f := v.RecentFactors(); f[0].Term.Slug() != "clock-skew" {
		t.Errorf("recent factors not ranked by count: %v", f)
	}
	// What the home page read is recorded: the incidents' frontmatter and links, their list, the day.
	if r := render.ReadsOf(v); r.Site&(render.AllFront|render.AllLinks|render.ListIncidents|render.Day) != render.AllFront|render.AllLinks|render.ListIncidents|render.Day {
		t.Errorf("reads %b", r.Site)
	}
}
