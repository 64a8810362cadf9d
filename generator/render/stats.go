package render

import (
	"fmt"
	"html/template"
	"math"
	"sort"
	"strconv"
	"time"

	"github.com/secondstory/secondstory/generator/graph"
	"github.com/secondstory/secondstory/generator/render/charts"
)

// stats is the site and the build's day, what /stats/ is drawn from.
type stats struct {
	*graph.Site
	today time.Time
}

// StatsData is what layouts/stats.html receives as .Data: every chart is rendered here, at build time.
type StatsData struct {
	Incidents   int
	First, Last time.Time
	Period      string // "month", "quarter" or "year": the bucket of the incidents chart
	Partial     bool   // the chart's last bucket holds the build date, so it is not over yet

	PerPeriod    template.HTML
	Factors      template.HTML
	FactorsShown int
	FactorsTotal int

	Durations                  []DurationStat
	DetectByYear, DetectHist   template.HTML
	ResolveByYear, ResolveHist template.HTML

	Completion       template.HTML
	CompletionPeriod string // "quarter" or "year"
}

// DurationStat is one row of the medians table.
type DurationStat struct {
	Name, Definition string
	N                int
	Median, P90      string
}

// pairWidth and pairHeight size the charts shown two abreast.
const pairWidth, pairHeight = 480, 300

// topFactors is how many factors the ranking shows; the rest are on the factors page.
const topFactors = 20

// Bucket spans: past about four years months get too thin to read, past fifteen quarters do.
const (
	maxMonths   = 48
	maxQuarters = 60
)

// period is a bucket of the calendar, "month", "quarter" or "year"; buckets are numbered so consecutive ones differ
// by one.
type period string

func (pd period) index(t time.Time) int {
	switch pd {
	case "month":
		return t.Year()*12 + int(t.Month()) - 1
	case "quarter":
		return t.Year()*4 + (int(t.Month())-1)/3
	}
	return t.Year()
}

func (pd period) label(i int) string {
	switch pd {
	case "month":
		return time.Month(i%12 + 1).String()[:3] + " " + strconv.Itoa(i/12)
	case "quarter":
		return fmt.Sprintf("%d Q%d", i/4, i%4+1)
	}
	return strconv.Itoa(i)
}

// periodFor picks the finest bucket that keeps the span readable.
func periodFor(from, to time.Time) period {
	months := (to.Year()*12 + int(to.Month())) - (from.Year()*12 + int(from.Month())) + 1
	switch {
	case months <= maxMonths:
		return "month"
	case (months+2)/3 <= maxQuarters:
		return "quarter"
	}
	return "year"
}

// statsData is what layouts/stats.html receives as .Data (charts rendered at build time).
func statsData(p *Page) any {
	// The factors chart shows every factor's name and count: a catalogue title (factors/*.md) is in no incident's
	// frontmatter, so the page reads the terms too.
	p.r.Site |= AllFront | ListIncidents | ListFactors | AllTerms | Day | Config
	s := &stats{p.Site.s, p.Site.Today()}
	d := &StatsData{Incidents: len(s.Incidents)}
	if n := len(s.Incidents); n > 0 {
		d.First, d.Last = s.Incidents[n-1].Date, s.Incidents[0].Date
	}
	d.PerPeriod = s.incidentsChart(d)
	d.Factors = s.factorsChart(d)
	s.durationCharts(d)
	d.Completion = s.completionChart(d)
	return d
}

// incidentsChart counts incidents per bucket, stacked by severity in configured order, from the first incident to
// the build date (or the last incident, if later): quiet recent months are information too.
func (s *stats) incidentsChart(d *StatsData) template.HTML {
	c := charts.Chart{ID: "incidents-per-period", YLabel: "Incidents", Format: formatCount, Counts: true}
	if len(s.Incidents) == 0 {
		c.Title = "Incidents per month"
		return charts.StackedBars(c, nil, nil)
	}
	end := d.Last
	if today := s.today; today.After(end) {
		end = today
	}
	pd := periodFor(d.First, end)
	d.Period = string(pd)
	c.Title = "Incidents per " + string(pd) + ", by severity"
	c.XLabel = map[period]string{"month": "Month", "quarter": "Quarter", "year": "Year"}[pd]
	lo, hi := pd.index(d.First), pd.index(end)
	d.Partial = pd.index(s.today) == hi
	cats := make([]string, hi-lo+1)
	for i := range cats {
		cats[i] = pd.label(lo + i)
	}
	// One series per configured severity, plus one for incidents without one, only when there are such.
	series := make([]charts.Series, len(s.Config.Severities)+1)
	for i, sv := range s.Config.Severities {
		series[i] = charts.Series{Name: sv.ID, Class: "sev" + strconv.Itoa(i+1), Values: make([]float64, len(cats))}
	}
	series[len(series)-1] = charts.Series{Name: "No severity", Class: "s8", Values: make([]float64, len(cats))}
	unrated := false
	for _, p := range s.Incidents {
		series[p.SevRank].Values[pd.index(p.Date)-lo]++
		unrated = unrated || p.Severity == ""
	}
	if !unrated {
		series = series[:len(series)-1]
	}
	return charts.StackedBars(c, cats, series)
}

