package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/secondstory/secondstory/generator"
	"github.com/secondstory/secondstory/search"
	"github.com/secondstory/secondstory/themes"
)

// serveWatch is `serve --watch`: the live preview an author keeps open beside the editor. It listens first (a
// busy port is a usage error, before any work), then builds and serves, rebuilding on every save.
func serveWatch(f siteFlags, addr string, noBuild bool, stdout, stderr io.Writer) int {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintf(stderr, "secondstory serve: cannot listen on %s: %v\n", addr, err)
		return exitUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	opts := f.options(nil)
	log := stdout
	if f.quiet {
		log = io.Discard
	}
	return runWatch(ctx, ln, opts, generator.WatchOptions{SkipInitial: noBuild}, log, stderr)
}

// runWatch serves ln until ctx is done, rebuilding the site on changes. It returns once the server, every event
// stream, the watcher and the build in progress have stopped.
func runWatch(ctx context.Context, ln net.Listener, opts generator.Options, wo generator.WatchOptions, stdout, stderr io.Writer) int {
	defer ln.Close()
	w, err := generator.NewWatcher(opts, wo)
	if err != nil {
		fmt.Fprintf(stderr, "secondstory serve: %v\n", err)
		return exitUsage
	}
	lr := newLiveReload()
	svc := search.NewService(nil)
	// Closed once the watcher, and with it the build in progress, has stopped (runs after <-watchDone below).
	defer func() {
		if ix := svc.Swap(nil); ix != nil {
			ix.Close()
		}
	}()
	idx := &previewIndex{svc: svc, dir: generator.IndexDir(opts.Out), stderr: stderr}
	site := &watchSite{out: opts.Out, next: siteMux(opts.Out, svc)}
	if _, err := os.Stat(filepath.Join(opts.Out, "index.html")); err == nil {
		site.setBuilt() // the site of an earlier build is served until the first rebuild replaces it
		idx.refresh(true)
	}
	mux := http.NewServeMux()
	mux.HandleFunc(eventsPath, lr.serveEvents)
	mux.HandleFunc(scriptPath, serveScript)
	mux.HandleFunc("/_secondstory/style.css", serveDefaultCSS)
	mux.Handle("/", lr.inject(site))
	srv := newServer(mux)
	srv.RegisterOnShutdown(lr.close)

	fmt.Fprintf(stdout, "serving %s at http://%s/ and rebuilding on every change to %s (Ctrl-C to stop)\n", opts.Out, ln.Addr(), opts.Source)
	wctx, stopWatch := context.WithCancel(context.Background())
	watchDone := make(chan error, 1)
	fatal := make(chan error, 1)
	gen := 0
	idle := newIdleCollector()
	defer idle.stop()
	stopFollowing := followMemory()
	defer stopFollowing()
	go func() {
		watchDone <- w.Run(wctx, func(rb generator.Rebuild) {
			if rb.Initial {
				stopFollowing()
			}
			defer idle.rebuilt()
			if rb.OK() {
				gen++
				site.setBuilt()
				idx.refresh(false)
			}
			printRebuild(stdout, stderr, &rb)
			lr.publish(stateOf(gen, &rb))
			// An unsafe or unwritable output folder is not something a save can fix: give up at once, exit 2.
			var envErr *generator.EnvError
			if rb.Initial && errors.As(rb.Err, &envErr) {
				fatal <- rb.Err
			}
		})
	}()
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()

	code, watching := exitOK, true
	select {
	case err := <-serveErr:
		fmt.Fprintf(stderr, "secondstory serve: %v\n", err)
		code = exitUsage
	case <-fatal:
		code = exitUsage
	case err := <-watchDone: // the file watcher gave out: a preview that no longer follows saves would mislead
		fmt.Fprintf(stderr, "secondstory serve: the file watcher stopped (%v)\n", err)
		code, watching = exitUsage, false
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		fmt.Fprintf(stderr, "secondstory serve: %v\n", err)
	}
	stopWatch()
	if watching {
		<-watchDone
	}
	return code
}

// previewMemory raises, after the preview's first build, the heap limit main sets for a build (defaultMemoryLimit),
// unless GOMEMLIMIT sets one. The preview keeps the whole model of the library between saves; at 10,000 postmortems
// that is most of the build's limit, and the collector then ran on nearly every save (save → reload 201 ms instead
// of 129 for a body edit, 798 instead of 288 for a title edit). Without a limit the heap grew to 1.6 GB; half as
// much again as the model, and room for a few saves' garbage, keeps both in check.
func previewMemory() {
	if os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(sample)
	if sample[0].Value.Kind() != metrics.KindUint64 {
		return
	}
	live := int64(sample[0].Value.Uint64())
	debug.SetMemoryLimit(max(defaultMemoryLimit, live+live/2+previewHeadroom))
}

