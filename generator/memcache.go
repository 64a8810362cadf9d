package generator

import (
	"github.com/secondstory/secondstory/search"

	"hash/crc64"
	"html/template"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
)

// MemCache keeps, between the builds of one process (serve --watch), what each file decoded and rendered to, so a
// save re-decodes and re-renders only the files it touched. The rest of the pipeline runs in full, so the result is
// the same as a clean build's.
//
// An entry is reused only when the file's bytes are the same (decoding) and, for the rendered body, when what the
// body's links resolved to is the same too (linkDep). A config change empties the cache.
type MemCache struct {
	mu      sync.Mutex
	config  uint64
	entries map[string]*memEntry // by source path
	stats   *fileStats           // by source path: the file as last read

	// The files the last build wrote to out, with their checksums: the next build updates that folder in place.
	out      string
	manifest map[string]uint64

	// What the last build wrote through the page memo (pagememo.go): the key of each page, and the rows.
	pageKeys map[string]uint64
	rows     *rowStore
	derived  map[string]derivedFile // whole-site files by name (pageMemo.derived)

	// The similar-incident lists of the last build, and the signature of what they were computed from.
	similar    map[string][]similarRef
	similarSig uint64

	// The factor and service relations of the last build, and their signature.
	relations    map[string]relationRefs
	relationsSig uint64

	// The model of the last preview build, which the next save may patch (patch.go).
	last *lastBuild

	// lean: entries keep neither bodies nor their HTML (a cache saved to disk; pages that need a body read the
	// file again). disk: this cache was loaded for, and is saved by, a one-off build (diskcache.go).
	lean, disk bool
	shardKeys  []uint64 // the keys of the shards on disk, as last loaded or saved (diskcache.go)

	// Decoded, Rendered and Pages count the files decoded, bodies rendered and incident pages rendered by the last
	// build, for tests and the log.
	Decoded, Rendered, Pages int
}

type memEntry struct {
	sum   uint64     // the file's checksum
	fmSum uint64     // its frontmatter's
	pm    Postmortem // as decoded, before any later stage touched it

	links    uint64 // linkDepsSum of the rendering below when it was made; 0 when not rendered
	deps     []linkDep
	html     template.HTML
	plain    string
	headings []string
	outlinks []Ref
	words    int
	rich     float64     // richness of the postmortem (learnpage.go)
	diags    Diagnostics // rendering and lint findings

	json    []byte // the file's entry in incidents.json
	jsonSum uint64 // checksum(json), once computed

	doc      *search.Document // its search document without factor names, made with the rendering of docLinks
	docLinks uint64

	relocate bool // loaded from disk: timestamps need the site's zone again (diskcache.go)
}

// fileStat is what says, without reading it, that a file is the one read before: a write changes the size or the
// modification time, and a rename over it (how many editors save) the inode and the change time.
type fileStat struct {
	size, mtime, ctime int64
	ino                uint64
}

type statSum struct {
	st  fileStat
	sum uint64
}

// unread returns the checksum of a file that need not be read again: unchanged since it was read, and decoded in
// the cache.
func (mc *MemCache) unread(path string, st fileStat) (uint64, bool) {
	mc.mu.Lock()
	stats := mc.stats
	mc.mu.Unlock()
	sum, ok := stats.unread(path, st)
	if !ok {
		return 0, false
	}
	if e := mc.entry(path); e == nil || e.sum != sum {
		return 0, false
	}
	return sum, true
}

// noteStat records that the file at path, with st taken before reading it, had this checksum.
func (mc *MemCache) noteStat(path string, st fileStat, sum uint64) {
	mc.mu.Lock()
	if mc.stats == nil {
		mc.stats = newFileStats()
	}
	stats := mc.stats
	mc.mu.Unlock()
	stats.noteStat(path, st, sum)
}

func (mc *MemCache) entry(path string) *memEntry {
	mc.mu.Lock()
	defer mc.mu.Unlock()
	return mc.entries[path]
}

