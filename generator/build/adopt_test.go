package build_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/secondstory/secondstory/generator/build"
	"github.com/secondstory/secondstory/generator/diag"
	"github.com/secondstory/secondstory/generator/internal/sitetest"
	"github.com/secondstory/secondstory/generator/postmortem"
	"github.com/secondstory/secondstory/search"
)

// adoptFixture is a collection of postmortems as teams keep them in git, in every shape of issue 18: no
// frontmatter, setext titles, dates in titles in each format, spaces in file names, templates, a decision record,
// YYYY/MM folders with a shared media folder, PDF exports. Its README says nothing a test needs.
const adoptFixture = "testdata/adopt"

// adoptPostmortems are the fixture's postmortems, each with the page it must become and what the page must say.
var adoptPostmortems = []struct{ source, slug, title, date string }{
	{"2019/04/2019-04-11-checkout-unavailable.md", "2019-04-11-checkout-unavailable", "Checkout unavailable", "2019-04-11"},
	{"2019/06/rollback.md", "rollback", "Rollback left two schema versions live", "2019-06-14"},
	{"2021-03-02-cache-outage.md", "2021-03-02-cache-outage", "2020-11-30 Cache outage", "2021-03-02"},
	{"2024/02/data-loss.md", "data-loss", "Data loss on upgrade", "2024-02-14"},
	{"decisions/0001-record-architecture-decisions.md", "0001-record-architecture-decisions", "1. Record architecture decisions", "2019-02-01"},
	{"exports/Object storage rejected writes.pdf", "object-storage-rejected-writes", "Object storage rejected writes", "2022-08-17"},
	{"exports/Q3 review.md", "q3-review", "Q3 incident review", "2023-10-05"},
	{"investigations/payments.md", "payments", "Payments API outage", "2024-10-02"},
	{"investigations/portal.md", "portal", "Portal outage", "2025-03-03"},
	{"reports/2021-09-30--billing-outage.md", "2021-09-30-billing-outage", "Billing outage", "2021-09-30"},
	{"reports/PM2022-014 - Queue consumer stall.md", "pm2022-014-queue-consumer-stall", "PM2022-014 - Queue consumer stall", "2022-05-05"},
	{"reports/dns-resolver-timeouts.md", "dns-resolver-timeouts", "DNS resolver timeouts", "2020-01-15"},
	{"retrospectives/2023-05-02-login is slow.md", "2023-05-02-login-is-slow", "Login is slow", "2023-05-02"},
	{"retrospectives/provider.md", "provider", "Retrospective: provider incident", "2021-06-08"},
}

