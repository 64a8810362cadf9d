package search

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
)

func apiGet(t *testing.T, h http.Handler, method, target string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, target, nil))
	return rec
}

func TestAPIJSONShape(t *testing.T) {
	ix, _ := buildFixture(t)
	h := APIHandler(NewService(ix))
	rec := apiGet(t, h, http.MethodGet, "/api/search?q=failover&size=5")
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(rec.Body.Bytes(), &raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"total", "took_ms", "hits", "facets"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("missing key %q in %s", k, rec.Body)
		}
	}
	var hits []map[string]json.RawMessage
	if err := json.Unmarshal(raw["hits"], &hits); err != nil || len(hits) != 1 {
		t.Fatalf("hits: %v %s", err, raw["hits"])
	}
	for _, k := range []string{"url", "title", "date", "severity", "summary", "fragments", "score"} {
		if _, ok := hits[0][k]; !ok {
			t.Errorf("hit lacks %q", k)
		}
	}
	var res Result
	if err := json.Unmarshal(rec.Body.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	if res.Total != 1 || res.Hits[0].URL != "incidents/orders-db-failover/" || res.Hits[0].Date != "2024-03-12" || res.Hits[0].Severity != "SEV1" {
		t.Errorf("result %+v", res)
	}
	if !strings.Contains(strings.Join(res.Hits[0].Fragments, ""), "<mark>failover</mark>") {
		t.Errorf("fragments %q", res.Hits[0].Fragments)
	}
	for _, k := range []string{"factor", "tag", "service", "severity", "year"} {
		if len(res.Facets[k]) == 0 {
			t.Errorf("facet %s empty", k)
		}
	}

	// Filters come from repeated parameters.
	rec = apiGet(t, h, http.MethodGet, "/api/search?tag=kafka&tag=tls&year=2021")
	res = Result{}
	if err := json.Unmarshal(rec.Body.Bytes(), &res); err != nil || res.Total != 1 || res.Hits[0].URL != "incidents/cert-expiry/" {
		t.Errorf("filtered: %v %s", err, rec.Body)
	}

	// HEAD answers like GET without a body.
	rec = apiGet(t, h, http.MethodHead, "/api/search?q=failover")
	if rec.Code != http.StatusOK {
		t.Errorf("HEAD status %d", rec.Code)
	}
}

func TestAPIErrors(t *testing.T) {
	ix, _ := buildFixture(t)
	h := APIHandler(NewService(ix))
	bad := []string{
		"q=" + strings.Repeat("a", 1001),
		"size=101",
		"size=0",
		"size=ten",
		"page=0",
		"page=-3",
		"page=99999999999999999999",
		"q=" + url.QueryEscape("title:("),
		"q=" + url.QueryEscape(`"open`),
		"q=%zz",
		"tag=" + strings.Repeat("x", 201),
		"q=" + strings.Repeat("a", maxRawQuery),
	}
	for _, qs := range bad {
		rec := apiGet(t, h, http.MethodGet, "/api/search?"+qs)
		if rec.Code != http.StatusBadRequest {
			t.Errorf("%.60s: status %d, want 400", qs, rec.Code)
			continue
		}
		var body map[string]string
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body["error"] == "" {
			t.Errorf("%.60s: body %s", qs, rec.Body)
		}
	}
	for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodDelete} {
		rec := apiGet(t, h, m, "/api/search?q=x")
		if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != "GET, HEAD" {
			t.Errorf("%s: %d allow=%q", m, rec.Code, rec.Header().Get("Allow"))
		}
	}
	// The limits count characters, not encoded bytes.
	if rec := apiGet(t, h, http.MethodGet, "/api/search?q="+url.QueryEscape(strings.Repeat("😀", MaxQueryLen))); rec.Code != http.StatusOK {
		t.Errorf("1000 emoji: %d %s", rec.Code, rec.Body)
	}
	// Unknown parameters are ignored, not errors.
	if rec := apiGet(t, h, http.MethodGet, "/api/search?q=dns&utm_source=x"); rec.Code != http.StatusOK {
		t.Errorf("unknown parameter: %d", rec.Code)
	}
}

