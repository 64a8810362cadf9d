// Package watch turns file-system events under a knowledge base into change sets: it watches every folder (fsnotify
// is not recursive, and loses a watched file on a rename-save, so folders are watched, never files), ignores what
// cannot change the site (editor temporary files, dot-files, the output folder), and hands over one change set
// after a short quiet period, so a save, or a `git checkout` of five hundred files, is one rebuild. It knows
// nothing of the build: the caller decides what a change set means.
package watch

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
)

// Options configure a Watcher.
type Options struct {
	Root     string        // the folder to watch, recursively
	Exclude  []string      // folders never to watch or report (the output folder, the search index)
	Debounce time.Duration // quiet period after the last event before a change set is handed over (default 50 ms)
	MaxDelay time.Duration // how long a steady stream of events can postpone it (default 2 s)
	Poll     time.Duration // how often a vanished Root is looked for (default 250 ms)
}

// Batch is one change set.
type Batch struct {
	Changed  []string // paths relative to Root (or absolute, for an extra folder), forward slashes, sorted
	All      bool     // anything may have changed: the event queue overflowed, or Root came back
	Gone     bool     // Root does not exist (moved away or deleted): the watcher waits for it to come back
	Problems []error  // watcher errors since the last batch (e.g. the inotify watch limit)
}

// Watcher watches a folder tree and reports change sets.
type Watcher struct {
	opts     Options
	fsw      *fsnotify.Watcher
	root     string
	exclude  []string
	extra    []string // absolute folders watched too (a theme outside Root)
	dirs     map[string]bool
	rootInfo os.FileInfo // the folder watched as Root: another one at that path is a new root
	problems []error
	pending  map[string]pendingChange
	all      bool
	gone     bool
}

type pendingChange struct {
	abs     string
	created bool // the change set's first event for it was its creation
}

// New starts watching opts.Root. Changes made between New and Run wait in the kernel's queue.
func New(opts Options) (*Watcher, error) {
	if opts.Debounce <= 0 {
		opts.Debounce = 50 * time.Millisecond
	}
	if opts.MaxDelay <= 0 {
		opts.MaxDelay = 2 * time.Second
	}
	if opts.Poll <= 0 {
		opts.Poll = 250 * time.Millisecond
	}
	root, err := filepath.Abs(opts.Root)
	if err != nil {
		return nil, err
	}
	if st, err := os.Stat(root); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("%s: not a readable folder", opts.Root)
	}
	w := &Watcher{opts: opts, root: root, dirs: map[string]bool{}, pending: map[string]pendingChange{}}
	for _, e := range opts.Exclude {
		if abs, err := filepath.Abs(e); err == nil {
			w.exclude = append(w.exclude, abs)
		}
	}
	if w.fsw, err = fsnotify.NewBufferedWatcher(1024); err != nil {
		return nil, err
	}
	if err := w.addTree(root, nil); err != nil {
		w.fsw.Close()
		return nil, err
	}
	return w, nil
}

// Watch adds folders outside Root to watch (a custom theme elsewhere), replacing the previous ones. Only Run's
// callback may call it.
func (w *Watcher) Watch(dirs ...string) {
	for _, d := range w.extra {
		if !w.under(d, w.root) {
			w.removeTree(d)
		}
	}
	w.extra = nil
	for _, d := range dirs {
		if d == "" {
			continue
		}
		abs, err := filepath.Abs(d)
		if err != nil {
			continue
		}
		w.extra = append(w.extra, abs)
		_ = w.addTree(abs, nil)
	}
}

// Run hands fn every change set, one at a time, until ctx is done; events that arrive while fn runs make the next
// change set. It returns nil when ctx is done, an error when the file watcher stopped by itself; either way the
// watcher is closed (a Watcher is made to be Run).
func (w *Watcher) Run(ctx context.Context, fn func(Batch)) error {
	defer w.fsw.Close()
	quiet := time.NewTimer(time.Hour)
	quiet.Stop()
	poll := time.NewTicker(w.opts.Poll)
	defer poll.Stop()
	var first time.Time
	arm := func() {
		now := time.Now()
		if first.IsZero() {
			first = now
		}
		quiet.Reset(min(w.opts.Debounce, max(0, first.Add(w.opts.MaxDelay).Sub(now))))
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.fsw.Events:
			if !ok {
				return errors.New("the file watcher was closed")
			}
			if w.handle(ev) {
				arm()
			}
		case err, ok := <-w.fsw.Errors:
			if !ok {
				return errors.New("the file watcher was closed")
			}
			w.fail(err)
			arm()
		case <-poll.C:
			if w.checkRoot() {
				arm()
			}
		case <-quiet.C:
			first = time.Time{}
			if b, ok := w.take(); ok {
				fn(b)
			}
		}
	}
}

// fail records a watcher error; an overflow (events were dropped) means anything may have changed.
func (w *Watcher) fail(err error) {
	if errors.Is(err, fsnotify.ErrEventOverflow) {
		_ = w.addTree(w.root, nil)
		w.all = true
		return
	}
	w.problems = append(w.problems, err)
}

// checkRoot notices that Root went away (a folder moved away or deleted, a checkout that replaced it) or came back,
// in which case its watches are made again and everything may have changed.
func (w *Watcher) checkRoot() bool {
	st, err := os.Stat(w.root)
	if err == nil && !w.gone && w.rootInfo != nil && !os.SameFile(st, w.rootInfo) {
		// Another folder at Root's path (moved away and a new one made, or deleted and made again, faster than
		// a poll): the watches are the old folder's, wherever it is now.
		w.removeTree(w.root)
	}
	switch {
	case err != nil && !w.gone:
		w.gone = true
		for d := range w.dirs {
			_ = w.fsw.Remove(d)
			delete(w.dirs, d)
		}
		return true
	case err == nil && w.gone:
		w.gone = false
		if err := w.addTree(w.root, nil); err != nil {
			w.problems = append(w.problems, err)
		}
		w.all = true
		return true
	case err == nil && !w.dirs[w.root]:
		// Replaced by another folder of the same name between two polls: watch the new one.
		_ = w.addTree(w.root, nil)
		w.all = true
		return true
	}
	return false
}

