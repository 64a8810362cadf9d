package search

import (
	"bytes"
	"encoding/json"
	"io"
	"slices"
	"sort"
	"sync"
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
//
// Each entry is encoded on its own and kept (clientMemo), so that writing
// the index again after a few documents changed encodes only those: at
// 10,000 documents the file is about 5 MB, and the preview writes it after
// every frontmatter edit. The bytes are what one json.Encoder writes for
// the whole index.
func WriteClientIndex(w io.Writer, docs []Document) error {
	sorted := make([]Document, len(docs))
	copy(sorted, docs)
	sort.SliceStable(sorted, func(i, j int) bool {
		if !sorted[i].Date.Equal(sorted[j].Date) {
			return sorted[i].Date.After(sorted[j].Date)
		}
		return sorted[i].ID < sorted[j].ID
	})
	clientMemo.Lock()
	prev, size := clientMemo.m, clientMemo.size
	clientMemo.Unlock()
	next := make(map[string]clientEntry, len(sorted))
	buf := bytes.NewBuffer(make([]byte, 0, size+64))
	buf.WriteString(`{"version":1,"docs":[`)
	for i, d := range sorted {
		e, ok := prev[d.ID]
		if !ok || !sameClientDoc(e.doc, d) {
			// json.Marshal escapes <, > and & as the Encoder does, so the
			// file is also safe to inline in a page.
			data, err := json.Marshal(toClientDoc(d))
			if err != nil {
				return err
			}
			e = clientEntry{d, data}
			e.doc.Body, e.doc.Timeline, e.doc.Actions = "", "", "" // not shown; not kept alive
		}
		next[d.ID] = e
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.Write(e.json)
	}
	buf.WriteString("]}\n")
	clientMemo.Lock()
	clientMemo.m, clientMemo.size = next, buf.Len()
	clientMemo.Unlock()
	_, err := w.Write(buf.Bytes())
	return err
}

func toClientDoc(d Document) clientDoc {
	cd := clientDoc{
		URL: d.URL, Title: d.Title, Severity: d.Severity, Summary: d.Summary,
		Tags: cleanValues(d.Tags), Factors: cleanValues(d.Factors), Services: cleanValues(d.Services),
	}
	if !d.Date.IsZero() {
		cd.Date = d.Date.Format("2006-01-02")
		cd.Year = d.Date.Format("2006")
	}
	return cd
}

// sameClientDoc reports whether a and b make the same entry: equal in
// every field that toClientDoc reads.
func sameClientDoc(a, b Document) bool {
	return a.URL == b.URL && a.Title == b.Title && a.Severity == b.Severity && a.Summary == b.Summary &&
		a.Date.Equal(b.Date) && a.Date.Location() == b.Date.Location() && slices.Equal(a.Tags, b.Tags) &&
		slices.Equal(a.Factors, b.Factors) && slices.Equal(a.Services, b.Services)
}

// clientMemo holds the entries of the last WriteClientIndex call, encoded,
// by document ID, and the size of the file (for the process: a preview
// writes the same library again after every frontmatter edit).
var clientMemo struct {
	sync.Mutex
	m    map[string]clientEntry
	size int
}

type clientEntry struct {
	doc  Document // what the entry was made from (without the long text fields, which it does not show)
	json []byte
}
