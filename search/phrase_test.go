package search

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search/query"
)

func TestBodyPhrase(t *testing.T) {
	ix, _ := buildFixture(t)
	const orders = "incidents/orders-db-failover/"
	tests := []struct {
		query string
		want  []string
	}{
		{`"bulk backfill"`, []string{orders}}, // in the body only
		{`"backfill bulk"`, nil},
		{`body:"bulk backfill"`, []string{orders}},
		{`"promoted the replica"`, []string{orders}}, // a stop word inside
		{`"promoted replica"`, nil},                  // "the" is a position between them
		{`"promoting replicas"`, nil},
		{`"the"`, nil},
		{`"backfills"`, []string{orders}}, // one word: stemmed term search
		{`+"bulk backfill" -tag:database`, nil},
	}
	for _, tt := range tests {
		res := mustSearch(t, ix, Request{Query: tt.query})
		if got := hitURLs(res); !slices.Equal(got, tt.want) && !(len(got) == 0 && len(tt.want) == 0) {
			t.Errorf("%s: %v, want %v", tt.query, got, tt.want)
		}
	}
	// The fragment marks the phrase where it occurs.
	res := mustSearch(t, ix, Request{Query: `"bulk backfill"`})
	if frags := strings.Join(res.Hits[0].Fragments, " "); !strings.Contains(frags, "<mark>bulk</mark> <mark>backfill</mark>") {
		t.Errorf("fragments %q", frags)
	}
}

// TestBodyPhraseMatchesBleve compares phrase search on the body with
// bleve's own, on an index of the same documents with term vectors:
// the same documents with the same scores.
func TestBodyPhraseMatchesBleve(t *testing.T) {
	docs := syntheticDocs(400, 150)
	lean := filepath.Join(t.TempDir(), "lean")
	mustBuild(t, lean, docs)
	withTV := filepath.Join(t.TempDir(), "tv")
	m, err := newMapping()
	if err != nil {
		t.Fatal(err)
	}
	for _, fm := range m.(*mapping.IndexMappingImpl).DefaultMapping.Properties[fBody].Fields {
		fm.IncludeTermVectors = true
	}
	if err := buildOffline(withTV, t.TempDir(), m, docs, map[string][]byte{}, nil); err != nil {
		t.Fatal(err)
	}
	a, err := bleve.Open(filepath.Join(lean, bleveDir))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	// The lean index's queries read its word pairs, as Index.Search's do.
	tables := openTables(lean, a, false)
	b, err := bleve.Open(withTV)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()

	// Phrases cut from the documents (so they match), the same words
	// reversed (mostly not), and phrases spanning stop words.
	r := rand.New(rand.NewPCG(5, 6))
	var phrases []string
	for i := 0; i < 60; i++ {
		words := strings.Fields(docs[r.IntN(len(docs))].Body)
		k := 2 + r.IntN(3)
		at := r.IntN(len(words) - k)
		p := words[at : at+k]
		phrases = append(phrases, strings.Join(p, " "))
		slices.Reverse(p)
		phrases = append(phrases, strings.Join(p, " "))
	}
	run := func(idx bleve.Index, q query.Query) []string {
		req := bleve.NewSearchRequestOptions(q, len(docs), 0, false) // all: ties at a cut would be arbitrary
		res, err := idx.SearchInContext(withTables(context.Background(), tables), req)
		if err != nil {
			t.Fatal(err)
		}
		out := []string{fmt.Sprint(res.Total)}
		for _, h := range res.Hits {
			out = append(out, fmt.Sprintf("%s %.12g", h.ID, h.Score))
		}
		slices.Sort(out[1:])
		return out
	}
	matched := 0
	for _, p := range phrases {
		native := query.NewMatchPhraseQuery(p)
		native.SetField(fBody)
		want := run(b, native)
		got := run(a, newBodyPhraseQuery(native))
		if !slices.Equal(got, want) {
			t.Errorf("%q: got %v, bleve %v", p, got, want)
		}
		if want[0] != "0" {
			matched++
		}
	}
	if matched < len(phrases)/2 {
		t.Errorf("only %d of %d phrases matched anything: the test is not testing much", matched, len(phrases))
	}
}

// A query finds each document's word pairs in the shard of its ID.
func TestPairsReader(t *testing.T) {
	ix, _ := buildFixture(t)
	r := reader(t, ix)
	defer r.Close()
	p := pairsReader{r: r, t: ix.tables}
	for _, d := range fixtureDocs() {
		got, ok := p.lookup(d.ID)
		if want := bodyPairs(ix.bi.Mapping(), d.Body); !ok || !slices.Equal(got, want) {
			t.Errorf("%s: pairs %v, %v; want %v", d.ID, got, ok, want)
		}
	}
	if _, ok := p.lookup("nope"); ok {
		t.Error("found the pairs of a missing document")
	}
}

func TestPairsTable(t *testing.T) {
	tab := pairsTable{"b": encodePairs([]uint32{1, 5, 9}), "a": nil, "c": encodePairs([]uint32{7})}
	for i := 0; i < 300; i++ {
		tab[fmt.Sprintf("doc-%03d", i)] = encodePairs([]uint32{uint32(i), uint32(i) * 7})
	}
	b := tab.encode()
	for id, want := range tab {
		got, ok := lookupPairs(b, id)
		if !ok || !slices.Equal(got, want) {
			t.Errorf("lookup %q = %v, %v; want %v", id, got, ok, want)
		}
	}
	if _, ok := lookupPairs(b, "nope"); ok {
		t.Error("found a missing ID")
	}
	if _, ok := lookupPairs(nil, "a"); ok {
		t.Error("found an ID in no table")
	}
	set, _ := lookupPairs(b, "b")
	if !hasPair(set, 5) || hasPair(set, 6) || hasPair(nil, 1) {
		t.Error("hasPair")
	}
	back := decodePairs(b)
	if len(back) != len(tab) {
		t.Errorf("decoded %d records, want %d", len(back), len(tab))
	}
	for id, p := range tab {
		if !slices.Equal(back[id], p) {
			t.Errorf("decoded %q = %v, want %v", id, back[id], p)
		}
	}
}
