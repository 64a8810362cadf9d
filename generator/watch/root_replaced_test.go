package watch_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/secondstory/secondstory/generator/watch"
)

// TestRootReplacedQuickly: the source folder replaced faster than the watcher can look — deleted and made again,
// moved away with a new one made in its place (what a `git checkout` of another branch or a sync tool can do), or
// moved away and straight back — is followed: after the change set that says anything may have changed, a save in
// the new folder is reported. Before, a folder deleted and re-created between two polls left the watcher deaf: it
// still believed it watched the old one.
func TestRootReplacedQuickly(t *testing.T) {
	for _, c := range []struct {
		name    string
		replace func(t *testing.T, parent, src string)
	}{
		{"deleted and made again", func(t *testing.T, parent, src string) {
			must(t, os.RemoveAll(src))
			must(t, os.MkdirAll(filepath.Join(src, "incidents"), 0o755))
		}},
		{"moved away and a new one made", func(t *testing.T, parent, src string) {
			must(t, os.Rename(src, filepath.Join(parent, "other-branch")))
			must(t, os.MkdirAll(filepath.Join(src, "incidents"), 0o755))
		}},
		{"moved away and back", func(t *testing.T, parent, src string) {
			must(t, os.Rename(src, filepath.Join(parent, "away")))
			must(t, os.Rename(filepath.Join(parent, "away"), src))
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			parent := t.TempDir()
			src := filepath.Join(parent, "kb")
			must(t, os.MkdirAll(filepath.Join(src, "incidents"), 0o755))
			// The default poll (250 ms): the replacement is over long before the watcher looks.
			r := start(t, watch.Options{Root: src, Debounce: 100 * time.Millisecond})
			r.write("incidents/before.md", "x")
			r.expect("incidents/before.md")

			c.replace(t, parent, src)
			// Whatever change sets the replacement makes come first; then a save must be reported.
			time.Sleep(600 * time.Millisecond)
			for len(r.batches) > 0 {
				t.Logf("after the replacement: %+v", <-r.batches)
			}
			r.write("incidents/after.md", "y")
			select {
			case b := <-r.batches:
				if !slices.Contains(b.Changed, "incidents/after.md") && !b.All {
					t.Errorf("change set %+v does not have the save", b)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("the save in the replaced folder was never reported: the watcher is deaf")
			}
		})
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
