package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/secondstory/secondstory/generator/build"
	"golang.org/x/sys/unix"
)

// manyIncidents writes a knowledge base of n incidents, large enough that a build takes a while to write.
func manyIncidents(t *testing.T, n int, version string) string {
	t.Helper()
	src := filepath.Join(memDir(t), "kb")
	writeFile(t, filepath.Join(src, "secondstory.yaml"), "title: Kill test\n"+quiet)
	for i := range n {
		body := strings.Repeat(fmt.Sprintf("Paragraph %d of incident %d, %s. The queue grew while the consumer waited on the lock.\n\n", i%7, i, version), 12)
		writeFile(t, filepath.Join(src, fmt.Sprintf("incidents/%04d.md", i)), fmt.Sprintf(
			"---\ntitle: Incident %d %s\ndate: 2024-%02d-%02d\nseverity: SEV%d\ntags: [t%d, t%d]\nservices: [s%d]\n---\n%s",
			i, version, 1+i%12, 1+i%28, 1+i%4, i%17, i%5, i%23, body))
	}
	return src
}

// memDir is a temporary folder in tmpfs where there is one: these tests write and remove whole sites many times.
func memDir(t *testing.T) string {
	t.Helper()
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
		if dir, err := os.MkdirTemp("/dev/shm", "secondstory-cmd-test-"); err == nil {
			t.Cleanup(func() { os.RemoveAll(dir) })
			return dir
		}
	}
	return t.TempDir()
}

// tree reads every file below dir (relative path -> content); nil when dir does not exist.
func tree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	if _, err := os.Stat(dir); err != nil {
		return nil
	}
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		data, err := os.ReadFile(p)
		files[filepath.ToSlash(rel)] = data
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// treeDiff lists the first differences between two trees.
func treeDiff(got, want map[string][]byte) []string {
	var out []string
	for name, w := range want {
		if g, ok := got[name]; !ok {
			out = append(out, name+": missing")
		} else if !bytes.Equal(g, w) {
			out = append(out, name+": differs")
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			out = append(out, name+": extra")
		}
	}
	sort.Strings(out)
	return out
}

// beside lists what a build leaves next to the site other than the site, its index, its lock and its state: the
// temporary folders of killed builds.
func beside(t *testing.T, out string) []string {
	t.Helper()
	base := filepath.Base(out)
	entries, err := os.ReadDir(filepath.Dir(out))
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	for _, e := range entries {
		switch n := e.Name(); {
		case n == base, n == base+".bleve", n == "."+base+".lock", n == "."+base+".state":
		case strings.Contains(n, base):
			left = append(left, n)
		}
	}
	return left
}

// cliBuild runs `secondstory build` as a process (the test binary under that name: see TestMain).
func cliBuild(src, out string) *exec.Cmd {
	return exec.Command("secondstory", "build", "--quiet", "--source", src, "--out", out)
}

// TestKilledBuilds kills (SIGKILL) real `secondstory build` processes at random moments: a first build, and a
// rebuild of an existing site. After each kill the site is absent or whole (a first build), or the old site or the
// new one, file for file (a rebuild) — never a mix; and the next build removes what the killed one left beside the
// site (before: a first build killed midway left .public.tmp-* folders, 45 MB, that no later build removed).
func TestKilledBuilds(t *testing.T) {
	if testing.Short() {
		t.Skip("runs builds as processes")
	}
	src := manyIncidents(t, 300, "old")
	root := memDir(t)
	ref := filepath.Join(root, "ref-old")
	start := time.Now()
	if out, err := cliBuild(src, ref).CombinedOutput(); err != nil {
		t.Fatalf("reference build: %v\n%s", err, out)
	}
	took := time.Since(start)
	oldSite := tree(t, ref)
	t.Logf("a build of %d files takes %v", len(oldSite), took)

	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 2))
	kill := func(out string) time.Duration {
		cmd := cliBuild(src, out)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		at := time.Duration(rng.Int64N(int64(took)))
		time.Sleep(at)
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return at
	}

	// First builds, killed.
	outcomes := map[string]int{}
	for run := range 6 {
		out := filepath.Join(root, fmt.Sprintf("first-%d", run))
		at := kill(out)
		switch got := tree(t, out); {
		case got == nil:
			outcomes["no site"]++
		case len(treeDiff(got, oldSite)) == 0:
			outcomes["whole site"]++
		default:
			t.Fatalf("first build killed after %v (seed %d): a partial site: %v", at, seed, treeDiff(got, oldSite)[:1])
		}
		if left := beside(t, out); len(left) > 0 {
			outcomes["left temporaries"]++
		}
		if b, err := cliBuild(src, out).CombinedOutput(); err != nil {
			t.Fatalf("the build after the kill: %v\n%s", err, b)
		}
		if d := treeDiff(tree(t, out), oldSite); len(d) > 0 {
			t.Errorf("run %d: the build after the kill differs from a clean one: %v", run, d[:1])
		}
		if left := beside(t, out); len(left) > 0 {
			t.Errorf("run %d (killed after %v, seed %d): the next build left %v beside the site", run, at, seed, left)
		}
	}
	t.Logf("first builds killed: %v", outcomes)

	// Rebuilds of a site whose every page changes, killed: the old site or the new one.
	newSrc := manyIncidents(t, 300, "new")
	refNew := filepath.Join(root, "ref-new")
	if b, err := cliBuild(newSrc, refNew).CombinedOutput(); err != nil {
		t.Fatalf("reference build: %v\n%s", err, b)
	}
	newSite := tree(t, refNew)
	src = newSrc
	outcomes = map[string]int{}
	for run := range 6 {
		out := filepath.Join(root, fmt.Sprintf("re-%d", run))
		copySite(t, ref, out)
		at := kill(out)
		got := tree(t, out)
		switch {
		case len(treeDiff(got, oldSite)) == 0:
			outcomes["old"]++
		case len(treeDiff(got, newSite)) == 0:
			outcomes["new"]++
		default:
			t.Fatalf("rebuild killed after %v (seed %d): neither the old site (%v) nor the new one (%v)", at, seed, treeDiff(got, oldSite)[:1], treeDiff(got, newSite)[:1])
		}
		if b, err := cliBuild(src, out).CombinedOutput(); err != nil {
			t.Fatalf("the build after the kill: %v\n%s", err, b)
		}
		if d := treeDiff(tree(t, out), newSite); len(d) > 0 {
			t.Errorf("run %d: the build after the kill differs from a clean one: %v", run, d[:1])
		}
		if left := beside(t, out); len(left) > 0 {
			t.Errorf("run %d (killed after %v, seed %d): the next build left %v beside the site", run, at, seed, left)
		}
	}
	t.Logf("rebuilds killed: %v", outcomes)
}

