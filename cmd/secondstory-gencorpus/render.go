package main

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Placeholders understood by fill. A capitalised key ({Metric}) yields the
// same value with its first letter upper-cased. Unknown keys are copied
// verbatim, which keeps PromQL selectors and curl formats in code blocks
// intact.
//
//	svc svc2 (maybe in backticks) id id2 (never) svcname team region store metric tool person trigger
//	mitigation symptom flag host ver sev day start detected mitigated dur
//	total pct smallpct n n2 big ms ms2 mins mins2 stamp

type fmTimeline struct {
	At    string `json:"at"`
	Text  string `json:"text"`
	Actor string `json:"actor,omitempty"`
}

type fmAction struct {
	Title  string `json:"title"`
	Owner  string `json:"owner"`
	Due    string `json:"due"`
	Status string `json:"status"`
	Ticket string `json:"ticket"`
}

type fmFactor struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

type fmLink struct {
	Title string `json:"title"`
	URL   string `json:"url"`
}

// frontmatter is the neutral form every format is written from. JSON is
// encoded from it directly; the YAML writer keeps the same key order and
// TOML moves its arrays of tables last, as TOML requires.
type frontmatter struct {
	Title       string       `json:"title"`
	Slug        string       `json:"slug,omitempty"`
	Date        string       `json:"date"`
	Severity    string       `json:"severity"`
	Status      string       `json:"status,omitempty"`
	Summary     string       `json:"summary"`
	Authors     []string     `json:"authors"`
	Teams       []string     `json:"teams"`
	Services    []string     `json:"services"`
	Tags        []string     `json:"tags"`
	CF          any          `json:"contributing_factors"`
	StartedAt   string       `json:"started_at"`
	DetectedAt  string       `json:"detected_at,omitempty"`
	MitigatedAt string       `json:"mitigated_at,omitempty"`
	ResolvedAt  string       `json:"resolved_at"`
	Timeline    []fmTimeline `json:"timeline"`
	Actions     []fmAction   `json:"action_items"`
	Related     []string     `json:"related,omitempty"`
	Links       []fmLink     `json:"links,omitempty"`
	Onboarding  bool         `json:"onboarding,omitempty"`
	// Keys outside the contract, as real teams add them; consumers keep
	// and ignore them.
	Commander  string `json:"incident_commander,omitempty"`
	Tickets    int    `json:"customer_tickets,omitempty"`
	ReviewDate string `json:"review_date,omitempty"`

	factorNames []string
	factorMaps  []fmFactor
	tlTimes     []time.Time
}

// docWriter renders documents; one per goroutine, reused across documents.
type docWriter struct {
	p   *plan
	pcg *rand.PCG
	r   *rand.Rand

	inc        *incident
	idx        int
	out, body  bytes.Buffer
	scratch    bytes.Buffer
	tl, acts   bytes.Buffer
	table      bytes.Buffer
	code       bytes.Buffer
	sents      []string
	fm         frontmatter
	responders []string
	ticks      bool // service ids in backticks
	lastPerson string

	svc, svc2, svcname, team, region, store, metric string
	trig, mitig, flag, host, ver                    string
}

func newDocWriter(p *plan) *docWriter {
	d := &docWriter{p: p, pcg: rand.NewPCG(0, 0)}
	d.r = rand.New(d.pcg)
	return d
}

func (d *docWriter) pick(pool []string) string { return pool[d.r.IntN(len(pool))] }

func (d *docWriter) chance(p float64) bool { return d.r.Float64() < p }

// render returns the file for incident i and its body word count. The
// slice is valid until the next call.
func (d *docWriter) render(i int) ([]byte, int) {
	seed := d.p.cfg.Seed
	d.pcg.Seed(splitmix64(seed), splitmix64(seed^splitmix64(uint64(i)+1)))
	d.idx, d.inc = i, &d.p.incs[i]
	d.setup()
	d.buildFrontmatter()
	words := d.writeBody()

	d.out.Reset()
	switch d.inc.format {
	case fmtTOML:
		d.writeTOML()
	case fmtJSON:
		d.writeJSON()
	default:
		d.writeYAML()
	}
	d.out.Write(d.body.Bytes())
	return d.out.Bytes(), words
}

