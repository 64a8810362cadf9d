package lint

import (
	"strings"
	"testing"
	"time"

	"github.com/yuin/goldmark/text"
)

// TestPathological guards the linter against quadratic time on adversarial input: 4x the input must take well
// under 16x the time. Both sizes are past the CPU caches, so cache effects do not pass for quadratic growth.
// Goldmark's own parse is left out (it is slow and erratic on input like "[[[["), so the Markdown side is timed
// through Linter.Markdown on a parsed document.
func TestPathological(t *testing.T) {
	if testing.Short() {
		t.Skip("timing test")
	}
	opts := Options{People: []string{"Dana"}}
	for _, tc := range []struct{ name, unit string }{
		{"wiki openers", "[["},
		{"url schemes", "a://"},
		{"www", "www."},
		{"apostrophes", "'"},
		{"phrases", "should have "},
		{"backticks", "`"},
		{"comments", "<!-- secondstory:ignore "},
		{"emphasis", "*a "},
		{"names", "Dana "},
		{"parentheticals", "Dana, x, "},
	} {
		body := func(n int) []byte { return []byte(strings.Repeat(tc.unit, n/len(tc.unit))) }
		start := time.Now()
		New(opts).Text(string(body(200_000)), 1, 1)
		if d := time.Since(start); d > time.Second {
			t.Errorf("%s: Text took %v for 200 kB", tc.name, d)
		}
		lint := func(n int) func() {
			b := body(n)
			doc := mdParser.Parse(text.NewReader(b))
			return func() { New(opts).Markdown(doc, b, 1) }
		}
		small, large := minTime(lint(40_000)), minTime(lint(160_000))
		if large > 10*small && large > 500*time.Millisecond { // a quadratic scan of 160 kB takes seconds; CI noise, not that
			t.Errorf("%s: Markdown took %v for 40 kB but %v for 160 kB", tc.name, small, large)
		}
	}
}

func minTime(f func()) time.Duration {
	best := time.Duration(1<<63 - 1)
	for range 5 {
		start := time.Now()
		f()
		best = min(best, time.Since(start))
	}
	return best
}

// TestTimelineLinear lints 10,000 timeline entries with distinct actors through one Linter, as a build does for
// a postmortem with a long timeline. Building the people index is linear and each entry's lint must not depend on
// the number of people (it used to rebuild its people matcher per entry: 61 s for 10,000). Asserted by
// structure: ten times the entries (and people) must take far less than a hundred times as long.
func TestTimelineLinear(t *testing.T) {
	if testing.Short() {
		t.Skip("timing test")
	}
	run := func(n int) func() {
		people := make([]string, n)
		entries := make([]string, n)
		for i := range n {
			people[i] = "Actor" + strings.Repeat("x", i%7) + string(rune('A'+i%26)) + string(rune('a'+i/26%26)) + string(rune('a'+i/676%26))
			entries[i] = people[i] + " forgot to drain the node, and the operator should have checked the canary."
		}
		return func() {
			lt := New(Options{People: people})
			for i, e := range entries {
				if got := lt.Text(e, i+1, 1); len(got) != 2 {
					t.Fatalf("entry %d: %v", i, got)
				}
			}
		}
	}
	small, large := minTime(run(1_000)), minTime(run(10_000))
	t.Logf("1,000 entries: %v; 10,000 entries: %v", small, large)
	// Linear work measures 11-18x here on a quiet machine and up to ~55x when CI shares its two cores; the
	// quadratic matcher this guards against took 61 s. Only a slowdown of that kind fails.
	if large > 30*small && large > time.Second {
		t.Errorf("10x the entries took %.0fx the time: not linear", float64(large)/float64(small))
	}
}
