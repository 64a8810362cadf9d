package generator

import (
	"net/url"
	"sort"
	"strings"
	"time"
)

// ActionRow is one action item on the dashboard, with the incident it came from and its state at the build date.
type ActionRow struct {
	ActionItem
	Incident    *Postmortem
	OwnerKey    string   // normalised owner, for filtering: "Platform team" and "platform  team" are one owner
	TeamKeys    string   // "|slug|slug|" of the incident's teams, so the filter can match whole slugs
	TicketURL   string   // the ticket when it is an http(s) URL
	Overdue     bool     // unfinished and due before the build date
	DaysOverdue int      // whole days past due, when overdue
	index       int      // position in its incident, for a stable order
	day         string   // the build day, which Overdue and DaysOverdue depend on
	teams       []string // team slugs
}

// Unfinished reports whether the item still needs work (open or in progress).
func (r *ActionRow) Unfinished() bool { return r.Status == "open" || r.Status == "in-progress" }

// maxClosedActions is how many done (and won't-fix) items /actions/ lists.
const maxClosedActions = 300

// ActionGroup is the action items of one status.
type ActionGroup struct {
	Status string
	Label  string
	Total  int // items with this status; Items may hold only the most recent of a closed status
	Items  []*ActionRow
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
	Today                                           time.Time // the build date in the site's zone, as a day
	Groups                                          []ActionGroup
	Total, Open, InProgress, Done, WontFix, Overdue int
	// CompletionPct is done ÷ (all − won't fix) in percent: a won't-fix is a decision that closes an item without
	// work, so it counts neither for nor against. HasCompletion is false when nothing is left to count.
	CompletionPct int
	HasCompletion bool
	Oldest        *ActionRow // the unfinished item of the earliest incident
	Owners, Teams []*ActionTally
}

// statusLabels are the headings of the status groups.
var statusLabels = map[string]string{"open": "Open", "in-progress": "In progress", "done": "Done", "wontfix": "Won't fix"}

// noOwner and noTeam name the tallies of items nobody owns: unowned work is the first thing a review should see.
// nobody is their filter key; the select's "all" is the empty value, and no slug or normalised owner is a lone dash
// (an owner written "-" means nobody anyway).
const (
	noOwner = "(no owner)"
	noTeam  = "(no team)"
	nobody  = "-"
)

// today is the build date's calendar day in the site's zone, comparable with Postmortem.Date and ActionItem.Due.
func (s *Site) today() time.Time {
	t := s.BuildDate
	if t.IsZero() {
		t = time.Now()
	}
	return day(t.In(s.Config.Location()))
}

func daysBetween(from, to time.Time) int { return int(to.Sub(from).Hours() / 24) }

// ownerKey normalises an owner's name for grouping: case and spacing differences are one owner.
func ownerKey(owner string) string {
	if k := strings.ToLower(strings.Join(strings.Fields(owner), " ")); k != "" {
		return k
	}
	return nobody
}

// ticketURL returns the ticket when it is an absolute http(s) URL, so plain ids ("OPS-12") stay text.
func ticketURL(t string) string {
	t = strings.TrimSpace(t)
	if len(t) < 7 || !strings.EqualFold(t[:4], "http") {
		return "" // most tickets are ids: not worth a parse
	}
	u, err := url.Parse(t)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return ""
	}
	return u.String()
}

// actionRows lists every action item of every listed incident with its state on the build date.
func (s *Site) actionRows() []*ActionRow {
	today := s.today()
	day := today.Format("2006-01-02")
	var rows []*ActionRow
	slugs := map[string]string{}  // team name -> slug: a few dozen teams, named on thousands of incidents
	owners := map[string]string{} // owner as written -> ownerKey: the same few hundred people own most items
	for _, p := range s.Incidents {
		var teams []string
		for _, t := range p.Teams {
			slug, ok := slugs[t]
			if !ok {
				slug = Slugify(t)
				slugs[t] = slug
			}
			if slug != "" && !contains(teams, slug) {
				teams = append(teams, slug)
			}
		}
		for i, a := range p.ActionItems {
			key, ok := owners[a.Owner]
			if !ok {
				key = ownerKey(a.Owner)
				owners[a.Owner] = key
			}
			r := &ActionRow{ActionItem: a, Incident: p, OwnerKey: key, TicketURL: ticketURL(a.Ticket), index: i,
				teams: teams, day: day}
			r.TeamKeys = "|" + nobody + "|"
			if len(teams) > 0 {
				r.TeamKeys = "|" + strings.Join(teams, "|") + "|"
			}
			if r.Unfinished() && !a.Due.IsZero() && a.Due.Before(today) {
				r.Overdue, r.DaysOverdue = true, daysBetween(a.Due, today)
			}
			rows = append(rows, r)
		}
	}
	return rows
}

