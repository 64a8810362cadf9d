package generator

import (
	"bytes"
	"html/template"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
)

// A list page of a large knowledge base runs to megabytes of rows, each kept from the build that first rendered
// it. Joined into one string, the rows were then copied twice more by text/template (through fmt, then into the
// page's buffer): most of a preview save's garbage at 10,000 postmortems. So a long list goes into the page as a
// marker, and the rows replace the marker only as the page is written (fileData), never joined in memory.
//
// The marker starts with a NUL byte, which no other output of the page can contain: html/template escapes it in
// text and attributes, and goldmark replaces it in Markdown. A theme that prints a list anywhere but in HTML text
// (an attribute, a script) gets the marker escaped, which then stays in the page as text: lists are for HTML text.

// spliceMin is the size from which a list is spliced: a shorter one is joined, as cheaply. (A variable for tests.)
var spliceMin = 32 << 10

const spliceMark = "\x00secondstory-rows:"

var spliceMarkBytes = []byte(spliceMark)

// splices holds the lists of the pages being rendered until their markers are cut out.
type splices struct {
	next  atomic.Uint64
	lists sync.Map // id -> []template.HTML
}

// list returns rows as one piece of HTML: joined when short, else a marker for cut.
func (s *splices) list(rows []template.HTML, size int) template.HTML {
	if size < spliceMin {
		var b bytes.Buffer
		b.Grow(size)
		for _, h := range rows {
			b.WriteString(string(h))
		}
		return template.HTML(b.String())
	}
	id := s.next.Add(1)
	s.lists.Store(id, rows)
	return template.HTML(spliceMark + strconv.FormatUint(id, 10) + "\x00")
}

// cut returns page with each marker replaced by its rows, and forgets those lists.
func (s *splices) cut(page []byte) fileData {
	var d fileData
	start, at := 0, 0
	for {
		i := bytes.Index(page[at:], spliceMarkBytes)
		if i < 0 {
			break
		}
		i += at
		idStart := i + len(spliceMark)
		n := bytes.IndexByte(page[idStart:], 0)
		if n < 0 {
			break
		}
		rows, ok := s.take(page[idStart : idStart+n])
		if !ok {
			at = i + 1 // not a marker of ours: text that looks like one stays as it is
			continue
		}
		d = slices.Grow(d, len(rows)+2)
		d = append(d, page[start:i])
		for _, h := range rows {
			d = append(d, stringBytes(string(h)))
		}
		start = idStart + n + 1
		at = start
	}
	if d == nil {
		return fileData{page}
	}
	return append(d, page[start:])
}

func (s *splices) take(id []byte) ([]template.HTML, bool) {
	n, err := strconv.ParseUint(string(id), 10, 64)
	if err != nil {
		return nil, false
	}
	v, ok := s.lists.LoadAndDelete(n)
	if !ok {
		return nil, false
	}
	return v.([]template.HTML), true
}
