package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/secondstory/secondstory/generator"
)

// cliRun runs the CLI in-process and returns its exit code and output.
func cliRun(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func cliTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const (
	cliClean    = "---\ntitle: Clean\ndate: 2024-01-01\n---\nThe alert was muted during the migration.\n"
	cliWarnings = "---\ntitle: Wording\ndate: 2024-01-02\nsummary: We should have noticed sooner.\nstatus: draft\n---\nIt was simply a typo.\n"
	cliBroken   = "---\ntitle: Broken\ndate: 2024-01-03\nseverity: SEV9\n---\nSee [[nowhere]].\n"
)

var countLine = regexp.MustCompile(`^(\d+) errors?, (\d+) warnings? in (\d+) files?$`)

// TestCheckSampleContent: the sample knowledge base checks without errors; its warnings (if any) are listed in
// the test log, and the output ends with the count line.
func TestCheckSampleContent(t *testing.T) {
	code, out, errOut := cliRun(t, "check", "--source", "../../content")
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	m := countLine.FindStringSubmatch(lines[len(lines)-1])
	if m == nil || m[1] != "0" || len(m[3]) < 2 { // dozens of files: every incident and factor was read
		t.Fatalf("count line %q", lines[len(lines)-1])
	}
	if len(lines) > 1 {
		t.Logf("sample content warnings:\n%s", strings.Join(lines[:len(lines)-1], "\n"))
	}
}

func TestCheckExitCodes(t *testing.T) {
	clean := cliTree(t, map[string]string{"incidents/a.md": cliClean})
	warn := cliTree(t, map[string]string{"incidents/a.md": cliClean, "incidents/b.md": cliWarnings})
	broken := cliTree(t, map[string]string{"incidents/a.md": cliClean, "incidents/c.md": cliBroken})
	for _, c := range []struct {
		name string
		args []string
		code int
	}{
		{"clean", []string{"--source", clean}, exitOK},
		{"clean strict", []string{"--source", clean, "--strict"}, exitOK},
		{"warnings", []string{"--source", warn}, exitOK},
		{"warnings strict", []string{"--source", warn, "--strict"}, exitContent},
		{"warnings only in a draft, drafts left out", []string{"--source", warn, "--strict", "--drafts=false"}, exitOK},
		{"errors", []string{"--source", broken}, exitContent},
		{"errors json", []string{"--source", broken, "--format", "json"}, exitContent},
		{"missing source", []string{"--source", filepath.Join(clean, "nope")}, exitUsage},
		{"bad format", []string{"--source", clean, "--format", "xml"}, exitUsage},
		{"bad flag", []string{"--source", clean, "--pedantic"}, exitUsage},
		{"stray argument", []string{"--source", clean, "incidents"}, exitUsage},
		{"help", []string{"-h"}, exitOK},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := cliRun(t, append([]string{"check"}, c.args...)...)
			if code != c.code {
				t.Errorf("exit %d, want %d\n%s%s", code, c.code, out, errOut)
			}
		})
	}
}

func TestCheckTextOutput(t *testing.T) {
	dir := cliTree(t, map[string]string{"incidents/a.md": cliClean, "incidents/b.md": cliWarnings, "incidents/c.md": cliBroken})
	_, out, _ := cliRun(t, "check", "--source", dir)
	want := []string{
		`incidents/b.md:4:13: warning: blameless/counterfactual: "should have noticed": `,
		`incidents/b.md:7:8: warning: blameless/minimiser: "simply": `,
		`incidents/c.md:4:11: error: schema: severity: unknown value "SEV9" (configured: SEV1, SEV2, SEV3, SEV4)`,
		`1 error, 2 warnings in 3 files`,
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != len(want) {
		t.Fatalf("got:\n%s", out)
	}
	for i := range want {
		if !strings.HasPrefix(lines[i], want[i]) {
			t.Errorf("line %d:\n got %s\nwant %s…", i+1, lines[i], want[i])
		}
	}
}

// TestCheckJSON: --format json prints only a JSON array of the findings, the same ones as the text format.
func TestCheckJSON(t *testing.T) {
	dir := cliTree(t, map[string]string{"incidents/a.md": cliClean, "incidents/b.md": cliWarnings, "incidents/c.md": cliBroken})
	_, text, _ := cliRun(t, "check", "--source", dir)
	_, out, _ := cliRun(t, "check", "--source", dir, "--format", "json")
	var got []generator.Diagnostic
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("%v in\n%s", err, out)
	}
	if dec.More() {
		t.Error("more than one JSON value on stdout")
	}
	var fromJSON []string
	for _, d := range got {
		fromJSON = append(fromJSON, d.String())
	}
	textLines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if strings.Join(fromJSON, "\n") != strings.Join(textLines[:len(textLines)-1], "\n") {
		t.Errorf("json and text disagree:\n%s\n---\n%s", strings.Join(fromJSON, "\n"), text)
	}
	if got[0].Line != 4 || got[0].Col != 13 || got[0].Severity != generator.SeverityWarning || got[0].Rule != "blameless/counterfactual" {
		t.Errorf("first finding %+v", got[0])
	}

	clean := cliTree(t, map[string]string{"incidents/a.md": cliClean})
	if _, out, _ := cliRun(t, "check", "--source", clean, "--format", "json"); strings.TrimSpace(out) != "[]" {
		t.Errorf("no findings should print [], got %q", out)
	}
}

