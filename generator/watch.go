package generator

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
)

// WatchOptions configure a Watcher.
type WatchOptions struct {
	// Debounce is the quiet period after the last file event before a rebuild starts (default 100 ms): one save,
	// or a `git checkout` of hundreds of files, is one rebuild.
	Debounce time.Duration
	// MaxDelay bounds how long a steady stream of events can postpone a rebuild (default 2 s).
	MaxDelay time.Duration
	// Speculate is the shorter quiet period after which the rebuild already runs (default 20 ms: the events of
	// one save come within a few milliseconds). Its site is swapped in and reported only once Debounce has passed
	// with no other change, so a save shows up Debounce after it, not Debounce plus the rebuild; a change within
	// Debounce abandons it (Options.Commit), and the change sets are built together; the pause that abandoned it
	// is waited for from then on (Run). Negative: never.
	Speculate time.Duration
	// SkipInitial starts without a build (serve --no-build): the first rebuild waits for a change.
	SkipInitial bool
}

// Rebuild reports one build of the watch loop.
type Rebuild struct {
	Initial  bool          // the build at start, not caused by a change
	Changed  []string      // changed paths relative to the source folder, forward slashes, sorted
	Result   *Result       // as returned by Build (nil on an environment error before loading)
	Err      error         // as returned by Build
	Duration time.Duration // building, without the wait for the quiet period
	// Speculative says the build started before the quiet period was over (WatchOptions.Speculate).
	Speculative bool
	// Moved maps the site-relative URL of each incident page whose URL changed to its new URL, so that a
	// browser showing the old page can follow it.
	Moved map[string]string
	// Problems are watcher errors since the last rebuild (e.g. the inotify watch limit); the rebuild still ran.
	Problems []error
}

// OK reports whether the rebuild succeeded and its site was swapped in.
func (r *Rebuild) OK() bool { return r.Err == nil }

// overflowChange stands for "anything may have changed": the kernel's event queue overflowed.
const overflowChange = "(all files: the event queue overflowed)"

// Watcher rebuilds a knowledge base whenever its files change. It runs the one Build function per debounced
// change set: it has no pipeline of its own. fsnotify is not recursive and loses a watched file on rename-save,
// so the watcher watches every folder (adding new ones as they appear) and never individual files.
type Watcher struct {
	opts     Options
	wo       WatchOptions
	fsw      *fsnotify.Watcher
	source   string          // absolute source folder
	exclude  []string        // absolute: the output folder and the search index
	themeDir string          // absolute custom theme folder, "" for none
	dirs     map[string]bool // watched folders (absolute); touched only by Run's goroutine after NewWatcher
	problems []error
	last     *Site // the last good site, for Moved; touched only by the build goroutine
}

// NewWatcher starts watching the source folder, its config file and the custom theme folder. Changes made
// between NewWatcher and Run are not lost: they wait in the kernel's queue.
func NewWatcher(opts Options, wo WatchOptions) (*Watcher, error) {
	if wo.Debounce <= 0 {
		wo.Debounce = 100 * time.Millisecond
	}
	if wo.MaxDelay <= 0 {
		wo.MaxDelay = 2 * time.Second
	}
	if wo.Speculate == 0 {
		wo.Speculate = 20 * time.Millisecond
	}
	src, err := filepath.Abs(opts.Source)
	if err != nil {
		return nil, envErrorf("source folder %s: %v", opts.Source, err)
	}
	if st, err := os.Stat(src); err != nil || !st.IsDir() {
		return nil, envErrorf("source folder %s: not a readable folder", opts.Source)
	}
	if opts.Cache == nil {
		opts.Cache = &MemCache{} // a save re-decodes and re-renders only the files it touched
	}
	w := &Watcher{opts: opts, wo: wo, source: src, dirs: map[string]bool{}}
	for _, p := range []string{opts.Out, IndexDir(opts.Out)} {
		if abs, err := filepath.Abs(p); err == nil {
			w.exclude = append(w.exclude, abs)
		}
	}
	if w.fsw, err = fsnotify.NewBufferedWatcher(1024); err != nil {
		return nil, envErrorf("cannot watch files: %v", err)
	}
	if err := w.addTree(src, nil); err != nil {
		w.fsw.Close()
		return nil, envErrorf("cannot watch %s: %v", opts.Source, err)
	}
	w.updateTheme()
	return w, nil
}

// Close stops watching; Run closes the watcher itself when it returns, so Close is for a Watcher never run.
func (w *Watcher) Close() error { return w.fsw.Close() }

