package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/secondstory/secondstory/cmd/secondstory/server"
	"github.com/secondstory/secondstory/generator/build"
	"github.com/secondstory/secondstory/generator/diag"
	"github.com/secondstory/secondstory/generator/watch"
)

// hostList is a repeatable --allow-host flag.
type hostList []string

func (h *hostList) String() string     { return strings.Join(*h, ",") }
func (h *hostList) Set(v string) error { *h = append(*h, v); return nil }

type serveFlags struct {
	siteFlags
	addr                          string
	noBuild, watch, noDraftBanner bool
	hosts                         hostList
	debounce                      time.Duration // the watcher's quiet period; 0: its default
}

func runServe(args []string, stdout, stderr io.Writer) int {
	var f serveFlags
	fs := newFlagSet("serve", "[--source DIR] [--out DIR] [--addr HOST:PORT] [--watch] [--no-build] [--drafts]",
		"Builds the site (unless --no-build) and serves it with full-text search. Binds 127.0.0.1 unless --addr says\notherwise. --watch is the live preview: every save rebuilds and reloads the open pages; drafts are shown with a\nbanner.", stderr)
	f.register(fs, true)
	fs.StringVar(&f.addr, "addr", "127.0.0.1:8080", "`address` to listen on")
	fs.BoolVar(&f.noBuild, "no-build", false, "serve an already built site and its index (the intranet deployment); a new build of it is picked up")
	fs.BoolVar(&f.watch, "watch", false, "rebuild on every change and reload the open pages (live preview)")
	fs.BoolVar(&f.noDraftBanner, "no-draft-banner", false, "with --watch: show drafts without the draft banner")
	fs.Var(&f.hosts, "allow-host", "a host `name` to answer besides the loopback ones (repeatable; for a loopback --addr behind a proxy)")
	if ok, code := parseFlags(fs, args); !ok {
		return code
	}
	// Listen first: a busy port is a usage error before any work (a full build of a large library takes seconds).
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		fmt.Fprintf(stderr, "secondstory serve: cannot listen on %s: %v\n", f.addr, err)
		return exitUsage
	}
	defer ln.Close()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if f.watch {
		return preview(ctx, ln, f, stdout, stderr)
	}
	paths, err := build.PathsFor(f.out)
	if err != nil {
		fmt.Fprintf(stderr, "secondstory serve: %v\n", err)
		return exitUsage
	}
	if !f.noBuild {
		res, err := build.Build(f.options(stdout))
		if code := report(res, err, stderr, f.quiet); code != exitOK {
			return code
		}
	} else {
		if _, err := os.Stat(filepath.Join(paths.Out, "index.html")); err != nil {
			fmt.Fprintf(stderr, "secondstory serve: no built site in %s (run secondstory build first, or drop --no-build)\n", f.out)
			return exitUsage
		}
		// A build killed in its commit: roll its journal forward before serving — unless a build is running now,
		// whose folders are not leftovers.
		_ = paths.RecoverIdle()
	}
	indexes, err := server.NewReopener(paths.Index)
	if err != nil {
		fmt.Fprintf(stderr, "secondstory serve: search index: %v\n", server.IndexError(err))
		return exitUsage
	}
	defer indexes.Close()
	h := server.New(server.Options{Dir: paths.Out, Index: indexes, Hosts: f.hosts}, ln.Addr())
	fmt.Fprintf(stdout, "serving %s at http://%s/ (Ctrl-C to stop)\n", f.out, ln.Addr())
	if err := server.Serve(ln, h, server.Limits{}, ctx.Done(), nil); err != nil {
		fmt.Fprintf(stderr, "secondstory serve: %v\n", err)
		return exitUsage
	}
	return exitOK
}

// preview is serve --watch: the live preview an author keeps open beside the editor. It builds through one Session,
// whose builds reuse what did not change, and serves the site with a live-reload script.
func preview(ctx context.Context, ln net.Listener, f serveFlags, stdout, stderr io.Writer) int {
	opts := f.options(nil)
	opts.NoDraftBanner = f.noDraftBanner
	// The preview keeps the whole model between saves: a one-off build's heap limit (main) would have the collector
	// mark it over and over. The collector's own pacing (GOGC) governs instead.
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(math.MaxInt64)
	}
	log := stdout
	if f.quiet {
		log = io.Discard
	}
	sess, err := build.NewSession(opts)
	if err != nil {
		fmt.Fprintf(stderr, "secondstory serve: %v\n", err)
		return exitUsage
	}
	defer sess.Close()
	w, err := watch.New(watch.Options{Root: f.source, Exclude: []string{sess.Paths().Out, sess.Paths().Index}, Debounce: f.debounce})
	if err != nil {
		fmt.Fprintf(stderr, "secondstory serve: cannot watch %s: %v\n", f.source, err)
		return exitUsage
	}
	_, statErr := os.Stat(filepath.Join(sess.Paths().Out, "index.html"))
	lr := server.NewLiveReload(statErr == nil)
	h := server.New(server.Options{Dir: sess.Paths().Out, Preview: lr, Hosts: f.hosts,
		Index: server.SessionIndex(sess.Index)}, ln.Addr())
	stopServer := make(chan struct{})
	served := make(chan error, 1)
	go func() { served <- server.Serve(ln, h, server.Limits{}, stopServer, lr.Close) }()
	defer func() { close(stopServer); <-served }()
	fmt.Fprintf(log, "serving %s at http://%s/ and rebuilding on every change to %s (Ctrl-C to stop)\n", f.out, ln.Addr(), f.source)

	p := &previewer{sess: sess, lr: lr, w: w, stdout: log, stderr: stderr}
	if !f.noBuild {
		if code := p.rebuild(nil, true); code != exitOK {
			return code
		}
	}
	watched := make(chan error, 1)
	go func() { watched <- w.Run(ctx, p.batch) }()
	select {
	case err := <-served:
		fmt.Fprintf(stderr, "secondstory serve: %v\n", err)
		served <- err
		return exitUsage
	case err := <-watched:
		if err != nil { // the file watcher gave out: a preview that no longer follows saves would mislead
			fmt.Fprintf(stderr, "secondstory serve: the file watcher stopped (%v)\n", err)
			return exitUsage
		}
	}
	return exitOK
}

