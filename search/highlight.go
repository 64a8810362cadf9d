package search

import (
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/document"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/registry"
	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/highlight"
	htmlhl "github.com/blevesearch/bleve/v2/search/highlight/highlighter/html"
	"github.com/blevesearch/bleve/v2/search/query"
)

// Fragments are made here rather than by bleve, which highlights from term
// vectors: the body keeps none (phrase.go). Instead the query's terms are
// matched against the stored text re-analysed with the field's analyzer
// (so stemming agrees with the index), and bleve's own HTML highlighter
// formats the result. Only the hits shown are highlighted.

// fieldMatcher says which analysed terms of one field the query matches.
type fieldMatcher struct {
	terms   map[string]bool
	phrases [][]phraseTerm
	fuzzy   []fuzzyTerm
	regexps []*regexp.Regexp
}

type phraseTerm struct {
	term string
	pos  int // relative to the phrase's first term
}

type fuzzyTerm struct {
	term      string
	fuzziness int
	prefix    int
}

// queryMatchers collects, per highlighted field, what the positive parts
// of q (not under MustNot) match.
func queryMatchers(q query.Query, m mapping.IndexMapping) map[string]*fieldMatcher {
	out := map[string]*fieldMatcher{}
	get := func(field string) *fieldMatcher {
		if !slices.Contains(fragmentFields, field) {
			return nil
		}
		fm := out[field]
		if fm == nil {
			fm = &fieldMatcher{terms: map[string]bool{}}
			out[field] = fm
		}
		return fm
	}
	analyseQuery := func(field, analyzer, text string) []analysis.Token {
		if analyzer == "" {
			analyzer = m.AnalyzerNameForPath(field)
		}
		return analyse(m, analyzer, []byte(text))
	}
	var walk func(q query.Query)
	walk = func(q query.Query) {
		switch q := q.(type) {
		case *query.BooleanQuery:
			for _, sub := range []query.Query{q.Must, q.Should} {
				if sub != nil {
					walk(sub)
				}
			}
		case *query.ConjunctionQuery:
			for _, sub := range q.Conjuncts {
				walk(sub)
			}
		case *query.DisjunctionQuery:
			for _, sub := range q.Disjuncts {
				walk(sub)
			}
		case *query.MatchQuery:
			fm := get(q.FieldVal)
			if fm == nil {
				return
			}
			for _, t := range analyseQuery(q.FieldVal, q.Analyzer, q.Match) {
				if q.Fuzziness > 0 {
					fm.fuzzy = append(fm.fuzzy, fuzzyTerm{string(t.Term), q.Fuzziness, q.Prefix})
				} else {
					fm.terms[string(t.Term)] = true
				}
			}
		case *query.MatchPhraseQuery:
			fm := get(q.FieldVal)
			if fm == nil {
				return
			}
			ts := analyseQuery(q.FieldVal, q.Analyzer, q.MatchPhrase)
			if len(ts) == 0 {
				return
			}
			if q.Fuzziness > 0 {
				for _, t := range ts {
					fm.fuzzy = append(fm.fuzzy, fuzzyTerm{string(t.Term), q.Fuzziness, 0})
				}
				return
			}
			p := make([]phraseTerm, len(ts))
			for i, t := range ts {
				p[i] = phraseTerm{string(t.Term), t.Position - ts[0].Position}
			}
			fm.phrases = append(fm.phrases, p)
		case *bodyPhraseQuery:
			if fm := get(fBody); fm != nil {
				if p, err := q.terms(m); err == nil && len(p) > 0 {
					fm.phrases = append(fm.phrases, p)
				}
			}
		case *query.WildcardQuery:
			if fm := get(q.FieldVal); fm != nil {
				if re, err := regexp.Compile("^(?:" + wildcardToRegexp(q.Wildcard) + ")$"); err == nil {
					fm.regexps = append(fm.regexps, re)
				}
			}
		case *query.RegexpQuery:
			if fm := get(q.FieldVal); fm != nil {
				// bleve matches a regexp against whole terms.
				if re, err := regexp.Compile("^(?:" + q.Regexp + ")$"); err == nil {
					fm.regexps = append(fm.regexps, re)
				}
			}
		}
	}
	walk(q)
	return out
}

