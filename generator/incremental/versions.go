package incremental

import (
	"encoding/json"
	"html/template"
	"slices"
	"sync"

	"github.com/secondstory/secondstory/generator/graph"
	"github.com/secondstory/secondstory/generator/postmortem"
	"github.com/secondstory/secondstory/generator/render"
)

// FrontVersion is the version of what a postmortem's frontmatter says (and what was inferred for it): a page that
// reads only that is rendered again only when it changes, not on every edit of the body.
func FrontVersion(p *postmortem.Postmortem) uint64 {
	b, _ := json.Marshal(p) // Markdown is left out (json:"-")
	return Sum(b) | 1
}

// ID names one thing a page can read, stably across builds: a part of an incident (by its source file), a part of
// a term (by kind/slug), or an aspect of the site. Each ID is one part: a page that read an incident's front and
// body has two.
type ID struct {
	Kind byte // 'i' incident, 't' term, 's' site
	Part uint16
	Name string
}

// Implicit are what every page depends on without reading it through a view: the theme's files, and the
// configuration with the build's options.
var (
	themeID  = ID{Kind: 's', Part: 1 << 15, Name: "theme"}
	configID = ID{Kind: 's', Part: 1 << 14, Name: "config"}
)

// Versions are the versions of everything a page can read, in one build.
type Versions map[ID]uint64

// NewVersions computes the versions of a site's parts. front and body give an incident's Front and Body versions
// (kept with its file, so computed once per change). When the graph was reused from last (same key), the versions
// of links and terms are too.
func NewVersions(s *graph.Site, front, body func(*graph.Incident) uint64, config, theme uint64, last Versions, graphReused bool) Versions {
	v := make(Versions, 3*len(s.Incidents)+2*len(s.Factors)+64)
	v[themeID], v[configID] = theme, config
	var all [3]Key
	var list Key
	for _, in := range s.Incidents {
		f, b := front(in), body(in)
		lid := ID{'i', uint16(render.Links), in.Source}
		l, ok := last[lid]
		if !graphReused || !ok {
			l = linksVersion(in)
		}
		v[ID{'i', uint16(render.Front), in.Source}], v[ID{'i', uint16(render.Body), in.Source}], v[lid] = f, b, l
		all[0].U64(f)
		all[1].U64(b)
		all[2].U64(l)
		list.Str(in.Source)
	}
	v[ID{'s', uint16(render.AllFront), ""}], v[ID{'s', uint16(render.AllBody), ""}] = all[0].Sum(), all[1].Sum()
	v[ID{'s', uint16(render.AllLinks), ""}], v[ID{'s', uint16(render.ListIncidents), ""}] = all[2].Sum(), list.Sum()
	var allTerms Key
	for _, l := range []struct {
		a     render.Aspect
		terms []*graph.Term
	}{{render.ListFactors, s.Factors}, {render.ListTags, s.Tags}, {render.ListServices, s.Services},
		{render.ListTeams, s.Teams}, {render.ListSeverities, s.Severities}, {render.ListYears, s.Years}} {
		var k Key
		for _, t := range l.terms {
			name := t.Kind + "/" + t.Slug
			hid, mid := ID{'t', uint16(render.TermHead), name}, ID{'t', uint16(render.TermMembers), name}
			h, hok := last[hid]
			m, mok := last[mid]
			if !graphReused || !hok || !mok {
				h, m = termVersions(t)
			}
			v[hid], v[mid] = h, m
			k.Str(t.Slug)
			allTerms.U64(h).U64(m)
		}
		v[ID{'s', uint16(l.a), ""}] = k.Sum()
	}
	v[ID{'s', uint16(render.AllTerms), ""}] = allTerms.Sum()
	v[ID{'s', uint16(render.Config), ""}] = config
	var day Key
	v[ID{'s', uint16(render.Day), ""}] = day.Str(s.BuildDate.In(s.Config.Location()).Format("2006-01-02")).Sum()
	return v
}

func linksVersion(in *graph.Incident) uint64 {
	var k Key
	for _, l := range [][]*graph.Incident{in.Backlinks, in.RelatedTo} {
		for _, p := range l {
			k.Str(p.Source)
		}
		k.U64(0)
	}
	for _, sim := range in.Similar {
		k.Str(sim.Incident.Source).F64(sim.Score)
		for _, t := range append(slices.Clip(sim.Factors), sim.Services...) {
			k.Str(t.Slug)
		}
	}
	k.U64(0)
	for _, l := range [][]*graph.Term{in.Cited, in.FactorTerms, in.ServiceTerms, in.TagTerms, in.TeamTerms, {in.SevTerm, in.YearTerm}} {
		for _, t := range l {
			if t != nil {
				k.Str(t.Kind + "/" + t.Slug)
			}
		}
		k.U64(0)
	}
	return k.Sum()
}

func termVersions(t *graph.Term) (head, members uint64) {
	var h, m Key
	h.Str(t.Kind).Str(t.Slug).Str(t.Name).Str(string(t.Description)).Str(t.Source)
	for _, in := range t.Incidents {
		m.Str(in.Source)
	}
	for _, l := range [][]graph.TermCount{t.CoFactors, t.Related, t.Severities} {
		m.U64(0)
		for _, c := range l {
			m.Str(c.Term.Kind + "/" + c.Term.Slug).U64(uint64(c.Count))
		}
	}
	return h.Sum(), m.Sum()
}

