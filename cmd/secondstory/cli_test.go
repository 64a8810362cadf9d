package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/secondstory/secondstory/generator/diag"
)

// cliRun runs the CLI in-process and returns its exit code and output.
func cliRun(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// quiet turns the shell checks off: the trees of these tests are small on purpose.
const quiet = "check:\n  disable: [empty-summary, no-timestamps, no-factors, no-action-items]\n"

func cliTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	if _, ok := files["secondstory.yaml"]; !ok {
		files["secondstory.yaml"] = quiet
	}
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

var countLine = regexp.MustCompile(`^(\d+) errors?, (\d+) warnings?, (\d+) infos? in (\d+) files?$`)

// TestCheckSampleContent: the sample knowledge base checks without errors; its warnings (if any) are listed in
// the test log, and the output ends with the count line.
func TestCheckSampleContent(t *testing.T) {
	code, out, errOut := cliRun(t, "check", "--source", "../../content")
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	m := countLine.FindStringSubmatch(lines[len(lines)-1])
	if m == nil || m[1] != "0" || len(m[4]) < 2 { // dozens of files: every incident and factor was read
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
	// The error first (the cause to fix), then the warnings; c.md's link to nowhere is not reported while c.md
	// itself is broken: the build never got to its body.
	want := []string{
		`incidents/c.md:4:11: error: schema: severity: unknown value "SEV9" (configured: SEV1, SEV2, SEV3, SEV4)`,
		`incidents/b.md:4:13: warning: blameless/counterfactual: "should have noticed": `,
		`incidents/b.md:7:8: warning: blameless/minimiser: "simply": `,
		`1 error, 2 warnings, 0 infos in 4 files`,
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
	var got []diag.Diagnostic
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
	if got[1].Line != 4 || got[1].Col != 13 || got[1].Severity != diag.Warning || got[1].Rule != "blameless/counterfactual" || got[1].Advice == "" {
		t.Errorf("second finding %+v", got[1])
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
	if code != exitOK || !strings.HasPrefix(out, "0 errors, 0 warnings, 0 infos in 2 files") {
		t.Errorf("exit %d:\n%s", code, out)
	}
}

// TestBuildCountsWarnings: build lists errors and the configuration's warnings (base_url), but only counts the
// content's warnings and points to check.
func TestBuildCountsWarnings(t *testing.T) {
	src := cliTree(t, map[string]string{"incidents/b.md": cliWarnings})
	out := filepath.Join(t.TempDir(), "public")
	code, _, errOut := cliRun(t, "build", "--source", src, "--out", out, "--drafts")
	if code != exitOK || !strings.HasPrefix(errOut, "secondstory.yaml: warning: config: base_url is not set") ||
		!strings.HasSuffix(errOut, "\n2 more warnings: run secondstory check to list them\n") {
		t.Errorf("exit %d, stderr:\n%s", code, errOut)
	}
}

// TestBuildQuietPrintsOnlyErrors: --quiet is what its help says: a build with warnings prints nothing at all.
func TestBuildQuietPrintsOnlyErrors(t *testing.T) {
	src := cliTree(t, map[string]string{"incidents/b.md": cliWarnings})
	out := filepath.Join(t.TempDir(), "public")
	if code, stdout, errOut := cliRun(t, "build", "--source", src, "--out", out, "--drafts", "--quiet"); code != exitOK || stdout != "" || errOut != "" {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, errOut)
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
	if code, out, _ := cliRun(t, "check", "--source", src, "--strict"); code != exitOK || out != "0 errors, 0 warnings, 0 infos in 2 files\n" {
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
	if err := os.WriteFile(filepath.Join(src, "secondstory.yaml"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
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
	if entries, _ := os.ReadDir(src); len(entries) != 1 {
		t.Errorf("bad titles wrote %v", entries)
	}
}

// TestNewFindsTheKnowledgeBase: without --source, new writes into the nearest folder with a secondstory.yaml, and
// refuses, naming --source, where there is none.
func TestNewFindsTheKnowledgeBase(t *testing.T) {
	kb := cliTree(t, map[string]string{"incidents/.keep": ""})
	sub := filepath.Join(kb, "incidents", "2024")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Chdir(sub)
	code, out, errOut := cliRun(t, "new", "--date", "2024-05-01", "Found it")
	if want := filepath.Join(kb, "incidents", "2024-05-01-found-it.md") + "\n"; code != exitOK || out != want {
		t.Fatalf("exit %d, stdout %q (want %q), stderr %q", code, out, want, errOut)
	}
	lost := t.TempDir()
	t.Chdir(lost)
	code, out, errOut = cliRun(t, "new", "Nowhere")
	if code != exitUsage || out != "" || !strings.Contains(errOut, "--source") {
		t.Errorf("outside a knowledge base: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if entries, _ := os.ReadDir(lost); len(entries) != 0 {
		t.Errorf("new wrote %v outside a knowledge base", entries)
	}
}

// TestCheckSARIF: --format sarif is a SARIF 2.1.0 log with the fields code scanning requires, one result per
// finding, each rule described once.
func TestCheckSARIF(t *testing.T) {
	dir := cliTree(t, map[string]string{"incidents/b.md": cliWarnings, "incidents/c.md": cliBroken})
	code, out, _ := cliRun(t, "check", "--source", dir, "--format", "sarif")
	if code != exitContent {
		t.Errorf("exit %d", code)
	}
	var log struct {
		Version string `json:"version"`
		Schema  string `json:"$schema"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Name  string `json:"name"`
					Rules []struct {
						ID               string `json:"id"`
						ShortDescription struct {
							Text string `json:"text"`
						} `json:"shortDescription"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID  string `json:"ruleId"`
				Level   string `json:"level"`
				Message struct {
					Text string `json:"text"`
				} `json:"message"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct {
							URI string `json:"uri"`
						} `json:"artifactLocation"`
						Region *struct {
							StartLine   int `json:"startLine"`
							StartColumn int `json:"startColumn"`
						} `json:"region"`
					} `json:"physicalLocation"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(out), &log); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if log.Version != "2.1.0" || log.Schema == "" || len(log.Runs) != 1 || log.Runs[0].Tool.Driver.Name != "secondstory" {
		t.Fatalf("log header: %+v", log)
	}
	run := log.Runs[0]
	if len(run.Results) != 3 {
		t.Fatalf("%d results, want 3:\n%s", len(run.Results), out)
	}
	rules := map[string]bool{}
	for _, r := range run.Tool.Driver.Rules {
		if r.ID == "" || r.ShortDescription.Text == "" || rules[r.ID] {
			t.Errorf("rule %+v: empty or repeated", r)
		}
		rules[r.ID] = true
	}
	for _, r := range run.Results {
		loc := r.Locations[0].PhysicalLocation
		if !rules[r.RuleID] || r.Message.Text == "" || loc.ArtifactLocation.URI == "" || loc.Region == nil || loc.Region.StartLine < 1 {
			t.Errorf("result %+v", r)
		}
		if want := map[bool]string{true: "error", false: "warning"}[r.RuleID == "schema"]; r.Level != want {
			t.Errorf("%s: level %q, want %q", r.RuleID, r.Level, want)
		}
	}
}

// TestCheckGitHub: --format github prints workflow commands that annotate the lines.
func TestCheckGitHub(t *testing.T) {
	dir := cliTree(t, map[string]string{"incidents/b.md": cliWarnings, "incidents/c.md": cliBroken})
	_, out, _ := cliRun(t, "check", "--source", dir, "--format", "github")
	want := []string{
		"::error file=incidents/c.md,line=4,col=11,title=schema::severity: unknown value \"SEV9\"",
		"::warning file=incidents/b.md,line=4,col=13,title=blameless/counterfactual::\"should have noticed\": ",
		"::warning file=incidents/b.md,line=7,col=8,title=blameless/minimiser::\"simply\": ",
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

// TestHelpCheckRule: a short finding in check, the long advice on request.
func TestHelpCheckRule(t *testing.T) {
	code, out, _ := cliRun(t, "help", "check", "counterfactual")
	if code != exitOK || !strings.HasPrefix(out, "blameless/counterfactual: ") || len(out) < 200 {
		t.Errorf("exit %d:\n%s", code, out)
	}
	if code, _, errOut := cliRun(t, "help", "check", "nonsense"); code != exitUsage || !strings.Contains(errOut, "no rule") {
		t.Errorf("unknown rule: exit %d, %s", code, errOut)
	}
	dir := cliTree(t, map[string]string{"incidents/b.md": cliWarnings})
	_, short, _ := cliRun(t, "check", "--source", dir)
	_, verbose, _ := cliRun(t, "check", "--source", dir, "--verbose")
	for _, l := range strings.Split(short, "\n") {
		if len(l) > 160 {
			t.Errorf("a finding's line is %d characters: %s", len(l), l)
		}
	}
	if len(verbose) <= len(short) {
		t.Errorf("--verbose adds no advice:\n%s", verbose)
	}
}

// TestLintRulesVale: the rules exported as a Vale style, one YAML file per rule.
func TestLintRulesVale(t *testing.T) {
	dir := t.TempDir()
	if code, out, errOut := cliRun(t, "lint-rules", "--vale", dir); code != exitOK {
		t.Fatalf("exit %d: %s%s", code, out, errOut)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*", "*.yml"))
	if len(files) < 5 {
		t.Errorf("%d rule files in %s", len(files), dir)
	}
}

// TestImportCommand: import prints what it inferred for each file and where from, and exits 1 on a clash while
// importing the rest.
func TestImportCommand(t *testing.T) {
	src := cliTree(t, map[string]string{
		"reports/2024-02-01-cache-flush.md": "# Cache flush\n\nThe cache was flushed.\n\n## Action items\n\n- [ ] Guard the flush\n",
		"reports/queue.md":                  "# Queue stall on 3 March 2024\n",
	})
	kb := filepath.Join(t.TempDir(), "kb")
	code, out, errOut := cliRun(t, "import", filepath.Join(src, "reports"), "--into", kb)
	for _, want := range []string{
		"2024-02-01-cache-flush.md → " + filepath.Join(kb, "incidents", "2024-02-01-cache-flush.md"),
		"    date         2024-02-01 (the file name)\n",
		"    title        \"Cache flush\" (the first heading, line 1)\n",
		"    action_items 1 action item (the \"Action items\" section, line 5)\n",
		"    date         2024-03-03 (the title, line 1)\n",
		"    title        \"Queue stall\" (the first heading, line 1)\n",
		"2 files imported, 0 files already there, 0 errors\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if code != exitOK || errOut != "" {
		t.Errorf("exit %d, stderr %s", code, errOut)
	}
	if err := os.WriteFile(filepath.Join(kb, "incidents", "queue.md"), []byte("changed\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = cliRun(t, "import", "--into", kb, filepath.Join(src, "reports"))
	if code != exitContent || !strings.Contains(errOut, "queue.md: error: import: ") || !strings.Contains(out, "0 files imported, 1 file already there, 1 error") {
		t.Errorf("exit %d\n%s\n%s", code, out, errOut)
	}
	if code, _, _ := cliRun(t, "import", src); code != exitUsage {
		t.Errorf("without --into: exit %d", code)
	}
}

// TestCheckSuggestFactors: check --suggest-factors prints the proposals with their matched words (or JSON), and
// exits as check does.
func TestCheckSuggestFactors(t *testing.T) {
	src := cliTree(t, map[string]string{
		"factors/retry-storm.md": "---\ntitle: Retry storm\naliases: [thundering herd]\n---\nClients retry failed requests at once, without backoff or jitter, and the retries overload the service.\n",
		"incidents/2024-01-02-hooks.md": "# Webhooks overloaded\n\nEvery client retried at once without backoff; the retry storm kept the service down.\n\n" +
			"## What happened\n\nThe clients had no backoff.\n",
		"incidents/2024-01-03-named.md": "---\ntitle: Named\ndate: 2024-01-03\ncontributing_factors: [Retry storm]\n---\nRetries without backoff.\n",
	})
	code, out, _ := cliRun(t, "check", "--source", src, "--suggest-factors")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != exitOK || len(lines) != 3 || lines[0] != "incidents/2024-01-02-hooks.md: Webhooks overloaded" ||
		!regexp.MustCompile(`^    retry-storm\s+\d\.\d\d  retry storm, .*backoff`).MatchString(lines[1]) ||
		!strings.HasPrefix(lines[2], "suggestions for 1 of 1 postmortem that name no contributing factor; nothing was written") {
		t.Errorf("exit %d:\n%s", code, out)
	}
	code, out, _ = cliRun(t, "check", "--source", src, "--suggest-factors", "--format", "json")
	if code != exitOK || !strings.Contains(out, `"slug": "retry-storm"`) || !strings.Contains(out, `"source": "incidents/2024-01-02-hooks.md"`) {
		t.Errorf("json: exit %d\n%s", code, out)
	}
	if code, _, _ := cliRun(t, "check", "--source", src, "--suggest-factors", "--format", "sarif"); code != exitUsage {
		t.Errorf("sarif: exit %d", code)
	}
}

// TestCheckGitLab: --format gitlab is a Code Quality report: one issue per finding, positioned, with a stable
// fingerprint, errors "major", warnings "minor"; the exit code is check's.
func TestCheckGitLab(t *testing.T) {
	dir := cliTree(t, map[string]string{"incidents/b.md": cliWarnings, "incidents/c.md": cliBroken})
	code, out, _ := cliRun(t, "check", "--source", dir, "--format", "gitlab")
	var issues []struct {
		Description, CheckName, Fingerprint, Severity string
		Location                                      struct {
			Path  string
			Lines struct{ Begin int }
		}
	}
	if err := json.Unmarshal([]byte(strings.ReplaceAll(out, `"check_name"`, `"checkname"`)), &issues); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if code != exitContent || len(issues) != 3 || issues[0].CheckName != "schema" || issues[0].Severity != "major" ||
		issues[0].Location.Path != "incidents/c.md" || issues[0].Location.Lines.Begin != 4 || issues[1].Severity != "minor" ||
		len(issues[0].Fingerprint) != 32 || issues[0].Fingerprint == issues[1].Fingerprint {
		t.Errorf("exit %d: %+v", code, issues)
	}
	_, again, _ := cliRun(t, "check", "--source", dir, "--format", "gitlab")
	if again != out {
		t.Error("fingerprints change between runs")
	}
}