// Run builds (unless SkipInitial), then rebuilds after every debounced change set, calling fn after each
// build, one at a time, from one goroutine. Events that arrive during a build make the next change set. Run
// returns nil when ctx is done, after the build in progress has finished (so no temporary folder is left
// behind) and the file watcher is closed; an error if the file watcher stopped by itself.
//
// A rebuild starts once the sources have been quiet for Speculate, and waits before its commit until they have
// been quiet for Debounce: a change in between abandons it, and its change set joins the next one.
func (w *Watcher) Run(ctx context.Context, fn func(Rebuild)) error {
	defer w.fsw.Close()
	pending := map[string]change{}
	var first time.Time // when the oldest pending change arrived
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	early := time.NewTimer(time.Hour) // Speculate after the last change
	early.Stop()
	defer early.Stop()
	done := make(chan buildEnd)
	gates := make(chan chan bool) // a speculative build asking whether it may commit
	stopped := make(chan struct{})
	building, due := false, false
	// wait is the quiet period before a speculative build. A change that abandons one shows that this editor or
	// tool can pause that long within one save (a formatter writing the file again): wait then covers that pause,
	// for the rest of the session, so its saves are not abandoned one after another (each abandonment costs a
	// full build). Once it reaches Debounce, builds are no longer speculative.
	wait := w.wo.Speculate
	canSpeculate := func() bool { return wait > 0 && wait < w.wo.Debounce }
	speculate := canSpeculate()
	var lastEvent time.Time
	var spec struct {
		on      bool      // the build in progress is speculative
		dirty   bool      // a change came after it started, before quiet: it must not commit
		quiet   bool      // Debounce passed since its change set's last event: it may commit
		waiting chan bool // its commit question, until the quiet period is over
	}
	answer := func(ok bool) {
		if spec.waiting != nil {
			spec.waiting <- ok
			spec.waiting = nil
		}
	}
	start := func(changed []string, initial, speculative bool) {
		building = true
		spec.on, spec.dirty, spec.quiet = speculative, false, false
		problems := w.problems
		w.problems = nil
		var gate func() bool
		if speculative {
			gate = func() bool {
				reply := make(chan bool, 1)
				select {
				case gates <- reply:
				case <-stopped:
					return false
				}
				select {
				case ok := <-reply:
					return ok
				case <-stopped:
					return false
				}
			}
		}
		go func() {
			rb, abandoned := w.rebuild(changed, initial, gate)
			if abandoned {
				done <- buildEnd{abandoned: true, changed: changed, problems: problems}
				return
			}
			rb.Problems = problems
			fn(rb)
			done <- buildEnd{}
		}()
	}
	// drain takes the change set. A file that appeared and is gone again within it (sed -i's temporary file, a
	// JetBrains ___jb_tmp___ of another name) changed nothing: it is left out, and a set of only such files
	// makes no rebuild.
	drain := func() []string {
		out := make([]string, 0, len(pending))
		for rel, c := range pending {
			if c.created && c.abs != "" {
				if _, err := os.Lstat(c.abs); errors.Is(err, fs.ErrNotExist) {
					continue
				}
			}
			out = append(out, rel)
		}
		sort.Strings(out)
		clear(pending)
		return out
	}
	startPending := func() {
		first = time.Time{}
		if changed := drain(); len(changed) > 0 {
			start(changed, false, false)
		}
	}
	arm := func() {
		now := time.Now()
		if first.IsZero() {
			first = now
		}
		delay := min(w.wo.Debounce, max(0, first.Add(w.wo.MaxDelay).Sub(now)))
		timer.Reset(delay)
		switch {
		case building && spec.on && !spec.quiet:
			spec.dirty = true
			answer(false)
			wait = max(wait, now.Sub(lastEvent)+w.wo.Speculate)
		case !building && speculate:
			early.Reset(wait)
		}
		lastEvent = now
	}
	finish := func(err error) error {
		close(stopped)
		answer(false)
		return waitBuild(building, done, err)
	}
	if !w.wo.SkipInitial {
		start(nil, true, false)
	}
	for {
		select {
		case <-ctx.Done():
			return finish(nil)
		case ev, ok := <-w.fsw.Events:
			if !ok {
				return finish(errors.New("the file watcher was closed"))
			}
			if w.handle(ev, pending) {
				arm()
			}
		case err, ok := <-w.fsw.Errors:
			if !ok {
				return finish(errors.New("the file watcher was closed"))
			}
			if errors.Is(err, fsnotify.ErrEventOverflow) {
				// Events were dropped: pick up folders we missed and rebuild everything.
				_ = w.addTree(w.source, nil)
				if w.themeDir != "" {
					_ = w.addTree(w.themeDir, nil)
				}
				pending[overflowChange] = change{}
				arm()
			} else {
				w.problems = append(w.problems, err)
			}
		case <-early.C:
			if !building && len(pending) > 0 {
				// The timer for Debounce keeps running: it says when this build may commit.
				if changed := drain(); len(changed) > 0 {
					start(changed, false, true)
				}
			}
		case <-timer.C:
			switch {
			case building && spec.on && !spec.quiet && !spec.dirty:
				first = time.Time{}
				spec.quiet = true
				answer(true)
			case building:
				due = true
			case len(pending) > 0:
				startPending()
			}
		case reply := <-gates:
			spec.waiting = reply
			switch {
			case spec.quiet: // changes since then make the next change set, as during any build
				answer(true)
			case spec.dirty:
				answer(false)
			}
		case end := <-done:
			building = false
			spec.on = false
			if end.abandoned {
				for _, rel := range end.changed {
					if _, ok := pending[rel]; !ok {
						pending[rel] = change{}
					}
				}
				w.problems = append(end.problems, w.problems...)
				// The next build waits for the whole quiet period: saves that keep coming within it (an
				// editor saving as the author types) would abandon one speculative build after another.
				speculate = false
			} else {
				speculate = canSpeculate()
			}
			switch {
			case due && len(pending) > 0:
				startPending()
			case len(pending) > 0 && speculate:
				early.Reset(wait) // changes that came during the build, still within their quiet period
			}
			due = false
		}
	}
}