// TestAdoptCollection builds the fixture as it is, with no configuration: every postmortem becomes a page with the
// title and date its file gives, the README, the templates and an attached PDF are left out and said so, images in
// the shared media folder are published, sections become structure.
func TestAdoptCollection(t *testing.T) {
	src := filepath.Join(sitetest.MemDir(t), "kb")
	sitetest.CopyTree(t, adoptFixture, src)
	var log strings.Builder
	out, res := buildFixture(t, src, build.Options{Log: &log})
	if n := res.Diagnostics.Errors(); n > 0 {
		t.Fatalf("%d errors: %v", n, res.Diagnostics)
	}
	bySource := map[string]bool{}
	for _, in := range res.Site.Incidents {
		bySource[in.Source] = true
		for _, want := range adoptPostmortems {
			if want.source == in.Source && (in.Slug != want.slug || in.Title != want.title || in.Date.Format(time.DateOnly) != want.date) {
				t.Errorf("%s: slug %q, title %q, date %s; want %q, %q, %s", in.Source, in.Slug, in.Title, in.Date.Format(time.DateOnly), want.slug, want.title, want.date)
			}
		}
	}
	built := 0
	for _, want := range adoptPostmortems {
		if bySource[want.source] {
			built++
		} else {
			t.Errorf("%s was not built", want.source)
		}
		if _, err := os.Stat(filepath.Join(out, "incidents", want.slug, "index.html")); err != nil {
			t.Errorf("no page for %s: %v", want.source, err)
		}
	}
	t.Logf("%d of %d fixture postmortems built unedited", built, len(adoptPostmortems))
	if len(res.Site.Incidents) != len(adoptPostmortems) {
		t.Errorf("%d incidents, want %d", len(res.Site.Incidents), len(adoptPostmortems))
	}

	var skipped []string
	for _, s := range res.Skipped {
		skipped = append(skipped, s.Path+": "+s.Why)
	}
	for _, want := range []string{"CONTRIBUTING.md: a repository document", "README.md: a repository document", "template.md: a template",
		"templates/PM-nnnn - Postmortem template.md: a template", "media/queue-consumer-runbook.pdf: a PDF a postmortem links to"} {
		if !slices.Contains(skipped, want) {
			t.Errorf("not left out: %s (left out: %v)", want, skipped)
		}
	}
	if !strings.Contains(log.String(), "left out 2 README/LICENSE-like files, 2 templates, 1 PDF linked from postmortems (attachments)") {
		t.Errorf("summary line: %s", log.String())
	}

	checkout := readFile(t, filepath.Join(out, "incidents/2019-04-11-checkout-unavailable/index.html"))
	for _, want := range []string{
		`src="../../files/media/checkout-latency.png"`, // ../../media/ from 2019/04/, copied and rewritten
		`<h1 id="title">Checkout unavailable</h1>`,
		`Customers could not complete a purchase for 38 minutes`, // the summary, from the lead paragraph
		`>SEV1<`, `Deploy of the gateway client with a 2 s timeout`, `Load-test the gateway client against production latencies`,
		`href="../../factors/config-drift/"`, `staging gateway answers in 200 ms`, // a factor of the catalogue, its description
		`Nobody owned the client library`, // an item that names no factor stays prose
	} {
		if !strings.Contains(checkout, want) {
			t.Errorf("the checkout page lacks %s", want)
		}
	}
	// The lead paragraph became the summary, shown at the top: the body does not repeat it.
	if main := checkout[strings.Index(checkout, "<main"):strings.Index(checkout, "</main>")]; strings.Count(main, "Customers could not complete a purchase for 38 minutes") != 1 {
		t.Errorf("the summary from the lead paragraph is on the page %d times", strings.Count(main, "Customers could not complete a purchase for 38 minutes"))
	}
	for _, want := range adoptPostmortems { // no start time was written: the page says nothing of one
		if page := readFile(t, filepath.Join(out, "incidents", want.slug, "index.html")); strings.Contains(page, "started .") {
			t.Errorf("%s: an empty start time is shown (\"started .\")", want.source)
		}
	}
	if strings.Count(checkout, "Checkout unavailable</h1>") != 1 || strings.Count(checkout, "Restore the 10 s timeout") != 1 {
		t.Error("the title heading or the action items are on the page twice (the body's and the structure's)")
	}
	for _, f := range []string{"files/media/checkout-latency.png", "files/media/queue-depth.png", "files/media/queue-consumer-runbook.pdf",
		"files/exports/Object storage rejected writes.pdf"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("%s is not published: %v", f, err)
		}
	}
	pdfPage := readFile(t, filepath.Join(out, "incidents/object-storage-rejected-writes/index.html"))
	if !strings.Contains(pdfPage, `href="../../files/exports/Object%20storage%20rejected%20writes.pdf"`) {
		t.Errorf("the PDF incident's page does not link to its PDF")
	}
	actions := readFile(t, filepath.Join(out, "actions/index.html"))
	for _, want := range []string{"Tune the lag alert", "Snapshot before every storage upgrade", "Pin the scheduler to UTC", "Status not stated"} {
		if !strings.Contains(actions, want) {
			t.Errorf("/actions/ lacks %q", want)
		}
	}
	factors := map[string][]string{}
	for _, in := range res.Site.Incidents {
		for _, f := range in.FactorTerms {
			factors[in.Slug] = append(factors[in.Slug], f.Slug)
		}
	}
	for slug, want := range map[string]string{"2019-04-11-checkout-unavailable": "config-drift", "payments": "config-drift",
		"provider": "capacity-limit", "pm2022-014-queue-consumer-stall": "alert-fatigue"} {
		if strings.Join(factors[slug], ",") != want {
			t.Errorf("%s: factors %v, want %s", slug, factors[slug], want)
		}
	}

	// The PDF's text is searchable.
	ix, err := search.Open(out + ".bleve")
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	hits, err := ix.Search(context.Background(), search.Request{Query: "quota alarm storage-node-7"})
	if err != nil || len(hits.Hits) == 0 || hits.Hits[0].URL != "incidents/object-storage-rejected-writes/" {
		t.Errorf("searching the PDF's text: %v %+v", err, hits)
	}
}

