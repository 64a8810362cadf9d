package main

import (
	"bytes"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
)

// bodyTarget draws the body length in words: about 1,150 on average,
// longer for severe incidents, never outside 700–1,600.
func bodyTarget(r *rand.Rand, sev int) int {
	mean := []float64{1400, 1250, 1150, 1080}[sev]
	t := mean + 180*r.NormFloat64()
	return int(math.Round(min(max(t, 730), 1570)))
}

// isSpace marks the bytes that separate words, as strings.Fields does for
// ASCII; a table keeps the hot counting loop branch-free.
var isSpace = [256]uint8{' ': 1, '\n': 1, '\t': 1, '\r': 1, '\v': 1, '\f': 1}

// countWords counts whitespace-separated tokens, like len(strings.Fields).
func countWords(b []byte) int {
	n, prev := 0, uint8(1)
	for _, c := range b {
		sp := isSpace[c]
		n += int(prev &^ sp)
		prev = sp
	}
	return n
}

func countWordsStr(s string) int {
	n, prev := 0, uint8(1)
	for i := 0; i < len(s); i++ {
		sp := isSpace[s[i]]
		n += int(prev &^ sp)
		prev = sp
	}
	return n
}

// Sections in body order and their relative share of the prose.
const (
	secSummary = iota
	secImpact
	secTimeline
	secWhy
	secFactors
	secWell
	secLucky
	secActions
	nSections
)

var proseShare = [nSections]float64{0.09, 0.13, 0.06, 0.34, 0.22, 0.08, 0.08, 0}

var headings = [nSections]string{
	"## Summary\n\n", "## Impact\n\n", "## Timeline\n\n", "## Why it made sense at the time\n\n",
	"## Contributing factors\n\n", "## What went well\n\n", "## Where we got lucky\n\n", "## Action items\n\n",
}

var wontfixReasons = []string{
	"superseded by the platform migration",
	"the component is being retired",
	"cost outweighs the risk after review",
	"covered by another action item",
}

const factorIntro = "Several conditions combined in this incident. None of them was new, and none of them alone explains what happened.\n\n"

// bodyBudget tracks words written against the target so each prose
// section gets its share of what is left, after the fixed parts (lists,
// tables, code, headings) still to come. Overshoot in one section is
// absorbed by the next.
type bodyBudget struct {
	target, written, mark int
	fixed                 [nSections]int
}

func (bb *bodyBudget) sync(b *bytes.Buffer) {
	bb.written += countWords(b.Bytes()[bb.mark:])
	bb.mark = b.Len()
}

// prose returns the words of prose section s.
func (bb *bodyBudget) prose(s int) int {
	left, share := bb.target-bb.written, 0.0
	for i := s; i < nSections; i++ {
		left -= bb.fixed[i]
		share += proseShare[i]
	}
	return int(float64(max(left, 0)) * proseShare[s] / share)
}

