package render

import (
	"html"
	"html/template"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/secondstory/secondstory/generator/graph"
	"github.com/secondstory/secondstory/generator/graph/learn"
)

// LearnData is what layouts/learn.html receives as .Data: the onboarding reading path.
type LearnData struct {
	Steps    []*LearnStep
	Factors  []*LearnFactor // the chosen factors, most important first; Step == 0 when no readable write-up shows one
	Minutes  int            // reading time of the whole path
	Pinned   bool           // some steps were pinned by the configuration
	HalfLife float64        // years after which an incident counts half, for the intro text
}

// LearnStep is one incident on a reading path.
type LearnStep struct {
	N        int // 1-based position
	Incident Incident
	Pinned   bool
	New      []*LearnFactor // chosen factors first met at this step, in rank order
	Also     []*LearnFactor // chosen factors it shows that earlier steps already taught
	Minutes  int
}

// LearnFactor is one chosen factor with its rank and a plain-text excerpt of its description.
type LearnFactor struct {
	Rank    int // 1-based
	Term    Term
	Count   int    // incidents in scope that cite it
	Excerpt string // first sentence of the description, plain text; "" when there is none
	Step    int    // the step that first teaches it; 0 when none does
}

// Guide is the "what to know before you touch this service" box of a service page.
type Guide struct {
	Factors []*LearnFactor // the few the box shows
	All     []*LearnFactor // every factor of the service, ranked the same way (Factors is its prefix)
	Steps   []*LearnStep
	// HalfLife is the age in years at which an incident counts half, for the note on the ranking.
	HalfLife float64
}

// Service guides stay short: a box beside the incident list, not a second reading path.
const (
	guideFactors = 5
	guideSteps   = 3
)

// wordsPerMinute is a conservative reading speed for dense technical prose.
const wordsPerMinute = 200

// learnData selects the reading path over every listed incident.
func learnData(p *Page) any {
	s := p.Site
	s.r.Site |= AllFront | AllBody | AllLinks | AllTerms | ListIncidents | Day | Config
	incidents := make([]learn.Incident, len(s.s.Incidents))
	for i, in := range s.s.Incidents {
		incidents[i] = learnIncident(in)
	}
	plan := learn.Select(incidents, learnOptions(s, "", s.s.Config.Learn.Factors))
	d := &LearnData{HalfLife: learn.HalfLifeYears}
	d.Factors, d.Steps = learnView(s, plan, 0, 200)
	for _, st := range d.Steps {
		d.Minutes += st.Minutes
		d.Pinned = d.Pinned || st.Pinned
	}
	return d
}

// ServiceGuide selects, by the same rules as /learn/ but only among the service's incidents, the factors that recur on
// it and the few incidents to read first. It returns nil when the service's incidents cite no factor, so the template
// can leave the box out. Only the service's own incidents are passed in: Select would filter the rest out
// anyway, and service pages render in parallel, so the work per page stays proportional to the service.
func (s Site) ServiceGuide(v Term) *Guide {
	t := v.members()
	if t.Kind != "services" {
		return nil
	}
	incidents := make([]learn.Incident, len(t.Incidents))
	for i, in := range t.Incidents {
		s.r.incident(in, Front|Body|Links)
		incidents[i] = learnIncident(in)
	}
	s.r.Site |= AllTerms
	plan := learn.Select(incidents, learnOptions(s, t.Slug, guideFactors))
	g := &Guide{HalfLife: learn.HalfLifeYears}
	g.Factors, g.Steps = learnView(s, plan, guideSteps, 150)
	if len(g.Factors) == 0 {
		return nil
	}
	g.All = append(g.All, g.Factors...)
	for _, rf := range plan.All[len(g.Factors):] {
		if t := s.s.Term("factors", rf.Slug); t != nil {
			g.All = append(g.All, &LearnFactor{Rank: len(g.All) + 1, Term: Term{t, s.r}, Count: rf.Count})
		}
	}
	return g
}

func learnOptions(s Site, service string, factors int) learn.Options {
	// Recency counts from the start of the build day, so the choice does not move with the hour of the build.
	var now time.Time
	if !s.s.BuildDate.IsZero() {
		now = s.Today()
	}
	cfg := s.s.Config
	return learn.Options{
		Factors:       factors,
		Pin:           cfg.Learn.Pin,
		Skip:          cfg.Learn.Skip,
		Now:           now,
		NumSeverities: len(cfg.Severities),
		Service:       service,
	}
}

func learnIncident(p *graph.Incident) learn.Incident {
	in := learn.Incident{
		Slug:         p.Slug,
		Title:        p.Title,
		Date:         p.Date,
		SeverityRank: p.SevRank, // unset = len(severities), which Select clamps to the least severe
		Richness:     richness(p),
		Onboarding:   p.Onboarding,
	}
	for _, t := range p.Cited {
		in.Factors = append(in.Factors, t.Slug)
	}
	// Services are matched by slug, like the /services/<slug>/ pages, so "Orders API" and "orders-api" are one.
	for _, t := range p.ServiceTerms {
		in.Services = append(in.Services, t.Slug)
	}
	return in
}

