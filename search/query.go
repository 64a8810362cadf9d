package search

import (
	"fmt"
	"regexp/syntax"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"
)

// plan is a validated, normalised Request.
type plan struct {
	user      query.Query // nil: no text query (match all, newest first)
	expensive bool        // user query has wildcard/regexp/fuzzy terms
	filters   map[string][]string
	page      int
	size      int
}

func prepare(req Request) (*plan, error) {
	p := &plan{page: req.Page, size: req.Size}
	if p.page == 0 {
		p.page = 1
	}
	if p.page < 1 {
		return nil, badQuery("page must be 1 or more")
	}
	if p.size == 0 {
		p.size = DefaultSize
	}
	if p.size < 1 || p.size > MaxSize {
		return nil, badQuery(fmt.Sprintf("size must be between 1 and %d", MaxSize))
	}
	if !utf8.ValidString(req.Query) {
		return nil, badQuery("query is not valid UTF-8")
	}
	if n := utf8.RuneCountInString(req.Query); n > MaxQueryLen {
		return nil, badQuery(fmt.Sprintf("query is %d characters; the limit is %d", n, MaxQueryLen))
	}
	filters, err := normaliseFilters(req.Filters)
	if err != nil {
		return nil, err
	}
	p.filters = filters
	p.user, p.expensive, err = parseUserQuery(req.Query)
	if err != nil {
		return nil, err
	}
	return p, nil
}

func normaliseFilters(in map[string][]string) (map[string][]string, error) {
	out := map[string][]string{}
	for k, vals := range in {
		if facetByKey(k) < 0 {
			return nil, badQuery(fmt.Sprintf("unknown filter %q (use factor, tag, service, severity or year)", k))
		}
		if len(vals) > maxFilterVals {
			return nil, badQuery(fmt.Sprintf("too many values for filter %s (limit %d)", k, maxFilterVals))
		}
		var clean []string
		for _, v := range vals {
			if !utf8.ValidString(v) {
				return nil, badQuery("filter value is not valid UTF-8")
			}
			if utf8.RuneCountInString(v) > maxFilterLen {
				return nil, badQuery(fmt.Sprintf("filter value longer than %d characters", maxFilterLen))
			}
			clean = append(clean, v)
		}
		if clean = cleanValues(clean); len(clean) > 0 {
			out[k] = clean
		}
	}
	return out, nil
}

func facetByKey(k string) int {
	for i, f := range facetKeys {
		if f.key == k {
			return i
		}
	}
	return -1
}

// parseUserQuery parses the query string and rewrites it so that bare terms
// search every text field with per-field boosts (there is no _all field)
// and friendly field names map to index fields.
func parseUserQuery(s string) (query.Query, bool, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "*" {
		return nil, false, nil
	}
	structured := looksStructured(s)
	if structured {
		if err := checkParens(s); err != nil {
			return nil, false, err
		}
	}
	q, err := bleve.NewQueryStringQuery(s).Parse()
	if err != nil {
		if structured {
			return nil, false, badQuery("query does not parse (" + firstLine(err.Error()) + `); put text with special characters in "quotes"`)
		}
		// Pasted text such as "<script>" or "a < b" uses operator
		// characters without meaning them: search its words instead.
		plain := strings.Join(strings.Fields(strings.Map(func(r rune) rune {
			if strings.ContainsRune(reservedChars, r) {
				return ' '
			}
			return r
		}, s)), " ")
		if plain == "" {
			return nil, false, badQuery("query has no words to search for")
		}
		if q, err = bleve.NewQueryStringQuery(plain).Parse(); err != nil {
			return nil, false, badQuery("query does not parse: " + firstLine(err.Error()))
		}
	}
	rw := &rewriter{}
	q = rw.rewrite(q)
	if rw.err != nil {
		return nil, false, rw.err
	}
	if rw.leaves == 0 {
		return nil, false, nil
	}
	if rw.expanding > maxExpanding {
		return nil, false, badQuery(fmt.Sprintf("at most %d wildcard, regexp or fuzzy terms per query", maxExpanding))
	}
	if rw.leaves > maxQueryLeaves {
		return nil, false, badQuery(fmt.Sprintf("query has %d terms; the limit is %d", rw.leaves, maxQueryLeaves))
	}
	if v, ok := q.(query.ValidatableQuery); ok {
		if err := v.Validate(); err != nil {
			return nil, false, badQuery("invalid query: " + firstLine(err.Error()))
		}
	}
	return q, rw.expanding > 0, nil
}

// reservedChars are the query-string operator characters (bleve's list).
const reservedChars = "+-=&|><!(){}[]^\"~*?:\\/"

// looksStructured reports whether s uses syntax on purpose: a field, a
// phrase, or a +must/-not prefix.
func looksStructured(s string) bool {
	if strings.ContainsAny(s, ":\"") {
		return true
	}
	for _, f := range strings.Fields(s) {
		if f[0] == '+' || f[0] == '-' {
			return true
		}
	}
	return false
}

