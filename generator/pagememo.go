package generator

import (
	"html/template"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"unsafe"
)

// A preview rebuild renders only the pages whose inputs changed. Each page of a memoised kind gets a key: a hash of
// exactly what its layout shows. When the key equals the one of the page already on disk, the page is kept as it
// is. The keys below follow the default layouts; with a theme that brings its own layouts, nothing is memoised.
//
// Memoised: incident pages, /incidents/, every term page (factors, tags, services, severities, years), /actions/,
// /stats/, /learn/, the home page and the term indexes — the pages that grow with the knowledge base or sum it up.
// /search/ and the 404 page are small and rendered every time.

// pageMemo holds the keys of one build.
type pageMemo struct {
	mc        *MemCache
	frame     uint64 // what every page shows of the site: the incident count, the build day
	factorSig uint64 // every factor's slug, name and description (service guides quote them)

	row      map[*Postmortem]uint64 // each listed incident's source path and frontmatter, hashed: what its row shows
	ent      map[*Postmortem]*memEntry
	order    []*Postmortem // the listed incidents
	listSig  uint64        // every listed incident's frontmatter, in order (for /actions/ and /stats/)
	complete bool          // every listed incident has a cache entry (always, after parse)
	keep     bool          // the output is updated in place: unchanged pages can be kept

	mu   sync.Mutex
	next map[string]uint64 // page file -> key, as written by this build

	rendered *renderedRows // the rows this build's templates rendered, for the saves patched onto it

	// The sitemap's key, of the pages it was worked out for: the pages of a patched save are its model's, and so
	// are their paths and dates.
	sitemapJobs []pageJob
	sitemapSig  uint64
}

// sitemapKey is sitemapKey of jobs, worked out once per list of pages.
func (m *pageMemo) sitemapKey(jobs []pageJob) uint64 {
	if m == nil {
		return sitemapKey(jobs)
	}
	if unsafe.SliceData(m.sitemapJobs) != unsafe.SliceData(jobs) || len(m.sitemapJobs) != len(jobs) {
		m.sitemapJobs, m.sitemapSig = jobs, sitemapKey(jobs)
	}
	return m.sitemapSig
}

// newPageMemo returns nil when pages cannot be memoised: no incremental cache, or layouts from a custom theme. Into
// a fresh output folder nothing can be kept, but the keys are recorded for the next build.
func newPageMemo(s *Site, c *Content, out *output) *pageMemo {
	if c.cache == nil || hasLayouts(c.themeDir) {
		return nil
	}
	h := newKeyHash()
	h.str(strconv.Itoa(len(s.Incidents)), s.BuildDate.In(s.Config.Location()).Format("2006-01-02"))
	// Display names of terms are the most common spelling across all incidents: a change re-renders every page.
	for _, terms := range [][]*Term{s.Factors, s.Tags, s.Services, s.Teams} {
		for _, t := range terms {
			h.str(t.Slug, t.Name)
		}
	}
	frame := h.sum()
	h = newKeyHash()
	for _, t := range s.Factors {
		h.str(t.Slug, t.Name, string(t.Description))
	}
	m := &pageMemo{mc: c.cache, frame: frame, factorSig: h.sum(), next: map[string]uint64{},
		row: make(map[*Postmortem]uint64, len(s.Incidents)), ent: make(map[*Postmortem]*memEntry, len(s.Incidents)),
		complete: true, keep: out.inPlace, order: s.Incidents}
	list := newKeyHash()
	c.cache.mu.Lock()
	for _, p := range s.Incidents {
		e := c.cache.entries[p.Source]
		if e == nil {
			m.complete = false
			break
		}
		h := newKeyHash()
		h.str(p.Source)
		h.u64(e.fmSum)
		m.row[p], m.ent[p] = h.sum(), e
		list.u64(m.row[p])
	}
	c.cache.mu.Unlock()
	m.listSig = list.sum()
	return m
}

