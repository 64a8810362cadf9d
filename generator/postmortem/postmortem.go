// Package postmortem is the PARSE stage: it turns one source file (frontmatter and Markdown) into a validated
// Postmortem, and a factors/ file into a catalogue Factor. Every schema problem is a positioned diagnostic, and all
// of a file's problems are reported at once.
package postmortem

import (
	"sort"
	"time"
)

// Postmortem is one incident write-up: the validated frontmatter, what was inferred, and the Markdown body. It is
// what the file says, and nothing derived from other files: the graph and render stages wrap it, never change it.
type Postmortem struct {
	Source   string `json:"source"`           // path relative to the source folder, forward slashes
	Bundle   string `json:"bundle,omitempty"` // the bundle folder when the postmortem is an index.md with assets
	Slug     string `json:"slug"`
	Title    string `json:"title"`
	Date     time.Time
	Summary  string
	Severity string // a configured id, upper case; "" when unset
	SevRank  int    // index among the configured severities; len(severities) when unset
	Status   string
	Authors  []string
	Services []string
	Teams    []string
	Tags     []string
	Factors  []FactorRef

	StartedAt, DetectedAt, MitigatedAt, ResolvedAt time.Time

	Timeline    []TimelineEntry
	ActionItems []ActionItem
	Related     []Ref
	Links       []Link
	Onboarding  *bool
	Extra       map[string]any // unknown keys, kept for incidents.json

	// Mentions are the items of a "Contributing factors" section of a file whose frontmatter names no factor; the
	// build makes those that name a catalogue factor its Factors.
	Mentions []FactorMention `json:"mentions,omitempty"`
	// Inferred lists what the file did not state and where it was taken from (infer.go).
	Inferred []Inferred `json:"inferred,omitempty"`
	// PDF is the path of the PDF file when the postmortem is a PDF export with no Markdown beside it (pdf.go);
	// PDFText its text, for search ("" when it could not be read).
	PDF     string `json:"pdf,omitempty"`
	PDFText string `json:"pdf_text,omitempty"`

	// Markdown is the body; BodyLine the file line it starts on.
	Markdown []byte `json:"-"`
	BodyLine int    `json:"-"`

	// SummaryLine and SummaryCol locate the summary's first character, for lint findings (0: unknown).
	SummaryLine, SummaryCol int `json:"-"`
}

// FactorRef is one contributing factor as written in a postmortem.
type FactorRef struct {
	Name        string
	Description string
	Line, Col   int
}

// TimelineEntry is one moment of the incident: what people saw and did.
type TimelineEntry struct {
	At     time.Time
	HasAt  bool
	Text   string
	Actor  string
	Line   int // where Text starts (the entry's position when it has no text)
	Column int // 0 when unknown
}

// ActionItem is a follow-up with an owner and a state.
type ActionItem struct {
	Title  string
	Owner  string
	Due    time.Time
	Status string // one of ActionStatuses; "unknown" for a bullet found in the body with no state
	Ticket string
	Line   int
}

// Ref is a link to another postmortem or factor, positioned for error messages.
type Ref struct {
	Slug   string
	Factor bool
	Line   int
	Col    int
}

// Link is an external or intranet link listed in the frontmatter.
type Link struct {
	Title string `json:"title"`
	URL   string `json:"url"`
}

// Statuses a postmortem can have; drafts are left out of a build unless it asks for them.
const (
	StatusDraft     = "draft"
	StatusInReview  = "in-review"
	StatusPublished = "published"
)

// ActionStatuses are the action item states a frontmatter may set, in the order pages list them. An item found in
// a body without a state has StatusUnknown.
var ActionStatuses = []string{"open", "in-progress", "done", "wontfix"}

// Durations derived from the timestamps; zero when a timestamp is missing.
func (p *Postmortem) TimeToDetect() time.Duration   { return span(p.StartedAt, p.DetectedAt) }
func (p *Postmortem) TimeToMitigate() time.Duration { return span(p.StartedAt, p.MitigatedAt) }
func (p *Postmortem) TimeToResolve() time.Duration  { return span(p.DetectedAt, p.ResolvedAt) }
func (p *Postmortem) Duration() time.Duration       { return span(p.StartedAt, p.ResolvedAt) }

func span(from, to time.Time) time.Duration {
	if from.IsZero() || to.IsZero() {
		return 0
	}
	return to.Sub(from)
}

// URL is the page's path relative to the site root.
func (p *Postmortem) URL() string { return "incidents/" + p.Slug + "/" }

// ActionsDone counts the action items that are done.
func (p *Postmortem) ActionsDone() int {
	n := 0
	for _, a := range p.ActionItems {
		if a.Status == "done" {
			n++
		}
	}
	return n
}

// Sort orders newest first, then by slug, so equal days are stable.
func Sort[T interface{ Key() (time.Time, string) }](ps []T) {
	sort.SliceStable(ps, func(i, j int) bool {
		di, si := ps[i].Key()
		dj, sj := ps[j].Key()
		if !di.Equal(dj) {
			return di.After(dj)
		}
		return si < sj
	})
}

// Refs are the contributing factors as the postmortem names them.
func (p *Postmortem) Refs() []FactorRef { return p.Factors }

// Key is what Sort orders by.
func (p *Postmortem) Key() (time.Time, string) { return p.Date, p.Slug }

// Day is the calendar day of t in t's own zone, as a UTC midnight: days compare and print without zone surprises.
func Day(t time.Time) time.Time { return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC) }
