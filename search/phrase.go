package search

import (
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"sort"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/mapping"
	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	"github.com/blevesearch/bleve/v2/search/searcher"
	index "github.com/blevesearch/bleve_index_api"
)

// The body is indexed without term vectors: positions of its ~700 words
// per document were 30% of the index build's CPU and half its size.
// bleve's phrase search needs them and, without, silently matches
// nothing, so a phrase on the body is answered here:
//
//  1. bleve finds the documents whose body has all the phrase's terms, the
//     same conjunction of term searches its phrase searcher starts from,
//     so scores are the same;
//  2. each is kept only if its body has every pair of the phrase's
//     adjacent words next to each other: the index stores, per document,
//     the sorted 32-bit hashes of its body's adjacent word pairs (1.3 KB
//     per document, in files that the manifest written in the same
//     batch as the documents names, see tables.go); a lookup costs about
//     a microsecond;
//  3. for a phrase of more than two words, or with a stop word inside,
//     the pairs are not enough: the stored body is re-analysed (about
//     0.1 ms per candidate, so a long phrase of common words is slower).
//
// A two-word phrase can wrongly match a document that has both words
// apart only if one of the document's ~330 pair hashes collides with the
// phrase's: odds of about 1 in 13 million per document.

// bodyPhraseQuery is a MatchPhraseQuery on the body.
type bodyPhraseQuery struct {
	phrase string
	boost  float64
}

func newBodyPhraseQuery(q *query.MatchPhraseQuery) query.Query {
	return &bodyPhraseQuery{phrase: q.MatchPhrase, boost: q.Boost()}
}

// Field makes it a query.FieldableQuery, which bleve's query tools expect.
func (q *bodyPhraseQuery) Field() string      { return fBody }
func (q *bodyPhraseQuery) SetField(string)    {}
func (q *bodyPhraseQuery) SetBoost(b float64) { q.boost = b }
func (q *bodyPhraseQuery) Boost() float64     { return q.boost }

// terms analyses the phrase; a stop-word gap stays a gap in the positions.
func (q *bodyPhraseQuery) terms(m mapping.IndexMapping) ([]phraseTerm, error) {
	a := m.AnalyzerNamed(m.AnalyzerNameForPath(fBody))
	if a == nil {
		return nil, fmt.Errorf("search: no analyzer for %s", fBody)
	}
	ts := a.Analyze([]byte(q.phrase))
	out := make([]phraseTerm, len(ts))
	for i, t := range ts {
		out[i] = phraseTerm{string(t.Term), t.Position - ts[0].Position}
	}
	return out, nil
}

func (q *bodyPhraseQuery) Searcher(ctx context.Context, r index.IndexReader, m mapping.IndexMapping, options bsearch.SearcherOptions) (bsearch.Searcher, error) {
	terms, err := q.terms(m)
	if err != nil {
		return nil, err
	}
	if len(terms) == 0 {
		return searcher.NewMatchNoneSearcher(r)
	}
	subs := make([]bsearch.Searcher, 0, len(terms))
	closeAll := func() {
		for _, s := range subs {
			_ = s.Close()
		}
	}
	for _, t := range terms {
		s, err := searcher.NewTermSearcher(ctx, r, t.term, fBody, q.boost, options)
		if err != nil {
			closeAll()
			return nil, err
		}
		subs = append(subs, s)
	}
	if len(terms) == 1 {
		return subs[0], nil
	}
	conj, err := searcher.NewConjunctionSearcher(ctx, r, subs, options)
	if err != nil {
		closeAll()
		return nil, err
	}
	var pairs []uint32 // adjacent word pairs of the phrase
	exact := len(terms) == 2
	for i := 1; i < len(terms); i++ {
		if terms[i].pos == terms[i-1].pos+1 {
			pairs = append(pairs, pairHash([]byte(terms[i-1].term), []byte(terms[i].term)))
		} else {
			exact = false // a stop word's position: only the text can tell
		}
	}
	fa, _ := m.AnalyzerNamed(m.AnalyzerNameForPath(fBody)).(*fastAnalyzer)
	var buf []analysis.Token
	var at []int32
	table := pairsReader{r: r, t: tablesFrom(ctx)}
	return searcher.NewFilteringSearcher(ctx, conj, func(sctx *bsearch.SearchContext, d *bsearch.DocumentMatch) bool {
		id, err := sctx.IndexReader.ExternalID(d.IndexInternalID)
		if err != nil {
			return false
		}
		if len(pairs) > 0 {
			if set, ok := table.lookup(id); ok {
				for _, p := range pairs {
					if !hasPair(set, p) {
						return false
					}
				}
				if exact {
					return true
				}
			}
		}
		doc, err := sctx.IndexReader.Document(id)
		if err != nil || doc == nil {
			return false
		}
		var body []byte
		doc.VisitFields(func(f index.Field) {
			if f.Name() == fBody {
				body = f.Value()
			}
		})
		if fa != nil {
			buf = fa.tokens(buf, body)
		} else {
			buf = buf[:0]
			for _, t := range m.AnalyzerNamed(m.AnalyzerNameForPath(fBody)).Analyze(body) {
				buf = append(buf, *t)
			}
		}
		var found bool
		at = phraseStarts(buf, terms, at, func(int, []int32) bool { found = true; return false })
		return found
	}), nil
}