// checkParens rejects what looks like grouping. bleve's query-string
// syntax has no parentheses: "title:(a b)" would silently become title:a
// OR b anywhere. Balanced parentheses inside ordinary text ("reset
// (ECONNRESET)") are left alone; quoted and escaped ones are ignored.
func checkParens(s string) error {
	depth, inQuote, prev := 0, false, rune(0)
	for i, r := range s {
		switch {
		case prev == '\\':
			r = 0 // escaped: neither a quote nor a parenthesis
		case r == '"':
			inQuote = !inQuote
		case inQuote:
		case r == '(':
			if i > 0 && prev == ':' {
				return badQuery("grouping with parentheses is not supported; use +word, -word and \"phrases\"")
			}
			depth++
		case r == ')':
			depth--
			if depth < 0 {
				return badQuery("unbalanced parentheses")
			}
		}
		prev = r
	}
	if depth != 0 {
		return badQuery("unbalanced parentheses")
	}
	return nil
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

type rewriter struct {
	leaves    int
	expanding int // wildcard, regexp and fuzzy terms
	err       error
}

func (rw *rewriter) fail(msg string) {
	if rw.err == nil {
		rw.err = badQuery(msg)
	}
}

// rewrite mutates compound queries in place: the parser marks them with
// an unexported "query string mode" that must survive.
func (rw *rewriter) rewrite(q query.Query) query.Query {
	switch q := q.(type) {
	case *query.BooleanQuery:
		if q.Must != nil {
			q.Must = rw.rewrite(q.Must)
		}
		if q.Should != nil {
			q.Should = rw.rewrite(q.Should)
		}
		if q.MustNot != nil {
			q.MustNot = rw.rewrite(q.MustNot)
		}
		return q
	case *query.ConjunctionQuery:
		for i := range q.Conjuncts {
			q.Conjuncts[i] = rw.rewrite(q.Conjuncts[i])
		}
		return q
	case *query.DisjunctionQuery:
		for i := range q.Disjuncts {
			q.Disjuncts[i] = rw.rewrite(q.Disjuncts[i])
		}
		return q
	case *query.MatchQuery:
		rw.leaves++
		if q.Fuzziness > 2 {
			rw.fail("fuzziness must be 0, 1 or 2")
		}
		if q.Fuzziness > 0 {
			rw.expanding++
		}
		field, known := resolveField(q.FieldVal)
		if !known {
			// "error: timeout" or "http://..." is text, not a field query.
			return rw.expand(q.Boost(), func(f string, b float64) query.Query {
				c := *q
				c.Match, c.FieldVal = q.FieldVal+" "+q.Match, f
				c.SetBoost(b)
				return &c
			})
		}
		if field != "" {
			q.SetField(field)
			return q
		}
		return rw.expand(q.Boost(), func(f string, b float64) query.Query {
			c := *q
			c.FieldVal = f
			c.SetBoost(b)
			return &c
		})
	case *query.MatchPhraseQuery:
		rw.leaves++
		field, known := resolveField(q.FieldVal)
		if !known {
			return rw.expand(q.Boost(), func(f string, b float64) query.Query {
				c := *q
				c.MatchPhrase, c.FieldVal = q.FieldVal+" "+q.MatchPhrase, f
				c.SetBoost(b)
				return phraseOn(&c)
			})
		}
		if keywordFields[field] {
			// A keyword value is one token, and keyword fields keep no
			// positions for a phrase search to check.
			m := query.NewMatchQuery(q.MatchPhrase)
			m.SetField(field)
			m.SetBoost(q.Boost())
			return m
		}
		if field != "" {
			q.SetField(field)
			return phraseOn(q)
		}
		return rw.expand(q.Boost(), func(f string, b float64) query.Query {
			c := *q
			c.FieldVal = f
			c.SetBoost(b)
			return phraseOn(&c)
		})
	case *query.WildcardQuery:
		rw.leaves++
		rw.expanding++
		// Indexed terms are lower-cased; wildcards are not analysed.
		q.Wildcard = strings.ToLower(q.Wildcard)
		if strings.Trim(q.Wildcard, "*?") == "" {
			rw.fail("a wildcard needs at least one letter")
		}
		// Each * becomes ".*" in an automaton run over the whole term
		// dictionary; many of them make that exponentially slow.
		if strings.Count(q.Wildcard, "*")+strings.Count(q.Wildcard, "?") > maxWildcards {
			rw.fail(fmt.Sprintf("at most %d wildcards per word", maxWildcards))
		}
		field, known := resolveField(q.FieldVal)
		if !known {
			// A pasted URL ("https://host/a?b=c") is text, not a field.
			rw.expanding--
			text := q.FieldVal + " " + q.Wildcard
			return rw.expand(q.Boost(), func(f string, b float64) query.Query {
				m := query.NewMatchQuery(text)
				m.SetField(f)
				m.SetBoost(b)
				return m
			})
		}
		if field != "" {
			q.SetField(field)
			return q
		}
		return rw.expand(q.Boost(), func(f string, b float64) query.Query {
			c := *q
			c.FieldVal = f
			c.SetBoost(b)
			return &c
		})
	case *query.RegexpQuery:
		rw.leaves++
		rw.expanding++
		if len(q.Regexp) > maxRegexpLen {
			rw.fail(fmt.Sprintf("regular expressions are limited to %d characters", maxRegexpLen))
		} else if re, err := syntax.Parse(q.Regexp, syntax.Perl); err != nil {
			rw.fail("invalid regular expression: " + err.Error())
		} else if maxRepeat(re) > maxRegexpRepeat {
			// Counted repeats unroll into automaton states.
			rw.fail(fmt.Sprintf("regular expression repeat counts are limited to %d", maxRegexpRepeat))
		}
		field, known := resolveField(q.FieldVal)
		if !known {
			rw.fail(fmt.Sprintf("unknown field %q", q.FieldVal))
		}
		if field != "" {
			q.SetField(field)
			return q
		}
		return rw.expand(q.Boost(), func(f string, b float64) query.Query {
			c := *q
			c.FieldVal = f
			c.SetBoost(b)
			return &c
		})
	case *query.NumericRangeQuery:
		// The parser pairs every bare number with a range query on the
		// same field; without a field it matches nothing, which is right.
		if q.FieldVal != "" {
			rw.leaves++
			field, known := resolveField(q.FieldVal)
			if !known {
				if q.Min != nil && q.Max != nil && *q.Min == *q.Max {
					// The range half of "error:500", whose text half
					// searches "error 500"; the parser's disjunction
					// skips a match-none.
					return query.NewMatchNoneQuery()
				}
				rw.fail(fmt.Sprintf("unknown field %q", q.FieldVal))
			}
			q.SetField(field)
		}
		return q
	case *query.DateRangeQuery:
		rw.leaves++
		field, known := resolveField(q.FieldVal)
		if !known || field == "" {
			rw.fail(fmt.Sprintf("unknown field %q for a date range (use date:>\"2024-01-01\")", q.FieldVal))
		}
		q.SetField(field)
		return q
	}
	return q
}

func maxRepeat(re *syntax.Regexp) int {
	m := max(re.Min, re.Max)
	for _, sub := range re.Sub {
		m = max(m, maxRepeat(sub))
	}
	return m
}

// phraseOn returns q, or for the body, which keeps no term positions, the
// query that finds phrases there (phrase.go).
func phraseOn(q *query.MatchPhraseQuery) query.Query {
	if q.FieldVal == fBody {
		return newBodyPhraseQuery(q)
	}
	return q
}

// expand turns one field-less term into a disjunction over the text fields.
func (rw *rewriter) expand(userBoost float64, mk func(field string, boost float64) query.Query) query.Query {
	qs := make([]query.Query, 0, len(textFields))
	for _, tf := range textFields {
		// bleve ignores boosts on compound queries, so the user's boost
		// goes onto each leaf.
		qs = append(qs, mk(tf.name, tf.boost*userBoost))
	}
	return query.NewDisjunctionQuery(qs)
}

// resolveField maps a typed field name to an index field. known is false
// for names that are not fields at all.
func resolveField(typed string) (field string, known bool) {
	if typed == "" {
		return "", true
	}
	f, ok := fieldAliases[strings.ToLower(typed)]
	return f, ok
}

const filterBoost = 1e-6

// filterQuery is the AND of one OR per key, skipping skipKey (used for
// multi-select facets). It returns nil when nothing is left.
func filterQuery(filters map[string][]string, skipKey string) query.Query {
	keys := make([]string, 0, len(filters))
	for k := range filters {
		if k != skipKey {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return nil
	}
	sort.Strings(keys)
	conj := make([]query.Query, 0, len(keys))
	for _, k := range keys {
		field := facetKeys[facetByKey(k)].field
		ors := make([]query.Query, 0, len(filters[k]))
		for _, v := range filters[k] {
			// A match query runs the value through the field's analyzer,
			// which lower-cases it: "DNS" and "dns" filter alike.
			mq := query.NewMatchQuery(v)
			mq.SetField(field)
			// Filters must not move the ranking; a tiny boost (set on the
			// leaf: bleve ignores it on compound queries) keeps their
			// share of the score negligible.
			mq.SetBoost(filterBoost)
			ors = append(ors, mq)
		}
		conj = append(conj, query.NewDisjunctionQuery(ors))
	}
	return query.NewConjunctionQuery(conj)
}

// combine ANDs the text query and the filters. It uses a conjunction rather
// than BooleanQuery.Filter because the latter turns a text query that
// matches nothing (all stop words) into "everything that passes the filter".
func combine(user, filter query.Query) query.Query {
	switch {
	case user == nil && filter == nil:
		return query.NewMatchAllQuery()
	case user == nil:
		return filter
	case filter == nil:
		return user
	}
	return query.NewConjunctionQuery([]query.Query{user, filter})
}