// take empties the pending change set. A file that appeared and is gone again within it (an editor's temporary
// file of another name) changed nothing and is left out; a set of only such files is no change set.
func (w *Watcher) take() (Batch, bool) {
	b := Batch{All: w.all, Gone: w.gone, Problems: w.problems}
	for rel, c := range w.pending {
		if c.created && c.abs != "" {
			if _, err := os.Lstat(c.abs); errors.Is(err, fs.ErrNotExist) {
				continue
			}
		}
		b.Changed = append(b.Changed, rel)
	}
	sort.Strings(b.Changed)
	clear(w.pending)
	w.all, w.problems = false, nil
	if len(b.Changed) == 0 && !b.All && !b.Gone && len(b.Problems) == 0 {
		return b, false
	}
	return b, true
}

// handle adds what an event changed to the pending set; false when the event does not concern the site.
func (w *Watcher) handle(ev fsnotify.Event) bool {
	if ev.Op == fsnotify.Chmod || ev.Name == "" {
		return false // touch, permission changes, indexers: the content did not change
	}
	name := filepath.Clean(ev.Name)
	if name == w.root && (ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename)) {
		// The watched folder was deleted (its watches are gone) or moved (they follow it): whatever is at the path
		// now — nothing, the same folder moved back, a new one, perhaps with the old one's inode number — is
		// watched afresh.
		if !w.gone {
			w.removeTree(w.root)
		}
		return w.checkRoot()
	}
	if w.ignored(name) {
		return false
	}
	if ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename) {
		// A folder that went away takes its watches with it; drop ours, so a folder moved back gets fresh ones.
		w.removeTree(name)
	}
	if ev.Has(fsnotify.Create) {
		if st, err := os.Stat(name); err == nil && st.IsDir() {
			// `mkdir -p a/b` and a moved-in folder: files may be inside before the watch exists.
			found := 0
			_ = w.addTree(name, func(file string) {
				if r := w.rel(file); w.pending[r].abs == "" {
					w.pending[r] = pendingChange{abs: file, created: true}
				}
				found++
			})
			return found > 0
		}
	}
	if r := w.rel(name); w.pending[r].abs == "" {
		w.pending[r] = pendingChange{abs: name, created: ev.Has(fsnotify.Create)}
	}
	return true
}

// rel names a path for the change set: relative to Root; a file of an extra folder by its absolute path.
func (w *Watcher) rel(p string) string {
	if w.under(p, w.root) {
		r, _ := filepath.Rel(w.root, p)
		return filepath.ToSlash(r)
	}
	return filepath.ToSlash(p)
}

func (w *Watcher) under(p, dir string) bool {
	return p == dir || strings.HasPrefix(p, dir+string(filepath.Separator))
}

// ignored reports whether a path cannot affect the site: the excluded folders, dot-folders and dot-files,
// node_modules, editor temporary files, and anything outside Root and the extra folders.
func (w *Watcher) ignored(p string) bool {
	if IgnoredName(filepath.Base(p)) {
		return true
	}
	for _, e := range w.exclude {
		if w.under(p, e) {
			return true
		}
	}
	for _, dir := range append([]string{w.root}, w.extra...) {
		if w.under(p, dir) {
			r, _ := filepath.Rel(dir, p)
			for _, c := range strings.Split(filepath.ToSlash(r), "/") {
				if c == "node_modules" || strings.HasPrefix(c, ".") && c != "." {
					return true
				}
			}
			return false
		}
	}
	return true
}

// IgnoredName matches the temporary and backup files editors write while saving: vim (.x.swp, .x.swx, x~, the 4913
// probe file), Emacs (.#x lock files, #x# autosaves), JetBrains safe write (x___jb_tmp___, x___jb_old___) and
// GNOME's .goutputstream-*. Dot-files are never content either.
func IgnoredName(base string) bool {
	switch {
	case base == "" || strings.HasPrefix(base, "."),
		strings.HasSuffix(base, "~"),
		base == "4913",
		strings.HasSuffix(base, "___jb_tmp___"), strings.HasSuffix(base, "___jb_old___"),
		strings.HasPrefix(base, "#") && strings.HasSuffix(base, "#"),
		strings.HasSuffix(base, ".swp"), strings.HasSuffix(base, ".swx"):
		return true
	}
	return false
}

// addTree watches dir and every folder below it that is not ignored; onFile, if set, is told of every file found.
func (w *Watcher) addTree(dir string, onFile func(string)) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == dir {
				return err
			}
			return nil // vanished while walked: its removal has its own event
		}
		if p != dir && w.ignored(p) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.IsDir() {
			if onFile != nil {
				onFile(p)
			}
			return nil
		}
		if w.dirs[p] {
			return nil
		}
		if err := w.fsw.Add(p); err != nil {
			if p == dir && len(w.dirs) == 0 {
				return err
			}
			w.problems = append(w.problems, fmt.Errorf("cannot watch %s: %w", p, err))
			return nil
		}
		w.dirs[p] = true
		if p == w.root {
			w.rootInfo, _ = os.Stat(p)
		}
		return nil
	})
}

// removeTree forgets the watches of p and the folders below it.
func (w *Watcher) removeTree(p string) {
	for d := range w.dirs {
		if w.under(d, p) {
			_ = w.fsw.Remove(d) // gone with the folder, usually
			delete(w.dirs, d)
		}
	}
}