// pairsReader looks documents' word pairs up in the index a query reads.
// It reads the manifest (tables.go) from the query's snapshot, so that it
// names the files of the documents the query sees, and a shard when it
// first looks a document up there, and keeps both for the query. A shard
// whose file is gone (replaced by a Sync since the snapshot) or damaged
// reads as empty: every document is checked against its text instead.
type pairsReader struct {
	r       index.IndexReader
	t       *tableStore // nil: no files, every shard reads as empty
	man     manifest
	manRead bool
	manOK   bool
	shards  [tableShards][]byte
	read    [tableShards]bool
}

func (p *pairsReader) lookup(id string) ([]byte, bool) {
	s := shardOf(id)
	if !p.read[s] {
		if !p.manRead {
			var err error
			p.man, err = readManifest(p.r)
			p.manRead, p.manOK = true, err == nil
		}
		if p.manOK {
			p.shards[s], _ = p.t.pairsShard(s, p.man.pairs[s])
		}
		p.read[s] = true
	}
	return lookupPairs(p.shards[s], id)
}

// wordPairs appends the hashes of the pairs of adjacent words (positions
// p and p+1) in tokens to dst, sorted and without duplicates.
func wordPairs(tokens []analysis.Token, dst []uint32) []uint32 {
	for i := 1; i < len(tokens); i++ {
		if tokens[i].Position == tokens[i-1].Position+1 {
			dst = append(dst, pairHash(tokens[i-1].Term, tokens[i].Term))
		}
	}
	slices.Sort(dst)
	return slices.Compact(dst)
}

// pairHash is FNV-1a over both terms and a separator, folded to 32 bits.
func pairHash(a, b []byte) uint32 {
	h := uint64(14695981039346656037)
	for _, c := range a {
		h = (h ^ uint64(c)) * 1099511628211
	}
	h = (h ^ 0xff) * 1099511628211 // not a byte of UTF-8 text
	for _, c := range b {
		h = (h ^ uint64(c)) * 1099511628211
	}
	return uint32(h ^ h>>32)
}

func encodePairs(hs []uint32) []byte {
	out := make([]byte, 4*len(hs))
	for i, h := range hs {
		binary.LittleEndian.PutUint32(out[4*i:], h)
	}
	return out
}

// hasPair reports whether the encoded, sorted set holds h.
func hasPair(set []byte, h uint32) bool {
	n := len(set) / 4
	i := sort.Search(n, func(i int) bool { return binary.LittleEndian.Uint32(set[4*i:]) >= h })
	return i < n && binary.LittleEndian.Uint32(set[4*i:]) == h
}

// bodyPairs analyses a document's body and encodes its word pairs, for
// updates (the build does this during its own analysis).
func bodyPairs(m mapping.IndexMapping, body string) []byte {
	return encodePairs(wordPairs(analyse(m, m.AnalyzerNameForPath(fBody), []byte(body)), nil))
}

