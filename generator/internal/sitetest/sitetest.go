// Package sitetest holds what the pipeline's tests share: writing and copying knowledge bases, reading files,
// and comparing two built sites file for file. It is imported by tests only.
package sitetest

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"
)

// Now is the build time the tests use unless they need another.
var Now = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// SampleNow is the build time of the tests on the sample knowledge base (content/).
var SampleNow = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

// Root is the repository's root folder.
func Root() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..")
}

// Sample is the sample knowledge base of the repository (content/), read only.
func Sample() string { return filepath.Join(Root(), "content") }

// Fixture is the small knowledge base of the build tests (generator/build/testdata/kb), read only.
func Fixture() string { return filepath.Join(Root(), "generator", "build", "testdata", "kb") }

// WriteTree writes files (relative path with forward slashes -> content) below dir.
func WriteTree(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// CopyTree copies the folder from to to.
func CopyTree(t testing.TB, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// CopySample copies the sample knowledge base for a test to edit.
func CopySample(t testing.TB) string {
	t.Helper()
	dir := filepath.Join(MemDir(t), "kb")
	CopyTree(t, Sample(), dir)
	return dir
}

// ReadFile returns a file's content as a string, failing the test when it cannot be read.
func ReadFile(t testing.TB, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// Edit replaces the first old in the file rel below dir with new; old must be there.
func Edit(t testing.TB, dir, rel, old, new string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), old) {
		t.Fatalf("%s: %q not found", rel, old)
	}
	if err := os.WriteFile(p, []byte(strings.Replace(string(data), old, new, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Tree reads every file below dir: relative path (forward slashes) -> content.
func Tree(t testing.TB, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files[filepath.ToSlash(rel)] = data
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// SameTree reports every difference between the site got and the site want: a missing or extra file, or a file
// whose bytes differ (with where they first part).
func SameTree(t testing.TB, got, want string) {
	t.Helper()
	for _, d := range Diff(Tree(t, got), Tree(t, want)) {
		t.Error(d)
	}
}

// Diff lists the differences between two trees, sorted.
func Diff(got, want map[string][]byte) []string {
	var out []string
	for name, w := range want {
		g, ok := got[name]
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("%s: missing", name))
		case !bytes.Equal(g, w):
			out = append(out, fmt.Sprintf("%s differs%s", name, FirstDiff(g, w)))
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			out = append(out, fmt.Sprintf("%s: extra file", name))
		}
	}
	sort.Strings(out)
	return out
}

// FirstDiff shows where two versions of a file first part.
func FirstDiff(got, want []byte) string {
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	from := max(0, i-80)
	return fmt.Sprintf(":\n  got:  …%q…\n  want: …%q…", got[from:min(len(got), i+80)], want[from:min(len(want), i+80)])
}

// MemDir is a temporary folder in memory (tmpfs) where the machine has one, else t.TempDir(). Tests that write
// and remove whole sites many times use it: on a disk mounted with discard, freeing thousands of files costs
// seconds, and what these tests check does not depend on the file system.
func MemDir(t testing.TB) string {
	t.Helper()
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
		if dir, err := os.MkdirTemp("/dev/shm", "secondstory-test-"); err == nil {
			t.Cleanup(func() { os.RemoveAll(dir) })
			return dir
		}
	}
	return t.TempDir()
}

// Changed names the files that differ between two trees (added, removed or changed), sorted: what a watcher
// reports after an edit.
func Changed(after, before map[string][]byte) []string {
	var out []string
	for name, b := range before {
		if a, ok := after[name]; !ok || !bytes.Equal(a, b) {
			out = append(out, name)
		}
	}
	for name := range after {
		if _, ok := before[name]; !ok {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}