// followMemory applies previewMemory every 50 ms while the preview's first build runs, and once more when the
// returned stop is first called. That build keeps the model it makes, which outgrows a one-off build's limit half-way
// through a large library: the collector then ran without pause, and the first build took twice as long (at
// 10,000 postmortems, 20.7 s instead of 10.4 s).
func followMemory() (stop func()) {
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				previewMemory()
				return
			case <-tick.C:
				previewMemory()
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			close(done)
			<-stopped
		})
	}
}

// idleCollector collects the preview's garbage while the author is not saving. The preview keeps the whole model
// between saves (about 600 MB at 10,000 postmortems), and a collection marks all of it: half a second of CPU that,
// when the heap limit calls for it in the middle of a save, delays that save's reload by 50 to 150 ms. A collection
// once the author has paused for idleGCDelay, when enough garbage is there to be worth it (idleGCMin), leaves the
// next saves the whole headroom.
type idleCollector struct{ timer *time.Timer }

const (
	idleGCDelay = time.Second
	idleGCMin   = 128 << 20
)

func newIdleCollector() *idleCollector {
	t := time.AfterFunc(idleGCDelay, func() { collectIfWorthIt(idleGCMin) })
	t.Stop()
	return &idleCollector{t}
}

// rebuilt starts the pause again.
func (c *idleCollector) rebuilt() { c.timer.Reset(idleGCDelay) }

func (c *idleCollector) stop() { c.timer.Stop() }

// collectIfWorthIt runs the collector when at least min bytes were allocated since the last collection, and
// reports whether it did.
func collectIfWorthIt(min uint64) bool {
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(sample)
	if sample[0].Value.Kind() != metrics.KindUint64 || sample[1].Value.Kind() != metrics.KindUint64 {
		return false
	}
	live, heap := sample[0].Value.Uint64(), sample[1].Value.Uint64()
	if heap < live+min {
		return false
	}
	runtime.GC()
	return true
}

// previewHeadroom is the garbage of a few saves at 10,000 postmortems (a title edit rewrites 40 MB of whole-site
// files).
const previewHeadroom = 192 << 20

// previewIndex serves the preview's searches from the index beside the output folder. It holds the index open for
// writing (search.OpenWritable), so that the search.Sync of every rebuild goes through this very handle: the changed
// documents are written in place, searches see them as soon as the build returns, nothing is copied, swapped or
// reopened per save, and the index merges in the background once the author pauses (search's idle merge). When
// Sync must rebuild the index (most documents changed), the handle swaps the new one in under itself and stays
// open. Only if another process has the index open (a `serve --no-build` of the same folder), which bolt's lock
// leaves no way to write but a copy, is it opened read-only instead and reopened after every rebuild, as before.
// It is used by one goroutine at a time: runWatch before the watcher starts, then the watcher's callback.
type previewIndex struct {
	svc    *search.Service
	dir    string
	stderr io.Writer
	// readOnly: opening for writing failed while opening read-only worked, i.e. another process reads the index.
	// It stays so for the session (trying again would wait for the lock on every save).
	readOnly bool
}

// refresh makes the service serve the index the last build left. A writable index that is still open is that
// index already; otherwise (the first build, or search.Sync could not reopen it after rebuilding it) it opens it.
// quiet: an index that cannot be opened is not reported (at start-up: the first build rebuilds an index of an
// older format).
func (p *previewIndex) refresh(quiet bool) {
	if !p.readOnly {
		if ix := p.svc.Index(); ix != nil {
			if _, err := ix.DocCount(); !errors.Is(err, search.ErrClosed) {
				return
			}
		}
		ix, err := search.OpenWritable(p.dir)
		if err == nil {
			p.install(ix)
			return
		}
		ro, rerr := search.Open(p.dir)
		if rerr != nil {
			p.report(quiet, err)
			return
		}
		p.readOnly = true
		fmt.Fprintf(p.stderr, "secondstory serve: search index %s is open in another process (%v): searching a read-only copy, reopened after every rebuild\n", p.dir, err)
		p.install(ro)
		return
	}
	ix, err := search.Open(p.dir)
	if err != nil {
		p.report(quiet, err)
		return
	}
	p.install(ix)
}

// install serves ix and closes the index served before, once its searches have finished.
func (p *previewIndex) install(ix *search.Index) {
	if old := p.svc.Swap(ix); old != nil && old != ix {
		old.Close()
	}
}

func (p *previewIndex) report(quiet bool, err error) {
	if !quiet {
		fmt.Fprintf(p.stderr, "secondstory serve: search index: %v\n", err)
	}
}

