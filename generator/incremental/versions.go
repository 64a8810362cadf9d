package incremental

import (
	"encoding/json"
	"slices"
	"strings"

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

// ID names something a page read, stably across builds: an incident part by its source file, a term part by its
// kind and slug, an aspect of the site.
type ID struct {
	Kind byte // 'i' incident, 't' term, 's' site
	Part uint16
	Name string
}

// Versions are the versions of everything a page can read, in one build.
type Versions struct {
	incident map[string][3]uint64 // source -> Front, Body, Links
	term     map[string][2]uint64 // kind/slug -> head, members
	site     map[render.Aspect]uint64
	theme    uint64
}

// NewVersions computes the versions of a site's parts. front and body give an incident's Front and Body versions
// (kept with its file, so computed once per change); config stands for the configuration and the build's options,
// theme for the theme's files; every page key includes it.
func NewVersions(s *graph.Site, front, body func(*graph.Incident) uint64, config, theme uint64) *Versions {
	v := &Versions{incident: make(map[string][3]uint64, len(s.Incidents)), term: map[string][2]uint64{},
		site: map[render.Aspect]uint64{}, theme: theme}
	var all [3]Key
	var list Key
	for _, in := range s.Incidents {
		ver := [3]uint64{front(in), body(in), linksVersion(in)}
		v.incident[in.Source] = ver
		for i := range all {
			all[i].U64(ver[i])
		}
		list.Str(in.Source)
	}
	v.site[render.AllFront], v.site[render.AllBody], v.site[render.AllLinks] = all[0].Sum(), all[1].Sum(), all[2].Sum()
	v.site[render.ListIncidents] = list.Sum()
	var allTerms Key
	for _, l := range []struct {
		a     render.Aspect
		terms []*graph.Term
	}{{render.ListFactors, s.Factors}, {render.ListTags, s.Tags}, {render.ListServices, s.Services},
		{render.ListTeams, s.Teams}, {render.ListSeverities, s.Severities}, {render.ListYears, s.Years}} {
		var k Key
		for _, t := range l.terms {
			ver := termVersions(t)
			v.term[t.Kind+"/"+t.Slug] = ver
			k.Str(t.Slug)
			allTerms.U64(ver[0]).U64(ver[1])
		}
		v.site[l.a] = k.Sum()
	}
	v.site[render.AllTerms] = allTerms.Sum()
	v.site[render.Config] = config
	var day Key
	v.site[render.Day] = day.Str(s.BuildDate.In(s.Config.Location()).Format("2006-01-02")).Sum()
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

func termVersions(t *graph.Term) [2]uint64 {
	var head, members Key
	head.Str(t.Kind).Str(t.Slug).Str(t.Name).Str(string(t.Description)).Str(t.Source)
	for _, in := range t.Incidents {
		members.Str(in.Source)
	}
	for _, l := range [][]graph.TermCount{t.CoFactors, t.Related, t.Severities} {
		members.U64(0)
		for _, c := range l {
			members.Str(c.Term.Kind + "/" + c.Term.Slug).U64(uint64(c.Count))
		}
	}
	return [2]uint64{head.Sum(), members.Sum()}
}

// Key turns what a page read into the IDs to keep and the page's key.
func (v *Versions) Key(layout string, r *render.Reads) ([]ID, uint64) {
	ids := make([]ID, 0, len(r.Incidents)+len(r.Terms)+4)
	for in, parts := range r.Incidents {
		ids = append(ids, ID{'i', uint16(parts), in.Source})
	}
	for t, parts := range r.Terms {
		ids = append(ids, ID{'t', uint16(parts), t.Kind + "/" + t.Slug})
	}
	ids = append(ids, ID{'s', uint16(r.Site), layout})
	slices.SortFunc(ids, func(a, b ID) int {
		if a.Kind != b.Kind {
			return int(a.Kind) - int(b.Kind)
		}
		return strings.Compare(a.Name, b.Name)
	})
	return ids, v.Check(ids)
}

// Check is the key of a page that read ids, with this build's versions; 0 when something it read is gone.
func (v *Versions) Check(ids []ID) uint64 {
	var k Key
	k.U64(v.theme)
	for _, id := range ids {
		k.U64(uint64(id.Kind)).U64(uint64(id.Part)).Str(id.Name)
		switch id.Kind {
		case 'i':
			ver, ok := v.incident[id.Name]
			if !ok {
				return 0
			}
			for i, p := range []render.Part{render.Front, render.Body, render.Links} {
				if render.Part(id.Part)&p != 0 {
					k.U64(ver[i])
				}
			}
		case 't':
			ver, ok := v.term[id.Name]
			if !ok {
				return 0
			}
			for i, p := range []render.TermPart{render.TermHead, render.TermMembers} {
				if render.TermPart(id.Part)&p != 0 {
					k.U64(ver[i])
				}
			}
		case 's':
			for a := render.Aspect(1); a != 0 && a <= render.AllTerms; a <<= 1 {
				if render.Aspect(id.Part)&a != 0 {
					k.U64(v.site[a])
				}
			}
		}
	}
	return k.Sum()
}

// Page is a page's output state: what it read, and its key when it was written.
type Page struct {
	IDs []ID
	Key uint64
}
