package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	goruntime "runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/secondstory/secondstory/cmd/secondstory/server"
	"github.com/secondstory/secondstory/generator/build"
	"github.com/secondstory/secondstory/generator/diag"
	"github.com/secondstory/secondstory/generator/graph"
	"github.com/secondstory/secondstory/generator/postmortem"
	"github.com/secondstory/secondstory/search"
)

type reloadState = server.State

const (
	eventsPath = "/_secondstory/events"
	scriptPath = "/_secondstory/livereload.js"
)

// syncBuffer is an io.Writer the server goroutines and the test can share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// watchServer is `serve --watch` running in-process on a free loopback port.
type watchServer struct {
	addr, src, out string
	stdout, stderr syncBuffer
	stop           func() int // cancels, as Ctrl-C does, and returns the exit code
}

func startWatchServer(t testing.TB, src string) *watchServer {
	t.Helper()
	return startWatchServerWith(t, src, filepath.Join(t.TempDir(), "public"), 0)
}

// startWatchServerWith is startWatchServer with the output folder and the debounce given (0: the default).
func startWatchServerWith(t testing.TB, src, out string, debounce time.Duration) *watchServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &watchServer{addr: ln.Addr().String(), src: src, out: out}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		f := serveFlags{siteFlags: siteFlags{source: src, out: s.out}, debounce: debounce}
		done <- preview(ctx, ln, f, &s.stdout, &s.stderr)
	}()
	s.stop = sync.OnceValue(func() int {
		cancel()
		select {
		case code := <-done:
			return code
		case <-time.After(60 * time.Second):
			t.Error("serve --watch did not stop within 60s of the interrupt")
			return -1
		}
	})
	t.Cleanup(func() { s.stop() })
	return s
}

// stateStream is one open live-reload event stream, as a browser holds it.
type stateStream struct {
	states chan reloadState // closed when the server ends the stream
	cancel func()
	last   reloadState // the last state waitState returned
}

func (s *watchServer) events(t testing.TB, client *http.Client) *stateStream {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+s.addr+eventsPath, nil)
	resp, err := client.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("events: Content-Type %q", ct)
	}
	st := &stateStream{states: make(chan reloadState, 100), cancel: cancel}
	go func() {
		defer close(st.states)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				var rs reloadState
				if json.Unmarshal([]byte(data), &rs) == nil {
					st.states <- rs
				}
			}
		}
	}()
	t.Cleanup(cancel)
	return st
}

// waitState reads states until one satisfies ok.
func (st *stateStream) waitState(t testing.TB, what string, ok func(reloadState) bool) reloadState {
	t.Helper()
	timeout := time.After(60 * time.Second)
	for {
		select {
		case rs, open := <-st.states:
			if !open {
				t.Fatalf("event stream closed while waiting for %s", what)
			}
			if ok(rs) {
				st.last = rs
				return rs
			}
		case <-timeout:
			t.Fatalf("no state with %s within 60s", what)
		}
	}
}

func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func incidentMD(title string) string {
	return "---\ntitle: " + title + "\ndate: 2024-03-05\nseverity: SEV2\n---\nWhy each step made sense at the time.\n"
}

func newKB(t testing.TB) string {
	t.Helper()
	src := t.TempDir()
	writeFile(t, filepath.Join(src, "secondstory.yaml"), "title: Watch Library\n")
	writeFile(t, filepath.Join(src, "incidents/alpha.md"), incidentMD("Alpha outage"))
	writeFile(t, filepath.Join(src, "incidents/beta.md"), incidentMD("Beta outage"))
	return src
}

