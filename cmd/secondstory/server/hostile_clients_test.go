package server

import (
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestRedirectsStayOnSite: whatever a path says — encoded slashes and backslashes, dot segments, CR LF, a folder
// named like a host — a redirect is to a path on this site: never protocol-relative (//host), never a backslash
// that browsers read as one, never a header of the client's making. (The case: GET /%2fevil.com/%2e%2e
// answered 301 Location: //evil.com/../.)
func TestRedirectsStayOnSite(t *testing.T) {
	dir, _ := site(t)
	for _, d := range []string{"evil.com/x", `\evil.com`, "incidents/a b"} {
		if err := os.MkdirAll(filepath.Join(dir, filepath.FromSlash(d)), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	addr := serve(t, Options{Dir: dir}, Limits{})
	for _, path := range []string{
		"/%2fevil.com/%2e%2e", "/%2f%2fevil.com", "/%2F%2Fevil.com/x", "///evil.com", "////evil.com/x", "/%5cevil.com",
		"/%5c%5cevil.com", "/%5C/evil.com", "/.%2e/.%2e/evil.com", "/%2e%2e%2f%2e%2e%2fevil.com", "/evil.com", "/evil.com/x",
		"/incidents/a%0d%0aSet-Cookie:%20x=1", "/incidents/a?%0d%0aSet-Cookie:%20x=1", "/incidents/a?next=//evil.com",
		"/incidents/a%20b", "/%09/evil.com", "/%00/evil.com",
	} {
		got := raw(t, addr, "GET "+path+" HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
		status := strings.SplitN(got, "\r\n", 2)[0]
		if strings.Contains(strings.ToLower(got), "\r\nset-cookie") {
			t.Errorf("GET %s injected a header:\n%s", path, got)
		}
		for _, line := range strings.Split(got, "\r\n") {
			loc, ok := strings.CutPrefix(line, "Location: ")
			if !ok {
				continue
			}
			if !strings.HasPrefix(loc, "/") || strings.HasPrefix(loc, "//") || strings.HasPrefix(loc, `/\`) || strings.Contains(loc, "://") ||
				strings.ContainsAny(loc, "\\\t") {
				t.Errorf("GET %s: %s, Location %q leaves the site", path, status, loc)
			}
		}
	}
}

// TestStalledReaders: 300 clients — 50 that ask for a large page and never read it, 250 that keep an idle
// connection open — do not hold the server: a normal client is answered meanwhile, and the write and idle deadlines
// close the server's side of every one of them, so its descriptors are released while the clients still hold
// theirs. (Before: 300 clients that never read held 600 descriptors indefinitely.)
func TestStalledReaders(t *testing.T) {
	if testing.Short() {
		t.Skip("opens hundreds of connections")
	}
	if _, err := os.Stat("/proc/self/fd"); err != nil {
		t.Skip("counts descriptors in /proc/self/fd")
	}
	dir, _ := site(t)
	if err := os.WriteFile(filepath.Join(dir, "big.html"), []byte(strings.Repeat("x", 8<<20)), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := serve(t, Options{Dir: dir}, Limits{MaxConns: 64, Write: 300 * time.Millisecond, Idle: 300 * time.Millisecond, ReadHeader: time.Second})
	before := sockets(t)
	var conns []net.Conn
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := range 300 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := net.DialTimeout("tcp", addr, 10*time.Second)
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			if i%6 == 0 {
				// A small receive window, so the kernel's buffers cannot take the whole page for the client.
				_ = c.(*net.TCPConn).SetReadBuffer(4 << 10)
				io.WriteString(c, "GET /big.html HTTP/1.1\r\nHost: localhost\r\n\r\n") // then never reads
			} else {
				io.WriteString(c, "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n") // reads nothing either; stays idle
			}
		}()
	}
	wg.Wait()
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	// A normal client is served while they stall.
	start := time.Now()
	if got := raw(t, addr, "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"); !strings.HasPrefix(got, "HTTP/1.1 200") {
		t.Errorf("a normal request during the stall: %q", got)
	}
	t.Logf("a normal request was answered in %v with %d stalled clients", time.Since(start).Round(time.Millisecond), len(conns))
	if d := time.Since(start); d > 8*time.Second {
		t.Errorf("a normal request waited %v", d)
	}
	// The server's side of every stalled connection is closed within a few rounds of the deadlines (64 at a time):
	// only the clients' descriptors are left.
	var n int
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if n = sockets(t) - before - len(conns); n <= 0 {
			break
		}
	}
	if n > 0 {
		t.Errorf("the server still holds %d connections of %d stalled clients after the deadlines", n, len(conns))
	}
}

// sockets counts this process's socket descriptors.
func sockets(t *testing.T) int {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if target, err := os.Readlink(filepath.Join("/proc/self/fd", e.Name())); err == nil && strings.HasPrefix(target, "socket:") {
			n++
		}
	}
	return n
}
