package output_test

import (
	"bufio"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/secondstory/secondstory/generator/incremental"
	"github.com/secondstory/secondstory/generator/internal/sitetest"
	"github.com/secondstory/secondstory/generator/output"
)

// The test binary runs itself as the child process of these tests: TestMain hands over to child when childEnv is
// set.
const (
	childEnv = "SECONDSTORY_OUTPUT_TEST_CHILD"
	childOut = "SECONDSTORY_OUTPUT_TEST_OUT"
)

const pages = 3000

// oldSite and newSite are the two versions of the site the kill test commits between: two thirds of the pages
// change, a tenth are removed (with their folders) and a tenth are added, so the journal has thousands of moves
// and hundreds of removals.
func oldSite() site {
	s := site{"index.html": "home, old"}
	for i := range pages {
		s[fmt.Sprintf("p/%04d/index.html", i)] = fmt.Sprintf("page %d, old %s", i, strings.Repeat("x", i%200))
	}
	return s
}

func newSite() site {
	s := site{"index.html": "home, new"}
	for i := range pages {
		name := fmt.Sprintf("p/%04d/index.html", i)
		switch {
		case i >= pages-pages/10:
			// removed
		case i%3 == 0:
			s[name] = fmt.Sprintf("page %d, old %s", i, strings.Repeat("x", i%200)) // unchanged
		default:
			s[name] = fmt.Sprintf("page %d, new", i)
		}
	}
	for i := range pages / 10 {
		s[fmt.Sprintf("q/%04d/index.html", i)] = fmt.Sprintf("added %d", i)
	}
	return s
}

func manifestOf(s site) map[string]uint64 {
	m := make(map[string]uint64, len(s))
	for name, data := range s {
		m[name] = incremental.Sum([]byte(data))
	}
	return m
}

// child runs in the re-executed test binary.
func child(mode, out string) int {
	p, err := output.PathsFor(out)
	if err != nil {
		fmt.Println(err)
		return 1
	}
	switch mode {
	case "lock":
		_, err := p.Lock()
		switch {
		case errors.Is(err, output.ErrBusy):
			fmt.Println("busy")
		case err != nil:
			fmt.Println(err)
			return 1
		default:
			fmt.Println("locked")
		}
		return 0
	case "commit":
		// The in-place update from oldSite to newSite, as a session's build makes it, announcing its phases.
		w, err := output.InPlace(p, manifestOf(oldSite()))
		if err != nil {
			fmt.Println(err)
			return 1
		}
		fmt.Println("start")
		t0 := time.Now()
		for name, data := range newSite() {
			if err := w.Write(name, []byte(data), incremental.Sum([]byte(data))); err != nil {
				fmt.Println(err)
				return 1
			}
		}
		staged := time.Since(t0)
		fmt.Println("commit")
		t1 := time.Now()
		if err := w.Commit(true); err != nil {
			fmt.Println(err)
			return 1
		}
		fmt.Println("done", staged.Nanoseconds(), time.Since(t1).Nanoseconds())
		return 0
	}
	return 2
}

func childCommand(mode, out string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+mode, childOut+"="+out)
	return cmd
}

func runChild(t *testing.T, mode, out string) (string, error) {
	t.Helper()
	b, err := childCommand(mode, out).CombinedOutput()
	return string(b), err
}

// TestKillDuringCommit kills (SIGKILL) an in-place commit of 3,000 pages in a child process at random moments:
// while it stages files, while it writes its journal, while it moves the files into place. After Recover, the
// site must be the old one or the new one, file for file — never a mix — with nothing left beside it.
func TestKillDuringCommit(t *testing.T) {
	if testing.Short() {
		t.Skip("re-executes the test binary")
	}
	p, err := output.PathsFor(filepath.Join(sitetest.MemDir(t), "public"))
	if err != nil {
		t.Fatal(err)
	}
	oldS, newS := oldSite(), newSite()
	reset := func() {
		t.Helper()
		for _, d := range []string{p.Out, p.Staging, p.Journal} {
			if err := os.RemoveAll(d); err != nil {
				t.Fatal(err)
			}
		}
		writeFresh(t, p, oldS)
	}

	// A run to the end measures the phases, and shows the child's commit gives the new site.
	reset()
	out, err := runChild(t, "commit", p.Out)
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	f := strings.Fields(out[strings.LastIndex(out, "done"):])
	stage, _ := strconv.ParseInt(f[1], 10, 64)
	commit, _ := strconv.ParseInt(f[2], 10, 64)
	if d := sameSite(t, p.Out, newS); len(d) > 0 {
		t.Fatalf("the uninterrupted commit: %d differences, first %s", len(d), d[0])
	}
	t.Logf("staging %v, commit %v", time.Duration(stage), time.Duration(commit))

	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 1))
	outcomes := map[string]int{}
	const runs = 10
	for run := range runs {
		reset()
		cmd := childCommand("commit", p.Out)
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := bufio.NewScanner(stdout)
		// Most runs are killed during the commit itself, the rest while files are staged.
		wait, phase := "commit", time.Duration(rng.Int64N(commit+1))
		if run%3 == 2 {
			wait, phase = "start", time.Duration(rng.Int64N(stage/2+1))
		}
		for lines.Scan() && lines.Text() != wait {
		}
		time.Sleep(phase)
		_ = cmd.Process.Kill()
		for lines.Scan() {
		}
		_ = cmd.Wait()

		if err := p.Recover(); err != nil {
			t.Fatalf("run %d (seed %d): Recover: %v", run, seed, err)
		}
		dOld, dNew := sameSite(t, p.Out, oldS), sameSite(t, p.Out, newS)
		switch {
		case len(dOld) == 0:
			outcomes["old"]++
		case len(dNew) == 0:
			outcomes["new"]++
		default:
			t.Fatalf("run %d (seed %d, killed %v after %q): neither the old site (%d differences, first %s) nor the new one (%d, first %s)",
				run, seed, phase, wait, len(dOld), dOld[0], len(dNew), dNew[0])
		}
		if leftovers := beside(t, p); len(leftovers) > 0 {
			t.Errorf("run %d: left beside the site after Recover: %v", run, leftovers)
		}
		if _, err := os.Stat(filepath.Join(p.Out, output.Marker)); err != nil {
			t.Errorf("run %d: the marker is gone", run)
		}
	}
	t.Logf("after %d kills: %v", runs, outcomes)
}
