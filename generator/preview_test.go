package generator

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestPreviewEditsMatchCleanBuild edits a copy of the sample knowledge base the ways authors do and, after each
// edit, compares the preview build (in-memory cache, site updated in place, unchanged pages kept) with a clean
// build: every file must be identical. Each edit reaches a different part of the page memo's keys (rows, term
// pages, service guides, similar incidents, backlinks).
func TestPreviewEditsMatchCleanBuild(t *testing.T) {
	testEditsMatchCleanBuild(t, &MemCache{})
}

// TestBuildStateEditsMatchCleanBuild makes the same edits with one-off builds, each starting from the state the
// previous one saved beside the output (diskcache.go).
func TestBuildStateEditsMatchCleanBuild(t *testing.T) {
	testEditsMatchCleanBuild(t, nil)
}

func testEditsMatchCleanBuild(t *testing.T, cache *MemCache) {
	src, out, now := sampleLibrary(t)
	const failover = "incidents/2023-03-14-orders-db-failover.md"
	const routing = "incidents/2021-02-08-routing-config-push.md"
	build := func(out string, cache *MemCache, changed ...string) *Result {
		t.Helper()
		res, err := Build(Options{Source: src, Out: out, Now: now, Force: cache != nil, Cache: cache, Changed: changed})
		if err != nil {
			t.Fatalf("build: %v", err)
		}
		return res
	}
	build(out, cache)
	build(out, cache) // the first in-place build
	edits := []struct {
		name     string
		file     string
		old, new string
		remove   bool
		minPages int    // incident pages the preview must have rendered at least
		maxPages int    // and at most
		patched  bool   // the preview applies it to the last build (patch.go) rather than running the pipeline
		warning  string // a lint finding the build reports on file after the edit
	}{
		{name: "body text", file: failover, old: "## What went well\n", new: "## What went well\n\nAn added sentence.\n", minPages: 1, maxPages: 1, patched: true},
		{name: "body: blaming words (lint warnings)", file: failover, old: "An added sentence.\n", new: "An added sentence. Bob should have known better.\n", minPages: 1, maxPages: 1, patched: true, warning: "should have"},
		{name: "body: a link to another incident (backlinks)", file: failover, old: "An added sentence.", new: "An added sentence, as in [[2022-01-19-kafka-broker-disk-full]].", minPages: 2, maxPages: 2},
		{name: "body: text around the link", file: failover, old: "An added sentence, as in", new: "A sentence, as in", minPages: 1, maxPages: 1, patched: true},
		{name: "body: the link again elsewhere", file: failover, old: "## What went well\n", new: "## What went well\n\nSee [[2022-01-19-kafka-broker-disk-full]] too.\n", minPages: 1, maxPages: 1, patched: true},
		{name: "nothing", maxPages: 0},
		{name: "title (rows, link labels, similar lists)", file: failover, old: `title: "Orders database failover took an hour instead of a minute"`, new: `title: "Orders database failover: an hour, not a minute"`, minPages: 2, maxPages: 30, patched: true},
		{name: "summary (long rows)", file: failover, old: `summary: "A disk controller`, new: `summary: "A failing disk controller`, patched: true},
		{name: "a service (service pages and guides)", file: failover, old: "services: [orders-db,", new: "services: [tracking-db, orders-db,"},
		{name: "a factor (similar incidents)", file: failover, old: "  - Knowledge silo\n", new: "  - Knowledge silo\n  - Alert fatigue\n"},
		{name: "the second-story heading (service guide richness)", file: failover, old: "## Why it made sense at the time", new: "## Reasoning", patched: true},
		{name: "an action item (actions rows)", file: failover, old: "    status: in-progress", new: "    status: done", patched: true},
		{name: "severity", file: failover, old: "severity: SEV1", new: "severity: SEV2"},
		{name: "date (another year)", file: failover, old: "date: 2023-03-14", new: "date: 2024-03-14"},
		{name: "factor description", file: "factors/alert-fatigue.md", old: "\n---\n", new: "\n---\nA rewritten first sentence.\n\n"},
		{name: "draft", file: routing, old: "status: published", new: "status: draft"},
		{name: "a draft's body", file: routing, old: "\n## ", new: "\nA draft's new paragraph.\n\n## ", patched: true},
		{name: "published again", file: routing, old: "status: draft", new: "status: published"},
		{name: "delete", file: "incidents/2026-11-09-label-printer-firmware.md", remove: true},
	}
	for _, e := range edits {
		if e.file != "" {
			p := filepath.Join(src, e.file)
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if e.remove {
				err = os.Remove(p)
			} else {
				if !strings.Contains(string(data), e.old) {
					t.Fatalf("%s: %q not in %s", e.name, e.old, e.file)
				}
				err = os.WriteFile(p, []byte(strings.Replace(string(data), e.old, e.new, 1)), 0o644)
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		var changed []string
		if e.file != "" {
			changed = []string{e.file}
		}
		res := build(out, cache, changed...)
		if patched := strings.HasPrefix(res.Stages[0].Name, "patch"); cache != nil && patched != e.patched {
			t.Errorf("%s: patched %v, want %v", e.name, patched, e.patched)
		}
		if e.warning != "" && !slices.ContainsFunc(res.Diagnostics, func(d Diagnostic) bool {
			return d.Path == e.file && strings.Contains(d.Message, e.warning)
		}) {
			t.Errorf("%s: no finding %q on %s in %v", e.name, e.warning, e.file, res.Diagnostics)
		}
		if cache != nil && (e.maxPages > 0 || e.name == "nothing") {
			if cache.Pages < e.minPages || cache.Pages > e.maxPages {
				t.Errorf("%s: %d incident pages rendered, want %d to %d", e.name, cache.Pages, e.minPages, e.maxPages)
			}
		}
		clean := filepath.Join(t.TempDir(), "public")
		want := build(clean, nil).Diagnostics
		if !slices.Equal(res.Diagnostics, want) {
			t.Errorf("%s: diagnostics\n%v\nwant (a clean build's)\n%v", e.name, res.Diagnostics, want)
		}
		t.Run(e.name, func(t *testing.T) { sameTree(t, out, clean) })
	}
}

// sampleLibrary copies the sample knowledge base for a test to edit, and returns it with an output folder and the
// build time the tests use.
func sampleLibrary(t *testing.T) (src, out string, now time.Time) {
	t.Helper()
	src = filepath.Join(t.TempDir(), "kb")
	copyTree(t, "../content", src)
	return src, filepath.Join(t.TempDir(), "public"), time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
}

// editFile replaces the first old in the source file rel with new.
func editFile(t *testing.T, src, rel, old, new string) {
	t.Helper()
	p := filepath.Join(src, rel)
	data, err := os.ReadFile(p)
	if err != nil || !strings.Contains(string(data), old) {
		t.Fatalf("%s: %q not found (%v)", rel, old, err)
	}
	if err := os.WriteFile(p, []byte(strings.Replace(string(data), old, new, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}

func copyTree(t *testing.T, from, to string) {
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

// TestPreviewThenBuild: a preview (serve --watch) changes the site in place without saving its state, so the state
// an earlier `build` saved no longer describes the site; the next `build` must not trust it.
func TestPreviewThenBuild(t *testing.T) {
	src, out, now := sampleLibrary(t)
	build := func(out string, cache *MemCache) {
		t.Helper()
		if _, err := Build(Options{Source: src, Out: out, Now: now, Cache: cache, Force: cache != nil}); err != nil {
			t.Fatalf("build: %v", err)
		}
	}
	edit := func(old, new string) { editFile(t, src, "incidents/2023-03-14-orders-db-failover.md", old, new) }
	build(out, nil) // saves its state
	build(out, nil)
	preview := &MemCache{}
	build(out, preview)
	edit("severity: SEV1", "severity: SEV2")
	build(out, preview) // changes pages in place
	edit("severity: SEV2", "severity: SEV1")
	build(out, nil) // back to the first content: the saved state would call every page unchanged
	clean := filepath.Join(t.TempDir(), "public")
	build(clean, nil)
	sameTree(t, out, clean)
}

// TestBuildSeesEditsThatKeepSizeAndTime: a build does not read a file whose size, times and inode are those of the
// last read. An edit of the same length whose modification time is then put back (as some tools do) still changes
// the change time, so it is seen.
func TestBuildSeesEditsThatKeepSizeAndTime(t *testing.T) {
	src, out, now := sampleLibrary(t)
	build := func(out string) {
		t.Helper()
		if _, err := Build(Options{Source: src, Out: out, Now: now}); err != nil {
			t.Fatalf("build: %v", err)
		}
	}
	build(out)
	p := filepath.Join(src, "incidents/2023-03-14-orders-db-failover.md")
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
	build(out)
	clean := filepath.Join(t.TempDir(), "public")
	build(clean)
	sameTree(t, out, clean)
}

// TestPatchedSaveWithErrors: a body edit that breaks a link fails the preview build with the error at its line,
// leaves the site as it was, and the save that fixes it is patched in (patch.go) with a clean build's result.
func TestPatchedSaveWithErrors(t *testing.T) {
	src, out, now := sampleLibrary(t)
	const file = "incidents/2023-03-14-orders-db-failover.md"
	cache := &MemCache{}
	build := func(changed ...string) (*Result, error) {
		return Build(Options{Source: src, Out: out, Now: now, Force: true, Cache: cache, Changed: changed})
	}
	if _, err := build(); err != nil {
		t.Fatal(err)
	}
	before := filepath.Join(t.TempDir(), "before")
	copyTree(t, out, before)
	p := filepath.Join(src, file)
	orig, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	broken := strings.Replace(string(orig), "## What went well\n", "## What went well\n\nSee [[no-such-incident]].\n", 1)
	if err := os.WriteFile(p, []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := build(file)
	var ce *ContentError
	if !errors.As(err, &ce) {
		t.Fatalf("broken link: err %v, want a ContentError", err)
	}
	if !strings.HasPrefix(res.Stages[0].Name, "patch") {
		t.Errorf("broken link: not patched (%s)", res.Stages[0].Name)
	}
	line := 1 + strings.Count(broken[:strings.Index(broken, "[[no-such")], "\n")
	if want := fmt.Sprintf("%s:%d:", file, line); !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "no-such-incident") {
		t.Errorf("error %q does not name %s", err, want)
	}
	sameTree(t, out, before)

	fixed := strings.Replace(string(orig), "## What went well\n", "## What went well\n\nSee the runbook.\n", 1)
	if err := os.WriteFile(p, []byte(fixed), 0o644); err != nil {
		t.Fatal(err)
	}
	if res, err = build(file); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(res.Stages[0].Name, "patch") {
		t.Errorf("fix: not patched (%s)", res.Stages[0].Name)
	}
	clean := filepath.Join(t.TempDir(), "clean")
	if _, err := Build(Options{Source: src, Out: clean, Now: now}); err != nil {
		t.Fatal(err)
	}
	sameTree(t, out, clean)
}

// TestPatchManyFiles: one change set with a body edit and a title edit (in TOML frontmatter) of two files is
// patched as one, with a clean build's result; adding a tag to one of them in the next set runs the pipeline.
func TestPatchManyFiles(t *testing.T) {
	src, out, now := sampleLibrary(t)
	const failover = "incidents/2023-03-14-orders-db-failover.md"
	const jwks = "incidents/2024-05-27-jwks-key-rotation.md"
	cache := &MemCache{}
	build := func(changed ...string) *Result {
		t.Helper()
		res, err := Build(Options{Source: src, Out: out, Now: now, Force: true, Cache: cache, Changed: changed})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	edit := func(file, old, new string) { editFile(t, src, file, old, new) }
	matchClean := func(step string) {
		t.Helper()
		clean := filepath.Join(t.TempDir(), "clean")
		if _, err := Build(Options{Source: src, Out: clean, Now: now}); err != nil {
			t.Fatal(err)
		}
		t.Run(step, func(t *testing.T) { sameTree(t, out, clean) })
	}
	build()
	edit(failover, "## What went well\n", "## What went well\n\nA new paragraph.\n")
	edit(jwks, `title = "Drivers logged out`, `title = "Every driver logged out`)
	if res := build(failover, jwks); !strings.HasPrefix(res.Stages[0].Name, "patch") {
		t.Errorf("body and title edits: not patched (%s)", res.Stages[0].Name)
	}
	if cache.Decoded != 2 {
		t.Errorf("%d files decoded, want 2", cache.Decoded)
	}
	matchClean("body and title")
	edit(jwks, `tags = ["jwt", `, `tags = ["a-new-tag", "jwt", `)
	if res := build(jwks); strings.HasPrefix(res.Stages[0].Name, "patch") {
		t.Error("a new tag was patched; the graph changes")
	}
	matchClean("a new tag")
}

// TestAbandonedBuildLeavesSite: a build whose Commit says no (serve --watch, when another change came before the
// quiet period was over) leaves the site as it was, in place and patched or not, and the next build still makes a
// clean build's site.
func TestAbandonedBuildLeavesSite(t *testing.T) {
	src, out, now := sampleLibrary(t)
	const file = "incidents/2023-03-14-orders-db-failover.md"
	cache := &MemCache{}
	asked := 0
	build := func(commit bool, changed ...string) (*Result, error) {
		return Build(Options{Source: src, Out: out, Now: now, Force: true, Cache: cache, Changed: changed,
			Commit: func() bool { asked++; return commit }})
	}
	if _, err := build(true); err != nil {
		t.Fatal(err)
	}
	before := filepath.Join(t.TempDir(), "before")
	copyTree(t, out, before)
	editFile(t, src, file, "\ntitle: ", "\ntitle: Retitled, ")

	res, err := build(false, file)
	if !errors.Is(err, ErrAbandoned) {
		t.Fatalf("patch told not to commit: err %v, want ErrAbandoned", err)
	}
	if !strings.HasPrefix(res.Stages[0].Name, "patch") {
		t.Errorf("a title edit after a full build was not patched (%s)", res.Stages[0].Name)
	}
	sameTree(t, before, out)

	// The abandoned patch changed the model, so the next build runs in full: that one is abandoned too.
	res, err = build(false, file)
	if !errors.Is(err, ErrAbandoned) {
		t.Fatalf("full build told not to commit: err %v, want ErrAbandoned", err)
	}
	if strings.HasPrefix(res.Stages[0].Name, "patch") {
		t.Errorf("the build after an abandoned patch was patched (%s)", res.Stages[0].Name)
	}
	sameTree(t, before, out)
	if asked != 3 {
		t.Errorf("Commit asked %d times, want once per build (3)", asked)
	}

	if _, err := build(true, file); err != nil {
		t.Fatal(err)
	}
	clean := filepath.Join(t.TempDir(), "clean")
	if _, err := Build(Options{Source: src, Out: clean, Now: now}); err != nil {
		t.Fatal(err)
	}
	sameTree(t, clean, out)
	if !strings.Contains(readFile(t, filepath.Join(out, "incidents.json")), "Retitled, ") {
		t.Error("the committed build does not show the new title")
	}
}
