// Package output is the WRITE stage's safe output folder. A build either writes a whole new site beside the old
// one and swaps the two in one atomic step (a first build, a one-off build), or updates the site in place from a
// manifest of what the last build of this process wrote (the live preview), committing through a journal: files
// are staged beside the site, the journal is written, and only then are they moved into place, so a build killed at
// any point leaves the old site or, once the next run rolls the journal forward, the new one — never a mix. It
// only ever replaces a folder it created (it leaves a marker) or an empty one.
package output

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/secondstory/secondstory/generator/diag"
)

// Marker marks an output folder as secondstory's own.
const Marker = ".secondstory-site"

var markerText = []byte("This folder is written by secondstory build and replaced on every build.\n")

// Paths are the folders and files that belong to a site written to Out: all beside it, none inside the web root.
type Paths struct {
	Out      string // absolute, symbolic links resolved: the web root
	Index    string // the search index: <out>.bleve
	State    string // the up-to-date record: .<out>.state
	LockFile string // held while a process writes the site: .<out>.lock
	Journal  string // an in-place commit's journal: .<out>.journal
	Staging  string // an in-place build's new files: .<out>.staging
	tmp      string // prefix of a fresh build's folder: .<out>.tmp-
}

// PathsFor returns the paths of a site written to out. out "." is the working folder itself; its siblings are
// beside it, never inside.
func PathsFor(out string) (Paths, error) {
	abs, err := filepath.Abs(out)
	if err != nil {
		return Paths{}, diag.Env("output folder %s: %v", out, err)
	}
	// A symbolic link is followed: the site replaces the folder it points to, and the link stays.
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		abs = real
	}
	dir, base := filepath.Dir(abs), filepath.Base(abs)
	if dir == abs {
		return Paths{}, diag.Env("refusing to use %s as the output folder", out)
	}
	at := func(name string) string { return filepath.Join(dir, name) }
	return Paths{Out: abs, Index: abs + ".bleve", State: at("." + base + ".state"), LockFile: at("." + base + ".lock"),
		Journal: at("." + base + ".journal"), Staging: at("." + base + ".staging"), tmp: at("." + base + ".tmp-")}, nil
}

// Check refuses output folders whose replacement could lose files secondstory did not create: the source folder
// or a parent of it, a file, a non-empty folder without the marker.
func (p Paths) Check(source string) error {
	src, err := filepath.Abs(source)
	if err != nil {
		return diag.Env("source folder %s: %v", source, err)
	}
	if real, err := filepath.EvalSymlinks(src); err == nil {
		src = real
	}
	if p.Out == src || strings.HasPrefix(src, p.Out+string(filepath.Separator)) {
		return diag.Env("refusing to use %s as the output folder: it contains the source folder %s", p.Out, source)
	}
	return owned(p.Out)
}

// owned allows a missing folder, an empty one, or one with the marker.
func owned(dir string) error {
	info, err := os.Lstat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return diag.Env("%s: %v", dir, err)
	}
	if !info.IsDir() {
		return diag.Env("refusing to replace %s: it is not a folder", dir)
	}
	if _, err := os.Stat(filepath.Join(dir, Marker)); err == nil {
		return nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return diag.Env("%s: %v", dir, err)
	}
	if len(entries) > 0 {
		return diag.Env("refusing to replace %s: it has files that secondstory did not create (no %s marker); choose another --out or move them away", dir, Marker)
	}
	return nil
}

// Recover finishes or undoes what a killed build left: a journal is rolled forward (its staged files were all
// written before it was), staged files without a journal are removed (that build never committed), and the folders
// of killed fresh builds (ours: they hold the marker, or are still empty) are removed.
func (p Paths) Recover() error {
	if err := p.rollForward(); err != nil {
		return err
	}
	if err := os.RemoveAll(p.Staging); err != nil {
		return diag.Env("%v", err)
	}
	matches, _ := filepath.Glob(p.tmp + "*")
	for _, m := range matches {
		if _, err := os.Stat(filepath.Join(m, Marker)); err == nil {
			if err := os.RemoveAll(m); err != nil {
				return diag.Env("%v", err)
			}
		} else {
			_ = os.Remove(m) // killed before its marker was written: removed only if empty
		}
	}
	return nil
}

// Writer writes one build's site. Write and Keep are safe for concurrent use.
type Writer struct {
	p      Paths
	dir    string // where files go: the fresh folder, or the staging folder
	fresh  bool
	mu     sync.Mutex
	made   map[string]bool
	prev   map[string]uint64 // in place: the files the last build wrote, by site path, with their checksums
	cur    map[string]uint64
	staged map[string]string // in place: site path -> staged file
	Files  int
	Bytes  int64
}