// TestWatchShutdown: an interrupt stops the server with exit 0, ends the open event streams (Shutdown would
// otherwise wait for them), and leaves no goroutine behind.
func TestWatchShutdown(t *testing.T) {
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	before := goruntime.NumGoroutine()
	s := startWatchServer(t, newKB(t))
	st := s.events(t, client)
	st.waitState(t, "the initial build", func(rs reloadState) bool { return rs.OK && rs.Gen == 1 })
	st2 := s.events(t, client)
	st2.waitState(t, "the current state on connect", func(rs reloadState) bool { return rs.Gen == 1 })

	start := time.Now()
	if code := s.stop(); code != exitOK {
		t.Errorf("exit code %d, want 0", code)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("shutdown took %s: the event streams held it up", d)
	}
	for _, stream := range []*stateStream{st, st2} {
		select {
		case _, open := <-stream.states:
			for open {
				_, open = <-stream.states
			}
		case <-time.After(10 * time.Second):
			t.Fatal("event stream still open after shutdown")
		}
	}
	if !strings.Contains(s.stdout.String(), "serving ") {
		t.Errorf("stdout: %s", s.stdout.String())
	}
	client.CloseIdleConnections()
	deadline := time.Now().Add(10 * time.Second)
	for goruntime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := goruntime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<20)
		t.Errorf("%d goroutines before, %d after shutdown:\n%s", before, n, buf[:goruntime.Stack(buf, true)])
	}
}

// TestWatchBusyPort: a port in use is a usage error (exit 2) with a clear message, before any build.
func TestWatchBusyPort(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var stdout, stderr bytes.Buffer
	code := run([]string{"serve", "--watch", "--source", newKB(t), "--out", filepath.Join(t.TempDir(), "public"), "--addr", ln.Addr().String()}, &stdout, &stderr)
	if code != exitUsage || !strings.Contains(stderr.String(), "cannot listen on "+ln.Addr().String()) {
		t.Errorf("exit %d, stderr %q; want 2 and a cannot-listen message", code, stderr.String())
	}
	if strings.Contains(stdout.String(), "build") {
		t.Errorf("built before finding the port busy: %s", stdout.String())
	}
}

// TestWatchUnsafeOutput: an output folder secondstory must not replace is an environment error a save cannot
// fix, so watch mode stops with exit 2 instead of serving errors forever.
func TestWatchUnsafeOutput(t *testing.T) {
	out := t.TempDir()
	writeFile(t, filepath.Join(out, "thesis.docx"), "not ours")
	var stdout, stderr syncBuffer
	code := run([]string{"serve", "--watch", "--source", newKB(t), "--out", out, "--addr", "127.0.0.1:0"}, &stdout, &stderr)
	if code != exitUsage || !strings.Contains(stderr.String(), "refusing to replace") {
		t.Errorf("exit %d, stderr %q; want 2 and a refusal", code, stderr.String())
	}
	if _, err := os.Stat(filepath.Join(out, "thesis.docx")); err != nil {
		t.Error("the foreign file is gone")
	}
}

