package build_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/secondstory/secondstory/generator/build"
	"github.com/secondstory/secondstory/generator/diag"
	"github.com/secondstory/secondstory/generator/internal/sitetest"
)

// TestFileAddedAndDeletedDuringBuild: a file that appears and is gone again within a few milliseconds (an editor's
// temporary file, a tool's scratch copy) is no error in the build that saw it in the scan but not at the read,
// whether a postmortem, a static file or a bundle's file: the next change set brings the folder's new state. Before,
// the preview showed a transient false "cannot read" build error.
func TestFileAddedAndDeletedDuringBuild(t *testing.T) {
	dir := sitetest.CopySample(t)
	s, err := build.NewSession(build.Options{Source: dir, Out: filepath.Join(sitetest.MemDir(t), "public"), Now: sitetest.SampleNow})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Build(); err != nil {
		t.Fatal(err)
	}
	flicker := []string{
		"static/scratch.txt",
		"incidents/scratch.md",
		"incidents/2024-02-19-tracking-replica-lag/scratch.png",
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i, rel := range flicker {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := filepath.Join(dir, filepath.FromSlash(rel))
			content := "---\ntitle: Scratch\ndate: 2024-01-01\n---\nBody.\n"
			for n := 0; ; n++ {
				select {
				case <-stop:
					os.Remove(p)
					return
				default:
				}
				// As an editor saves: written beside, renamed into place (never seen half-written).
				tmp := filepath.Join(filepath.Dir(p), ".tmp-"+filepath.Base(p))
				_ = os.WriteFile(tmp, []byte(content), 0o644)
				_ = os.Rename(tmp, p)
				time.Sleep(time.Duration(1+(n+i)%4) * time.Millisecond)
				_ = os.Remove(p)
				time.Sleep(time.Duration(1+(n*7+i)%5) * time.Millisecond)
			}
		}()
	}
	var failures []string
	deadline := time.Now().Add(6 * time.Second)
	builds := 0
	for ; builds < 40 && time.Now().Before(deadline); builds++ {
		// A touched file makes every build do its work again (the sample's bodies are cached otherwise).
		sitetest.Edit(t, dir, "incidents/2023-03-14-orders-db-failover.md", "title:", "title:")
		res, err := s.Build()
		if err != nil {
			msg := err.Error()
			if res != nil {
				msg = lines(res.Diagnostics.Only(diag.Error))
			}
			failures = append(failures, fmt.Sprintf("build %d: %s", builds, msg))
		}
	}
	close(stop)
	wg.Wait()
	if len(failures) > 0 {
		t.Errorf("%d of %d builds failed while files came and went:\n%s", len(failures), builds, strings.Join(failures, "\n"))
	}
	// Once they are gone for good, the site has none of them.
	if _, err := s.Build(); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"scratch.txt", "incidents/scratch/index.html", "incidents/2024-02-19-tracking-replica-lag/scratch.png"} {
		if _, err := os.Stat(filepath.Join(s.Paths().Out, name)); err == nil {
			t.Errorf("%s is still in the site", name)
		}
	}
}