// copySite copies a built site and its index to out, as if out had been built from the same source.
func copySite(t *testing.T, from, to string) {
	t.Helper()
	for _, pair := range [][2]string{{from, to}, {from + ".bleve", to + ".bleve"}} {
		if b, err := exec.Command("cp", "-a", pair[0], pair[1]).CombinedOutput(); err != nil {
			t.Fatalf("cp: %v %s", err, b)
		}
	}
}

// previewProcess starts `secondstory serve --watch` as a process and waits for its initial build.
func previewProcess(t *testing.T, src, out string) (*exec.Cmd, *bufio.Scanner) {
	t.Helper()
	cmd := exec.Command("secondstory", "serve", "--watch", "--source", src, "--out", out, "--addr", "127.0.0.1:0")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(stdout)
	waitLine(t, lines, "initial build: rendered")
	return cmd, lines
}

func waitLine(t *testing.T, lines *bufio.Scanner, want string) {
	t.Helper()
	for lines.Scan() {
		if strings.Contains(lines.Text(), want) {
			return
		}
	}
	t.Fatalf("the preview ended before printing %q", want)
}

// TestKilledPreviewRebuild kills (SIGKILL) a live preview while it rebuilds in place after every incident changed
// (the new incidents/ folder swapped in at once, so that the change is one change set): after Recover, which every
// build and serve runs first, the site is the old one or the new one, file for file, never a mix. The moment of the
// kill is random, mostly near the end of the rebuild where the commit is. (generator/output's TestKillDuringCommit
// aims at the commit itself, with its phases timed.)
func TestKilledPreviewRebuild(t *testing.T) {
	if testing.Short() {
		t.Skip("runs previews as processes")
	}
	root := memDir(t)
	src := manyIncidents(t, 300, "old")
	newIncidents := filepath.Join(manyIncidents(t, 300, "new"), "incidents")
	// swap puts the new incidents in place in one step, and back.
	swap := func() {
		if err := unix.Renameat2(unix.AT_FDCWD, newIncidents, unix.AT_FDCWD, filepath.Join(src, "incidents"), unix.RENAME_EXCHANGE); err != nil {
			t.Skipf("renameat2: %v", err)
		}
	}
	out := filepath.Join(root, "public")
	paths, err := build.PathsFor(out)
	if err != nil {
		t.Fatal(err)
	}
	reset := func() {
		t.Helper()
		for _, p := range []string{out, paths.Index, paths.Staging, paths.Journal, paths.State} {
			os.RemoveAll(p)
		}
	}

	// Uninterrupted: the old site, then the new one, and how long the rebuild takes.
	reset()
	cmd, lines := previewProcess(t, src, out)
	oldSite := tree(t, out)
	start := time.Now()
	swap()
	waitLine(t, lines, "rendered")
	took := time.Since(start)
	_ = cmd.Process.Signal(os.Interrupt)
	_ = cmd.Wait()
	newSite := tree(t, out)
	swap() // back to the old incidents
	if len(treeDiff(newSite, oldSite)) < 300 {
		t.Fatalf("the rebuild changed only %d files", len(treeDiff(newSite, oldSite)))
	}
	t.Logf("the in-place rebuild of %d files took %v", len(newSite), took)

	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 4))
	outcomes := map[string]int{}
	for run := range 8 {
		reset()
		cmd, _ := previewProcess(t, src, out)
		swap()
		// Most kills near the end of the rebuild, where the commit is; the rest anywhere in it.
		at := time.Duration(rng.Int64N(int64(took)))
		if run%4 != 0 {
			at = took/2 + time.Duration(rng.Int64N(int64(took)*3/5))
		}
		time.Sleep(at)
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		swap()
		if err := paths.Recover(); err != nil {
			t.Fatalf("Recover: %v", err)
		}
		got := tree(t, out)
		switch {
		case len(treeDiff(got, oldSite)) == 0:
			outcomes["old"]++
		case len(treeDiff(got, newSite)) == 0:
			outcomes["new"]++
		default:
			t.Fatalf("run %d (killed after %v, seed %d): neither the old site (%v) nor the new one (%v)", run, at, seed, treeDiff(got, oldSite)[:1], treeDiff(got, newSite)[:1])
		}
		if left := beside(t, out); len(left) > 0 {
			t.Errorf("run %d: left beside the site after Recover: %v", run, left)
		}
	}
	t.Logf("previews killed while rebuilding: %v", outcomes)
}