// wildcardToRegexp is how bleve's WildcardQuery turns * and ? into a
// regexp, escaping the rest.
var wildcardToRegexp = strings.NewReplacer(
	"+", `\+`, "(", `\(`, ")", `\)`, "^", `\^`, "$", `\$`, ".", `\.`,
	"{", `\{`, "}", `\}`, "[", `\[`, "]", `\]`, `|`, `\|`, `\`, `\\`,
	"*", ".*", "?", ".").Replace

func (fm *fieldMatcher) matchTerm(term []byte) bool {
	if fm.terms[string(term)] {
		return true
	}
	for _, f := range fm.fuzzy {
		if withinEdits(string(term), f.term, f.fuzziness, f.prefix) {
			return true
		}
	}
	for _, re := range fm.regexps {
		if re.Match(term) {
			return true
		}
	}
	return false
}

// locations returns the matching tokens as bleve term locations.
func (fm *fieldMatcher) locations(tokens []analysis.Token) bsearch.TermLocationMap {
	tlm := bsearch.TermLocationMap{}
	add := func(t *analysis.Token) {
		term := string(t.Term)
		tlm[term] = append(tlm[term], &bsearch.Location{
			Pos: uint64(t.Position), Start: uint64(t.Start), End: uint64(t.End),
		})
	}
	for i := range tokens {
		if fm.matchTerm(tokens[i].Term) {
			add(&tokens[i])
		}
	}
	var at []int32
	for _, p := range fm.phrases {
		at = phraseStarts(tokens, p, at, func(i int, at []int32) bool {
			for _, pt := range p {
				add(&tokens[at[tokens[i].Position+pt.pos]])
			}
			return true
		})
	}
	return tlm
}

// analyse runs the named analyzer, as token values.
func analyse(m mapping.IndexMapping, analyzer string, text []byte) []analysis.Token {
	a := m.AnalyzerNamed(analyzer)
	if fa, ok := a.(*fastAnalyzer); ok {
		return fa.tokens(nil, text)
	}
	if a == nil {
		return nil
	}
	ts := a.Analyze(text)
	out := make([]analysis.Token, len(ts))
	for i, t := range ts {
		out[i] = *t
	}
	return out
}

var (
	htmlHighlighterOnce sync.Once
	htmlHighlighter     highlight.Highlighter
)

// fragmentsFor returns the best fragment of each highlighted field of one
// hit, in fragmentFields order, from the hit's stored fields.
func fragmentsFor(matchers map[string]*fieldMatcher, m mapping.IndexMapping, stored map[string]interface{}) []string {
	htmlHighlighterOnce.Do(func() {
		// bleve's "html" highlighter: <mark>, HTML escaping, 200-character
		// fragments, "…" where text was cut, as before.
		h, err := registry.NewCache().HighlighterNamed(htmlhl.Name)
		if err != nil {
			panic(err) // registered by bleve itself
		}
		htmlHighlighter = h
	})
	var out []string
	for _, field := range fragmentFields {
		fm := matchers[field]
		text, _ := stored[field].(string)
		if fm == nil || text == "" {
			continue
		}
		tlm := fm.locations(analyse(m, m.AnalyzerNameForPath(field), []byte(text)))
		if len(tlm) == 0 {
			continue
		}
		dm := &bsearch.DocumentMatch{Locations: bsearch.FieldTermLocationMap{field: tlm}}
		doc := document.NewDocument("")
		doc.AddField(document.NewTextField(field, nil, []byte(text)))
		out = append(out, htmlHighlighter.BestFragmentsInField(dm, doc, field, 1)...)
	}
	return out
}

// withinEdits reports whether a and b are at most k edits apart (in runes)
// and share their first prefix bytes, like bleve's fuzzy term search.
func withinEdits(a, b string, k, prefix int) bool {
	if prefix > 0 && (len(a) < prefix || len(b) < prefix || a[:prefix] != b[:prefix]) {
		return false
	}
	ra, rb := []rune(a), []rune(b)
	if d := len(ra) - len(rb); d > k || -d > k {
		return false
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		best := cur[0]
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			best = min(best, cur[j])
		}
		if best > k {
			return false
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)] <= k
}
