package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestControlCharactersInFileNames: a file named with a newline or a terminal escape is printed escaped in every
// text diagnostic — check's text and GitHub formats, build's errors and summary — so it can neither forge a
// diagnostic line nor drive the terminal.
func TestControlCharactersInFileNames(t *testing.T) {
	broken := "---\ntitle: Broken\ndate: 2024-01-03\nseverity: SEV9\n---\nx\n"
	dir := cliTree(t, map[string]string{
		"incidents/a\nincidents/forged.md:1: error: schema: fake.md": broken,
		"incidents/\x1b[2J\x1b[31mred\x07.md":                        broken,
		"incidents/tab\there\r.md":                                   broken,
	})
	out := filepath.Join(t.TempDir(), "public")
	for _, args := range [][]string{
		{"check", "--source", dir},
		{"check", "--source", dir, "--format", "github"},
		{"build", "--source", dir, "--out", out},
	} {
		code, stdout, stderr := cliRun(t, args...)
		if code != exitContent {
			t.Errorf("%v: exit %d", args, code)
		}
		all := stdout + stderr
		for _, c := range all {
			if c < 0x20 && c != '\n' || c == 0x7f {
				t.Errorf("%v prints the control character %q:\n%q", args, c, all)
				break
			}
		}
		for _, line := range strings.Split(all, "\n") {
			if strings.HasPrefix(line, "incidents/forged.md") || strings.Contains(line, "file=incidents/forged.md") {
				t.Errorf("%v: a file name forged a line: %q", args, line)
			}
		}
		if !strings.Contains(all, `incidents/a\nincidents/forged.md`) && !strings.Contains(all, `incidents/a%0Aincidents/forged.md`) {
			t.Errorf("%v: the escaped name is missing:\n%s", args, all)
		}
	}
}