// actionsData is what layouts/actions.html receives as .Data (the action-item dashboard).
func (s *Site) actionsData() any {
	rows := s.actionRows()
	d := &ActionsData{Today: s.today(), Total: len(rows)}
	byStatus := map[string][]*ActionRow{}
	owners := map[string]*ActionTally{}
	ownerSpellings := map[string]map[string]int{}
	teams := map[string]*ActionTally{}
	teamNames := map[string]string{}
	for _, t := range s.Teams {
		teamNames[t.Slug] = t.Name
	}
	tally := func(m map[string]*ActionTally, key, name string, r *ActionRow) {
		t := m[key]
		if t == nil {
			t = &ActionTally{Key: key, Name: name}
			m[key] = t
		}
		t.N++
		switch r.Status {
		case "open":
			t.Open++
		case "in-progress":
			t.InProgress++
		case "done":
			t.Done++
		case "wontfix":
			t.WontFix++
		}
		if r.Overdue {
			t.Overdue++
		}
	}
	for _, r := range rows {
		byStatus[r.Status] = append(byStatus[r.Status], r)
		switch r.Status {
		case "open":
			d.Open++
		case "in-progress":
			d.InProgress++
		case "done":
			d.Done++
		case "wontfix":
			d.WontFix++
		}
		if r.Overdue {
			d.Overdue++
		}
		if r.Unfinished() && (d.Oldest == nil || olderItem(r, d.Oldest)) {
			d.Oldest = r
		}
		if ownerSpellings[r.OwnerKey] == nil {
			ownerSpellings[r.OwnerKey] = map[string]int{}
		}
		ownerSpellings[r.OwnerKey][strings.Join(strings.Fields(r.Owner), " ")]++
		tally(owners, r.OwnerKey, "", r)
		if len(r.teams) == 0 {
			tally(teams, nobody, noTeam, r)
		}
		for _, slug := range r.teams {
			tally(teams, slug, teamNames[slug], r)
		}
	}
	if n := d.Total - d.WontFix; n > 0 {
		d.HasCompletion = true
		d.CompletionPct = int(float64(d.Done)/float64(n)*100 + 0.5)
	}
	for _, st := range ActionStatuses {
		items := byStatus[st]
		if len(items) == 0 {
			continue
		}
		if st == "open" || st == "in-progress" {
			sort.SliceStable(items, func(i, j int) bool { return dueFirst(items[i], items[j]) })
		}
		// Done and won't fix keep the incidents' order (newest first): recent closures are what readers look for.
		// Only the most recent closed items are listed: a large library has tens of thousands, and the page is about
		// what is still open. Every item stays on its incident's page and in incidents.json.
		g := ActionGroup{Status: st, Label: statusLabels[st], Total: len(items), Items: items}
		if (st == "done" || st == "wontfix") && len(items) > maxClosedActions {
			g.Items = items[:maxClosedActions]
		}
		d.Groups = append(d.Groups, g)
	}
	for key, t := range owners {
		t.Name = mostCommon(ownerSpellings[key])
		if key == nobody {
			t.Name = noOwner
		}
	}
	d.Owners = sortTallies(owners)
	d.Teams = sortTallies(teams)
	return d
}

// dueFirst orders unfinished items by due date (most overdue first, no due date last), then oldest incident.
func dueFirst(a, b *ActionRow) bool {
	if a.Due.IsZero() != b.Due.IsZero() {
		return b.Due.IsZero()
	}
	if !a.Due.Equal(b.Due) {
		return a.Due.Before(b.Due)
	}
	if !a.Incident.Date.Equal(b.Incident.Date) {
		return a.Incident.Date.Before(b.Incident.Date)
	}
	if a.Incident.Slug != b.Incident.Slug {
		return a.Incident.Slug < b.Incident.Slug
	}
	return a.index < b.index
}

// olderItem compares unfinished items by age: the earlier incident first, then the earlier due date.
func olderItem(a, b *ActionRow) bool {
	if !a.Incident.Date.Equal(b.Incident.Date) {
		return a.Incident.Date.Before(b.Incident.Date)
	}
	return dueFirst(a, b)
}

func mostCommon(spellings map[string]int) string {
	best, n := "", -1
	for s, c := range spellings {
		if c > n || c == n && s < best {
			best, n = s, c
		}
	}
	return best
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

// TeamsByName lists the teams alphabetically, for the filter's select box.
func (d *ActionsData) TeamsByName() []*ActionTally { return byName(d.Teams) }

func byName(ts []*ActionTally) []*ActionTally {
	out := append([]*ActionTally(nil), ts...)
	sort.SliceStable(out, func(i, j int) bool {
		// The "nobody" entries go last, after every real name.
		if (out[i].Key == nobody) != (out[j].Key == nobody) {
			return out[j].Key == nobody
		}
		return strings.ToLower(out[i].Name) < strings.ToLower(out[j].Name)
	})
	return out
}