// buildEnd is what a build goroutine tells Run when it ends: an abandoned build hands back its change set and the
// watcher problems it was to report.
type buildEnd struct {
	abandoned bool
	changed   []string
	problems  []error
}

// waitBuild lets the build in progress finish (and report) before Run returns err.
func waitBuild(building bool, done <-chan buildEnd, err error) error {
	if building {
		<-done
	}
	return err
}

// rebuild runs the one build function and works out which incident pages moved. A speculative build (gate not
// nil) asks gate before it commits, or before it reports when it has nothing to commit; abandoned says gate said
// no.
func (w *Watcher) rebuild(changed []string, initial bool, gate func() bool) (rb Rebuild, abandoned bool) {
	t0 := time.Now()
	opts := w.opts
	// The first build always runs in full, even when the build cache says the output is current: the preview needs
	// the site's model (for renamed pages and per-page warnings), which an up-to-date build does not produce.
	opts.Force = initial
	opts.Changed = changed // a save that only edits bodies is patched into the last build (patch.go)
	var waited time.Duration
	asked, ok := false, true
	ask := func() bool {
		t := time.Now()
		asked, ok = true, gate()
		waited = time.Since(t)
		return ok
	}
	if gate != nil {
		opts.Commit = ask
	}
	res, err := Build(opts)
	if gate != nil && !asked {
		ask() // a failed build shows its errors only once the quiet period is over, as a good one shows its site
	}
	if !ok || errors.Is(err, ErrAbandoned) {
		return Rebuild{}, true
	}
	rb = Rebuild{Initial: initial, Changed: changed, Result: res, Err: err, Duration: time.Since(t0) - waited,
		Speculative: gate != nil}
	if err == nil && res != nil && res.Site != nil {
		if w.last != nil {
			rb.Moved = MovedPages(w.last, res.Site)
		}
		w.last = res.Site
	}
	return rb, false
}

// change is one pending path: created says the change set's first event for it was its creation.
type change struct {
	abs     string
	created bool
}

// handle adds what an event changed to pending; false when the event does not concern the site.
func (w *Watcher) handle(ev fsnotify.Event, pending map[string]change) bool {
	if ev.Op == fsnotify.Chmod || ev.Name == "" {
		return false // touch, permission changes, indexers: the content did not change
	}
	name := filepath.Clean(ev.Name)
	if w.ignored(name) {
		return false
	}
	if ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename) {
		// A folder that went away takes its watches with it; drop ours so that a folder moved back gets fresh ones.
		w.removeTree(name)
	}
	rel := w.rel(name)
	if ev.Has(fsnotify.Create) {
		if st, err := os.Stat(name); err == nil && st.IsDir() {
			// `mkdir -p a/b` and `mv` of a whole folder: files may already be inside before the watch exists,
			// so walk it and count what is there. An empty new folder changes nothing.
			found := 0
			_ = w.addTree(name, func(file string) {
				if r := w.rel(file); pending[r].abs == "" {
					pending[r] = change{abs: file, created: true}
				}
				found++
			})
			return found > 0
		}
	}
	if _, seen := pending[rel]; !seen {
		pending[rel] = change{abs: name, created: ev.Has(fsnotify.Create)}
	}
	if !strings.Contains(rel, "/") && isConfigFile(rel) {
		w.updateTheme()
	}
	return true
}

func isConfigFile(name string) bool {
	for _, c := range ConfigFiles {
		if name == c {
			return true
		}
	}
	return false
}

