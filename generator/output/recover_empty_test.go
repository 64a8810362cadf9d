package output_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/secondstory/secondstory/generator/output"
)

// TestRecoverKilledBeforeMarker: a fresh build killed between creating its folder and writing its marker (its first
// file) leaves an empty .<out>.tmp-* folder; Recover removes it too — an empty folder loses nothing — and still
// leaves a folder with files but no marker alone.
func TestRecoverKilledBeforeMarker(t *testing.T) {
	p, err := output.PathsFor(filepath.Join(t.TempDir(), "public"))
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(p.Out)
	empty := filepath.Join(dir, ".public.tmp-111")
	foreign := filepath.Join(dir, ".public.tmp-222")
	for _, d := range []string{empty, foreign} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(foreign, "notes.txt"), []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := p.Recover(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(empty); err == nil {
		t.Error("the empty folder of a killed build is left")
	}
	if _, err := os.Stat(filepath.Join(foreign, "notes.txt")); err != nil {
		t.Error("a folder with files and no marker was removed")
	}
}