func TestAPIGarbageNeverFails(t *testing.T) {
	ix, _ := buildFixture(t)
	h := APIHandler(NewService(ix))
	nasty := []string{
		`"`, `(`, `)`, `()`, `+`, `-`, `+-`, `*`, `**`, `?`, `~`, `~2`, `^`, `^^`, `:`, `::`, `title:`, `:title`,
		`/`, `//`, `/[/`, `/(a+)+$/`, `/a{1000}/`, `a~9`, `a~-1`, `a^-1`, `a^1e309`, `\`, `\\`, `\"`,
		`date:>"nonsense"`, `date:<"2024-13-45"`, `duration:>abc`, `duration:>1e400`, `year:>=2020`,
		`foo:bar:baz`, `{`, `[1 TO 2]`, `!!!`, `&&`, `||`, `AND OR NOT`, `*:*`, `_id:x`, `_all:x`,
		`http://example.com/a?b=c`, `tag:"`, `title:"unterminated`, `"a" "b`, `<script>alert(1)</script>`,
		"\x00", "a\x00b", "\u202e", "😀", "日本語", strings.Repeat("(", 300), strings.Repeat("a*", 50),
		strings.Repeat("+a ", 70), `-*`, `+*`, `-a -b -c`, `tag:*`, `severity:/.*/`, `title:a*b?c`,
	}
	for _, q := range nasty {
		for _, extra := range []string{"", "&tag=%00", "&page=2&size=1"} {
			target := "/api/search?q=" + url.QueryEscape(q) + extra
			rec := apiGet(t, h, http.MethodGet, target)
			if rec.Code != http.StatusOK && rec.Code != http.StatusBadRequest {
				t.Errorf("q=%q%s: status %d %s", q, extra, rec.Code, rec.Body)
			}
			if !json.Valid(rec.Body.Bytes()) {
				t.Errorf("q=%q: invalid JSON %q", q, rec.Body)
			}
		}
	}
}

func TestAPIServiceUnavailable(t *testing.T) {
	h := APIHandler(NewService(nil))
	rec := apiGet(t, h, http.MethodGet, "/api/search?q=x")
	if rec.Code != http.StatusServiceUnavailable || !json.Valid(rec.Body.Bytes()) {
		t.Errorf("nil index: %d %s", rec.Code, rec.Body)
	}
}

func TestServiceSwapUnderLoad(t *testing.T) {
	docs := fixtureDocs()
	root := t.TempDir()
	build := func(name string, d []Document) *Index {
		dir := filepath.Join(root, name)
		mustBuild(t, dir, d)
		ix, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		return ix
	}
	svc := NewService(build("a", docs[:5]))
	h := APIHandler(svc)

	var wg sync.WaitGroup
	stop := make(chan struct{})
	failures := make(chan string, 100)
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				rec := apiGet(t, h, http.MethodGet, "/api/search?q=outage")
				if rec.Code != http.StatusOK {
					failures <- rec.Body.String()
					return
				}
			}
		}()
	}
	// Swap and close repeatedly while requests run: no request may fail.
	for i := 0; i < 5; i++ {
		next := build("b"+string(rune('0'+i)), docs[:6+i])
		old := svc.Swap(next)
		if err := old.Close(); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	close(failures)
	for f := range failures {
		t.Errorf("request failed during swap: %s", f)
	}
	defer svc.Index().Close()
	if n, _ := svc.Index().DocCount(); n != 10 {
		t.Errorf("current index has %d docs, want 10", n)
	}
}

const testPage = `<!doctype html><html data-root="../"><head><title>Search</title></head>
<body><main><h1>Search</h1><div id="search-app" data-root="../">` + ResultsMarker + `</div></main></body></html>`

