package search

import (
	"fmt"
	"sync"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/registry"
)

// textAnalyzer is bleve's "en" analyzer (Unicode word segmentation,
// possessive, lower case, stop words, Porter stemmer) with the same
// output, only cheaper. It is kept because it is measured: at 10,000
// documents of the project's generated corpus, bleve's offline builder
// spends about 2.5 s less CPU with it (BenchmarkBuild), and the builder
// analyses on one core, so that is build time.
//
//   - Runs of ASCII between whitespace are segmented by hand-written
//     UAX #29 rules for ASCII (the Unicode segmenter was 20% of the build);
//     anything else goes to bleve's tokenizer.
//   - The token filters depend only on the token's bytes, so their result
//     is cached per word: prose repeats a small vocabulary.
//
// TestAnalyzerMatchesEnglish compares both on documents and on random text
// full of the characters where the rules differ.
const textAnalyzer = "secondstory_en"

func init() {
	if err := registry.RegisterAnalyzer(textAnalyzer, newFastAnalyzer); err != nil {
		panic(err)
	}
}

func newFastAnalyzer(config map[string]interface{}, cache *registry.Cache) (analysis.Analyzer, error) {
	a, err := cache.AnalyzerNamed(en.AnalyzerName)
	if err != nil {
		return nil, err
	}
	da, ok := a.(*analysis.DefaultAnalyzer)
	if !ok || da.CharFilters != nil {
		return nil, fmt.Errorf("search: bleve's %q analyzer has an unexpected shape (%T)", en.AnalyzerName, a)
	}
	fa := &fastAnalyzer{ref: da, tokenizer: da.Tokenizer, filters: da.TokenFilters}
	fa.caches.New = func() any { return &termCache{m: make(map[string]cachedTerm, 1024)} }
	return fa, nil
}

type fastAnalyzer struct {
	ref       analysis.Analyzer  // bleve's "en", for invalid UTF-8
	tokenizer analysis.Tokenizer // for text that is not plain ASCII
	filters   []analysis.TokenFilter
	// caches are per goroutine (taken for one Analyze call), so lookups
	// take no lock.
	caches sync.Pool
}

type termCache struct{ m map[string]cachedTerm }

type cachedTerm struct {
	term []byte // shared by every token with this word: never modified
	drop bool   // a stop word
}

// maxCachedTerms bounds a cache on text with an unbounded vocabulary.
const maxCachedTerms = 1 << 16

func (a *fastAnalyzer) Analyze(input []byte) analysis.TokenStream {
	toks := a.tokens(make([]analysis.Token, 0, len(input)/7+1), input)
	out := make(analysis.TokenStream, len(toks))
	for i := range toks {
		out[i] = &toks[i]
	}
	return out
}

// tokens analyses input into dst[:0] and returns it: Analyze without the
// slice of pointers, so that the index builder can reuse dst. Every
// token's Term is immutable (shared through the cache, or copied), and
// input is never modified.
func (a *fastAnalyzer) tokens(dst []analysis.Token, input []byte) []analysis.Token {
	toks := dst[:0]
	pos := 1
	for i := 0; i < len(input); {
		if isSpace(input[i]) {
			i++
			continue
		}
		// ASCII whitespace always separates words, so each run between
		// whitespace is segmented on its own.
		j, ascii := i, true
		for ; j < len(input) && !isSpace(input[j]); j++ {
			if input[j] >= 0x80 {
				ascii = false
			}
		}
		if ascii {
			toks, pos = segmentASCII(input[i:j], i, toks, pos)
		} else if !utf8.Valid(input[i:j]) {
			// The segmenter gives up at the first invalid byte, for the
			// rest of the input: leave all of it to bleve's analyzer, on
			// a copy, which its lower-case filter may modify.
			toks = toks[:0]
			for _, t := range a.ref.Analyze(append([]byte(nil), input...)) {
				toks = append(toks, *t)
			}
			return toks
		} else {
			for _, t := range a.tokenizer.Tokenize(input[i:j]) {
				t.Start += i
				t.End += i
				t.Position = pos
				pos++
				toks = append(toks, *t)
			}
		}
		i = j
	}

	c := a.caches.Get().(*termCache)
	defer a.caches.Put(c)
	n := 0
	for k := range toks {
		t := toks[k]
		ct, ok := c.m[string(t.Term)]
		if !ok {
			ct = a.filter(&t)
			if len(c.m) < maxCachedTerms {
				c.m[string(t.Term)] = ct
			}
		}
		if ct.drop {
			continue
		}
		t.Term = ct.term
		toks[n] = t
		n++
	}
	return toks[:n]
}

