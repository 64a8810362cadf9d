package build_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/secondstory/secondstory/generator/build"
	"github.com/secondstory/secondstory/generator/internal/sitetest"
)

// TestUpToDate: an unchanged rebuild writes nothing and reports the first build's warnings; every input counts
// (an edit, a static file, the options, the day), and after each the site is byte for byte a clean build's.
func TestUpToDate(t *testing.T) {
	dir := sitetest.MemDir(t)
	sitetest.WriteTree(t, dir, map[string]string{
		"incidents/a.md": "---\ntitle: A\ndate: 2024-01-01\ncontributing_factors: [Config drift]\n---\nSee [[b]].\n",
		"incidents/b.md": "---\ntitle: B\ndate: 2024-02-01\ncontributing_factors: [Config drift]\n---\nThe team simply restarted it.\n",
		"static/x.txt":   "static",
	})
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	out := filepath.Join(sitetest.MemDir(t), "public")
	first, err := build.Build(build.Options{Source: dir, Out: out, Now: now})
	if err != nil || first.UpToDate {
		t.Fatalf("first build: %v, up to date %v", err, first.UpToDate)
	}
	page := filepath.Join(out, "incidents/a/index.html")
	before, _ := os.Stat(page)

	again, err := build.Build(build.Options{Source: dir, Out: out, Now: now.Add(time.Hour)})
	if err != nil || !again.UpToDate {
		t.Fatalf("unchanged rebuild: %v, up to date %v", err, again.UpToDate)
	}
	if again.Diagnostics.Warnings() != first.Diagnostics.Warnings() || first.Diagnostics.Warnings() == 0 {
		t.Errorf("the up-to-date build reports %d warnings, the first %d", again.Diagnostics.Warnings(), first.Diagnostics.Warnings())
	}
	if after, _ := os.Stat(page); !after.ModTime().Equal(before.ModTime()) {
		t.Error("an up-to-date build rewrote a page")
	}
	if forced, err := build.Build(build.Options{Source: dir, Out: out, Now: now, Force: true}); err != nil || forced.UpToDate {
		t.Errorf("--force: %v, up to date %v", err, forced.UpToDate)
	}

	changes := []struct {
		name   string
		change func() build.Options
	}{
		{"an edit", func() build.Options {
			sitetest.WriteTree(t, dir, map[string]string{"incidents/b.md": "---\ntitle: B renamed\ndate: 2024-02-01\ncontributing_factors: [Retry storm]\n---\nBody.\n"})
			return build.Options{Now: now}
		}},
		{"a static file", func() build.Options {
			sitetest.WriteTree(t, dir, map[string]string{"static/x.txt": "static, longer"})
			return build.Options{Now: now}
		}},
		{"a new file", func() build.Options {
			sitetest.WriteTree(t, dir, map[string]string{"incidents/c.md": "---\ntitle: C\ndate: 2024-03-01\n---\n"})
			return build.Options{Now: now}
		}},
		{"the config", func() build.Options {
			sitetest.WriteTree(t, dir, map[string]string{"secondstory.yaml": "title: Renamed\n"})
			return build.Options{Now: now}
		}},
		{"--drafts", func() build.Options { return build.Options{Now: now, Drafts: true} }},
		{"the day", func() build.Options { return build.Options{Now: now.AddDate(0, 0, 1), Drafts: true} }},
		{"--base-url", func() build.Options {
			return build.Options{Now: now.AddDate(0, 0, 1), Drafts: true, BaseURL: "https://kb.example/"}
		}},
	}
	for _, c := range changes {
		opts := c.change()
		opts.Source, opts.Out = dir, out
		res, err := build.Build(opts)
		if err != nil || res.UpToDate {
			t.Fatalf("%s: %v, up to date %v", c.name, err, res.UpToDate)
		}
		clean := filepath.Join(sitetest.MemDir(t), "public")
		opts.Out = clean
		if _, err := build.Build(opts); err != nil {
			t.Fatal(err)
		}
		t.Run(c.name, func(t *testing.T) { sitetest.SameTree(t, out, clean) })
	}
}