// stateOf turns a rebuild into what the browsers are told. Paths are the server's: "/" + the site-relative URL.
func stateOf(gen int, rb *generator.Rebuild) reloadState {
	st := reloadState{Gen: gen, OK: rb.OK()}
	if !st.OK {
		var ce *generator.ContentError
		if errors.As(rb.Err, &ce) {
			for _, d := range ce.Diagnostics {
				if d.Severity == generator.SeverityError {
					st.Errors = append(st.Errors, d.String())
				}
			}
		}
		if len(st.Errors) == 0 {
			st.Errors = []string{rb.Err.Error()}
		}
		return st
	}
	for from, to := range rb.Moved {
		if st.Moved == nil {
			st.Moved = map[string]string{}
		}
		st.Moved["/"+from] = "/" + to
	}
	if res := rb.Result; res != nil && res.Site != nil && res.Diagnostics.Warnings() > 0 {
		// Only the files with warnings are looked up: a large library has a few dozen of those.
		pages := map[string]string{}
		for _, d := range res.Diagnostics {
			if d.Severity == generator.SeverityWarning {
				pages[d.Path] = ""
			}
		}
		for _, p := range res.Site.Incidents {
			if _, ok := pages[p.Source]; ok {
				pages[p.Source] = "/" + p.URL()
			}
		}
		for _, d := range res.Diagnostics {
			if u := pages[d.Path]; u != "" && d.Severity == generator.SeverityWarning {
				if st.Warnings == nil {
					st.Warnings = map[string][]string{}
				}
				st.Warnings[u] = append(st.Warnings[u], d.String())
			}
		}
	}
	return st
}

// printRebuild logs one rebuild on the terminal: what changed, how long it took, and "ok" or the errors.
func printRebuild(stdout, stderr io.Writer, rb *generator.Rebuild) {
	for _, p := range rb.Problems {
		fmt.Fprintf(stderr, "secondstory serve: watch: %v\n", p)
	}
	what := "initial build"
	if !rb.Initial {
		what = "changed " + describeChanges(rb.Changed)
	}
	at := time.Now().Format("15:04:05")
	took := rb.Duration.Round(time.Millisecond)
	if !rb.OK() {
		var ce *generator.ContentError
		if errors.As(rb.Err, &ce) {
			n := ce.Diagnostics.Errors()
			fmt.Fprintf(stdout, "%s %s: build failed in %s: %s (still serving the last good site)\n", at, what, took, countNoun(n, "error", "errors"))
			for _, d := range ce.Diagnostics {
				if d.Severity == generator.SeverityError {
					fmt.Fprintln(stderr, d)
				}
			}
		} else {
			fmt.Fprintf(stdout, "%s %s: build failed in %s (still serving the last good site)\n", at, what, took)
			fmt.Fprintf(stderr, "secondstory: %v\n", rb.Err)
		}
		return
	}
	res := rb.Result
	msg := "ok"
	if n := res.Diagnostics.Warnings(); n > 0 {
		msg = "ok, " + countNoun(n, "warning", "warnings")
	}
	fmt.Fprintf(stdout, "%s %s: rebuilt %d pages in %s, %s\n", at, what, res.Pages, took, msg)
	// The warnings of the files just saved are the ones the author is looking at.
	changed := map[string]bool{}
	for _, c := range rb.Changed {
		changed[c] = true
	}
	for _, d := range res.Diagnostics {
		if d.Severity == generator.SeverityWarning && changed[d.Path] {
			fmt.Fprintln(stderr, d)
		}
	}
}

// describeChanges names up to three changed files, else counts them.
func describeChanges(paths []string) string {
	if len(paths) == 0 {
		return "files"
	}
	if len(paths) <= 3 {
		return strings.Join(paths, ", ")
	}
	return fmt.Sprintf("%d files", len(paths))
}

// countNoun says "1 error", "2 errors".
func countNoun(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// watchSite serves the built site in watch mode. Before any build succeeded it answers with a placeholder page
// (which gets the live-reload script, so the errors show and the first good build loads). While a rebuild swaps
// the output folder there is an instant when it does not exist; requests then wait for the new one instead of
// getting a 404.
type watchSite struct {
	out   string
	next  http.Handler
	mu    sync.Mutex
	built bool
}

func (s *watchSite) setBuilt() {
	s.mu.Lock()
	s.built = true
	s.mu.Unlock()
}

func (s *watchSite) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	built := s.built
	s.mu.Unlock()
	if !built {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprint(w, placeholderPage)
		return
	}
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); {
		if _, err := os.Stat(s.out); err == nil {
			break
		}
		time.Sleep(5 * time.Millisecond) // the swap is two renames: this is over within a millisecond
	}
	s.next.ServeHTTP(w, r)
}

// serveDefaultCSS styles the placeholder page (and its error overlay) when there is no built site to take it from.
func serveDefaultCSS(w http.ResponseWriter, r *http.Request) {
	css, err := fs.ReadFile(themes.Default(), "static/style.css")
	if err != nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(css)
}

const placeholderPage = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Building… · secondstory</title><link rel="stylesheet" href="/_secondstory/style.css"></head>
<body><main class="wrap"><h1>No site yet</h1><p>The first build has not succeeded yet. This page reloads as soon as it does.</p></main>
</body>
</html>
`
