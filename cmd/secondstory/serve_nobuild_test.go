package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/secondstory/secondstory/generator/build"
)

// serveProcess is `secondstory serve --no-build` running as a process; it returns the server's address.
func serveProcess(t *testing.T, out string) string {
	t.Helper()
	cmd := exec.Command("secondstory", "serve", "--no-build", "--out", out, "--addr", "127.0.0.1:0")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if _, rest, ok := strings.Cut(sc.Text(), " at http://"); ok {
				addr <- strings.TrimSuffix(strings.Fields(rest)[0], "/")
			}
		}
		close(addr)
	}()
	select {
	case a, ok := <-addr:
		if !ok {
			t.Fatalf("serve --no-build ended: %s", stderr.String())
		}
		return a
	case <-time.After(30 * time.Second):
		t.Fatalf("serve --no-build did not start: %s", stderr.String())
	}
	return ""
}

// searchTotal asks /api/search; the status and the number of hits.
func searchTotal(client *http.Client, addr, q string) (int, int, error) {
	resp, err := client.Get("http://" + addr + "/api/search?q=" + q)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, 0, err
	}
	var res struct {
		Total int `json:"total"`
	}
	_ = json.Unmarshal(body, &res)
	return resp.StatusCode, res.Total, nil
}

// TestServeNoBuildPicksUpRebuild: the intranet deployment, end to end. `serve --no-build` serves a built site; a
// separate `secondstory build` (a cron job) rebuilds it with a new incident; within seconds the running server's
// search finds the new incident and no longer the removed one, and the searches asked all along, by several
// clients, were all answered (the index is reopened without dropping a request). Before, the server kept its stale
// index until restarted.
func TestServeNoBuildPicksUpRebuild(t *testing.T) {
	src := newKB(t)
	writeFile(t, filepath.Join(src, "incidents/gamma.md"), incidentWith("Gamma outage", "The wombat chewed the cable."))
	out := filepath.Join(t.TempDir(), "public")
	if code, o, e := cliRun(t, "build", "--quiet", "--source", src, "--out", out); code != exitOK {
		t.Fatalf("build: %d %s %s", code, o, e)
	}
	addr := serveProcess(t, out)
	client := &http.Client{Timeout: 10 * time.Second}
	if _, n, err := searchTotal(client, addr, "wombat"); err != nil || n != 1 {
		t.Fatalf("before the rebuild: %d hits, %v", n, err)
	}

	// Searches all along, from four clients.
	var asked, failed atomic.Int64
	var firstFailure atomic.Value
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				status, _, err := searchTotal(client, addr, "outage")
				asked.Add(1)
				if err != nil || status != http.StatusOK {
					failed.Add(1)
					firstFailure.CompareAndSwap(nil, fmt.Sprintf("status %d, %v", status, err))
				}
			}
		}()
	}

	if err := os.Remove(filepath.Join(src, "incidents/gamma.md")); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(src, "incidents/delta.md"), incidentWith("Delta outage", "A quokka unplugged the router."))
	if b, err := cliBuild(src, out).CombinedOutput(); err != nil {
		t.Fatalf("rebuild: %v\n%s", err, b)
	}
	rebuilt := time.Now()
	var quokka, wombat int
	for time.Since(rebuilt) < 10*time.Second {
		_, quokka, _ = searchTotal(client, addr, "quokka")
		_, wombat, _ = searchTotal(client, addr, "wombat")
		if quokka == 1 && wombat == 0 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("the rebuilt index was served %v after the build", time.Since(rebuilt).Round(time.Millisecond))
	// A second rebuild is picked up too (the server reopens every new index, not only the first).
	writeFile(t, filepath.Join(src, "incidents/epsilon.md"), incidentWith("Epsilon outage", "The narwhal tripped the breaker."))
	if b, err := cliBuild(src, out).CombinedOutput(); err != nil {
		t.Fatalf("second rebuild: %v\n%s", err, b)
	}
	var narwhal int
	for again := time.Now(); time.Since(again) < 10*time.Second && narwhal != 1; time.Sleep(100 * time.Millisecond) {
		_, narwhal, _ = searchTotal(client, addr, "narwhal")
	}
	close(stop)
	wg.Wait()
	if quokka != 1 || wombat != 0 || narwhal != 1 {
		t.Errorf("after the rebuilds: quokka %d, wombat %d, narwhal %d hits; want 1, 0, 1 (a stale index)", quokka, wombat, narwhal)
	}
	if n := failed.Load(); n > 0 {
		t.Errorf("%d of %d searches during the rebuilds failed, first: %v", n, asked.Load(), firstFailure.Load())
	}
	// And the pages are the new site's.
	if status, body := fetch("http://" + addr + "/incidents/delta/"); status != 200 || !strings.Contains(body, "Delta outage") {
		t.Errorf("new page: %d", status)
	}
}

// TestServeNoBuildDuringBuild: starting `serve --no-build` while a build of the same site is running (a restart of
// the server during the nightly build) must not touch the build's work: the server's recovery of a killed build runs
// only when no process holds the site's lock. Before, it removed the running build's folder from under it, and the
// build then swapped in a partial site without its marker, which every later build refused to replace.
func TestServeNoBuildDuringBuild(t *testing.T) {
	src := newKB(t)
	out := filepath.Join(t.TempDir(), "public")
	if code, o, e := cliRun(t, "build", "--quiet", "--source", src, "--out", out); code != exitOK {
		t.Fatalf("build: %d %s %s", code, o, e)
	}
	paths, err := build.PathsFor(out)
	if err != nil {
		t.Fatal(err)
	}
	// A build in progress: it holds the lock, and has written part of its fresh folder (marker first).
	unlock, err := paths.Lock()
	if err != nil {
		t.Fatal(err)
	}
	inProgress := filepath.Join(filepath.Dir(paths.Out), ".public.tmp-123")
	writeFile(t, filepath.Join(inProgress, ".secondstory-site"), "ours")
	writeFile(t, filepath.Join(inProgress, "incidents/alpha/index.html"), "<p>being written</p>")
	writeFile(t, filepath.Join(paths.Staging, "0"), "a staged page of a preview's build")

	serveProcess(t, out)
	for _, p := range []string{filepath.Join(inProgress, "incidents/alpha/index.html"), filepath.Join(inProgress, ".secondstory-site"), filepath.Join(paths.Staging, "0")} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("serve --no-build removed %s while a build held the lock", p)
		}
	}
	unlock()

	// With no writer, the next server start clears what a killed build left.
	serveProcess(t, out)
	for _, p := range []string{inProgress, paths.Staging} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("%s is left after a start with no writer", p)
		}
	}
}