// factorsChart ranks the contributing factors by the number of incidents they took part in.
func (s *stats) factorsChart(d *StatsData) template.HTML {
	var bars []charts.Bar
	for _, f := range s.Factors { // already by incident count, then slug
		if len(f.Incidents) == 0 {
			continue // a catalogue entry no incident names yet
		}
		d.FactorsTotal++
		if len(bars) < topFactors {
			bars = append(bars, charts.Bar{Label: f.Name, URL: "../" + f.URL(), Value: float64(len(f.Incidents))})
		}
	}
	d.FactorsShown = len(bars)
	title := "Contributing factors by number of incidents"
	if d.FactorsTotal > len(bars) {
		title = fmt.Sprintf("The %d most frequent contributing factors, by number of incidents", len(bars))
	}
	return charts.HBars(charts.Chart{ID: "factors-ranking", Title: title, XLabel: "Incidents", Format: formatCount, Counts: true}, bars)
}

// formatCount labels whole numbers only: with a handful of incidents the axis would otherwise read 0.2, 0.4, …
// incidents. The values themselves are always counts, so only fractional ticks lose their label.
func formatCount(v float64) string {
	if v != math.Trunc(v) {
		return ""
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// measure is one derived duration, in minutes, of the incidents that have both of its timestamps.
type measure struct {
	name, def string
	from, to  func(*graph.Incident) time.Time
}

var measures = []measure{
	{"Time to detect", "started → detected", func(p *graph.Incident) time.Time { return p.StartedAt }, func(p *graph.Incident) time.Time { return p.DetectedAt }},
	{"Time to mitigate", "started → mitigated", func(p *graph.Incident) time.Time { return p.StartedAt }, func(p *graph.Incident) time.Time { return p.MitigatedAt }},
	{"Time to resolve", "detected → resolved", func(p *graph.Incident) time.Time { return p.DetectedAt }, func(p *graph.Incident) time.Time { return p.ResolvedAt }},
	{"Total duration", "started → resolved", func(p *graph.Incident) time.Time { return p.StartedAt }, func(p *graph.Incident) time.Time { return p.ResolvedAt }},
}

// values returns the measure's minutes, and the incidents' years alongside.
func (m measure) values(ps []*graph.Incident) (mins []float64, years []int) {
	for _, p := range ps {
		a, b := m.from(p), m.to(p)
		if a.IsZero() || b.IsZero() {
			continue
		}
		mins = append(mins, b.Sub(a).Minutes())
		years = append(years, p.Date.Year())
	}
	return mins, years
}

// durationCharts draws time to detect and time to resolve as distributions: box plots per year show the trend
// without letting one marathon incident drag a mean, histograms show the shape; both on a log scale, since these
// durations span minutes to days.
func (s *stats) durationCharts(d *StatsData) {
	for _, m := range measures {
		mins, _ := m.values(s.Incidents)
		row := DurationStat{Name: m.name, Definition: m.def, N: len(mins), Median: "–", P90: "–"}
		if len(mins) > 0 {
			sorted := append([]float64(nil), mins...)
			sort.Float64s(sorted)
			row.Median = charts.FormatDuration(quantile(sorted, 0.5))
			row.P90 = charts.FormatDuration(quantile(sorted, 0.9))
		}
		d.Durations = append(d.Durations, row)
	}
	d.DetectByYear, d.DetectHist = s.durationPair(measures[0], "detect")
	d.ResolveByYear, d.ResolveHist = s.durationPair(measures[2], "resolve")
}

func (s *stats) durationPair(m measure, id string) (byYear, hist template.HTML) {
	mins, years := m.values(s.Incidents)
	var groups []charts.Group
	if len(years) > 0 {
		lo, hi := years[0], years[0]
		for _, y := range years {
			lo, hi = min(lo, y), max(hi, y)
		}
		// Every year in between gets a slot, so a gap in the data shows as a gap, not a squeezed axis.
		groups = make([]charts.Group, hi-lo+1)
		for i := range groups {
			groups[i].Label = strconv.Itoa(lo + i)
		}
		for i, v := range mins {
			groups[years[i]-lo].Values = append(groups[years[i]-lo].Values, v)
		}
	}
	// The pair sits side by side on wide screens: a narrower viewBox keeps the text legible at half the column.
	byYear = charts.BoxPlots(charts.Chart{ID: id + "-by-year", Title: m.name + " by year (" + m.def + ")",
		XLabel: "Year of the incident", YLabel: m.name, Format: charts.FormatDuration, Minutes: true, Width: pairWidth, Height: pairHeight}, groups, true)
	hist = charts.Histogram(charts.Chart{ID: id + "-histogram", Title: m.name + ", all incidents",
		XLabel: m.name, YLabel: "Incidents", Format: charts.FormatDuration, Minutes: true, Width: pairWidth, Height: pairHeight}, mins, 0, true)
	return byYear, hist
}

// completionChart shows, per quarter of the incident date, the share of its action items that are done, among
// those not closed as won't fix: the same definition as the completion rate on /actions/.
func (s *stats) completionChart(d *StatsData) template.HTML {
	c := charts.Chart{ID: "action-completion", Unit: "%", YLabel: "Done"}
	var first, last time.Time
	for _, p := range s.Incidents {
		if len(p.ActionItems) == 0 {
			continue
		}
		if first.IsZero() || p.Date.Before(first) {
			first = p.Date
		}
		if p.Date.After(last) {
			last = p.Date
		}
	}
	// Quarters when most of them have items; otherwise a line of isolated dots reads worse than a yearly one.
	pd := period("quarter")
	if !first.IsZero() {
		quarters := map[int]bool{}
		for _, p := range s.Incidents {
			if len(p.ActionItems) > 0 {
				quarters[pd.index(p.Date)] = true
			}
		}
		if span := pd.index(last) - pd.index(first) + 1; periodFor(first, last) == "year" || 3*len(quarters) < 2*span {
			pd = "year"
		}
	}
	d.CompletionPeriod = string(pd)
	c.Title = "Action items done, by " + string(pd) + " of the incident"
	c.XLabel = map[period]string{"quarter": "Quarter of the incident", "year": "Year of the incident"}[pd]
	if first.IsZero() {
		return charts.Line(c, nil)
	}
	lo, hi := pd.index(first), pd.index(last)
	done := make([]int, hi-lo+1)
	counted := make([]int, hi-lo+1)
	for _, p := range s.Incidents {
		i := pd.index(p.Date) - lo
		if i < 0 || i >= len(done) {
			continue
		}
		for _, a := range p.ActionItems {
			switch a.Status {
			case "wontfix":
			case "done":
				done[i]++
				counted[i]++
			default:
				counted[i]++
			}
		}
	}
	points := make([]charts.Point, len(done))
	for i := range points {
		points[i] = charts.Point{Label: pd.label(lo + i), Value: math.NaN()} // no items: a gap, not a 0%
		if counted[i] > 0 {
			points[i].Value = math.Round(1000*float64(done[i])/float64(counted[i])) / 10
		}
	}
	return charts.Line(c, points)
}

// quantile of sorted values, interpolating between order statistics (Hyndman & Fan type 7, as the charts do), so
// the table agrees with the box plots.
func quantile(sorted []float64, q float64) float64 {
	n := len(sorted)
	if n == 0 {
		return math.NaN()
	}
	pos := q * float64(n-1)
	i := int(pos)
	if i >= n-1 {
		return sorted[n-1]
	}
	return sorted[i] + (pos-float64(i))*(sorted[i+1]-sorted[i])
}

// Anniversary is an incident that started on this calendar day in an earlier year.
type Anniversary struct {
	Incident Incident
	YearsAgo int
}

// OnThisDay lists the incidents dated on the build date's month and day in earlier years, newest first. On 28
// February of a common year it includes those of 29 February, which would otherwise never come round.
func (s Site) OnThisDay() []Anniversary {
	s.r.Site |= AllFront | ListIncidents
	today := s.Today()
	leapDay := today.Month() == time.February && today.Day() == 28 && !isLeap(today.Year())
	var out []Anniversary
	for _, p := range s.s.Incidents {
		y, m, dd := p.Date.Date()
		if y >= today.Year() || m != today.Month() {
			continue
		}
		if dd == today.Day() || leapDay && dd == 29 {
			out = append(out, Anniversary{Incident{p, s.r}, today.Year() - y})
		}
	}
	return out
}

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

// DayOfYear names the build date's day for "On this day": "22 November".
func (s Site) DayOfYear() string { return s.Today().Format("2 January") }

// RecentFactors ranks the contributing factors of the incidents of the twelve months up to the build date.
func (s Site) RecentFactors() []TermCount {
	s.r.Site |= AllFront | AllLinks | ListIncidents
	today := s.Today()
	from := today.AddDate(-1, 0, 0)
	n := map[*graph.Term]int{}
	for _, p := range s.s.Incidents {
		if !p.Date.After(from) || p.Date.After(today) {
			continue
		}
		for _, t := range p.FactorTerms {
			n[t]++
		}
	}
	out := make([]graph.TermCount, 0, len(n))
	for t, c := range n {
		out = append(out, graph.TermCount{Term: t, Count: c})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Term.Slug < out[j].Term.Slug
	})
	return counts(out[:min(10, len(out))], s.r)
}
