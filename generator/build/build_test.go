package build_test

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/txtar"
	"github.com/secondstory/secondstory/generator/build"
	"github.com/secondstory/secondstory/generator/diag"
	"github.com/secondstory/secondstory/generator/internal/sitetest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// buildFixture builds the knowledge base in dir into a fresh temporary output folder.
func buildFixture(t *testing.T, dir string, opts build.Options) (string, *build.Result) {
	t.Helper()
	out := filepath.Join(sitetest.MemDir(t), "public")
	opts.Source, opts.Out = dir, out
	if opts.Now.IsZero() {
		opts.Now = sitetest.Now
	}
	res, err := build.Build(opts)
	if err != nil {
		t.Fatalf("build %s: %v", dir, err)
	}
	return out, res
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	return sitetest.ReadFile(t, path)
}

// TestGolden pins the rendered HTML of a few representative pages; refresh with
// `go test ./generator/build -run TestGolden -update` and review the diff.
func TestGolden(t *testing.T) {
	out, _ := buildFixture(t, "testdata/kb", build.Options{})
	for _, page := range []string{"incidents/db-failover/index.html", "factors/config-drift/index.html", "incidents/index.html", "index.html"} {
		got := readFile(t, filepath.Join(out, page))
		golden := filepath.Join("testdata/golden", strings.ReplaceAll(page, "/", "_"))
		if *update {
			if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if want := readFile(t, golden); got != want {
			t.Errorf("%s differs from %s%s\n(run go test ./generator/build -run TestGolden -update and review the diff)", page, golden,
				sitetest.FirstDiff([]byte(got), []byte(want)))
		}
	}
}

func TestIncidentPage(t *testing.T) {
	out, res := buildFixture(t, "testdata/kb", build.Options{})
	html := readFile(t, filepath.Join(out, "incidents/db-failover/index.html"))
	for _, want := range []string{
		`Orders database failover &lt;script&gt;alert(1)&lt;/script&gt;`, // frontmatter is escaped
		`<h2 id="zeitachse-für-ausfälle">Zeitachse für Ausfälle</h2>`,    // heading ids keep non-ASCII letters
		`<!-- raw HTML omitted -->raw html`,                              // raw HTML is not emitted by default
		`<a href="">a trap</a>`,                                          // javascript: links are dropped
		`<a href="../../incidents/cache-stampede/" class="wikilink">Cache stampede after deploy</a>`,
		`<a href="../../incidents/cache-stampede/" class="wikilink">the stampede</a>`,
		`<a href="../../factors/config-drift/" class="wikilink">Config drift</a>`,
		`<a href="../../incidents/bundle-db/">the bundle</a>`, // relative .md links point to the page
		`<table>`, `<input checked="" disabled="" type="checkbox"`, `class="footnotes"`,
		`12 min</span><span class="figure-label">to detect`,
		`40 min</span><span class="figure-label">to mitigate`,
		`2 h</span><span class="figure-label">total duration`,
		`<time datetime="2023-03-14T10:00:00&#43;01:00">10:00</time>`, // site timezone
		`1 of 2 done`,
		`href="https://git.example.internal/kb/edit/incidents/2023/db-failover.md"`,
		`<h2>Similar incidents</h2>`, `<h2>Related incidents</h2>`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("incident page lacks %q", want)
		}
	}
	if strings.Contains(html, "<script>alert") || strings.Contains(html, "javascript:") {
		t.Error("incident page contains unescaped script")
	}
	if len(res.Site.Incidents) != 3 {
		t.Errorf("listed %d incidents, want 3 (the draft is left out)", len(res.Site.Incidents))
	}
	if _, err := os.Stat(filepath.Join(out, "incidents/bundle-db/topology.svg")); err != nil {
		t.Errorf("bundle asset not copied next to its page: %v", err)
	}
	// db-failover links to cache-stampede in its body and names it in related: it is listed once, as related
	// (both ways), not again under "Referenced by" nor as similar.
	back := readFile(t, filepath.Join(out, "incidents/cache-stampede/index.html"))
	if !strings.Contains(back, "<h2>Related incidents</h2>") || !strings.Contains(back, `href="../../incidents/db-failover/"`) ||
		strings.Contains(back, "<h2>Referenced by</h2>") {
		t.Error("cache-stampede does not list db-failover once, as related")
	}
}