// writeBody renders the Markdown body into d.body and returns its word
// count. Fixed parts are rendered first so the prose can fill the rest of
// the word budget.
func (d *docWriter) writeBody() int {
	inc, r, fm := d.inc, d.r, &d.fm
	bb := bodyBudget{target: bodyTarget(r, inc.sev)}

	d.renderTimelineList()
	d.renderActionList()
	d.table.Reset()
	if d.chance(0.18) {
		d.renderImpactTable()
	}
	d.code.Reset()
	codeIn := -1
	if d.chance(0.25) {
		d.renderCode()
		codeIn = secTimeline + r.IntN(2)
	}
	utc := d.chance(0.3)
	footnote := d.chance(0.03)
	factorHeads := d.chance(0.6)
	intro := d.chance(0.4)
	// Sentences the Why section must carry whatever its budget.
	var extra []string
	if inc.noise >= 0 {
		extra = append(extra, noisePool[inc.noise])
	}
	extra = d.incidentLinks(extra)

	for s := range bb.fixed {
		bb.fixed[s] = countWordsStr(headings[s])
	}
	bb.fixed[secImpact] += countWords(d.table.Bytes())
	bb.fixed[secTimeline] += countWords(d.tl.Bytes())
	if utc {
		bb.fixed[secTimeline] += 4
	}
	if codeIn >= 0 {
		bb.fixed[codeIn] += countWords(d.code.Bytes())
	}
	for _, x := range extra {
		bb.fixed[secWhy] += countWordsStr(x)
	}
	if factorHeads {
		bb.fixed[secFactors] += 3 * len(inc.factors)
	}
	if intro {
		bb.fixed[secFactors] += countWordsStr(factorIntro)
	}
	bb.fixed[secActions] += countWords(d.acts.Bytes())
	if footnote {
		bb.fixed[secActions] += 17
	}

	b := &d.body
	b.Reset()
	if d.chance(0.08) {
		b.WriteString("_Written by ")
		b.WriteString(joinAnd(fm.Authors))
		b.WriteString(" with input from the responders. Reviewed on ")
		b.WriteString(inc.resolved.AddDate(0, 0, 3+r.IntN(10)).Format("2 January 2006"))
		b.WriteString("._\n\n")
	}
	section := func(s int) {
		bb.sync(b)
		b.WriteString(headings[s])
		d.sents = d.sents[:0]
	}

	section(secSummary)
	d.sents = append(d.sents, fm.Summary)
	d.collect(summaryPool[6:], bb.prose(secSummary)-countWordsStr(fm.Summary), 1)
	d.writeParas(d.sents)

	section(secImpact)
	d.collect(impactPool, bb.prose(secImpact), 2)
	if footnote {
		d.sents[0] += "[^1]"
	}
	if d.table.Len() > 0 {
		k := min(len(d.sents), 1+r.IntN(2))
		d.writeParas(d.sents[:k])
		b.Write(d.table.Bytes())
		d.writeParas(d.sents[k:])
	} else {
		d.writeParas(d.sents)
	}

	section(secTimeline)
	if utc {
		b.WriteString("All times are UTC.\n\n")
	}
	b.Write(d.tl.Bytes())
	d.collect(timelineNotePool, bb.prose(secTimeline), 1)
	d.writeParas(d.sents)
	if codeIn == secTimeline {
		b.Write(d.code.Bytes())
	}

	section(secWhy)
	d.collect(whyPool, bb.prose(secWhy), 3)
	for _, x := range extra {
		d.insert(x)
	}
	d.writeParas(d.sents)
	if codeIn == secWhy {
		b.Write(d.code.Bytes())
	}

	section(secFactors)
	if intro {
		b.WriteString(factorIntro)
	}
	d.writeFactors(&bb, factorHeads)

	section(secWell)
	d.collect(wentWellPool, bb.prose(secWell), 2)
	d.writeBullets(d.sents)

	section(secLucky)
	d.collect(luckyPool, bb.prose(secLucky), 1)
	if d.chance(0.3) {
		d.writeParas(d.sents)
	} else {
		d.writeBullets(d.sents)
	}

	section(secActions)
	b.Write(d.acts.Bytes())
	if footnote {
		b.WriteString("[^1]: ")
		d.fill(b, "Figures come from the {tool} export taken the day after the incident and are rounded.")
		b.WriteByte('\n')
	}
	// Exactly one trailing newline.
	for bytes.HasSuffix(b.Bytes(), []byte("\n\n")) {
		b.Truncate(b.Len() - 1)
	}
	bb.sync(b)
	return bb.written
}

// collect appends sentences from pool, in random order and cycling only if
// the budget outlasts the pool, until they reach budget words (within half
// a short sentence) and number at least minN.
func (d *docWriter) collect(pool []string, budget, minN int) {
	perm := d.r.Perm(len(pool))
	words := 0
	for k := 0; (words < budget-5 || k < minN) && k < 3*len(pool); k++ {
		s := d.expand(pool[perm[k%len(perm)]])
		d.sents = append(d.sents, s)
		words += countWordsStr(s)
	}
}

// insert puts s at a random position among the collected sentences.
func (d *docWriter) insert(s string) {
	d.sents = slices.Insert(d.sents, d.r.IntN(len(d.sents)+1), s)
}

func (d *docWriter) writeParas(sents []string) {
	b := &d.body
	for len(sents) > 0 {
		k := min(len(sents), 2+d.r.IntN(4))
		for j, s := range sents[:k] {
			if j > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(s)
		}
		b.WriteString("\n\n")
		sents = sents[k:]
	}
}

