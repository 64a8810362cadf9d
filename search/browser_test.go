package search

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// These tests drive themes/default/static/search.js in headless Chromium
// against the real handlers. Without Chromium they skip, except in CI.

const searchJS = "../themes/default/static/search.js"

// The markup the generator emits (see themes/default/layouts), reduced to
// what search.js relies on.
const browserSearchPage = `<!doctype html><html lang="en" data-root="../"><head><meta charset="utf-8"><title>Search</title>
<script src="../assets/search.js" defer></script></head><body>
<header><form class="site-search" role="search" action="../search/"><input id="q" type="search" name="q"></form></header>
<main><h1>Search</h1>
<form class="hero-search" role="search" action="../search/"><input id="search-q" type="search" name="q"><button type="submit">Search</button></form>
<div id="search-app" data-root="../">` + ResultsMarker + `</div></main></body></html>`

const browserIncidentPage = `<!doctype html><html lang="en" data-root="../../"><head><meta charset="utf-8"><title>Incident</title>
<script src="../../assets/search.js" defer></script></head><body>
<header><form class="site-search" role="search" action="../../search/"><input id="q" type="search" name="q"></form></header>
<main><h1>An incident</h1></main></body></html>`

func chromium(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("chromium is not installed")
		}
		t.Skip("chromium is not installed")
	}
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancel(); cancelAlloc() })
	return ctx
}

// jsProblems collects uncaught exceptions and console errors.
func jsProblems(ctx context.Context) func() []string {
	var mu sync.Mutex
	var problems []string
	_ = chromedp.Listen(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch ev := ev.(type) {
		case *runtime.EventExceptionThrown:
			problems = append(problems, "exception: "+ev.ExceptionDetails.Text+exceptionDesc(ev.ExceptionDetails))
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError {
				problems = append(problems, "console.error")
			}
		}
	})
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), problems...)
	}
}

// browserDocs are the fixtures plus one whose title is an XSS attempt.
func browserDocs() []Document {
	return append(fixtureDocs(), Document{
		ID: "xss-title", URL: "incidents/xss-title/",
		Title:   `Zanzibar <img src=x onerror="window.__pwned=1">`,
		Summary: `Zanzibar summary <b onmouseover="window.__pwned=1">bold</b>`,
		Tags:    []string{`<i>tag</i>`}, Severity: "SEV4", Date: day("2018-01-01"),
	})
}

