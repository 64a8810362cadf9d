package generator

import (
	"fmt"
	"html/template"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/secondstory/secondstory/generator/graph/learn"
)

var (
	stepSlugRE   = regexp.MustCompile(`<li class="learn-step" id="step-(\d+)" data-slug="([^"]+)">`)
	hrefRE       = regexp.MustCompile(`href="([^"]*)"`)
	factorHrefRE = regexp.MustCompile(`href="\.\./factors/([^/"]+)/"`)
	idRE         = regexp.MustCompile(`id="([^"]+)"`)
)

// learnSteps returns the step slugs of a rendered /learn/ page in reading order, and each step's HTML.
func learnSteps(t *testing.T, page string) ([]string, []string) {
	t.Helper()
	var slugs, bodies []string
	locs := stepSlugRE.FindAllStringSubmatchIndex(page, -1)
	for i, m := range locs {
		if n := page[m[2]:m[3]]; n != fmt.Sprint(i+1) {
			t.Errorf("step %d is numbered %s", i+1, n)
		}
		slugs = append(slugs, page[m[4]:m[5]])
		end := strings.Index(page[m[0]:], "</ol>\n</section>") + m[0] // the end of the path
		if i+1 < len(locs) {
			end = locs[i+1][0]
		}
		bodies = append(bodies, page[m[0]:end])
	}
	return slugs, bodies
}

// section returns the HTML from the first occurrence of start up to the next occurrence of end.
func section(t *testing.T, page, start, end string) string {
	t.Helper()
	i := strings.Index(page, start)
	if i < 0 {
		t.Fatalf("page lacks %q", start)
	}
	j := strings.Index(page[i:], end)
	if j < 0 {
		t.Fatalf("page lacks %q after %q", end, start)
	}
	return page[i : i+j]
}

// rankedFactors returns the factor slugs of the "by rank" list, in order.
func rankedFactors(t *testing.T, page string) []string {
	t.Helper()
	var out []string
	for _, m := range factorHrefRE.FindAllStringSubmatch(section(t, page, `<ol class="learn-factors">`, `</ol>`), -1) {
		out = append(out, m[1])
	}
	return out
}

// checkLinks asserts that every site-relative link of the page at rel (e.g. "learn/index.html") leads to a file of
// the output, and every fragment to an id on the page.
func checkLinks(t *testing.T, out, rel, page string) {
	t.Helper()
	ids := map[string]bool{}
	for _, m := range idRE.FindAllStringSubmatch(page, -1) {
		ids[m[1]] = true
	}
	for _, m := range hrefRE.FindAllStringSubmatch(page, -1) {
		href := m[1]
		if strings.Contains(href, ":") {
			continue // absolute URLs (feed, edit links) are not ours to resolve
		}
		target, frag, _ := strings.Cut(href, "#")
		if target == "" {
			if frag != "" && !ids[frag] {
				t.Errorf("%s: link %q to a missing id", rel, href)
			}
			continue
		}
		file := path.Join(path.Dir(rel), target)
		if strings.HasSuffix(target, "/") {
			file += "/index.html"
		}
		if _, err := os.Stat(filepath.Join(out, filepath.FromSlash(file))); err != nil {
			t.Errorf("%s: link %q does not resolve: %v", rel, href, err)
		}
	}
}