// hasLayouts reports whether a custom theme folder overrides any layout.
func hasLayouts(themeDir string) bool {
	if themeDir == "" {
		return false
	}
	entries, err := os.ReadDir(filepath.Join(themeDir, "layouts"))
	return err != nil && !os.IsNotExist(err) || len(entries) > 0
}

// key returns the key of a page, and false for kinds that are always rendered.
func (m *pageMemo) key(j pageJob) (uint64, bool) {
	if !m.complete {
		return 0, false
	}
	h := newKeyHash()
	h.str(j.layout, j.page.Path)
	h.u64(m.frame)
	switch pg := j.page; j.layout {
	case "incident":
		p := pg.Incident
		e := m.ent[p]
		if e == nil || e.links == 0 {
			return 0, false
		}
		// The file itself (sum), how its body's links resolved (links), and the neighbours it shows (their
		// frontmatter: title, date, severity), with the terms shared with similar ones (their names are in frame).
		h.u64(e.sum)
		h.u64(e.links)
		for _, list := range [][]*Postmortem{p.RelatedTo, p.Backlinks} {
			h.str("list")
			for _, q := range list {
				h.u64(m.row[q])
			}
		}
		for _, sim := range p.Similar {
			h.str("sim")
			h.u64(m.row[sim.Incident])
			for _, t := range sim.Factors {
				h.str(t.Slug)
			}
			h.str("services")
			for _, t := range sim.Services {
				h.str(t.Slug)
			}
		}
	case "incidents":
		if d, ok := pg.Data.(struct{ Shown int }); ok {
			h.str(strconv.Itoa(d.Shown))
		}
		for _, g := range pg.Groups {
			if !m.rows(h, g.Incidents) {
				return 0, false
			}
		}
	case "term":
		t, kind := pg.Term, pg.Data.(string)
		h.str(kind, t.Name, string(t.Description), strconv.FormatBool(pg.Compact))
		for _, counts := range [][]TermCount{t.CoFactors, t.Related, t.Severities} {
			h.str("counts")
			for _, c := range counts {
				h.str(c.Term.Slug, c.Term.Name, strconv.Itoa(c.Count))
			}
		}
		if !m.rows(h, t.Incidents) {
			return 0, false
		}
		if kind == "services" {
			// The service guide: what learn.Select weighs, from the body too (headings, length).
			h.u64(m.factorSig)
			for _, p := range t.Incidents {
				h.u64(math.Float64bits(p.richness()))
				h.u64(uint64(readingMinutes(p.Words)))
			}
		}
	case "actions", "stats", "home", "terms":
		// Each sums up every incident's frontmatter (action items, times, teams, factors, dates) as of the build
		// day, with the factor catalogue.
		h.u64(m.listSig)
		h.u64(m.factorSig)
	case "learn":
		// The reading path weighs every incident by its frontmatter and its body's richness and length.
		h.u64(m.listSig)
		h.u64(m.factorSig)
		for _, p := range m.order {
			h.u64(math.Float64bits(p.richness()))
			h.u64(uint64(readingMinutes(p.Words)))
		}
	default:
		return 0, false
	}
	return h.sum(), true
}

// rows hashes a list of incident rows: each shows its file's frontmatter only.
func (m *pageMemo) rows(h *keyHash, ps []*Postmortem) bool {
	for _, p := range ps {
		h.u64(m.row[p])
	}
	return true
}

// unchanged reports whether the page on disk was written with this key; the caller then keeps it.
func (m *pageMemo) unchanged(file string, key uint64) bool {
	m.mc.mu.Lock()
	defer m.mc.mu.Unlock()
	return m.keep && m.mc.pageKeys[file] == key
}

// record notes the key of a page this build kept or wrote.
func (m *pageMemo) record(file string, key uint64) {
	m.mu.Lock()
	m.next[file] = key
	m.mu.Unlock()
}

