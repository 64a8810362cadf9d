package render

import "github.com/secondstory/secondstory/generator/graph"

// Part is a part of an incident a page can read. A body edit changes Body only, so the lists that show the
// incident's title are not rendered again; a new backlink changes Links only.
type Part uint8

const (
	Front Part = 1 << iota // what the file's frontmatter says (and what was inferred): title, date, lists, …
	Body                   // the rendered body: HTML, text, headings, words
	Links                  // what the graph derived: backlinks, related, similar, terms
)

// TermPart is a part of a term a page can read: its name and description, or its members.
type TermPart uint8

const (
	TermHead    TermPart = 1 << iota // kind, slug, name, description
	TermMembers                      // incidents, co-factors, related terms, severities
)

// Aspect is something of the whole site a page can read.
type Aspect uint16

const (
	Config         Aspect = 1 << iota // the configuration and the build's options
	Day                               // the build date's day
	ListIncidents                     // which incidents are listed, in which order
	ListFactors                       // the lists of terms, in their order
	ListTags                          //
	ListServices                      //
	ListTeams                         //
	ListSeverities                    //
	ListYears                         //
	AllFront                          // the Front of every listed incident
	AllBody                           // the Body of every listed incident
	AllLinks                          // the Links of every listed incident
	AllTerms                          // every part of every term
)

// Reads is what rendering one page read of the site: recorded while the templates run, through the views they
// are given, so a page's inputs are known whatever the theme shows. Incidents are named by their source file and
// terms by kind/slug, so what a page read means the same in the next build. The incremental layer renders a page
// again only when something it read changed.
type Reads struct {
	Incidents map[string]Part
	Terms     map[string]TermPart
	Site      Aspect
}

// NewReads is an empty record.
func NewReads() *Reads {
	return &Reads{Incidents: map[string]Part{}, Terms: map[string]TermPart{}}
}

func (r *Reads) incident(in *graph.Incident, p Part) {
	if r.Incidents[in.Source]&p != p {
		r.Incidents[in.Source] |= p
	}
}

func (r *Reads) term(t *graph.Term, p TermPart) {
	if t == nil {
		return
	}
	key := t.Kind + "/" + t.Slug
	if r.Terms[key]&p != p {
		r.Terms[key] |= p
	}
}

// Add records what another rendering read (a fragment taken from a cache), as read by this one.
func (r *Reads) Add(o *Reads) {
	for k, p := range o.Incidents {
		r.Incidents[k] |= p
	}
	for k, p := range o.Terms {
		r.Terms[k] |= p
	}
	r.Site |= o.Site
}
