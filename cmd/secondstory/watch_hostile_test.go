package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// waitLog waits until the preview's terminal output has want.
func (s *watchServer) waitLog(t *testing.T, want string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(s.stdout.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("the preview never printed %q:\n%s", want, s.stdout.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestWatchSourceReplaced: the source folder moved away and back, deleted and made again, or moved away with
// another made in its place (a `git checkout` of another branch can do any of these): the preview says the folder
// is gone when it sees it gone, serves the last site meanwhile, rebuilds when it is back, and a save afterwards is
// built and served. Before, the watcher went deaf after some of these and the preview silently stopped following
// saves.
func TestWatchSourceReplaced(t *testing.T) {
	parent := t.TempDir()
	src := filepath.Join(parent, "kb")
	if err := os.Rename(newKB(t), src); err != nil {
		// newKB is in another temporary folder, maybe another file system: copy instead.
		writeFile(t, filepath.Join(src, "secondstory.yaml"), "title: Watch Library\n")
		writeFile(t, filepath.Join(src, "incidents/alpha.md"), incidentMD("Alpha outage"))
		writeFile(t, filepath.Join(src, "incidents/beta.md"), incidentMD("Beta outage"))
	}
	s := startWatchServer(t, src)
	st := s.events(t, http.DefaultClient)
	st.waitState(t, "gen 1", func(rs reloadState) bool { return rs.OK && rs.Gen == 1 })

	remake := func() {
		writeFile(t, filepath.Join(src, "secondstory.yaml"), "title: Watch Library\n")
		writeFile(t, filepath.Join(src, "incidents/alpha.md"), incidentMD("Alpha outage"))
		writeFile(t, filepath.Join(src, "incidents/beta.md"), incidentMD("Beta outage"))
	}
	for i, c := range []struct {
		name    string
		replace func()
		gone    bool // the preview must have said the folder is gone
	}{
		{"moved away, then back", func() {
			must(t, os.Rename(src, filepath.Join(parent, "away")))
			s.waitLog(t, "the source folder is gone")
			if status, _ := fetch("http://" + s.addr + "/incidents/alpha/"); status != 200 {
				t.Errorf("while the folder is away, the last site is not served: %d", status)
			}
			must(t, os.Rename(filepath.Join(parent, "away"), src))
		}, true},
		{"deleted, then made again after a while", func() {
			must(t, os.RemoveAll(src))
			time.Sleep(700 * time.Millisecond)
			remake()
		}, true},
		{"deleted and made again at once", func() {
			must(t, os.RemoveAll(src))
			remake()
		}, false},
		{"moved away and another made at once", func() {
			must(t, os.Rename(src, filepath.Join(parent, "other-branch")))
			remake()
		}, false},
	} {
		gen := st.last.Gen
		c.replace()
		// Whatever builds the replacement makes, a save afterwards is built and served.
		time.Sleep(600 * time.Millisecond)
		word := fmt.Sprintf("Quokka%d", i)
		writeFile(t, filepath.Join(src, "incidents/alpha.md"), incidentWith("Alpha outage", "A "+word+" chewed the cable."))
		st.waitState(t, c.name+": the save built", func(rs reloadState) bool {
			if !rs.OK || rs.Gen <= gen {
				return false
			}
			_, body := fetch("http://" + s.addr + "/incidents/alpha/")
			return strings.Contains(body, word)
		})
		if got := s.searchURLs(t, strings.ToLower(word)); len(got) != 1 {
			t.Errorf("%s: search for the saved word: %v", c.name, got)
		}
	}
	if strings.Contains(s.stderr.String(), "file watcher stopped") {
		t.Errorf("stderr: %s", s.stderr.String())
	}
}

// TestWatchTransientFiles: files created and deleted within 200 ms — a postmortem, a static file, a bundle's file —
// never put the preview in an error state (before: a transient false "cannot read" build error), and the preview
// follows a real save afterwards.
func TestWatchTransientFiles(t *testing.T) {
	src := newKB(t)
	writeFile(t, filepath.Join(src, "incidents/bundle/index.md"), incidentWith("Bundle outage", "![graph](graph.svg)"))
	writeFile(t, filepath.Join(src, "incidents/bundle/graph.svg"), "<svg/>")
	writeFile(t, filepath.Join(src, "static/logo.txt"), "logo")
	s := startWatchServer(t, src)
	st := s.events(t, http.DefaultClient)
	st.waitState(t, "gen 1", func(rs reloadState) bool { return rs.OK && rs.Gen == 1 })

	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 3))
	bad := make(chan reloadState, 100)
	go func() {
		for rs := range st.states {
			if !rs.OK {
				bad <- rs
			}
		}
	}()
	for i := range 30 {
		for _, rel := range []string{"incidents/tmp.md", "static/tmp.txt", "incidents/bundle/tmp.png", "incidents/2024/tmp2.md"} {
			p := filepath.Join(src, rel)
			content := incidentMD(fmt.Sprintf("Temporary %d", i))
			tmp := filepath.Join(filepath.Dir(p), ".~"+filepath.Base(p))
			writeFile(t, tmp, content)
			must(t, os.Rename(tmp, p))
			go func(d time.Duration) {
				time.Sleep(d)
				os.Remove(p)
			}(time.Duration(rng.Int64N(int64(200 * time.Millisecond))))
		}
		time.Sleep(time.Duration(rng.Int64N(int64(150 * time.Millisecond))))
	}
	time.Sleep(500 * time.Millisecond)
	writeFile(t, filepath.Join(src, "incidents/alpha.md"), incidentWith("Alpha outage", "The wombat is back."))
	deadline := time.After(30 * time.Second)
	for {
		_, body := fetch("http://" + s.addr + "/incidents/alpha/")
		if strings.Contains(body, "wombat") {
			break
		}
		select {
		case <-deadline:
			t.Fatal("the save after the temporary files was not built")
		case <-time.After(100 * time.Millisecond):
		}
	}
	select {
	case rs := <-bad:
		t.Errorf("the preview showed a build error for files that came and went: %+v", rs.Errors)
	default:
	}
	if strings.Contains(s.stderr.String(), "cannot read") {
		t.Errorf("stderr: %s", s.stderr.String())
	}
}

// TestWatchWarningsPerPage: on a library with hundreds of lint warnings, each page's event stream carries that
// page's warnings only — a few hundred bytes, not the whole site's (before: 385 KB an event at 856 warnings, to
// every tab on every save).
func TestWatchWarningsPerPage(t *testing.T) {
	src := newKB(t)
	for i := range 100 {
		writeFile(t, filepath.Join(src, fmt.Sprintf("incidents/w%03d.md", i)), incidentWith(fmt.Sprintf("Wording %d", i),
			"It was simply a typo. They should have known better. Obviously the operator failed to check. Just a human error."))
	}
	s := startWatchServer(t, src)
	all := s.events(t, http.DefaultClient)
	rs := all.waitState(t, "gen 1", func(rs reloadState) bool { return rs.OK && rs.Gen == 1 })
	if len(rs.Warnings) != 0 {
		t.Errorf("a stream without a page gets %d pages' warnings", len(rs.Warnings))
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+s.addr+eventsPath+"?page=/incidents/w007/", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		data, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok {
			continue
		}
		var st reloadState
		if err := json.Unmarshal([]byte(data), &st); err != nil {
			t.Fatal(err)
		}
		if len(st.Warnings) != 1 || len(st.Warnings["/incidents/w007/"]) < 3 {
			t.Errorf("the page's stream: warnings %v", st.Warnings)
		}
		for _, w := range st.Warnings["/incidents/w007/"] {
			if !strings.HasPrefix(w, "incidents/w007.md:") {
				t.Errorf("another page's warning: %s", w)
			}
		}
		if len(data) > 4<<10 {
			t.Errorf("an event of %d bytes for one page", len(data))
		}
		return
	}
	t.Fatal("no state on the page's stream")
}

// TestWatchHostHeader: the live preview on a loopback address answers loopback host names only — pages, the search
// API and the event stream — so a web page elsewhere cannot read drafts and lint findings through DNS rebinding;
// --allow-host adds a name.
func TestWatchHostHeader(t *testing.T) {
	src := newKB(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	var stdout, stderr syncBuffer
	go func() {
		f := serveFlags{siteFlags: siteFlags{source: src, out: filepath.Join(t.TempDir(), "public")}, hosts: hostList{"kb.example"}}
		done <- preview(ctx, ln, f, &stdout, &stderr)
	}()
	defer func() { cancel(); <-done }()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if status, _ := fetch("http://" + addr + "/"); status == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no site")
		}
	}
	for _, c := range []struct {
		host string
		ok   bool
	}{{"localhost", true}, {addr, true}, {"kb.example", true}, {"evil.example", false}, {"attacker.test:" + strings.Split(addr, ":")[1], false}, {"127.0.0.1.nip.io", false}} {
		for _, path := range []string{"/", "/incidents/alpha/", "/api/search?q=alpha", "/search/?q=alpha", eventsPath} {
			status := hostStatus(t, addr, c.host, path)
			if (status != http.StatusMisdirectedRequest) != c.ok {
				t.Errorf("Host %s, GET %s: %d", c.host, path, status)
			}
		}
	}
}

// hostStatus sends GET path with the Host header given and returns the status.
func hostStatus(t *testing.T, addr, host, path string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+path, nil)
	req.Host = host
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