// TestWatchStateAndPages follows one edit cycle through the event stream and the pages served: the stamp on the
// page, the rename map, the overlay errors, the recovery and the 404.
func TestWatchStateAndPages(t *testing.T) {
	src := newKB(t)
	s := startWatchServer(t, src)
	st := s.events(t, http.DefaultClient)
	st.waitState(t, "gen 1", func(rs reloadState) bool { return rs.OK && rs.Gen == 1 })
	status, body := fetch("http://" + s.addr + "/incidents/alpha/")
	if status != 200 || !strings.Contains(body, `<script src="/_secondstory/livereload.js" data-gen="1"></script></body>`) {
		t.Fatalf("page: %d, script not injected before </body>:\n%s", status, tail(body))
	}
	if b, _ := os.ReadFile(filepath.Join(s.out, "incidents/alpha/index.html")); bytes.Contains(b, []byte("_secondstory")) {
		t.Error("the built file contains the live-reload script")
	}
	if status, js := fetch("http://" + s.addr + scriptPath); status != 200 || !strings.Contains(js, "EventSource") {
		t.Errorf("script: %d", status)
	}

	if err := os.Rename(filepath.Join(src, "incidents/alpha.md"), filepath.Join(src, "incidents/alpha-renamed.md")); err != nil {
		t.Fatal(err)
	}
	rs := st.waitState(t, "gen 2", func(rs reloadState) bool { return rs.Gen == 2 })
	if want := map[string]string{"/incidents/alpha/": "/incidents/alpha-renamed/"}; !rs.OK || !reflect.DeepEqual(rs.Moved, want) {
		t.Errorf("state after rename: %+v, want moved %v", rs, want)
	}

	writeFile(t, filepath.Join(src, "incidents/beta.md"), "---\ntitle: Beta\ndate: 2024-03-05\nseverity: SEV9\n---\nx\n")
	rs = st.waitState(t, "the failed build", func(rs reloadState) bool { return !rs.OK })
	if rs.Gen != 2 || len(rs.Errors) != 1 || !strings.HasPrefix(rs.Errors[0], "incidents/beta.md:4:") || !strings.Contains(rs.Errors[0], "SEV9") {
		t.Errorf("failed state %+v", rs)
	}
	if _, body := fetch("http://" + s.addr + "/incidents/beta/"); !strings.Contains(body, "Beta outage") {
		t.Error("the last good page is not served while the source is broken")
	}
	// A page opened now learns of the errors on connect.
	late := s.events(t, http.DefaultClient)
	late.waitState(t, "errors on connect", func(rs reloadState) bool { return !rs.OK && len(rs.Errors) == 1 })

	writeFile(t, filepath.Join(src, "incidents/beta.md"), incidentMD("Beta, fixed"))
	st.waitState(t, "recovery", func(rs reloadState) bool { return rs.OK && rs.Gen == 3 })
	if _, body := fetch("http://" + s.addr + "/incidents/beta/"); !strings.Contains(body, "Beta, fixed") {
		t.Error("fixed page not served")
	}

	if err := os.Remove(filepath.Join(src, "incidents/beta.md")); err != nil {
		t.Fatal(err)
	}
	st.waitState(t, "gen 4", func(rs reloadState) bool { return rs.OK && rs.Gen == 4 })
	if status, body := fetch("http://" + s.addr + "/incidents/beta/"); status != 404 || !strings.Contains(body, "livereload.js") {
		t.Errorf("deleted incident: status %d (want 404 with the live-reload script)", status)
	}

	log := s.stdout.String()
	for _, want := range []string{"initial build: rendered", "changed incidents/alpha-renamed.md, incidents/alpha.md: rendered",
		"changed incidents/beta.md: build failed in", "1 error in incidents/beta.md (still serving the last good site)"} {
		if !strings.Contains(log, want) {
			t.Errorf("terminal log lacks %q:\n%s", want, log)
		}
	}
	if !strings.Contains(s.stderr.String(), "incidents/beta.md:4:") {
		t.Errorf("stderr lacks the diagnostic: %s", s.stderr.String())
	}
}

// searchURLs asks the server's /api/search for q and returns the URLs of the hits.
func (s *watchServer) searchURLs(t testing.TB, q string) []string {
	t.Helper()
	status, body := fetch("http://" + s.addr + "/api/search?q=" + q)
	if status != http.StatusOK {
		t.Fatalf("/api/search?q=%s: %d %s", q, status, body)
	}
	var res struct {
		Hits []struct {
			URL string `json:"url"`
		} `json:"hits"`
	}
	if err := json.Unmarshal([]byte(body), &res); err != nil {
		t.Fatalf("/api/search?q=%s: %v", q, err)
	}
	urls := []string{}
	for _, h := range res.Hits {
		urls = append(urls, h.URL)
	}
	slices.Sort(urls)
	return urls
}

// indexFolder returns the identity of the search index folder, which changes when an index is swapped in (a
// Build, or search.Sync updating a copy) and stays when the index is updated in place.
func (s *watchServer) indexFolder(t testing.TB) os.FileInfo {
	t.Helper()
	paths, _ := build.PathsFor(s.out)
	fi, err := os.Stat(paths.Index)
	if err != nil {
		t.Fatal(err)
	}
	return fi
}

func incidentWith(title, body string) string {
	return "---\ntitle: " + title + "\ndate: 2024-03-05\nseverity: SEV2\n---\n" + body + "\n"
}

