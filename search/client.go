package search

import (
	"encoding/json"
	"slices"
	"strings"
)

// clientDoc is one entry of search-index.json, the index that the site's
// search.js falls back to on static hosting. It carries only what that
// fallback matches on and shows, to keep the download small.
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

// ClientIndex returns search-index.json: {"version":1,"docs":[...]},
// newest first (ties by ID), ending in a newline. json.Marshal escapes <,
// > and &, so the file is also safe to inline in a page.
func ClientIndex(docs []Document) ([]byte, error) {
	sorted := slices.Clone(docs)
	slices.SortStableFunc(sorted, func(a, b Document) int {
		if c := b.Date.Compare(a.Date); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	out := struct {
		Version int         `json:"version"`
		Docs    []clientDoc `json:"docs"`
	}{Version: 1, Docs: make([]clientDoc, len(sorted))}
	for i, d := range sorted {
		cd := clientDoc{
			URL: d.URL, Title: d.Title, Severity: d.Severity, Summary: d.Summary,
			Tags: cleanValues(d.Tags), Factors: cleanValues(d.Factors), Services: cleanValues(d.Services),
		}
		if !d.Date.IsZero() {
			cd.Date, cd.Year = d.Date.Format("2006-01-02"), d.Date.Format("2006")
		}
		out.Docs[i] = cd
	}
	b, err := json.Marshal(out)
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
