package server

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/secondstory/secondstory/search"
)

// site writes a tiny built site with an index beside it, and returns its folders.
func site(t *testing.T) (dir, index string) {
	t.Helper()
	root := t.TempDir()
	dir, index = filepath.Join(root, "public"), filepath.Join(root, "public.bleve")
	for name, body := range map[string]string{
		"index.html":                    "<html><body>home</body></html>",
		"404.html":                      "<html><body>not found</body></html>",
		"incidents/a/index.html":        "<html><body>incident a</body></html>",
		"search/index.html":             "<html><body><form></form>" + resultsMarker + "</body></html>",
		".secondstory-site":             "ours",
		"assets/style.css":              "body{}",
		"evil.com/index.html":           "<html><body>a folder named like a host</body></html>",
		"incidents/zeitachse-für/x.txt": "unicode",
	} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	docs := []search.Document{{ID: "a", URL: "incidents/a/", Title: "Alpha outage", Summary: "Replica lag", Body: "dial tcp 10.2.3.4:5432: connect: connection refused", Date: time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC)}}
	if err := search.Build(index, docs); err != nil {
		t.Fatal(err)
	}
	return dir, index
}

// serve starts the server on a loopback port with short limits; it returns the address.
func serve(t *testing.T, opts Options, limits Limits) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	done := make(chan error, 1)
	go func() { done <- Serve(ln, New(opts, ln.Addr()), limits, stop, opts.Preview.closer()) }()
	t.Cleanup(func() { close(stop); <-done })
	return ln.Addr().String()
}

func (lr *LiveReload) closer() func() {
	if lr == nil {
		return nil
	}
	return lr.Close
}

// raw sends a request as written and returns the status line and headers.
func raw(t *testing.T, addr, request string) string {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, request); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	r := bufio.NewReader(c)
	for {
		line, err := r.ReadString('\n')
		b.WriteString(line)
		if err != nil || line == "\r\n" {
			return b.String()
		}
	}
}

