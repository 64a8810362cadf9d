package build_test

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/secondstory/secondstory/generator/build"
	"github.com/secondstory/secondstory/generator/diag"
	"github.com/secondstory/secondstory/generator/internal/sitetest"
)

const front = "---\ntitle: Hostile\ndate: 2024-01-01\n"

// hostileFrontmatter are files whose frontmatter is built to make a parser's work or memory explode, or to confuse
// its positions, with the finding each must give instead (path -> content, and a substring of the error; "" for a
// file that must build).
var hostileFrontmatter = []struct {
	name, content, err string
	line               int // the error's line, or 0 for any
}{
	// The case: 28 KB of YAML nested 10,000 deep in an unknown key took 1.16 GB and 4 s.
	{"flow-10000.md", front + "unknown: " + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + "\n---\n", "nested 10000 levels deep; the limit is 64", 4},
	{"mapping-10000.md", front + "unknown: " + strings.Repeat("{a: ", 10000) + "1" + strings.Repeat("}", 10000) + "\n---\n", "the limit is 64", 4},
	{"dashes-10000.md", front + "unknown:\n" + strings.Repeat("- ", 10000) + "x\n---\n", "the limit is 64", 5},
	{"block-1000.md", front + "unknown:\n" + blockNesting(1000) + "---\n", "the limit is 64", 0},
	{"block-100-wide.md", front + "unknown:\n" + blockNesting(100) + "---\n", "the limit is 64", 0},
	{"front-2mb.md", front + "unknown: \"" + strings.Repeat("x", 2<<20) + "\"\n---\n", "frontmatter is 2048 KB; the limit is 1024 KB", 1},
	{"huge-key.md", front + strings.Repeat("k", 200<<10) + ": 1\n---\n", "could not find expected ':'", 4},
	{"nul.md", front + "summary: \"a\x00b\"\n---\n", "control characters are not allowed", 4},
	{"nul-bare.md", front + "summary: ok\nteams: [a\x00b]\n---\n", "control characters are not allowed", 5},
	{"invalid-utf8.md", front + "summary: caf\xe9\n---\n", "not valid UTF-8", 4},
	{"unterminated-quote.md", front + "summary: \"never closed\n---\nbody\n", "found unexpected end of stream", 4},
	{"unclosed.md", front + "summary: x\n", "never closed", 1},
	{"alias-bomb.md", front + aliasBomb() + "tags: *i\n---\n", "expected a list, got an alias", 0},
	{"deep-toml.md", "+++\ntitle = \"T\"\ndate = 2024-01-01\nx = " + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + "\n+++\n", "the limit is 64", 0},
	{"deep-json.md", "{\n\"title\": \"J\", \"date\": \"2024-01-01\", \"x\": " + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + "\n}\n", "the limit is 64", 0},
}

// blockNesting is YAML nested n deep by indentation alone, one space a level: no bracket, no dash.
func blockNesting(n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		b.WriteString(strings.Repeat(" ", i) + "k:\n")
	}
	b.WriteString(strings.Repeat(" ", n+1) + "v\n")
	return b.String()
}

// aliasBomb is the "billion laughs": nine levels of nine aliases each.
func aliasBomb() string {
	var b strings.Builder
	b.WriteString("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n")
	prev := "a"
	for _, c := range "bcdefghi" {
		fmt.Fprintf(&b, "%c: &%c [%s]\n", c, c, strings.TrimSuffix(strings.Repeat("*"+prev+",", 9), ","))
		prev = string(c)
	}
	return b.String()
}

// TestHostileFrontmatter builds all of them at once, through the whole pipeline, within a second or two and a
// bounded heap; each file gets its finding, at its line where there is one to give.
func TestHostileFrontmatter(t *testing.T) {
	dir := sitetest.MemDir(t)
	files := map[string]string{"incidents/ok.md": front + "---\nFine.\n"}
	for _, c := range hostileFrontmatter {
		files["incidents/"+c.name] = c.content
	}
	sitetest.WriteTree(t, dir, files)
	var res *build.Result
	var err error
	start := time.Now()
	bounded(t, 20*time.Second, nil, func() {
		res, err = build.Build(build.Options{Source: dir, Out: filepath.Join(sitetest.MemDir(t), "public"), Now: sitetest.Now})
	})
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the build took %s", d)
	}
	var ce *diag.ContentError
	if !errors.As(err, &ce) {
		t.Fatalf("want a content error, got %v", err)
	}
	errs := res.Diagnostics.Only(diag.Error)
	for _, c := range hostileFrontmatter {
		path := "incidents/" + c.name
		var mine diag.List
		for _, d := range errs {
			if d.Path == path {
				mine = append(mine, d)
			}
		}
		if c.err == "" {
			if len(mine) > 0 {
				t.Errorf("%s: unexpected errors\n%s", c.name, lines(mine))
			}
			continue
		}
		found := false
		for _, d := range mine {
			if strings.Contains(d.Message, c.err) && (c.line == 0 || d.Line == c.line) {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: no error %q (line %d) in\n%s", c.name, c.err, c.line, lines(mine))
		}
	}
}

// timelineKB writes a postmortem with n timeline entries, each by a different actor named in its text (what the
// named-subject lint looks for).
func timelineKB(t *testing.T, n int) string {
	var b strings.Builder
	b.WriteString(front + "summary: The deploy stalled.\ntimeline:\n")
	for i := range n {
		fmt.Fprintf(&b, "  - at: \"%02d:%02d\"\n    actor: P%d\n    text: P%d ran %d\n", i/60%24, i%60, i, i, i)
	}
	b.WriteString("---\nBody.\n")
	dir := sitetest.MemDir(t)
	sitetest.WriteTree(t, dir, map[string]string{"incidents/long.md": b.String()})
	return dir
}

// TestLongTimeline: 10,000 timeline entries with distinct actors build in well under a few seconds (before: 61 s;
// the lint built its matcher of people per entry), and the cost of the lint stage grows linearly: eight times the
// entries take nowhere near sixty-four times as long.
func TestLongTimeline(t *testing.T) {
	if testing.Short() {
		t.Skip("timing test")
	}
	stage := func(n, runs int) (lint, total time.Duration) {
		dir := timelineKB(t, n)
		lint, total = time.Hour, time.Hour
		for range runs {
			res, err := build.Build(build.Options{Source: dir, Out: filepath.Join(sitetest.MemDir(t), "public"), Now: sitetest.Now, Force: true})
			if err != nil {
				t.Fatal(err)
			}
			total = min(total, res.Duration)
			for _, st := range res.Stages {
				if st.Name == "markdown+lint" {
					lint = min(lint, st.Duration)
				}
			}
		}
		return lint, total
	}
	_, total := stage(10_000, 1)
	t.Logf("10,000 entries: %v", total)
	if total > 5*time.Second {
		t.Errorf("10,000 timeline entries took %v to build", total)
	}
	small, _ := stage(2_000, 3)
	large, _ := stage(16_000, 2)
	t.Logf("markdown+lint: 2,000 entries %v, 16,000 entries %v (%.1fx)", small, large, float64(large)/float64(small))
	// Only a slowdown of the quadratic kind fails (it took 61 s): a loaded CI machine stretches linear work too.
	if large > 24*small && large > time.Second {
		t.Errorf("8x the entries took %.0fx the time in markdown+lint: not linear", float64(large)/float64(small))
	}
}