// TestOutIsTheWorkingFolder: `build --out .` in an empty folder builds there, with the index and the build's own
// files beside it, never inside, and builds again (before: the index went inside the site, and the second build
// refused its own folder as foreign).
func TestOutIsTheWorkingFolder(t *testing.T) {
	src := cliTree(t, map[string]string{"incidents/a.md": cliClean})
	parent := t.TempDir()
	site := filepath.Join(parent, "site")
	if err := os.Mkdir(site, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Chdir(site)
	for i := range 2 {
		// The first build swaps the working folder's inode out: go back into the new one, as a shell's `cd .`.
		t.Chdir(site)
		if code, stdout, stderr := cliRun(t, "build", "--source", src, "--out", ".", "--force"); code != exitOK {
			t.Fatalf("build %d: exit %d\n%s%s", i+1, code, stdout, stderr)
		}
	}
	entries, _ := os.ReadDir(site)
	for _, e := range entries {
		if strings.Contains(e.Name(), "bleve") || strings.HasSuffix(e.Name(), ".lock") || strings.HasSuffix(e.Name(), ".state") {
			t.Errorf("%s is inside the site", e.Name())
		}
	}
	if _, err := os.Stat(filepath.Join(site, "incidents/a/index.html")); err != nil {
		t.Error("no site in the working folder")
	}
	if _, err := os.Stat(filepath.Join(parent, "site.bleve")); err != nil {
		t.Error("no index beside the site")
	}
}

// TestOutIsASymlink: `--out` a symbolic link to an empty folder builds into the folder it points to, twice, and the
// link stays a link (before: the first build silently replaced the link with a folder).
func TestOutIsASymlink(t *testing.T) {
	src := cliTree(t, map[string]string{"incidents/a.md": cliClean})
	parent := t.TempDir()
	real := filepath.Join(parent, "real")
	if err := os.Mkdir(real, 0o755); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(parent, "www")
	if err := os.Symlink("real", link); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if code, stdout, stderr := cliRun(t, "build", "--source", src, "--out", link, "--force"); code != exitOK {
			t.Fatalf("build %d: exit %d\n%s%s", i+1, code, stdout, stderr)
		}
		st, err := os.Lstat(link)
		if err != nil || st.Mode()&os.ModeSymlink == 0 {
			t.Fatalf("build %d: --out is no longer a link (%v)", i+1, err)
		}
		if target, _ := os.Readlink(link); target != "real" {
			t.Errorf("the link points to %s", target)
		}
		if _, err := os.Stat(filepath.Join(real, "incidents/a/index.html")); err != nil {
			t.Errorf("build %d: no site in the folder the link points to", i+1)
		}
	}
	// A link to a folder with foreign files is refused like the folder itself.
	foreign := filepath.Join(parent, "thesis")
	writeFile(t, filepath.Join(foreign, "thesis.docx"), "mine")
	link2 := filepath.Join(parent, "www2")
	if err := os.Symlink(foreign, link2); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := cliRun(t, "build", "--source", src, "--out", link2); code != exitUsage || !strings.Contains(stderr, "refusing to replace") {
		t.Errorf("a link to a foreign folder: exit %d %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(foreign, "thesis.docx")); err != nil {
		t.Error("the foreign file is gone")
	}
}

// TestCheckLongNames: check reports a 300-character slug, tag or service as a positioned error with exit 1, and
// build stops with the same errors and no environment error (before: check said 0 errors and build failed with a
// raw "file name too long").
func TestCheckLongNames(t *testing.T) {
	long := strings.Repeat("x", 300)
	dir := cliTree(t, map[string]string{
		"incidents/a.md": "---\ntitle: A\ndate: 2024-01-01\nslug: " + long + "\n---\nx\n",
		"incidents/b.md": "---\ntitle: B\ndate: 2024-01-01\ntags: [" + long + "]\nservices: [" + long + "]\n---\nx\n",
	})
	for _, args := range [][]string{{"check", "--source", dir}, {"build", "--source", dir, "--out", filepath.Join(t.TempDir(), "public")}} {
		code, stdout, stderr := cliRun(t, args...)
		all := stdout + stderr
		if code != exitContent {
			t.Errorf("%s: exit %d\n%s", args[0], code, all)
		}
		for _, want := range []string{"incidents/a.md:4:7: error: schema: slug: 300 bytes long; the limit is 100",
			"incidents/b.md:4:8: error: schema: tags[0]: 300 bytes long", "incidents/b.md:5:12: error: schema: services[0]:", "3 error"} {
			if !strings.Contains(all, want) {
				t.Errorf("%s: output lacks %q:\n%s", args[0], want, all)
			}
		}
		if strings.Contains(all, "too long") {
			t.Errorf("%s: a raw file-system error:\n%s", args[0], all)
		}
	}
}

// TestBuildPrintsEveryError: errors found while planning the site's files (a collision, files past the size limit)
// are printed by build with the others, not only counted in the summary.
func TestBuildPrintsEveryError(t *testing.T) {
	dir := cliTree(t, map[string]string{
		"secondstory.yaml": "max_file_mb: 1\n" + quiet,
		"incidents/a.md":   cliClean,
		"static/feed.xml":  "<feed/>",
		"static/big1.bin":  strings.Repeat("x", 1<<20+1),
		"static/big2.bin":  strings.Repeat("x", 1<<20+1),
	})
	code, _, stderr := cliRun(t, "build", "--source", dir, "--out", filepath.Join(t.TempDir(), "public"))
	if code != exitContent {
		t.Errorf("exit %d", code)
	}
	for _, want := range []string{
		"static/feed.xml: error: collision: would be published as /feed.xml",
		"static/big1.bin: error: read: cannot read: 1048577 bytes, over the limit of 1 MB (max_file_mb)",
		"static/big2.bin: error: read:",
		"build failed: 3 errors",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
}

// TestHostileSourceExitCodes: links out of the source (a file, a folder of static/), a link to /dev/zero and a FIFO
// make build and check finish within seconds with exit 1 (content errors, positioned) — not exit 2 (an
// environment error that stops everything), not a hang, not a site.
func TestHostileSourceExitCodes(t *testing.T) {
	dir := cliTree(t, map[string]string{"incidents/a.md": cliClean})
	for link, target := range map[string]string{"static/passwd": "/etc/passwd", "static/etc": "/etc", "static/zero": "/dev/zero", "incidents/host.md": "/etc/hostname"} {
		p := filepath.Join(dir, filepath.FromSlash(link))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.Symlink(target, p); err != nil {
			t.Fatal(err)
		}
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "static/pipe"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "public")
	for _, args := range [][]string{{"build", "--source", dir, "--out", out}, {"check", "--source", dir}} {
		start := time.Now()
		code, stdout, stderr := cliRun(t, args...)
		all := stdout + stderr
		if code != exitContent {
			t.Errorf("%s: exit %d, want 1\n%s", args[0], code, all)
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("%s took %s", args[0], d)
		}
		for _, want := range []string{"static/passwd: error:", "static/etc: error:", "static/zero: error:", "incidents/host.md: error:"} {
			if !strings.Contains(all, want) {
				t.Errorf("%s: output lacks %q:\n%s", args[0], want, all)
			}
		}
		if strings.Contains(all, "root:x:0:0") {
			t.Errorf("%s prints /etc/passwd", args[0])
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a site was written")
	}
}

// TestNewSlugTaken: `new` refuses a slug already used anywhere in the knowledge base — a file in a year folder, a
// page bundle's folder, a frontmatter slug — instead of writing a second postmortem with that URL.
func TestNewSlugTaken(t *testing.T) {
	for name, files := range map[string]map[string]string{
		"a file in a subfolder": {"incidents/2023/2024-03-05-cache-flush.md": cliClean},
		"a bundle":              {"incidents/2024/2024-03-05-cache-flush/index.md": cliClean},
		"a frontmatter slug":    {"incidents/2022/other.md": "---\ntitle: Other\ndate: 2024-01-01\nslug: 2024-03-05-cache-flush\n---\nx\n"},
	} {
		t.Run(name, func(t *testing.T) {
			src := cliTree(t, files)
			code, out, errOut := cliRun(t, "new", "--source", src, "--date", "2024-03-05", "Cache flush")
			if code != exitUsage || !strings.Contains(errOut, "already uses the slug") {
				t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
			}
			if _, err := os.Stat(filepath.Join(src, "incidents/2024-03-05-cache-flush.md")); err == nil {
				t.Error("new wrote a postmortem with a slug in use")
			}
		})
	}
}
