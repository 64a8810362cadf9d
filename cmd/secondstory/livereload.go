package main

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

// reloadState is what the browser is told on connect and after every rebuild.
type reloadState struct {
	// Gen numbers the successful builds; a page stamped with another generation is out of date and reloads.
	Gen int  `json:"gen"`
	OK  bool `json:"ok"`
	// Errors of the last rebuild, which failed: the server still serves generation Gen.
	Errors []string `json:"errors,omitempty"`
	// Moved maps the path of a page whose URL changed in generation Gen to its new path.
	Moved map[string]string `json:"moved,omitempty"`
	// Warnings are lint findings per page path, shown in a collapsible box on that page.
	Warnings map[string][]string `json:"warnings,omitempty"`
}

// liveReload holds the current state and the open event streams.
type liveReload struct {
	mu    sync.Mutex
	state reloadState
	data  []byte                   // state, encoded
	subs  map[chan []byte]struct{} // one per open event stream; holds at most the latest state
	done  chan struct{}            // closed on shutdown: every stream ends
	once  sync.Once
}

func newLiveReload() *liveReload {
	// Before the first build nothing is known to be wrong: generation 0, no errors.
	lr := &liveReload{subs: map[chan []byte]struct{}{}, done: make(chan struct{}), state: reloadState{OK: true}}
	lr.data, _ = json.Marshal(lr.state)
	return lr
}

// publish stores the new state and hands it to every open stream; a slow stream only ever gets the latest.
func (lr *liveReload) publish(st reloadState) {
	data, err := json.Marshal(st)
	if err != nil {
		return
	}
	lr.mu.Lock()
	defer lr.mu.Unlock()
	lr.state, lr.data = st, data
	for ch := range lr.subs {
		select {
		case <-ch:
		default:
		}
		ch <- data
	}
}

func (lr *liveReload) current() reloadState {
	lr.mu.Lock()
	defer lr.mu.Unlock()
	return lr.state
}

func (lr *liveReload) subscribe() (chan []byte, []byte, func()) {
	ch := make(chan []byte, 1)
	lr.mu.Lock()
	lr.subs[ch] = struct{}{}
	data := lr.data
	lr.mu.Unlock()
	return ch, data, func() {
		lr.mu.Lock()
		delete(lr.subs, ch)
		lr.mu.Unlock()
	}
}

// close ends every event stream; registered with the server's RegisterOnShutdown, since Shutdown would otherwise
// wait for streams that never end.
func (lr *liveReload) close() { lr.once.Do(func() { close(lr.done) }) }

// serveEvents is the Server-Sent Events stream: the current state at once (so a page loaded while the site is
// broken shows the errors too), then every new state, and a comment now and then so dead clients are noticed.
func (lr *liveReload) serveEvents(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	// The server's ReadTimeout would cancel this long-lived request; streams end on shutdown or disconnect.
	_ = rc.SetReadDeadline(time.Time{})
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	ch, data, cancel := lr.subscribe()
	defer cancel()
	send := func(chunk string) bool {
		_ = rc.SetWriteDeadline(time.Now().Add(10 * time.Second))
		if _, err := fmt.Fprint(w, chunk); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	if !send("retry: 1000\n\nevent: state\ndata: " + string(data) + "\n\n") {
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
		case data := <-ch:
			if !send("event: state\ndata: " + string(data) + "\n\n") {
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
func (lr *liveReload) inject(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The generation is read before the file: a page that turns out newer than its stamp reloads once more,
		// never the other way round.
		gen := lr.current().Gen
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
