package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/secondstory/secondstory/generator"
	"github.com/secondstory/secondstory/search"
)

func runServe(args []string, stdout, stderr io.Writer) int {
	var f siteFlags
	var addr string
	var noBuild, watch bool
	fs := newFlagSet("serve", "[--source DIR] [--out DIR] [--addr HOST:PORT] [--watch] [--no-build] [--drafts]",
		"Builds the site (unless --no-build) and serves it with full-text search. Binds 127.0.0.1 unless --addr says otherwise.", stderr)
	f.register(fs, true)
	fs.StringVar(&addr, "addr", "127.0.0.1:8080", "`address` to listen on")
	fs.BoolVar(&noBuild, "no-build", false, "serve an already built site and its index (the intranet deployment)")
	fs.BoolVar(&watch, "watch", false, "rebuild on every change and reload the open pages (live preview)")
	if ok, code := parseFlags(fs, args); !ok {
		return code
	}
	// --watch: live preview, in watch.go.
	if watch {
		return serveWatch(f, addr, noBuild, stdout, stderr)
	}
	if !noBuild {
		res, err := generator.Build(f.options(stdout))
		if code := report(res, err, stderr); code != exitOK {
			return code
		}
	} else if _, err := os.Stat(filepath.Join(f.out, "index.html")); err != nil {
		fmt.Fprintf(stderr, "secondstory serve: no built site in %s (run secondstory build first, or drop --no-build)\n", f.out)
		return exitUsage
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintf(stderr, "secondstory serve: cannot listen on %s: %v\n", addr, err)
		return exitUsage
	}
	ix, err := search.Open(generator.IndexDir(f.out))
	if err != nil {
		fmt.Fprintf(stderr, "secondstory serve: search index: %v\n", err)
		return exitUsage
	}
	svc := search.NewService(ix)
	defer func() { svc.Index().Close() }()
	srv := newServer(siteMux(f.out, svc))
	fmt.Fprintf(stdout, "serving %s at http://%s/ (Ctrl-C to stop)\n", f.out, ln.Addr())
	return serveUntilSignal(srv, ln, stderr)
}

// siteMux routes the built site, the search API and the server-rendered search page.
func siteMux(out string, svc *search.Service) *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("/", siteHandler{dir: out})
	mux.Handle("/api/search", search.APIHandler(svc))
	mux.Handle("/search/", search.PageHandler(svc, out))
	return mux
}

// newServer sets timeouts so that slow or stalled clients cannot hold the server's resources.
func newServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           recoverer(methods(h)),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
}

// serveUntilSignal serves until SIGINT/SIGTERM, then shuts down, giving open requests a moment to finish.
func serveUntilSignal(srv *http.Server, ln net.Listener, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		fmt.Fprintf(stderr, "secondstory serve: %v\n", err)
		return exitUsage
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		fmt.Fprintf(stderr, "secondstory serve: %v\n", err)
	}
	return exitOK
}

// methods allows only GET and HEAD: the site is read-only.
func methods(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// recoverer turns a panic in a handler into a 500 for that request instead of taking the server down.
func recoverer(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				http.Error(w, "internal error", http.StatusInternalServerError)
			}
		}()
		h.ServeHTTP(w, r)
	})
}

// siteHandler serves a built site: folders by their index.html, unknown paths with the site's 404.html.
type siteHandler struct {
	dir string
}

func (s siteHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := path.Clean("/" + r.URL.Path)
	if strings.Contains(name, "/.") {
		s.notFound(w, r)
		return
	}
	file := filepath.Join(s.dir, filepath.FromSlash(name))
	st, err := os.Stat(file)
	if err == nil && st.IsDir() {
		if !strings.HasSuffix(r.URL.Path, "/") {
			http.Redirect(w, r, r.URL.Path+"/", http.StatusMovedPermanently)
			return
		}
		file = filepath.Join(file, "index.html")
		st, err = os.Stat(file)
	}
	if err != nil || st.IsDir() {
		s.notFound(w, r)
		return
	}
	s.serveFile(w, r, file, http.StatusOK)
}

func (s siteHandler) serveFile(w http.ResponseWriter, r *http.Request, file string, status int) {
	f, err := os.Open(file)
	if err != nil {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if status != http.StatusOK {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(status)
		if r.Method != http.MethodHead {
			_, _ = io.Copy(w, f)
		}
		return
	}
	http.ServeContent(w, r, st.Name(), st.ModTime(), f)
}

func (s siteHandler) notFound(w http.ResponseWriter, r *http.Request) {
	s.serveFile(w, r, filepath.Join(s.dir, "404.html"), http.StatusNotFound)
}
