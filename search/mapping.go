package search

import (
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/single"
	"github.com/blevesearch/bleve/v2/mapping"
	index "github.com/blevesearch/bleve_index_api"
)

// Index field names. They double as the names users type in queries
// (tag:dns, severity:SEV1), so they are short and singular.
const (
	fTitle    = "title"
	fSummary  = "summary"
	fBody     = "body"
	fTimeline = "timeline"
	fActions  = "actions"
	fURL      = "url"
	fDate     = "date"
	fYear     = "year"
	fDuration = "duration"
	fStatus   = "status"
	fTag      = "tag"
	fFactor   = "factor"
	fService  = "service"
	fSeverity = "severity"

	// Exact-case twins of the keyword fields, used only for facets so the
	// sidebar shows display names ("Config Change") while matching stays
	// case-insensitive on the lower-cased field above.
	fTagFacet      = "f_tag"
	fFactorFacet   = "f_factor"
	fServiceFacet  = "f_service"
	fSeverityFacet = "f_severity"

	lowerKeyword = "ss_lower_keyword"
)

// textFields are searched when a query term names no field; the boost makes
// a title match outrank a body mention.
var textFields = []struct {
	name  string
	boost float64
}{
	{fTitle, 4},
	{fSummary, 2},
	{fActions, 1.2},
	{fTimeline, 1},
	{fBody, 1},
}

// fragmentFields are highlighted, in the order their fragments are shown.
// Each is stored; fragments are computed from the stored text
// (highlight.go), which needs no term vectors.
var fragmentFields = []string{fSummary, fTimeline, fBody}

// facetKeys are the filter/facet names of the public API, mapped to the
// field that filters on them (case-insensitive) and the field whose exact
// values are counted.
var facetKeys = []struct {
	key, field, facetField string
}{
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
	"tag": fTag, "tags": fTag,
	"factor": fFactor, "factors": fFactor,
	"service": fService, "services": fService,
	"severity": fSeverity, "sev": fSeverity,
	"status": fStatus, "year": fYear, "date": fDate,
	"duration": fDuration, "minutes": fDuration,
	fTagFacet: fTagFacet, fFactorFacet: fFactorFacet, fServiceFacet: fServiceFacet, fSeverityFacet: fSeverityFacet,
}

// keywordFields hold whole values as single tokens.
var keywordFields = map[string]bool{
	fTag: true, fFactor: true, fService: true, fSeverity: true, fStatus: true, fYear: true,
	fTagFacet: true, fFactorFacet: true, fServiceFacet: true, fSeverityFacet: true,
}

// storedFields are loaded for every hit.
var storedFields = []string{fTitle, fURL, fDate, fSeverityFacet, fSummary}

func newMapping() (mapping.IndexMapping, error) {
	im := bleve.NewIndexMapping()
	// BM25 saturates term frequency, so a long body repeating a word does
	// not drown a short title that names it.
	im.ScoringModel = index.BM25Scoring
	im.DefaultAnalyzer = textAnalyzer
	im.StoreDynamic = false
	im.IndexDynamic = false
	im.DocValuesDynamic = false
	if err := im.AddCustomAnalyzer(lowerKeyword, map[string]interface{}{
		"type":          custom.Name,
		"tokenizer":     single.Name,
		"token_filters": []string{lowercase.Name},
	}); err != nil {
		return nil, err
	}

	text := func(store bool) *mapping.FieldMapping {
		return &mapping.FieldMapping{
			Type: "text", Analyzer: textAnalyzer, Index: true, Store: store,
			// bleve's phrase search needs term positions; these fields
			// are short, so they are cheap.
			IncludeTermVectors: true,
		}
	}
	lower := func() *mapping.FieldMapping {
		return &mapping.FieldMapping{Type: "text", Analyzer: lowerKeyword, Index: true}
	}
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
	// The body, most of the text, has no term vectors (phrase.go says
	// how phrases on it are found) and is stored for fragments and phrases.
	add(fBody, &mapping.FieldMapping{Type: "text", Analyzer: textAnalyzer, Index: true, Store: true})
	add(fTimeline, text(true))
	add(fActions, text(false))
	add(fURL, &mapping.FieldMapping{Type: "text", Analyzer: keyword.Name, Store: true})
	add(fDate, &mapping.FieldMapping{Type: "datetime", Index: true, Store: true, DocValues: true})
	add(fYear, exact(false))
	add(fDuration, &mapping.FieldMapping{Type: "number", Index: true})
	add(fStatus, lower())
	add(fTag, lower())
	add(fFactor, lower())
	add(fService, lower())
	add(fSeverity, lower())
	add(fTagFacet, exact(false))
	add(fFactorFacet, exact(false))
	add(fServiceFacet, exact(false))
	add(fSeverityFacet, exact(true)) // stored: hits display it
	// Every field is left out of _all (queries name their fields), so it
	// would be an empty composite field costing time in every document.
	dm.AddSubDocumentMapping("_all", bleve.NewDocumentDisabledMapping())
	im.DefaultMapping = dm
	if err := im.Validate(); err != nil {
		return nil, err
	}
	return im, nil
}

// fieldsOf turns a Document into the map bleve indexes. Empty values are
// left out so they neither match nor show up as blank facet terms.
func fieldsOf(d Document) map[string]interface{} {
	m := map[string]interface{}{
		fTitle: d.Title, fSummary: d.Summary, fBody: d.Body,
		fTimeline: d.Timeline, fActions: d.Actions, fURL: d.URL,
		fStatus: d.Status,
	}
	if d.DurationMinutes > 0 {
		m[fDuration] = d.DurationMinutes
	}
	if !d.Date.IsZero() {
		m[fDate] = d.Date
		m[fYear] = d.Date.Format("2006")
	}
	if sev := strings.TrimSpace(d.Severity); sev != "" {
		m[fSeverity] = sev
		m[fSeverityFacet] = sev
	}
	for _, kv := range []struct {
		vals          []string
		field, facetF string
	}{{d.Tags, fTag, fTagFacet}, {d.Factors, fFactor, fFactorFacet}, {d.Services, fService, fServiceFacet}} {
		if vals := cleanValues(kv.vals); len(vals) > 0 {
			m[kv.field] = vals
			m[kv.facetF] = vals
		}
	}
	for k, v := range m {
		if s, ok := v.(string); ok && s == "" {
			delete(m, k)
		}
	}
	return m
}

// cleanValues trims, drops empties and duplicates, so a tag listed twice
// counts once in facets.
func cleanValues(in []string) []string {
	out := make([]string, 0, len(in))
	seen := make(map[string]bool, len(in))
	for _, v := range in {
		v = strings.TrimSpace(v)
		if v == "" || seen[v] {
			continue
		}
		seen[v] = true
		out = append(out, v)
	}
	return out
}

// dayOf formats a stored RFC 3339 date as the incident's day in its own
// offset, which is how the generator meant it.
func dayOf(v interface{}) string {
	s, _ := v.(string)
	if s == "" {
		return ""
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return s
	}
	return t.Format("2006-01-02")
}
