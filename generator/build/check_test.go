package build_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secondstory/secondstory/generator/build"
	"github.com/secondstory/secondstory/generator/diag"
	"github.com/secondstory/secondstory/generator/internal/sitetest"
)

// TestSampleContentCheck runs what `check` runs, drafts included, on the sample knowledge base: no errors, and
// nothing written.
func TestSampleContentCheck(t *testing.T) {
	res, err := build.Check(build.Options{Source: sitetest.Sample()})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range res.Diagnostics {
		if d.Severity == diag.Error {
			t.Errorf("sample content: %s", d)
		}
	}
	if n := len(res.Site.Incidents); n < 15 || res.Drafts != 0 {
		t.Errorf("checked %d incidents (%d drafts left out), want at least 15, drafts included", n, res.Drafts)
	}
	if res.Files != 0 || res.Written != 0 {
		t.Errorf("check wrote %d files", res.Files)
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

// lintDiags are the lint's findings and the config's warnings, as printed.
func lintDiags(ds diag.List) []string {
	var out []string
	for _, d := range ds {
		if strings.HasPrefix(d.Rule, build.LintRulePrefix) || d.Rule == "config" && !strings.HasPrefix(d.Message, "base_url is not set") {
			out = append(out, d.String())
		}
	}
	return out
}

// TestLintPositions pins where each finding lands: in the summary (after its quote), in plain, quoted and block
// timeline texts, and in the body, with ignore comments and code spans respected. A build still succeeds.
func TestLintPositions(t *testing.T) {
	dir := sitetest.MemDir(t)
	sitetest.WriteTree(t, dir, map[string]string{"incidents/x.md": lintFixture})
	_, res := buildFixture(t, dir, build.Options{})
	got := lintDiags(res.Diagnostics)
	want := []string{
		`incidents/x.md:4:23: warning: blameless/counterfactual: "should have been done"`,
		`incidents/x.md:4:52: warning: blameless/minimiser: "obviously"`,
		`incidents/x.md:4:64: warning: blameless/blame: "human error"`,
		`incidents/x.md:9:11: warning: blameless/named-subject: "Lee forgot to"`,
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
	// Each finding explains itself and suggests a reframing.
	for _, d := range res.Diagnostics {
		if strings.HasPrefix(d.Rule, build.LintRulePrefix) && (d.Severity != diag.Warning || d.Advice == "" || !strings.Contains(d.Message, ": ")) {
			t.Errorf("not a warning with an explanation and advice: %s (advice %q)", d, d.Advice)
		}
	}
	checkOrdered(t, res.Diagnostics)
}

// TestLintSummaryLine: the summary's line is where it is in the file, wherever the key sits; in TOML, whose
// converted nodes carry no column, the column is left out rather than guessed.
func TestLintSummaryLine(t *testing.T) {
	dir := sitetest.MemDir(t)
	sitetest.WriteTree(t, dir, map[string]string{
		"incidents/yaml.md": "---\ntitle: Y\ndate: 2024-01-01\ntags: [a]\n\n\nsummary: We clearly missed it.\n---\n",
		"incidents/toml.md": "+++\ntitle = \"T\"\ndate = 2024-01-01\nsummary = \"It was clearly visible.\"\n+++\n",
		// A headless file's lead paragraph is its summary, shown once: it is linted once, at its line.
		"incidents/2024-01-02-headless.md": "# Headless\n\nThe cause was clearly the cache.\n\n## Impact\n\nSlow.\n",
	})
	res, err := build.Check(build.Options{Source: dir})
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(lintDiags(res.Diagnostics), "\n")
	for _, want := range []string{
		`incidents/toml.md:4: warning: blameless/minimiser: "clearly"`,
		`incidents/yaml.md:7:13: warning: blameless/minimiser: "clearly"`,
		`incidents/2024-01-02-headless.md:3: warning: blameless/minimiser: "clearly"`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %s in\n%s", want, got)
		}
	}
	if n := strings.Count(got, "2024-01-02-headless.md"); n != 1 {
		t.Errorf("the headless lead paragraph has %d findings, want 1:\n%s", n, got)
	}
}

// TestLintDisable: lint.disable in the config turns rules off, accepts the printed form too, and warns about a
// misspelt id instead of silently leaving that rule on.
func TestLintDisable(t *testing.T) {
	dir := sitetest.MemDir(t)
	sitetest.WriteTree(t, dir, map[string]string{
		"secondstory.yaml": "lint:\n  disable: [minimiser, blameless/blame, single-caus]\n",
		"incidents/x.md":   lintFixture,
	})
	res, err := build.Check(build.Options{Source: dir})
	if err != nil {
		t.Fatal(err)
	}
	got := lintDiags(res.Diagnostics)
	for _, d := range got {
		if strings.Contains(d, "blameless/minimiser") || strings.Contains(d, "blameless/blame") {
			t.Errorf("disabled rule reported: %s", d)
		}
	}
	last := got[len(got)-1] // sorted by path
	want := `secondstory.yaml:2: warning: config: lint.disable: unknown rule "single-caus"`
	if !strings.HasPrefix(last, want) || !strings.HasSuffix(last, `did you mean "single-cause"?`) {
		t.Errorf("want %s…, got\n%s", want, strings.Join(got, "\n"))
	}
	if !strings.Contains(strings.Join(got, "\n"), "blameless/counterfactual") {
		t.Error("rules not disabled were turned off too")
	}
}

// TestLintDrafts: a build lints what it publishes; --drafts and check lint drafts too. Warnings never fail a build.
func TestLintDrafts(t *testing.T) {
	dir := sitetest.MemDir(t)
	draft := strings.Replace(lintFixture, "date: 2024-03-05\n", "date: 2024-03-05\nstatus: draft\n", 1)
	sitetest.WriteTree(t, dir, map[string]string{"incidents/x.md": draft})
	for _, drafts := range []bool{false, true} {
		res, err := build.Build(build.Options{Source: dir, Out: filepath.Join(sitetest.MemDir(t), "public"), Drafts: drafts, Now: sitetest.Now})
		if err != nil {
			t.Fatalf("drafts=%v: %v", drafts, err)
		}
		if n := len(lintDiags(res.Diagnostics)); (n > 0) != drafts {
			t.Errorf("drafts=%v: %d lint findings", drafts, n)
		}
	}
	res, err := build.Check(build.Options{Source: dir})
	if err != nil || len(lintDiags(res.Diagnostics)) == 0 {
		t.Errorf("check does not lint drafts: %v %v", err, res.Diagnostics)
	}
}

// TestShellWarnings: a published postmortem that is still a shell (no summary, template prompts, no times, no
// factors, no action items) gets one warning for each, which check.disable turns off; a draft gets none.
func TestShellWarnings(t *testing.T) {
	dir := sitetest.MemDir(t)
	sitetest.WriteTree(t, dir, map[string]string{
		"incidents/shell.md": "---\ntitle: Shell\ndate: 2024-01-01\n---\n## Summary\n\n_What happened, who was affected and for how long, in a few sentences a newcomer can follow._\n",
		"incidents/draft.md": "---\ntitle: Draft\ndate: 2024-01-01\nstatus: draft\n---\n",
	})
	rules := func(res *build.Result) []string {
		var out []string
		for _, d := range res.Diagnostics {
			if strings.HasPrefix(d.Rule, "check/") {
				if d.Path != "incidents/shell.md" {
					t.Errorf("shell warning on %s", d)
				}
				out = append(out, d.Rule)
			}
		}
		return out
	}
	res, err := build.Check(build.Options{Source: dir})
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(rules(res), ",")
	for _, r := range build.ShellRules {
		if !strings.Contains(got, "check/"+r.ID) {
			t.Errorf("no check/%s warning in %s", r.ID, got)
		}
	}
	sitetest.WriteTree(t, dir, map[string]string{"secondstory.yaml": "check:\n  disable: [no-action-items, check/empty-summary]\n"})
	if res, err = build.Check(build.Options{Source: dir}); err != nil {
		t.Fatal(err)
	}
	got = strings.Join(rules(res), ",")
	if strings.Contains(got, "no-action-items") || strings.Contains(got, "empty-summary") || !strings.Contains(got, "no-factors") {
		t.Errorf("check.disable: %s", got)
	}
}

// TestCheckWritesNothing: check of a knowledge base with errors returns them and creates no folder.
func TestCheckWritesNothing(t *testing.T) {
	dir := sitetest.MemDir(t)
	sitetest.WriteTree(t, dir, map[string]string{"incidents/x.md": "---\ntitle: X\ndate: 2024-01-01\nseverity: SEV9\n---\n"})
	res, err := build.Check(build.Options{Source: dir})
	var ce *diag.ContentError
	if !errors.As(err, &ce) || res.Diagnostics.Errors() != 1 {
		t.Fatalf("check: %v", err)
	}
	if got := sitetest.Tree(t, dir); len(got) != 1 {
		t.Errorf("check wrote into the source folder: %v", got)
	}
}