// browserSite serves a miniature site; with api false, /api/search is
// absent as on a static host.
func browserSite(t *testing.T, api bool) string {
	t.Helper()
	docs := browserDocs()
	dir := filepath.Join(t.TempDir(), "idx")
	mustBuild(t, dir, docs)
	ix, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	site := t.TempDir()
	if err := os.MkdirAll(filepath.Join(site, "search"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(site, "search", "index.html"), []byte(browserSearchPage), 0o644); err != nil {
		t.Fatal(err)
	}
	js, err := os.ReadFile(searchJS)
	if err != nil {
		t.Fatal(err)
	}
	var clientIndex bytes.Buffer
	if err := WriteClientIndex(&clientIndex, docs); err != nil {
		t.Fatal(err)
	}
	svc := NewService(ix)
	mux := http.NewServeMux()
	mux.HandleFunc("/assets/search.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		w.Write(js)
	})
	mux.HandleFunc("/search-index.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(clientIndex.Bytes())
	})
	mux.HandleFunc("/incidents/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(browserIncidentPage))
	})
	if api {
		mux.Handle("/api/search", APIHandler(svc))
		mux.Handle("/search/", PageHandler(svc, site))
	} else {
		mux.HandleFunc("/search/", func(w http.ResponseWriter, r *http.Request) {
			http.ServeFile(w, r, filepath.Join(site, "search", "index.html"))
		})
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

func run[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func waitJS(t *testing.T, ctx context.Context, cond string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](cond, chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		state, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href + "\n" + (document.getElementById("search-app") || document.body).innerText`))
		t.Fatalf("waiting for %s: %v\npage: %s", cond, err, state)
	}
}

func TestBrowserSearchPageWithAPI(t *testing.T) {
	ctx := chromium(t)
	problems := jsProblems(ctx)
	base := browserSite(t, true)

	run(t, ctx, chromedp.Navigate(base+"/search/?q=failover"))
	waitJS(t, ctx, `document.querySelectorAll(".ss-hit").length > 0 && document.getElementById("ss-mode").textContent !== ""`)
	if mode := run(t, ctx, chromedp.Text("#ss-mode")); mode != "Full-text search (server)" {
		t.Errorf("mode %q", mode)
	}
	if title := run(t, ctx, chromedp.Text(".ss-hit .ss-hit-title")); title != "Orders database failover stalled checkout" {
		t.Errorf("first hit %q", title)
	}
	if n := run(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll(".ss-fragment mark").length`)); n == 0 {
		t.Error("no <mark> in fragments")
	}
	if v := run(t, ctx, chromedp.Evaluate[string](`document.getElementById("search-q").value`)); v != "failover" {
		t.Errorf("page search box holds %q", v)
	}
	if n := run(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll("#search-app form").length`)); n != 0 {
		t.Errorf("app added %d forms although the page has its own", n)
	}

	// Typing updates the results and the URL.
	run(t, ctx, chromedp.Evaluate[chromedp.Void](`(function(){var i=document.getElementById("search-q"); i.value=""; i.focus();})()`))
	run(t, ctx, chromedp.SendKeys("#search-q", "kafka"))
	waitJS(t, ctx, `location.search === "?q=kafka" && document.querySelector(".ss-hit-title").textContent.indexOf("Kafka") === 0`)

	// A facet click filters, marks the facet active and is shareable.
	run(t, ctx, chromedp.Navigate(base+"/search/?q=outage"))
	waitJS(t, ctx, `document.querySelectorAll(".ss-hit").length === 2`)
	run(t, ctx, chromedp.Evaluate[chromedp.Void](`Array.from(document.querySelectorAll('.ss-facet-group[data-key="year"] .ss-facet')).find(a => a.firstChild.textContent.trim() === "2026").click()`))
	waitJS(t, ctx, `location.search === "?q=outage&year=2026" && document.querySelectorAll(".ss-hit").length === 1 && document.querySelector(".ss-facet-active") !== null`)
	// Back restores the unfiltered results.
	run(t, ctx, chromedp.NavigateBack())
	waitJS(t, ctx, `location.search === "?q=outage" && document.querySelectorAll(".ss-hit").length === 2`)

	// Markup in titles and stored text is shown as text, never run.
	run(t, ctx, chromedp.Navigate(base+"/search/?q=zanzibar"))
	waitJS(t, ctx, `document.querySelectorAll(".ss-hit").length === 1`)
	if title := run(t, ctx, chromedp.Text(".ss-hit-title")); !strings.Contains(title, `<img src=x`) {
		t.Errorf("title not shown as text: %q", title)
	}
	run(t, ctx, chromedp.Navigate(base+"/search/?q=script"))
	waitJS(t, ctx, `document.querySelectorAll(".ss-hit").length === 1`)
	if frag := run(t, ctx, chromedp.Text(".ss-fragment")); !strings.Contains(frag, "<script>alert('x')</script>") {
		t.Errorf("fragment text %q", frag)
	}
	if n := run(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll("#search-app img, #search-app script, #search-app b").length + (window.__pwned ? 100 : 0)`)); n != 0 {
		t.Errorf("injected markup became elements (%d)", n)
	}
	for _, p := range problems() {
		t.Errorf("browser: %s", p)
	}
}