// TestHostilePaths: redirects stay on the site whatever the path says, dot-files are not served, only GET and
// HEAD are answered.
func TestHostilePaths(t *testing.T) {
	dir, index := site(t)
	ix, err := NewReopener(index)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	addr := serve(t, Options{Dir: dir, Index: ix}, Limits{})
	for _, c := range []struct {
		path, status, location string
	}{
		{"/%2fevil.com/%2e%2e", "301", "Location: /\r\n"},
		{"//evil.com/", "307", "Location: /evil.com/\r\n"}, // net/http cleans the path, on this host
		{"/etc/passwd", "404", ""},
		{"/%2fevil.com", "301", "Location: /evil.com/\r\n"},
		{"/%5cevil.com", "404", ""},
		{"/incidents/a", "301", "Location: /incidents/a/\r\n"},
		{"/incidents/a?x=1", "301", "Location: /incidents/a/?x=1\r\n"},
		{"/../../etc/passwd", "307", "Location: /etc/passwd\r\n"},
		{"/.secondstory-site", "404", ""},
		{"/incidents/zeitachse-f%C3%BCr/x.txt", "200", ""},
		{"/search/../../etc/passwd", "307", "Location: /etc/passwd\r\n"},
		{"/search/deeper/page/", "404", ""},
	} {
		got := raw(t, addr, "GET "+c.path+" HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
		if !strings.HasPrefix(got, "HTTP/1.1 "+c.status) || c.location != "" && !strings.Contains(got, c.location) {
			t.Errorf("GET %s:\n%s\nwant %s %q", c.path, got, c.status, c.location)
		}
		if strings.Contains(got, "Location: //") || strings.Contains(strings.ToLower(got), "location: http") {
			t.Errorf("GET %s redirects off the site:\n%s", c.path, got)
		}
	}
	if got := raw(t, addr, "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"); !strings.HasPrefix(got, "HTTP/1.1 405") {
		t.Errorf("POST: %s", got)
	}
}

// TestHostHeader: on a loopback address only loopback names (and those allowed) are answered, so a page elsewhere
// cannot read the preview through DNS rebinding; the search API too.
func TestHostHeader(t *testing.T) {
	dir, index := site(t)
	ix, _ := NewReopener(index)
	defer ix.Close()
	addr := serve(t, Options{Dir: dir, Index: ix, Hosts: []string{"kb.intranet"}, Preview: NewLiveReload(true)}, Limits{})
	for host, ok := range map[string]bool{"localhost": true, "127.0.0.1:8080": true, "[::1]:8080": true, "app.localhost": true,
		"kb.intranet": true, "KB.Intranet:80": true, "evil.example": false, "127.0.0.1.evil.example": false, "": false} {
		for _, path := range []string{"/", "/api/search?q=alpha", "/_secondstory/events"} {
			got := raw(t, addr, "GET "+path+" HTTP/1.1\r\nHost: "+host+"\r\nConnection: close\r\n\r\n")
			allowed := !strings.HasPrefix(got, "HTTP/1.1 421") && !strings.HasPrefix(got, "HTTP/1.1 400")
			if allowed != ok {
				t.Errorf("Host %q, %s: %s", host, path, strings.SplitN(got, "\r\n", 2)[0])
			}
		}
	}
}

// TestSlowClients: a client that never finishes its headers, and one that never reads, are cut off; a flood of
// connections waits in the backlog beyond the limit instead of taking the server's descriptors.
func TestSlowClients(t *testing.T) {
	dir, _ := site(t)
	big := filepath.Join(dir, "big.html")
	if err := os.WriteFile(big, []byte(strings.Repeat("x", 8<<20)), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := serve(t, Options{Dir: dir}, Limits{MaxConns: 4, ReadHeader: 200 * time.Millisecond, Write: 300 * time.Millisecond})
	// Slowloris: half a request line, then nothing.
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: localhost\r\n")
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	start := time.Now()
	_, err = io.ReadAll(c)
	if err != nil || time.Since(start) > 3*time.Second {
		t.Errorf("slow header: connection still open after %s (%v)", time.Since(start), err)
	}
	// A reader that never reads an 8 MB page: the write deadline ends it.
	r, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	io.WriteString(r, "GET /big.html HTTP/1.1\r\nHost: localhost\r\n\r\n")
	time.Sleep(time.Second)
	_ = r.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, _ := io.Copy(io.Discard, r)
	if n >= 8<<20 {
		t.Errorf("the stalled reader got the whole page (%d bytes): no write deadline", n)
	}
	// The server still answers.
	if got := raw(t, addr, "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"); !strings.HasPrefix(got, "HTTP/1.1 200") {
		t.Errorf("after the slow clients: %s", got)
	}
}

// TestSearchAPIBounds: bad and costly requests are refused with a message, before they run.
func TestSearchAPIBounds(t *testing.T) {
	dir, index := site(t)
	ix, _ := NewReopener(index)
	defer ix.Close()
	addr := serve(t, Options{Dir: dir, Index: ix}, Limits{})
	get := func(q string) (int, string) {
		resp, err := http.Get("http://" + addr + "/api/search?" + q)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("q=" + "dial%20tcp%2010.2.3.4%3A5432%3A%20connect%3A%20connection%20refused"); code != 200 || !strings.Contains(body, `"total":1`) {
		t.Errorf("pasted error: %d %s", code, body)
	}
	for _, q := range []string{"q=" + strings.Repeat("a", 1100), "size=1000", "page=0", "q=%2F.*%2F", "q=" + strings.Repeat("x*", 40), "q=%ff", "tag=" + strings.Repeat("t", 300)} {
		start := time.Now()
		code, body := get(q)
		if code != 400 || !strings.Contains(body, `"error"`) {
			t.Errorf("%.40s: %d %s", q, code, body)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%.40s took %s to refuse", q, d)
		}
	}
	if code, _ := get(strings.Repeat("q=a&", 9000)); code != 400 {
		t.Errorf("an oversized query string: %d", code)
	}
}

// TestReopener: a serve --no-build notices a new index that a build swapped in, and serves it without a restart.
func TestReopener(t *testing.T) {
	_, index := site(t)
	ix, err := NewReopener(index)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	find := func(q string) uint64 {
		idx, err := ix.Current()
		if err != nil {
			t.Fatal(err)
		}
		res, err := idx.Search(t.Context(), search.Request{Query: q})
		if err != nil {
			t.Fatal(err)
		}
		return res.Total
	}
	if find("alpha") != 1 || find("bravo") != 0 {
		t.Fatal("first index")
	}
	if err := search.Build(index, []search.Document{{ID: "b", URL: "incidents/b/", Title: "Bravo outage", Date: time.Now()}}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for find("bravo") == 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if find("bravo") != 1 || find("alpha") != 0 {
		t.Errorf("the rebuilt index is not served: bravo %d, alpha %d", find("bravo"), find("alpha"))
	}
}

// TestInject pins the response rewriting: HTML gets the script before </body> and an exact Content-Length,
// other types pass through untouched, HEAD has no body, and nothing is cached.
func TestInject(t *testing.T) {
	lr := NewLiveReload(true)
	lr.Publish(State{Gen: 7, OK: true})
	site := http.NewServeMux()
	site.HandleFunc("/page/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Length", "40")
		io.WriteString(w, "<html><BODY><p>hi</p></BODY></html>\n\n\n\n")
	})
	site.HandleFunc("/style.css", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/css")
		io.WriteString(w, "body{}</body>")
	})
	h := lr.inject(site)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/page/", nil))
	want := `<html><BODY><p>hi</p><script src="/_secondstory/livereload.js" data-gen="7"></script></BODY></html>` + "\n\n\n\n"
	if rec.Body.String() != want || rec.Header().Get("Content-Length") != fmt.Sprint(len(want)) {
		t.Errorf("html: %q (Content-Length %s)", rec.Body.String(), rec.Header().Get("Content-Length"))
	}
	if rec.Header().Get("Cache-Control") != "no-store" {
		t.Error("html response may be cached")
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/style.css", nil))
	if rec.Body.String() != "body{}</body>" {
		t.Errorf("css rewritten: %q", rec.Body.String())
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("HEAD", "/page/", nil))
	if rec.Body.Len() != 0 || rec.Code != 200 {
		t.Errorf("HEAD: %d %q", rec.Code, rec.Body.String())
	}
}

// TestEventsPerPage: each page's stream carries its own warnings only, not the whole site's.
func TestEventsPerPage(t *testing.T) {
	dir, _ := site(t)
	lr := NewLiveReload(true)
	lr.Publish(State{Gen: 3, OK: true, Warnings: map[string][]string{"/incidents/a/": {"a.md:1: warning: x"}, "/incidents/b/": {"b.md:1: warning: y"}}})
	addr := serve(t, Options{Dir: dir, Preview: lr}, Limits{})
	resp, err := http.Get("http://" + addr + "/_secondstory/events?page=" + "/incidents/a/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
			var st State
			if err := json.Unmarshal([]byte(data), &st); err != nil {
				t.Fatal(err)
			}
			if len(st.Warnings) != 1 || len(st.Warnings["/incidents/a/"]) != 1 || st.Gen != 3 {
				t.Errorf("state for /incidents/a/: %+v", st)
			}
			return
		}
	}
	t.Fatal("no state")
}
