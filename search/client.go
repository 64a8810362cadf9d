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
// checksum, by the document's position: the preview passes the same
// documents in the same order every time, but for the few it changed, so
// a call compares each document with the one at its place last time
// (mostly the same strings, compared by pointer), encodes only those that
// differ, and sorts again only when an ID or a date moved. The file's
// checksum is a hash of the entries' (never 0), not a pass over the file;
// it tells one content from another, the same in every process. The bytes
// are what one json.Encoder writes for the whole index.
func ClientIndex(docs []Document) (pieces [][]byte, sum uint64, err error) {
	// One call at a time: the memo is updated in place.
	clientMemo.Lock()
	defer clientMemo.Unlock()
	memo := &clientMemo
	same := len(docs) == len(memo.docs)
	if !same {
		memo.docs, memo.entries = make([]Document, len(docs)), make([]clientEntry, len(docs))
	}
	reorder := !same
	for i := range docs {
		d, was := &docs[i], &memo.docs[i]
		if same && sameClientDoc(*was, *d) {
			continue
		}
		if !same || d.ID != was.ID || !d.Date.Equal(was.Date) {
			reorder = true
		}
		// json.Marshal escapes <, > and & as the Encoder does, so the file is
		// also safe to inline in a page.
		data, err := json.Marshal(toClientDoc(*d))
		if err != nil {
			memo.docs, memo.entries, memo.order = nil, nil, nil
			return nil, 0, err
		}
		*was = *d
		was.Body, was.Timeline, was.Actions = "", "", "" // not shown; not kept alive
		memo.entries[i] = clientEntry{data, checksum(data)}
	}
	if reorder {
		memo.order = make([]int, len(docs))
		for i := range memo.order {
			memo.order[i] = i
		}
		slices.SortStableFunc(memo.order, func(a, b int) int {
			da, db := &docs[a], &docs[b]
			if c := db.Date.Compare(da.Date); c != 0 {
				return c
			}
			return strings.Compare(da.ID, db.ID)
		})
	}
	pieces = make([][]byte, 0, 2*len(docs)+1)
	pieces = append(pieces, clientOpen)
	sum = fnvOffset
	for k, i := range memo.order {
		if k > 0 {
			pieces = append(pieces, clientComma)
		}
		e := memo.entries[i]
		pieces = append(pieces, e.json)
		sum = fnvMix(fnvMix(sum, e.sum), uint64(len(e.json)))
	}
	pieces = append(pieces, clientClose)
	return pieces, sum | 1, nil
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

// clientMemo holds what the last ClientIndex call was given and made (for
// the process: a preview writes the same library again after every
// frontmatter edit).
var clientMemo struct {
	sync.Mutex
	docs    []Document    // the documents, without the long text fields, which entries do not show
	entries []clientEntry // each document's entry, by position
	order   []int         // positions, newest first
}

type clientEntry struct {
	json []byte
	sum  uint64 // checksum(json)
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