// richness scores, from 0 to 1, how much a write-up can teach a newcomer; Select uses it to choose between incidents
// that cover the same factors. The weights sum to 1:
//
//	0.30  a second-story section: a heading containing "made sense" or "second story" (case-insensitive), e.g.
//	      "Why it made sense at the time" — the part that explains the latent conditions
//	0.20  a structured timeline, full marks from 3 entries (fewer count proportionally)
//	0.15  at least one action item
//	0.10  a summary
//	0.25  length of the body: full marks from 400 to 3000 words, proportionally less below 400 (too thin to explain
//	      much), and 3000/words above 3000 but never under half (long reads are still worth it, just harder going)
func richness(p *graph.Incident) float64 {
	r := 0.0
	for _, hd := range p.Body.Headings {
		h := strings.ToLower(hd.Text)
		if strings.Contains(h, "made sense") || strings.Contains(h, "second story") {
			r += 0.30
			break
		}
	}
	r += 0.20 * min(float64(len(p.Timeline))/3, 1)
	if len(p.ActionItems) > 0 {
		r += 0.15
	}
	if strings.TrimSpace(p.Summary) != "" {
		r += 0.10
	}
	switch w := float64(p.Body.Words); {
	case w < 400:
		r += 0.25 * w / 400
	case w <= 3000:
		r += 0.25
	default:
		r += 0.25 * max(3000/w, 0.5)
	}
	return r
}

// learnView turns a plan into template values: factor terms with excerpts, and steps that split their factors into
// those they introduce and those already met. maxSteps > 0 keeps only the first steps (reading order puts the steps
// that teach the most new factors first, so a prefix is the best short path); excerpts are cut at excerptLen runes.
func learnView(s Site, plan learn.Plan, maxSteps, excerptLen int) ([]*LearnFactor, []*LearnStep) {
	var factors []*LearnFactor
	bySlug := map[string]*LearnFactor{}
	for _, rf := range plan.Factors {
		t := s.s.Term("factors", rf.Slug)
		if t == nil {
			continue // cannot happen: every cited factor has a term; skipping beats a dead link
		}
		f := &LearnFactor{Rank: len(factors) + 1, Term: Term{t, s.r}, Count: rf.Count, Excerpt: excerpt(t.Description, excerptLen)}
		factors = append(factors, f)
		bySlug[rf.Slug] = f
	}
	var steps []*LearnStep
	for _, st := range plan.Steps {
		if maxSteps > 0 && len(steps) == maxSteps {
			break
		}
		p := s.s.Incident(st.Slug)
		if p == nil {
			continue
		}
		step := &LearnStep{N: len(steps) + 1, Incident: Incident{p, s.r}, Pinned: st.Pinned, Minutes: readingMinutes(p.Body.Words)}
		for _, slug := range st.Teaches {
			f := bySlug[slug]
			switch {
			case f == nil:
			case f.Step == 0:
				f.Step = step.N
				step.New = append(step.New, f)
			default:
				step.Also = append(step.Also, f)
			}
		}
		steps = append(steps, step)
	}
	return factors, steps
}

func readingMinutes(words int) int {
	return max(1, (words+wordsPerMinute-1)/wordsPerMinute)
}

// excerpt returns the first sentence of the first paragraph of rendered HTML as plain text, cut at a word boundary
// when longer than limit runes. Descriptions come from our own Markdown renderer, so dropping everything between
// '<' and '>' is enough to strip the tags (text '<' is always escaped as &lt;).
func excerpt(h template.HTML, limit int) string {
	s := string(h)
	if i := strings.Index(s, "<p>"); i >= 0 {
		s = s[i+len("<p>"):]
		if j := strings.Index(s, "</p>"); j >= 0 {
			s = s[:j]
		}
	}
	var b strings.Builder
	in := false
	for _, r := range s {
		switch {
		case r == '<':
			in = true
		case r == '>' && in:
			in = false
		case !in:
			b.WriteRune(r)
		}
	}
	text := strings.Join(strings.Fields(html.UnescapeString(b.String())), " ")
	text = firstSentence(text)
	if utf8.RuneCountInString(text) <= limit {
		return text
	}
	runes := []rune(text)[:limit]
	cut := len(runes)
	for i := len(runes) - 1; i > limit/2; i-- {
		if unicode.IsSpace(runes[i]) {
			cut = i
			break
		}
	}
	return strings.TrimRightFunc(string(runes[:cut]), func(r rune) bool { return unicode.IsSpace(r) || unicode.IsPunct(r) }) + "…"
}

// firstSentence ends the text at the first '.', '!' or '?' followed by a space and a capital letter or digit, so
// abbreviations such as "e.g. a retry" do not cut it short.
func firstSentence(text string) string {
	for i, r := range text {
		if r != '.' && r != '!' && r != '?' {
			continue
		}
		rest := text[i+1:]
		if !strings.HasPrefix(rest, " ") {
			continue
		}
		next, _ := utf8.DecodeRuneInString(rest[1:])
		if unicode.IsUpper(next) || unicode.IsDigit(next) {
			return text[:i+1]
		}
	}
	return text
}