// TestLearnSamplePage checks /learn/ on the sample knowledge base: a path exists, every chosen factor is taught by
// some step, every link resolves, and the page is the same on every build.
func TestLearnSamplePage(t *testing.T) {
	out, res := buildFixture(t, "../content", Options{})
	page := readFile(t, filepath.Join(out, "learn/index.html"))
	slugs, bodies := learnSteps(t, page)
	if len(slugs) == 0 {
		t.Fatal("no steps on the sample reading path")
	}
	for _, s := range slugs {
		if res.Site.Incident(s) == nil {
			t.Errorf("step %q is not a listed incident", s)
		}
	}
	ranked := rankedFactors(t, page)
	if want := min(res.Site.Config.Learn.Factors, len(res.Site.Factors)); len(ranked) != want {
		t.Errorf("%d ranked factors, want %d", len(ranked), want)
	}
	taughtBy := map[string]int{}
	for i, body := range bodies {
		for _, m := range factorHrefRE.FindAllStringSubmatch(body, -1) {
			if _, ok := taughtBy[m[1]]; !ok {
				taughtBy[m[1]] = i + 1
			}
			// A step may only claim factors its incident cites.
			p := res.Site.Incident(slugs[i])
			if !slices.ContainsFunc(p.Factors, func(f FactorRef) bool { return f.Slug == m[1] }) {
				t.Errorf("step %d (%s) claims factor %s it does not cite", i+1, slugs[i], m[1])
			}
		}
	}
	for _, f := range ranked {
		if taughtBy[f] == 0 {
			t.Errorf("ranked factor %s is taught by no step", f)
		}
	}
	for _, want := range []string{
		`<h2 id="why-h">Why these, in this order</h2>`,
		`<script defer src="../assets/learn.js"></script>`,
		`<label class="learn-check" hidden>`, // no check boxes without JavaScript
		`<p class="learn-progress" hidden`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("learn page lacks %q", want)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "assets/learn.js")); err != nil {
		t.Error(err)
	}
	checkLinks(t, out, "learn/index.html", page)
	if strings.Contains(readFile(t, filepath.Join(out, "index.html")), "learn.js") {
		t.Error("learn.js is loaded outside /learn/")
	}

	again, _ := buildFixture(t, "../content", Options{})
	if readFile(t, filepath.Join(again, "learn/index.html")) != page {
		t.Error("two builds of the same content give different reading paths")
	}
}

// TestLearnSmallLibrary: with only three incidents every factor is chosen and taught.
func TestLearnSmallLibrary(t *testing.T) {
	out, res := buildFixture(t, "testdata/kb", Options{})
	page := readFile(t, filepath.Join(out, "learn/index.html"))
	slugs, _ := learnSteps(t, page)
	if len(slugs) == 0 || len(slugs) > len(res.Site.Incidents) {
		t.Fatalf("steps %v for %d incidents", slugs, len(res.Site.Incidents))
	}
	ranked := rankedFactors(t, page)
	if len(ranked) != len(res.Site.Factors) {
		t.Errorf("ranked %v, want all %d factors", ranked, len(res.Site.Factors))
	}
	if strings.Contains(page, "no recommended write-up") {
		t.Error("a factor is uncovered although every incident is eligible")
	}
	checkLinks(t, out, "learn/index.html", page)
}

// learnFixture has a known answer. Scores (SEV1 = 8 … SEV4 = 1, all recent): config-drift ≈ retry-storm ≈ 15, then
// hidden-dependency ≈ 4 (bravo only), clock-skew ≈ 1 (charlie only). bravo would cover three factors but opts out
// with onboarding: false; alpha would beat foxtrot on quality but is skipped; charlie is pinned.
var learnFixture = map[string]string{
	"incidents/alpha.md":   "---\ntitle: Alpha\ndate: 2024-12-01\nseverity: SEV1\nsummary: Alpha summary.\ncontributing_factors: [Config drift, Retry storm]\n---\nBody.\n",
	"incidents/bravo.md":   "---\ntitle: Bravo\ndate: 2024-11-01\nseverity: SEV2\nonboarding: false\ncontributing_factors: [Config drift, Retry storm, Hidden dependency]\n---\nBody.\n",
	"incidents/charlie.md": "---\ntitle: Charlie\ndate: 2024-10-01\nseverity: SEV4\ncontributing_factors: [Clock skew]\n---\nBody.\n",
	"incidents/delta.md":   "---\ntitle: Delta\ndate: 2024-09-01\nseverity: SEV3\ncontributing_factors: [Config drift]\n---\nBody.\n",
	"incidents/echo.md":    "---\ntitle: Echo\ndate: 2024-08-01\nseverity: SEV3\ncontributing_factors: [Retry storm]\n---\nBody.\n",
	"incidents/foxtrot.md": "---\ntitle: Foxtrot\ndate: 2024-07-01\nseverity: SEV3\nsummary: Foxtrot summary.\ncontributing_factors: [Config drift, Retry storm]\n---\nBody.\n",
	"factors/config-drift.md": "---\ntitle: Config drift\n---\n**Config drift** is the gap between what we believe is configured and what is, e.g. a hand edit. " +
		"It grows slowly.\n\nSecond paragraph.\n",
}

