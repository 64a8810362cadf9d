package build_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/secondstory/secondstory/generator/build"
	"github.com/secondstory/secondstory/generator/diag"
	"github.com/secondstory/secondstory/generator/internal/sitetest"
)

// writeHostileKB writes every hostile input of the reliability pass into one knowledge base, root/kb, with the
// files its links lead to in root/outside, and returns the knowledge base's folder and the FIFOs it made: links out
// of the source (files, folders, chains, relative, devices), FIFOs, files past max_file_mb, frontmatter built to
// explode a parser, names without a URL or too long for one, control characters in file names, files over pages,
// and a 10,000-entry timeline.
func writeHostileKB(t *testing.T, root string) (string, []string) {
	t.Helper()
	kb, outside := filepath.Join(root, "kb"), filepath.Join(root, "outside")
	sitetest.WriteTree(t, outside, map[string]string{
		"secret.md":      "---\ntitle: Secret\ndate: 2024-01-01\n---\nTOP SECRET body.\n",
		"secret.txt":     "TOP SECRET file",
		"folder/key.pem": "TOP SECRET key",
	})
	big := strings.Repeat("x", 1<<20+1)
	files := map[string]string{
		"secondstory.yaml":               "title: Hostile\nmax_file_mb: 1\n",
		"incidents/ok.md":                "---\ntitle: OK\ndate: 2024-01-01\n---\nFine.\n",
		"incidents/bundle/index.md":      "---\ntitle: Bundle\ndate: 2024-01-02\n---\n![graph](graph.svg)\n",
		"incidents/bundle/graph.svg":     "<svg/>",
		"incidents/big.md":               "---\ntitle: Big\ndate: 2024-01-01\n---\n" + big,
		"static/big.bin":                 big,
		"incidents/bundle/huge.png":      big,
		"static/feed.xml":                "<feed/>",
		"static/incidents/index.html":    "<p>mine</p>",
		"incidents/names.md":             "---\ntitle: Names\ndate: 2024-01-01\ncontributing_factors: [\"!!!\"]\ntags: [\"🔥\", \"???\"]\nservices: [\"???\"]\nteams: [\"—\"]\n---\nx\n",
		"incidents/long-names.md":        "---\ntitle: Long\ndate: 2024-01-01\ntags: [" + strings.Repeat("a", 300) + "]\nslug: " + strings.Repeat("b", 300) + "\n---\nx\n",
		"incidents/!!!.md":               "---\ntitle: Bangs\ndate: 2024-01-01\n---\nx\n",
		"incidents/a\nforged.md:1: x.md": "---\ntitle: Newline\ndate: 2024-01-01\nseverity: SEV9\n---\nx\n",
		"incidents/\x1b[31mred\x07.md":   "---\ntitle: Escape\ndate: 2024-01-01\nseverity: SEV9\n---\nx\n",
	}
	for _, c := range hostileFrontmatter {
		files["incidents/front/"+c.name] = c.content
	}
	var tl strings.Builder
	tl.WriteString("---\ntitle: Long timeline\ndate: 2024-01-01\ntimeline:\n")
	for i := range 10_000 {
		fmt.Fprintf(&tl, "  - at: \"%02d:%02d\"\n    actor: P%d\n    text: P%d ran %d\n", i/60%24, i%60, i, i, i)
	}
	files["incidents/timeline.md"] = tl.String() + "  - text: P9999 should have checked\n---\nBody.\n"
	sitetest.WriteTree(t, kb, files)
	for link, target := range map[string]string{
		"static/passwd":           "/etc/passwd",
		"static/etc":              "/etc",
		"static/zero":             "/dev/zero",
		"static/random":           "/dev/urandom",
		"static/folder":           filepath.Join(outside, "folder"),
		"static/relative.txt":     "../../outside/secret.txt",
		"static/hop1":             "hop2",
		"static/hop2":             filepath.Join(outside, "secret.txt"),
		"incidents/outside.md":    filepath.Join(outside, "secret.md"),
		"incidents/zero.md":       "/dev/zero",
		"incidents/bundle/pw.txt": "/etc/passwd",
		"incidents/bundle/keys":   filepath.Join(outside, "folder"),
		"incidents/2019":          outside,
		"static/to-fifo":          "../pipes/fifo",
	} {
		symlink(t, target, filepath.Join(kb, filepath.FromSlash(link)))
	}
	var fifos []string
	for _, p := range []string{"static/fifo", "incidents/fifo.md", "pipes/fifo"} {
		abs := filepath.Join(kb, filepath.FromSlash(p))
		mkfifo(t, abs)
		fifos = append(fifos, abs)
	}
	return kb, fifos
}