// previewer runs the preview's rebuilds and tells the browsers.
type previewer struct {
	sess   *build.Session
	lr     *server.LiveReload
	w      *watch.Watcher
	gen    int
	stdout io.Writer
	stderr io.Writer
}

func (p *previewer) batch(b watch.Batch) {
	for _, e := range b.Problems {
		fmt.Fprintf(p.stderr, "secondstory serve: watch: %v\n", e)
	}
	if b.Gone {
		fmt.Fprintf(p.stdout, "%s the source folder is gone (moved or deleted); serving the last site until it is back\n", time.Now().Format("15:04:05"))
		return
	}
	changed := b.Changed
	if b.All {
		changed = nil // anything may have changed: look at every file
	}
	p.rebuild(changed, false)
}

// rebuild runs one build, publishes its state and prints it; at start, an environment error ends the preview.
func (p *previewer) rebuild(changed []string, initial bool) int {
	t0 := time.Now()
	res, err := p.sess.Build(changed...)
	took := time.Since(t0).Round(time.Millisecond)
	what := "initial build"
	if !initial {
		what = "changed " + describeChanges(changed)
	}
	at := time.Now().Format("15:04:05")
	st := server.State{Gen: p.gen, OK: err == nil}
	var ce *diag.ContentError
	switch {
	case err == nil:
		p.gen++
		st.Gen = p.gen
		st.Moved, st.Warnings = movedAndWarnings(res)
		msg := "ok"
		if n := res.Diagnostics.Warnings(); n > 0 {
			msg = "ok, " + plural(n, "warning")
		}
		fmt.Fprintf(p.stdout, "%s %s: rendered %d pages in %s, %s\n", at, what, res.Written, took, msg)
		if res.Site != nil {
			p.w.Watch(themeDir(p.sess, res))
		}
	case errors.As(err, &ce):
		for _, d := range ce.List.Only(diag.Error) {
			st.Errors = append(st.Errors, d.String())
			fmt.Fprintln(p.stderr, d)
		}
		fmt.Fprintf(p.stdout, "%s %s: build failed in %s: %s in %s (still serving the last good site)\n", at, what, took,
			plural(ce.List.Errors(), "error"), fileList(ce.List.Files()))
	default:
		st.Errors = []string{err.Error()}
		fmt.Fprintf(p.stdout, "%s %s: build failed in %s (still serving the last good site)\n", at, what, took)
		fmt.Fprintf(p.stderr, "secondstory: %v\n", server.IndexError(err))
		if initial && !errors.As(err, &ce) {
			return exitUsage
		}
	}
	p.lr.Publish(st)
	return exitOK
}

// movedAndWarnings turns a build's result into what the browsers are told: the pages that moved, and each page's
// lint warnings. Paths are the server's: "/" + the site path.
func movedAndWarnings(res *build.Result) (map[string]string, map[string][]string) {
	var moved map[string]string
	for from, to := range res.Moved {
		if moved == nil {
			moved = map[string]string{}
		}
		moved["/"+from] = "/" + to
	}
	var warnings map[string][]string
	if res.Site == nil {
		return moved, nil
	}
	pages := map[string]string{}
	for _, in := range res.Site.Incidents {
		pages[in.Source] = "/" + in.URL()
	}
	for _, d := range res.Diagnostics.Only(diag.Warning) {
		if u := pages[d.Path]; u != "" {
			if warnings == nil {
				warnings = map[string][]string{}
			}
			warnings[u] = append(warnings[u], d.String())
		}
	}
	return moved, warnings
}

// themeDir is the custom theme folder, watched too when it lies outside the source folder.
func themeDir(sess *build.Session, res *build.Result) string {
	t := res.Site.Config.Theme
	if t == "" || filepath.IsAbs(t) {
		return t
	}
	return filepath.Join(sess.Options().Source, t)
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
