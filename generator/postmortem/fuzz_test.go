package postmortem

import (
	"strings"
	"testing"
	"time"

	"github.com/secondstory/secondstory/generator/config"
)

// FuzzDecode feeds the frontmatter and postmortem decoder arbitrary files: it must never panic, always return a
// postmortem with a slug field set (possibly empty for a name with no letters), report errors with positions inside
// the file, and finish quickly (the nesting and size bounds keep YAML from exploding).
func FuzzDecode(f *testing.F) {
	seeds := []string{
		"---\ntitle: A\ndate: 2024-01-02\n---\nbody\n",
		"+++\ntitle = \"A\"\ndate = 2024-01-02\n+++\n",
		"{\n\"title\": \"A\", \"date\": \"2024-01-02\"\n}\n\nbody",
		"---\ntitle: [\n---\n",
		"---\nx: " + strings.Repeat("[", 200) + "\n---\n",
		"---\ntimeline:\n  - at: \"25:99\"\n    text: x\n---\n",
		"# Heading only\n\nNo frontmatter at all.\n",
		"---\nseverity: SEV9\ncontributing_factors: [\"!!!\"]\ntags: [\"🔥\"]\n---\n",
	}
	for _, s := range seeds {
		f.Add("incidents/a.md", s)
	}
	cfg, _ := config.Load(f.TempDir())
	f.Fuzz(func(t *testing.T, rel, src string) {
		if rel == "" || strings.ContainsAny(rel, "\x00") {
			rel = "incidents/x.md"
		}
		start := time.Now()
		p, diags, ok := Decode(rel, []byte(src), cfg)
		if p == nil {
			t.Fatal("nil postmortem")
		}
		if ok != (diags.Errors() == 0) {
			t.Fatalf("ok %v with %d errors", ok, diags.Errors())
		}
		lines := strings.Count(src, "\n") + 2
		for _, d := range diags {
			if d.Line < 0 || d.Line > lines {
				t.Fatalf("%v: line outside the file (%d lines)", d, lines)
			}
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("decoding took %s", d)
		}
	})
}
