package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain lets the scripts in testdata/script run `secondstory` as a command: testscript re-executes this test
// binary under that name, so the scripts exercise the real CLI (flags, exit codes, signals) without a build step.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"secondstory": func() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) },
	})
}

// TestScript runs testdata/script/*.txtar in the manner of Hugo's testscripts: start a server, edit files, fetch.
func TestScript(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		Cmds: map[string]func(*testscript.TestScript, bool, []string){
			"freeport":  cmdFreeport,
			"waitfor":   cmdWaitfor,
			"get":       cmdGet,
			"waitevent": cmdWaitevent,
		},
	})
}

// scriptDeadline bounds every wait of a script: generous, since only a broken server should ever reach it.
const scriptDeadline = 30 * time.Second

// freeport NAME: set $NAME to a loopback address with a free port, for `serve --addr`.
func cmdFreeport(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: freeport NAME")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	ts.Check(err)
	ts.Setenv(args[0], ln.Addr().String())
	ts.Check(ln.Close())
}

// fetch GETs url, returning its status and body; 0 when the server does not answer (yet).
func fetch(url string) (int, string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, ""
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, ""
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// statusFlag parses an optional leading "-status CODE" (default 200).
func statusFlag(ts *testscript.TestScript, args []string) (int, []string) {
	if len(args) >= 2 && args[0] == "-status" {
		code, err := strconv.Atoi(args[1])
		ts.Check(err)
		return code, args[2:]
	}
	return http.StatusOK, args
}

// waitfor [-status CODE] URL [TEXT...]: poll URL until it answers with CODE (default 200) and a body containing
// every TEXT.
func cmdWaitfor(ts *testscript.TestScript, neg bool, args []string) {
	code, args := statusFlag(ts, args)
	if neg || len(args) < 1 {
		ts.Fatalf("usage: waitfor [-status CODE] URL [TEXT...]")
	}
	var status int
	var body string
	for deadline := time.Now().Add(scriptDeadline); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		status, body = fetch(args[0])
		if status == code && containsAll(body, args[1:]) {
			return
		}
	}
	ts.Fatalf("%s: after %s still status %d, body without %q:\n%s", args[0], scriptDeadline, status, args[1:], tail(body))
}

// get [-status CODE] URL [TEXT...]: one request, now; its body must contain every TEXT (with !: none of them).
func cmdGet(ts *testscript.TestScript, neg bool, args []string) {
	code, args := statusFlag(ts, args)
	if len(args) < 1 {
		ts.Fatalf("usage: get [-status CODE] URL [TEXT...]")
	}
	status, body := fetch(args[0])
	if status != code {
		ts.Fatalf("%s: status %d, want %d", args[0], status, code)
	}
	for _, text := range args[1:] {
		if strings.Contains(body, text) == neg {
			ts.Fatalf("%s: body contains %q: %v, want %v\n%s", args[0], text, !neg, neg, tail(body))
		}
	}
}

// waitevent ADDR TEXT: connect to the live-reload stream of the server at ADDR and wait until the current state
// (sent on connect) or a later one contains TEXT.
func cmdWaitevent(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: waitevent ADDR TEXT")
	}
	ctx, cancel := context.WithTimeout(context.Background(), scriptDeadline)
	defer cancel()
	var last string
	for ctx.Err() == nil {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+args[0]+eventsPath, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			time.Sleep(20 * time.Millisecond) // not listening yet
			continue
		}
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				last = data
				if strings.Contains(data, args[1]) {
					resp.Body.Close()
					return
				}
			}
		}
		resp.Body.Close()
	}
	ts.Fatalf("no live-reload state with %q within %s; last: %s", args[1], scriptDeadline, last)
}

func containsAll(s string, subs []string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

func tail(s string) string {
	if len(s) > 600 {
		return "…" + s[len(s)-600:]
	}
	return s
}
