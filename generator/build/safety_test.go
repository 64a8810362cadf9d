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

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

// TestSymlinks: a symbolic link that leaves the source folder is an error, positioned at the link, and nothing
// it points to is published, whether it is a postmortem or a static file; a link to a file inside the source is
// followed.
func TestSymlinks(t *testing.T) {
	outside := sitetest.MemDir(t)
	sitetest.WriteTree(t, outside, map[string]string{
		"secret.md":  "---\ntitle: Secret\ndate: 2024-01-01\n---\nTOP SECRET body.\n",
		"secret.txt": "TOP SECRET static",
	})
	dir := sitetest.MemDir(t)
	sitetest.WriteTree(t, dir, map[string]string{
		"incidents/x.md":       "---\ntitle: X\ndate: 2024-01-01\n---\nBody.\n",
		"notes/shared.md":      "---\ntitle: Shared\ndate: 2024-02-01\n---\nShared body.\n",
		"assets/logo.svg":      "<svg>logo</svg>",
		".archive/2019/old.md": "---\ntitle: Old\ndate: 2019-01-01\n---\nOld body.\n",
	})
	symlink(t, filepath.Join(outside, "secret.md"), filepath.Join(dir, "incidents/secret.md"))
	symlink(t, filepath.Join(outside, "secret.txt"), filepath.Join(dir, "static/secret.txt"))
	symlink(t, filepath.Join(outside), filepath.Join(dir, "static/outside"))
	symlink(t, "../notes/shared.md", filepath.Join(dir, "incidents/shared.md"))
	symlink(t, "../assets/logo.svg", filepath.Join(dir, "static/logo.svg"))
	symlink(t, "../.archive/2019", filepath.Join(dir, "incidents/2019")) // a dot-folder: walked only through the link

	out := filepath.Join(sitetest.MemDir(t), "public")
	res, err := build.Build(build.Options{Source: dir, Out: out, Now: sitetest.Now})
	var ce *diag.ContentError
	if !errors.As(err, &ce) {
		t.Fatalf("want a content error, got %v", err)
	}
	errs := res.Diagnostics.Only(diag.Error)
	for _, p := range []string{"incidents/secret.md", "static/secret.txt", "static/outside"} {
		found := false
		for _, d := range errs {
			if d.Path == p && strings.Contains(d.Message, "outside the source folder") {
				found = true
			}
		}
		if !found {
			t.Errorf("no error for the symbolic link %s in\n%s", p, lines(errs))
		}
	}
	if len(errs) != 3 {
		t.Errorf("%d errors, want 3:\n%s", len(errs), lines(errs))
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a build with errors wrote a site")
	}

	// Without the links that leave, the links inside are followed.
	for _, p := range []string{"incidents/secret.md", "static/secret.txt", "static/outside"} {
		if err := os.Remove(filepath.Join(dir, p)); err != nil {
			t.Fatal(err)
		}
	}
	out, res = buildFixture(t, dir, build.Options{})
	for _, slug := range []string{"x", "shared", "old"} {
		if res.Site.Incident(slug) == nil {
			t.Errorf("no incident %s", slug)
		}
	}
	if got := readFile(t, filepath.Join(out, "logo.svg")); got != "<svg>logo</svg>" {
		t.Errorf("static link inside the source: %q", got)
	}
	for name, data := range sitetest.Tree(t, out) {
		if strings.Contains(string(data), "TOP SECRET") {
			t.Errorf("%s publishes a file from outside the source", name)
		}
	}
}

// TestStaticCollision: a static file published at the path of a page is an error naming both, and nothing is
// written; so is a bundle's file at the path of a page.
func TestStaticCollision(t *testing.T) {
	dir := sitetest.MemDir(t)
	sitetest.WriteTree(t, dir, map[string]string{
		"incidents/x.md":              "---\ntitle: X\ndate: 2024-01-01\n---\n",
		"static/incidents/index.html": "<p>mine</p>",
		"static/feed.xml":             "<feed/>",
	})
	out := filepath.Join(sitetest.MemDir(t), "public")
	_, err := build.Build(build.Options{Source: dir, Out: out, Now: sitetest.Now})
	var ce *diag.ContentError
	if !errors.As(err, &ce) {
		t.Fatalf("want a content error, got %v", err)
	}
	msg := err.Error()
	for _, want := range []string{
		"static/incidents/index.html: error: collision: would be published as /incidents/index.html, which is the page /incidents/",
		"static/feed.xml: error: collision: would be published as /feed.xml, which is the site's feed.xml",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a build with a collision wrote a site")
	}

	// A session reports it too, and keeps its last site.
	sitetest.WriteTree(t, dir, map[string]string{"static/incidents/index.html": "", "static/feed.xml": ""})
	for _, p := range []string{"static/incidents/index.html", "static/feed.xml"} {
		os.Remove(filepath.Join(dir, p))
	}
	s, err := build.NewSession(build.Options{Source: dir, Out: out, Now: sitetest.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Build(); err != nil {
		t.Fatal(err)
	}
	before := sitetest.Tree(t, out)
	sitetest.WriteTree(t, dir, map[string]string{"static/incidents/x/index.html": "<p>mine</p>"})
	if _, err := s.Build(); !errors.As(err, &ce) || !strings.Contains(err.Error(), "which is the page /incidents/x/") {
		t.Errorf("session: %v", err)
	}
	if d := sitetest.Diff(sitetest.Tree(t, out), before); len(d) > 0 {
		t.Errorf("the failed session build changed the site: %v", d)
	}
}