// TestAdoptCheckSaysWhatItInferred: check reports every inferred value as an info with its source, a conflict as a
// warning, and writes nothing.
func TestAdoptCheckSaysWhatItInferred(t *testing.T) {
	res, err := build.Check(build.Options{Source: adoptFixture})
	if err != nil {
		t.Fatal(err)
	}
	var infos, warnings []string
	for _, d := range res.Diagnostics {
		switch {
		case d.Severity == diag.Info && d.Rule == postmortem.RuleInfer:
			infos = append(infos, d.String())
		case d.Severity == diag.Warning && d.Rule == postmortem.RuleInfer:
			warnings = append(warnings, d.String())
		}
	}
	all := strings.Join(infos, "\n")
	for _, want := range []string{
		"2019/04/2019-04-11-checkout-unavailable.md: info: infer: date 2019-04-11 from the file name",
		`2019/04/2019-04-11-checkout-unavailable.md:1: info: infer: title "Checkout unavailable" from the first heading (line 1)`,
		`2019/04/2019-04-11-checkout-unavailable.md:24: info: infer: 3 action items from the "Action Items" section (line 24)`,
		`2019/06/rollback.md:1: info: infer: title "Rollback left two schema versions live" from the first heading (line 1)`,
		"2024/02/data-loss.md:1: info: infer: date 2024-02-14 from the title (line 1)",
		"reports/dns-resolver-timeouts.md:7: info: infer: date 2020-01-15 from the timeline (line 7)",
		`reports/PM2022-014 - Queue consumer stall.md: info: infer: title "PM2022-014 - Queue consumer stall" from the file name`,
		"exports/Object storage rejected writes.pdf: info: infer: date 2022-08-17 from the PDF's text",
		`retrospectives/2023-05-02-login is slow.md:7: info: infer: severity SEV3 from the body (line 7)`,
		`investigations/payments.md:7: info: infer: contributing factor "configuration drift" (config-drift)`,
	} {
		if !strings.Contains(all, want) {
			t.Errorf("no info %q in\n%s", want, all)
		}
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "2021-03-02-cache-outage.md:1: warning: infer: file name says 2021-03-02, title says 2020-11-30") {
		t.Errorf("conflict warnings: %v", warnings)
	}
	// A factor inferred from the body counts: no phantom "no contributing factors" beside it.
	for _, d := range res.Diagnostics {
		if d.Path == "investigations/payments.md" && d.Rule == "check/no-factors" {
			t.Errorf("phantom warning beside an inferred factor: %s", d)
		}
	}
}

// TestAdoptContentExclude: the config's content.exclude leaves the decision records out, and the summary says so.
func TestAdoptContentExclude(t *testing.T) {
	src := filepath.Join(sitetest.MemDir(t), "kb")
	sitetest.CopyTree(t, adoptFixture, src)
	sitetest.WriteTree(t, src, map[string]string{"secondstory.yaml": "base_url: https://incidents.example.internal/\ncontent:\n  exclude: [decisions]\n"})
	var log strings.Builder
	_, res := buildFixture(t, src, build.Options{Log: &log})
	for _, in := range res.Site.Incidents {
		if strings.HasPrefix(in.Source, "decisions/") {
			t.Errorf("%s is built", in.Source)
		}
	}
	if !slices.Contains(res.Skipped, source{"decisions/0001-record-architecture-decisions.md", "content.exclude decisions"}) {
		t.Errorf("skipped: %v", res.Skipped)
	}
	if !strings.Contains(log.String(), "1 files by content.include/exclude") || strings.Contains(log.String(), "warning") && res.Diagnostics.Warnings() == 0 {
		t.Errorf("summary line: %s", log.String())
	}
	for _, d := range res.Diagnostics {
		if strings.Contains(d.Message, "base_url") {
			t.Errorf("base_url is set, yet: %s", d)
		}
	}
}

// source is build.Result's Skip, for comparisons.
type source = struct{ Path, Why string }

// gitRepo makes a git work tree in dir with files committed on the day given (author and committer), one commit
// per call.
func gitCommit(t *testing.T, dir, when string, files map[string]string) {
	t.Helper()
	sitetest.WriteTree(t, dir, files)
	run := func(args ...string) {
		cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_DATE="+when, "GIT_COMMITTER_DATE="+when, "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
			"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com", "GIT_CONFIG_NOSYSTEM=1", "HOME="+dir)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, ".git")); err != nil {
		run("init", "-q")
	}
	run("add", "-A")
	run("commit", "-q", "-m", "postmortems of "+when)
}

