package search

import (
	"html"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/single"
	"github.com/blevesearch/bleve/v2/mapping"
	index "github.com/blevesearch/bleve_index_api"
)

// The mapping: which fields bleve indexes, stores and keeps term vectors
// for, and how a Document becomes those fields.

// Index field names. They double as the names users type before a colon
// (tag:dns, severity:SEV1), so they are short and singular.
const (
	fTitle    = "title"
	fSummary  = "summary"
	fBody     = "body"
	fTimeline = "timeline"
	fActions  = "actions"
	fIdent    = "ident" // identifiers from every text field (identifiers)
	fURL      = "url"
	fDate     = "date"
	fYear     = "year"
	fStatus   = "status"
	fTag      = "tag"
	fFactor   = "factor"
	fService  = "service"
	fSeverity = "severity"

	// Exact-case twins of the keyword fields, only for facets, so the
	// sidebar shows display names ("Config Change") while matching stays
	// case-insensitive on the lower-cased field above.
	fTagFacet      = "f_tag"
	fFactorFacet   = "f_factor"
	fServiceFacet  = "f_service"
	fSeverityFacet = "f_severity"

	lowerKeyword = "ss_lower_keyword"
)

// textFields are searched when a query names no field; the boost makes a
// title match outrank a body mention.
var textFields = []boostedField{
	{fTitle, 4},
	{fSummary, 2},
	{fActions, 1.2},
	{fTimeline, 1},
	{fBody, 1},
}

type boostedField struct {
	name  string
	boost float64
}

// fragmentFields get fragments, in the order they are shown.
var fragmentFields = []string{fSummary, fTimeline, fActions, fBody}

// facetKeys are the filter and facet names of the API, with the field
// that filters (case-insensitive) and the field whose values are counted.
var facetKeys = []struct{ key, field, facetField string }{
	{"factor", fFactor, fFactorFacet},
	{"tag", fTag, fTagFacet},
	{"service", fService, fServiceFacet},
	{"severity", fSeverity, fSeverityFacet},
	{"year", fYear, fYear},
}

// fieldAliases maps what users may type before a colon to index fields.
var fieldAliases = map[string]string{
	"title": fTitle, "summary": fSummary, "body": fBody, "text": fBody,
	"timeline": fTimeline, "actions": fActions, "action": fActions,
	"tag": fTag, "tags": fTag, "factor": fFactor, "factors": fFactor,
	"service": fService, "services": fService,
	"severity": fSeverity, "sev": fSeverity, "status": fStatus,
	"year": fYear, "id": fIdent, "ident": fIdent,
}

// keywordFields hold whole values as single lower-cased tokens.
var keywordFields = map[string]bool{
	fTag: true, fFactor: true, fService: true, fSeverity: true, fStatus: true, fYear: true, fIdent: true,
}

// storedFields are loaded for every hit shown.
var storedFields = []string{fTitle, fURL, fDate, fSeverityFacet, fSummary}

// bodyTermVectors says whether the body keeps term positions, which
// bleve needs for phrases, fragments and Hit.Matched on it. Measured at
// 10,000 documents of the project's corpus (README): 0.4-1.8 s more wall
// time, 2.6-3.2 s more CPU and 56 MB more disk for the build. They stay:
// the fallback (checking phrases against stored text after bleve has
// counted and faceted) would make totals, facets and pages of phrase
// queries approximate and bring back a highlighter of our own.
var bodyTermVectors = true

func newMapping() (mapping.IndexMapping, error) {
	im := bleve.NewIndexMapping()
	// BM25 saturates term frequency, so a long body repeating a word
	// does not drown a short title that names it.
	im.ScoringModel = index.BM25Scoring
	im.DefaultAnalyzer = textAnalyzer
	im.StoreDynamic, im.IndexDynamic, im.DocValuesDynamic = false, false, false
	if err := im.AddCustomAnalyzer(lowerKeyword, map[string]interface{}{
		"type":          custom.Name,
		"tokenizer":     single.Name,
		"token_filters": []string{lowercase.Name},
	}); err != nil {
		return nil, err
	}
	text := func(tv bool) *mapping.FieldMapping {
		return &mapping.FieldMapping{Type: "text", Analyzer: textAnalyzer, Index: true, Store: true, IncludeTermVectors: tv}
	}
	// Term vectors on the small keyword fields let a hit say it matched
	// on a tag or an identifier (Hit.Matched).
	lower := func() *mapping.FieldMapping {
		return &mapping.FieldMapping{Type: "text", Analyzer: lowerKeyword, Index: true, IncludeTermVectors: true}
	}
	// The facet twins count values in their display case.
	exact := func(store bool) *mapping.FieldMapping {
		return &mapping.FieldMapping{Type: "text", Analyzer: keyword.Name, Index: true, Store: store, DocValues: true}
	}
	dm := bleve.NewDocumentStaticMapping()
	add := func(name string, fm *mapping.FieldMapping) {
		fm.Name = name
		dm.AddFieldMappingsAt(name, fm)
	}
	add(fTitle, text(true))
	add(fSummary, text(true))
	add(fBody, text(bodyTermVectors))
	add(fTimeline, text(true))
	add(fActions, text(true))
	add(fIdent, &mapping.FieldMapping{Type: "text", Analyzer: keyword.Name, Index: true, IncludeTermVectors: true})
	add(fURL, &mapping.FieldMapping{Type: "text", Analyzer: keyword.Name, Store: true})
	add(fDate, &mapping.FieldMapping{Type: "datetime", Index: true, Store: true, DocValues: true})
	year := exact(false)
	year.IncludeTermVectors = true // year:2024 shows in Hit.Matched
	add(fYear, year)
	for _, f := range []string{fStatus, fTag, fFactor, fService, fSeverity} {
		add(f, lower())
	}
	add(fTagFacet, exact(false))
	add(fFactorFacet, exact(false))
	add(fServiceFacet, exact(false))
	add(fSeverityFacet, exact(true)) // stored: hits show it
	// Queries name their fields, so the composite _all field would only
	// cost time in every document.
	dm.AddSubDocumentMapping("_all", bleve.NewDocumentDisabledMapping())
	im.DefaultMapping = dm
	if err := im.Validate(); err != nil {
		return nil, err
	}
	return im, nil
}