func TestLearnPinSkipOnboarding(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, learnFixture)
	writeTree(t, dir, map[string]string{"secondstory.yaml": "learn:\n  factors: 4\n  pin: [charlie]\n  skip: [alpha]\n"})
	out, _ := buildFixture(t, dir, Options{})
	page := readFile(t, filepath.Join(out, "learn/index.html"))

	slugs, bodies := learnSteps(t, page)
	if want := []string{"charlie", "foxtrot"}; !slices.Equal(slugs, want) {
		t.Fatalf("steps %v, want %v (pin first; skip and onboarding: false honoured)", slugs, want)
	}
	if want := []string{"config-drift", "retry-storm", "hidden-dependency", "clock-skew"}; !slices.Equal(rankedFactors(t, page), want) {
		t.Errorf("ranked %v, want %v", rankedFactors(t, page), want)
	}
	if !strings.Contains(bodies[0], `<span class="learn-pin">recommended</span>`) || strings.Contains(bodies[1], "learn-pin") {
		t.Error("only the pinned step should be marked recommended")
	}
	if !strings.Contains(bodies[0], `href="../factors/clock-skew/"`) {
		t.Error("the pinned step does not teach clock-skew")
	}
	for _, want := range []string{
		`<a href="../incidents/foxtrot/">Foxtrot</a>`, `Foxtrot summary.`,
		`<time datetime="2024-07-01">1 Jul 2024</time> <span class="sev sev-sev3">SEV3</span>`,
		// The excerpt is the first sentence of the factors/ file, as plain text: the abbreviation does not end it.
		`<a href="../factors/config-drift/">Config drift</a> <span class="muted">— Config drift is the gap between what we believe is configured and what is, e.g. a hand edit.</span>`,
	} {
		if !strings.Contains(bodies[1], want) {
			t.Errorf("foxtrot's step lacks %q", want)
		}
	}
	// hidden-dependency is cited only by bravo (onboarding: false): it is ranked but no step teaches it.
	rank := section(t, page, `<ol class="learn-factors">`, `</ol>`)
	hd := section(t, rank, `href="../factors/hidden-dependency/"`, `</li>`)
	if !strings.Contains(hd, "no recommended write-up") {
		t.Errorf("hidden-dependency is not marked uncovered: %s", hd)
	}
	checkLinks(t, out, "learn/index.html", page)

	// Control: without the configuration, alpha (more severe) replaces foxtrot, so the skip above did something.
	// bravo stays out: its opt-out is in its own frontmatter.
	writeTree(t, dir, map[string]string{"secondstory.yaml": "learn:\n  factors: 4\n"})
	out, _ = buildFixture(t, dir, Options{})
	slugs, _ = learnSteps(t, readFile(t, filepath.Join(out, "learn/index.html")))
	if slices.Contains(slugs, "foxtrot") || !slices.Contains(slugs, "alpha") || slices.Contains(slugs, "bravo") {
		t.Errorf("without pin and skip: steps %v, want alpha, not foxtrot nor bravo", slugs)
	}
}

func TestLearnEmptyStates(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"secondstory.yaml": "title: Empty\n"})
	out, _ := buildFixture(t, dir, Options{})
	page := readFile(t, filepath.Join(out, "learn/index.html"))
	if !strings.Contains(page, "The library has no postmortems yet.") || strings.Contains(page, "learn-step") {
		t.Error("an empty library does not get the friendly empty state")
	}
	if strings.Contains(page, "learn.js") {
		t.Error("the empty state loads learn.js")
	}

	dir = t.TempDir()
	writeTree(t, dir, map[string]string{"incidents/x.md": "---\ntitle: X\ndate: 2024-01-01\n---\nNo factors here.\n"})
	out, _ = buildFixture(t, dir, Options{})
	page = readFile(t, filepath.Join(out, "learn/index.html"))
	if !strings.Contains(page, "None of the 1 postmortem names a contributing factor yet") {
		t.Error("a library without factors does not say why there is no path")
	}
	checkLinks(t, out, "learn/index.html", page)
}

