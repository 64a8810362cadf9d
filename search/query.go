package search

import (
	"fmt"
	"net/url"
	"regexp"
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/registry"
	"github.com/blevesearch/bleve/v2/search/query"
)

// Queries are plain text first: engineers paste error messages, config
// lines and log excerpts, whose colons, quotes and = mean nothing. So the
// query is read by a small lexer of its own rather than bleve's
// query-string parser, and only these forms are syntax:
//
//	+word -word          must / must not (before a letter or a quote)
//	"a phrase"           a closing quote makes a phrase; an open one is text
//	field:value          only for known field names (fieldAliases)
//	field:"a phrase"
//	pre*  pre?x          wildcard, at least 3 characters before the first
//	word~  word~2        fuzzy, at most 2 edits
//	/regexp/             at least 3 literal characters first
//
// Everything else is words. A word matches every text field; hits with
// all the words as a phrase come first (Index.Search); words that look like
// identifiers also match the ident field, strongly; and the last word,
// while it is being typed, matches as a prefix (Index.prefixQuery).
// Costly forms are bounded here, before anything runs.

const (
	maxClauses      = 64 // words searched, and clauses in all, in one query
	maxExpanding    = 4  // wildcard, fuzzy and regexp terms in one query
	minLiteral      = 3  // characters before a wildcard, in a regexp, of a prefix
	maxWildcards    = 2  // * and ? in one term
	maxRegexpLen    = 100
	maxRegexpRepeat = 20
	identBoost      = 8 // an identifier found whole beats its pieces
	prefixBoost     = 0.5
	// maxTermSearchers bounds the terms one search may open, whatever
	// wildcards and prefixes expand to (bleve's MaxTermSearchersKey).
	maxTermSearchers = 2000
)

// plan is a validated Request.
type plan struct {
	text    *textQuery // nil: no text query, everything newest first
	filters map[string][]string
	page    int
	size    int
}

// textQuery is the user's query as bleve clauses.
type textQuery struct {
	must, mustNot, should []query.Query
	// words has one query per plain word with terms; Search ORs the
	// expansion of prefix, the last word while it may still be being
	// typed, into the last one (Index.prefixQuery needs the index).
	words   []query.Query
	prefix  string
	phrases []query.Query // the quoted phrases and the words as one phrase
}

// build returns the query, with expanded (if not nil) as another way to
// match the last word, and the tiers that Search ranks first: hits with a
// phrase, then hits with all the words, then the rest.
func (t *textQuery) build(expanded query.Query) (user query.Query, tiers []query.Query) {
	words := t.words
	if expanded != nil && len(words) > 0 {
		words = slices.Clone(words)
		words[len(words)-1] = query.NewDisjunctionQuery([]query.Query{words[len(words)-1], expanded})
	}
	should := append(slices.Clone(t.should), words...)
	switch {
	case len(should)+len(t.must)+len(t.mustNot) == 0:
		user = query.NewMatchNoneQuery() // stop words only
	case len(t.must)+len(t.mustNot) > 0:
		user = query.NewBooleanQuery(t.must, should, t.mustNot)
	case len(should) == 1:
		user = should[0]
	default:
		user = query.NewDisjunctionQuery(should)
	}
	if len(words) > 0 && len(t.phrases) > 0 {
		tiers = append(tiers, query.NewDisjunctionQuery(t.phrases))
	}
	if len(words) > 1 {
		tiers = append(tiers, query.NewConjunctionQuery(words))
	}
	return user, tiers
}

func prepare(req Request) (*plan, error) {
	p := &plan{page: req.Page, size: req.Size}
	if p.page == 0 {
		p.page = 1
	}
	if p.size == 0 {
		p.size = DefaultSize
	}
	if p.page < 1 {
		return nil, badQuery("page must be 1 or more")
	}
	if p.size < 1 || p.size > MaxSize {
		return nil, badQuery(fmt.Sprintf("size must be between 1 and %d", MaxSize))
	}
	if p.page > maxWindow/p.size {
		return nil, badQuery(fmt.Sprintf("page %d is too far: only the first %d results can be paged through; narrow the search", p.page, maxWindow))
	}
	var err error
	if p.filters, err = normaliseFilters(req.Filters); err != nil {
		return nil, err
	}
	if p.text, err = parseQuery(req.Query); err != nil {
		return nil, err
	}
	return p, nil
}

