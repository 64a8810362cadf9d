package search

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
)

// TestAnalyzerMatchesEnglish pins the fast analyzer to bleve's "en": the
// same terms at the same offsets and positions, or stemming and phrase
// matching would disagree with what bleve's own analyzer would have done.
func TestAnalyzerMatchesEnglish(t *testing.T) {
	m, err := newMapping()
	if err != nil {
		t.Fatal(err)
	}
	fast, ref := m.AnalyzerNamed(textAnalyzer), m.AnalyzerNamed(en.AnalyzerName)
	check := func(s string) {
		t.Helper()
		got, want := dumpTokens(fast.Analyze([]byte(s))), dumpTokens(ref.Analyze([]byte(s)))
		if got != want {
			t.Fatalf("analysing %q:\n got %s\nwant %s", s, got, want)
		}
	}
	for _, s := range []string{
		"", " ", "The engineer's laptop wasn't patched; it's fine.", "e.g. U.S.A. p99 1,000.5 10.0.0.1:8080",
		"error:timeout a..b 3.a a.3 1.2.3 1,,2 _ __ a_b _1 1_ a_.b _._ x.y. 'quoted' O'Reilly's rock'n'roll",
		"Chloé’s café — naïve “quotes” 日本語のテキスト 東京 emoji 🎉 done", "a\u0301b \u0301x e\u200dx",
		"<script>alert('x')</script> a<b c>d", "tab\tsep\nnew\r\nline\vvt\fff",
		"ABC's XYZ'S it’s Ａｂｃ", "Σίσυφος ΣΙΣΥΦΟΣ", "ȺȾ mixed", "\xff\xfe broken \xc3 utf8",
	} {
		check(s)
	}
	for _, d := range fixtureDocs() {
		check(d.Title + "\n" + d.Summary + "\n" + d.Body + "\n" + d.Timeline + "\n" + d.Actions)
	}
	for _, d := range syntheticDocs(50, 300) {
		check(d.Body)
	}
	// Random text over the characters the word-break rules care about.
	alphabet := []string{"a", "B", "z", "0", "7", "_", ".", ",", ";", ":", "'", "-", "!", "\"", " ", "\t", "\n",
		"é", "’", "日", "\u0301", "🎉", "s", "S", "the", "The", "ing", "ed"}
	r := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 200000; i++ {
		var sb strings.Builder
		for k := r.IntN(16); k >= 0; k-- {
			sb.WriteString(alphabet[r.IntN(len(alphabet))])
		}
		check(sb.String())
	}
}

func dumpTokens(ts analysis.TokenStream) string {
	var sb strings.Builder
	for _, t := range ts {
		fmt.Fprintf(&sb, "[%q %d-%d @%d %d %v]", t.Term, t.Start, t.End, t.Position, t.Type, t.KeyWord)
	}
	return sb.String()
}

func BenchmarkAnalyzer(b *testing.B) {
	m, err := newMapping()
	if err != nil {
		b.Fatal(err)
	}
	body := []byte(syntheticDocs(1, 1000)[0].Body)
	for _, name := range []string{en.AnalyzerName, textAnalyzer} {
		a := m.AnalyzerNamed(name)
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			for i := 0; i < b.N; i++ {
				a.Analyze(body)
			}
		})
	}
}
