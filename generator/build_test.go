package generator

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
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// buildFixture builds testdata/kb (or dir) into a fresh temporary output folder.
func buildFixture(t *testing.T, dir string, opts Options) (string, *Result) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "public")
	opts.Source, opts.Out = dir, out
	if opts.Now.IsZero() {
		opts.Now = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	res, err := Build(opts)
	if err != nil {
		t.Fatalf("build %s: %v", dir, err)
	}
	return out, res
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestGolden pins the rendered HTML of a few representative pages; refresh with `go test ./generator -update`.
func TestGolden(t *testing.T) {
	out, _ := buildFixture(t, "testdata/kb", Options{})
	for _, page := range []string{"incidents/db-failover/index.html", "factors/config-drift/index.html", "incidents/index.html", "index.html"} {
		got := readFile(t, filepath.Join(out, page))
		golden := filepath.Join("testdata/golden", strings.ReplaceAll(page, "/", "_"))
		if *update {
			if err := os.MkdirAll("testdata/golden", 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want := readFile(t, golden)
		if got != want {
			t.Errorf("%s differs from %s (run go test ./generator -update and review the diff)", page, golden)
		}
	}
}

func TestIncidentPage(t *testing.T) {
	out, res := buildFixture(t, "testdata/kb", Options{})
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
		t.Errorf("listed %d incidents, want 3 (the draft is hidden)", len(res.Site.Incidents))
	}
	if _, err := os.Stat(filepath.Join(out, "incidents/draft-one")); err == nil {
		t.Error("draft was published without --drafts")
	}
	if _, err := os.Stat(filepath.Join(out, "incidents/bundle-db/topology.svg")); err != nil {
		t.Errorf("bundle asset not copied next to its page: %v", err)
	}
	back := readFile(t, filepath.Join(out, "incidents/cache-stampede/index.html"))
	if !strings.Contains(back, "<h2>Referenced by</h2>") || !strings.Contains(back, `href="../../incidents/db-failover/"`) {
		t.Error("cache-stampede does not show its backlink from db-failover")
	}
}

func TestDraftsFlag(t *testing.T) {
	out, res := buildFixture(t, "testdata/kb", Options{Drafts: true})
	if len(res.Site.Incidents) != 4 {
		t.Errorf("listed %d incidents with --drafts, want 4", len(res.Site.Incidents))
	}
	if !strings.Contains(readFile(t, filepath.Join(out, "incidents/draft-one/index.html")), `status-draft`) {
		t.Error("draft page does not say it is a draft")
	}
}

func TestUnsafeHTMLOptIn(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"secondstory.yaml": "unsafe_html: true\n",
		"incidents/x.md":   "---\ntitle: X\ndate: 2024-01-01\n---\n<b>bold</b>\n",
	})
	out, _ := buildFixture(t, dir, Options{})
	if !strings.Contains(readFile(t, filepath.Join(out, "incidents/x/index.html")), "<b>bold</b>") {
		t.Error("unsafe_html: true did not let raw HTML through")
	}
}

func TestFactorNormalisation(t *testing.T) {
	_, res := buildFixture(t, "testdata/kb", Options{})
	f := res.Site.FactorTerm("config-drift")
	if f == nil {
		t.Fatal("no config-drift factor")
	}
	if f.Name != "Config drift" || len(f.Incidents) != 3 {
		t.Errorf("config-drift: name %q with %d incidents, want \"Config drift\" with 3 (Config drift, config drift, Config-Drift)", f.Name, len(f.Incidents))
	}
	if len(res.Site.Factors) != 3 {
		var names []string
		for _, f := range res.Site.Factors {
			names = append(names, f.Name)
		}
		t.Errorf("factors %v, want 3", names)
	}
}

func TestFeedSitemapAndJSON(t *testing.T) {
	out, _ := buildFixture(t, "testdata/kb", Options{BaseURL: "https://kb.example.internal/pm"})
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
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"secondstory.yaml": "fields: {started_at: [start_time], resolved_at: [end_time], tags: [keywords], contributing_factors: [categories]}\n",
		"content/post.md":  "---\ntitle: Hugo post\ndate: 2021-05-01T10:00:00+02:00\ntags: [hugo]\ndraft: false\n---\nHello.\n",
		"content/draft.md": "---\ntitle: Hugo draft\ndate: 2021-05-02\ndraft: true\n---\n",
		"other/x.md":       "---\ntitle: Other\nstart_time: 2022-01-01T10:00:00Z\nend_time: 2022-01-01T11:30:00Z\nkeywords: [dns]\ncategories: [Clock skew]\n---\n",
	})
	out, res := buildFixture(t, dir, Options{})
	if len(res.Site.Incidents) != 2 {
		t.Fatalf("listed %d incidents, want 2", len(res.Site.Incidents))
	}
	x := res.Site.Incident("x")
	if x == nil || x.Duration() != 90*time.Minute || len(x.Tags) != 1 || len(x.Factors) != 1 {
		t.Errorf("aliased fields not mapped: %+v", x)
	}
	if _, err := os.Stat(filepath.Join(out, "tags/hugo/index.html")); err != nil {
		t.Error(err)
	}
}