func normaliseFilters(in map[string][]string) (map[string][]string, error) {
	out := map[string][]string{}
	for k, vals := range in {
		if facetField(k) == "" {
			return nil, badQuery(fmt.Sprintf("unknown filter %q (use factor, tag, service, severity or year)", k))
		}
		if len(vals) > maxFilterVals {
			return nil, badQuery(fmt.Sprintf("too many values for filter %s (at most %d)", k, maxFilterVals))
		}
		for _, v := range vals {
			if !utf8.ValidString(v) || utf8.RuneCountInString(v) > maxFilterLen {
				return nil, badQuery(fmt.Sprintf("a %s filter value must be valid text of at most %d characters", k, maxFilterLen))
			}
		}
		if vals = cleanValues(vals); len(vals) > 0 {
			out[k] = vals
		}
	}
	return out, nil
}

// facetField returns the field that filters on key, or "".
func facetField(key string) string {
	for _, fk := range facetKeys {
		if fk.key == key {
			return fk.field
		}
	}
	return ""
}

// clause is one piece of the query as the lexer reads it.
type clause struct {
	op    byte   // 0, '+' or '-'
	field string // index field; "" for the text fields
	text  string
	kind  byte // 'w' word, 'p' phrase, '*' wildcard, '~' fuzzy, '/' regexp
	fuzzy int
}

// parseQuery turns the user's query into bleve clauses; nil means none.
func parseQuery(s string) (*textQuery, error) {
	if !utf8.ValidString(s) {
		return nil, badQuery("the query is not valid text (UTF-8)")
	}
	if n := utf8.RuneCountInString(s); n > MaxQueryLen {
		return nil, badQuery(fmt.Sprintf("the query is %d characters long; the limit is %d", n, MaxQueryLen))
	}
	if t := strings.TrimSpace(s); t == "" || t == "*" {
		return nil, nil
	}
	clauses, err := lex(s)
	if err != nil {
		return nil, err
	}
	if clauses, err = capClauses(clauses); err != nil {
		return nil, err
	}
	t := &textQuery{}
	var plain []string
	seen := map[string]bool{}
	for i, c := range clauses {
		if c.op == 0 && c.field == "" && c.kind == 'w' {
			plain = append(plain, c.text)
			typing := i == len(clauses)-1 && !unicode.IsSpace(lastRune(s)) // the last word may be half typed
			t.addWord(c, seen, typing)
			continue
		}
		t.add(c)
	}
	t.addWholeText(strings.Join(plain, " "), len(plain))
	return t, nil
}

// capClauses bounds a query's cost: a long paste is searched by its first maxClauses words; syntax past that is an
// error, since dropping it would change the meaning.
func capClauses(clauses []clause) ([]clause, error) {
	if len(clauses) == 0 {
		return nil, badQuery("the query has no words to search for")
	}
	plainWords, expanding := 0, 0
	clauses = slices.DeleteFunc(clauses, func(c clause) bool {
		if c.op == 0 && c.field == "" && c.kind == 'w' {
			plainWords++
			return plainWords > maxClauses
		}
		if c.kind == '*' || c.kind == '~' || c.kind == '/' {
			expanding++
		}
		return false
	})
	if len(clauses) > maxClauses {
		return nil, badQuery(fmt.Sprintf("the query has %d terms with syntax; the limit is %d", len(clauses)-min(plainWords, maxClauses), maxClauses))
	}
	if expanding > maxExpanding {
		return nil, badQuery(fmt.Sprintf("at most %d wildcard, fuzzy or regexp terms per query", maxExpanding))
	}
	return clauses, nil
}

