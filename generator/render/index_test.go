package render_test

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/secondstory/secondstory/generator/internal/sitetest"
)

// TestIndexPages: the index pages of the sample knowledge base are tables to scan, each with an introduction: the
// factors with a line of description, their severities and when they were last seen (the full descriptions stay
// on each factor's page); services with their worst severity, last incident and open action items; what each
// severity means; tags and years with their severities.
func TestIndexPages(t *testing.T) {
	out, site := buildSite(t, sitetest.Sample(), sitetest.Now)
	rows := func(page string) []string {
		html := readFile(t, filepath.Join(out, page))
		if !strings.Contains(html, `class="lede index-intro"`) {
			t.Errorf("%s has no introduction", page)
		}
		body := section(t, html, `<tbody>`, `</tbody>`)
		return strings.Split(body, "<tr>")[1:]
	}

	factors := rows("factors/index.html")
	if len(factors) != len(site.Factors) {
		t.Errorf("/factors/ has %d rows for %d factors", len(factors), len(site.Factors))
	}
	if html := readFile(t, filepath.Join(out, "factors/index.html")); strings.Contains(html, "How to spot it") || len(html) > 60<<10 {
		t.Errorf("/factors/ carries the factors' full descriptions (%d bytes)", len(html))
	}
	for i, f := range site.Factors {
		r := factors[i]
		latest := f.Latest()
		for _, want := range []string{`href="../` + f.URL() + `"`, `<p class="term-desc">`, `class="sevmix"`,
			fmt.Sprintf(`<td class="num" data-label="Incidents">%d</td>`, len(f.Incidents)),
			`href="../` + latest.URL() + `"`, latest.Date.Format("2 Jan 2006")} {
			if !strings.Contains(r, want) {
				t.Errorf("/factors/ row of %s lacks %q", f.Slug, want)
			}
		}
	}

	services := rows("services/index.html")
	for i, sv := range site.Services {
		open, worst := 0, ""
		for _, p := range sv.Incidents {
			for _, a := range p.ActionItems {
				if a.Status == "open" || a.Status == "in-progress" {
					open++
				}
			}
			if p.Severity != "" && (worst == "" || p.Severity < worst) {
				worst = p.Severity
			}
		}
		r := services[i]
		if !strings.Contains(r, `href="../`+sv.URL()+`"`) || !strings.Contains(r, `<span class="sev sev-`+strings.ToLower(worst)+`">`+worst+`</span>`) ||
			!strings.Contains(r, `href="../`+sv.Latest().URL()+`"`) ||
			!regexp.MustCompile(fmt.Sprintf(`data-label="Open actions">(<span class="muted">)?%d<`, open)).MatchString(r) {
			t.Errorf("/services/ row of %s (worst %s, %d open actions):\n%s", sv.Slug, worst, open, r)
		}
	}

	levels := rows("severities/index.html")
	for i, sv := range site.Config.Severities {
		if !strings.Contains(levels[i], sv.Description) {
			t.Errorf("/severities/ does not say what %s means", sv.ID)
		}
	}
	for _, page := range []string{"tags/index.html", "years/index.html"} {
		if r := rows(page); !strings.Contains(r[0], `class="sevmix"`) {
			t.Errorf("%s: the first row has no severities:\n%s", page, r[0])
		}
	}
}

// TestServiceFactorsAgree: a service page's box and its list of factors rank the factors the same way, and the box
// says when it shows only some of them.
func TestServiceFactorsAgree(t *testing.T) {
	out, _ := buildSite(t, sitetest.Sample(), sitetest.Now)
	html := readFile(t, filepath.Join(out, "services/checkout/index.html"))
	names := func(s string) []string {
		var out []string
		for _, m := range regexp.MustCompile(`href="\.\./\.\./factors/([^/"]+)/"`).FindAllStringSubmatch(s, -1) {
			out = append(out, m[1])
		}
		return out
	}
	box := names(section(t, html, `<aside class="learn-guide"`, `</aside>`))
	all := names(section(t, html, `<h2 id="service-factors">`, `</section>`))
	if len(box) == 0 || len(all) <= len(box) || strings.Join(all[:len(box)], " ") != strings.Join(box, " ") {
		t.Errorf("the box's factors %q are not the start of the list %q", box, all)
	}
	if want := fmt.Sprintf("The %d that weigh most of %d", len(box), len(all)); !strings.Contains(html, want) {
		t.Errorf("the box does not say it is cut (%q)", want)
	}
	if strings.Contains(html, "Recurring contributing factors") {
		t.Error("the service page still has a second, differently ranked list")
	}
}