// rel names a path for the change list: relative to the source folder (a theme elsewhere gives "../theme/…").
func (w *Watcher) rel(p string) string {
	if r, err := filepath.Rel(w.source, p); err == nil {
		return filepath.ToSlash(r)
	}
	return filepath.ToSlash(p)
}

// ignored reports whether a path cannot affect the site: the output folder and search index (which the build
// itself writes), dot-folders and dot-files, the folders the build never reads, and editor temporary files.
func (w *Watcher) ignored(p string) bool {
	if ignoredName(filepath.Base(p)) {
		return true
	}
	for _, e := range w.exclude {
		if p == e || strings.HasPrefix(p, e+string(filepath.Separator)) {
			return true
		}
	}
	if w.themeDir != "" && (p == w.themeDir || strings.HasPrefix(p, w.themeDir+string(filepath.Separator))) {
		return hasDotComponent(p[len(w.themeDir):])
	}
	rel, err := filepath.Rel(w.source, p)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return true
	}
	rel = filepath.ToSlash(rel)
	top, _, _ := strings.Cut(rel, "/")
	return hasDotComponent(rel) || skipDirs[top]
}

func hasDotComponent(rel string) bool {
	for _, c := range strings.Split(filepath.ToSlash(rel), "/") {
		if strings.HasPrefix(c, ".") && c != "." && c != ".." {
			return true
		}
	}
	return false
}

// ignoredName matches the temporary and backup files editors write while saving: vim (.x.swp, .x.swx, x~, the
// 4913 probe file), Emacs (.#x lock files, #x# autosaves), JetBrains safe write (x___jb_tmp___,
// x___jb_old___) and GNOME's .goutputstream-*. Dot-files are never content either.
func ignoredName(base string) bool {
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
			return nil // vanished while we walked: its removal has its own event
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
		return nil
	})
}

// removeTree forgets the watches of p and the folders below it.
func (w *Watcher) removeTree(p string) {
	prefix := p + string(filepath.Separator)
	for d := range w.dirs {
		if d == p || strings.HasPrefix(d, prefix) {
			_ = w.fsw.Remove(d) // already gone with the folder, usually
			delete(w.dirs, d)
		}
	}
}

// updateTheme follows the config's theme folder: watched (recursively) when it is set, also when it lies outside
// the source folder.
func (w *Watcher) updateTheme() {
	cfg, _ := LoadConfig(w.source)
	dir := ""
	if cfg.Theme != "" {
		dir = filepath.Clean(filepath.Join(w.source, cfg.Theme))
		if filepath.IsAbs(cfg.Theme) {
			dir = filepath.Clean(cfg.Theme)
		}
	}
	if dir == w.themeDir {
		return
	}
	if old := w.themeDir; old != "" {
		w.themeDir = ""
		if w.ignored(old) { // outside the source tree: nobody else needs those watches
			w.removeTree(old)
		}
	}
	w.themeDir = dir
	if dir != "" {
		if st, err := os.Stat(dir); err == nil && st.IsDir() {
			_ = w.addTree(dir, nil)
		}
	}
}

// MovedPages maps the URL of every incident page of old whose URL is different in new: its slug changed, or its
// file was renamed (a file gone and a file added with the same title, or exactly one of each).
func MovedPages(old, new *Site) map[string]string {
	if old == nil || new == nil || old == new { // the same model: a save patched into it (patch.go) moves nothing
		return nil
	}
	before := map[string]*Postmortem{}
	for _, p := range old.Incidents {
		before[p.Source] = p
	}
	after := map[string]*Postmortem{}
	for _, p := range new.Incidents {
		after[p.Source] = p
	}
	moved := map[string]string{}
	var gone, added []*Postmortem
	for src, p := range before {
		if q := after[src]; q == nil {
			gone = append(gone, p)
		} else if p.URL() != q.URL() {
			moved[p.URL()] = q.URL()
		}
	}
	for src, q := range after {
		if before[src] == nil {
			added = append(added, q)
		}
	}
	switch {
	case len(gone) == 1 && len(added) == 1:
		moved[gone[0].URL()] = added[0].URL()
	case len(gone) > 0 && len(added) > 0:
		byTitle := map[string][]*Postmortem{}
		for _, q := range added {
			byTitle[q.Title] = append(byTitle[q.Title], q)
		}
		for _, p := range gone {
			if qs := byTitle[p.Title]; len(qs) == 1 {
				moved[p.URL()] = qs[0].URL()
			}
		}
	}
	for from, to := range moved {
		if from == to || new.Incident(path.Base(strings.TrimSuffix(from, "/"))) != nil {
			delete(moved, from) // the old URL still has a page: nothing to follow
		}
	}
	if len(moved) == 0 {
		return nil
	}
	return moved
}