// TestWatchSearch: the preview holds its search index open for writing and hands it the documents each save
// changed, so a save is searchable as soon as the browsers are told of the rebuild, and the index is updated in
// place (its folder is never copied and swapped), whether one document changed, several, or one was deleted.
func TestWatchSearch(t *testing.T) {
	src := newKB(t)
	writeFile(t, filepath.Join(src, "incidents/gamma.md"), incidentMD("Gamma outage"))
	// A long debounce, so that the two files saved together below make one rebuild.
	s := startWatchServerWith(t, src, filepath.Join(t.TempDir(), "public"), 400*time.Millisecond)
	st := s.events(t, http.DefaultClient)
	st.waitState(t, "gen 1", func(rs reloadState) bool { return rs.OK && rs.Gen == 1 })
	if got := s.searchURLs(t, "outage"); !slices.Equal(got, []string{"incidents/alpha/", "incidents/beta/", "incidents/gamma/"}) {
		t.Fatalf("search after the first build: %v", got)
	}
	folder := s.indexFolder(t)

	writeFile(t, filepath.Join(s.src, "incidents/alpha.md"), incidentWith("Alpha outage", "A quokka chewed the cable."))
	st.waitState(t, "gen 2", func(rs reloadState) bool { return rs.Gen == 2 })
	if got := s.searchURLs(t, "quokka"); !slices.Equal(got, []string{"incidents/alpha/"}) {
		t.Errorf("search right after the save: %v", got)
	}

	writeFile(t, filepath.Join(s.src, "incidents/alpha.md"), incidentWith("Alpha outage", "A wombat dug under the rack."))
	writeFile(t, filepath.Join(s.src, "incidents/beta.md"), incidentWith("Beta outage", "The wombat again."))
	st.waitState(t, "gen 3", func(rs reloadState) bool { return rs.Gen >= 3 })
	if got := s.searchURLs(t, "wombat"); !slices.Equal(got, []string{"incidents/alpha/", "incidents/beta/"}) {
		t.Errorf("search after changing two: %v", got)
	}
	if got := s.searchURLs(t, "quokka"); len(got) != 0 {
		t.Errorf("the old text is still found: %v", got)
	}

	if err := os.Remove(filepath.Join(s.src, "incidents/beta.md")); err != nil {
		t.Fatal(err)
	}
	st.waitState(t, "the deletion", func(rs reloadState) bool { return rs.Gen == st.last.Gen+1 })
	if got := s.searchURLs(t, "wombat"); !slices.Equal(got, []string{"incidents/alpha/"}) {
		t.Errorf("search after deleting beta: %v", got)
	}
	if !os.SameFile(folder, s.indexFolder(t)) {
		t.Error("a save replaced the index folder: the update did not go through the preview's writable index")
	}
	if s.stderr.String() != "" {
		t.Errorf("stderr: %s", s.stderr.String())
	}
}

// TestWatchIndexOpenElsewhere: another process with the index open read-only (a `serve --no-build` of the same
// folder, here a reader in this one) does not stop the preview: its first build writes a fresh index and swaps it
// in, and the other reader keeps its own until it reopens.
func TestWatchIndexOpenElsewhere(t *testing.T) {
	src := newKB(t)
	out := filepath.Join(t.TempDir(), "public")
	if _, err := build.Build(build.Options{Source: src, Out: out}); err != nil {
		t.Fatal(err)
	}
	paths, _ := build.PathsFor(out)
	other, err := search.Open(paths.Index)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	s := startWatchServerWith(t, src, out, 0)
	st := s.events(t, http.DefaultClient)
	st.waitState(t, "gen 1", func(rs reloadState) bool { return rs.OK && rs.Gen == 1 })
	writeFile(t, filepath.Join(s.src, "incidents/alpha.md"), incidentWith("Alpha outage", "A quokka chewed the cable."))
	st.waitState(t, "gen 2", func(rs reloadState) bool { return rs.OK && rs.Gen == 2 })
	if got := s.searchURLs(t, "quokka"); !slices.Equal(got, []string{"incidents/alpha/"}) {
		t.Errorf("search after the save: %v", got)
	}
	if res, err := other.Search(context.Background(), search.Request{Query: "outage"}); err != nil || res.Total != 2 {
		t.Errorf("the other reader: %+v, %v", res, err)
	}
}

