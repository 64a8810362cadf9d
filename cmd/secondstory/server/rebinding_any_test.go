package server

import (
	"net"
	"strings"
	"testing"
)

// TestPreviewOnAllAddresses: a live preview bound to every address (--addr 0.0.0.0:8080, to show a draft to a
// colleague) is also reachable on 127.0.0.1, which is what DNS rebinding aims at: a request that arrives on a
// loopback address must carry a loopback host name (or an allowed one), while the other interfaces answer as
// before. A plain server (serve, serve --no-build) on every address keeps answering any Host: it serves the
// published site, often behind a proxy on the same machine.
func TestPreviewOnAllAddresses(t *testing.T) {
	dir, _ := site(t)
	var other string // a non-loopback address of this machine, when it has one
	if addrs, err := net.InterfaceAddrs(); err == nil {
		for _, a := range addrs {
			if ipn, ok := a.(*net.IPNet); ok && ipn.IP.To4() != nil && !ipn.IP.IsLoopback() {
				other = ipn.IP.String()
				break
			}
		}
	}
	for _, preview := range []bool{true, false} {
		opts := Options{Dir: dir}
		if preview {
			opts.Preview = NewLiveReload(true)
		}
		addr := serveOn(t, "0.0.0.0:0", opts)
		_, p, _ := net.SplitHostPort(addr)
		for _, c := range []struct {
			via, host string
			ok        bool
		}{
			{"127.0.0.1", "localhost", true},
			{"127.0.0.1", "evil.example", !preview},
			{other, "evil.example", true},
			{other, other, true},
		} {
			if c.via == "" {
				continue
			}
			got := raw(t, net.JoinHostPort(c.via, p), "GET / HTTP/1.1\r\nHost: "+c.host+"\r\nConnection: close\r\n\r\n")
			if ok := !strings.HasPrefix(got, "HTTP/1.1 421"); ok != c.ok {
				t.Errorf("preview %v, via %s, Host %s: %s", preview, c.via, c.host, strings.SplitN(got, "\r\n", 2)[0])
			}
		}
	}
}

// serveOn is serve on another address.
func serveOn(t *testing.T, address string, opts Options) string {
	t.Helper()
	ln, err := net.Listen("tcp", address)
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	done := make(chan error, 1)
	go func() { done <- Serve(ln, New(opts, ln.Addr()), Limits{}, stop, opts.Preview.closer()) }()
	t.Cleanup(func() { close(stop); <-done })
	return ln.Addr().String()
}
