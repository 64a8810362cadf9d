package generator

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
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
	} {
		if got := Slugify(in); got != want {
			t.Errorf("Slugify(%q) = %q, want %q", in, got, want)
		}
	}
}

// graphFixture is a small library whose graph is known by hand.
func graphFixture(t *testing.T) (string, *Result) {
	t.Helper()
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"secondstory.yaml":             "aliases: {\"config mismatch\": \"Config drift\"}\n",
		"factors/datenbank-ausfall.md": "---\ntitle: Datenbank-Ausfall\n---\nDie Datenbank fällt aus.\n",
		"incidents/a.md": "---\ntitle: A\ndate: 2024-01-01\nseverity: SEV1\nservices: [api]\ntags: [db]\n" +
			"contributing_factors: [Config drift, Rare factor, Datenbank-Ausfall]\n---\nSee [[b]].\n",
		"incidents/b.md": "---\ntitle: B\ndate: 2023-01-01\nseverity: SEV2\nservices: [api]\ntags: [db]\n" +
			"contributing_factors: [config drift, Rare factor]\n---\nNo links.\n",
		"incidents/c.md": "---\ntitle: C\ndate: 2022-01-01\nseverity: SEV3\nservices: [web]\n" +
			"contributing_factors: [Config-Drift, Common]\nrelated: [a]\n---\n",
		"incidents/d.md": "---\ntitle: D\ndate: 2022-06-01\nseverity: SEV3\nservices: [api]\n" +
			"contributing_factors: [config mismatch, Common]\n---\n",
		"incidents/e.md": "---\ntitle: E\ndate: 2021-06-01\nseverity: SEV4\nservices: [web]\ncontributing_factors: [Common]\n---\n",
	})
	return buildFixture(t, dir, Options{})
}

func TestGraphIndexes(t *testing.T) {
	out, res := graphFixture(t)
	s := res.Site
	// Config drift: a, b, c and d (via the config alias) — the catalogue's head.
	if s.Factors[0].Slug != "config-drift" || len(s.Factors[0].Incidents) != 4 || s.Factors[0].Name != "Config drift" {
		t.Errorf("first factor %q (%q) with %d incidents", s.Factors[0].Slug, s.Factors[0].Name, len(s.Factors[0].Incidents))
	}
	for _, page := range []string{
		"factors/index.html", "factors/config-drift/index.html", "factors/datenbank-ausfall/index.html",
		"tags/index.html", "tags/db/index.html", "services/index.html", "services/api/index.html",
		"severities/index.html", "severities/sev1/index.html", "years/index.html", "years/2022/index.html",
	} {
		if _, err := os.Stat(filepath.Join(out, page)); err != nil {
			t.Errorf("missing %s", page)
		}
	}
	cat := readFile(t, filepath.Join(out, "factors/index.html"))
	if i, j := strings.Index(cat, ">Config drift<"), strings.Index(cat, ">Common<"); i < 0 || j < 0 || i > j {
		t.Error("catalogue is not sorted by incident count")
	}
	if !strings.Contains(cat, "Die Datenbank fällt aus.") {
		t.Error("catalogue lacks the factor file's description")
	}
	f := readFile(t, filepath.Join(out, "factors/config-drift/index.html"))
	for _, want := range []string{"4 incidents", "Often together with", "Services touched", `href="../../incidents/a/"`, `<h2 id="y2022">2022`} {
		if !strings.Contains(f, want) {
			t.Errorf("factor page lacks %q", want)
		}
	}
	years := readFile(t, filepath.Join(out, "years/2022/index.html"))
	if !strings.Contains(years, ">C<") || !strings.Contains(years, ">D<") || strings.Contains(years, ">A<") {
		t.Error("year page lists the wrong incidents")
	}
}

func TestBacklinksAndRelated(t *testing.T) {
	out, res := graphFixture(t)
	b := res.Site.Incident("b")
	if len(b.Backlinks) != 1 || b.Backlinks[0].Slug != "a" {
		t.Errorf("b's backlinks: %v", slugs(b.Backlinks))
	}
	a := res.Site.Incident("a")
	if len(a.RelatedTo) != 1 || a.RelatedTo[0].Slug != "c" {
		t.Errorf("related is not both ways: a is related to %v", slugs(a.RelatedTo))
	}
	if !strings.Contains(readFile(t, filepath.Join(out, "incidents/b/index.html")), "Referenced by") {
		t.Error("b's page does not show its backlink")
	}
}

// TestSimilarOrder: a shares two factors with b (one of them rare) and the api service; with c and d only the
// common Config drift. Rare factors weigh more, so b comes first; the order is deterministic.
func TestSimilarOrder(t *testing.T) {
	_, res := graphFixture(t)
	a := res.Site.Incident("a")
	var got []string
	for _, s := range a.Similar {
		got = append(got, s.Incident.Slug)
	}
	if strings.Join(got, ",") != "b,d,c" {
		t.Errorf("similar to a: %v, want b,d,c (d shares the api service, c does not)", got)
	}
	if names := termNames(a.Similar[0].Factors); names != "Config drift,Rare factor" {
		t.Errorf("shared factors named: %s", names)
	}
	// e shares only "Common" with c and d: both similar, newest first on a tie.
	e := res.Site.Incident("e")
	if len(e.Similar) != 2 || e.Similar[0].Incident.Slug != "c" {
		t.Errorf("similar to e: %v", e.Similar)
	}
}

func TestUnicodeFactorURL(t *testing.T) {
	out, _ := graphFixture(t)
	html := readFile(t, filepath.Join(out, "incidents/a/index.html"))
	if !strings.Contains(html, `href="../../factors/datenbank-ausfall/"`) {
		t.Error("factor link missing")
	}
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"incidents/x.md": "---\ntitle: X\ndate: 2024-01-01\ntags: [Zeitachse für Ausfälle]\n---\n"})
	out, _ = buildFixture(t, dir, Options{})
	if _, err := os.Stat(filepath.Join(out, "tags/zeitachse-für-ausfälle/index.html")); err != nil {
		t.Error("unicode tag page missing")
	}
	if !strings.Contains(readFile(t, filepath.Join(out, "incidents/x/index.html")), `href="../../tags/zeitachse-f%c3%bcr-ausf%c3%a4lle/"`) {
		t.Error("unicode tag link is not URL-encoded")
	}
}

func slugs(ps []*Postmortem) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Slug)
	}
	return out
}

func termNames(ts []*Term) string {
	var out []string
	for _, t := range ts {
		out = append(out, t.Name)
	}
	return strings.Join(out, ",")
}