func writeSite(t *testing.T) string {
	t.Helper()
	site := t.TempDir()
	if err := os.MkdirAll(filepath.Join(site, "search"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(site, "search", "index.html"), []byte(testPage), 0o644); err != nil {
		t.Fatal(err)
	}
	return site
}

func TestPageHandler(t *testing.T) {
	ix, _ := buildFixture(t)
	h := PageHandler(NewService(ix), writeSite(t))

	// No query: the static page, byte for byte.
	rec := apiGet(t, h, http.MethodGet, "/search/")
	if rec.Code != http.StatusOK || rec.Body.String() != testPage {
		t.Errorf("no query: %d %q", rec.Code, rec.Body)
	}

	rec = apiGet(t, h, http.MethodGet, "/search/?q=outage&tag=networking")
	body := rec.Body.String()
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d", rec.Code)
	}
	if strings.Contains(body, ResultsMarker) {
		t.Error("marker not replaced")
	}
	if !strings.HasPrefix(body, "<!doctype html>") || !strings.HasSuffix(body, "</html>") {
		t.Error("page shell lost")
	}
	for _, want := range []string{
		`class="ss-results"`, `class="ss-hit"`, `class="ss-hit-title" href="../incidents/eu-region-outage/"`,
		`Cloud region outage took down eu-west`, `class="ss-total"`, `2 results`,
		// "outage" is only in titles, so the summary stands in for fragments
		`<p class="ss-fragment">A provider networking failure in eu-west`,
		`class="ss-facets"`, `class="ss-facet ss-facet-active"`, `class="ss-mode"`, `class="ss-layout"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	// Facet links keep the query and the current filters.
	if !strings.Contains(body, `href="?q=outage&amp;severity=SEV1&amp;tag=networking"`) {
		t.Errorf("severity facet link does not keep q and tag:\n%s", body)
	}
	// The active tag's link removes it.
	if !strings.Contains(body, `href="?q=outage"`) {
		t.Errorf("active facet link does not toggle off")
	}
}

func TestPageHandlerEscapes(t *testing.T) {
	ix, _ := buildFixture(t)
	h := PageHandler(NewService(ix), writeSite(t))
	for _, tt := range []struct {
		q     string
		code  int
		block string
	}{
		// pasted markup is searched as words
		{`<script>alert(1)</script>`, http.StatusOK, `class="ss-total"`},
		{`script`, http.StatusOK, `class="ss-total"`},
		// an unterminated quote is a real syntax error; the page says so
		{`"><img src=x onerror=alert(1)>`, http.StatusBadRequest, `ss-error`},
	} {
		rec := apiGet(t, h, http.MethodGet, "/search/?q="+url.QueryEscape(tt.q))
		body := rec.Body.String()
		if strings.Contains(body, "<script") || strings.Contains(body, "<img") {
			t.Errorf("q=%q: unescaped markup in page:\n%s", tt.q, body)
		}
		if rec.Code != tt.code || !strings.Contains(body, tt.block) {
			t.Errorf("q=%q: status %d, want %d with %s", tt.q, rec.Code, tt.code, tt.block)
		}
		if tt.q != "script" && !strings.Contains(body, "&lt;") {
			t.Errorf("q=%q: query not echoed escaped", tt.q)
		}
	}
	// The <script> in the incident body comes back escaped in fragments.
	rec := apiGet(t, h, http.MethodGet, "/search/?q=script")
	if !strings.Contains(rec.Body.String(), "&lt;<mark>script</mark>&gt;") {
		t.Errorf("fragment not rendered: %s", rec.Body)
	}
}

func TestPageHandlerErrorsAndPaging(t *testing.T) {
	ix, _ := buildFixture(t)
	site := writeSite(t)
	h := PageHandler(NewService(ix), site)

	rec := apiGet(t, h, http.MethodGet, "/search/?q="+url.QueryEscape("title:("))
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), `ss-error`) {
		t.Errorf("bad query: %d %s", rec.Code, rec.Body)
	}
	if rec := apiGet(t, h, http.MethodPost, "/search/?q=x"); rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d", rec.Code)
	}
	if rec := apiGet(t, h, http.MethodGet, "/search/style.css"); rec.Code != http.StatusNotFound {
		t.Errorf("other path under /search/: %d", rec.Code)
	}
	if rec := apiGet(t, h, http.MethodGet, "/search/index.html?q=dns"); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `class="ss-hit"`) {
		t.Errorf("index.html path: %d", rec.Code)
	}

	// status:published matches all 12: 5 per page -> 3 pages.
	rec = apiGet(t, h, http.MethodGet, "/search/?q=status%3Apublished&size=5&page=2")
	body := rec.Body.String()
	if !strings.Contains(body, `class="ss-pager"`) || strings.Count(body, `class="ss-hit"`) != 5 {
		t.Fatalf("paging: %s", body)
	}
	for _, want := range []string{`href="?page=1&amp;q=status%3Apublished&amp;size=5"`, `<span aria-current="page">2</span>`, `href="?page=3&amp;q=status%3Apublished&amp;size=5"`} {
		if !strings.Contains(body, want) {
			t.Errorf("pager lacks %s", want)
		}
	}

	if err := os.Remove(filepath.Join(site, "search", "index.html")); err != nil {
		t.Fatal(err)
	}
	if rec := apiGet(t, h, http.MethodGet, "/search/?q=x"); rec.Code != http.StatusNotFound {
		t.Errorf("missing page: %d", rec.Code)
	}
}

