package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// buildBinaries compiles the two commands the benchmark drives.
func buildBinaries(t *testing.T) (bin, gencorpus string) {
	t.Helper()
	dir := t.TempDir()
	bin, gencorpus = filepath.Join(dir, "secondstory"), filepath.Join(dir, "secondstory-gencorpus")
	for out, pkg := range map[string]string{bin: "../secondstory", gencorpus: "../secondstory-gencorpus"} {
		if msg, err := exec.Command("go", "build", "-o", out, pkg).CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", pkg, err, msg)
		}
	}
	return bin, gencorpus
}

func TestBenchTable(t *testing.T) {
	if testing.Short() {
		t.Skip("builds two binaries and two small corpora")
	}
	bin, gencorpus := buildBinaries(t)
	dir := t.TempDir()
	args := []string{"-bin", bin, "-gencorpus", gencorpus, "-dir", dir, "-n", "30,60", "-queries", "24"}
	var stdout, stderr strings.Builder
	if code := run(args, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr.String())
	}
	table := stdout.String()
	for _, row := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^\| +\| 30 postmortems +\| 60 postmortems +\|$`),
		regexp.MustCompile(`(?m)^\| full build: wall +\| \d+\.\d\d s +\| \d+\.\d\d s +\|$`),
		regexp.MustCompile(`(?m)^\| full build: peak memory +\| [1-9]\d* MB +\| [1-9]\d* MB +\|$`),
		regexp.MustCompile(`(?m)^\|   stage: load\+parse +\| \d+\.\d\d s +\|`),
		regexp.MustCompile(`(?m)^\|   stage: render\+write +\| \d+\.\d\d s +\|`),
		regexp.MustCompile(`(?m)^\|   stage: search index \(at the same time as render\+write\) +\| \d+\.\d\d s +\|`),
		regexp.MustCompile(`(?m)^\| rebuild, nothing changed: wall / peak +\| \d+\.\d\d s / \d+ MB +\|`),
		regexp.MustCompile(`(?m)^\| rebuild, one file changed: wall / peak +\| \d+\.\d\d s / \d+ MB +\|`),
		regexp.MustCompile(`(?m)^\| search: p50 / p99 +\| \d+\.\d\d / \d+\.\d\d ms \(24 queries\) +\|`),
		regexp.MustCompile(`(?m)^\| peak memory per 1,000 postmortems +\| \d+ MB +\| \d+ MB \(×\d+\.\d memory for ×2 postmortems\) +\|$`),
	} {
		if !row.MatchString(table) {
			t.Errorf("no row matching %s in:\n%s", row, table)
		}
	}
	// A second run sets the first one's site aside, and removes it once measured.
	stdout.Reset()
	if code := run([]string{"-bin", bin, "-gencorpus", gencorpus, "-dir", dir, "-n", "30", "-queries", "8"}, &stdout, &stderr); code != 0 {
		t.Fatalf("second run: exit %d\n%s", code, stderr.String())
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	for _, want := range []string{"corpus-30", "site-30", "site-30.bleve", ".site-30.state"} {
		if !slices.Contains(names, want) {
			t.Errorf("no %s after the second run: %v", want, names)
		}
	}
	for _, name := range names {
		if strings.Contains(name, ".old-") {
			t.Errorf("the first run's %s was not removed: %v", name, names)
		}
	}
	// The corpus is left as generated: a second generation over it changes nothing.
	before := snapshot(t, filepath.Join(dir, "corpus-30"))
	var out strings.Builder
	cmd := exec.Command(gencorpus, "-n", "30", "-out", filepath.Join(dir, "corpus-30"))
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("gencorpus: %v\n%s", err, out.String())
	}
	if after := snapshot(t, filepath.Join(dir, "corpus-30")); after != before {
		t.Error("the benchmark left a postmortem of the corpus changed")
	}
}

// snapshot is every file of dir with its content, as one string.
func snapshot(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		b.WriteString(p + "\n" + string(data))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// A folder at the site's place that secondstory did not write is refused, and left as it was.
func TestBenchRefusesForeignSite(t *testing.T) {
	dir := t.TempDir()
	foreign := filepath.Join(dir, "site-30", "notes.txt")
	if err := os.MkdirAll(filepath.Dir(foreign), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(foreign, []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr strings.Builder
	code := run([]string{"-bin", "/nonexistent", "-gencorpus", "/nonexistent", "-dir", dir, "-n", "30"}, &stdout, &stderr)
	if code == 0 || !strings.Contains(stderr.String(), "not written by secondstory build") {
		t.Errorf("exit %d, stderr %q: want a refusal", code, stderr.String())
	}
	if data, err := os.ReadFile(foreign); err != nil || string(data) != "mine" {
		t.Errorf("the foreign file was touched: %q, %v", data, err)
	}
}

func TestParseTimings(t *testing.T) {
	got := parseTimings(strings.NewReader("  load+parse            403 ms\n  search index          899.5 ms\n" +
		"  total                1343 ms\n  peak memory           215 MB\n9 warnings: run secondstory check\n"))
	want := []stageTime{{"load+parse", 403 * time.Millisecond}, {"search index", 899500 * time.Microsecond},
		{"total", 1343 * time.Millisecond}}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("line %d: got %v, want %v", i, got[i], want[i])
		}
	}
}

func TestBadSizes(t *testing.T) {
	for _, n := range []string{"", "0", "ten", "100,-1"} {
		var stdout, stderr strings.Builder
		if code := run([]string{"-n", n}, &stdout, &stderr); code != 2 {
			t.Errorf("-n %q: exit %d, want 2", n, code)
		}
	}
}