// TestWatchSecondPreview: a second preview of the same site is refused at once, saying why.
func TestWatchSecondPreview(t *testing.T) {
	src := newKB(t)
	out := filepath.Join(t.TempDir(), "public")
	s := startWatchServerWith(t, src, out, 0)
	s.events(t, http.DefaultClient).waitState(t, "gen 1", func(rs reloadState) bool { return rs.OK && rs.Gen == 1 })
	var stdout, stderr syncBuffer
	code := run([]string{"serve", "--watch", "--source", src, "--out", out, "--addr", "127.0.0.1:0"}, &stdout, &stderr)
	if code != exitUsage || !strings.Contains(stderr.String(), "serve --watch previewing this site") {
		t.Errorf("exit %d, stderr %q", code, stderr.String())
	}
	var bout, berr syncBuffer
	if code := run([]string{"build", "--source", src, "--out", out}, &bout, &berr); code != exitUsage || !strings.Contains(berr.String(), "previewing this site") {
		t.Errorf("a build during the preview: exit %d, %s", code, berr.String())
	}
}

// TestMovedAndWarnings: moved pages as server paths, and the warnings of each page's file.
func TestMovedAndWarnings(t *testing.T) {
	warn := diag.Diagnostic{Path: "incidents/a.md", Line: 3, Col: 1, Severity: diag.Warning, Rule: "blame", Message: "names a person"}
	other := diag.Diagnostic{Path: "factors/x.md", Line: 1, Severity: diag.Warning, Rule: "r", Message: "m"}
	site := &graph.Site{Incidents: []*graph.Incident{{Postmortem: &postmortem.Postmortem{Source: "incidents/a.md", Slug: "a"}},
		{Postmortem: &postmortem.Postmortem{Source: "incidents/b.md", Slug: "b"}}}}
	res := &build.Result{Site: site, Diagnostics: diag.List{other, warn}, Moved: map[string]string{"incidents/old/": "incidents/b/"}}
	moved, warnings := movedAndWarnings(res)
	if want := map[string]string{"/incidents/old/": "/incidents/b/"}; !reflect.DeepEqual(moved, want) {
		t.Errorf("moved %v, want %v", moved, want)
	}
	if want := map[string][]string{"/incidents/a/": {warn.String()}}; !reflect.DeepEqual(warnings, want) {
		t.Errorf("warnings %v, want %v", warnings, want)
	}
}