// addWord adds a plain word to the all-the-words tier. A stop word alone matches nothing: leaving it out keeps it
// from emptying the tier. A repeated word counts once. A word being typed also matches as a prefix.
func (t *textQuery) addWord(c clause, seen map[string]bool, typing bool) {
	lower := strings.ToLower(c.text)
	if seen[lower] || len(analyse(c.text)) == 0 {
		return
	}
	seen[lower] = true
	t.words = append(t.words, c.query())
	if typing && utf8.RuneCountInString(c.text) >= minLiteral {
		t.prefix = lower
	}
}

// add adds a clause with an operator, a field or a form of its own.
func (t *textQuery) add(c clause) {
	cq := c.query()
	switch {
	case c.op == '+':
		t.must = append(t.must, cq)
	case c.op == '-':
		t.mustNot = append(t.mustNot, cq)
	case c.kind == 'p' && (c.field == "" || !keywordFields[c.field]):
		t.phrases = append(t.phrases, cq)
		t.should = append(t.should, cq)
	default:
		t.should = append(t.should, cq)
	}
}

// addWholeText ranks higher the documents with the plain words as a phrase, and those with the identifiers in
// them (error codes, ticket IDs) as they are.
func (t *textQuery) addWholeText(text string, words int) {
	if words > 1 {
		t.phrases = append(t.phrases, overText(func(f string) query.Query {
			pq := query.NewMatchPhraseQuery(text)
			pq.SetField(f)
			return pq
		}, 1))
	}
	for _, id := range identifiers(text, nil, map[string]bool{}) {
		tq := query.NewTermQuery(id)
		tq.SetField(fIdent)
		tq.SetBoost(identBoost)
		t.should = append(t.should, tq)
	}
}

// analyse runs the text analyzer on s.
func analyse(s string) analysis.TokenStream { return theTextAnalyzer().Analyze([]byte(s)) }

var theTextAnalyzer = sync.OnceValue(func() analysis.Analyzer {
	a, err := registry.NewCache().AnalyzerNamed(textAnalyzer)
	if err != nil {
		panic(err) // registered in init
	}
	return a
})

func lastRune(s string) rune {
	r, _ := utf8.DecodeLastRuneInString(s)
	return r
}

// lex splits s into clauses. Only a malformed form that cannot be meant
// as text (a regexp, a wildcard, a range) is an error.
func lex(s string) ([]clause, error) {
	var out []clause
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if unicode.IsSpace(r) {
			i += n
			continue
		}
		var c clause
		i = c.lexPrefix(s, i)
		if i < len(s) && s[i] == '"' {
			next, ok := c.lexPhrase(s, i)
			if ok && strings.TrimSpace(c.text) != "" {
				out = append(out, c)
			}
			// An unfinished quote, typed or pasted: the words after it are text.
			if i = next; ok || c.op == 0 && c.field == "" {
				continue
			}
		}
		end := wordEnd(s, i)
		c.text, i = s[i:end], end
		if err := c.classify(); err != nil {
			return nil, err
		}
		if c.kind != 0 {
			out = append(out, c)
		}
	}
	return out, nil
}

// lexPrefix reads a clause's operator (+, -) and field (tag:), if any, and returns where its text starts.
func (c *clause) lexPrefix(s string, i int) int {
	if r := s[i]; (r == '+' || r == '-') && i+1 < len(s) {
		if next, _ := utf8.DecodeRuneInString(s[i+1:]); unicode.IsLetter(next) || next == '"' {
			c.op = r
			i++
		}
	}
	if name, rest, ok := strings.Cut(s[i:], ":"); ok && rest != "" && !unicode.IsSpace(firstRune(rest)) && isFieldName(name) {
		if f, known := fieldAliases[strings.ToLower(name)]; known {
			c.field = f
			i += len(name) + 1
		}
	}
	return i
}

// lexPhrase reads the quoted phrase at s[i]; without a closing quote it reports false and skips the quote.
func (c *clause) lexPhrase(s string, i int) (next int, ok bool) {
	end := strings.IndexByte(s[i+1:], '"')
	if end < 0 {
		return i + 1, false
	}
	c.text, c.kind = s[i+1:i+1+end], 'p'
	return i + end + 2, true
}

