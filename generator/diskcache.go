package generator

import (
	"bufio"
	"encoding/gob"
	"errors"
	"html/template"
	"maps"
	"os"
	"path/filepath"
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

const diskCacheFormat = "secondstory-incremental-3"

func diskCachePath(out string) string { return filepath.Join(CacheDir(out), "incremental.gob") }

func shardPath(out string, i int) string {
	return filepath.Join(CacheDir(out), "incremental-"+strconv.Itoa(i)+".gob")
}

// diskShards is how many files the entries and rows are spread over (by source path). A build rewrites only the
// shards whose content changed, and all are read on every core at once.
const diskShards = 16

func shardOf(source string) int {
	h := newKeyHash()
	h.str(source)
	return int(h.sum() % diskShards)
}

// The state is a main file and diskShards shard files, each a stream of gob messages (one message holding
// everything would be copied whole into a buffer on the way in and on the way out). The main file holds the
// header (diskCache). Shard i holds its key, its count of entries, the entries, its count of rows, the rows. A
// shard's key hashes what identifies its content (each entry's source, checksum and link dependencies; each row's
// key): a shard whose key is unchanged is left as it is, and the header lists the key each shard must start with.
type diskCache struct {
	Format     string
	Program    string
	ShardKeys  []uint64
	Config     uint64
	Out        string
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
	var dc diskCache
	err = gob.NewDecoder(bufio.NewReader(f)).Decode(&dc)
	f.Close()
	if err != nil || dc.Format != diskCacheFormat || dc.Program != programID() || len(dc.ShardKeys) != diskShards {
		return mc
	}
	shards := make([]shard, diskShards)
	ok := make([]bool, diskShards)
	var ignored Diagnostics
	parallel(diskShards, func(i int, _ *Diagnostics) {
		shards[i], ok[i] = loadShard(shardPath(out, i), dc.ShardKeys[i], stop)
	}, &ignored)
	entries := map[string]*memEntry{}
	rows := map[rowStoreKey]template.HTML{}
	for i, sh := range shards {
		if !ok[i] {
			return mc
		}
		maps.Copy(entries, sh.entries)
		maps.Copy(rows, sh.rows)
	}
	mc.config, mc.entries, mc.shardKeys = dc.Config, entries, dc.ShardKeys
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

// shardPart is a shard as saveDisk gathers it.
type shardPart struct {
	entries []diskEntry
	rows    []diskRow
	ident   uint64 // order-independent: the sum of each item's hash
}

type shard struct {
	entries map[string]*memEntry
	rows    map[rowStoreKey]template.HTML
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

func loadShard(path string, key uint64, stop *atomic.Bool) (shard, bool) {
	sh := shard{map[string]*memEntry{}, map[rowStoreKey]template.HTML{}}
	f, err := os.Open(path)
	if err != nil {
		return sh, false
	}
	defer f.Close()
	dec := gob.NewDecoder(bufio.NewReaderSize(f, 1<<20))
	var k uint64
	var n int
	if dec.Decode(&k) != nil || k != key || dec.Decode(&n) != nil {
		return sh, false
	}
	for range n {
		var d diskEntry
		if stop.Load() || dec.Decode(&d) != nil {
			return sh, false
		}
		e := &memEntry{sum: d.Sum, fmSum: d.FmSum, pm: d.PM, links: d.Links, plain: d.Plain, headings: d.Headings,
			outlinks: d.Outlinks, words: d.Words, diags: d.Diags, rich: d.Rich, json: d.JSON, relocate: true}
		for _, dep := range d.Deps {
			e.deps = append(e.deps, linkDep{dep.Kind, dep.Key})
		}
		sh.entries[d.Source] = e
	}
	if dec.Decode(&n) != nil {
		return sh, false
	}
	for range n {
		var r diskRow
		if stop.Load() || dec.Decode(&r) != nil {
			return sh, false
		}
		sh.rows[rowStoreKey{r.Source, r.Sum, r.Root, r.Compact, r.Item, r.Day}] = template.HTML(r.HTML)
	}
	return sh, true
}

// statsPath holds, apart from the rest of the state, what each source file looked like when the last build read
// it: read first, so that a build need not read unchanged files even to find that nothing changed. The stats are
// true of the files whatever happened to the output, so they are kept when the rest is dropped.
func statsPath(out string) string { return filepath.Join(CacheDir(out), "stats.gob") }

// fileStats remembers, by source path, what each file looked like when it was read and its checksum (statTable):
// the preview's MemCache keeps one, and a one-off build loads the one the last build saved.
type fileStats struct {
	mu sync.Mutex
	m  map[string]statSum
}

func newFileStats() *fileStats { return &fileStats{m: map[string]statSum{}} }

func loadStats(out string) *fileStats {
	fs := newFileStats()
	f, err := os.Open(statsPath(out))
	if err != nil {
		return fs
	}
	defer f.Close()
	var saved map[string]diskStat
	if gob.NewDecoder(bufio.NewReader(f)).Decode(&saved) != nil {
		return fs
	}
	for p, s := range saved {
		fs.m[p] = statSum{fileStat{s.Size, s.Mtime, s.Ctime, s.Ino}, s.Sum}
	}
	return fs
}

// unread returns the checksum of the file at path when st is how it looked when that checksum was taken.
func (fs *fileStats) unread(path string, st fileStat) (uint64, bool) {
	if fs == nil || st == (fileStat{}) {
		return 0, false
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	s, ok := fs.m[path]
	return s.sum, ok && s.st == st
}

func (fs *fileStats) noteStat(path string, st fileStat, sum uint64) {
	if st == (fileStat{}) {
		return
	}
	fs.mu.Lock()
	fs.m[path] = statSum{st, sum}
	fs.mu.Unlock()
}

// prune forgets the files that are gone.
func (fs *fileStats) prune(present map[string]bool) {
	if fs == nil {
		return
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for p := range fs.m {
		if !present[p] {
			delete(fs.m, p)
		}
	}
}

func (fs *fileStats) saved() map[string]diskStat {
	out := map[string]diskStat{}
	if fs == nil {
		return out
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for p, s := range fs.m {
		out[p] = diskStat{s.st.size, s.st.mtime, s.st.ctime, s.st.ino, s.sum}
	}
	return out
}

// dropDiskCache removes the saved state before a build changes the output it describes.
func dropDiskCache(out string) { _ = os.Remove(diskCachePath(out)) } // the shards are nothing without it

// saveDisk writes the state after a committed build: the shards whose content changed, then the header. A
// failure costs the next build its head start, nothing else.
func (mc *MemCache) saveDisk(out string) {
	abs, err := filepath.Abs(out)
	if err != nil {
		return
	}
	parts := make([]shardPart, diskShards)
	mc.mu.Lock()
	dc := diskCache{Format: diskCacheFormat, Program: programID(), Config: mc.config, Out: abs,
		Manifest: mc.manifest, PageKeys: mc.pageKeys, SimilarSig: mc.similarSig, ShardKeys: make([]uint64, diskShards)}
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
		pt := &parts[shardOf(src)]
		pt.entries = append(pt.entries, d)
		h := newKeyHash()
		h.str("entry", src)
		h.u64(e.sum)
		h.u64(e.links)
		pt.ident += h.sum()
	}
	if mc.rows != nil {
		for k, html := range mc.rows.prev {
			pt := &parts[shardOf(k.source)]
			pt.rows = append(pt.rows, diskRow{k.source, k.sum, k.root, k.compact, k.item, k.day, string(html)})
			h := newKeyHash()
			h.str("row", k.source, k.root, strconv.FormatBool(k.compact), k.day)
			h.u64(k.sum)
			h.u64(uint64(k.item))
			pt.ident += h.sum()
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
	stats := mc.stats.saved()
	loaded := mc.shardKeys
	mc.mu.Unlock()

	dir := CacheDir(out)
	if os.MkdirAll(dir, 0o755) != nil {
		return
	}
	var changed []int
	for i := range parts {
		h := newKeyHash()
		h.str(dc.Program, strconv.FormatUint(dc.Config, 16))
		h.u64(uint64(len(parts[i].entries)))
		h.u64(uint64(len(parts[i].rows)))
		h.u64(parts[i].ident)
		dc.ShardKeys[i] = h.sum()
		if len(loaded) != diskShards || loaded[i] != dc.ShardKeys[i] {
			changed = append(changed, i)
		} else if _, err := os.Stat(shardPath(out, i)); err != nil {
			changed = append(changed, i)
		}
	}
	// The changed shards first, on every core; the header last, so a reader never finds it before its shards.
	errs := make([]error, len(changed))
	var ignored Diagnostics
	parallel(len(changed), func(j int, _ *Diagnostics) {
		i := changed[j]
		errs[j] = writeGob(shardPath(out, i), func(enc *gob.Encoder) error {
			return parts[i].encode(enc, dc.ShardKeys[i])
		})
	}, &ignored)
	if errors.Join(errs...) != nil {
		return
	}
	_ = writeGob(statsPath(out), func(enc *gob.Encoder) error { return enc.Encode(stats) })
	if writeGob(diskCachePath(out), func(enc *gob.Encoder) error { return enc.Encode(&dc) }) == nil {
		mc.mu.Lock()
		mc.shardKeys = dc.ShardKeys
		mc.mu.Unlock()
	}
}

// encode writes a shard: its key, its entries, its rows, each list after its length.
func (pt *shardPart) encode(enc *gob.Encoder, key uint64) error {
	if err := enc.Encode(key); err != nil {
		return err
	}
	if err := enc.Encode(len(pt.entries)); err != nil {
		return err
	}
	for k := range pt.entries {
		if err := enc.Encode(&pt.entries[k]); err != nil {
			return err
		}
	}
	if err := enc.Encode(len(pt.rows)); err != nil {
		return err
	}
	for k := range pt.rows {
		if err := enc.Encode(&pt.rows[k]); err != nil {
			return err
		}
	}
	return nil
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