// TestServiceGuide: the box on a service page keeps to 5 factors and 3 incidents, chosen among that service's
// incidents only; a service without factors and other term pages get no box.
func TestServiceGuide(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"secondstory.yaml": "learn:\n  skip: [api-skipped]\n",
		// Outside the api service, however severe, it must not appear in api's box.
		"incidents/web-only.md":    "---\ntitle: Web only\ndate: 2024-12-01\nseverity: SEV1\nservices: [Web]\ncontributing_factors: [Unsafe default, F1]\n---\n",
		"incidents/api-skipped.md": "---\ntitle: API skipped\ndate: 2024-12-01\nseverity: SEV1\nservices: [API]\ncontributing_factors: [F1, F2, F3]\n---\n",
		"incidents/db-plain.md":    "---\ntitle: DB plain\ndate: 2024-12-01\nservices: [db]\n---\n",
	}
	// Six api incidents, one factor each, most severe first: covering five factors needs five steps.
	for i := 1; i <= 6; i++ {
		files[fmt.Sprintf("incidents/api-%d.md", i)] = fmt.Sprintf(
			"---\ntitle: API %d\ndate: 2024-%02d-01\nseverity: SEV%d\nservices: [Api]\ncontributing_factors: [F%d]\n---\n",
			i, 12-i, min(i, 4), i)
	}
	writeTree(t, dir, files)
	out, res := buildFixture(t, dir, Options{})

	api := readFile(t, filepath.Join(out, "services/api/index.html"))
	box := section(t, api, `<aside class="learn-guide"`, `</aside>`)
	if !strings.Contains(box, "What to know before you touch this service") {
		t.Error("the box has no heading")
	}
	var factors []string
	for _, m := range regexp.MustCompile(`href="\.\./\.\./factors/([^/"]+)/"`).FindAllStringSubmatch(box, -1) {
		factors = append(factors, m[1])
	}
	if want := []string{"f1", "f2", "f3", "f4", "f5"}; !slices.Equal(factors, want) {
		t.Errorf("box factors %v, want %v", factors, want)
	}
	var incidents []string
	for _, m := range regexp.MustCompile(`href="\.\./\.\./incidents/([^/"]+)/"`).FindAllStringSubmatch(box, -1) {
		incidents = append(incidents, m[1])
	}
	if want := []string{"api-1", "api-2", "api-3"}; !slices.Equal(incidents, want) {
		t.Errorf("box incidents %v, want %v (the service's own, skip honoured, at most 3)", incidents, want)
	}
	checkLinks(t, out, "services/api/index.html", api)

	if strings.Contains(readFile(t, filepath.Join(out, "services/db/index.html")), "learn-guide") {
		t.Error("a service whose incidents cite no factor got a box")
	}
	if strings.Contains(readFile(t, filepath.Join(out, "factors/f1/index.html")), "learn-guide") {
		t.Error("a factor page got the service box")
	}
	if g := res.Site.ServiceGuide(res.Site.FactorTerm("f1")); g != nil {
		t.Error("ServiceGuide answered for a factor")
	}
}

func TestRichness(t *testing.T) {
	full := &Postmortem{
		Summary:     "s",
		Headings:    []string{"Impact", "WHY IT MADE SENSE at the time"},
		Timeline:    make([]TimelineEntry, 3),
		ActionItems: make([]ActionItem, 1),
		Words:       1200,
	}
	for _, c := range []struct {
		name string
		p    *Postmortem
		want float64
	}{
		{"complete", full, 1},
		{"empty", &Postmortem{}, 0},
		{"second story heading", &Postmortem{Headings: []string{"The second story"}}, 0.30},
		{"short timeline and body", &Postmortem{Timeline: make([]TimelineEntry, 1), Words: 100}, 0.20/3 + 0.25/4},
		{"very long", &Postmortem{Words: 12000}, 0.125},
		{"long", &Postmortem{Words: 4000}, 0.25 * 0.75},
	} {
		if got := richness(c.p); got < c.want-1e-9 || got > c.want+1e-9 {
			t.Errorf("%s: richness %v, want %v", c.name, got, c.want)
		}
	}
}

