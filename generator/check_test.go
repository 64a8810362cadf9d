package generator

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// TestSampleContentCheck runs what `check` runs, drafts included, on the sample knowledge base.
func TestSampleContentCheck(t *testing.T) {
	c, err := Load(Options{Source: "../content", Drafts: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range c.Diagnostics {
		if d.Severity == SeverityError {
			t.Errorf("sample content: %s", d)
		} else {
			t.Logf("sample content: %s", d)
		}
	}
	if c.Files() < len(c.All) || len(c.All) < 15 {
		t.Errorf("checked %d files, %d postmortems", c.Files(), len(c.All))
	}
}

const lintFixture = `---
title: Cache flush
date: 2024-03-05
summary: "The restart should have been done first; obviously a human error."
authors: [Dana Smith]
timeline:
  - at: "10:00"
    actor: Lee
    text: Lee forgot to restart the cache.
  - at: "10:05"
    text: 'Paged, and the root cause was found.'
  - at: "10:10"
    text: |
      Restarted.
      We simply waited.
---
The fix was simply a restart.

<!-- secondstory:ignore blame -->
Human error, says the ticket.

` + "`careless` in code is skipped.\n"

func lintDiags(ds Diagnostics) []string {
	var out []string
	for _, d := range ds {
		if strings.HasPrefix(d.Rule, LintRulePrefix) || d.Rule == "config" {
			out = append(out, d.String())
		}
	}
	return out
}

// TestLintPositions pins where each finding lands: in the summary (after its quote), in plain, quoted and block
// timeline texts, and in the body, with ignore comments and code spans respected. A build still succeeds.
func TestLintPositions(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"incidents/x.md": lintFixture})
	_, res := buildFixture(t, dir, Options{})
	got := lintDiags(res.Diagnostics)
	want := []string{
		`incidents/x.md:4:23: warning: blameless/counterfactual: "should have been"`,
		`incidents/x.md:4:52: warning: blameless/minimiser: "obviously"`,
		`incidents/x.md:4:64: warning: blameless/blame: "human error"`,
		`incidents/x.md:9:11: warning: blameless/named-subject: "Lee forgot to": naming Lee as the subject`,
		`incidents/x.md:11:23: warning: blameless/single-cause: "the root cause"`,
		`incidents/x.md:15: warning: blameless/minimiser: "simply"`,
		`incidents/x.md:17:13: warning: blameless/minimiser: "simply"`,
	}
	if len(got) != len(want) {
		t.Fatalf("got %d findings:\n%s", len(got), strings.Join(got, "\n"))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("finding %d:\n got %s\nwant %s…", i, got[i], want[i])
		}
	}
	// Each message explains and suggests a reframing.
	for _, d := range res.Diagnostics {
		if d.Severity != SeverityWarning || !strings.Contains(d.Message, "; instead, ") {
			t.Errorf("not a warning with a suggestion: %s", d)
		}
	}
}

// TestLintSummaryLine: the summary's line is where it is in the file, wherever the key sits; in TOML, whose
// converted nodes carry no column, the column is left out rather than guessed.
func TestLintSummaryLine(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"incidents/yaml.md": "---\ntitle: Y\ndate: 2024-01-01\ntags: [a]\n\n\nsummary: We clearly missed it.\n---\n",
		"incidents/toml.md": "+++\ntitle = \"T\"\ndate = 2024-01-01\nsummary = \"It was clearly visible.\"\n+++\n",
	})
	c, err := Load(Options{Source: dir})
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(lintDiags(c.Diagnostics), "\n")
	for _, want := range []string{
		`incidents/toml.md:4: warning: blameless/minimiser: "clearly"`,
		`incidents/yaml.md:7:13: warning: blameless/minimiser: "clearly"`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %s in\n%s", want, got)
		}
	}
}

// TestLintDisable: lint.disable in the config turns rules off, accepts the printed form too, and warns about a
// misspelt id instead of silently leaving that rule on.
func TestLintDisable(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"secondstory.yaml": "lint:\n  disable: [minimiser, blameless/blame, single-caus]\n",
		"incidents/x.md":   lintFixture,
	})
	c, err := Load(Options{Source: dir})
	if err != nil {
		t.Fatal(err)
	}
	got := lintDiags(c.Diagnostics)
	for _, d := range got {
		if strings.Contains(d, "blameless/minimiser") || strings.Contains(d, "blameless/blame") {
			t.Errorf("disabled rule reported: %s", d)
		}
	}
	last := got[len(got)-1] // sorted by path
	want := `secondstory.yaml: warning: config: lint.disable: unknown rule "single-caus"`
	if !strings.HasPrefix(last, want) || !strings.HasSuffix(last, `did you mean "single-cause"?`) {
		t.Errorf("want %s…, got\n%s", want, strings.Join(got, "\n"))
	}
	if !strings.Contains(strings.Join(got, "\n"), "blameless/counterfactual") {
		t.Error("rules not disabled were turned off too")
	}
}

// TestLintDrafts: a build lints what it publishes; check (Drafts) lints drafts too. Warnings never fail a build.
func TestLintDrafts(t *testing.T) {
	dir := t.TempDir()
	draft := strings.Replace(lintFixture, "date: 2024-03-05\n", "date: 2024-03-05\nstatus: draft\n", 1)
	writeTree(t, dir, map[string]string{"incidents/x.md": draft})
	for _, drafts := range []bool{false, true} {
		res, err := Build(Options{Source: dir, Out: filepath.Join(t.TempDir(), "public"), Drafts: drafts})
		if err != nil {
			var ce *ContentError
			t.Fatalf("drafts=%v: %v (content error: %v)", drafts, err, errors.As(err, &ce))
		}
		if n := res.Diagnostics.Warnings(); (n > 0) != drafts {
			t.Errorf("drafts=%v: %d warnings", drafts, n)
		}
	}
}
