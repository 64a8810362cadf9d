package generator

import (
	"bufio"
	"encoding/gob"
	"html/template"
	"os"
	"path/filepath"
	"slices"
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

const diskCacheFormat = "secondstory-incremental-1"

func diskCachePath(out string) string { return filepath.Join(CacheDir(out), "incremental.gob") }

// The file is a stream of gob messages: the header (diskCache), then Entries entries and Rows rows one by one, as
// one message holding everything would be copied whole into a buffer on the way in and on the way out.
type diskCache struct {
	Format     string
	Program    string
	Config     uint64
	Out        string
	Entries    int
	Rows       int
	Stats      map[string]diskStat
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

// loadDiskCache returns the state the last build saved for out, or an empty lean cache.
func loadDiskCache(out string) *MemCache {
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
	entries := make(map[string]*memEntry, dc.Entries)
	for range dc.Entries {
		var d diskEntry
		if dec.Decode(&d) != nil {
			return mc
		}
		e := &memEntry{sum: d.Sum, fmSum: d.FmSum, pm: d.PM, links: d.Links, plain: d.Plain, headings: d.Headings,
			outlinks: d.Outlinks, words: d.Words, diags: d.Diags, rich: d.Rich, json: d.JSON, relocate: true}
		for _, dep := range d.Deps {
			e.deps = append(e.deps, linkDep{dep.Kind, dep.Key})
		}
		entries[d.Source] = e
	}
	rows := make(map[rowStoreKey]template.HTML, dc.Rows)
	for range dc.Rows {
		var r diskRow
		if dec.Decode(&r) != nil {
			return mc
		}
		rows[rowStoreKey{r.Source, r.Sum, r.Root, r.Compact}] = template.HTML(r.HTML)
	}
	mc.config, mc.entries = dc.Config, entries
	if len(rows) > 0 {
		mc.rows = &rowStore{prev: rows}
	}
	mc.stats = make(map[string]statSum, len(dc.Stats))
	for p, s := range dc.Stats {
		mc.stats[p] = statSum{fileStat{s.Size, s.Mtime, s.Ctime, s.Ino}, s.Sum}
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

// dropDiskCache removes the saved state before a build changes the output it describes.
func dropDiskCache(out string) { _ = os.Remove(diskCachePath(out)) }

// saveDisk writes the state after a committed build. A failure costs the next build its head start, nothing else.
func (mc *MemCache) saveDisk(out string) {
	abs, err := filepath.Abs(out)
	if err != nil {
		return
	}
	mc.mu.Lock()
	dc := diskCache{Format: diskCacheFormat, Program: programID(), Config: mc.config, Out: abs,
		Stats: make(map[string]diskStat, len(mc.stats)), Manifest: mc.manifest, PageKeys: mc.pageKeys,
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
	for p, s := range mc.stats {
		dc.Stats[p] = diskStat{s.st.size, s.st.mtime, s.st.ctime, s.st.ino, s.sum}
	}
	if mc.rows != nil {
		for k, h := range mc.rows.prev {
			rows = append(rows, diskRow{k.source, k.sum, k.root, k.compact, string(h)})
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
	mc.mu.Unlock()
	dc.Entries, dc.Rows = len(entries), len(rows)

	dir := CacheDir(out)
	if os.MkdirAll(dir, 0o755) != nil {
		return
	}
	tmp, err := os.CreateTemp(dir, "incremental-*.tmp")
	if err != nil {
		return
	}
	w := bufio.NewWriterSize(tmp, 1<<20)
	enc := gob.NewEncoder(w)
	err = enc.Encode(&dc)
	for i := 0; err == nil && i < len(entries); i++ {
		err = enc.Encode(&entries[i])
	}
	for i := 0; err == nil && i < len(rows); i++ {
		err = enc.Encode(&rows[i])
	}
	if err == nil {
		err = w.Flush()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
		return
	}
	_ = os.Rename(tmp.Name(), diskCachePath(out))
}
