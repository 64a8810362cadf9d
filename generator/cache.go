package generator

import (
	"encoding/hex"
	"encoding/json"
	"hash"
	"hash/crc32"
	"hash/crc64"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"

	"github.com/secondstory/secondstory/themes"
)

// The build cache lets a rebuild of unchanged content stop after reading the files: it stores, beside the output
// folder, a fingerprint of everything a build depends on and the diagnostics it reported. A build whose inputs
// hash the same has nothing to write: the site and the index on disk are already what it would produce.

// cacheFormat changes whenever what a build writes changes in a way the fingerprint cannot see.
const cacheFormat = "secondstory-cache-1"

// CacheDir is the cache folder of a site written to out: a dot-folder beside it, so it is not published.
func CacheDir(out string) string {
	abs, err := filepath.Abs(out)
	if err != nil {
		abs = out
	}
	return filepath.Join(filepath.Dir(abs), "."+filepath.Base(abs)+".cache")
}

type cacheState struct {
	Format      string      `json:"format"`
	Fingerprint string      `json:"fingerprint"`
	Diagnostics Diagnostics `json:"diagnostics"`
}

var crcTable = crc64.MakeTable(crc64.ECMA)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// checksum identifies file contents for the caches: two CRC-32s that the CPU computes in hardware (SSE 4.2 and
// carry-less multiplication), several times faster than CRC-64 on the 70 MB of a large knowledge base.
func checksum(b []byte) uint64 {
	return uint64(crc32.Checksum(b, castagnoli))<<32 | uint64(crc32.ChecksumIEEE(b))
}

// fingerprint hashes the inputs of a build: the options that change its output, the build day (the home page and
// the action dashboard depend on it), the program, the theme, and every source file. Postmortems and factor files
// are hashed by content; static files, bundle assets and theme files by size and modification time, as they are
// copied, not read.
func (c *Content) fingerprint(opts Options, themeDir string) string {
	h := crc64.New(crcTable)
	field := func(parts ...string) {
		for _, p := range parts {
			h.Write([]byte(p))
			h.Write([]byte{0})
		}
	}
	field(cacheFormat, strconv.FormatBool(opts.Drafts), opts.BaseURL, opts.Now.In(c.Config.Location()).Format("2006-01-02"))
	field(programID())
	_ = fs.WalkDir(themes.Default(), ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			data, _ := fs.ReadFile(themes.Default(), p)
			field(p)
			h.Write(data)
		}
		return nil
	})
	if c.Config.File != "" {
		data, _ := os.ReadFile(filepath.Join(opts.Source, c.Config.File))
		field(c.Config.File)
		h.Write(data)
	}
	for _, files := range [][]*sourceFile{c.inv.postmortems, c.inv.factors} {
		for _, f := range files {
			field(f.rel, strconv.FormatUint(f.sum, 16))
		}
	}
	for _, rel := range c.inv.static {
		field(rel)
		statInto(h, c.abs(rel))
	}
	for _, dir := range sortedKeys(c.inv.assets) {
		for _, rel := range c.inv.assets[dir] {
			field(rel)
			statInto(h, c.abs(rel))
		}
	}
	if themeDir != "" {
		_ = filepath.WalkDir(themeDir, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				field(p)
				statInto(h, p)
			}
			return nil
		})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// programID identifies the running program (its build settings and executable): another version may render
// differently, so nothing cached by one is trusted by another.
func programID() string {
	h := crc64.New(crcTable)
	if info, ok := debug.ReadBuildInfo(); ok {
		h.Write([]byte(info.Main.Version + "\x00"))
		for _, s := range info.Settings {
			h.Write([]byte(s.Key + "\x00" + s.Value + "\x00"))
		}
	}
	if exe, err := os.Executable(); err == nil {
		statInto(h, exe)
	}
	return strconv.FormatUint(h.Sum64(), 16)
}

func statInto(h hash.Hash64, path string) {
	if st, err := os.Stat(path); err == nil {
		h.Write([]byte(strconv.FormatInt(st.Size(), 10) + "/" + strconv.FormatInt(st.ModTime().UnixNano(), 10)))
	}
}

// upToDate reports whether the site and index at out were built from exactly these inputs, and returns the
// diagnostics that build reported.
func upToDate(out, fp string) (Diagnostics, bool) {
	data, err := os.ReadFile(filepath.Join(CacheDir(out), "state.json"))
	if err != nil {
		return nil, false
	}
	var st cacheState
	if json.Unmarshal(data, &st) != nil || st.Format != cacheFormat || st.Fingerprint != fp {
		return nil, false
	}
	for _, marker := range []string{filepath.Join(out, MarkerFile), IndexDir(out)} {
		if _, err := os.Stat(marker); err != nil {
			return nil, false
		}
	}
	return st.Diagnostics, true
}

// saveCache records a successful build. A failure to write it only costs the next build its shortcut.
func saveCache(out, fp string, diags Diagnostics) {
	dir := CacheDir(out)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return
	}
	data, err := json.Marshal(cacheState{Format: cacheFormat, Fingerprint: fp, Diagnostics: diags})
	if err != nil {
		return
	}
	tmp := filepath.Join(dir, "state.json.tmp")
	if os.WriteFile(tmp, data, 0o644) == nil {
		_ = os.Rename(tmp, filepath.Join(dir, "state.json"))
	}
}

// forgetCache removes the record before the output changes, so an interrupted build is never taken as up to date.
func forgetCache(out string) { _ = os.Remove(filepath.Join(CacheDir(out), "state.json")) }

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