// setup fixes the per-document cast: services, people and the story.
func (d *docWriter) setup() {
	inc := d.inc
	s := services[inc.svcs[0]]
	d.svc, d.svcname, d.team = s.id, s.name, s.team
	if len(inc.svcs) > 1 {
		d.svc2 = services[inc.svcs[1]].id
	} else {
		d.svc2 = services[(inc.svcs[0]+1+d.r.IntN(len(services)-1))%len(services)].id
	}
	d.ticks = d.chance(0.3)
	d.region = d.pick(regions)
	d.store = d.pick(stores)
	d.metric = d.pick(metrics)
	d.flag = d.pick(flagNames)
	d.host = d.pick(hosts)
	d.ver = strconv.Itoa(1+d.r.IntN(9)) + "." + strconv.Itoa(d.r.IntN(30)) + "." + strconv.Itoa(d.r.IntN(12))
	d.responders = d.responders[:0]
	for _, k := range d.r.Perm(len(people))[:5+d.r.IntN(3)] {
		d.responders = append(d.responders, people[k])
	}
	d.lastPerson = d.responders[0]
	tr := triggers[inc.trig]
	d.trig = d.expand(tr.prose)
	d.mitig = d.expand(tr.mitigations[d.r.IntN(len(tr.mitigations))])
}

func (d *docWriter) expand(tpl string) string {
	d.scratch.Reset()
	d.fill(&d.scratch, tpl)
	return d.scratch.String()
}

func (d *docWriter) fill(b *bytes.Buffer, tpl string) {
	for {
		i := strings.IndexByte(tpl, '{')
		if i < 0 {
			b.WriteString(tpl)
			return
		}
		b.WriteString(tpl[:i])
		tpl = tpl[i:]
		j := 1
		for j < len(tpl) && isKeyByte(tpl[j]) {
			j++
		}
		if j < len(tpl) && tpl[j] == '}' {
			if v, ok := d.value(tpl[1:j]); ok {
				b.WriteString(v)
				tpl = tpl[j+1:]
				continue
			}
		}
		b.WriteByte('{')
		tpl = tpl[1:]
	}
}

func isKeyByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func (d *docWriter) value(key string) (string, bool) {
	if key != "" && key[0] >= 'A' && key[0] <= 'Z' {
		v, ok := d.value(string(key[0]+'a'-'A') + key[1:])
		return capitalize(v), ok
	}
	inc, r := d.inc, d.r
	switch key {
	case "svc":
		return d.svcCode(d.svc), true
	case "svc2":
		return d.svcCode(d.svc2), true
	case "id":
		return d.svc, true
	case "id2":
		return d.svc2, true
	case "svcname":
		return d.svcname, true
	case "team":
		return d.team, true
	case "region":
		return d.region, true
	case "store":
		return d.store, true
	case "metric":
		return d.metric, true
	case "tool":
		return d.pick(tools), true
	case "person":
		d.lastPerson = d.responders[r.IntN(len(d.responders))]
		return d.lastPerson, true
	case "trigger":
		return d.trig, true
	case "mitigation":
		return d.mitig, true
	case "symptom":
		return symptoms[inc.symptom], true
	case "flag":
		return d.flag, true
	case "host":
		return d.host, true
	case "ver":
		return d.ver, true
	case "sev":
		return "SEV" + strconv.Itoa(inc.sev+1), true
	case "day":
		return inc.started.Format("Monday, 2 January 2006"), true
	case "start":
		return inc.started.Format("15:04"), true
	case "detected":
		return d.clock(inc.detected), true
	case "mitigated":
		return d.clock(inc.mitigated), true
	case "dur":
		return humanDuration(inc.mitigated.Sub(inc.started)), true
	case "total":
		return humanDuration(inc.resolved.Sub(inc.started)), true
	case "pct":
		return strconv.Itoa(5 + r.IntN(91)), true
	case "smallpct":
		return strconv.FormatFloat(0.2+float64(r.IntN(97))/10, 'f', 1, 64), true
	case "n":
		return strconv.Itoa(2 + r.IntN(39)), true
	case "n2":
		return strconv.Itoa(3 + r.IntN(23)), true
	case "big":
		// Log-uniform between about a thousand and a million.
		return thousands(int(1000 * pow10(3*r.Float64()))), true
	case "ms":
		return thousands(100 * (8 + r.IntN(293))), true
	case "ms2":
		return strconv.Itoa(80 + r.IntN(320)), true
	case "mins":
		return strconv.Itoa(3 + r.IntN(53)), true
	case "mins2":
		return strconv.Itoa(2 + r.IntN(14)), true
	case "stamp":
		span := max(inc.mitigated.Sub(inc.started), time.Second)
		t := inc.started.Add(time.Duration(r.Int64N(int64(span))))
		return t.Truncate(time.Second).Format(time.RFC3339), true
	}
	return "", false
}