// TestBuildSeesEditsThatKeepSizeAndTime: a build does not read a file whose size, times and inode are those of the
// last read. An edit of the same length whose modification time is then put back (as some tools do) still changes
// the change time, so it is seen.
func TestBuildSeesEditsThatKeepSizeAndTime(t *testing.T) {
	src := sitetest.CopySample(t)
	out := filepath.Join(sitetest.MemDir(t), "public")
	opts := build.Options{Source: src, Out: out, Now: sitetest.SampleNow}
	if _, err := build.Build(opts); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(src, failover)
	info, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(p)
	edited := strings.Replace(string(data), "severity: SEV1", "severity: SEV2", 1)
	if len(edited) != len(data) || edited == string(data) {
		t.Fatal("the edit must keep the length")
	}
	time.Sleep(10 * time.Millisecond) // a later change time than the first read's
	if err := os.WriteFile(p, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(p, info.ModTime(), info.ModTime()); err != nil {
		t.Fatal(err)
	}
	if res, err := build.Build(opts); err != nil || res.UpToDate {
		t.Fatalf("%v, up to date %v", err, res.UpToDate)
	}
	clean := filepath.Join(sitetest.MemDir(t), "public")
	opts.Out = clean
	if _, err := build.Build(opts); err != nil {
		t.Fatal(err)
	}
	sitetest.SameTree(t, out, clean)
}

// TestPreviewThenBuild: a preview (a Session) changes the site in place and saves no state, so the state an
// earlier one-off build saved no longer describes the site; the next one-off build must not trust it.
func TestPreviewThenBuild(t *testing.T) {
	src := sitetest.CopySample(t)
	out := filepath.Join(sitetest.MemDir(t), "public")
	opts := build.Options{Source: src, Out: out, Now: sitetest.SampleNow}
	mustBuild := func() {
		t.Helper()
		if _, err := build.Build(opts); err != nil {
			t.Fatal(err)
		}
	}
	mustBuild() // saves its state
	s, err := build.NewSession(opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Build(); err != nil {
		t.Fatal(err)
	}
	sitetest.Edit(t, src, failover, "severity: SEV1", "severity: SEV2")
	if _, err := s.Build(); err != nil { // changes pages in place, drafts included
		t.Fatal(err)
	}
	s.Close()
	sitetest.Edit(t, src, failover, "severity: SEV2", "severity: SEV1")
	// Back to the first content: the saved state, if it were still there, would call the site up to date.
	res, err := build.Build(opts)
	if err != nil || res.UpToDate {
		t.Fatalf("%v, up to date %v", err, res.UpToDate)
	}
	clean := filepath.Join(sitetest.MemDir(t), "public")
	opts.Out = clean
	if _, err := build.Build(opts); err != nil {
		t.Fatal(err)
	}
	sitetest.SameTree(t, out, clean)
}

// TestSessionAfterBuild: a session starting on a site a one-off build wrote replaces it with its own (drafts
// included), and its later builds update it in place.
func TestSessionAfterBuild(t *testing.T) {
	out := filepath.Join(sitetest.MemDir(t), "public")
	opts := build.Options{Source: "testdata/kb", Out: out, Now: sitetest.Now}
	if _, err := build.Build(opts); err != nil {
		t.Fatal(err)
	}
	s, err := build.NewSession(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := range 2 {
		res, err := s.Build()
		if err != nil {
			t.Fatal(err)
		}
		if want := map[int]bool{0: true, 1: false}[i]; (res.Written > 0) != want {
			t.Errorf("session build %d rendered %d pages", i, res.Written)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "incidents/draft-one/index.html")); err != nil {
		t.Error("the session's site lacks the draft")
	}
}
