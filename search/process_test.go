package search

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Other processes: a `serve --watch` holding the index for writing, a
// `serve --no-build` reading it, and a build killed before its swap. The
// helper runs in a child process started from the test binary.

// TestHelperProcess is the child. It does nothing in a normal run.
func TestHelperProcess(t *testing.T) {
	mode, dir, ok := strings.Cut(os.Getenv("SECONDSTORY_SEARCH_HELPER"), ":")
	if !ok {
		t.Skip("only run as a helper process")
	}
	in := bufio.NewReader(os.Stdin)
	switch mode {
	case "write", "read":
		open := Open
		if mode == "write" {
			open = OpenWritable
		}
		ix, err := open(dir)
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		defer ix.Close()
		fmt.Println("ready")
		_, _ = in.ReadString('\n')
		res, err := ix.Search(context.Background(), Request{})
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		fmt.Println("total", res.Total)
	case "build":
		testHookBeforeSwap = func(string) error {
			fmt.Println("ready")
			time.Sleep(time.Minute) // killed here
			return nil
		}
		err := Build(dir, fixtureDocs())
		fmt.Println("error:", err)
	}
}

type helper struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Reader
}

// startHelper starts the child in mode on dir and waits for "ready".
func startHelper(t *testing.T, mode, dir string) *helper {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a process")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
	cmd.Env = append(os.Environ(), "SECONDSTORY_SEARCH_HELPER="+mode+":"+dir)
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	h := &helper{cmd, in, bufio.NewReader(out)}
	t.Cleanup(func() { _ = h.cmd.Process.Kill(); _ = h.cmd.Wait() })
	if line := h.line(); line != "ready" {
		t.Fatalf("helper %s: %q", mode, line)
	}
	return h
}

func (h *helper) line() string {
	s, _ := h.out.ReadString('\n')
	return strings.TrimSpace(s)
}

// A preview in another process holds the index: readers, writers and
// builds get ErrLocked, quickly, and the index is left as it was.
func TestLockedByAnotherProcess(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "idx")
	mustBuild(t, dir, fixtureDocs()[:3])
	startHelper(t, "write", dir)
	for name, f := range map[string]func() error{
		"Open":         func() error { ix, err := Open(dir); closeIf(ix); return err },
		"OpenWritable": func() error { ix, err := OpenWritable(dir); closeIf(ix); return err },
		"Build":        func() error { return Build(dir, fixtureDocs()) },
	} {
		start := time.Now()
		err := f()
		if !errors.Is(err, ErrLocked) {
			t.Errorf("%s: err = %v, want ErrLocked", name, err)
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("%s took %v", name, d)
		}
	}
	if s := siblings(t, dir); len(s) != 0 {
		t.Errorf("refused Build left %v", s)
	}
}

func closeIf(ix *Index) {
	if ix != nil {
		ix.Close()
	}
}

// Build replaces an index that a server in another process has open: the
// server keeps answering from the old one until it reopens.
func TestBuildBesideAReaderProcess(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "idx")
	mustBuild(t, dir, fixtureDocs()[:3])
	reader := startHelper(t, "read", dir)
	mustBuild(t, dir, fixtureDocs())
	if s := siblings(t, dir); len(s) != 0 {
		t.Errorf("Build left %v", s)
	}
	fmt.Fprintln(reader.in, "search")
	if line := reader.line(); line != "total 3" {
		t.Errorf("reader of the old index: %q, want total 3", line)
	}
	ix, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if n, _ := ix.DocCount(); n != 12 {
		t.Errorf("new index holds %d", n)
	}
}

// A Build killed just before its swap leaves the old index working at
// dir; the next Build removes what it left.
func TestKilledBuild(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "idx")
	mustBuild(t, dir, fixtureDocs()[:3])
	b := startHelper(t, "build", dir)
	if err := b.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = b.cmd.Wait()
	if s := siblings(t, dir); len(s) != 1 || !strings.Contains(s[0], buildingInfix) {
		t.Fatalf("siblings after the kill: %v", s)
	}
	ix, err := Open(dir)
	if err != nil {
		t.Fatalf("old index after a killed build: %v", err)
	}
	if n, _ := ix.DocCount(); n != 3 {
		t.Errorf("old index holds %d", n)
	}
	ix.Close()
	mustBuild(t, dir, fixtureDocs())
	if s := siblings(t, dir); len(s) != 0 {
		t.Errorf("leftovers not removed: %v", s)
	}
}