// TestBrowserWatchReload is the author's view: an incident page open in Chromium reloads by itself after a save,
// shows the errors of a broken save in #ss-overlay (keeping the last good content), drops the overlay when the
// file is fixed, and follows the incident to its new URL when the file is renamed.
func TestBrowserWatchReload(t *testing.T) {
	ctx := browser(t)
	src := newKB(t)
	s := startWatchServer(t, src)
	st := s.events(t, http.DefaultClient)
	st.waitState(t, "gen 1", func(rs reloadState) bool { return rs.OK && rs.Gen == 1 })
	pw := watchPage(ctx)
	if err := chromedp.Do(ctx, chromedp.Navigate("http://"+s.addr+"/incidents/alpha/")); err != nil {
		t.Fatal(err)
	}
	const h1 = `(document.querySelector("article.postmortem h1") || {}).textContent || ""`
	if got := do(t, ctx, chromedp.Evaluate[string](h1)); !strings.Contains(got, "Alpha outage") {
		t.Fatalf("h1 %q", got)
	}
	// No need to wait for the event stream to open: a page whose stream connects after the rebuild learns of the
	// newer generation on connect.
	do(t, ctx, chromedp.Evaluate[chromedp.Void](`window.ssMarker = "before"`))

	writeFile(t, filepath.Join(src, "incidents/alpha.md"), incidentMD("Alpha, retitled"))
	pollBrowser(t, ctx, h1, "Alpha, retitled")
	if m := do(t, ctx, chromedp.Evaluate[*string](`window.ssMarker`)); m != nil {
		t.Error("the title changed without a reload")
	}

	writeFile(t, filepath.Join(src, "incidents/alpha.md"), "---\ntitle: [Alpha half written\ndate: 2024-03-05\n---\n")
	pollBrowser(t, ctx, `(document.querySelector("#ss-overlay pre") || {}).textContent || ""`, "incidents/alpha.md:")
	if h := do(t, ctx, chromedp.Text("#ss-overlay h2")); !strings.Contains(h, "Build failed") {
		t.Errorf("overlay heading %q", h)
	}
	if got := do(t, ctx, chromedp.Evaluate[string](h1)); !strings.Contains(got, "Alpha, retitled") {
		t.Errorf("while broken the page shows %q, want the last good content", got)
	}

	// A page loaded while the site is broken shows the overlay too.
	if err := chromedp.Do(ctx, chromedp.Navigate("http://"+s.addr+"/incidents/beta/")); err != nil {
		t.Fatal(err)
	}
	pollBrowser(t, ctx, `document.getElementById("ss-overlay") ? "shown" : ""`, "shown")

	writeFile(t, filepath.Join(src, "incidents/beta.md"), incidentMD("Beta, retitled"))
	writeFile(t, filepath.Join(src, "incidents/alpha.md"), incidentMD("Alpha, fixed"))
	pollBrowser(t, ctx, h1, "Beta, retitled")
	pollBrowser(t, ctx, `document.getElementById("ss-overlay") ? "" : "gone"`, "gone")

	if err := os.Rename(filepath.Join(src, "incidents/beta.md"), filepath.Join(src, "incidents/beta-renamed.md")); err != nil {
		t.Fatal(err)
	}
	pollBrowser(t, ctx, `location.pathname`, "/incidents/beta-renamed/")
	pollBrowser(t, ctx, h1, "Beta, retitled")

	// Lint warnings of the page's own file show in a closed box, not as an error.
	writeFile(t, filepath.Join(src, "incidents/beta-renamed.md"), incidentMD("Beta, linted")+"In hindsight the operator should have staged it.\n")
	pollBrowser(t, ctx, h1, "Beta, linted")
	pollBrowser(t, ctx, `(document.querySelector("details#ss-warnings:not([open]) summary") || {}).textContent || ""`, "warning")
	if got := do(t, ctx, chromedp.Evaluate[string](`document.querySelector("#ss-warnings pre").textContent`)); !strings.Contains(got, "incidents/beta-renamed.md:") {
		t.Errorf("warnings box: %q", got)
	}
	if n := do(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll("#ss-overlay").length`)); n != 0 {
		t.Error("a warning raised the error overlay")
	}
	pw.check(t, s.addr)
}

// pollBrowser evaluates expr in the page until its value contains want. Errors are retried: the page may be in
// the middle of reloading.
func pollBrowser(t *testing.T, ctx context.Context, expr, want string) {
	t.Helper()
	var got string
	var err error
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(25 * time.Millisecond) {
		got, err = chromedp.Run(ctx, chromedp.Evaluate[string](expr))
		if err == nil && strings.Contains(got, want) {
			return
		}
		if ctx.Err() != nil {
			break
		}
	}
	t.Fatalf("%s: %q (err %v), want %q", expr, got, err, want)
}

// BenchmarkWatchReload measures what the author waits for: from a one-file save to the live-reload message of
// the rebuilt site, on a generated corpus (debounce included). Run with a fixed count, e.g.
//
//	go test -run '^$' -bench WatchReload -benchtime 20x ./cmd/secondstory/
//
// SECONDSTORY_BENCH_10K=1 adds the 10,000-postmortem corpus (select it alone with -bench 'WatchReload/n=10000').
func BenchmarkWatchReload(b *testing.B) {
	sizes := []int{1000}
	if os.Getenv("SECONDSTORY_BENCH_10K") != "" {
		sizes = append(sizes, 10000)
	}
	for _, n := range sizes {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			src, theme := benchCorpus(b, n)
			s := startWatchServer(b, src)
			st := s.events(b, http.DefaultClient)
			st.waitState(b, "the initial build", func(rs reloadState) bool { return rs.Gen == 1 })
			target := firstIncident(b, src)
			orig, err := os.ReadFile(target)
			if err != nil {
				b.Fatal(err)
			}
			edit := 0
			// A body edit is what an author's typing saves most of the time; a title edit also changes every
			// list row, link label and summary page that shows the incident.
			b.Run("body", func(b *testing.B) {
				measureReloads(b, st, func() {
					edit++
					content := append(bytes.Clone(orig), fmt.Sprintf("\nEdit %d.\n", edit)...)
					if err := os.WriteFile(target, content, 0o644); err != nil {
						b.Fatal(err)
					}
				})
			})
			b.Run("title", func(b *testing.B) {
				measureReloads(b, st, func() {
					edit++
					content := bytes.Replace(orig, []byte("\ntitle: "), []byte(fmt.Sprintf("\ntitle: Edit %d, ", edit)), 1)
					if err := os.WriteFile(target, content, 0o644); err != nil {
						b.Fatal(err)
					}
				})
			})
			b.Run("theme", func(b *testing.B) {
				measureReloads(b, st, func() {
					edit++
					if err := os.WriteFile(filepath.Join(theme, "static/bench.css"), []byte(fmt.Sprintf("/* %d */", edit)), 0o644); err != nil {
						b.Fatal(err)
					}
				})
			})
		})
	}
}

// measureReloads times save → reload message b.N times and reports the median and the 99th percentile.
func measureReloads(b *testing.B, st *stateStream, save func()) {
	lat := make([]time.Duration, 0, b.N)
	gen := st.last.Gen
	// SECONDSTORY_BENCH_PROFILE=file profiles the measured saves alone, without the initial build.
	if p := os.Getenv("SECONDSTORY_BENCH_PROFILE"); p != "" {
		f, err := os.Create(p)
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	// SECONDSTORY_BENCH_PAUSE=duration waits that long before each save, as an author does between saves; without
	// it, saves follow each other at once, and the background work of one (bleve persisting and merging, freeing
	// replaced files, the collector) meets the next.
	pause, _ := time.ParseDuration(os.Getenv("SECONDSTORY_BENCH_PAUSE"))
	b.ResetTimer()
	for range b.N {
		if pause > 0 {
			b.StopTimer()
			time.Sleep(pause)
			b.StartTimer()
		}
		t0 := time.Now()
		save()
		rs := st.waitState(b, "the rebuild", func(rs reloadState) bool { return rs.Gen > gen })
		lat = append(lat, time.Since(t0))
		gen = rs.Gen
		if !rs.OK {
			b.Fatalf("rebuild failed: %v", rs.Errors)
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Milliseconds()), "p50-ms")
	b.ReportMetric(float64(lat[min(len(lat)-1, len(lat)*99/100)].Milliseconds()), "p99-ms")
}

// benchCorpus generates n postmortems with cmd/secondstory-gencorpus and gives the corpus a custom theme folder.
func benchCorpus(b *testing.B, n int) (src, theme string) {
	b.Helper()
	dir := b.TempDir()
	src, theme = filepath.Join(dir, "kb"), filepath.Join(dir, "theme")
	cmd := exec.Command("go", "run", "./cmd/secondstory-gencorpus", "-n", fmt.Sprint(n), "-out", src)
	cmd.Dir = "../.."
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Skipf("cannot generate a corpus (%v): %s", err, out)
	}
	writeFile(b, filepath.Join(theme, "static/bench.css"), "/* 0 */")
	f, err := os.OpenFile(filepath.Join(src, "secondstory.yaml"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		b.Fatal(err)
	}
	fmt.Fprintf(f, "theme: %s\n", theme)
	f.Close()
	return src, theme
}

func firstIncident(b *testing.B, src string) string {
	var found string
	filepath.WalkDir(filepath.Join(src, "incidents"), func(p string, d os.DirEntry, err error) error {
		if err == nil && found == "" && !d.IsDir() && strings.HasSuffix(p, ".md") {
			found = p
		}
		return nil
	})
	if found == "" {
		b.Fatal("corpus has no incidents")
	}
	return found
}
