package search

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2/search/query"
)

func TestRequestFromValues(t *testing.T) {
	v, _ := url.ParseQuery("q=dns+outage&tag=dns&tag=networking&severity=SEV1&page=2&size=20&other=x")
	req, err := RequestFromValues(v)
	if err != nil {
		t.Fatal(err)
	}
	if req.Query != "dns outage" || req.Page != 2 || req.Size != 20 ||
		!slices.Equal(req.Filters["tag"], []string{"dns", "networking"}) || !slices.Equal(req.Filters["severity"], []string{"SEV1"}) || len(req.Filters) != 2 {
		t.Errorf("request %+v", req)
	}
	if req, err := RequestFromValues(url.Values{}); err != nil || req.Page != 0 || req.Size != 0 || req.Filters != nil {
		t.Errorf("empty: %+v, %v", req, err)
	}
	for _, raw := range []string{
		"page=0", "size=0", "page=-1", "size=101", "page=x", "size=1.5", "page=99999999999999999999",
		"page=1&page=2", "q=a&q=b", "q=" + strings.Repeat("x", MaxQueryLen+1), "q=%ff",
		"tag=" + strings.Repeat("x", maxFilterLen+1), strings.Repeat("tag=a&", maxFilterVals+1),
		strings.Repeat("x=1&", maxValues+1), "page=10001",
	} {
		v, err := url.ParseQuery(raw)
		if err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		if _, err := RequestFromValues(v); !errors.Is(err, ErrBadQuery) {
			t.Errorf("%.40s: err = %v, want ErrBadQuery", raw, err)
		}
	}
}

func TestClientIndex(t *testing.T) {
	docs := fixtureDocs()
	docs[0].Summary = "a <script> & “quotes”"
	b, err := ClientIndex(docs)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "<script>") || !strings.HasSuffix(string(b), "]}\n") {
		t.Errorf("not safe to inline, or not newline-terminated: %.200s", b)
	}
	var ci struct {
		Version int                          `json:"version"`
		Docs    []map[string]json.RawMessage `json:"docs"`
	}
	if err := json.Unmarshal(b, &ci); err != nil {
		t.Fatal(err)
	}
	if ci.Version != 1 || len(ci.Docs) != 12 {
		t.Fatalf("version %d, %d docs", ci.Version, len(ci.Docs))
	}
	first := ci.Docs[0]
	for _, k := range []string{"url", "title", "date", "severity", "summary", "tags", "factors", "services", "year"} {
		if _, ok := first[k]; !ok {
			t.Errorf("first entry lacks %s: %v", k, first)
		}
	}
	if len(first) != 9 {
		t.Errorf("first entry has %d keys, want 9", len(first))
	}
	if string(first["url"]) != `"incidents/eu-region-outage/"` || string(first["date"]) != `"2026-01-08"` || string(first["year"]) != `"2026"` {
		t.Errorf("first entry %v", first)
	}
	for i := 1; i < len(ci.Docs); i++ {
		if string(ci.Docs[i-1]["date"]) < string(ci.Docs[i]["date"]) {
			t.Errorf("not newest first at %d", i)
		}
	}
	if strings.Contains(string(b), "Replication lag had grown") {
		t.Error("body text in the client index")
	}
	if b, _ := ClientIndex([]Document{{ID: "x", URL: "u", Title: "t"}}); string(b) != `{"version":1,"docs":[{"url":"u","title":"t"}]}`+"\n" {
		t.Errorf("minimal entry %s", b)
	}
}

// FuzzQuery reads arbitrary query strings: it must never panic, and must
// decide quickly. Seeds in testdata/fuzz/FuzzQuery.
func FuzzQuery(f *testing.F) {
	for _, s := range []string{"dns outage", `"unfinished`, "tag:dns -service:x +y", "/.*/", "a*b*", "word~2", "a:b:c", `"`, "+-+-"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		start := time.Now()
		watchdog := time.AfterFunc(10*time.Second, func() { panic(fmt.Sprintf("parseQuery(%q) hangs", s)) })
		defer watchdog.Stop()
		tq, err := parseQuery(s)
		if err != nil {
			if !errors.Is(err, ErrBadQuery) {
				t.Fatalf("%q: error %v does not wrap ErrBadQuery", s, err)
			}
		} else if tq != nil {
			for _, expanded := range []query.Query{nil, query.NewTermQuery("x")} {
				if user, _ := tq.build(expanded); user == nil {
					t.Fatalf("%q: no query", s)
				}
			}
		}
		if d := time.Since(start); d > time.Second {
			t.Fatalf("%q took %v", s, d)
		}
	})
}