// filter runs bleve's token filters on a copy of one token.
func (a *fastAnalyzer) filter(t *analysis.Token) cachedTerm {
	one := *t
	one.Term = append([]byte(nil), t.Term...)
	ts := analysis.TokenStream{&one}
	for _, f := range a.filters {
		ts = f.Filter(ts)
	}
	if len(ts) == 0 {
		return cachedTerm{drop: true}
	}
	return cachedTerm{term: ts[0].Term}
}

func isSpace(b byte) bool {
	return b == ' ' || b == '\n' || b == '\t' || b == '\r' || b == '\v' || b == '\f'
}

// Word-break classes of ASCII characters (UAX #29).
const (
	wbOther     = iota
	wbLetter    // ALetter
	wbDigit     // Numeric
	wbMidLetter // ':'
	wbMidNum    // ',' ';'
	wbMidNumLet // '.' and the apostrophe (Single_Quote behaves alike here)
	wbExtendNum // '_'
)

var wbClass = func() (c [128]uint8) {
	for b := 'a'; b <= 'z'; b++ {
		c[b], c[b-'a'+'A'] = wbLetter, wbLetter
	}
	for b := '0'; b <= '9'; b++ {
		c[b] = wbDigit
	}
	c[':'] = wbMidLetter
	c[','], c[';'] = wbMidNum, wbMidNum
	c['.'], c['\''] = wbMidNumLet, wbMidNumLet
	c['_'] = wbExtendNum
	return c
}()

// segmentASCII appends the words of s (ASCII, no whitespace; at offset
// off of the input) as tokens, numbering them from pos. Characters that
// are not part of a word form segments of their own, which bleve's
// tokenizer drops, so they are skipped here.
func segmentASCII(s []byte, off int, toks []analysis.Token, pos int) ([]analysis.Token, int) {
	cls := func(i int) uint8 {
		if i < len(s) {
			return wbClass[s[i]]
		}
		return wbOther
	}
	for i := 0; i < len(s); {
		c := cls(i)
		if c != wbLetter && c != wbDigit && c != wbExtendNum {
			i++
			continue
		}
		letters, digits := c == wbLetter, c == wbDigit
		j := i + 1
		for prev := c; j < len(s); {
			cur := cls(j)
			switch {
			case cur == wbLetter || cur == wbDigit || cur == wbExtendNum:
				// WB5, WB8-WB10, WB13a, WB13b: letters, digits and
				// underscores join each other.
			case prev == wbLetter && (cur == wbMidLetter || cur == wbMidNumLet) && cls(j+1) == wbLetter:
				// WB6, WB7: "can't", "a.b", "error:timeout".
				j++
				cur = wbLetter
			case prev == wbDigit && (cur == wbMidNum || cur == wbMidNumLet) && cls(j+1) == wbDigit:
				// WB11, WB12: "1,000.5".
				j++
				cur = wbDigit
			default:
				cur = wbOther
			}
			if cur == wbOther {
				break
			}
			letters = letters || cur == wbLetter
			digits = digits || cur == wbDigit
			prev = cur
			j++
		}
		typ := analysis.AlphaNumeric
		if digits && !letters {
			typ = analysis.Numeric
		}
		toks = append(toks, analysis.Token{Term: s[i:j], Start: off + i, End: off + j, Position: pos, Type: typ})
		pos++
		i = j
	}
	return toks, pos
}