// Changed lists what changed from last to v: IDs whose version differs, and IDs gone.
func (v Versions) Changed(last Versions) map[ID]bool {
	out := map[ID]bool{}
	for id, ver := range v {
		if last[id] != ver {
			out[id] = true
		}
	}
	for id := range last {
		if _, ok := v[id]; !ok {
			out[id] = true
		}
	}
	return out
}

// IDs turns what a page read into the IDs it depends on, one per part, the implicit ones included.
func IDs(r *render.Reads) []ID {
	ids := make([]ID, 0, len(r.Incidents)+len(r.Terms)+4)
	for source, parts := range r.Incidents {
		for _, p := range []render.Part{render.Front, render.Body, render.Links} {
			if parts&p != 0 {
				ids = append(ids, ID{'i', uint16(p), source})
			}
		}
	}
	for name, parts := range r.Terms {
		for _, p := range []render.TermPart{render.TermHead, render.TermMembers} {
			if parts&p != 0 {
				ids = append(ids, ID{'t', uint16(p), name})
			}
		}
	}
	for a := render.Aspect(1); a != 0 && a <= render.AllTerms; a <<= 1 {
		if r.Site&a != 0 {
			ids = append(ids, ID{'s', uint16(a), ""})
		}
	}
	return append(ids, themeID, configID)
}

// Pages is the output state of a Session's pages: what each page read when it was last rendered. A build renders
// again exactly the pages that read something that changed.
type Pages struct{ read map[string][]ID }

// Record replaces what page read. A page that read every incident's front (an aggregate: /actions/, /stats/) does
// not also keep each incident's front it read: the aggregate changes whenever one of them does.
func (p *Pages) Record(page string, ids []ID) {
	if p.read == nil {
		p.read = map[string][]ID{}
	}
	all := map[render.Part]bool{}
	for _, id := range ids {
		if id.Kind == 's' {
			for a, part := range aggregates {
				if render.Aspect(id.Part) == a {
					all[part] = true
				}
			}
		}
	}
	if len(all) > 0 {
		kept := ids[:0]
		for _, id := range ids {
			if id.Kind != 'i' || !all[render.Part(id.Part)] {
				kept = append(kept, id)
			}
		}
		ids = kept
	}
	p.read[page] = slices.Clip(ids)
}

var aggregates = map[render.Aspect]render.Part{render.AllFront: render.Front, render.AllBody: render.Body, render.AllLinks: render.Links}

// Forget drops a page (it is gone).
func (p *Pages) Forget(page string) { delete(p.read, page) }

// Known reports whether page was rendered by an earlier build of the session.
func (p *Pages) Known(page string) bool {
	_, ok := p.read[page]
	return ok
}

// Stale returns the pages that read something in changed.
func (p *Pages) Stale(changed map[ID]bool) map[string]bool {
	out := map[string]bool{}
	if len(changed) == 0 {
		return out
	}
	for page, ids := range p.read {
		for _, id := range ids {
			if changed[id] {
				out[page] = true
				break
			}
		}
	}
	return out
}

// Reset forgets every page: the next build renders them all.
func (p *Pages) Reset() { p.read = nil }

// Names lists the pages known.
func (p *Pages) Names() []string {
	out := make([]string, 0, len(p.read))
	for n := range p.read {
		out = append(out, n)
	}
	return out
}

// Fragments keeps rendered list rows (render.Fragments) with what each read. Within a build a row is rendered once
// for all the pages that show it; across a session's builds, while the versions of what it read are the same.
type Fragments struct {
	mu   sync.Mutex
	m    map[string]fragment
	vers Versions // this build's; nil for a one-off build, whose rows live for the build only
}

type fragment struct {
	html  template.HTML
	reads *render.Reads
	ids   []ID
	vers  []uint64 // the version of each of ids when the fragment was rendered
}

// current reports whether every input of the fragment has the version it was rendered with.
func (e *fragment) current(v Versions) bool {
	for i, id := range e.ids {
		if ver, ok := v[id]; !ok || ver != e.vers[i] {
			return false
		}
	}
	return true
}

// Begin starts a build with its versions (nil: a one-off build; the cache starts empty).
func (f *Fragments) Begin(v Versions) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if v == nil || f.m == nil {
		f.m = map[string]fragment{}
	}
	f.vers = v
}

// Get implements render.Fragments.
func (f *Fragments) Get(key string, mk func() (template.HTML, *render.Reads, error)) (template.HTML, *render.Reads, error) {
	f.mu.Lock()
	e, ok := f.m[key]
	v := f.vers
	f.mu.Unlock()
	if ok && (v == nil || e.current(v)) {
		return e.html, e.reads, nil
	}
	h, r, err := mk()
	if err != nil {
		return "", nil, err
	}
	e = fragment{html: h, reads: r}
	if v != nil {
		e.ids = IDs(r)
		e.vers = make([]uint64, len(e.ids))
		for i, id := range e.ids {
			e.vers[i] = v[id]
		}
	}
	f.mu.Lock()
	f.m[key] = e
	f.mu.Unlock()
	return h, r, nil
}
