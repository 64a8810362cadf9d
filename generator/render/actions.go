package render

import (
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/secondstory/secondstory/generator/graph"
	"github.com/secondstory/secondstory/generator/postmortem"
)

// ActionRow is one action item on the dashboard, with the incident it came from and its state on the build date.
type ActionRow struct {
	postmortem.ActionItem
	Incident    Incident
	OwnerKey    string // normalised owner, for filtering: "Platform team" and "platform  team" are one owner
	TeamKeys    string // "|slug|slug|" of the incident's teams, so the filter can match whole slugs
	TicketURL   string
	Overdue     bool // unfinished and due before the build date
	DaysOverdue int
	index       int
	teams       []string
	date        time.Time
	slug        string
	slugSource  string // the incident's source file: names the row in the fragment cache
}

// Unfinished reports whether the item still needs work.
func (r *ActionRow) Unfinished() bool { return r.Status == "open" || r.Status == "in-progress" }

// maxClosedActions is how many done (and won't-fix) items /actions/ lists: the page is about what is still open.
const maxClosedActions = 300

// ActionGroup is the action items of one status.
type ActionGroup struct {
	Status, Label string
	Total         int // items with this status; Items may hold only the most recent of a closed status
	Items         []*ActionRow
}

// ActionTally counts the items of one owner or team.
type ActionTally struct {
	Key, Name                                   string
	Open, InProgress, Done, WontFix, Overdue, N int
}

// Unfinished is open plus in progress.
func (t *ActionTally) Unfinished() int { return t.Open + t.InProgress }

// ActionsData is what layouts/actions.html receives as .Data.
type ActionsData struct {
	Today                                                    time.Time
	Groups                                                   []ActionGroup
	Total, Open, InProgress, Done, WontFix, Unknown, Overdue int
	// CompletionPct is done ÷ (all − won't fix): a won't-fix is a decision, so it counts neither way.
	CompletionPct int
	HasCompletion bool
	Oldest        *ActionRow
	Owners, Teams []*ActionTally
}

var statusLabels = map[string]string{"open": "Open", "in-progress": "In progress", "done": "Done", "wontfix": "Won't fix", "unknown": "Status not stated"}

// noOwner and noTeam name the tallies of items nobody owns: unowned work is the first thing a review should see.
const (
	noOwner = "(no owner)"
	noTeam  = "(no team)"
	nobody  = "-"
)

// Today is the build date's calendar day in the site's zone, comparable with incident dates and due dates.
func (v Site) Today() time.Time {
	v.r.Site |= Day | Config
	t := v.s.BuildDate
	if t.IsZero() {
		t = time.Now()
	}
	return postmortem.Day(t.In(v.s.Config.Location()))
}

func ownerKey(owner string) string {
	if k := strings.ToLower(strings.Join(strings.Fields(owner), " ")); k != "" {
		return k
	}
	return nobody
}

// ticketURL links a ticket: through the site's ticket_url pattern when the ticket is an id, or as itself when it is
// an http(s) URL.
func ticketURL(pattern, t string) string {
	t = strings.TrimSpace(t)
	if u, err := url.Parse(t); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
		return u.String()
	}
	if pattern == "" || t == "" || strings.ContainsAny(t, " \t/") {
		return ""
	}
	return strings.ReplaceAll(pattern, "{ticket}", url.PathEscape(t))
}

// statusCounts are the items of each status, and those overdue.
type statusCounts struct{ Open, InProgress, Done, WontFix, Unknown, Overdue, N int }

func (c *statusCounts) add(r *ActionRow) {
	c.N++
	switch r.Status {
	case "open":
		c.Open++
	case "in-progress":
		c.InProgress++
	case "done":
		c.Done++
	case "wontfix":
		c.WontFix++
	default:
		c.Unknown++
	}
	if r.Overdue {
		c.Overdue++
	}
}

// tallies count items by owner or by team.
type tallies map[string]*ActionTally

func (m tallies) add(key, name string, r *ActionRow) {
	t := m[key]
	if t == nil {
		t = &ActionTally{Key: key, Name: name}
		m[key] = t
	}
	var c statusCounts
	c.add(r)
	t.N++
	t.Open += c.Open
	t.InProgress += c.InProgress
	t.Done += c.Done
	t.WontFix += c.WontFix
	t.Overdue += c.Overdue
}

// actionRows lists every action item of the listed incidents with its state on the build date.
func actionRows(s Site, today time.Time) []*ActionRow {
	cfg := s.s.Config
	var rows []*ActionRow
	for _, in := range s.s.Incidents {
		var slugs []string
		for _, t := range in.TeamTerms {
			slugs = append(slugs, t.Slug)
		}
		teamKeys := "|" + nobody + "|"
		if len(slugs) > 0 {
			teamKeys = "|" + strings.Join(slugs, "|") + "|"
		}
		for i, a := range in.ActionItems {
			r := &ActionRow{ActionItem: a, Incident: Incident{in, s.r}, OwnerKey: ownerKey(a.Owner), TeamKeys: teamKeys,
				TicketURL: ticketURL(cfg.TicketURL, a.Ticket), index: i, teams: slugs, date: in.Date, slug: in.Slug, slugSource: in.Source}
			if r.Unfinished() && !a.Due.IsZero() && a.Due.Before(today) {
				r.Overdue, r.DaysOverdue = true, int(today.Sub(a.Due).Hours()/24)
			}
			rows = append(rows, r)
		}
	}
	return rows
}

