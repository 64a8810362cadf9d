// Package search indexes published postmortems with bleve and answers
// full-text queries for the site's search page, both as a JSON API and as
// server-rendered HTML, plus a small JSON index for static hosting.
//
// Queries use bleve's query-string syntax (words, "phrases", +must, -not,
// field:value, wildcards). Bare words search title (boosted), summary,
// actions, timeline and body with English stemming. Field names users may
// type: title, summary, body, timeline, actions, tag, factor, service,
// severity, status, year, date, duration (plurals work too); keyword values
// match case-insensitively (tag:dns finds "DNS"). Text that only looks like
// syntax ("<script>", "error: timeout") is searched as words.
//
// Layout on disk: dir/.secondstory-index (marker, JSON), dir/bleve (the
// bleve index) and dir/tables (each document's content hash and body word
// pairs, in shard files that a manifest in bleve's internal store names;
// tables.go). Build never writes into dir
// directly; it builds a sibling and renames it into place. Sync updates
// dir in place with the documents that changed, or a copy when readers
// have it open (sync.go).
package search

import (
	"errors"
	"time"
)

// Document is what the generator hands over for one published incident.
type Document struct {
	ID              string // the incident slug, unique
	URL             string // site-relative, e.g. "incidents/orders-db-failover/"
	Title           string
	Summary         string
	Body            string // plain text, Markdown already stripped
	Timeline        string // timeline entries' text joined
	Actions         string // action items' titles joined
	Tags            []string
	Factors         []string
	Services        []string
	Severity        string // e.g. "SEV1"
	Status          string // "published" etc.
	Date            time.Time
	DurationMinutes float64 // 0 when unknown
}

// Request is one search. Query uses bleve's query-string syntax.
type Request struct {
	Query   string              // empty = match all, newest first
	Filters map[string][]string // factor, tag, service, severity, year: AND across keys, OR within one
	Page    int                 // 1-based; 0 means 1
	Size    int                 // 0 means 10; at most 100
}

// Result is what Search returns and the API serialises.
type Result struct {
	Total  uint64                 `json:"total"`
	TookMS float64                `json:"took_ms"`
	Hits   []Hit                  `json:"hits"`
	Facets map[string][]FacetTerm `json:"facets"`
}

// Hit is one matching incident.
type Hit struct {
	URL      string `json:"url"`
	Title    string `json:"title"`
	Date     string `json:"date"` // YYYY-MM-DD, "" when unknown
	Severity string `json:"severity"`
	Summary  string `json:"summary"`
	// Fragments are HTML: matches wrapped in <mark>, everything else escaped.
	Fragments []string `json:"fragments"`
	Score     float64  `json:"score"`
}

// FacetTerm is one value of a facet with the number of matching incidents.
type FacetTerm struct {
	Term  string `json:"term"`
	Count int    `json:"count"`
}

// ErrBadQuery wraps every error caused by the request itself, so HTTP
// callers can answer 400 instead of 500.
var ErrBadQuery = errors.New("bad search request")

// ErrClosed is returned by Search on an index that has been closed, e.g.
// after Service.Swap; the handlers retry on the current index.
var ErrClosed = errors.New("search: index closed")

// ErrNotIndex is returned by Build when dir exists but is not an index
// this package created, and by Open for such a dir.
var ErrNotIndex = errors.New("not a secondstory search index")

// Limits on requests; they keep one query from costing much.
const (
	DefaultSize     = 10
	MaxSize         = 100
	MaxQueryLen     = 1000 // characters
	maxFilterVals   = 20   // values per filter key
	maxFilterLen    = 200  // characters per filter value
	maxQueryLeaves  = 64   // terms/phrases in one query
	maxExpanding    = 4    // wildcard/regexp/fuzzy terms in one query
	maxWildcards    = 4    // * and ? in one wildcard term
	maxRegexpLen    = 100
	maxRegexpRepeat = 20
	// maxWindow caps from+size: bleve keeps from+size hits in memory, so a
	// huge page number must not turn into a huge allocation.
	maxWindow = 10000
	facetSize = 50
)

type badQueryError struct{ msg string }

func (e *badQueryError) Error() string { return e.msg }
func (e *badQueryError) Unwrap() error { return ErrBadQuery }

func badQuery(msg string) error { return &badQueryError{msg} }
