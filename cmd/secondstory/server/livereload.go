package server

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Live reload for `serve --watch`: the server injects a small script into every HTML page it serves (never into
// the files `build` writes); the script listens on a Server-Sent Events stream and reloads the page when a newer
// site is swapped in, follows a renamed page to its new URL, and shows the errors of a failed rebuild.

const (
	eventsPath = "/_secondstory/events"
	scriptPath = "/_secondstory/livereload.js"
)

//go:embed livereload.js
var liveReloadJS []byte

// State is what the browsers are told on connect and after every rebuild.
type State struct {
	// Gen numbers the successful builds; a page stamped with another generation is out of date and reloads.
	Gen int  `json:"gen"`
	OK  bool `json:"ok"`
	// Errors of the last rebuild, which failed: the server still serves generation Gen.
	Errors []string `json:"errors,omitempty"`
	// Moved maps the path of a page whose URL changed in generation Gen to its new path.
	Moved map[string]string `json:"moved,omitempty"`
	// Warnings are lint findings per page path, shown in a collapsible box on that page; each page's stream
	// carries its own only.
	Warnings map[string][]string `json:"warnings,omitempty"`
}

// LiveReload holds the current state and the open event streams of the live preview.
type LiveReload struct {
	mu    sync.Mutex
	state State
	built bool                    // a build succeeded: there is a site to serve
	subs  map[chan State]struct{} // one per open event stream; holds at most the latest state
	done  chan struct{}           // closed on shutdown: every stream ends
	once  sync.Once
}

// NewLiveReload starts with generation 0 and no errors: before the first build nothing is known to be wrong.
// built says a site from an earlier run is already there to serve.
func NewLiveReload(built bool) *LiveReload {
	return &LiveReload{subs: map[chan State]struct{}{}, done: make(chan struct{}), state: State{OK: true}, built: built}
}

// Publish stores the new state and hands it to every open stream; a slow stream only ever gets the latest.
func (lr *LiveReload) Publish(st State) {
	lr.mu.Lock()
	defer lr.mu.Unlock()
	lr.state = st
	lr.built = lr.built || st.OK && st.Gen > 0
	for ch := range lr.subs {
		select {
		case <-ch:
		default:
		}
		ch <- st
	}
}

// Current is the last state published.
func (lr *LiveReload) Current() State {
	lr.mu.Lock()
	defer lr.mu.Unlock()
	return lr.state
}

func (lr *LiveReload) subscribe() (chan State, State, func()) {
	ch := make(chan State, 1)
	lr.mu.Lock()
	lr.subs[ch] = struct{}{}
	st := lr.state
	lr.mu.Unlock()
	return ch, st, func() {
		lr.mu.Lock()
		delete(lr.subs, ch)
		lr.mu.Unlock()
	}
}

// Close ends every event stream; pass it to Serve's onShutdown, since a shutdown would otherwise wait for streams
// that never end.
func (lr *LiveReload) Close() { lr.once.Do(func() { close(lr.done) }) }

// forPage is the state as one page's stream sends it: with that page's warnings only (a large library has
// hundreds, and every tab would get all of them on every save).
func (st State) forPage(page string) []byte {
	w := st.Warnings[page]
	st.Warnings = nil
	if len(w) > 0 {
		st.Warnings = map[string][]string{page: w}
	}
	data, _ := json.Marshal(st)
	return data
}

// serveEvents is the Server-Sent Events stream: the current state at once (so a page loaded while the site is
// broken shows the errors too), then every new state, and a comment now and then so dead clients are noticed.
func (lr *LiveReload) serveEvents(w http.ResponseWriter, r *http.Request) {
	page := r.URL.Query().Get("page")
	rc := http.NewResponseController(w)
	// The server's ReadTimeout would cancel this long-lived request; streams end on shutdown or disconnect.
	_ = rc.SetReadDeadline(time.Time{})
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	ch, st, cancel := lr.subscribe()
	defer cancel()
	send := func(chunk string) bool {
		_ = rc.SetWriteDeadline(time.Now().Add(10 * time.Second))
		if _, err := fmt.Fprint(w, chunk); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	if !send("retry: 1000\n\nevent: state\ndata: " + string(st.forPage(page)) + "\n\n") {
		return
	}
	ping := time.NewTicker(15 * time.Second)
	defer ping.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-lr.done:
			return
		case st := <-ch:
			if !send("event: state\ndata: " + string(st.forPage(page)) + "\n\n") {
				return
			}
		case <-ping.C:
			if !send(": ping\n\n") {
				return
			}
		}
	}
}