func actionsData(p *Page) any {
	s := p.Site
	s.r.Site |= AllFront | ListIncidents | ListTeams
	d := &ActionsData{Today: s.Today()}
	byStatus := map[string][]*ActionRow{}
	owners, teams := tallies{}, tallies{}
	spellings := map[string]map[string]int{}
	teamNames := map[string]string{}
	for _, t := range s.s.Teams {
		teamNames[t.Slug] = t.Name
	}
	var all statusCounts
	for _, r := range actionRows(s, d.Today) {
		all.add(r)
		byStatus[r.Status] = append(byStatus[r.Status], r)
		if r.Unfinished() && (d.Oldest == nil || olderItem(r, d.Oldest)) {
			d.Oldest = r
		}
		if spellings[r.OwnerKey] == nil {
			spellings[r.OwnerKey] = map[string]int{}
		}
		spellings[r.OwnerKey][strings.Join(strings.Fields(r.Owner), " ")]++
		owners.add(r.OwnerKey, "", r)
		if len(r.teams) == 0 {
			teams.add(nobody, noTeam, r)
		}
		for _, slug := range r.teams {
			teams.add(slug, teamNames[slug], r)
		}
	}
	d.Total, d.Open, d.InProgress, d.Done, d.WontFix, d.Unknown, d.Overdue = all.N, all.Open, all.InProgress, all.Done, all.WontFix, all.Unknown, all.Overdue
	if n := d.Total - d.WontFix - d.Unknown; n > 0 {
		d.HasCompletion = true
		d.CompletionPct = int(float64(d.Done)/float64(n)*100 + 0.5)
	}
	d.Groups = actionGroups(byStatus)
	for key, t := range owners {
		t.Name = graph.MostUsed(spellings[key])
		if key == nobody {
			t.Name = noOwner
		}
	}
	d.Owners, d.Teams = sortTallies(owners), sortTallies(teams)
	return d
}

// actionGroups orders the items of each status: unfinished ones by due date; done and won't fix keep the
// incidents' order (newest first: recent closures are what readers look for), only the most recent listed.
func actionGroups(byStatus map[string][]*ActionRow) []ActionGroup {
	var groups []ActionGroup
	for _, st := range append(postmortem.ActionStatuses, "unknown") {
		items := byStatus[st]
		if len(items) == 0 {
			continue
		}
		if st == "open" || st == "in-progress" {
			sort.SliceStable(items, func(i, j int) bool { return dueFirst(items[i], items[j]) })
		}
		g := ActionGroup{Status: st, Label: statusLabels[st], Total: len(items), Items: items}
		if (st == "done" || st == "wontfix") && len(items) > maxClosedActions {
			g.Items = items[:maxClosedActions]
		}
		groups = append(groups, g)
	}
	return groups
}

// dueFirst orders unfinished items by due date (no due date last), then oldest incident.
func dueFirst(a, b *ActionRow) bool {
	if a.Due.IsZero() != b.Due.IsZero() {
		return b.Due.IsZero()
	}
	if !a.Due.Equal(b.Due) {
		return a.Due.Before(b.Due)
	}
	if !a.date.Equal(b.date) {
		return a.date.Before(b.date)
	}
	if a.slug != b.slug {
		return a.slug < b.slug
	}
	return a.index < b.index
}

func olderItem(a, b *ActionRow) bool {
	if !a.date.Equal(b.date) {
		return a.date.Before(b.date)
	}
	return dueFirst(a, b)
}

// sortTallies puts whoever has the most overdue work first, then the most unfinished, then the most items.
func sortTallies(m map[string]*ActionTally) []*ActionTally {
	out := make([]*ActionTally, 0, len(m))
	for _, t := range m {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Overdue != b.Overdue {
			return a.Overdue > b.Overdue
		}
		if a.Unfinished() != b.Unfinished() {
			return a.Unfinished() > b.Unfinished()
		}
		if a.N != b.N {
			return a.N > b.N
		}
		return strings.ToLower(a.Name) < strings.ToLower(b.Name)
	})
	return out
}

// OwnersByName lists the owners alphabetically, for the filter's select box.
func (d *ActionsData) OwnersByName() []*ActionTally { return byName(d.Owners) }

// TeamsByName lists the teams alphabetically.
func (d *ActionsData) TeamsByName() []*ActionTally { return byName(d.Teams) }

func byName(ts []*ActionTally) []*ActionTally {
	out := append([]*ActionTally(nil), ts...)
	sort.SliceStable(out, func(i, j int) bool {
		if (out[i].Key == nobody) != (out[j].Key == nobody) {
			return out[j].Key == nobody
		}
		return strings.ToLower(out[i].Name) < strings.ToLower(out[j].Name)
	})
	return out
}
