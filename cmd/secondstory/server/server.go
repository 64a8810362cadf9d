// Package server is secondstory's HTTP server, and the only part of the program that uses net/http: it serves a
// built site (folders by their index.html, the site's 404 page), the search API and the server-rendered search
// page, and in the live preview the live-reload script and its event stream. Every input is bounded (header and
// query sizes, query cost, timeouts, connections), and on a loopback address only loopback host names are answered
// (a preview on every address holds its loopback connections to that rule), so a web page elsewhere cannot reach
// the preview through DNS rebinding.
package server

import (
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Options configure a server.
type Options struct {
	Dir     string      // the built site
	Index   Indexes     // the search index; nil answers searches with 503
	Preview *LiveReload // the live preview's event stream; nil for a plain server
	// Hosts are host names accepted besides the loopback ones when the server listens on a loopback address.
	Hosts []string
}

// New returns the server's HTTP handler, for ln's address (which decides the Host rule).
func New(opts Options, addr net.Addr) http.Handler {
	mux := http.NewServeMux()
	site := http.Handler(siteHandler{dir: opts.Dir})
	mux.Handle("/api/search", apiHandler{opts.Index})
	mux.Handle("/search/", pageHandler{opts.Index, opts.Dir})
	if lr := opts.Preview; lr != nil {
		mux.HandleFunc(eventsPath, lr.serveEvents)
		mux.HandleFunc(scriptPath, serveScript)
		site = lr.inject(lr.placeholder(site))
	}
	mux.Handle("/", site)
	h := recoverer(methods(mux))
	switch {
	case loopback(addr):
		h = hostCheck(h, opts.Hosts)
	case opts.Preview != nil && unspecified(addr):
		// A preview on every address (0.0.0.0) is on 127.0.0.1 too, which is what DNS rebinding aims at: requests
		// that arrive there are held to the same rule; the other interfaces answer any name.
		h = hostCheckOnLoopback(h, hostCheck(h, opts.Hosts))
	}
	return h
}

// unspecified reports whether addr is the any-address (0.0.0.0, ::), which includes the loopback interface.
func unspecified(addr net.Addr) bool {
	if tcp, ok := addr.(*net.TCPAddr); ok {
		return tcp.IP.IsUnspecified()
	}
	return false
}

// hostCheckOnLoopback sends the requests that arrived on a loopback address to checked, the others to h.
func hostCheckOnLoopback(h, checked http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if local, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok && loopback(local) {
			checked.ServeHTTP(w, r)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// Limits bound what one client can hold; the zero value means the defaults.
type Limits struct {
	MaxConns                      int           // open connections (256)
	ReadHeader, Read, Write, Idle time.Duration // 5 s, 10 s, 30 s, 60 s
}

func (l Limits) or() Limits {
	def := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	if l.MaxConns <= 0 {
		l.MaxConns = 256
	}
	def(&l.ReadHeader, 5*time.Second)
	def(&l.Read, 10*time.Second)
	def(&l.Write, 30*time.Second) // event streams extend their own deadline per message
	def(&l.Idle, 60*time.Second)
	return l
}

// Serve serves h on ln with timeouts that keep slow or stalled clients from holding the server's resources, until
// stop is closed; it then shuts down, giving open requests a moment to finish.
func Serve(ln net.Listener, h http.Handler, limits Limits, stop <-chan struct{}, onShutdown func()) error {
	l := limits.or()
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: l.ReadHeader,
		ReadTimeout:       l.Read,
		WriteTimeout:      l.Write,
		IdleTimeout:       l.Idle,
		MaxHeaderBytes:    64 << 10,
	}
	if onShutdown != nil {
		srv.RegisterOnShutdown(onShutdown)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(limitListener(ln, l.MaxConns)) }()
	select {
	case err := <-errc:
		return err
	case <-stop:
	}
	ctx, cancel := contextWithTimeout(5 * time.Second)
	defer cancel()
	_ = srv.Shutdown(ctx)
	return nil
}

// loopback reports whether addr is a loopback address (127.0.0.0/8, ::1).
func loopback(addr net.Addr) bool {
	if tcp, ok := addr.(*net.TCPAddr); ok {
		return tcp.IP.IsLoopback()
	}
	return false
}

// hostCheck answers only requests whose Host is a loopback name (or one configured): a preview on 127.0.0.1 serves
// drafts, lint findings and file paths, which a page elsewhere must not read by pointing its own name at 127.0.0.1.
func hostCheck(h http.Handler, extra []string) http.Handler {
	allowed := map[string]bool{"localhost": true, "127.0.0.1": true, "::1": true}
	for _, x := range extra {
		allowed[strings.ToLower(x)] = true
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := r.Host
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		host = strings.ToLower(strings.Trim(host, "[]"))
		ip := net.ParseIP(host)
		if !allowed[host] && !strings.HasSuffix(host, ".localhost") && (ip == nil || !ip.IsLoopback()) {
			http.Error(w, "host not allowed: this server answers loopback names only (serve --allow-host adds one)", http.StatusMisdirectedRequest)
			return
		}
		h.ServeHTTP(w, r)
	})
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
type siteHandler struct{ dir string }

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
			// To the cleaned path, on this site: a path that starts with two slashes ("/%2fevil.com") must not
			// become a protocol-relative URL to another host.
			to := "/" + strings.TrimLeft(name, "/")
			if to != "/" {
				to += "/"
			}
			http.Redirect(w, r, (&url.URL{Path: to}).EscapedPath()+querySuffix(r.URL.RawQuery), http.StatusMovedPermanently)
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

func querySuffix(q string) string {
	if q == "" {
		return ""
	}
	return "?" + q
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

// limitListener accepts at most n connections at once; the others wait in the kernel's backlog.
func limitListener(ln net.Listener, n int) net.Listener {
	return &limited{Listener: ln, sem: make(chan struct{}, n)}
}

type limited struct {
	net.Listener
	sem chan struct{}
}

func (l *limited) Accept() (net.Conn, error) {
	l.sem <- struct{}{}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.sem
		return nil, err
	}
	return &limitedConn{Conn: c, release: func() { <-l.sem }}, nil
}

type limitedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
