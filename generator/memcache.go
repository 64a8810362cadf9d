package generator

import (
	"hash/crc64"
	"html/template"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"sync"
)

// MemCache keeps, between the builds of one process (serve --watch), what each file decoded and rendered to, so a
// save re-decodes and re-renders only the files it touched. The rest of the pipeline runs in full, so the result is
// the same as a clean build's.
//
// An entry is reused only when the file's bytes are the same (decoding) and, for the rendered body, when everything
// a body's links resolve against is the same too: every incident's slug, source and title, the factors, and the
// options that change the HTML. A change to any of those re-renders every body; a config change empties the cache.
type MemCache struct {
	mu      sync.Mutex
	config  uint64
	entries map[string]*memEntry // by source path

	// The files the last build wrote to out, with their checksums: the next build updates that folder in place.
	out      string
	manifest map[string]uint64

	// Decoded, Rendered and Pages count the files decoded, bodies rendered and incident pages rendered by the last
	// build, for tests and the log.
	Decoded, Rendered, Pages int
}

type memEntry struct {
	sum uint64
	pm  Postmortem // as decoded, before any later stage touched it

	links    uint64 // the link signature the rendering below was made under; 0 when not rendered
	html     template.HTML
	plain    string
	headings []string
	outlinks []Ref
	words    int
	diags    Diagnostics // rendering and lint findings

	page uint64 // the inputs of the incident page last written for this file (pageKey); 0 when none
}

// pageKey hashes everything the default incident layout shows beyond the file itself (covered by sum and links):
// the site's incident count, and the title, date and shared terms of the related, similar and linking incidents.
func (e *memEntry) pageKey(p *Postmortem, siteKey uint64) uint64 {
	h := crc64.New(crcTable)
	w := func(parts ...string) {
		for _, s := range parts {
			h.Write([]byte(s))
			h.Write([]byte{0})
		}
	}
	w(strconv.FormatUint(e.sum, 16), strconv.FormatUint(e.links, 16), strconv.FormatUint(siteKey, 16))
	for _, list := range [][]*Postmortem{p.RelatedTo, p.Backlinks} {
		w("list")
		for _, q := range list {
			w(q.Slug, q.Title, q.Date.String())
		}
	}
	for _, sim := range p.Similar {
		w("sim", sim.Incident.Slug, sim.Incident.Title)
		for _, t := range sim.Factors {
			w(t.Name)
		}
		for _, t := range sim.Services {
			w(t.Name)
		}
	}
	if k := h.Sum64(); k != 0 {
		return k
	}
	return 1
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

// linkSignature covers everything a body's rendering resolves against: each incident's slug, source and title (the
// label of a [[slug]] link), the factors with their names and aliases.
func (r *resolver) linkSignature() uint64 {
	h := crc64.New(crcTable)
	slugs := make([]string, 0, len(r.incidents))
	for s := range r.incidents {
		slugs = append(slugs, s)
	}
	sort.Strings(slugs)
	for _, s := range slugs {
		p := r.incidents[s]
		h.Write([]byte(s + "\x00" + p.Source + "\x00" + p.Title + "\x00"))
	}
	for _, m := range []map[string]string{r.aliases, r.factorNames} {
		for _, k := range sortedKeys(m) {
			h.Write([]byte(k + "\x00" + m[k] + "\x00"))
		}
	}
	for _, k := range sortedKeys(r.factors) {
		h.Write([]byte(k + "\x00"))
	}
	return h.Sum64()
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
