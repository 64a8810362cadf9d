package main

import (
	"context"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/secondstory/secondstory/cmd/secondstory/server"
	"github.com/secondstory/secondstory/generator/build"
)

// browser starts headless Chromium for a test. Outside CI a machine without Chromium skips; in CI (CI=true) a
// missing browser fails, so the browser tests cannot silently stop running.
func browser(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("chromium is not installed (.ci/run installs it)")
		}
		t.Skip("chromium is not installed: apt-get install chromium")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancel(); cancelAlloc() })
	return ctx
}

// pageWatch records every request the page makes and every console error or uncaught exception.
type pageWatch struct {
	mu       sync.Mutex
	requests []string
	problems []string
}

func watchPage(ctx context.Context) *pageWatch {
	w := &pageWatch{}
	_ = chromedp.Listen(ctx, func(ev any) {
		w.mu.Lock()
		defer w.mu.Unlock()
		switch ev := ev.(type) {
		case *network.EventRequestWillBeSent:
			w.requests = append(w.requests, ev.Request.URL)
		case *network.EventResponseReceived:
			if ev.Response.Status >= 400 {
				w.problems = append(w.problems, ev.Response.URL+": HTTP "+ev.Response.StatusText)
			}
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError {
				w.problems = append(w.problems, "console.error")
			}
		case *runtime.EventExceptionThrown:
			w.problems = append(w.problems, "exception: "+ev.ExceptionDetails.Text)
		}
	})
	return w
}

func (w *pageWatch) check(t *testing.T, host string) {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, r := range w.requests {
		u, err := url.Parse(r)
		if err != nil || (u.Scheme != "data" && u.Host != host) {
			t.Errorf("request left %s: %s", host, r)
		}
	}
	for _, p := range w.problems {
		t.Errorf("browser reported: %s", p)
	}
}

// serveSite builds dir and serves it, with its search index, on a free loopback port with the production routes.
func serveSite(t *testing.T, dir string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "public")
	if _, err := build.Build(build.Options{Source: dir, Out: out}); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	paths, _ := build.PathsFor(out)
	ix, err := server.NewReopener(paths.Index)
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- server.Serve(ln, server.New(server.Options{Dir: paths.Out, Index: ix}, ln.Addr()), server.Limits{}, stop, nil)
	}()
	t.Cleanup(func() { close(stop); <-done; ix.Close() })
	return ln.Addr().String()
}

// TestBrowserSampleSite opens the home page and an incident page of the built sample knowledge base in Chromium.
func TestBrowserSampleSite(t *testing.T) {
	ctx := browser(t)
	host := serveSite(t, "../../content")
	w := watchPage(ctx)
	if err := chromedp.Do(ctx, chromedp.Navigate("http://"+host+"/")); err != nil {
		t.Fatal(err)
	}
	title := do(t, ctx, chromedp.Title())
	h1 := do(t, ctx, chromedp.Text("h1"))
	if !strings.Contains(title, "Incident Library") || !strings.Contains(h1, "Incident Library") {
		t.Errorf("home: title %q, h1 %q", title, h1)
	}
	href := do(t, ctx, chromedp.AttributeValue(".incident-list a.row-title", "href"))
	if !strings.HasPrefix(href.Value, "incidents/") {
		t.Fatalf("first incident link %q", href.Value)
	}
	if _, err := chromedp.Run(ctx, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(".incident-list a.row-title"))); err != nil {
		t.Fatal(err)
	}
	incidentH1 := do(t, ctx, chromedp.Text("article.postmortem h1"))
	incidentTitle := do(t, ctx, chromedp.Title())
	if incidentH1 == "" || !strings.HasPrefix(incidentTitle, incidentH1) {
		t.Errorf("incident page: title %q, h1 %q", incidentTitle, incidentH1)
	}
	if sev := do(t, ctx, chromedp.Text(".pm-meta .sev")); !strings.HasPrefix(sev, "SEV") {
		t.Errorf("severity badge %q", sev)
	}
	w.check(t, host)
}

// do runs one chromedp action and fails the test on error.
func do[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