// wordEnd is where the unquoted text from i ends: at a space, or at a quote that opens a phrase
// (error="connection refused": the phrase is lexed next).
func wordEnd(s string, i int) int {
	end := i
	for end < len(s) {
		r, n := utf8.DecodeRuneInString(s[end:])
		if unicode.IsSpace(r) || r == '"' && end > i && strings.IndexByte(s[end+1:], '"') >= 0 {
			break
		}
		end += n
	}
	return end
}

func firstRune(s string) rune {
	r, _ := utf8.DecodeRuneInString(s)
	return r
}

func isFieldName(s string) bool {
	return s != "" && strings.IndexFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && r != '_' }) < 0
}

// classify sets the kind of an unquoted clause from its text; a clause
// with nothing to search keeps kind 0 and is dropped.
func (c *clause) classify() error {
	t := c.text
	switch {
	case len(t) >= 3 && t[0] == '/' && t[len(t)-1] == '/' && !strings.Contains(t[1:len(t)-1], "/"):
		c.kind, c.text = '/', t[1:len(t)-1]
		return checkRegexp(c.text)
	}
	if strings.IndexFunc(t, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) < 0 {
		return nil // punctuation only: "=", "->", "**"
	}
	if word, dist, ok := strings.Cut(t, "~"); ok && isWord(word) && (dist == "" || isDigits(dist)) {
		return c.fuzzyWord(word, dist)
	}
	// A ? at the end is a question mark ("why did the cache expire?"), not a wildcard.
	if strings.ContainsAny(t, "*?") && !(strings.IndexAny(t, "*?") == len(t)-1 && t[len(t)-1] == '?') && isWord(strings.Map(dropWild, t)) {
		return c.wildcard()
	}
	c.kind = 'w'
	return nil
}

// fuzzyWord makes the clause word~dist, within the bounds that keep its cost low.
func (c *clause) fuzzyWord(word, dist string) error {
	c.kind, c.text, c.fuzzy = '~', word, 1
	if dist != "" {
		c.fuzzy, _ = strconv.Atoi(dist)
	}
	if c.fuzzy < 1 || c.fuzzy > 2 {
		return badQuery("fuzziness must be 1 or 2 (word~1, word~2)")
	}
	if utf8.RuneCountInString(word) < minLiteral+c.fuzzy {
		return badQuery(fmt.Sprintf("a fuzzy word needs at least %d characters", minLiteral+c.fuzzy))
	}
	return nil
}

// wildcard makes the clause a wildcard, with enough literal characters first that it expands to few terms.
func (c *clause) wildcard() error {
	t := c.text
	c.kind = '*'
	if first := strings.IndexAny(t, "*?"); utf8.RuneCountInString(t[:first]) < minLiteral {
		return badQuery(fmt.Sprintf("a wildcard needs at least %d characters before the first * or ?; to search for the text itself, put it in \"quotes\"", minLiteral))
	}
	if strings.Count(t, "*")+strings.Count(t, "?") > maxWildcards {
		return badQuery(fmt.Sprintf("at most %d wildcards per word", maxWildcards))
	}
	return nil
}

func dropWild(r rune) rune {
	if r == '*' || r == '?' {
		return -1
	}
	return r
}

// isWord reports whether s is made of letters, digits, - and _ only.
func isWord(s string) bool {
	return s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-' && r != '_'
	}) < 0
}

func isDigits(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' }) < 0
}

// checkRegexp refuses what would make bleve walk much of the term
// dictionary, or build a big automaton.
func checkRegexp(re string) error {
	if len(re) > maxRegexpLen {
		return badQuery(fmt.Sprintf("a regular expression may have at most %d characters", maxRegexpLen))
	}
	parsed, err := syntax.Parse(re, syntax.Perl)
	if err != nil {
		return badQuery("invalid regular expression: " + err.Error())
	}
	if maxRepeat(parsed) > maxRegexpRepeat {
		return badQuery(fmt.Sprintf("regular expression repeat counts are limited to %d", maxRegexpRepeat))
	}
	if lit, _ := regexp.MustCompile(re).LiteralPrefix(); utf8.RuneCountInString(lit) < minLiteral {
		return badQuery(fmt.Sprintf("a regular expression must start with at least %d plain characters, e.g. /prom.*/", minLiteral))
	}
	return nil
}