// TestContentErrors runs the cases in testdata/errors: each txtar holds a knowledge base and the exact diagnostics
// the build must report, all of them at once, with nothing written.
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
			dir := t.TempDir()
			var want string
			tree := map[string]string{}
			for _, f := range ar.Files {
				if f.Name == "want" {
					want = string(f.Data)
					continue
				}
				tree[f.Name] = string(f.Data)
			}
			writeTree(t, dir, tree)
			out := filepath.Join(t.TempDir(), "public")
			res, err := Build(Options{Source: dir, Out: out})
			var ce *ContentError
			if !errors.As(err, &ce) {
				t.Fatalf("want a content error, got %v", err)
			}
			var got strings.Builder
			for _, d := range res.Diagnostics {
				got.WriteString(d.String() + "\n")
			}
			if got.String() != want {
				t.Errorf("diagnostics:\n%s\nwant:\n%s", got.String(), want)
			}
			if _, err := os.Stat(out); err == nil {
				t.Error("a failed build wrote an output folder")
			}
		})
	}
}

func TestFailedBuildKeepsPreviousSite(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"incidents/x.md": "---\ntitle: Good\ndate: 2024-01-01\n---\nGood body.\n"})
	out := filepath.Join(t.TempDir(), "public")
	if _, err := Build(Options{Source: dir, Out: out}); err != nil {
		t.Fatal(err)
	}
	before := readFile(t, filepath.Join(out, "incidents/x/index.html"))
	writeTree(t, dir, map[string]string{"incidents/x.md": "---\ntitle: Broken\ndate: 2024-01-01\n"})
	if _, err := Build(Options{Source: dir, Out: out}); err == nil {
		t.Fatal("broken content built")
	}
	if after := readFile(t, filepath.Join(out, "incidents/x/index.html")); after != before {
		t.Error("the failed build changed the previous site")
	}
	entries, _ := os.ReadDir(filepath.Dir(out))
	if len(entries) != 3 { // public, public.bleve and .public.cache: no temporary folders
		t.Errorf("leftovers beside the output folder: %v", entries)
	}
	// A successful rebuild replaces it, and removes pages whose source is gone.
	writeTree(t, dir, map[string]string{"incidents/x.md": "---\ntitle: Fixed\ndate: 2024-01-01\n---\n", "incidents/y.md": "---\ntitle: Y\ndate: 2024-01-02\n---\n"})
	if _, err := Build(Options{Source: dir, Out: out}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(readFile(t, filepath.Join(out, "incidents/x/index.html")), "Fixed") {
		t.Error("rebuild did not replace the page")
	}
}

func TestRefusesOutputItDidNotCreate(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"incidents/x.md": "---\ntitle: X\ndate: 2024-01-01\n---\n"})
	foreign := filepath.Join(t.TempDir(), "docs")
	writeTree(t, foreign, map[string]string{"precious.txt": "keep me"})
	cases := map[string]string{
		"foreign folder":      foreign,
		"the source":          dir,
		"a parent of source":  filepath.Dir(dir),
		"a file":              filepath.Join(foreign, "precious.txt"),
		"root of file system": "/",
	}
	for name, out := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Build(Options{Source: dir, Out: out})
			var ee *EnvError
			if !errors.As(err, &ee) || !strings.Contains(err.Error(), "refusing") {
				t.Fatalf("want a refusal, got %v", err)
			}
		})
	}
	if readFile(t, filepath.Join(foreign, "precious.txt")) != "keep me" {
		t.Error("a foreign file was touched")
	}
	if _, err := os.Stat(filepath.Join(dir, "incidents/x.md")); err != nil {
		t.Error("source was touched")
	}
}

// TestOutputInsideSource builds with the defaults' shape (out inside source): the output is never read as content.
func TestOutputInsideSource(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"incidents/x.md": "---\ntitle: X\ndate: 2024-01-01\n---\n", "README.md": "# Not a postmortem\n"})
	for i := range 2 {
		res, err := Build(Options{Source: dir, Out: filepath.Join(dir, "public")})
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

func TestSampleContentBuilds(t *testing.T) {
	out, res := buildFixture(t, "../content", Options{})
	if n := len(res.Site.Incidents); n < 15 {
		t.Errorf("sample content has %d published incidents, want at least 15", n)
	}
	if res.Diagnostics.Errors() != 0 {
		t.Errorf("sample content has errors: %v", res.Diagnostics)
	}
	if _, err := os.Stat(filepath.Join(out, "factors/config-drift/index.html")); err != nil {
		t.Error(err)
	}
}

func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestProgressLines(t *testing.T) {
	var progress strings.Builder
	buildFixture(t, "testdata/kb", Options{Progress: &progress})
	for _, stage := range []string{"load+parse", "graph", "render+write", "search index", "commit"} {
		if !strings.Contains(progress.String(), "  "+stage+" ") {
			t.Errorf("no progress line for %s in:\n%s", stage, progress.String())
		}
	}
	if !strings.Contains(progress.String(), "3 incidents,") {
		t.Errorf("progress lines carry no counts:\n%s", progress.String())
	}
}
