package search

import (
	"encoding/json"
	"io"
	"sort"
)

// clientDoc is one entry of search-index.json. It carries only what the
// static fallback matches on and shows, to keep the download small.
type clientDoc struct {
	URL      string   `json:"url"`
	Title    string   `json:"title"`
	Date     string   `json:"date,omitempty"`
	Severity string   `json:"severity,omitempty"`
	Summary  string   `json:"summary,omitempty"`
	Tags     []string `json:"tags,omitempty"`
	Factors  []string `json:"factors,omitempty"`
	Services []string `json:"services,omitempty"`
	Year     string   `json:"year,omitempty"`
}

type clientIndex struct {
	Version int         `json:"version"`
	Docs    []clientDoc `json:"docs"`
}

// WriteClientIndex writes the compact JSON index ({"version":1,"docs":[...]},
// newest first) that search.js falls back to when /api/search is absent.
func WriteClientIndex(w io.Writer, docs []Document) error {
	sorted := make([]Document, len(docs))
	copy(sorted, docs)
	sort.SliceStable(sorted, func(i, j int) bool {
		if !sorted[i].Date.Equal(sorted[j].Date) {
			return sorted[i].Date.After(sorted[j].Date)
		}
		return sorted[i].ID < sorted[j].ID
	})
	out := clientIndex{Version: 1, Docs: make([]clientDoc, 0, len(sorted))}
	for _, d := range sorted {
		cd := clientDoc{
			URL: d.URL, Title: d.Title, Severity: d.Severity, Summary: d.Summary,
			Tags: cleanValues(d.Tags), Factors: cleanValues(d.Factors), Services: cleanValues(d.Services),
		}
		if !d.Date.IsZero() {
			cd.Date = d.Date.Format("2006-01-02")
			cd.Year = d.Date.Format("2006")
		}
		out.Docs = append(out.Docs, cd)
	}
	// The default encoder escapes <, > and &, so the file is also safe to
	// inline in a page.
	return json.NewEncoder(w).Encode(out)
}