func maxRepeat(re *syntax.Regexp) int {
	m := max(re.Min, re.Max)
	for _, sub := range re.Sub {
		m = max(m, maxRepeat(sub))
	}
	return m
}

// query returns the bleve query of one clause.
func (c *clause) query() query.Query {
	mk := func(f string) query.Query {
		switch {
		case keywordFields[f] && (c.kind == 'w' || c.kind == 'p'):
			// One lower-cased token per value ("config change"),
			// whether quoted or not; identifiers are stored lower-cased.
			mq := query.NewMatchQuery(c.text)
			if f == fIdent {
				mq = query.NewMatchQuery(strings.ToLower(c.text))
			}
			mq.SetField(f)
			return mq
		case c.kind == 'p':
			pq := query.NewMatchPhraseQuery(c.text)
			pq.SetField(f)
			return pq
		case c.kind == '*':
			wq := query.NewWildcardQuery(strings.ToLower(c.text))
			wq.SetField(f)
			return wq
		case c.kind == '/':
			rq := query.NewRegexpQuery(c.text)
			rq.SetField(f)
			return rq
		case c.kind == '~':
			mq := query.NewMatchQuery(c.text)
			mq.SetFuzziness(c.fuzzy)
			mq.SetPrefix(1)
			mq.SetField(f)
			return mq
		}
		// A word is matched whole: every piece of "OPS-4106" or
		// "10.2.3.4:5432", not any of them (which would match every
		// incident with a ticket in the OPS project).
		mq := query.NewMatchQuery(c.text)
		mq.SetOperator(query.MatchQueryOperatorAnd)
		mq.SetField(f)
		return mq
	}
	if c.field != "" {
		return mk(c.field)
	}
	return overText(mk, 1)
}

// overText is mk over every text field, with the fields' boosts times
// boost (set on each leaf: bleve ignores boosts on compound queries).
func overText(mk func(field string) query.Query, boost float64) query.Query {
	qs := make([]query.Query, len(textFields))
	for i, tf := range textFields {
		q := mk(tf.name)
		q.(query.BoostableQuery).SetBoost(tf.boost * boost)
		qs[i] = q
	}
	return query.NewDisjunctionQuery(qs)
}

// Limits of RequestFromValues beyond those of Request.
const (
	maxPage   = maxWindow
	maxValues = 64 // repeated parameters of one name
)

// RequestFromValues reads a request from URL parameters: q, the filter
// keys (repeated for OR), page and size. Unlike Request, where zero means
// the default, an explicit page=0 or size=0 is an error.
func RequestFromValues(v url.Values) (Request, error) {
	var req Request
	if qs := v["q"]; len(qs) > 1 {
		return req, badQuery("give q once")
	} else if len(qs) == 1 {
		req.Query = qs[0]
		if !utf8.ValidString(req.Query) || utf8.RuneCountInString(req.Query) > MaxQueryLen {
			return req, badQuery(fmt.Sprintf("the query must be valid text of at most %d characters", MaxQueryLen))
		}
	}
	for name, vals := range v {
		if len(vals) > maxValues {
			return req, badQuery(fmt.Sprintf("too many %s parameters", name))
		}
	}
	for _, fk := range facetKeys {
		if vs := v[fk.key]; len(vs) > 0 {
			if req.Filters == nil {
				req.Filters = map[string][]string{}
			}
			req.Filters[fk.key] = vs
		}
	}
	if _, err := normaliseFilters(req.Filters); err != nil {
		return req, err
	}
	num := func(name string, hi int) (int, error) {
		vs := v[name]
		if len(vs) == 0 {
			return 0, nil
		}
		n, err := strconv.Atoi(vs[0])
		if len(vs) > 1 || err != nil || n < 1 || n > hi {
			return 0, badQuery(fmt.Sprintf("%s must be a whole number from 1 to %d", name, hi))
		}
		return n, nil
	}
	var err error
	if req.Page, err = num("page", maxPage); err != nil {
		return req, err
	}
	if req.Size, err = num("size", MaxSize); err != nil {
		return req, err
	}
	return req, nil
}
