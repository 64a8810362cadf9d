package search

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/document"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/util"
	index "github.com/blevesearch/bleve_index_api"
)

const (
	// segmentDocs is the offline builder's batch: the documents of one
	// segment, held analysed in memory until the segment is written.
	// Measured on 10,000 generated postmortems: 250 per segment peaked at
	// 285 MB of heap (documents included), 1,000 at 530 MB and 2,000 at
	// 780 MB, and took the least CPU time too (125: no better). At 250 the
	// index's own live heap is about 70 MB; the rest is garbage not yet
	// collected.
	segmentDocs = 250
	// mergeMax lets the builder merge all segments of a typical build in
	// one pass; its default of 10 merges 40 segments in two rounds.
	mergeMax = 64
)

// buildOffline writes docs with scorch's offline builder, which writes a
// segment per segmentDocs documents and merges them into one at the end:
// faster than online batches, and a single segment queries fastest.
//
// The builder analyses every document inline, under its lock, on one
// core, and analysis was half the work. So documents are mapped and
// analysed here by one goroutine per core, a batch ahead of the builder,
// and handed over wrapped so that the builder's own Analyze is a no-op.
//
// internal holds the internal values to write. pairsDone, unless nil, is
// given every document's body word pairs once all are known, before the
// builder writes internal, which it may still add to.
func buildOffline(path, scratch string, m mapping.IndexMapping, docs []Document, internal map[string][]byte, pairsDone func(*[tableShards]pairsTable) error) error {
	mappingJSON, err := util.MarshalJSON(m)
	if err != nil {
		return err
	}
	internal[string(util.MappingInternalKey)] = mappingJSON
	buildDir, err := os.MkdirTemp(scratch, "build-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(buildDir) // ours; the builders only use subfolders of it
	// bleve.NewBuilder is only used for what it writes into path
	// (index_meta.json) exactly as bleve does; its builder stays unused.
	if _, err := bleve.NewBuilder(path, m, map[string]interface{}{"buildPathPrefix": buildDir}); err != nil {
		return err
	}
	sb, err := scorch.NewBuilder(map[string]interface{}{
		"path":            filepath.Join(path, "store"),
		"buildPathPrefix": buildDir,
		"batchSize":       segmentDocs,
		"mergeMax":        mergeMax,
		"internal":        internal,
	})
	if err != nil {
		return err
	}

	// Unbuffered: at most one analysed batch waits while the builder
	// turns the previous one into a segment, which bounds memory.
	batches := make(chan []index.Document)
	built := make(chan error, 1)
	var failed atomic.Bool
	complete := false // every batch sent; written before batches is closed
	go func() {
		var err error
		for b := range batches {
			for _, d := range b {
				if err == nil {
					err = sb.Index(d)
				}
			}
			if err != nil {
				failed.Store(true)
			}
		}
		if err == nil && !complete {
			// Closing would write what there is (and fails without a
			// segment); the caller removes buildDir instead.
			err = errors.New("search: build abandoned")
		}
		if err == nil {
			err = sb.Close()
		}
		built <- err
	}()
	workers := runtime.GOMAXPROCS(0)
	var pairs [tableShards]pairsTable
	for s := range pairs {
		pairs[s] = make(pairsTable, len(docs)/tableShards)
	}
	for start := 0; start < len(docs) && !failed.Load(); start += segmentDocs {
		b, batchPairs, err := analyseBatch(m, docs[start:min(start+segmentDocs, len(docs))], workers)
		if err != nil {
			close(batches)
			<-built
			return err
		}
		for i, p := range batchPairs {
			id := docs[start+i].ID
			pairs[shardOf(id)][id] = p
		}
		if start+segmentDocs >= len(docs) {
			// The builder keeps internal and writes it when it closes,
			// after the last batch.
			if pairsDone != nil {
				if err := pairsDone(&pairs); err != nil {
					close(batches)
					<-built
					return err
				}
			}
			complete = true
		}
		batches <- b
	}
	close(batches)
	return <-built
}

// analyseBatch maps and analyses docs on workers goroutines, keeping
// their order (documents are numbered in segment order), and returns each
// document's body word pairs (phrase.go).
func analyseBatch(m mapping.IndexMapping, docs []Document, workers int) ([]index.Document, [][]byte, error) {
	out := make([]index.Document, len(docs))
	pairs := make([][]byte, len(docs))
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			sc := &scratch{ids: map[string]int32{}}
			for i := w; i < len(docs); i += workers {
				d, err := analyseDoc(m, docs[i], sc)
				if err != nil {
					errs[w] = fmt.Errorf("index %s: %w", docs[i].ID, err)
					return
				}
				out[i], pairs[i] = d, sc.pairs
			}
		}(w)
	}
	wg.Wait()
	return out, pairs, errors.Join(errs...)
}

