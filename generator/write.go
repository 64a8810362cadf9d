package generator

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// ioWorkers is how many goroutines do file system calls at once: they wait on the kernel, not on a core, so more
// of them than cores keeps both busy.
const ioWorkers = 8

// MarkerFile marks an output folder as secondstory's own: only such a folder (or an empty one) is ever replaced.
const MarkerFile = ".secondstory-site"

// EnvError is a problem with the environment rather than the content (unsafe or unwritable output folder).
type EnvError struct{ Err error }

func (e *EnvError) Error() string { return e.Err.Error() }
func (e *EnvError) Unwrap() error { return e.Err }

func envErrorf(format string, args ...any) error { return &EnvError{fmt.Errorf(format, args...)} }

// CheckOutput refuses output folders whose replacement could lose files we did not create: the source folder or a
// parent of it, a file, and a non-empty folder without our marker.
func CheckOutput(source, out string) error {
	absOut, err := filepath.Abs(out)
	if err != nil {
		return envErrorf("output folder %s: %v", out, err)
	}
	absSrc, err := filepath.Abs(source)
	if err != nil {
		return envErrorf("source folder %s: %v", source, err)
	}
	if absOut == absSrc || strings.HasPrefix(absSrc, absOut+string(filepath.Separator)) || absOut == filepath.Dir(absOut) {
		return envErrorf("refusing to use %s as the output folder: it contains the source folder %s", out, source)
	}
	return checkOwned(absOut, out, MarkerFile, "site")
}

// checkOwned allows a missing folder, an empty one, or one with our marker.
func checkOwned(abs, shown, marker, what string) error {
	info, err := os.Stat(abs)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return envErrorf("%s: %v", shown, err)
	}
	if !info.IsDir() {
		return envErrorf("refusing to replace %s: it is a file, not a %s folder", shown, what)
	}
	if _, err := os.Stat(filepath.Join(abs, marker)); err == nil {
		return nil
	}
	entries, err := os.ReadDir(abs)
	if err != nil {
		return envErrorf("%s: %v", shown, err)
	}
	if len(entries) > 0 {
		return envErrorf("refusing to replace %s: it has files that secondstory did not create (no %s marker); choose another --out or move them away", shown, marker)
	}
	return nil
}

// output writes a site into a fresh temporary folder beside the target; commit swaps it in.
type output struct {
	target string // absolute final folder
	dir    string // the temporary folder being written
	mu     sync.Mutex
	made   map[string]bool
	files  int
	bytes  int64

	jobs    chan writeJob
	writers sync.WaitGroup
	err     error // first error of the background writers

	// In place (serve --watch): files are written into the live folder, each through a rename, and only when
	// their content differs from the previous build's (prev: path -> checksum); cur records this build's.
	inPlace bool
	prev    map[string]uint64
	cur     map[string]uint64
	pending []string // files written next to their pages (".secondstory-tmp"), renamed over them at commit
	// lateFree: replaced files are freed after the commit, in the background (keepReplaced). Only for a process
	// that goes on after the build (the preview): a one-off build would exit and leave them behind.
	lateFree    bool
	replacedDir bool // replacedDir(target) was made by this build
	keepsAll    bool // every file of the previous build stays (a patched save): none is looked for to remove

	memo *pageMemo // the page keys of this build (pagememo.go)
}

func newOutput(target string) (*output, error) {
	abs, err := filepath.Abs(target)
	if err != nil {
		return nil, envErrorf("output folder %s: %v", target, err)
	}
	parent := filepath.Dir(abs)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return nil, envErrorf("cannot create %s: %v", parent, err)
	}
	dir, err := os.MkdirTemp(parent, "."+filepath.Base(abs)+".tmp-")
	if err != nil {
		return nil, envErrorf("cannot write next to %s: %v", target, err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		return nil, envErrorf("%v", err)
	}
	return &output{target: abs, dir: dir, made: map[string]bool{dir: true}}, nil
}

// write stores one file; safe for concurrent use.
// newOutputInPlace updates the site at target, which the previous build of this process wrote with the files in
// prev. A preview rebuild then writes only the pages that changed, instead of the whole site.
func newOutputInPlace(target string, prev map[string]uint64) (*output, error) {
	abs, err := filepath.Abs(target)
	if err != nil {
		return nil, envErrorf("output folder %s: %v", target, err)
	}
	return &output{target: abs, dir: abs, made: map[string]bool{abs: true}, inPlace: true, prev: prev,
		cur: make(map[string]uint64, len(prev))}, nil
}

