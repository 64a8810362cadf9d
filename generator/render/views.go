package render

import (
	"html/template"
	"time"

	"github.com/secondstory/secondstory/generator/config"
	"github.com/secondstory/secondstory/generator/graph"
	"github.com/secondstory/secondstory/generator/markdown"
	"github.com/secondstory/secondstory/generator/postmortem"
)

// The views are what templates see of the site: each accessor records what it reads (reads.go) before it answers,
// so the incremental layer knows every page's inputs without a key written by hand for the default theme.

// Site is the template's view of the whole site.
type Site struct {
	s *graph.Site
	r *Reads
}

// Config records the configuration.
func (v Site) Config() *config.Config { v.r.Site |= Config; return v.s.Config }

// BuildDate is the build's time; reading it makes the page depend on the build's day.
func (v Site) BuildDate() time.Time { v.r.Site |= Day; return v.s.BuildDate }

// Incidents lists the listed incidents, newest first.
func (v Site) Incidents() []Incident { v.r.Site |= ListIncidents; return incidents(v.s.Incidents, v.r) }

// Count is how many incidents are listed: a page that shows only the number does not depend on which ones.
func (v Site) Count() int { v.r.Site |= ListIncidents; return len(v.s.Incidents) }

// Factors, Tags, Services, Teams, Severities and Years list the taxonomies.
func (v Site) Factors() []Term    { v.r.Site |= ListFactors; return terms(v.s.Factors, v.r) }
func (v Site) Tags() []Term       { v.r.Site |= ListTags; return terms(v.s.Tags, v.r) }
func (v Site) Services() []Term   { v.r.Site |= ListServices; return terms(v.s.Services, v.r) }
func (v Site) Teams() []Term      { v.r.Site |= ListTeams; return terms(v.s.Teams, v.r) }
func (v Site) Severities() []Term { v.r.Site |= ListSeverities; return terms(v.s.Severities, v.r) }
func (v Site) Years() []Term      { v.r.Site |= ListYears; return terms(v.s.Years, v.r) }

// Incident returns the listed incident with that slug, or nil.
func (v Site) Incident(slug string) *Incident {
	v.r.Site |= ListIncidents
	if in := v.s.Incident(slug); in != nil {
		return &Incident{in, v.r}
	}
	return nil
}

// Incident is the template's view of one incident.
type Incident struct {
	in *graph.Incident
	r  *Reads
}

func incidents(l []*graph.Incident, r *Reads) []Incident {
	out := make([]Incident, len(l))
	for i, in := range l {
		out[i] = Incident{in, r}
	}
	return out
}

func (v Incident) front() *postmortem.Postmortem { v.r.incident(v.in, Front); return v.in.Postmortem }
func (v Incident) body() *markdown.Body          { v.r.incident(v.in, Body); return v.in.Body }
func (v Incident) links() *graph.Incident        { v.r.incident(v.in, Links); return v.in }

func (v Incident) Source() string                       { return v.front().Source }
func (v Incident) Bundle() string                       { return v.front().Bundle }
func (v Incident) Slug() string                         { return v.front().Slug }
func (v Incident) Title() string                        { return v.front().Title }
func (v Incident) Date() time.Time                      { return v.front().Date }
func (v Incident) Summary() string                      { return v.front().Summary }
func (v Incident) Severity() string                     { return v.front().Severity }
func (v Incident) SevRank() int                         { return v.front().SevRank }
func (v Incident) Status() string                       { return v.front().Status }
func (v Incident) Authors() []string                    { return v.front().Authors }
func (v Incident) Services() []string                   { return v.front().Services }
func (v Incident) Teams() []string                      { return v.front().Teams }
func (v Incident) Tags() []string                       { return v.front().Tags }
func (v Incident) StartedAt() time.Time                 { return v.front().StartedAt }
func (v Incident) DetectedAt() time.Time                { return v.front().DetectedAt }
func (v Incident) MitigatedAt() time.Time               { return v.front().MitigatedAt }
func (v Incident) ResolvedAt() time.Time                { return v.front().ResolvedAt }
func (v Incident) Timeline() []postmortem.TimelineEntry { return v.front().Timeline }
func (v Incident) ActionItems() []postmortem.ActionItem { return v.front().ActionItems }
func (v Incident) Links() []postmortem.Link             { return v.front().Links }
func (v Incident) Extra() map[string]any                { return v.front().Extra }
func (v Incident) URL() string                          { return v.front().URL() }
func (v Incident) TimeToDetect() time.Duration          { return v.front().TimeToDetect() }
func (v Incident) TimeToMitigate() time.Duration        { return v.front().TimeToMitigate() }
func (v Incident) TimeToResolve() time.Duration         { return v.front().TimeToResolve() }
func (v Incident) Duration() time.Duration              { return v.front().Duration() }
func (v Incident) ActionsDone() int                     { return v.front().ActionsDone() }
func (v Incident) Draft() bool                          { return v.front().Status == postmortem.StatusDraft }