// svcCode writes service ids as code spans in the documents whose authors
// prefer that style.
func (d *docWriter) svcCode(id string) string {
	if d.ticks {
		return "`" + id + "`"
	}
	return id
}

func pow10(x float64) float64 {
	v := 1.0
	for ; x >= 1; x-- {
		v *= 10
	}
	// Linear between integer powers is close enough for counts in prose.
	return v * (1 + 9*x)
}

// thousands formats 1234567 as "1,234,567", as a person writes it.
func thousands(v int) string {
	s := strconv.Itoa(v)
	if len(s) <= 3 {
		return s
	}
	var b strings.Builder
	pre := len(s) % 3
	if pre > 0 {
		b.WriteString(s[:pre])
	}
	for i := pre; i < len(s); i += 3 {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(s[i : i+3])
	}
	return b.String()
}

// clock formats a time relative to the incident's first day.
func (d *docWriter) clock(t time.Time) string {
	if sameDay(t, d.inc.started) {
		return t.Format("15:04")
	}
	return t.Format("15:04 on 2 January")
}

func sameDay(a, b time.Time) bool {
	return a.Year() == b.Year() && a.YearDay() == b.YearDay()
}

func humanDuration(dur time.Duration) string {
	m := int(dur.Minutes())
	plural := func(n int, unit string) string {
		if n == 1 {
			return "1 " + unit
		}
		return strconv.Itoa(n) + " " + unit + "s"
	}
	switch {
	case m < 60:
		return plural(max(m, 1), "minute")
	case m < 24*60:
		if m%60 == 0 {
			return plural(m/60, "hour")
		}
		return plural(m/60, "hour") + " " + plural(m%60, "minute")
	default:
		if h := (m / 60) % 24; h != 0 {
			return plural(m/(24*60), "day") + " " + plural(h, "hour")
		}
		return plural(m/(24*60), "day")
	}
}

const rfc3339 = "2006-01-02T15:04:05Z07:00"

func (d *docWriter) buildFrontmatter() {
	inc, r, fm := d.inc, d.r, &d.fm
	*fm = frontmatter{
		Timeline:    fm.Timeline[:0],
		Actions:     fm.Actions[:0],
		Authors:     fm.Authors[:0],
		Teams:       fm.Teams[:0],
		Services:    fm.Services[:0],
		Tags:        fm.Tags[:0],
		factorNames: fm.factorNames[:0],
		factorMaps:  fm.factorMaps[:0],
		tlTimes:     fm.tlTimes[:0],
	}
	fm.Title = inc.title
	if d.chance(0.15) {
		fm.Slug = inc.slug
	}
	fm.Date = inc.started.Format("2006-01-02")
	fm.Severity = "SEV" + strconv.Itoa(inc.sev+1)
	switch weighted(r, 1, 2, 7, 90) {
	case 0:
		fm.Status = "draft"
	case 1:
		fm.Status = "in-review"
	case 2:
		fm.Status = "published"
	}
	fm.Summary = d.expand(summaryPool[r.IntN(3)])
	if d.chance(0.6) {
		fm.Summary += " " + d.expand(summaryPool[3+r.IntN(3)])
	}
	nAuthors := 1 + weighted(r, 50, 35, 15)
	fm.Authors = append(fm.Authors, d.responders[:nAuthors]...)
	for _, s := range inc.svcs {
		fm.Services = append(fm.Services, services[s].id)
		if t := services[s].team; !slices.Contains(fm.Teams, t) {
			fm.Teams = append(fm.Teams, t)
		}
	}
	if inc.sev <= 1 && d.chance(0.5) {
		fm.Teams = append(fm.Teams, "SRE")
	}
	for _, t := range tagZipf.distinct(r, 3) {
		fm.Tags = append(fm.Tags, tags[t])
	}

	maps := d.chance(0.08)
	for _, f := range inc.factors {
		name := factors[f].name
		// A few documents still use an older spelling that the factor
		// page declares as an alias.
		if a := factors[f].aliases; len(a) > 0 && d.chance(0.03) {
			name = a[r.IntN(len(a))]
		}
		fm.factorNames = append(fm.factorNames, name)
		if maps {
			fm.factorMaps = append(fm.factorMaps, fmFactor{name, d.expand(factors[f].gist)})
		}
	}

	fm.StartedAt = inc.started.Format(rfc3339)
	if !d.chance(0.02) {
		fm.DetectedAt = inc.detected.Format(rfc3339)
	}
	if !d.chance(0.04) {
		fm.MitigatedAt = inc.mitigated.Format(rfc3339)
	}
	fm.ResolvedAt = inc.resolved.Format(rfc3339)

	d.buildTimeline()
	d.buildActions()

	for _, j := range inc.related {
		fm.Related = append(fm.Related, d.p.incs[j].slug)
	}
	if d.chance(0.2) {
		for _, k := range r.Perm(len(linkTitles))[:1+r.IntN(2)] {
			fm.Links = append(fm.Links, fmLink{linkTitles[k].title, d.expand(linkTitles[k].url)})
		}
	}
	fm.Onboarding = inc.sev <= 1 && d.chance(0.05)
	if d.chance(0.05) {
		switch r.IntN(3) {
		case 0:
			fm.Commander = d.responders[len(d.responders)-1]
		case 1:
			fm.Tickets = 1 + r.IntN(300)
		default:
			fm.ReviewDate = inc.resolved.AddDate(0, 0, 2+r.IntN(12)).Format("2006-01-02")
		}
	}
}