// scratch is one analysis goroutine's reusable memory: allocation (and
// the garbage collection it causes) was a third of the build.
type scratch struct {
	pairs  []byte // output: the body's word pairs, encoded
	toks   []analysis.Token
	hashes []uint32
	termOf []int32
	counts []int32
	terms  [][]byte
	ids    map[string]int32
}

func analyseDoc(m mapping.IndexMapping, d Document, sc *scratch) (index.Document, error) {
	sc.pairs = nil
	doc := document.NewDocument(d.ID)
	if err := m.MapDocument(doc, fieldsOf(d)); err != nil {
		return nil, err
	}
	if doc.HasComposite() {
		// Composite fields are composed during analysis, which the
		// wrapper skips; the mapping disables _all, the only one.
		return nil, errors.New("search: mapping has a composite field")
	}
	doc.AddIDField()
	for i, f := range doc.Fields {
		af := analysedField{Field: f}
		if tf, ok := f.(*document.TextField); ok && f.Options().IsIndexed() && isFast(tf.Analyzer()) {
			sc.toks = tf.Analyzer().(*fastAnalyzer).tokens(sc.toks, tf.Value())
			af.length, af.freqs = len(sc.toks), tokenFrequencies(sc, sc.toks, tf.ArrayPositions(), f.Options())
			if f.Name() == fBody {
				sc.hashes = wordPairs(sc.toks, sc.hashes[:0])
				sc.pairs = encodePairs(sc.hashes)
			}
		} else {
			if f.Options().IsIndexed() {
				f.Analyze()
			}
			af.length, af.freqs = f.AnalyzedLength(), f.AnalyzedTokenFrequencies()
		}
		doc.Fields[i] = af
	}
	return analysedDoc{doc}, nil
}

// isFast reports whether a is textAnalyzer, which never modifies its
// input (bleve copies a stored field's text before analysing it because
// some analyzers lower-case in place).
func isFast(a analysis.Analyzer) bool {
	_, ok := a.(*fastAnalyzer)
	return ok
}

// tokenFrequencies is bleve's analysis.TokenFrequency with the same
// result, laid out for the segment builder, which reads every location
// once per term: each term's locations are contiguous (bleve's are in
// token order, so a term's are scattered over the field), and the
// frequencies and locations of a field take three allocations instead of
// one or more per term. Map keys share the terms' bytes, which the fast
// analyzer never modifies.
func tokenFrequencies(sc *scratch, tokens []analysis.Token, arrayPositions []uint64, opts index.FieldIndexingOptions) index.TokenFrequencies {
	clear(sc.ids)
	sc.termOf = slices.Grow(sc.termOf[:0], len(tokens))[:len(tokens)]
	sc.counts, sc.terms = sc.counts[:0], sc.terms[:0]
	for i := range tokens {
		t := &tokens[i]
		id, ok := sc.ids[string(t.Term)]
		if !ok {
			id = int32(len(sc.counts))
			sc.ids[unsafe.String(unsafe.SliceData(t.Term), len(t.Term))] = id
			sc.counts = append(sc.counts, 0)
			sc.terms = append(sc.terms, t.Term)
		}
		sc.counts[id]++
		sc.termOf[i] = id
	}
	freqs := make([]index.TokenFreq, len(sc.counts))
	if opts.IncludeTermVectors() {
		locs := make([]index.TokenLocation, len(tokens))
		ptrs := make([]*index.TokenLocation, len(tokens))
		next := make([]int32, len(sc.counts)) // where each term's next location goes
		var off int32
		for id, c := range sc.counts {
			next[id] = off
			freqs[id].Locations = ptrs[off : off+c : off+c]
			off += c
		}
		for i := range tokens {
			t := &tokens[i]
			id := sc.termOf[i]
			p := next[id]
			next[id]++
			locs[p] = index.TokenLocation{ArrayPositions: arrayPositions, Start: t.Start, End: t.End, Position: t.Position}
			ptrs[p] = &locs[p]
		}
	}
	rv := make(index.TokenFrequencies, len(sc.counts))
	for id, term := range sc.terms {
		f := &freqs[id]
		f.Term = term
		if !opts.SkipFreqNorm() {
			f.SetFrequency(int(sc.counts[id]))
		}
		rv[unsafe.String(unsafe.SliceData(term), len(term))] = f
	}
	return rv
}

// analysedDoc is a document whose fields are already analysed and whose
// _id field is already added, so the builder's calls do nothing.
type analysedDoc struct{ *document.Document }

func (analysedDoc) AddIDField() {}

type analysedField struct {
	document.Field
	length int
	freqs  index.TokenFrequencies
}

func (analysedField) Analyze() {}

func (f analysedField) AnalyzedLength() int { return f.length }

func (f analysedField) AnalyzedTokenFrequencies() index.TokenFrequencies { return f.freqs }