// pairsTable maps document IDs to their encoded word pairs.
type pairsTable map[string][]byte

// encode lays the table out so that a document's pairs are found without
// decoding it: a version byte, the number of documents n (uint32), n
// offsets (uint32) of the records sorted by ID, then the records: the
// ID's length (uvarint), the ID, the pairs' length (uvarint), the pairs.
// All integers are little-endian.
func (t pairsTable) encode() []byte {
	ids := make([]string, 0, len(t))
	size := 5 + 4*len(t)
	for id, p := range t {
		ids = append(ids, id)
		size += 2*binary.MaxVarintLen32 + len(id) + len(p)
	}
	slices.Sort(ids)
	b := make([]byte, 5+4*len(ids), size)
	b[0] = 1
	binary.LittleEndian.PutUint32(b[1:], uint32(len(ids)))
	for i, id := range ids {
		binary.LittleEndian.PutUint32(b[5+4*i:], uint32(len(b)))
		b = binary.AppendUvarint(b, uint64(len(id)))
		b = append(b, id...)
		b = binary.AppendUvarint(b, uint64(len(t[id])))
		b = append(b, t[id]...)
	}
	return b
}

// pairsRecord returns the ID and pairs of the i-th record of an encoded
// table.
func pairsRecord(b []byte, i int) (id, pairs []byte, ok bool) {
	off := int(binary.LittleEndian.Uint32(b[5+4*i:]))
	if off >= len(b) {
		return nil, nil, false
	}
	n, k := binary.Uvarint(b[off:])
	if k <= 0 || uint64(len(b)-off-k) < n {
		return nil, nil, false
	}
	off += k
	id = b[off : off+int(n)]
	off += int(n)
	n, k = binary.Uvarint(b[off:])
	if k <= 0 || uint64(len(b)-off-k) < n {
		return nil, nil, false
	}
	return id, b[off+k : off+k+int(n)], true
}

func validPairsTable(b []byte) (n int, ok bool) {
	if len(b) < 5 || b[0] != 1 {
		return 0, false
	}
	n = int(binary.LittleEndian.Uint32(b[1:]))
	return n, n <= (len(b)-5)/4
}

// lookupPairs finds id's pairs in an encoded table by binary search.
func lookupPairs(b []byte, id string) ([]byte, bool) {
	n, ok := validPairsTable(b)
	if !ok {
		return nil, false
	}
	i := sort.Search(n, func(i int) bool {
		rid, _, _ := pairsRecord(b, i)
		return string(rid) >= id // compared without a copy
	})
	if i == n {
		return nil, false
	}
	rid, pairs, ok := pairsRecord(b, i)
	return pairs, ok && string(rid) == id
}

// decodePairs reads an encoded table; the pairs share b's memory.
func decodePairs(b []byte) pairsTable {
	n, ok := validPairsTable(b)
	t := make(pairsTable, n)
	if !ok {
		return t
	}
	for i := 0; i < n; i++ {
		if id, p, ok := pairsRecord(b, i); ok {
			t[string(id)] = p
		}
	}
	return t
}

// phraseStarts calls yield with the index in tokens of each occurrence of
// the phrase, and the index of the token at each position (-1 for none),
// until yield returns false. tokens must be in position order, one per
// position, as the analyzers here produce. at is reused and returned.
func phraseStarts(tokens []analysis.Token, phrase []phraseTerm, at []int32, yield func(i int, at []int32) bool) []int32 {
	if len(tokens) == 0 || len(phrase) == 0 {
		return at
	}
	last := tokens[len(tokens)-1].Position
	at = slices.Grow(at[:0], last+1)[:last+1]
	for i := range at {
		at[i] = -1
	}
	for i := range tokens {
		at[tokens[i].Position] = int32(i)
	}
	for i := range tokens {
		if string(tokens[i].Term) != phrase[0].term {
			continue
		}
		all := true
		for _, pt := range phrase[1:] {
			p := tokens[i].Position + pt.pos
			if p > last || at[p] < 0 || string(tokens[at[p]].Term) != pt.term {
				all = false
				break
			}
		}
		if all && !yield(i, at) {
			break
		}
	}
	return at
}