// Factors are the incident's contributing factors as it names them, with the catalogue's term.
func (v Incident) Factors() []Factor {
	p, in := v.front(), v.links()
	out := make([]Factor, 0, len(p.Factors))
	for i, f := range p.Factors {
		out = append(out, Factor{Name: f.Name, Description: f.Description, Term: Term{in.Cited[i], v.r}})
	}
	return out
}

// Factor is a contributing factor as an incident names it.
type Factor struct {
	Name, Description string
	Term              Term
}

func (v Incident) HTML() template.HTML          { return v.body().HTML }
func (v Incident) Headings() []markdown.Heading { return v.body().Headings }
func (v Incident) Words() int                   { return v.body().Words }

func (v Incident) Backlinks() []Incident { return incidents(v.links().Backlinks, v.r) }
func (v Incident) RelatedTo() []Incident { return incidents(v.links().RelatedTo, v.r) }
func (v Incident) FactorTerms() []Term   { return terms(v.links().FactorTerms, v.r) }
func (v Incident) ServiceTerms() []Term  { return terms(v.links().ServiceTerms, v.r) }
func (v Incident) TagTerms() []Term      { return terms(v.links().TagTerms, v.r) }
func (v Incident) TeamTerms() []Term     { return terms(v.links().TeamTerms, v.r) }

// Similar lists the incidents that share the most contributing factors and services with this one.
func (v Incident) Similar() []Similarity {
	sims := v.links().Similar
	out := make([]Similarity, len(sims))
	for i, s := range sims {
		out[i] = Similarity{Incident: Incident{s.Incident, v.r}, Score: s.Score, Factors: terms(s.Factors, v.r), Services: terms(s.Services, v.r)}
	}
	return out
}

// Similarity is a similar incident and what it shares.
type Similarity struct {
	Incident          Incident
	Score             float64
	Factors, Services []Term
}

// Term is the template's view of a taxonomy term.
type Term struct {
	t *graph.Term
	r *Reads
}

func terms(l []*graph.Term, r *Reads) []Term {
	out := make([]Term, len(l))
	for i, t := range l {
		out[i] = Term{t, r}
	}
	return out
}

func (v Term) head() *graph.Term    { v.r.term(v.t, TermHead); return v.t }
func (v Term) members() *graph.Term { v.r.term(v.t, TermMembers); return v.t }

func (v Term) Kind() string               { return v.head().Kind }
func (v Term) Slug() string               { return v.head().Slug }
func (v Term) Name() string               { return v.head().Name }
func (v Term) Description() template.HTML { return v.head().Description }
func (v Term) Source() string             { return v.head().Source }
func (v Term) URL() string                { return v.head().URL() }
func (v Term) Incidents() []Incident      { return incidents(v.members().Incidents, v.r) }
func (v Term) Count() int                 { return len(v.members().Incidents) }

// Latest is the term's most recent incident, or nil.
func (v Term) Latest() *Incident {
	if l := v.members().Latest(); l != nil {
		return &Incident{l, v.r}
	}
	return nil
}

func (v Term) CoFactors() []TermCount  { return counts(v.members().CoFactors, v.r) }
func (v Term) Related() []TermCount    { return counts(v.members().Related, v.r) }
func (v Term) Severities() []TermCount { return counts(v.members().Severities, v.r) }

// TermCount is a term with how many incidents it shares with another.
type TermCount struct {
	Term  Term
	Count int
}

func counts(l []graph.TermCount, r *Reads) []TermCount {
	out := make([]TermCount, len(l))
	for i, c := range l {
		out[i] = TermCount{Term{c.Term, r}, c.Count}
	}
	return out
}

// YearGroup is a year of a list of incidents.
type YearGroup struct {
	Year      int
	Incidents []Incident
}

func byYear(l []*graph.Incident, r *Reads) []YearGroup {
	var out []YearGroup
	for _, g := range graph.ByYear(l) {
		out = append(out, YearGroup{g.Year, incidents(g.Incidents, r)})
	}
	return out
}

// Excerpt is the first sentence of the term's description as plain text, for one line of an index.
func (v Term) Excerpt() string { return excerpt(v.head().Description, 160) }

// Worst is the most severe severity among the term's incidents, "" when none has one.
func (v Term) Worst() string {
	if s := v.members().Severities; len(s) > 0 {
		return Term{s[0].Term, v.r}.Name()
	}
	return ""
}

// OpenActions counts the unfinished (open or in progress) action items of the term's incidents.
func (v Term) OpenActions() int {
	n := 0
	for _, in := range v.members().Incidents {
		v.r.incident(in, Front)
		for _, a := range in.ActionItems {
			if a.Status == "open" || a.Status == "in-progress" {
				n++
			}
		}
	}
	return n
}