func TestWriteClientIndex(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteClientIndex(&buf, fixtureDocs()); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "<script>") {
		t.Error("raw <script> in client index")
	}
	var ci struct {
		Version int `json:"version"`
		Docs    []struct {
			URL, Title, Date, Severity, Summary, Year string
			Tags, Factors, Services                   []string
		} `json:"docs"`
	}
	if err := json.Unmarshal(buf.Bytes(), &ci); err != nil {
		t.Fatal(err)
	}
	if ci.Version != 1 || len(ci.Docs) != 12 {
		t.Fatalf("version %d, %d docs", ci.Version, len(ci.Docs))
	}
	d := ci.Docs[0]
	if d.URL != "incidents/eu-region-outage/" || d.Date != "2026-01-08" || d.Year != "2026" || d.Severity != "SEV1" ||
		len(d.Tags) != 2 || len(d.Factors) != 2 || len(d.Services) != 3 || d.Summary == "" {
		t.Errorf("first doc %+v", d)
	}
	for i := 1; i < len(ci.Docs); i++ {
		if ci.Docs[i-1].Date < ci.Docs[i].Date {
			t.Errorf("not newest first at %d", i)
		}
	}
	if strings.Contains(buf.String(), "Replication lag had grown") {
		t.Error("body text leaked into the client index")
	}
}

// WriteClientIndex keeps each entry's encoding between calls: after edits, the file must still be byte for byte
// what one json.Encoder writes for the whole index.
func TestWriteClientIndexMemo(t *testing.T) {
	reference := func(docs []Document) string {
		sorted := slices.Clone(docs)
		sort.SliceStable(sorted, func(i, j int) bool {
			if !sorted[i].Date.Equal(sorted[j].Date) {
				return sorted[i].Date.After(sorted[j].Date)
			}
			return sorted[i].ID < sorted[j].ID
		})
		out := clientIndex{Version: 1, Docs: []clientDoc{}}
		for _, d := range sorted {
			out.Docs = append(out.Docs, toClientDoc(d))
		}
		var b bytes.Buffer
		if err := json.NewEncoder(&b).Encode(out); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	docs := fixtureDocs()
	steps := []func(){
		func() {},
		func() { docs[3].Title += " <retitled> & more" },
		func() { docs[5].Tags = append(slices.Clone(docs[5].Tags), "new-tag") },
		func() { docs[0].Date = docs[0].Date.AddDate(-3, 0, 0) }, // moves in the order
		func() { docs = docs[1:] },
		func() { docs = nil },
	}
	sums := map[uint64]string{}
	for i, step := range steps {
		step()
		var b bytes.Buffer
		if err := WriteClientIndex(&b, docs); err != nil {
			t.Fatal(err)
		}
		if want := reference(docs); b.String() != want {
			t.Errorf("step %d:\n%s\nwant\n%s", i, b.String(), want)
		}
		// The checksum ClientIndex returns tells every step's file from the others, and is the same again for
		// the same documents.
		_, sum, err := ClientIndex(docs)
		if err != nil {
			t.Fatal(err)
		}
		if _, again, _ := ClientIndex(slices.Clone(docs)); again != sum || sum == 0 {
			t.Errorf("step %d: checksum %x, then %x", i, sum, again)
		}
		if prev, ok := sums[sum]; ok && prev != b.String() {
			t.Errorf("step %d: the checksum of another file", i)
		}
		sums[sum] = b.String()
	}
	if len(sums) != len(steps) { // every step's file differs from the others
		t.Errorf("%d checksums for %d files", len(sums), len(steps))
	}
}