func (o *output) write(rel string, data []byte) error {
	return o.writeFile(siteFile{name: rel, data: fileData{data}})
}

// writeFile is write of a file whose checksum may be known (f.sum not 0).
func (o *output) writeFile(f siteFile) error {
	rel, data := f.name, f.data
	p := filepath.Join(o.dir, filepath.FromSlash(rel))
	d := filepath.Dir(p)
	if o.inPlace {
		sum := f.sum
		if sum == 0 {
			sum = data.checksum()
		}
		size := data.size()
		o.mu.Lock()
		o.cur[rel] = sum
		o.files++
		o.bytes += int64(size)
		same := o.prev[rel] == sum
		o.mu.Unlock()
		if same {
			return nil
		}
		if err := os.MkdirAll(d, 0o755); err != nil {
			return envErrorf("%v", err)
		}
		// Written beside the page and renamed over it at commit, once every file of the build is written: a build
		// that fails half-way (a full disk) leaves the previous site as it was, and the server never sends a
		// half-written page.
		tmp := p + ".secondstory-tmp"
		o.mu.Lock()
		o.pending = append(o.pending, tmp)
		o.mu.Unlock()
		if err := writeData(tmp, data); err != nil {
			return envErrorf("%v", err)
		}
		return nil
	}
	sum := f.sum
	if o.cur != nil && sum == 0 {
		sum = data.checksum()
	}
	o.mu.Lock()
	if !o.made[d] {
		if err := os.MkdirAll(d, 0o755); err != nil {
			o.mu.Unlock()
			return envErrorf("%v", err)
		}
		o.made[d] = true
	}
	o.files++
	o.bytes += int64(data.size())
	if o.cur != nil {
		o.cur[rel] = sum
	}
	o.mu.Unlock()
	if err := writeData(p, data); err != nil {
		return envErrorf("%v", err)
	}
	return nil
}

// writeJob is a file handed to the background writers.
type writeJob struct {
	rel  string
	data fileData
	done func() // called once data is written (returns a pooled buffer)
}

// startWriters lets renderers hand files to ioWorkers goroutines, so a core never waits on the file system while
// there are pages left to render. flush waits for them.
func (o *output) startWriters() {
	o.jobs = make(chan writeJob, 2*ioWorkers)
	for range ioWorkers {
		o.writers.Add(1)
		go func() {
			defer o.writers.Done()
			for j := range o.jobs {
				if err := o.writeFile(siteFile{name: j.rel, data: j.data}); err != nil {
					o.mu.Lock()
					o.err = cmp.Or(o.err, err)
					o.mu.Unlock()
				}
				if j.done != nil {
					j.done()
				}
			}
		}()
	}
}

func (o *output) writeAsync(rel string, data fileData, done func()) {
	o.jobs <- writeJob{rel, data, done}
}

func (o *output) flush() error {
	close(o.jobs)
	o.writers.Wait()
	return o.err
}

// copyFile copies a source file (static file, bundle asset) into the site.
func (o *output) copyFile(rel, from string) error {
	data, err := os.ReadFile(from)
	if err != nil {
		return envErrorf("%v", err)
	}
	return o.write(rel, data)
}

// commit swaps the new site in: the old one is moved aside first and removed only once the new one is in place,
// so a failure at any point leaves a complete site.
func (o *output) commit() error {
	if err := o.write(MarkerFile, []byte("This folder is written by secondstory build and replaced on every build.\n")); err != nil {
		return err
	}
	if o.inPlace {
		var replaced []string
		for i, tmp := range o.pending {
			target := strings.TrimSuffix(tmp, ".secondstory-tmp")
			old := o.keepReplaced(target, i)
			if err := os.Rename(tmp, target); err != nil {
				o.pending = o.pending[i:]
				return envErrorf("%v", err)
			}
			if old != "" {
				replaced = append(replaced, old)
			}
		}
		if len(replaced) > 0 || o.replacedDir {
			go freeReplaced(replacedDir(o.target), replaced)
		}
		o.pending = nil
		if o.keepsAll {
			return nil
		}
		return o.removeStale()
	}
	old := ""
	if _, err := os.Stat(o.target); err == nil {
		if err := checkOwned(o.target, o.target, MarkerFile, "site"); err != nil {
			return err
		}
		old = o.dir + ".old"
		if err := os.Rename(o.target, old); err != nil {
			return envErrorf("cannot replace %s: %v", o.target, err)
		}
	}
	if err := os.Rename(o.dir, o.target); err != nil {
		if old != "" {
			_ = os.Rename(old, o.target)
		}
		return envErrorf("cannot replace %s: %v", o.target, err)
	}
	if old != "" {
		return removeTree(old)
	}
	return nil
}

