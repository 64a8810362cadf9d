// Package search is the full-text search of the site: bleve used as bleve.
//
// The build writes a whole index with Build (bleve's offline builder, in a
// sibling folder swapped in atomically). The live preview holds the index
// with OpenWritable and hands it only the documents it knows changed
// (Update); bleve merges its segments in the background. Servers open it
// read-only with Open. Search turns what engineers type or paste into a
// bleve query (query.go) and returns hits, fragments and facets.
//
// The package has no HTTP code: the server package wraps the API below,
// and ClientIndex makes the small JSON index for static hosting.
//
// Layout on disk: dir/.secondstory-index (a marker saying the folder is
// ours, with a format version) and dir/bleve (the bleve index).
package search

import (
	"errors"
	"time"
)

// Document is what the generator hands over for one published incident.
type Document struct {
	ID       string // the incident slug, unique
	URL      string // site-relative, e.g. "incidents/orders-db-failover/"
	Title    string
	Summary  string
	Body     string // plain text of the Markdown body (Unicode, no HTML entities)
	Timeline string // one entry per line: "HH:MM actor text"
	Actions  string // one action item per line: "title · owner · ticket"
	Tags     []string
	Factors  []string
	Services []string
	Severity string // e.g. "SEV1"
	Status   string // "published" etc.
	Date     time.Time
	// DurationMinutes is 0 when unknown. Nothing searches or shows it yet.
	DurationMinutes float64
}

// Request is one search. Query is plain text, or the advanced syntax
// described in query.go.
type Request struct {
	Query   string              // empty: everything, newest first
	Filters map[string][]string // factor, tag, service, severity, year: AND across keys, OR within one
	Page    int                 // 1-based; 0 means 1
	Size    int                 // 0 means DefaultSize; at most MaxSize
}

// Result is what Search returns and the JSON API serialises.
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
	// Matched names the fields the query matched (title, summary, body,
	// timeline, actions, tag, factor, service, severity, ...), so a hit
	// can say why it is there.
	Matched   []string   `json:"matched"`
	Fragments []Fragment `json:"fragments"`
	Score     float64    `json:"score"`
}

// Fragment is a piece of one field around a match. HTML has the matches
// in <mark> and everything else escaped.
type Fragment struct {
	Field string `json:"field"`
	HTML  string `json:"html"`
}

// FacetTerm is one value of a facet with the number of matching incidents.
type FacetTerm struct {
	Term  string `json:"term"`
	Count int    `json:"count"`
}

var (
	// ErrBadQuery wraps every error caused by the request itself; its
	// message is meant for the user (HTTP callers answer 400).
	ErrBadQuery = errors.New("bad search request")
	// ErrClosed is returned by an Index after Close.
	ErrClosed = errors.New("search: index closed")
	// ErrNotIndex is returned for a folder this package did not create.
	ErrNotIndex = errors.New("not a secondstory search index")
	// ErrLocked is returned (wrapped) when another process holds the
	// index open for writing (a `serve --watch`), or, for OpenWritable,
	// open at all.
	ErrLocked = errors.New("search index is in use by another process")
)

// Limits on requests: they keep one request from costing much.
const (
	DefaultSize   = 10
	MaxSize       = 100
	MaxQueryLen   = 1000 // characters
	maxWindow     = 10000
	maxFilterVals = 20  // values per filter key
	maxFilterLen  = 200 // characters per filter value
)

type badQueryError struct{ msg string }

func (e *badQueryError) Error() string { return e.msg }
func (e *badQueryError) Unwrap() error { return ErrBadQuery }

func badQuery(msg string) error { return &badQueryError{msg} }
