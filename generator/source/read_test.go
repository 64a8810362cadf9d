package source

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestReadRefuses: Read, the one reader, refuses a FIFO at once (a file replaced by one after the scan must not
// block the build waiting for a writer), a link out of the folder (to /dev/zero: no unbounded read), and a file
// past the limit, naming its size and the limit; a file that vanished is ErrGone.
func TestReadRefuses(t *testing.T) {
	root, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	write := func(name, data string) {
		if err := os.WriteFile(filepath.Join(root, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("ok.md", "fine")
	write("big.bin", strings.Repeat("x", 1<<20+1))
	write("max.bin", strings.Repeat("x", 1<<20))
	if err := syscall.Mkfifo(filepath.Join(root, "fifo"), 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	for link, target := range map[string]string{"zero": "/dev/zero", "passwd": "/etc/passwd", "to-fifo": "fifo", "inside": "ok.md"} {
		if err := os.Symlink(target, filepath.Join(root, link)); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct{ rel, err string }{
		{"ok.md", ""},
		{"inside", ""},
		{"max.bin", ""},
		{"fifo", "not a regular file"},
		{"to-fifo", "not a regular file"},
		{"zero", "outside the source folder"},
		{"passwd", "outside the source folder"},
		{"big.bin", "1048577 bytes, over the limit of 1 MB (max_file_mb)"},
		{"missing.md", ErrGone.Error()},
	} {
		done := make(chan error, 1)
		go func() {
			_, err := Read(root, c.rel, 1<<20)
			done <- err
		}()
		select {
		case err := <-done:
			switch {
			case c.err == "" && err != nil:
				t.Errorf("%s: %v", c.rel, err)
			case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
				t.Errorf("%s: error %v, want %q", c.rel, err, c.err)
			}
			if c.rel == "missing.md" && !errors.Is(err, ErrGone) {
				t.Errorf("missing file: %v is not ErrGone", err)
			}
		case <-time.After(5 * time.Second):
			// Unblock the reader.
			if w, err := os.OpenFile(filepath.Join(root, "fifo"), os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
				w.Close()
			}
			t.Fatalf("Read(%s) blocks", c.rel)
		}
	}
}
