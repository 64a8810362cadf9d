package markdown

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// countWords counts what strings.Fields splits, whatever the spaces and bytes.
func TestCountWords(t *testing.T) {
	cases := []string{"", " ", "word", "  two words  ", "tab\tnew\nline\rvt\vff\f", "no\u00a0break\u0085next",
		"em\u2003space\u3000ideographic", "日本 語", "\xffbad utf-8 \xc3", "a\u200bb"}
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []string{"a", "é", " ", "\t", "\n", "\u00a0", "\u2003", "\xff", "\xc3", "語", "\u0085"}
	for range 2000 {
		var b strings.Builder
		for range rng.IntN(20) {
			b.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		cases = append(cases, b.String())
	}
	for _, s := range cases {
		if got, want := countWords(s), len(strings.Fields(s)); got != want {
			t.Errorf("countWords(%q) = %d, strings.Fields finds %d", s, got, want)
		}
	}
}