// TestDrafts: a one-off build leaves drafts out and counts them; --drafts builds them, without the preview's
// banner; a Session (the live preview) builds them with the banner.
func TestDrafts(t *testing.T) {
	out, res := buildFixture(t, "testdata/kb", build.Options{})
	if res.Drafts != 1 || len(res.Site.Incidents) != 3 {
		t.Errorf("one-off build: %d drafts left out, %d incidents; want 1 and 3", res.Drafts, len(res.Site.Incidents))
	}
	if _, err := os.Stat(filepath.Join(out, "incidents/draft-one")); err == nil {
		t.Error("a draft was published without --drafts")
	}
	if strings.Contains(readFile(t, filepath.Join(out, "incidents.json")), "draft-one") {
		t.Error("incidents.json lists the draft")
	}

	out, res = buildFixture(t, "testdata/kb", build.Options{Drafts: true})
	if res.Drafts != 0 || len(res.Site.Incidents) != 4 {
		t.Errorf("--drafts: %d drafts left out, %d incidents; want 0 and 4", res.Drafts, len(res.Site.Incidents))
	}
	page := readFile(t, filepath.Join(out, "incidents/draft-one/index.html"))
	if !strings.Contains(page, `status-draft`) || strings.Contains(page, "draft-banner") {
		t.Error("--drafts: the draft's page does not say it is a draft, or carries the preview's banner")
	}

	out = filepath.Join(sitetest.MemDir(t), "public")
	s, err := build.NewSession(build.Options{Source: "testdata/kb", Out: out, Now: sitetest.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if res, err = s.Build(); err != nil {
		t.Fatal(err)
	}
	if res.Drafts != 0 || len(res.Site.Incidents) != 4 {
		t.Errorf("preview: %d drafts left out, %d incidents; want 0 and 4", res.Drafts, len(res.Site.Incidents))
	}
	if !strings.Contains(readFile(t, filepath.Join(out, "incidents/draft-one/index.html")), `class="draft-banner"`) {
		t.Error("preview: the draft's page has no draft banner")
	}
	if strings.Contains(readFile(t, filepath.Join(out, "incidents/db-failover/index.html")), `class="draft-banner"`) {
		t.Error("preview: a published page has the draft banner")
	}
}

func TestUnsafeHTMLOptIn(t *testing.T) {
	dir := sitetest.MemDir(t)
	sitetest.WriteTree(t, dir, map[string]string{
		"secondstory.yaml": "unsafe_html: true\n",
		"incidents/x.md":   "---\ntitle: X\ndate: 2024-01-01\n---\n<b>bold</b>\n",
	})
	out, _ := buildFixture(t, dir, build.Options{})
	if !strings.Contains(readFile(t, filepath.Join(out, "incidents/x/index.html")), "<b>bold</b>") {
		t.Error("unsafe_html: true did not let raw HTML through")
	}
}

func TestFeedSitemapAndJSON(t *testing.T) {
	out, _ := buildFixture(t, "testdata/kb", build.Options{BaseURL: "https://kb.example.internal/pm"})
	var feed struct {
		Title   string `xml:"title"`
		Entries []struct {
			Title string `xml:"title"`
			Link  struct {
				Href string `xml:"href,attr"`
			} `xml:"link"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal([]byte(readFile(t, filepath.Join(out, "feed.xml"))), &feed); err != nil {
		t.Fatalf("feed.xml does not parse: %v", err)
	}
	if feed.Title != "Test Library" || len(feed.Entries) != 3 || feed.Entries[0].Link.Href != "https://kb.example.internal/pm/incidents/cache-stampede/" {
		t.Errorf("feed: %+v", feed)
	}
	var sm struct {
		URLs []struct {
			Loc string `xml:"loc"`
		} `xml:"url"`
	}
	if err := xml.Unmarshal([]byte(readFile(t, filepath.Join(out, "sitemap.xml"))), &sm); err != nil || len(sm.URLs) < 10 {
		t.Errorf("sitemap: %v, %d urls", err, len(sm.URLs))
	}
	for _, u := range sm.URLs {
		if !strings.HasPrefix(u.Loc, "https://kb.example.internal/pm/") {
			t.Errorf("sitemap URL %s is not under the base URL", u.Loc)
		}
	}
	var list []map[string]any
	if err := json.Unmarshal([]byte(readFile(t, filepath.Join(out, "incidents.json"))), &list); err != nil {
		t.Fatal(err)
	}
	if len(list) != 3 || list[1]["slug"] != "db-failover" || list[1]["time_to_detect_minutes"] != 12.0 {
		t.Errorf("incidents.json: %v", list)
	}
}

// TestFieldAliases builds Hugo-style content and another schema mapped with `fields`.
func TestFieldAliases(t *testing.T) {
	dir := sitetest.MemDir(t)
	sitetest.WriteTree(t, dir, map[string]string{
		"secondstory.yaml": "fields: {started_at: [start_time], resolved_at: [end_time], tags: [keywords], contributing_factors: [categories]}\n",
		"content/post.md":  "---\ntitle: Hugo post\ndate: 2021-05-01T10:00:00+02:00\ntags: [hugo]\ndraft: false\n---\nHello.\n",
		"content/draft.md": "---\ntitle: Hugo draft\ndate: 2021-05-02\ndraft: true\n---\n",
		"other/x.md":       "---\ntitle: Other\nstart_time: 2022-01-01T10:00:00Z\nend_time: 2022-01-01T11:30:00Z\nkeywords: [dns]\ncategories: [Clock skew]\n---\n",
	})
	out, res := buildFixture(t, dir, build.Options{})
	if len(res.Site.Incidents) != 2 || res.Drafts != 1 {
		t.Fatalf("listed %d incidents and %d drafts, want 2 and 1", len(res.Site.Incidents), res.Drafts)
	}
	x := res.Site.Incident("x")
	if x == nil || x.Duration() != 90*time.Minute || len(x.Tags) != 1 || len(x.Factors) != 1 {
		t.Errorf("aliased fields not mapped: %+v", x)
	}
	if _, err := os.Stat(filepath.Join(out, "tags/hugo/index.html")); err != nil {
		t.Error(err)
	}
}

// TestContentErrors runs the cases in testdata/errors: each txtar holds a knowledge base and the exact errors the
// build must report, all of them at once, every one positioned, before any warning, with nothing written.
func TestContentErrors(t *testing.T) {
	files, _ := filepath.Glob("testdata/errors/*.txtar")
	if len(files) == 0 {
		t.Fatal("no cases")
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			ar, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			dir := sitetest.MemDir(t)
			var want string
			tree := map[string]string{}
			for _, f := range ar.Files {
				if f.Name == "want" {
					want = string(f.Data)
					continue
				}
				tree[f.Name] = string(f.Data)
			}
			sitetest.WriteTree(t, dir, tree)
			out := filepath.Join(sitetest.MemDir(t), "public")
			res, err := build.Build(build.Options{Source: dir, Out: out, Now: sitetest.Now})
			var ce *diag.ContentError
			if !errors.As(err, &ce) {
				t.Fatalf("want a content error, got %v", err)
			}
			// The errors, exactly; warnings (a shell's missing summary, …) may follow them.
			var got strings.Builder
			for _, d := range res.Diagnostics.Only(diag.Error) {
				got.WriteString(d.String() + "\n")
			}
			if got.String() != want {
				t.Errorf("errors:\n%s\nwant:\n%s", got.String(), want)
			}
			checkOrdered(t, res.Diagnostics)
			for _, d := range res.Diagnostics.Only(diag.Error) {
				if d.Path == "" || d.Line == 0 {
					t.Errorf("error without a position: %s", d)
				}
			}
			if ce.Error() == "" || len(ce.List.Only(diag.Error)) != res.Diagnostics.Errors() {
				t.Errorf("the ContentError does not carry every error: %v", ce)
			}
			if _, err := os.Stat(out); err == nil {
				t.Error("a failed build wrote an output folder")
			}
			// check reports the same errors and writes nothing either.
			cres, err := build.Check(build.Options{Source: dir})
			if !errors.As(err, &ce) || cres.Diagnostics.Errors() != res.Diagnostics.Errors() {
				t.Errorf("check: %v, %d errors; build: %d", err, cres.Diagnostics.Errors(), res.Diagnostics.Errors())
			}
		})
	}
}

// checkOrdered fails unless errors come first, then warnings, then infos, each by path and position.
func checkOrdered(t *testing.T, l diag.List) {
	t.Helper()
	rank := map[diag.Severity]int{diag.Error: 0, diag.Warning: 1, diag.Info: 2}
	for i := 1; i < len(l); i++ {
		a, b := l[i-1], l[i]
		if rank[a.Severity] > rank[b.Severity] ||
			a.Severity == b.Severity && (a.Path > b.Path || a.Path == b.Path && (a.Line > b.Line || a.Line == b.Line && a.Col > b.Col)) {
			t.Errorf("diagnostics out of order:\n  %s\n  %s", a, b)
		}
	}
}

// TestOneBadFileOneError: an invalid value in a file that other incidents link to (related and wiki links) is one
// error, at the value; the files that link to it get no phantom "no incident with slug" errors.
func TestOneBadFileOneError(t *testing.T) {
	dir := sitetest.MemDir(t)
	sitetest.WriteTree(t, dir, map[string]string{
		"incidents/bad.md":    "---\ntitle: Bad\ndate: 2024-01-01\nseverity: SEV9\n---\nBody.\n",
		"incidents/one.md":    "---\ntitle: One\ndate: 2024-01-02\nrelated: [bad]\n---\nSee [[bad]] and [[bad|the bad one]].\n",
		"incidents/two.md":    "---\ntitle: Two\ndate: 2024-01-03\n---\nSee [the bad one](bad.md).\n",
		"factors/a-factor.md": "---\ntitle: A factor\n---\nAs in [[bad]].\n",
	})
	res, err := build.Build(build.Options{Source: dir, Out: filepath.Join(sitetest.MemDir(t), "public"), Now: sitetest.Now})
	var ce *diag.ContentError
	if !errors.As(err, &ce) {
		t.Fatalf("want a content error, got %v", err)
	}
	errs := res.Diagnostics.Only(diag.Error)
	want := `incidents/bad.md:4:11: error: schema: severity: unknown value "SEV9" (configured: SEV1, SEV2, SEV3, SEV4)`
	if len(errs) != 1 || errs[0].String() != want {
		t.Errorf("errors:\n%s\nwant exactly:\n  %s", lines(errs), want)
	}
	// The session reports the same.
	s, err := build.NewSession(build.Options{Source: dir, Out: filepath.Join(sitetest.MemDir(t), "public"), Now: sitetest.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if res, err = s.Build(); !errors.As(err, &ce) || res.Diagnostics.Errors() != 1 {
		t.Errorf("session: %v", err)
	}
}

// TestFailedBuildKeepsPreviousSite: a build with content errors leaves the last site as it was, with nothing left
// beside it; the next good build replaces it and removes the pages of sources that are gone.
func TestFailedBuildKeepsPreviousSite(t *testing.T) {
	dir := sitetest.MemDir(t)
	sitetest.WriteTree(t, dir, map[string]string{"incidents/x.md": "---\ntitle: Good\ndate: 2024-01-01\n---\nGood body.\n"})
	out := filepath.Join(sitetest.MemDir(t), "public")
	opts := build.Options{Source: dir, Out: out, Now: sitetest.Now}
	if _, err := build.Build(opts); err != nil {
		t.Fatal(err)
	}
	before := sitetest.Tree(t, out)
	sitetest.WriteTree(t, dir, map[string]string{"incidents/x.md": "---\ntitle: Broken\ndate: 2024-01-01\n"})
	if _, err := build.Build(opts); err == nil {
		t.Fatal("broken content built")
	}
	if d := sitetest.Diff(sitetest.Tree(t, out), before); len(d) > 0 {
		t.Errorf("the failed build changed the previous site: %v", d)
	}
	entries, _ := os.ReadDir(filepath.Dir(out))
	for _, e := range entries {
		if n := e.Name(); strings.Contains(n, ".tmp-") || strings.Contains(n, ".staging") || strings.Contains(n, ".journal") {
			t.Errorf("leftover beside the output folder: %s", n)
		}
	}
	sitetest.WriteTree(t, dir, map[string]string{"incidents/x.md": "---\ntitle: Fixed\ndate: 2024-01-01\nslug: fixed\n---\n", "incidents/y.md": "---\ntitle: Y\ndate: 2024-01-02\n---\n"})
	if _, err := build.Build(opts); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(readFile(t, filepath.Join(out, "incidents/fixed/index.html")), "Fixed") {
		t.Error("rebuild did not write the page")
	}
	if _, err := os.Stat(filepath.Join(out, "incidents/x")); err == nil {
		t.Error("the page of the old slug is still there")
	}
}

// TestRefusesOutput: a build never replaces a folder it did not create, the source folder or a parent of it.
func TestRefusesOutput(t *testing.T) {
	dir := filepath.Join(sitetest.MemDir(t), "kb")
	sitetest.WriteTree(t, dir, map[string]string{"incidents/x.md": "---\ntitle: X\ndate: 2024-01-01\n---\n"})
	foreign := filepath.Join(sitetest.MemDir(t), "docs")
	sitetest.WriteTree(t, foreign, map[string]string{"precious.txt": "keep me"})
	cases := map[string]string{
		"a folder with foreign files": foreign,
		"the source":                  dir,
		"a parent of the source":      filepath.Dir(dir),
		"a file":                      filepath.Join(foreign, "precious.txt"),
		"the root of the file system": "/",
	}
	for name, out := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := build.Build(build.Options{Source: dir, Out: out, Now: sitetest.Now})
			var ee *diag.EnvError
			if !errors.As(err, &ee) || !strings.Contains(err.Error(), "refusing") {
				t.Fatalf("want a refusal, got %v", err)
			}
		})
	}
	if readFile(t, filepath.Join(foreign, "precious.txt")) != "keep me" {
		t.Error("a foreign file was touched")
	}
	if entries, _ := os.ReadDir(foreign); len(entries) != 1 {
		t.Errorf("the foreign folder has %d entries, want its one file", len(entries))
	}
	if got := sitetest.Tree(t, dir); len(got) != 1 {
		t.Errorf("the source folder changed: %v", got)
	}
}

// TestOutputInsideSource builds with the defaults' shape (--source . --out public): the output folder and the
// index beside it are never read as content, so a second build of unchanged content is up to date.
func TestOutputInsideSource(t *testing.T) {
	dir := sitetest.MemDir(t)
	sitetest.WriteTree(t, dir, map[string]string{"incidents/x.md": "---\ntitle: X\ndate: 2024-01-01\n---\n", "README.md": "# Not a postmortem\n"})
	for i := range 2 {
		res, err := build.Build(build.Options{Source: dir, Out: filepath.Join(dir, "public"), Now: sitetest.Now})
		if err != nil {
			t.Fatal(err)
		}
		if i == 1 {
			if !res.UpToDate {
				t.Error("the second build of unchanged content rebuilt: the output folder was read as content?")
			}
			continue
		}
		if len(res.Site.Incidents) != 1 {
			t.Fatalf("%d incidents", len(res.Site.Incidents))
		}
	}
}

// TestSecondWriterRefused: while a session (serve --watch) holds a site, a build of the same site is refused.
func TestSecondWriterRefused(t *testing.T) {
	out := filepath.Join(sitetest.MemDir(t), "public")
	s, err := build.NewSession(build.Options{Source: "testdata/kb", Out: out, Now: sitetest.Now})
	if err != nil {
		t.Fatal(err)
	}
	_, err = build.Build(build.Options{Source: "testdata/kb", Out: out, Now: sitetest.Now})
	var ee *diag.EnvError
	if !errors.As(err, &ee) || !strings.Contains(err.Error(), "another secondstory process") {
		t.Errorf("a second writer: %v, want a refusal", err)
	}
	if _, err := build.NewSession(build.Options{Source: "testdata/kb", Out: out}); !errors.As(err, &ee) {
		t.Errorf("a second session: %v, want a refusal", err)
	}
	s.Close()
	if _, err := build.Build(build.Options{Source: "testdata/kb", Out: out, Now: sitetest.Now}); err != nil {
		t.Errorf("after the session closed: %v", err)
	}
}

func TestSampleContentBuilds(t *testing.T) {
	out, res := buildFixture(t, sitetest.Sample(), build.Options{Now: sitetest.SampleNow})
	if n := len(res.Site.Incidents); n < 15 {
		t.Errorf("sample content has %d published incidents, want at least 15", n)
	}
	if res.Diagnostics.Errors() != 0 {
		t.Errorf("sample content has errors: %v", res.Diagnostics)
	}
	if _, err := os.Stat(filepath.Join(out, "factors/config-drift/index.html")); err != nil {
		t.Error(err)
	}
	if _, err := os.Stat(out + ".bleve"); err != nil {
		t.Errorf("no search index beside the site: %v", err)
	}
}

func TestProgressLines(t *testing.T) {
	var progress, log strings.Builder
	buildFixture(t, "testdata/kb", build.Options{Progress: &progress, Log: &log})
	for _, stage := range []string{"load+parse", "markdown+lint", "graph", "render+write", "search index", "commit"} {
		if !strings.Contains(progress.String(), "  "+stage+" ") {
			t.Errorf("no progress line for %s in:\n%s", stage, progress.String())
		}
	}
	if !strings.Contains(progress.String(), "3 incidents,") {
		t.Errorf("progress lines carry no counts:\n%s", progress.String())
	}
	if !strings.Contains(log.String(), "3 incidents") || !strings.Contains(log.String(), "left out 1 draft (--drafts builds them)") {
		t.Errorf("summary line: %q", log.String())
	}
}

// TestNonASCIIAndSpacedPaths: a term with letters outside ASCII and a linked file whose name has a space and an
// umlaut are published under their names as they are (what a web server looks for once it has decoded the URL),
// and linked with the URL-encoded form.
func TestNonASCIIAndSpacedPaths(t *testing.T) {
	dir := sitetest.MemDir(t)
	sitetest.WriteTree(t, dir, map[string]string{
		"incidents/x.md": "---\ntitle: X\ndate: 2024-01-01\ntags: [Zeitachse für Ausfälle]\ncontributing_factors: [Datenbank-Ausfall, Überlast]\n---\nSee [the report](<docs/Bericht über Ausfall.pdf>).\n",
		"incidents/docs/Bericht über Ausfall.pdf": "%PDF-1.4",
	})
	out, _ := buildFixture(t, dir, build.Options{})
	for _, f := range []string{"tags/zeitachse-für-ausfälle/index.html", "factors/überlast/index.html", "files/incidents/docs/Bericht über Ausfall.pdf"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("%s is not published under its name: %v", f, err)
		}
	}
	page := readFile(t, filepath.Join(out, "incidents/x/index.html"))
	for _, want := range []string{`href="../../tags/zeitachse-f%c3%bcr-ausf%c3%a4lle/"`, `href="../../files/incidents/docs/Bericht%20%C3%BCber%20Ausfall.pdf"`} {
		if !strings.Contains(page, want) {
			t.Errorf("incident page lacks %s", want)
		}
	}
	for f := range sitetest.Tree(t, out) {
		if strings.Contains(f, "%") {
			t.Errorf("a URL-encoded file name in the site: %s", f)
		}
	}
}