// TestAdoptGitDates: a postmortem with no date anywhere takes the day of its file's first commit, from one git log
// per build; a file not yet committed says what to add; a shallow history is not used, and said so.
func TestAdoptGitDates(t *testing.T) {
	realGit, err := exec.LookPath("git")
	if err != nil {
		t.Skip("git is not installed")
	}
	repo := sitetest.MemDir(t)
	files := map[string]string{}
	for i := range 20 {
		files[fmt.Sprintf("postmortems/outage-%02d.md", i)] = fmt.Sprintf("# Outage %d\n\nNo date written anywhere.\n", i)
	}
	gitCommit(t, repo, "2021-06-08T22:30:00+00:00", files)
	gitCommit(t, repo, "2023-01-10T09:00:00+00:00", map[string]string{"postmortems/outage-00.md": "# Outage 0, edited\n\nStill no date.\n",
		"postmortems/later.md": "# A later one\n"})

	// A git that counts its calls, first on the PATH.
	bin := t.TempDir()
	count := filepath.Join(bin, "calls")
	script := "#!/bin/sh\necho x >> " + count + "\nexec " + realGit + " \"$@\"\n"
	if err := os.WriteFile(filepath.Join(bin, "git"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))

	src := filepath.Join(repo, "postmortems")
	_, res := buildFixture(t, src, build.Options{})
	if calls := strings.Count(sitetest.ReadFile(t, count), "x"); calls != 1 {
		t.Errorf("git ran %d times for 21 files, want once", calls)
	}
	dates := map[string]string{}
	for _, in := range res.Site.Incidents {
		dates[in.Source] = in.Date.Format(time.DateOnly)
	}
	if dates["outage-00.md"] != "2021-06-08" || dates["outage-19.md"] != "2021-06-08" || dates["later.md"] != "2023-01-10" {
		t.Errorf("dates: %v", dates)
	}
	if !slices.ContainsFunc(res.Diagnostics, func(d diag.Diagnostic) bool {
		return d.Path == "outage-03.md" && d.Message == "date 2021-06-08 from the file's first commit (git log)"
	}) {
		t.Errorf("no info for the commit date: %v", res.Diagnostics)
	}

	// Not committed yet: nothing to infer from, and the error says what to add.
	sitetest.WriteTree(t, src, map[string]string{"uncommitted.md": "# Uncommitted\n"})
	res, err = build.Check(build.Options{Source: src})
	var ce *diag.ContentError
	if !errors.As(err, &ce) || len(ce.List.Only(diag.Error)) != 1 || !strings.Contains(ce.Error(), "uncommitted.md:1: error: schema: date: none found") {
		t.Errorf("uncommitted: %v", err)
	}
	os.Remove(filepath.Join(src, "uncommitted.md"))

	// A shallow clone dates everything from its one commit: not used, with a warning.
	if err := os.WriteFile(filepath.Join(repo, ".git", "shallow"), []byte("0000000000000000000000000000000000000000\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	res, _ = build.Check(build.Options{Source: src})
	if !slices.ContainsFunc(res.Diagnostics, func(d diag.Diagnostic) bool { return strings.Contains(d.Message, "shallow") }) ||
		res.Diagnostics.Errors() != 21 {
		t.Errorf("shallow: %d errors, %v", res.Diagnostics.Errors(), res.Diagnostics.Only(diag.Warning))
	}
}

// TestSuggestFactors: check proposes catalogue factors for the postmortems that name none, by the words they share
// with a factor's name, aliases and description, and writes nothing.
func TestSuggestFactors(t *testing.T) {
	src := filepath.Join(sitetest.MemDir(t), "kb")
	sitetest.CopyTree(t, adoptFixture, src)
	before := sitetest.Tree(t, src)
	res, err := build.Check(build.Options{Source: src, SuggestFactors: true})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, s := range res.Suggestions {
		var l []string
		for _, f := range s.Factors {
			l = append(l, f.Slug+":"+strings.Join(f.Words, ","))
		}
		got[s.Source] = strings.Join(l, " ")
	}
	for src, want := range map[string]string{
		"exports/Object storage rejected writes.pdf": "config-drift:config drift,config,drift capacity-limit:quota,disk",
		"retrospectives/2023-05-02-login is slow.md": "capacity-limit:limit,connection",
	} {
		if got[src] != want {
			t.Errorf("%s: %q, want %q", src, got[src], want)
		}
	}
	for _, s := range res.Suggestions {
		if strings.Contains(s.Source, "checkout-unavailable") || strings.Contains(s.Source, "provider") {
			t.Errorf("a postmortem that names factors got suggestions: %s", s.Source)
		}
	}
	if d := sitetest.Diff(sitetest.Tree(t, src), before); len(d) > 0 {
		t.Errorf("check --suggest-factors changed the source: %v", d)
	}
}
