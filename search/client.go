package search

import (
	"encoding/json"
	"io"
	"net"
	"slices"
	"strings"
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
func WriteClientIndex(w io.Writer, docs []Document) error {
	pieces, _, err := ClientIndex(docs)
	if err != nil {
		return err
	}
	_, err = io.Copy(w, (*net.Buffers)(&pieces))
	return err
}

// ClientIndex returns the index WriteClientIndex writes, as pieces to write
// one after another, and a checksum of it: at 10,000 documents the file is
// about 5 MB, and the preview writes it after every frontmatter edit.
//
// Each entry is encoded on its own and kept (clientMemo) with its
// checksum, so that making the index again after a few documents changed
// encodes only those, and the file's checksum is a hash of the entries'
// (never 0), not a pass over the file. It tells one content from another,
// the same in every process. The bytes are what one json.Encoder writes
// for the whole index.
func ClientIndex(docs []Document) (pieces [][]byte, sum uint64, err error) {
	sorted := make([]*Document, len(docs))
	for i := range docs {
		sorted[i] = &docs[i]
	}
	slices.SortStableFunc(sorted, func(a, b *Document) int {
		if c := b.Date.Compare(a.Date); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	// One call at a time: the memo is updated in place.
	clientMemo.Lock()
	defer clientMemo.Unlock()
	m := clientMemo.m
	if m == nil {
		m = make(map[string]clientEntry, len(sorted))
	}
	pieces = make([][]byte, 0, 2*len(sorted)+1)
	pieces = append(pieces, clientOpen)
	sum = fnvOffset
	for i, d := range sorted {
		e, ok := m[d.ID]
		if !ok || !sameClientDoc(e.doc, *d) {
			// json.Marshal escapes <, > and & as the Encoder does, so the
			// file is also safe to inline in a page.
			data, err := json.Marshal(toClientDoc(*d))
			if err != nil {
				return nil, 0, err
			}
			e = clientEntry{*d, data, checksum(data)}
			e.doc.Body, e.doc.Timeline, e.doc.Actions = "", "", "" // not shown; not kept alive
			m[d.ID] = e
		}
		if i > 0 {
			pieces = append(pieces, clientComma)
		}
		pieces = append(pieces, e.json)
		sum = fnvMix(fnvMix(sum, e.sum), uint64(len(e.json)))
	}
	pieces = append(pieces, clientClose)
	if len(m) > len(sorted) {
		// Documents are gone: keep the entries of those still here.
		next := make(map[string]clientEntry, len(sorted))
		for _, d := range sorted {
			next[d.ID] = m[d.ID]
		}
		m = next
	}
	clientMemo.m = m
	return pieces, sum | 1, nil
}

const fnvOffset, fnvPrime = 14695981039346656037, 1099511628211

// fnvMix is FNV-1a over v's eight bytes, from h.
func fnvMix(h, v uint64) uint64 {
	for range 8 {
		h = (h ^ v&0xff) * fnvPrime
		v >>= 8
	}
	return h
}

var clientOpen, clientComma, clientClose = []byte(`{"version":1,"docs":[`), []byte(","), []byte("]}\n")

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

// clientMemo holds the entries of the last ClientIndex call, encoded, by
// document ID (for the process: a preview writes the same library again
// after every frontmatter edit).
var clientMemo struct {
	sync.Mutex
	m map[string]clientEntry
}

type clientEntry struct {
	doc  Document // what the entry was made from (without the long text fields, which it does not show)
	json []byte
	sum  uint64 // checksum(json)
}