// fieldsOf turns a Document into what bleve indexes. Empty values are left
// out so they neither match nor show up as blank facet terms. Entities
// are decoded defensively, so a fragment shows ” and never &rdquo;.
func fieldsOf(d Document) map[string]interface{} {
	text := func(s string) string { return html.UnescapeString(s) }
	m := map[string]interface{}{
		fTitle: text(d.Title), fSummary: text(d.Summary), fBody: text(d.Body),
		fTimeline: text(d.Timeline), fActions: text(d.Actions), fURL: d.URL,
		fStatus: d.Status,
	}
	var ids []string
	seen := map[string]bool{}
	for _, f := range []string{fTitle, fSummary, fTimeline, fActions, fBody} {
		ids = identifiers(m[f].(string), ids, seen)
	}
	if len(ids) > 0 {
		m[fIdent] = ids
	}
	if !d.Date.IsZero() {
		m[fDate] = d.Date
		m[fYear] = d.Date.Format("2006")
	}
	if sev := strings.TrimSpace(d.Severity); sev != "" {
		m[fSeverity], m[fSeverityFacet] = sev, sev
	}
	for _, kv := range []struct {
		vals          []string
		field, facetF string
	}{{d.Tags, fTag, fTagFacet}, {d.Factors, fFactor, fFactorFacet}, {d.Services, fService, fServiceFacet}} {
		if vals := cleanValues(kv.vals); len(vals) > 0 {
			m[kv.field], m[kv.facetF] = vals, vals
		}
	}
	for k, v := range m {
		if s, ok := v.(string); ok && s == "" {
			delete(m, k)
		}
	}
	return m
}

// cleanValues trims and drops empties and duplicates, so a tag listed
// twice counts once in facets.
func cleanValues(in []string) []string {
	out := make([]string, 0, len(in))
	seen := make(map[string]bool, len(in))
	for _, v := range in {
		if v = strings.TrimSpace(v); v != "" && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// identifiers appends to dst the identifiers in s that seen lacks,
// lower-cased: whole tokens with a digit or an inner - . _ : / (OPS-4106,
// db-7.eu-west.internal, ERR_CONN_RESET, 0x80004005, v2.3.17, 10.2.3.4:5432),
// and their parts between : and / (the host of host:port), but not plain
// numbers, which the text fields hold as they are. The English
// analyzer splits these into pieces that also match look-alikes
// (OPS-4107); the ident field keeps them whole, and the same function
// picks them out of queries, so both sides agree. Plain words are skipped
// byte by byte: this runs over every document's whole text.
func identifiers(s string, dst []string, seen map[string]bool) []string {
	for i := 0; i < len(s); {
		start, marked := i, false
		for i < len(s) {
			if c := s[i]; c < utf8.RuneSelf {
				if identClass[c] == 0 {
					break
				}
				marked = marked || identClass[c] == 2
				i++
				continue
			}
			r, n := utf8.DecodeRuneInString(s[i:])
			if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
				break
			}
			marked = marked || unicode.IsDigit(r)
			i += n
		}
		if i == start {
			_, n := utf8.DecodeRuneInString(s[i:])
			i += n
			continue
		}
		if !marked {
			continue
		}
		tok := s[start:i]
		dst = addIdent(tok, dst, seen)
		if len(tok) > 2 && (tok[0] == 'v' || tok[0] == 'V') && '0' <= tok[1] && tok[1] <= '9' {
			dst = addIdent(tok[1:], dst, seen) // a version is written and searched with or without its v
		}
		if strings.ContainsAny(tok, ":/") {
			for _, part := range strings.FieldsFunc(tok, func(r rune) bool { return r == ':' || r == '/' }) {
				dst = addIdent(part, dst, seen)
			}
		}
	}
	return dst
}

// addIdent adds tok, trimmed of punctuation at its ends ("5432:",
// "v2.3.17."), if it still has a digit or an inner mark.
func addIdent(tok string, dst []string, seen map[string]bool) []string {
	tok = strings.TrimFunc(tok, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	if len(tok) < 2 || len(tok) > 100 || isDigits(tok) ||
		!strings.ContainsFunc(tok, func(r rune) bool { return r < utf8.RuneSelf && identClass[r] == 2 || unicode.IsDigit(r) }) {
		return dst // plain numbers are words of the text fields already
	}
	tok = strings.ToLower(tok)
	if !seen[tok] {
		seen[tok] = true
		dst = append(dst, tok)
	}
	return dst
}

// identClass classifies ASCII: 0 ends an identifier, 1 is a letter, 2 a
// digit or one of - . _ : / (what makes a token an identifier).
var identClass = func() (c [utf8.RuneSelf]uint8) {
	for b := 'a'; b <= 'z'; b++ {
		c[b], c[b-'a'+'A'] = 1, 1
	}
	for _, b := range "0123456789-._:/" {
		c[b] = 2
	}
	return c
}()

// dayOf formats a stored RFC 3339 date as the incident's day in its own
// offset, which is how the generator meant it.
func dayOf(v interface{}) string {
	s, _ := v.(string)
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return s
	}
	return t.Format("2006-01-02")
}
