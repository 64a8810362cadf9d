package render

import "github.com/secondstory/secondstory/generator/graph"

// What the external tests (package render_test, which build whole sites) reach of the render stage's internals.

// ViewOf is the view of s that templates get, recording into a fresh Reads.
func ViewOf(s *graph.Site) Site { return Site{s, NewReads()} }

// TermView is the view of t within v.
func TermView(v Site, t *graph.Term) Term { return Term{t, v.r} }

// ReadsOf returns what v recorded.
func ReadsOf(v Site) *Reads { return v.r }

// ActionsDataOf is what /actions/ shows of s.
func ActionsDataOf(s *graph.Site) *ActionsData {
	r := NewReads()
	return actionsData(&Page{Site: Site{s, r}, r: r}).(*ActionsData)
}

// TopFactors is how many factors the stats page ranks.
const TopFactors = topFactors

// NoOwner and NoTeam name the tallies of unowned items.
const (
	NoOwner = noOwner
	NoTeam  = noTeam
)

// StatusLabel is the heading of a status group on /actions/.
func StatusLabel(status string) string { return statusLabels[status] }