// commit makes this build's keys the reference of the next one. Without a memo (or after a failed build) the
// keys are forgotten, so nothing is kept on their word.
func (mc *MemCache) commitPages(m *pageMemo) {
	if mc == nil {
		return
	}
	mc.mu.Lock()
	defer mc.mu.Unlock()
	mc.pageKeys = nil
	if m != nil {
		mc.pageKeys = m.next
	}
}

// rowStore keeps rendered incident rows between preview builds: a row shows only its file's frontmatter, so a row
// of an unchanged file at the same depth is the same HTML.
type rowStore struct {
	prev map[rowStoreKey]template.HTML // the last build's rows, read-only during a build
	mu   sync.Mutex
	next map[rowStoreKey]template.HTML
}

type rowStoreKey struct {
	source  string
	sum     uint64 // the frontmatter's checksum
	root    string
	compact bool
	item    int    // an action row: the item's position in its postmortem, from 1; 0 for an incident row
	day     string // an action row: the build day (overdue items count days)
}

// get returns a row of the last build, and keeps it for the next.
func (rs *rowStore) get(k rowStoreKey) (template.HTML, bool) {
	h, ok := rs.prev[k]
	if ok {
		rs.put(k, h)
	}
	return h, ok
}

// put keeps a row for the next build; a frozen store (useFrozenRows, next nil) keeps nothing.
func (rs *rowStore) put(k rowStoreKey, h template.HTML) {
	if rs.next == nil {
		return
	}
	rs.mu.Lock()
	rs.next[k] = h
	rs.mu.Unlock()
}

// keyHash builds the keys of the incremental caches. They are saved with the build cache, so the hash must be the
// same in every process: FNV-1a (64-bit), over a few megabytes per build at most, written out so that strings are
// hashed where they lie.
type keyHash struct{ h uint64 }

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func newKeyHash() *keyHash { return &keyHash{fnvOffset} }

func (k *keyHash) str(parts ...string) {
	h := k.h
	for _, s := range parts {
		for i := 0; i < len(s); i++ {
			h = (h ^ uint64(s[i])) * fnvPrime
		}
		h *= fnvPrime // the separator, a zero byte
	}
	k.h = h
}

func (k *keyHash) bytes(b []byte) {
	h := k.h
	for _, c := range b {
		h = (h ^ uint64(c)) * fnvPrime
	}
	k.h = h
}

func (k *keyHash) u64(v uint64) {
	h := k.h
	for range 8 {
		h = (h ^ (v & 0xff)) * fnvPrime
		v >>= 8
	}
	k.h = h
}

func (k *keyHash) sum() uint64 { return k.h }

// derived returns a whole-site file whose inputs hash to key, from the last build when they did then too: a few
// megabytes of JSON that most edits leave as they are. Without a memo, make runs. The file comes with its checksum,
// so that writing it in place need not compute it again (siteFile); make may return one (0: compute it), which
// must then identify the content as well.
func (m *pageMemo) derived(name string, key uint64, make func() (fileData, uint64)) siteFile {
	if m == nil || !m.complete {
		data, sum := make()
		return siteFile{name, data, sum}
	}
	m.mc.mu.Lock()
	d, ok := m.mc.derived[name]
	m.mc.mu.Unlock()
	if ok && d.key == key {
		return siteFile{name, d.data, d.sum}
	}
	data, sum := make()
	if sum == 0 {
		sum = data.checksum()
	}
	m.mc.mu.Lock()
	if m.mc.derived == nil {
		m.mc.derived = map[string]derivedFile{}
	}
	m.mc.derived[name] = derivedFile{key, data, sum}
	m.mc.mu.Unlock()
	return siteFile{name, data, sum}
}

type derivedFile struct {
	key  uint64
	data fileData
	sum  uint64 // data.checksum()
}

// siteFile is a file of the site other than a page; sum is its checksum when known, else 0.
type siteFile struct {
	name string
	data fileData
	sum  uint64
}