func (d *docWriter) buildTimeline() {
	inc, r, fm := d.inc, d.r, &d.fm
	k := min(4+r.IntN(5)+[]int{4, 2, 1, 0}[inc.sev], 12)
	short := sameDay(inc.started, inc.resolved) && d.chance(0.35)
	add := func(t time.Time, text, actor string) {
		at := t.Format(rfc3339)
		if short {
			at = t.Format("15:04")
		}
		if d.chance(0.1) {
			actor = ""
		}
		fm.Timeline = append(fm.Timeline, fmTimeline{at, text, actor})
		fm.tlTimes = append(fm.tlTimes, t)
	}
	ic := d.responders[r.IntN(len(d.responders))]

	add(inc.started, d.expand(d.pick(timelineStart)), "")
	d.lastPerson = ""
	text := d.expand(d.pick(timelineDetect))
	actor := d.lastPerson
	if actor == "" {
		actor = d.pick(tools[:3])
	}
	add(inc.detected, text, actor)

	// Intermediate entries fall between detection and mitigation; the
	// last one is the start of the mitigation when there is room.
	m := k - 4
	gap := int64(inc.mitigated.Sub(inc.detected) / time.Minute)
	times := make([]int64, m)
	for j := range times {
		times[j] = r.Int64N(gap + 1)
	}
	slices.Sort(times)
	perm := r.Perm(len(timelineInvestigate))
	for j, off := range times {
		t := inc.detected.Add(time.Duration(off) * time.Minute)
		d.lastPerson = ""
		var text string
		if j == m-1 {
			text = d.expand(d.pick(timelineMitigate))
		} else {
			text = d.expand(timelineInvestigate[perm[j%len(perm)]])
		}
		actor := d.lastPerson
		if actor == "" {
			actor = d.responders[r.IntN(len(d.responders))]
		}
		add(t, text, actor)
	}
	add(inc.mitigated, d.expand(d.pick(timelineMitigated)), ic)
	add(inc.resolved, d.expand(d.pick(timelineResolve)), ic)
}

func (d *docWriter) buildActions() {
	inc, r, fm := d.inc, d.r, &d.fm
	n := 1 + weighted(r, 10, 20, 25, 22, 13, 10)
	perm := r.Perm(len(actionPool))
	for j := range n {
		var a fmAction
		a.Title = d.expand(actionPool[perm[j]])
		if d.chance(0.75) {
			a.Owner = d.responders[r.IntN(len(d.responders))]
		} else {
			a.Owner = services[inc.svcs[r.IntN(len(inc.svcs))]].team
		}
		due := inc.resolved.AddDate(0, 0, 7+r.IntN(69))
		a.Due = due.Format("2006-01-02")
		// Items due long ago are mostly settled; recent ones mostly not.
		if due.Before(refDay.AddDate(0, 0, -60)) {
			a.Status = [...]string{"done", "wontfix", "open", "in-progress"}[weighted(r, 60, 20, 12, 8)]
		} else {
			a.Status = [...]string{"done", "wontfix", "open", "in-progress"}[weighted(r, 25, 5, 40, 30)]
		}
		prefix := teamTicketPrefix[services[inc.svcs[0]].team]
		num := strconv.Itoa(100 + r.IntN(9900))
		switch weighted(r, 60, 30, 10) {
		case 0:
			a.Ticket = prefix + "-" + num
		case 1:
			a.Ticket = "https://tracker.example.com/browse/" + prefix + "-" + num
		default:
			a.Ticket = "#" + num
		}
		fm.Actions = append(fm.Actions, a)
	}
}