func TestBrowserStaticFallback(t *testing.T) {
	ctx := chromium(t)
	problems := jsProblems(ctx)
	base := browserSite(t, false)

	run(t, ctx, chromedp.Navigate(base+"/search/?q=kafka"))
	waitJS(t, ctx, `document.querySelectorAll(".ss-hit").length > 0`)
	if mode := run(t, ctx, chromedp.Text("#ss-mode")); mode != "Simple search (static copy: titles, summaries and tags only)" {
		t.Errorf("mode %q", mode)
	}
	if title := run(t, ctx, chromedp.Text(".ss-hit-title")); title != "Kafka consumer lag delayed order emails" {
		t.Errorf("first hit %q", title)
	}
	// Title matches rank first; all words must appear.
	run(t, ctx, chromedp.Navigate(base+"/search/?q=outage"))
	waitJS(t, ctx, `document.querySelectorAll(".ss-hit").length === 2`)
	run(t, ctx, chromedp.Navigate(base+"/search/?q=outage+cloud"))
	waitJS(t, ctx, `document.querySelectorAll(".ss-hit").length === 1`)

	// Facets are computed in the browser and filter on click.
	run(t, ctx, chromedp.Navigate(base+"/search/"))
	waitJS(t, ctx, `document.querySelectorAll(".ss-hit").length === 10 && document.getElementById("ss-total").textContent.indexOf("13 results") === 0`)
	run(t, ctx, chromedp.Evaluate[chromedp.Void](`Array.from(document.querySelectorAll('.ss-facet-group[data-key="severity"] .ss-facet')).find(a => a.firstChild.textContent.trim() === "SEV1").click()`))
	waitJS(t, ctx, `location.search === "?severity=SEV1" && document.querySelectorAll(".ss-hit").length === 3`)
	// The severity facet still lists the other values (multi-select).
	if n := run(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('.ss-facet-group[data-key="severity"] .ss-facet').length`)); n != 4 {
		t.Errorf("severity facet has %d values under its own filter, want 4", n)
	}

	run(t, ctx, chromedp.Navigate(base+"/search/?q=zanzibar"))
	waitJS(t, ctx, `document.querySelectorAll(".ss-hit").length === 1`)
	if n := run(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll("#search-app img, #search-app b, #search-app i").length + (window.__pwned ? 100 : 0)`)); n != 0 {
		t.Errorf("injected markup became elements (%d)", n)
	}
	if n := run(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll(".ss-fragment mark").length`)); n == 0 {
		t.Error("static mode does not mark matches in summaries")
	}
	for _, p := range problems() {
		// The API probe's 404 is expected; only script errors count.
		if strings.HasPrefix(p, "exception") {
			t.Errorf("browser: %s", p)
		}
	}
}

func TestBrowserHeaderDropdown(t *testing.T) {
	ctx := chromium(t)
	problems := jsProblems(ctx)
	base := browserSite(t, true)

	run(t, ctx, chromedp.Navigate(base+"/incidents/some-incident/"))
	run(t, ctx, chromedp.WaitVisible("#q"))
	run(t, ctx, chromedp.SendKeys("#q", "outage"))
	waitJS(t, ctx, `(function(){var d=document.getElementById("ss-dropdown"); return d && !d.hidden && d.querySelectorAll("a.ss-hit-title").length === 2;})()`)
	href := run(t, ctx, chromedp.Evaluate[string](`document.querySelector("#ss-dropdown a.ss-hit-title").getAttribute("href")`))
	if !strings.HasPrefix(href, "../../incidents/") {
		t.Errorf("dropdown link %q is not relative to the site root", href)
	}
	// Escape closes it (Chromium also clears a search box on Escape).
	run(t, ctx, chromedp.SendKeys("#q", "\x1b"))
	waitJS(t, ctx, `document.getElementById("ss-dropdown").hidden`)
	// Enter submits to the search page.
	run(t, ctx, chromedp.SetValue("#q", "outage"))
	if _, err := chromedp.Run(ctx, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.SendKeys("#q", "\r"))); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, `location.pathname === "/search/" && location.search === "?q=outage" && document.querySelectorAll(".ss-hit").length === 2`)
	for _, p := range problems() {
		t.Errorf("browser: %s", p)
	}
}

func exceptionDesc(d *runtime.ExceptionDetails) string {
	if d.Exception != nil {
		return " " + d.Exception.Description
	}
	return ""
}
