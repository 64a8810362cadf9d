package graph_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/secondstory/secondstory/generator/build"
	"github.com/secondstory/secondstory/generator/graph"
	"github.com/secondstory/secondstory/generator/internal/sitetest"
)

// buildSite builds the knowledge base in dir into a temporary folder.
func buildSite(t *testing.T, dir string) (string, *graph.Site) {
	t.Helper()
	out := filepath.Join(sitetest.MemDir(t), "public")
	res, err := build.Build(build.Options{Source: dir, Out: out, Now: sitetest.Now})
	if err != nil {
		t.Fatalf("build %s: %v", dir, err)
	}
	return out, res.Site
}

// graphFixture is a small library whose graph is known by hand.
func graphFixture(t *testing.T) (string, *graph.Site) {
	t.Helper()
	dir := sitetest.MemDir(t)
	sitetest.WriteTree(t, dir, map[string]string{
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
	return buildSite(t, dir)
}

func TestGraphIndexes(t *testing.T) {
	out, s := graphFixture(t)
	// Config drift: a, b, c and d (via the config alias) — the catalogue's head.
	if s.Factors[0].Slug != "config-drift" || len(s.Factors[0].Incidents) != 4 || s.Factors[0].Name != "Config drift" {
		t.Errorf("first factor %q (%q) with %d incidents", s.Factors[0].Slug, s.Factors[0].Name, len(s.Factors[0].Incidents))
	}
	if s.Term("factors", "config-drift") != s.Factors[0] || s.Term("tags", "db") == nil || s.Term("tags", "nope") != nil {
		t.Error("Term does not find the terms by kind and slug")
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
	cat := sitetest.ReadFile(t, filepath.Join(out, "factors/index.html"))
	if i, j := strings.Index(cat, ">Config drift<"), strings.Index(cat, ">Common<"); i < 0 || j < 0 || i > j {
		t.Error("catalogue is not sorted by incident count")
	}
	if !strings.Contains(cat, "Die Datenbank fällt aus.") {
		t.Error("catalogue lacks the factor file's description")
	}
	f := sitetest.ReadFile(t, filepath.Join(out, "factors/config-drift/index.html"))
	for _, want := range []string{"4 incidents", "Often together with", "Services touched", `href="../../incidents/a/"`, `<h2 id="y2022">2022`} {
		if !strings.Contains(f, want) {
			t.Errorf("factor page lacks %q", want)
		}
	}
	years := sitetest.ReadFile(t, filepath.Join(out, "years/2022/index.html"))
	if !strings.Contains(years, ">C<") || !strings.Contains(years, ">D<") || strings.Contains(years, ">A<") {
		t.Error("year page lists the wrong incidents")
	}
	// Years newest first; severities in the configured order.
	if got := termSlugs(s.Years); got != "2024,2023,2022,2021" {
		t.Errorf("years %s", got)
	}
	if got := termSlugs(s.Severities); got != "sev1,sev2,sev3,sev4" {
		t.Errorf("severities %s", got)
	}
}

func TestBacklinksAndRelated(t *testing.T) {
	out, s := graphFixture(t)
	b := s.Incident("b")
	if len(b.Backlinks) != 1 || b.Backlinks[0].Slug != "a" {
		t.Errorf("b's backlinks: %v", slugs(b.Backlinks))
	}
	a := s.Incident("a")
	if len(a.RelatedTo) != 1 || a.RelatedTo[0].Slug != "c" {
		t.Errorf("related is not both ways: a is related to %v", slugs(a.RelatedTo))
	}
	if c := s.Incident("c"); len(c.RelatedTo) != 1 || c.RelatedTo[0].Slug != "a" {
		t.Errorf("c is related to %v", slugs(c.RelatedTo))
	}
	if !strings.Contains(sitetest.ReadFile(t, filepath.Join(out, "incidents/b/index.html")), "Referenced by") {
		t.Error("b's page does not show its backlink")
	}
}

// TestSimilarOrder: a shares two factors with b (one of them rare) and the api service; with d only the common
// Config drift and the api service. Rare factors weigh more, so b comes first. c shares Config drift too, but it
// is related to a both ways, and a related incident is listed once, as related, not again as similar.
func TestSimilarOrder(t *testing.T) {
	_, s := graphFixture(t)
	a := s.Incident("a")
	if got := similarSlugs(a); got != "b,d" {
		t.Errorf("similar to a: %v, want b,d (c is related)", got)
	}
	if names := termNames(a.Similar[0].Factors); names != "Config drift,Rare factor" {
		t.Errorf("shared factors named: %s", names)
	}
	if names := termNames(a.Similar[0].Services); names != "api" {
		t.Errorf("shared services named: %s", names)
	}
	// e shares "Common" with c and d, and the web service with c only: c first.
	e := s.Incident("e")
	if got := similarSlugs(e); got != "c,d" {
		t.Errorf("similar to e: %v, want c,d", got)
	}
}

// TestSimilarNeverListsRelated: on the sample knowledge base, where many incidents are related, no incident's
// similar list repeats one of its related incidents, in any of several builds (the graph stage runs its analyses
// in parallel: the similar lists must not depend on how they interleave).
func TestSimilarNeverListsRelated(t *testing.T) {
	var first map[string]string
	for range 8 {
		_, s := buildSite(t, sitetest.Sample())
		got := map[string]string{}
		for _, in := range s.Incidents {
			for _, sim := range in.Similar {
				if slices.Contains(in.RelatedTo, sim.Incident) {
					t.Fatalf("%s lists %s as similar, and it is related", in.Slug, sim.Incident.Slug)
				}
			}
			got[in.Slug] = similarSlugs(in)
		}
		if first == nil {
			first = got
			continue
		}
		for slug, sims := range got {
			if first[slug] != sims {
				t.Fatalf("%s: similar %s in one build, %s in another", slug, first[slug], sims)
			}
		}
	}
}

func TestUnicodeFactorURL(t *testing.T) {
	out, _ := graphFixture(t)
	html := sitetest.ReadFile(t, filepath.Join(out, "incidents/a/index.html"))
	if !strings.Contains(html, `href="../../factors/datenbank-ausfall/"`) {
		t.Error("factor link missing")
	}
	dir := sitetest.MemDir(t)
	sitetest.WriteTree(t, dir, map[string]string{"incidents/x.md": "---\ntitle: X\ndate: 2024-01-01\ntags: [Zeitachse für Ausfälle]\n---\n"})
	out, _ = buildSite(t, dir)
	if _, err := os.Stat(filepath.Join(out, "tags/zeitachse-für-ausfälle/index.html")); err != nil {
		t.Error("unicode tag page missing")
	}
	if !strings.Contains(sitetest.ReadFile(t, filepath.Join(out, "incidents/x/index.html")), `href="../../tags/zeitachse-f%c3%bcr-ausf%c3%a4lle/"`) {
		t.Error("unicode tag link is not URL-encoded")
	}
}

// TestFactorNormalisation: spellings of one factor (Config drift, config drift, Config-Drift) and the catalogue's
// alias are one factor, named as the catalogue names it.
func TestFactorNormalisation(t *testing.T) {
	_, s := buildSite(t, sitetest.Fixture())
	f := s.Term("factors", "config-drift")
	if f == nil {
		t.Fatal("no config-drift factor")
	}
	if f.Name != "Config drift" || len(f.Incidents) != 3 {
		t.Errorf("config-drift: name %q with %d incidents, want \"Config drift\" with 3", f.Name, len(f.Incidents))
	}
	if len(s.Factors) != 3 {
		t.Errorf("factors %s, want 3", termNames(s.Factors))
	}
}

func TestDidYouMean(t *testing.T) {
	known := []string{"Config drift", "Retry storm", "single-cause"}
	for in, want := range map[string]string{
		"Config drfit": "Config drift",
		"retry storms": "Retry storm",
		"single-caus":  "single-cause",
		"Unrelated":    "",
	} {
		if got := graph.DidYouMean(in, known); got != want {
			t.Errorf("DidYouMean(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestNearDuplicateTags: a tag whose stem is a more used tag's is a warning at its first use.
func TestNearDuplicateTags(t *testing.T) {
	dir := sitetest.MemDir(t)
	sitetest.WriteTree(t, dir, map[string]string{
		"incidents/a.md": "---\ntitle: A\ndate: 2024-01-01\ntags: [migration]\n---\n",
		"incidents/b.md": "---\ntitle: B\ndate: 2024-01-02\ntags: [migration]\n---\n",
		"incidents/c.md": "---\ntitle: C\ndate: 2024-01-03\ntags: [migrations]\n---\n",
	})
	res, err := build.Check(build.Options{Source: dir})
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, d := range res.Diagnostics {
		if d.Path == "incidents/c.md" && strings.Contains(d.Message, "migration") && d.Rule != "" {
			found = true
		}
	}
	if !found {
		t.Errorf("no near-duplicate warning on incidents/c.md in\n%v", res.Diagnostics)
	}
}

func slugs(ps []*graph.Incident) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Slug)
	}
	return out
}

func similarSlugs(in *graph.Incident) string {
	var out []string
	for _, s := range in.Similar {
		out = append(out, s.Incident.Slug)
	}
	return strings.Join(out, ",")
}

func termNames(ts []*graph.Term) string {
	var out []string
	for _, t := range ts {
		out = append(out, t.Name)
	}
	return strings.Join(out, ",")
}

func termSlugs(ts []*graph.Term) string {
	var out []string
	for _, t := range ts {
		out = append(out, t.Slug)
	}
	return strings.Join(out, ",")
}