func serveScript(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(liveReloadJS)
}

// inject adds the live-reload script to every HTML response of h and turns caching off, so that a reload shows
// what is on disk (also the theme's CSS). Conditional and range requests are served whole: the body changes.
func (lr *LiveReload) inject(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The generation is read before the file: a page that turns out newer than its stamp reloads once more,
		// never the other way round.
		gen := lr.Current().Gen
		for _, k := range []string{"If-Modified-Since", "If-None-Match", "If-Range", "Range"} {
			r.Header.Del(k)
		}
		w.Header().Set("Cache-Control", "no-store")
		iw := &injectWriter{ResponseWriter: w, head: r.Method == http.MethodHead, tag: `<script src="` + scriptPath + `" data-gen="` + strconv.Itoa(gen) + `"></script>`}
		h.ServeHTTP(iw, r)
		iw.finish()
	})
}

// injectWriter buffers an HTML response to insert the script before </body>; anything else passes through.
type injectWriter struct {
	http.ResponseWriter
	tag     string
	head    bool // a HEAD response has no body to inject into
	code    int
	html    bool
	started bool
	buf     bytes.Buffer
}

func (iw *injectWriter) WriteHeader(code int) {
	if iw.started {
		return
	}
	iw.started, iw.code = true, code
	iw.html = strings.HasPrefix(iw.Header().Get("Content-Type"), "text/html")
	if !iw.html {
		iw.ResponseWriter.WriteHeader(code)
	}
}

func (iw *injectWriter) Write(b []byte) (int, error) {
	if !iw.started {
		if iw.Header().Get("Content-Type") == "" {
			iw.Header().Set("Content-Type", http.DetectContentType(b))
		}
		iw.WriteHeader(http.StatusOK)
	}
	if iw.html {
		return iw.buf.Write(b)
	}
	return iw.ResponseWriter.Write(b)
}

func (iw *injectWriter) finish() {
	if !iw.html {
		return
	}
	if iw.head {
		iw.Header().Del("Content-Length")
		iw.ResponseWriter.WriteHeader(iw.code)
		return
	}
	body := injectBeforeBody(iw.buf.Bytes(), iw.tag)
	iw.Header().Set("Content-Length", strconv.Itoa(len(body)))
	iw.ResponseWriter.WriteHeader(iw.code)
	_, _ = iw.ResponseWriter.Write(body)
}

// injectBeforeBody inserts tag before the last </body> (any case), or appends it.
func injectBeforeBody(page []byte, tag string) []byte {
	i := bytes.LastIndex(bytes.ToLower(page), []byte("</body>"))
	if i < 0 {
		i = len(page)
	}
	out := make([]byte, 0, len(page)+len(tag))
	out = append(out, page[:i]...)
	out = append(out, tag...)
	return append(out, page[i:]...)
}

// placeholder answers, before any build succeeded, with a page that says so (it gets the live-reload script, so the
// errors show, and the first good build loads).
func (lr *LiveReload) placeholder(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lr.mu.Lock()
		built := lr.built
		lr.mu.Unlock()
		if built {
			h.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte(placeholderPage))
	})
}

const placeholderPage = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Building… · secondstory</title>
<style>body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;margin:3rem auto;max-width:40rem;padding:0 1rem}</style></head>
<body><main><h1>No site yet</h1><p>The first build has not succeeded yet. This page reloads as soon as it does.</p></main>
</body>
</html>
`
