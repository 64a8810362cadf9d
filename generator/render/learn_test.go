package render_test

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/secondstory/secondstory/generator/graph"
	"github.com/secondstory/secondstory/generator/internal/sitetest"
	"github.com/secondstory/secondstory/generator/render"
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
	out, site := buildSite(t, sitetest.Sample(), sitetest.SampleNow)
	page := readFile(t, filepath.Join(out, "learn/index.html"))
	slugs, bodies := learnSteps(t, page)
	if len(slugs) == 0 {
		t.Fatal("no steps on the sample reading path")
	}
	for _, s := range slugs {
		if site.Incident(s) == nil {
			t.Errorf("step %q is not a listed incident", s)
		}
	}
	ranked := rankedFactors(t, page)
	if want := min(site.Config.Learn.Factors, len(site.Factors)); len(ranked) != want {
		t.Errorf("%d ranked factors, want %d", len(ranked), want)
	}
	taughtBy := map[string]int{}
	for i, body := range bodies {
		for _, m := range factorHrefRE.FindAllStringSubmatch(body, -1) {
			if _, ok := taughtBy[m[1]]; !ok {
				taughtBy[m[1]] = i + 1
			}
			// A step may only claim factors its incident cites.
			p := site.Incident(slugs[i])
			if !slices.ContainsFunc(p.FactorTerms, func(f *graph.Term) bool { return f.Slug == m[1] }) {
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

	again, _ := buildSite(t, sitetest.Sample(), sitetest.SampleNow)
	if readFile(t, filepath.Join(again, "learn/index.html")) != page {
		t.Error("two builds of the same content give different reading paths")
	}
}

// TestLearnSmallLibrary: with only three incidents every factor is chosen and taught.
func TestLearnSmallLibrary(t *testing.T) {
	out, site := buildSite(t, sitetest.Fixture(), time.Time{})
	page := readFile(t, filepath.Join(out, "learn/index.html"))
	slugs, _ := learnSteps(t, page)
	if len(slugs) == 0 || len(slugs) > len(site.Incidents) {
		t.Fatalf("steps %v for %d incidents", slugs, len(site.Incidents))
	}
	ranked := rankedFactors(t, page)
	if len(ranked) != len(site.Factors) {
		t.Errorf("ranked %v, want all %d factors", ranked, len(site.Factors))
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
	dir := sitetest.MemDir(t)
	sitetest.WriteTree(t, dir, learnFixture)
	sitetest.WriteTree(t, dir, map[string]string{"secondstory.yaml": "learn:\n  factors: 4\n  pin: [charlie]\n  skip: [alpha]\n"})
	out, _ := buildSite(t, dir, time.Time{})
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
	sitetest.WriteTree(t, dir, map[string]string{"secondstory.yaml": "learn:\n  factors: 4\n"})
	out, _ = buildSite(t, dir, time.Time{})
	slugs, _ = learnSteps(t, readFile(t, filepath.Join(out, "learn/index.html")))
	if slices.Contains(slugs, "foxtrot") || !slices.Contains(slugs, "alpha") || slices.Contains(slugs, "bravo") {
		t.Errorf("without pin and skip: steps %v, want alpha, not foxtrot nor bravo", slugs)
	}
}

func TestLearnEmptyStates(t *testing.T) {
	out, _ := buildTree(t, map[string]string{"secondstory.yaml": "title: Empty\n"}, time.Time{})
	page := readFile(t, filepath.Join(out, "learn/index.html"))
	if !strings.Contains(page, "The library has no postmortems yet.") || strings.Contains(page, "learn-step") {
		t.Error("an empty library does not get the friendly empty state")
	}
	if strings.Contains(page, "learn.js") {
		t.Error("the empty state loads learn.js")
	}

	out, _ = buildTree(t, map[string]string{"incidents/x.md": "---\ntitle: X\ndate: 2024-01-01\n---\nNo factors here.\n"}, time.Time{})
	page = readFile(t, filepath.Join(out, "learn/index.html"))
	if !strings.Contains(page, "None of the 1 postmortem names a contributing factor yet") {
		t.Error("a library without factors does not say why there is no path")
	}
	checkLinks(t, out, "learn/index.html", page)
}

// TestServiceGuide: the box on a service page keeps to 5 factors and 3 incidents, chosen among that service's
// incidents only; a service without factors and other term pages get no box.
func TestServiceGuide(t *testing.T) {
	dir := sitetest.MemDir(t)
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
	sitetest.WriteTree(t, dir, files)
	out, site := buildSite(t, dir, time.Time{})

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
	if v := render.ViewOf(site); v.ServiceGuide(render.TermView(v, site.Term("factors", "f1"))) != nil {
		t.Error("ServiceGuide answered for a factor")
	}
}
