package build_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secondstory/secondstory/generator/build"
	"github.com/secondstory/secondstory/generator/diag"
	"github.com/secondstory/secondstory/generator/internal/sitetest"
)

// TestSymlinkEscapes: every way a symbolic link can lead out of the source folder — a file or a folder in static/,
// a chain of links, a relative link, a postmortem, a page bundle's file or folder — is one error positioned at the
// link, a content error (exit 1), never an environment error that stops the build: the build goes on and reports
// the other files' errors with them, and nothing is written. Check reports the same. (Before the redesign a link in
// static/ or a bundle to /etc/passwd was published, and a .md link to a file outside was an incident.)
func TestSymlinkEscapes(t *testing.T) {
	outside := sitetest.MemDir(t)
	sitetest.WriteTree(t, outside, map[string]string{
		"secret.md":      "---\ntitle: Secret\ndate: 2024-01-01\n---\nTOP SECRET body.\n",
		"secret.txt":     "TOP SECRET file",
		"folder/key.pem": "TOP SECRET key",
	})
	dir := sitetest.MemDir(t)
	sitetest.WriteTree(t, dir, map[string]string{
		"incidents/x.md":             "---\ntitle: X\ndate: 2024-01-01\n---\nBody.\n",
		"incidents/broken.md":        "---\ntitle: Broken\ndate: 2024-01-01\nseverity: SEV9\n---\nBody.\n",
		"incidents/bundle/index.md":  "---\ntitle: Bundle\ndate: 2024-01-02\n---\nSee the graph.\n",
		"incidents/bundle/graph.svg": "<svg/>",
		"static/ok.txt":              "fine",
	})
	links := map[string]string{
		"static/passwd":             "/etc/passwd",
		"static/etc":                "/etc",
		"static/folder":             filepath.Join(outside, "folder"),
		"static/relative.txt":       relTo(t, filepath.Join(dir, "static"), filepath.Join(outside, "secret.txt")),
		"static/hop1":               "hop2",
		"static/hop2":               filepath.Join(outside, "secret.txt"),
		"incidents/outside.md":      filepath.Join(outside, "secret.md"),
		"incidents/bundle/pw.txt":   "/etc/passwd",
		"incidents/bundle/keys":     filepath.Join(outside, "folder"),
		"incidents/2019":            outside, // a folder of postmortems outside
		"factors/outside-factor.md": filepath.Join(outside, "secret.md"),
	}
	for link, target := range links {
		symlink(t, target, filepath.Join(dir, filepath.FromSlash(link)))
	}
	out := filepath.Join(sitetest.MemDir(t), "public")
	for _, mode := range []string{"build", "check"} {
		var res *build.Result
		var err error
		if mode == "build" {
			res, err = build.Build(build.Options{Source: dir, Out: out, Now: sitetest.Now})
		} else {
			res, err = build.Check(build.Options{Source: dir, Now: sitetest.Now})
		}
		var ce *diag.ContentError
		var ee *diag.EnvError
		if errors.As(err, &ee) || !errors.As(err, &ce) {
			t.Fatalf("%s: want a content error, got %T %v", mode, err, err)
		}
		errs := res.Diagnostics.Only(diag.Error)
		for link := range links {
			if !hasDiag(errs, link, "outside the source folder") {
				t.Errorf("%s: no error at the link %s in\n%s", mode, link, lines(errs))
			}
		}
		// The build went on: the other file's error is reported with them.
		if !hasDiag(errs, "incidents/broken.md", "SEV9") {
			t.Errorf("%s: the other file's error is missing: the links stopped the build\n%s", mode, lines(errs))
		}
		for _, d := range errs {
			if strings.Contains(d.Message, "TOP SECRET") {
				t.Errorf("%s: a diagnostic shows what lies outside: %v", mode, d)
			}
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a build with errors wrote a site")
	}

	// Fixed: the broken file repaired and the links gone, the site builds and shows nothing from outside.
	for link := range links {
		if err := os.Remove(filepath.Join(dir, filepath.FromSlash(link))); err != nil {
			t.Fatal(err)
		}
	}
	sitetest.Edit(t, dir, "incidents/broken.md", "SEV9", "SEV2")
	// A folder linked from static/ to a folder inside the source is followed.
	sitetest.WriteTree(t, dir, map[string]string{"shared/img/logo.svg": "<svg>shared</svg>"})
	symlink(t, "../shared/img", filepath.Join(dir, "static/img"))
	out, _ = buildFixture(t, dir, build.Options{})
	if got := readFile(t, filepath.Join(out, "img/logo.svg")); got != "<svg>shared</svg>" {
		t.Errorf("a static folder linked inside the source: %q", got)
	}
	for name, data := range sitetest.Tree(t, out) {
		if strings.Contains(string(data), "TOP SECRET") || strings.Contains(string(data), "root:x:0:0") {
			t.Errorf("%s publishes a file from outside the source", name)
		}
	}
}

// TestSymlinkSwappedBetweenBuilds: a link that pointed inside the source at one build of a session and outside at
// the next is not followed (the session's memo of the file does not carry the old answer over).
func TestSymlinkSwappedBetweenBuilds(t *testing.T) {
	dir := sitetest.MemDir(t)
	sitetest.WriteTree(t, dir, map[string]string{
		"incidents/x.md": "---\ntitle: X\ndate: 2024-01-01\n---\nBody.\n",
		"assets/a.txt":   "inside",
	})
	symlink(t, "../assets/a.txt", filepath.Join(dir, "static/a.txt"))
	s, err := build.NewSession(build.Options{Source: dir, Out: filepath.Join(sitetest.MemDir(t), "public"), Now: sitetest.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Build(); err != nil {
		t.Fatal(err)
	}
	// Between two builds the session has the link's stat in its memo; swapping the link changes it.
	if err := os.Remove(filepath.Join(dir, "static/a.txt")); err != nil {
		t.Fatal(err)
	}
	symlink(t, "/etc/passwd", filepath.Join(dir, "static/a.txt"))
	res, err := s.Build()
	var ce *diag.ContentError
	if !errors.As(err, &ce) || !hasDiag(res.Diagnostics, "static/a.txt", "outside the source folder") {
		t.Fatalf("swapped link: %v", err)
	}
	for name, data := range sitetest.Tree(t, s.Paths().Out) {
		if strings.Contains(string(data), "root:x:0:0") {
			t.Errorf("%s publishes /etc/passwd", name)
		}
	}
}

func hasDiag(l diag.List, path, text string) bool {
	for _, d := range l {
		if d.Path == path && strings.Contains(d.Message, text) {
			return true
		}
	}
	return false
}

func relTo(t *testing.T, from, to string) string {
	t.Helper()
	r, err := filepath.Rel(from, to)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