// keepReplaced gives target, when it is about to be replaced, a second name in the folder beside the site
// (replacedDir), so that the rename only drops a link; freeReplaced removes it after the build. Renaming over a file
// frees its blocks then and there, which waits on the file system's journal: on this project's machine (ext4,
// online discard) from 1 to 11 ms for one page, and 12 to 18 ms of a retitling save's commit at 10,000
// postmortems, on the path from the save to the reload; with the links, 4 to 5 ms. It returns that name, or "" when
// target is new or cannot be linked (another file system): then the rename frees it.
func (o *output) keepReplaced(target string, n int) string {
	if !o.lateFree {
		return ""
	}
	dir := replacedDir(o.target)
	if !o.replacedDir {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return ""
		}
		o.replacedDir = true
	}
	old := filepath.Join(dir, fmt.Sprintf("%d-%d-%s", time.Now().UnixNano(), n, filepath.Base(target)))
	if os.Link(target, old) != nil {
		return ""
	}
	return old
}

// replacedDir holds the replaced files of the site at target until they are freed: a dot-folder beside it.
func replacedDir(target string) string {
	return filepath.Join(filepath.Dir(target), "."+filepath.Base(target)+".replaced")
}

// freeReplaced removes the replaced files keepReplaced made, then their folder if nothing else is in it.
func freeReplaced(dir string, files []string) {
	for _, f := range files {
		_ = os.Remove(f)
	}
	_ = os.Remove(dir)
}

// removeTree removes a folder of ours with several workers: a large site is tens of thousands of small files, and
// the time goes to per-file system calls, not to the disk.
func removeTree(dir string) error {
	var paths []string
	top, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range top {
		p := filepath.Join(dir, e.Name())
		if !e.IsDir() {
			paths = append(paths, p)
			continue
		}
		sub, err := os.ReadDir(p)
		if err != nil {
			return err
		}
		for _, s := range sub {
			paths = append(paths, filepath.Join(p, s.Name()))
		}
	}
	var mu sync.Mutex
	var firstErr error
	work := make(chan string)
	var wg sync.WaitGroup
	for range ioWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range work {
				if err := os.RemoveAll(p); err != nil {
					mu.Lock()
					firstErr = cmp.Or(firstErr, err)
					mu.Unlock()
				}
			}
		}()
	}
	for _, p := range paths {
		work <- p
	}
	close(work)
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	return os.RemoveAll(dir)
}

// keep carries a file of the previous in-place build over unchanged, without rendering it again.
func (o *output) keep(rel string) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	sum, ok := o.prev[rel]
	if ok {
		o.cur[rel] = sum
		o.files++
	}
	return ok
}

// removeStale deletes, after an in-place build, the files the previous build wrote and this one did not (a deleted
// or renamed incident), and the folders that leaves empty. Only files of our own previous build are touched.
func (o *output) removeStale() error {
	for rel := range o.prev {
		if _, ok := o.cur[rel]; ok {
			continue
		}
		p := filepath.Join(o.dir, filepath.FromSlash(rel))
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return envErrorf("%v", err)
		}
		for d := filepath.Dir(p); d != o.dir && strings.HasPrefix(d, o.dir); d = filepath.Dir(d) {
			if os.Remove(d) != nil { // not empty: something of this build lives there
				break
			}
		}
	}
	return nil
}

// abort removes the unfinished temporary folder; it is ours by construction. An in-place build has none.
func (o *output) abort() {
	if !o.inPlace {
		_ = os.RemoveAll(o.dir)
	}
	for _, tmp := range o.pending {
		_ = os.Remove(tmp)
	}
}
