package generator

import (
	"bytes"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"
)

// sourceFile is one file found in the source folder.
type sourceFile struct {
	rel  string // relative, forward slashes
	abs  string
	data []byte
	sum  uint64 // checksum of data, computed once for the build cache, the preview cache and the fingerprint

	// cached: not read, because the preview cache holds this very file (data is nil, sum is known).
	cached bool
}

// inventory is what the load stage found: postmortems, factor descriptions, static files and bundle assets.
type inventory struct {
	root        string // absolute source folder
	postmortems []*sourceFile
	factors     []*sourceFile
	static      []string            // rel paths under static/
	assets      map[string][]string // bundle folder -> asset rel paths
}

// skipDirs are top-level folders of the source that are never content.
var skipDirs = map[string]bool{"templates": true, "node_modules": true}

// scan walks the source folder. Folders in exclude (absolute paths: the output folder, the search index, the
// theme) and dot-folders are never read as content.
func scan(source string, exclude []string, diags *Diagnostics) *inventory {
	inv := &inventory{root: source, assets: map[string][]string{}}
	var others []string
	bundles := map[string]bool{}
	err := filepath.WalkDir(source, func(p string, d fs.DirEntry, err error) error {
		rel, _ := filepath.Rel(source, p)
		rel = filepath.ToSlash(rel)
		if err != nil {
			diags.errorf(rel, 0, 0, "read", "%v", err)
			return nil
		}
		name := d.Name()
		if d.IsDir() {
			if rel == "." {
				return nil
			}
			if strings.HasPrefix(name, ".") || skipDirs[name] && !strings.Contains(rel, "/") || isExcluded(p, exclude) {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasPrefix(name, ".") || !d.Type().IsRegular() && d.Type()&fs.ModeSymlink == 0 {
			return nil
		}
		switch {
		case strings.HasPrefix(rel, "static/"):
			inv.static = append(inv.static, rel)
		case !strings.EqualFold(path.Ext(name), ".md"):
			others = append(others, rel)
		case strings.EqualFold(name, "README.md"):
		case strings.HasPrefix(rel, "factors/"):
			inv.factors = append(inv.factors, &sourceFile{rel: rel, abs: p})
		default:
			if name == "index.md" {
				bundles[path.Dir(rel)] = true
			}
			inv.postmortems = append(inv.postmortems, &sourceFile{rel: rel, abs: p})
		}
		return nil
	})
	if err != nil {
		diags.errorf(".", 0, 0, "read", "%v", err)
	}
	// A bundle's assets are the non-Markdown files below its folder (the nearest bundle wins).
	for _, rel := range others {
		for dir := path.Dir(rel); dir != "." && dir != "/"; dir = path.Dir(dir) {
			if bundles[dir] {
				inv.assets[dir] = append(inv.assets[dir], rel)
				break
			}
		}
	}
	return inv
}

func isExcluded(p string, exclude []string) bool {
	for _, e := range exclude {
		if e != "" && p == e {
			return true
		}
	}
	return false
}

// statTable remembers the files read by earlier builds: the preview's MemCache, or the stats a `build` saved.
type statTable interface {
	unread(path string, st fileStat) (uint64, bool)
	noteStat(path string, st fileStat, sum uint64)
}

// readAll reads files concurrently (file system latency, not CPU, dominates on large knowledge bases) and checks
// that each is UTF-8. With a preview cache, a file whose size, times and inode are those of the read that the
// cache's entry came from is not read again (statTable.unread).
func readAll(files []*sourceFile, diags *Diagnostics, mc statTable) {
	var mu sync.Mutex
	work := make(chan *sourceFile)
	var wg sync.WaitGroup
	for range max(4, runtime.GOMAXPROCS(0)*2) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for f := range work {
				var st fileStat
				if mc != nil {
					st = statFile(f.abs)
					if sum, ok := mc.unread(f.rel, st); ok {
						f.sum, f.cached = sum, true
						continue
					}
				}
				data, err := os.ReadFile(f.abs)
				var msg string
				line := 0
				switch {
				case err != nil:
					msg = "cannot read: " + err.Error()
				case !utf8.Valid(data):
					bad := firstInvalidUTF8(data)
					line = 1 + bytes.Count(data[:bad], []byte("\n"))
					msg = "not valid UTF-8 (save the file as UTF-8)"
				default:
					f.data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
					f.sum = checksum(f.data)
					if mc != nil {
						mc.noteStat(f.rel, st, f.sum)
					}
					continue
				}
				mu.Lock()
				diags.errorf(f.rel, line, 0, "read", "%s", msg)
				mu.Unlock()
			}
		}()
	}
	for _, f := range files {
		work <- f
	}
	close(work)
	wg.Wait()
}

func firstInvalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return len(b)
}

// sortFiles keeps every stage deterministic whatever order the file system lists in.
func sortFiles(files []*sourceFile) {
	sort.Slice(files, func(i, j int) bool { return files[i].rel < files[j].rel })
}