// TestHostileFixtures builds and checks the whole hostile knowledge base at once: both finish within seconds and a
// bounded heap, with content errors (exit 1), never an environment error; every kind of input has its error; nothing
// is written. The peak memory of `secondstory build` on this set is measured by `make hostile-mem`, which has this
// test write the set: SECONDSTORY_HOSTILE_KB=<folder> writes it there and stops.
func TestHostileFixtures(t *testing.T) {
	if dir := os.Getenv("SECONDSTORY_HOSTILE_KB"); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		kb, _ := writeHostileKB(t, dir)
		t.Logf("wrote %s", kb)
		return
	}
	kb, fifos := writeHostileKB(t, sitetest.MemDir(t))
	out := filepath.Join(sitetest.MemDir(t), "public")
	for _, mode := range []string{"build", "check"} {
		var res *build.Result
		var err error
		start := time.Now()
		bounded(t, 30*time.Second, fifos, func() {
			if mode == "build" {
				res, err = build.Build(build.Options{Source: kb, Out: out, Now: sitetest.Now})
			} else {
				res, err = build.Check(build.Options{Source: kb, Now: sitetest.Now})
			}
		})
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		var ce *diag.ContentError
		if !errors.As(err, &ce) {
			t.Fatalf("%s: want a content error, got %T %v", mode, err, err)
		}
		errs := res.Diagnostics.Only(diag.Error)
		t.Logf("%s: %d errors, %d warnings in %v (heap now %d MB)", mode, len(errs), res.Diagnostics.Warnings(), time.Since(start).Round(time.Millisecond), ms.HeapAlloc>>20)
		for _, w := range []struct{ path, text string }{
			{"static/passwd", "outside the source folder"}, {"static/etc", "outside the source folder"},
			{"static/zero", "outside the source folder"}, {"static/random", "outside the source folder"},
			{"static/folder", "outside the source folder"}, {"static/relative.txt", "outside the source folder"},
			{"static/hop1", "outside the source folder"}, {"incidents/outside.md", "outside the source folder"},
			{"incidents/zero.md", "outside the source folder"}, {"incidents/bundle/pw.txt", "outside the source folder"},
			{"incidents/bundle/keys", "outside the source folder"}, {"incidents/2019", "outside the source folder"},
			{"incidents/big.md", "max_file_mb"}, {"static/big.bin", "max_file_mb"}, {"incidents/bundle/huge.png", "max_file_mb"},
			{"static/feed.xml", "would be published as /feed.xml"}, {"static/incidents/index.html", "would be published as"},
			{"incidents/names.md", "no letter or digit"}, {"incidents/long-names.md", "the limit is 100"},
			{"incidents/!!!.md", "no letter or digit"}, {"incidents/a\nforged.md:1: x.md", "SEV9"},
			{"incidents/front/flow-10000.md", "nested 10000 levels deep"}, {"incidents/front/block-1000.md", "the limit is 64"},
			{"incidents/front/alias-bomb.md", "got an alias"}, {"incidents/front/front-2mb.md", "max_file_mb"},
		} {
			if !hasDiag(errs, w.path, w.text) {
				t.Errorf("%s: no error at %q with %q", mode, w.path, w.text)
			}
		}
		for _, w := range []string{"static/fifo", "incidents/fifo.md", "static/to-fifo"} {
			if !hasDiag(res.Diagnostics.Only(diag.Warning), w, "not a regular file") {
				t.Errorf("%s: no warning at %s", mode, w)
			}
		}
		if !hasDiag(res.Diagnostics, "incidents/timeline.md", "should have") {
			t.Errorf("%s: the 10,000-entry timeline was not linted", mode)
		}
		for _, d := range res.Diagnostics {
			if strings.Contains(d.String(), "TOP SECRET") || strings.Contains(d.String(), "root:x:0:0") || strings.ContainsAny(d.String(), "\n\x1b\x07") {
				t.Errorf("%s: %q", mode, d.String())
			}
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a site was written")
	}
}