func (mc *MemCache) store(path string, e *memEntry) {
	mc.mu.Lock()
	mc.entries[path] = e
	mc.mu.Unlock()
}

// begin starts a build: a different configuration invalidates everything; entries of files that are gone are
// dropped.
func (mc *MemCache) begin(config uint64, files []*sourceFile) {
	mc.mu.Lock()
	defer mc.mu.Unlock()
	if mc.entries == nil || mc.config != config {
		mc.entries = map[string]*memEntry{}
		mc.config = config
		mc.pageKeys, mc.rows, mc.similar, mc.derived, mc.relations = nil, nil, nil, nil, nil
	}
	present := make(map[string]bool, len(files))
	for _, f := range files {
		present[f.rel] = true
	}
	for p := range mc.entries {
		if !present[p] {
			delete(mc.entries, p)
		}
	}
	mc.stats.prune(present)
	mc.Decoded, mc.Rendered, mc.Pages = 0, 0, 0
}

func (mc *MemCache) count(decoded, rendered, pages int) {
	mc.mu.Lock()
	mc.Decoded += decoded
	mc.Rendered += rendered
	mc.Pages += pages
	mc.mu.Unlock()
}

// fresh returns a postmortem for a later stage to fill in: a copy, so the cached one stays as decoded.
func (e *memEntry) fresh() *Postmortem {
	p := e.pm
	p.Factors = slices.Clone(p.Factors) // the graph stage sets each factor's slug in place
	return &p
}

// configSignature covers what decoding and rendering depend on besides the files themselves.
func configSignature(opts Options, configBytes []byte) uint64 {
	h := crc64.New(crcTable)
	h.Write(configBytes)
	h.Write([]byte(strconv.FormatBool(opts.Drafts) + "\x00" + opts.BaseURL))
	return h.Sum64()
}

// A rendered body depends on the file and on what its links resolved to: the title of each incident a [[slug]]
// names (the link's label), the slug behind each relative .md link, each [[factor:…]]'s slug and name. The
// rendering records those lookups; a cached body is reused while replaying them gives the same answers, so
// retitling one incident re-renders only the bodies that link to it.
type linkDep struct {
	kind byte
	key  string
}

const (
	depIncident = 'i' // [[slug]]: is there such an incident, and its title
	depSource   = 's' // a relative link to a .md file: the slug of the postmortem there
	depFactor   = 'f' // [[factor:name]]: the canonical slug, whether it exists, its display name
)

// linkDepsSum replays deps against r; never 0, which marks an entry as not rendered.
func linkDepsSum(r *resolver, deps []linkDep) uint64 {
	h := newKeyHash()
	for _, d := range deps {
		h.str(string(d.kind), d.key)
		switch d.kind {
		case depIncident:
			if p := r.incidents[d.key]; p != nil {
				h.str("+", p.Title)
			}
		case depSource:
			if p := r.bySource[d.key]; p != nil {
				h.str("+", p.Slug)
			}
		case depFactor:
			slug := r.factorSlug(d.key)
			h.str(slug, strconv.FormatBool(r.factors[slug]), r.factorNames[slug])
		}
	}
	return max(h.sum(), 1)
}

// manifestFor returns what the last build of this process wrote to out, when that folder is still its own.
func (mc *MemCache) manifestFor(out string) map[string]uint64 {
	if mc == nil {
		return nil
	}
	mc.mu.Lock()
	defer mc.mu.Unlock()
	if mc.manifest == nil || mc.out != out {
		return nil
	}
	if _, err := os.Stat(filepath.Join(out, MarkerFile)); err != nil {
		return nil
	}
	return mc.manifest
}

// setManifest records what a build wrote; a fresh-folder build records nothing (cur is nil) until the next one.
func (mc *MemCache) setManifest(out string, files map[string]uint64) {
	if mc == nil {
		return
	}
	mc.mu.Lock()
	mc.out, mc.manifest = out, files
	mc.mu.Unlock()
}