// Fresh starts a site in a new folder beside p.Out, swapped in by Commit. The marker is its first file, so a folder
// left by a killed build is known to be ours and removed by the next Recover.
func Fresh(p Paths) (*Writer, error) {
	if err := os.MkdirAll(filepath.Dir(p.Out), 0o755); err != nil {
		return nil, diag.Env("cannot create %s: %v", filepath.Dir(p.Out), err)
	}
	dir, err := os.MkdirTemp(filepath.Dir(p.Out), filepath.Base(p.tmp)+"*")
	if err != nil {
		return nil, diag.Env("cannot write next to %s: %v", p.Out, err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		return nil, diag.Env("%v", err)
	}
	w := &Writer{p: p, dir: dir, fresh: true, made: map[string]bool{dir: true}, cur: map[string]uint64{}}
	if err := os.WriteFile(filepath.Join(dir, Marker), markerText, 0o644); err != nil {
		os.RemoveAll(dir)
		return nil, diag.Env("%v", err)
	}
	return w, nil
}

// InPlace updates the site at p.Out, which the last build of this process wrote with the files in prev (site path
// -> checksum): only files whose checksum changed are written, and files of prev that this build does not write or
// keep are removed at Commit.
func InPlace(p Paths, prev map[string]uint64) (*Writer, error) {
	if err := os.RemoveAll(p.Staging); err != nil {
		return nil, diag.Env("%v", err)
	}
	if err := os.MkdirAll(p.Staging, 0o755); err != nil {
		return nil, diag.Env("cannot write next to %s: %v", p.Out, err)
	}
	return &Writer{p: p, dir: p.Staging, made: map[string]bool{}, prev: prev, cur: make(map[string]uint64, len(prev)),
		staged: map[string]string{}}, nil
}

// Write stores one file of the site; sum is its checksum (what the next in-place build compares).
func (w *Writer) Write(rel string, data []byte, sum uint64) error {
	w.mu.Lock()
	if _, dup := w.cur[rel]; dup {
		w.mu.Unlock()
		return diag.Env("internal error: %s written twice", rel)
	}
	w.cur[rel] = sum
	w.Files++
	w.Bytes += int64(len(data))
	var p string
	if w.fresh {
		p = filepath.Join(w.dir, filepath.FromSlash(rel))
		if d := filepath.Dir(p); !w.made[d] {
			if err := os.MkdirAll(d, 0o755); err != nil {
				w.mu.Unlock()
				return diag.Env("%v", err)
			}
			w.made[d] = true
		}
	} else {
		if old, ok := w.prev[rel]; ok && old == sum {
			w.mu.Unlock()
			return nil
		}
		p = filepath.Join(w.dir, fmt.Sprintf("%d", len(w.staged)))
		w.staged[rel] = p
	}
	w.mu.Unlock()
	if err := os.WriteFile(p, data, 0o644); err != nil {
		return diag.Env("%v", err)
	}
	return nil
}

// Keep carries a file of the last in-place build over unchanged, without writing it; false when there is none.
func (w *Writer) Keep(rel string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	sum, ok := w.prev[rel]
	if ok && !w.fresh {
		w.cur[rel] = sum
		w.Files++
	}
	return ok && !w.fresh
}

// KeepIf keeps a file of the last in-place build when its checksum is sum; false when the file must be written.
func (w *Writer) KeepIf(rel string, sum uint64) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if old, ok := w.prev[rel]; ok && !w.fresh && old == sum {
		w.cur[rel] = sum
		w.Files++
		return true
	}
	return false
}

// Manifest is what this build wrote and kept: the prev of the next in-place build.
func (w *Writer) Manifest() map[string]uint64 { return w.cur }

// Abort removes what the build wrote; the site is as it was.
func (w *Writer) Abort() {
	_ = os.RemoveAll(w.dir)
}

// Commit makes the new site the site, in one atomic step (fresh) or through the journal (in place). The old tree
// of a fresh build is removed before Commit returns unless background is set (a preview, which goes on running).
func (w *Writer) Commit(background bool) error {
	if w.fresh {
		return w.swap(background)
	}
	return w.journal()
}

func (w *Writer) swap(background bool) error {
	if _, err := os.Lstat(w.p.Out); errors.Is(err, fs.ErrNotExist) {
		if err := os.Rename(w.dir, w.p.Out); err != nil {
			return diag.Env("cannot create %s: %v", w.p.Out, err)
		}
		return nil
	}
	if err := owned(w.p.Out); err != nil {
		return err
	}
	if err := exchange(w.dir, w.p.Out); err != nil {
		return diag.Env("cannot replace %s: %v", w.p.Out, err)
	}
	old := w.dir // now the previous site
	if background {
		go os.RemoveAll(old)
		return nil
	}
	if err := os.RemoveAll(old); err != nil {
		return diag.Env("%v", err)
	}
	return nil
}