func TestCheckLintDisable(t *testing.T) {
	dir := cliTree(t, map[string]string{
		"secondstory.yaml": "lint:\n  disable: [counterfactual, minimiser]\n",
		"incidents/b.md":   cliWarnings,
	})
	code, out, _ := cliRun(t, "check", "--source", dir, "--strict")
	if code != exitOK || !strings.HasPrefix(out, "0 errors, 0 warnings in 2 files") {
		t.Errorf("exit %d:\n%s", code, out)
	}
}

// TestBuildCountsWarnings: build lists errors, but only counts warnings and points to check.
func TestBuildCountsWarnings(t *testing.T) {
	src := cliTree(t, map[string]string{"incidents/b.md": cliWarnings})
	out := filepath.Join(t.TempDir(), "public")
	code, _, errOut := cliRun(t, "build", "--source", src, "--out", out, "--drafts")
	if code != exitOK || errOut != "2 warnings: run secondstory check to list them\n" {
		t.Errorf("exit %d, stderr:\n%s", code, errOut)
	}
}

// TestNewThenCheckAndBuild: a fresh scaffold passes check with no findings at all, and builds with --drafts.
func TestNewThenCheckAndBuild(t *testing.T) {
	src := cliTree(t, map[string]string{"secondstory.yaml": "timezone: Europe/Berlin\n"})
	code, out, errOut := cliRun(t, "new", "--source", src, "--date", "2024-03-05", "Checkout", "latency:", "the", "long", "tail")
	want := filepath.Join(src, "incidents", "2024-03-05-checkout-latency-the-long-tail.md") + "\n"
	if code != exitOK || out != want || errOut != "" {
		t.Fatalf("exit %d, stdout %q (want %q), stderr %q", code, out, want, errOut)
	}
	if code, out, _ := cliRun(t, "check", "--source", src, "--strict"); code != exitOK || out != "0 errors, 0 warnings in 2 files\n" {
		t.Errorf("check on the scaffold: exit %d\n%s", code, out)
	}
	site := filepath.Join(t.TempDir(), "public")
	if code, _, errOut := cliRun(t, "build", "--source", src, "--out", site, "--drafts", "--quiet"); code != exitOK {
		t.Fatalf("build: exit %d\n%s", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(site, "incidents/2024-03-05-checkout-latency-the-long-tail/index.html")); err != nil {
		t.Error(err)
	}
	// Flags after the title work too.
	if code, out, _ := cliRun(t, "new", "--source", src, "Second", "one", "--date", "2024-03-06"); code != exitOK ||
		!strings.HasSuffix(out, "2024-03-06-second-one.md\n") {
		t.Errorf("flags after the title: exit %d, %q", code, out)
	}
}

func TestNewRefusesToOverwrite(t *testing.T) {
	existing := "---\ntitle: Mine\ndate: 2024-03-05\n---\nHours of careful writing.\n"
	src := cliTree(t, map[string]string{"incidents/2024-03-05-cache-flush.md": existing})
	code, out, errOut := cliRun(t, "new", "--source", src, "--date", "2024-03-05", "Cache flush")
	if code != exitUsage || out != "" || !strings.Contains(errOut, "already exists") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	data, err := os.ReadFile(filepath.Join(src, "incidents/2024-03-05-cache-flush.md"))
	if err != nil || string(data) != existing {
		t.Errorf("the existing file changed: %q %v", data, err)
	}
}

func TestNewCustomTemplate(t *testing.T) {
	src := cliTree(t, map[string]string{
		"templates/postmortem.md": "---\ntitle: {{quote .Title}}\ndate: {{.Date}}\nstatus: draft\n---\n## Our house sections\n",
	})
	code, out, errOut := cliRun(t, "new", "--source", src, "--date", "2024-03-05", "House style")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	data, _ := os.ReadFile(strings.TrimSpace(out))
	if want := "---\ntitle: \"House style\"\ndate: 2024-03-05\nstatus: draft\n---\n## Our house sections\n"; string(data) != want {
		t.Errorf("got %q, want %q", data, want)
	}
	// A broken template is a content error at its line, and nothing is written.
	src = cliTree(t, map[string]string{"templates/postmortem.md": "---\ntitle: {{.Title}\n"})
	code, _, errOut = cliRun(t, "new", "--source", src, "Broken")
	if code != exitContent || !strings.HasPrefix(errOut, "templates/postmortem.md:2: error: template: ") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}

func TestNewBadTitles(t *testing.T) {
	src := t.TempDir()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"?!… --- !!"}, `title "?!… --- !!" has no letters or digits`},
		{[]string{}, "a title is required"},
		{[]string{"--date", "yesterday", "X"}, `date "yesterday" is not a day`},
	} {
		code, out, errOut := cliRun(t, append([]string{"new", "--source", src}, c.args...)...)
		if code != exitUsage || out != "" || !strings.Contains(errOut, c.want) {
			t.Errorf("%q: exit %d, stdout %q, stderr %q", c.args, code, out, errOut)
		}
	}
	if entries, _ := os.ReadDir(src); len(entries) != 0 {
		t.Errorf("bad titles wrote %v", entries)
	}
}
