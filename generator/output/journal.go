package output

import (
	"bufio"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/secondstory/secondstory/generator/diag"
)

// The journal of an in-place commit is a text file, one operation per line: "R <staged>\t<site path>" moves a staged
// file into place, "D <site path>" removes a file of the last build. Writing it (to a temporary name, then renamed)
// is the commit point; applying it is idempotent, so a run that finds it applies it again and removes it.

func (w *Writer) journal() error {
	var lines []string
	for rel, staged := range w.staged {
		lines = append(lines, "R "+filepath.Base(staged)+"\t"+rel)
	}
	for rel := range w.prev {
		if _, ok := w.cur[rel]; !ok {
			lines = append(lines, "D "+rel)
		}
	}
	if len(lines) == 0 {
		return os.RemoveAll(w.p.Staging)
	}
	sort.Strings(lines) // deterministic; the paths of renames and removals never meet
	tmp := w.p.Journal + ".tmp"
	if err := os.WriteFile(tmp, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		return diag.Env("%v", err)
	}
	if err := os.Rename(tmp, w.p.Journal); err != nil {
		return diag.Env("%v", err)
	}
	return w.p.rollForward()
}

// rollForward applies the journal, if there is one, and removes it and the staging folder.
func (p Paths) rollForward() error {
	f, err := os.Open(p.Journal)
	if errors.Is(err, fs.ErrNotExist) {
		_ = os.Remove(p.Journal + ".tmp") // written, never committed
		return nil
	}
	if err != nil {
		return diag.Env("%v", err)
	}
	sc := bufio.NewScanner(f)
	var failed error
	for sc.Scan() {
		line := sc.Text()
		if len(line) < 3 {
			continue
		}
		var err error
		switch op, arg := line[0], line[2:]; op {
		case 'R':
			err = p.moveIn(arg)
		case 'D':
			err = p.remove(arg)
		}
		if failed == nil {
			failed = err // the first; the others are still applied
		}
	}
	f.Close()
	if err := sc.Err(); err != nil && failed == nil {
		failed = err
	}
	if failed != nil {
		return diag.Env("applying %s: %v", p.Journal, failed)
	}
	if err := os.Remove(p.Journal); err != nil {
		return diag.Env("%v", err)
	}
	return os.RemoveAll(p.Staging)
}

// moveIn applies "R <staged>\t<site path>": the staged file goes into place.
func (p Paths) moveIn(arg string) error {
	staged, rel, ok := strings.Cut(arg, "\t")
	if !ok || !safe(rel) {
		return nil
	}
	from := filepath.Join(p.Staging, filepath.Base(staged))
	to := filepath.Join(p.Out, filepath.FromSlash(rel))
	if _, err := os.Lstat(from); err != nil {
		return nil // moved by an earlier, interrupted roll-forward
	}
	mkErr := os.MkdirAll(filepath.Dir(to), 0o755)
	if err := os.Rename(from, to); err != nil {
		return err
	}
	return mkErr
}

// remove applies "D <site path>": the file goes, and the folders it leaves empty (a deleted incident's page folder).
func (p Paths) remove(rel string) error {
	if !safe(rel) {
		return nil
	}
	to := filepath.Join(p.Out, filepath.FromSlash(rel))
	err := os.Remove(to)
	for d := filepath.Dir(to); d != p.Out && strings.HasPrefix(d, p.Out); d = filepath.Dir(d) {
		if os.Remove(d) != nil {
			break
		}
	}
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// safe reports whether a journal's site path stays inside the site.
func safe(rel string) bool {
	return rel != "" && !filepath.IsAbs(rel) && !strings.HasPrefix(filepath.Clean(filepath.FromSlash(rel)), "..")
}
