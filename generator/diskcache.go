package generator

import (
	"bufio"
	"encoding/gob"
	"errors"
	"html/template"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// A `secondstory build` after a small change should cost about what the preview's rebuild costs, not a full
// build. So a build saves its incremental state (what MemCache holds: each file's decoded postmortem and the
// by-products of its body, the pages' keys, the rows, the similar lists, and the checksums of the files it wrote)
// beside the output, in the build cache folder, and the next build starts from it. That state is lean: it keeps
// neither bodies nor their HTML (the file and goldmark give them back for the few pages that need them), so it
// stays a fraction of the site's size.
//
// The state describes the site on disk exactly: it is removed before a build touches the output and written again
// only after a build committed, so an interrupted or failed build leaves none behind and the next one starts
// afresh.

const diskCacheFormat = "secondstory-incremental-2"

func diskCachePath(out string) string { return filepath.Join(CacheDir(out), "incremental.gob") }

func shardPath(out string, i int) string {
	return filepath.Join(CacheDir(out), "incremental-"+strconv.Itoa(i)+".gob")
}

// The state is a main file and Shards shard files, each a stream of gob messages (one message holding everything
// would be copied whole into a buffer on the way in and on the way out). The main file: the header (diskCache),
// then Rows rows. Shard i: its token, then its count of entries, then the entries. The shards are written and
// read on every core at once; the token, new for every save, tells a shard of another save.
type diskCache struct {
	Format     string
	Program    string
	Token      uint64
	Shards     int
	Config     uint64
	Out        string
	Rows       int
	Manifest   map[string]uint64
	PageKeys   map[string]uint64
	Similar    map[string][]diskSimilar
	SimilarSig uint64
}

type diskEntry struct {
	Source     string
	Sum, FmSum uint64
	PM         Postmortem
	Links      uint64
	Deps       []diskDep
	Plain      string
	Headings   []string
	Outlinks   []Ref
	Words      int
	Diags      Diagnostics
	Rich       float64
	JSON       []byte
}

type diskDep struct {
	Kind byte
	Key  string
}

type diskStat struct {
	Size, Mtime, Ctime int64
	Ino                uint64
	Sum                uint64
}

type diskRow struct {
	Source  string
	Sum     uint64
	Root    string
	Compact bool
	Item    int
	Day     string
	HTML    string
}

type diskSimilar struct {
	Slug              string
	Score             float64
	Factors, Services []string
}

func init() {
	// Unknown frontmatter keys (Postmortem.Extra) hold what yaml.v3 decodes into an interface.
	gob.Register(map[string]any{})
	gob.Register(map[any]any{})
	gob.Register([]any{})
	gob.Register(time.Time{})
}

// loadDiskCache returns the state the last build saved for out, or an empty lean cache. It gives up early once
// stop is set (the build found its output up to date).
func loadDiskCache(out string, stop *atomic.Bool) *MemCache {
	mc := &MemCache{lean: true, disk: true}
	f, err := os.Open(diskCachePath(out))
	if err != nil {
		return mc
	}
	defer f.Close()
	var dc diskCache
	dec := gob.NewDecoder(bufio.NewReaderSize(f, 1<<20))
	if dec.Decode(&dc) != nil || dc.Format != diskCacheFormat || dc.Program != programID() {
		return mc
	}
	shards := make([]map[string]*memEntry, dc.Shards)
	ok := make([]bool, dc.Shards)
	var wg sync.WaitGroup
	for i := range dc.Shards {
		wg.Add(1)
		go func() {
			defer wg.Done()
			shards[i], ok[i] = loadShard(shardPath(out, i), dc.Token, stop)
		}()
	}
	rows := make(map[rowStoreKey]template.HTML, dc.Rows)
	for range dc.Rows {
		var r diskRow
		if stop.Load() || dec.Decode(&r) != nil {
			wg.Wait()
			return mc
		}
		rows[rowStoreKey{r.Source, r.Sum, r.Root, r.Compact, r.Item, r.Day}] = template.HTML(r.HTML)
	}
	wg.Wait()
	entries := map[string]*memEntry{}
	for i, m := range shards {
		if !ok[i] {
			return mc
		}
		for src, e := range m {
			entries[src] = e
		}
	}
	mc.config, mc.entries = dc.Config, entries
	if len(rows) > 0 {
		mc.rows = &rowStore{prev: rows}
	}
	if abs, err := filepath.Abs(out); err == nil && abs == dc.Out {
		mc.out, mc.manifest = out, dc.Manifest
	}
	mc.pageKeys = dc.PageKeys
	if dc.Similar != nil {
		mc.similar, mc.similarSig = make(map[string][]similarRef, len(dc.Similar)), dc.SimilarSig
		for slug, list := range dc.Similar {
			refs := make([]similarRef, len(list))
			for i, s := range list {
				refs[i] = similarRef{s.Slug, s.Score, s.Factors, s.Services}
			}
			mc.similar[slug] = refs
		}
	}
	return mc
}

// inZone puts a decoded postmortem's timestamps back in the site's zone: gob keeps a time's offset, not its zone,
// and pages name the zone. (Dates and due dates are UTC days, which gob keeps as they are.)
func (p *Postmortem) inZone(loc *time.Location) {
	for _, t := range []*time.Time{&p.StartedAt, &p.DetectedAt, &p.MitigatedAt, &p.ResolvedAt} {
		if !t.IsZero() {
			*t = t.In(loc)
		}
	}
	p.Timeline = slices.Clone(p.Timeline)
	for i := range p.Timeline {
		if !p.Timeline[i].At.IsZero() {
			p.Timeline[i].At = p.Timeline[i].At.In(loc)
		}
	}
}

func loadShard(path string, token uint64, stop *atomic.Bool) (map[string]*memEntry, bool) {
	f, err := os.Open(path)
	if err != nil {
		return nil, false
	}
	defer f.Close()
	dec := gob.NewDecoder(bufio.NewReaderSize(f, 1<<20))
	var tok uint64
	var n int
	if dec.Decode(&tok) != nil || tok != token || dec.Decode(&n) != nil {
		return nil, false
	}
	entries := make(map[string]*memEntry, n)
	for range n {
		var d diskEntry
		if stop.Load() || dec.Decode(&d) != nil {
			return nil, false
		}
		e := &memEntry{sum: d.Sum, fmSum: d.FmSum, pm: d.PM, links: d.Links, plain: d.Plain, headings: d.Headings,
			outlinks: d.Outlinks, words: d.Words, diags: d.Diags, rich: d.Rich, json: d.JSON, relocate: true}
		for _, dep := range d.Deps {
			e.deps = append(e.deps, linkDep{dep.Kind, dep.Key})
		}
		entries[d.Source] = e
	}
	return entries, true
}

// statsPath holds, apart from the rest of the state, what each source file looked like when the last build read
// it: read first, so that a build need not read unchanged files even to find that nothing changed. The stats are
// true of the files whatever happened to the output, so they are kept when the rest is dropped.
func statsPath(out string) string { return filepath.Join(CacheDir(out), "stats.gob") }

// diskStats is the stat table of a one-off build: loaded from stats.gob, completed as files are read.
type diskStats struct {
	mu sync.Mutex
	m  map[string]statSum
}

func loadStats(out string) *diskStats {
	ds := &diskStats{m: map[string]statSum{}}
	f, err := os.Open(statsPath(out))
	if err != nil {
		return ds
	}
	defer f.Close()
	var saved map[string]diskStat
	if gob.NewDecoder(bufio.NewReader(f)).Decode(&saved) != nil {
		return ds
	}
	for p, s := range saved {
		ds.m[p] = statSum{fileStat{s.Size, s.Mtime, s.Ctime, s.Ino}, s.Sum}
	}
	return ds
}

func (ds *diskStats) unread(path string, st fileStat) (uint64, bool) {
	if st == (fileStat{}) {
		return 0, false
	}
	ds.mu.Lock()
	defer ds.mu.Unlock()
	s, ok := ds.m[path]
	return s.sum, ok && s.st == st
}

func (ds *diskStats) noteStat(path string, st fileStat, sum uint64) {
	if st == (fileStat{}) {
		return
	}
	ds.mu.Lock()
	ds.m[path] = statSum{st, sum}
	ds.mu.Unlock()
}

// dropDiskCache removes the saved state before a build changes the output it describes.
func dropDiskCache(out string) { _ = os.Remove(diskCachePath(out)) } // the shards are nothing without it

// saveDisk writes the state after a committed build. A failure costs the next build its head start, nothing else.
func (mc *MemCache) saveDisk(out string) {
	abs, err := filepath.Abs(out)
	if err != nil {
		return
	}
	mc.mu.Lock()
	dc := diskCache{Format: diskCacheFormat, Program: programID(), Config: mc.config, Out: abs,
		Manifest: mc.manifest, PageKeys: mc.pageKeys,
		SimilarSig: mc.similarSig}
	var entries []diskEntry
	var rows []diskRow
	for src, e := range mc.entries {
		if e.links == 0 {
			continue // not rendered (a draft): decoded again next time
		}
		d := diskEntry{Source: src, Sum: e.sum, FmSum: e.fmSum, PM: e.pm, Links: e.links, Plain: e.plain,
			Headings: e.headings, Outlinks: e.outlinks, Words: e.words, Diags: e.diags, Rich: e.rich, JSON: e.json}
		d.PM.Body, d.PM.HTML = nil, ""
		for _, dep := range e.deps {
			d.Deps = append(d.Deps, diskDep{dep.kind, dep.key})
		}
		entries = append(entries, d)
	}
	if mc.rows != nil {
		for k, h := range mc.rows.prev {
			rows = append(rows, diskRow{k.source, k.sum, k.root, k.compact, k.item, k.day, string(h)})
		}
	}
	if mc.similar != nil {
		dc.Similar = make(map[string][]diskSimilar, len(mc.similar))
		for slug, refs := range mc.similar {
			list := make([]diskSimilar, len(refs))
			for i, r := range refs {
				list[i] = diskSimilar{r.slug, r.score, r.factors, r.services}
			}
			dc.Similar[slug] = list
		}
	}
	stats := make(map[string]diskStat, len(mc.stats))
	for p, s := range mc.stats {
		stats[p] = diskStat{s.st.size, s.st.mtime, s.st.ctime, s.st.ino, s.sum}
	}
	mc.mu.Unlock()
	dc.Rows = len(rows)
	dc.Shards = max(1, runtime.GOMAXPROCS(0))
	dc.Token = rand.Uint64()

	dir := CacheDir(out)
	if os.MkdirAll(dir, 0o755) != nil {
		return
	}
	// The shards first, each on its own core; the main file last, so a reader never finds it before its shards.
	errs := make([]error, dc.Shards)
	var wg sync.WaitGroup
	for i := range dc.Shards {
		part := entries[len(entries)*i/dc.Shards : len(entries)*(i+1)/dc.Shards]
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = writeGob(shardPath(out, i), func(enc *gob.Encoder) error {
				if err := enc.Encode(dc.Token); err != nil {
					return err
				}
				if err := enc.Encode(len(part)); err != nil {
					return err
				}
				for i := range part {
					if err := enc.Encode(&part[i]); err != nil {
						return err
					}
				}
				return nil
			})
		}()
	}
	wg.Wait()
	if errors.Join(errs...) != nil {
		return
	}
	_ = writeGob(statsPath(out), func(enc *gob.Encoder) error { return enc.Encode(stats) })
	_ = writeGob(diskCachePath(out), func(enc *gob.Encoder) error {
		if err := enc.Encode(&dc); err != nil {
			return err
		}
		for i := range rows {
			if err := enc.Encode(&rows[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

// writeGob writes a file through a temporary one, renamed over it once complete.
func writeGob(path string, encode func(*gob.Encoder) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(tmp, 1<<20)
	err = encode(gob.NewEncoder(w))
	if err == nil {
		err = w.Flush()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
	}
	return err
}