func TestExcerpt(t *testing.T) {
	for _, c := range []struct {
		in    template.HTML
		limit int
		want  string
	}{
		{`<p><strong>Retry storm</strong> &amp; friends: clients retry, e.g. at once. Then it grows.</p><p>More.</p>`, 200,
			"Retry storm & friends: clients retry, e.g. at once."},
		{`<h2>How</h2><p>Only   this
paragraph</p>`, 200, "Only this paragraph"},
		{`<p>One two three four five six seven</p>`, 16, "One two three…"},
		{`plain &lt;b&gt; text`, 200, "plain <b> text"},
		{``, 200, ""},
	} {
		if got := excerpt(c.in, c.limit); got != c.want {
			t.Errorf("excerpt(%q, %d) = %q, want %q", c.in, c.limit, got, c.want)
		}
	}
}

// The reading path is kept between builds while learnKey is the same: it must change with every input of
// learn.Select, and only with those.
func TestLearnKey(t *testing.T) {
	yes, no := true, false
	base := func() []*Postmortem {
		return []*Postmortem{
			{Slug: "a", Title: "A", Date: time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC), SevRank: 1,
				Factors: []FactorRef{{Name: "Retry storm", Slug: "retry-storm"}}, Services: []string{"Orders API"}, Words: 900},
			{Slug: "b", Title: "B", Date: time.Date(2023, 5, 6, 0, 0, 0, 0, time.UTC), SevRank: 2, Onboarding: &yes},
		}
	}
	opts := learn.Options{Factors: 10, Now: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), NumSeverities: 4}
	want := learnKey(base(), opts)
	same := map[string]func(ps []*Postmortem){
		"title":   func(ps []*Postmortem) { ps[0].Title = "Another title" },
		"summary": func(ps []*Postmortem) { ps[1].Summary = "" }, // richness unchanged: b had none
	}
	for name, edit := range same {
		ps := base()
		edit(ps)
		if learnKey(ps, opts) != want {
			t.Errorf("%s: the key changed", name)
		}
	}
	differ := map[string]func(ps []*Postmortem, o *learn.Options){
		"slug":       func(ps []*Postmortem, _ *learn.Options) { ps[0].Slug = "c" },
		"date":       func(ps []*Postmortem, _ *learn.Options) { ps[0].Date = ps[0].Date.AddDate(0, 0, 1) },
		"severity":   func(ps []*Postmortem, _ *learn.Options) { ps[0].SevRank = 0 },
		"richness":   func(ps []*Postmortem, _ *learn.Options) { ps[0].Words = 100 },
		"onboarding": func(ps []*Postmortem, _ *learn.Options) { ps[1].Onboarding = &no },
		"factor":     func(ps []*Postmortem, _ *learn.Options) { ps[0].Factors[0].Slug = "config-drift" },
		"service":    func(ps []*Postmortem, _ *learn.Options) { ps[0].Services = []string{"Payments"} },
		"order":      func(ps []*Postmortem, _ *learn.Options) { ps[0], ps[1] = ps[1], ps[0] },
		"day":        func(_ []*Postmortem, o *learn.Options) { o.Now = o.Now.AddDate(0, 0, 1) },
		"pin":        func(_ []*Postmortem, o *learn.Options) { o.Pin = []string{"b"} },
		"skip":       func(_ []*Postmortem, o *learn.Options) { o.Skip = []string{"a"} },
		"factors":    func(_ []*Postmortem, o *learn.Options) { o.Factors = 5 },
	}
	for name, edit := range differ {
		ps, o := base(), opts
		edit(ps, &o)
		if learnKey(ps, o) == want {
			t.Errorf("%s: the key did not change", name)
		}
	}
}

// The reading path is the day's: recency counts from the start of the build day in the site's zone, so builds at
// different hours of a day choose the same (the page is kept for the day). A day is a date at UTC midnight, as
// incidents' dates are.
func TestLearnPathIsTheDays(t *testing.T) {
	zone := time.FixedZone("UTC+2", 2*3600)
	s := &Site{Config: &Config{location: zone}, BuildDate: time.Date(2026, 11, 1, 23, 30, 0, 0, time.UTC)}
	got := s.learnOptions("", 10).Now
	if want := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("recency counts from %v, want %v (the start of the build day in the site's zone)", got, want)
	}
	if now := (&Site{Config: s.Config}).learnOptions("", 10).Now; !now.IsZero() {
		t.Errorf("without a build date: %v, want no decay", now)
	}
}
