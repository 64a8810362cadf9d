package build_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secondstory/secondstory/generator/build"
	"github.com/secondstory/secondstory/generator/diag"
	"github.com/secondstory/secondstory/generator/internal/sitetest"
)

// TestNamesWithoutURL: a factor, tag, service or team with no letter or digit (!!!, 🔥, ???), a file name with
// none, and a name whose URL segment would be too long for a file name (300 characters) are each an error positioned
// at the name, found by check as by build; nothing is written. (Before: a factor named !!! wrote its page to
// factors/index.html, replacing the catalogue; 🔥 linked to tags//; a 300-character tag stopped the build with a
// raw "file name too long" and check said 0 errors.)
func TestNamesWithoutURL(t *testing.T) {
	long := strings.Repeat("a", 300)
	dir := sitetest.MemDir(t)
	sitetest.WriteTree(t, dir, map[string]string{
		"incidents/ok.md": "---\ntitle: OK\ndate: 2024-01-01\n---\nBody.\n",
		"incidents/a.md": "---\ntitle: A\ndate: 2024-01-01\n" +
			"contributing_factors: [\"!!!\"]\n" + // line 4
			"tags: [\"🔥\", \"???\"]\n" + // line 5
			"services: [\"???\"]\n" + // line 6
			"teams: [\"—\"]\n" + // line 7
			"---\nBody.\n",
		"incidents/!!!.md": "---\ntitle: Bangs\ndate: 2024-01-01\n---\nBody.\n",
		"incidents/long.md": "---\ntitle: Long\ndate: 2024-01-01\n" +
			"tags: [" + long + "]\n" + // line 4
			"services: [" + long + "]\n" + // line 5
			"teams: [" + long + "]\n" + // line 6
			"contributing_factors: [\"" + long + " b\"]\n" + // line 7
			"slug: " + long + "\n" + // line 8
			"---\nBody.\n",
	})
	want := []struct {
		path string
		line int
		text string
	}{
		{"incidents/a.md", 4, `"!!!" has no letter or digit`},
		{"incidents/a.md", 5, `"🔥" has no letter or digit`},
		{"incidents/a.md", 5, `"???" has no letter or digit`},
		{"incidents/a.md", 6, `"???" has no letter or digit`},
		{"incidents/a.md", 7, `"—" has no letter or digit`},
		{"incidents/!!!.md", 1, "no letter or digit"},
		{"incidents/long.md", 4, "the limit is 100"},
		{"incidents/long.md", 5, "the limit is 100"},
		{"incidents/long.md", 6, "the limit is 100"},
		{"incidents/long.md", 7, "the limit is 100"},
		{"incidents/long.md", 8, "the limit is 100"},
	}
	out := filepath.Join(sitetest.MemDir(t), "public")
	for _, mode := range []string{"build", "check"} {
		var res *build.Result
		var err error
		if mode == "build" {
			res, err = build.Build(build.Options{Source: dir, Out: out, Now: sitetest.Now})
		} else {
			res, err = build.Check(build.Options{Source: dir, Now: sitetest.Now})
		}
		var ce *diag.ContentError
		if !errors.As(err, &ce) {
			t.Fatalf("%s: want a content error, got %T %v", mode, err, err)
		}
		errs := res.Diagnostics.Only(diag.Error)
		for _, w := range want {
			found := false
			for _, d := range errs {
				if d.Path == w.path && d.Line == w.line && strings.Contains(d.Message, w.text) {
					found = true
				}
			}
			if !found {
				t.Errorf("%s: no error at %s:%d with %q in\n%s", mode, w.path, w.line, w.text, lines(errs))
			}
		}
		if len(errs) != len(want) {
			t.Errorf("%s: %d errors, want %d:\n%s", mode, len(errs), len(want), lines(errs))
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a build with errors wrote a site")
	}
}

// TestNoPageOverwritesAnother: two configured severities whose URLs are one (SEV 1, sev-1), or a severity with no
// letter or digit, are positioned configuration errors, not an internal "written twice" error (or a page at
// severities//); names that differ only in case or punctuation are one term with one page, listing both incidents.
func TestNoPageOverwritesAnother(t *testing.T) {
	dir := sitetest.MemDir(t)
	sitetest.WriteTree(t, dir, map[string]string{
		"secondstory.yaml": "severities:\n  - id: SEV 1\n    description: a\n  - id: sev-1\n    description: b\n  - id: '!!!'\n    description: c\n",
		"incidents/a.md":   "---\ntitle: A\ndate: 2024-01-01\nseverity: SEV 1\n---\nBody.\n",
	})
	out := filepath.Join(sitetest.MemDir(t), "public")
	for _, mode := range []string{"build", "check"} {
		var res *build.Result
		var err error
		if mode == "build" {
			res, err = build.Build(build.Options{Source: dir, Out: out, Now: sitetest.Now})
		} else {
			res, err = build.Check(build.Options{Source: dir, Now: sitetest.Now})
		}
		var ce *diag.ContentError
		if !errors.As(err, &ce) {
			t.Fatalf("%s: want a content error, got %T %v", mode, err, err)
		}
		errs := res.Diagnostics.Only(diag.Error)
		if !hasDiag(errs, "secondstory.yaml", `"SEV-1" has the URL of "SEV 1"`) || !hasDiag(errs, "secondstory.yaml", `"!!!" has no letter or digit`) {
			t.Errorf("%s: errors\n%s", mode, lines(errs))
		}
		for _, d := range errs {
			if d.Line == 0 {
				t.Errorf("%s: unpositioned %v", mode, d)
			}
		}
	}

	// One term for names that differ in case and punctuation.
	dir = sitetest.MemDir(t)
	sitetest.WriteTree(t, dir, map[string]string{
		"incidents/a.md": "---\ntitle: Alpha\ndate: 2024-01-01\ntags: [On Call]\nservices: [Payments API]\n---\nBody.\n",
		"incidents/b.md": "---\ntitle: Bravo\ndate: 2024-01-02\ntags: [on-call]\nservices: [payments-api]\n---\nBody.\n",
	})
	out, _ = buildFixture(t, dir, build.Options{})
	for _, page := range []string{"tags/on-call/index.html", "services/payments-api/index.html"} {
		got := readFile(t, filepath.Join(out, page))
		if !strings.Contains(got, "Alpha") || !strings.Contains(got, "Bravo") {
			t.Errorf("%s does not list both incidents", page)
		}
	}
}