func (d *docWriter) writeBullets(sents []string) {
	b := &d.body
	for _, s := range sents {
		b.WriteString("- ")
		b.WriteString(s)
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
}

// incidentLinks adds sentences linking to earlier incidents: wiki links in
// about 15% of documents and a relative .md link in about 2%.
func (d *docWriter) incidentLinks(out []string) []string {
	if d.idx == 0 {
		return out
	}
	if d.chance(0.15) {
		for range 1 + d.r.IntN(2) {
			t := &d.p.incs[d.earlier()]
			switch d.r.IntN(3) {
			case 0:
				out = append(out, "The symptoms resembled [["+t.slug+"]], and responders started from the fix that worked then.")
			case 1:
				out = append(out, "A similar pattern appears in [["+t.slug+"|an earlier incident on "+services[t.svcs[0]].id+"]].")
			default:
				out = append(out, "The review of [["+t.slug+"]] describes the previous time "+services[t.svcs[0]].id+" behaved this way.")
			}
		}
	}
	if d.chance(0.02) {
		t := &d.p.incs[d.earlier()]
		out = append(out, "The write-up of [a similar incident](../"+strconv.Itoa(t.year)+"/"+t.slug+".md) has more background.")
	}
	return out
}

// earlier picks an earlier incident, preferring related ones, then ones on
// the same primary service.
func (d *docWriter) earlier() int {
	inc := d.inc
	if len(inc.related) > 0 && d.chance(0.7) {
		return inc.related[d.r.IntN(len(inc.related))]
	}
	same := d.p.bySvc[inc.svcs[0]]
	k, _ := slices.BinarySearch(same, d.idx)
	if k > 0 && d.chance(0.8) {
		return same[d.r.IntN(k)]
	}
	return d.r.IntN(d.idx)
}

func (d *docWriter) writeFactors(bb *bodyBudget, heads bool) {
	inc, r, fm, b := d.inc, d.r, &d.fm, &d.body
	links := d.chance(0.12)
	perm := r.Perm(len(factorNotePool))
	k := 0
	bb.sync(b)
	left := bb.prose(secFactors)
	for i, f := range inc.factors {
		// Each factor gets an equal part of what is left of the section.
		per := left / (len(inc.factors) - i)
		name := fm.factorNames[i]
		d.sents = d.sents[:0]
		lead := d.expand(factors[f].gist)
		if heads {
			b.WriteString("### ")
			b.WriteString(name)
			b.WriteString("\n\n")
		} else {
			lead = "**" + name + ".** " + lead
		}
		d.sents = append(d.sents, lead)
		words := countWordsStr(lead)
		if links && d.chance(0.6) {
			slug := factorSlug(factors[f].name)
			var s string
			if d.chance(0.5) {
				s = "More on this pattern: [[factor:" + slug + "]]."
			} else {
				s = "See [[factor:" + slug + "|" + strings.ToLower(factors[f].name) + "]] for other incidents with the same condition."
			}
			d.sents = append(d.sents, s)
			words += countWordsStr(s)
		}
		for ; words < per-5 && k < len(perm); k++ {
			s := d.expand(factorNotePool[perm[k]])
			d.sents = append(d.sents, s)
			words += countWordsStr(s)
		}
		left -= words
		d.writeParas(d.sents)
	}
}

// renderTimelineList writes the body's timeline from the frontmatter one.
func (d *docWriter) renderTimelineList() {
	fm, b := &d.fm, &d.tl
	b.Reset()
	withActor := d.chance(0.5)
	for i, e := range fm.Timeline {
		t := fm.tlTimes[i]
		b.WriteString("- **")
		if sameDay(t, d.inc.started) {
			b.WriteString(t.Format("15:04"))
		} else {
			b.WriteString(t.Format("2 Jan 15:04"))
		}
		b.WriteString("** ")
		b.WriteString(e.Text)
		b.WriteByte('.')
		if withActor && e.Actor != "" {
			b.WriteString(" (")
			b.WriteString(e.Actor)
			b.WriteByte(')')
		}
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
}

func ticketText(t string) string {
	if i := strings.LastIndexByte(t, '/'); i >= 0 {
		return "[" + t[i+1:] + "](" + t + ")"
	}
	return t
}

func (d *docWriter) renderActionList() {
	fm, b := &d.fm, &d.acts
	b.Reset()
	if d.chance(0.12) {
		b.WriteString("| Action | Owner | Due | Status | Ticket |\n|---|---|---|---|---|\n")
		for _, a := range fm.Actions {
			b.WriteString("| " + a.Title + " | " + a.Owner + " | " + a.Due + " | " + a.Status + " | " + ticketText(a.Ticket) + " |\n")
		}
		b.WriteByte('\n')
		return
	}
	strike := d.chance(0.5)
	for _, a := range fm.Actions {
		switch a.Status {
		case "done":
			b.WriteString("- [x] " + a.Title)
		case "wontfix":
			if strike {
				b.WriteString("- [ ] ~~" + a.Title + "~~")
			} else {
				b.WriteString("- [ ] " + a.Title)
			}
		default:
			b.WriteString("- [ ] " + a.Title)
		}
		b.WriteString(" (" + ticketText(a.Ticket) + ", " + a.Owner + ", due " + a.Due)
		switch a.Status {
		case "in-progress":
			b.WriteString(", in progress")
		case "wontfix":
			b.WriteString(", not planned: " + d.pick(wontfixReasons))
		}
		b.WriteString(")\n")
	}
	b.WriteByte('\n')
}

func (d *docWriter) renderImpactTable() {
	r, b := d.r, &d.table
	if d.chance(0.4) {
		b.WriteString("| Region | Error rate | Affected for |\n|---|---:|---:|\n")
		for _, k := range r.Perm(len(regions))[:2+r.IntN(3)] {
			b.WriteString("| " + regions[k] + " | " + d.expand("{pct}") + "% | " + d.expand("{mins} min") + " |\n")
		}
		b.WriteByte('\n')
		return
	}
	b.WriteString("| Metric | Baseline | Peak |\n|---|---:|---:|\n")
	rows := []string{
		"| p99 latency | {ms2} ms | {ms} ms |\n",
		"| Error rate | 0.{n2}% | {pct}% |\n",
		"| Requests per second | {n2}0 | {big} |\n",
		"| Queue depth | {n} | {big} |\n",
		"| Consumer lag (s) | {n} | {ms} |\n",
		"| CPU utilisation | {n}% | 97% |\n",
	}
	for _, k := range r.Perm(len(rows))[:3+r.IntN(3)] {
		d.fill(b, rows[k])
	}
	b.WriteByte('\n')
}

func (d *docWriter) renderCode() {
	b := &d.code
	d.fill(b, d.pick(codeIntroPool))
	b.WriteString("\n\n```")
	d.fill(b, d.pick(codeBlocks))
	b.WriteString("\n```\n\n")
}

func joinAnd(xs []string) string {
	switch len(xs) {
	case 0:
		return ""
	case 1:
		return xs[0]
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " and " + xs[len(xs)-1]
}

// renderFactor writes a factors/ page: title, optional aliases, and a body
// of 80–150 words (description, an example, signals, what helps).
func (d *docWriter) renderFactor(f int) []byte {
	d.pcg.Seed(splitmix64(d.p.cfg.Seed), splitmix64(^uint64(f)))
	// Examples borrow an arbitrary incident's cast for their placeholders.
	d.idx, d.inc = 0, &d.p.incs[d.r.IntN(len(d.p.incs))]
	d.setup()
	fc := &factors[f]
	target := 90 + d.r.IntN(50)

	b := &d.out
	b.Reset()
	b.WriteString("---\ntitle: ")
	yamlScalar(b, fc.name, false)
	b.WriteByte('\n')
	if len(fc.aliases) > 0 {
		d.yamlList("aliases", fc.aliases, true)
	}
	b.WriteString("---\n\n")
	start := b.Len()
	b.WriteString(fc.desc)
	b.WriteString("\n\n## What it looks like\n\nAn example from our incident reviews: ")
	d.fill(b, fc.gist)
	b.WriteByte(' ')
	b.WriteString(d.pick(factorSignalPool))
	b.WriteString("\n\n## What helps\n\n")
	perm := d.r.Perm(len(factorHelpPool))
	for i, k := range perm {
		s := factorHelpPool[k]
		n := countWords(b.Bytes()[start:])
		// Keep adding until the target, but never past 150 words.
		if i > 0 && (n >= target || n+countWordsStr(s) > 150) {
			break
		}
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(s)
	}
	b.WriteByte('\n')
	return b.Bytes()
}
