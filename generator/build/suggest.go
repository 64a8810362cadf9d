package build

import (
	"math"
	"slices"
	"sort"
	"strings"
	"unicode"

	porter "github.com/blevesearch/go-porterstemmer"
	"github.com/secondstory/secondstory/generator/graph"
	"github.com/secondstory/secondstory/generator/postmortem"
)

// Factor suggestions (check --suggest-factors): for each postmortem that names no contributing factor, the
// catalogue's factors ranked by how well its text matches each factor's name, aliases and description, with the
// words that matched, so that a team tagging a hundred old postmortems reviews proposals instead of reading each
// from scratch. Nothing is written.
//
// The matching is done here, in Go, rather than with the search index: a check writes no index, the catalogue is
// a few dozen factors, and one pass over the postmortems' words (stemmed as search stems them) ranks every
// factor for every postmortem in milliseconds. The score is a weighted coverage: the share of a factor's
// distinctive words (weighted by how rare they are among the postmortems; name and alias words count three
// times) that the postmortem uses, plus a bonus when it uses the factor's name or an alias as a phrase.

// Suggestion is the factors proposed for one postmortem.
type Suggestion struct {
	Source  string        `json:"source"`
	Slug    string        `json:"slug"`
	Title   string        `json:"title"`
	Factors []FactorMatch `json:"factors"`
}

// FactorMatch is one proposed factor.
type FactorMatch struct {
	Slug  string   `json:"slug"`
	Name  string   `json:"name"`
	Score float64  `json:"score"` // 0 to about 1.5: the share of the factor's weighted words used, plus 0.5 for a phrase
	Words []string `json:"words"` // the postmortem's words that matched, the strongest first
}

// Suggestion thresholds: below them a match is noise (a shared common word).
const (
	maxSuggestions = 3
	minScore       = 0.12
	nameWeight     = 3
	phraseBonus    = 0.5
)

// suggestStop are words too common in postmortems and factor descriptions to say anything.
var suggestStop = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`a an the and or but if of to in on at by for with from as is are was were be been being it its this that
		these those there their they them we our us you your he she his her not no nor so than then too very can could would should will
		shall may might must do does did done has have had having into onto over under about after before during while when where which
		who whom what why how all any each every some such more most other another one two three only own same just also out up down off
		again further once here both few many much nobody nothing something someone time times day days incident incidents postmortem
		between within without among because since until though although`) {
		suggestStop[w] = true
	}
}

// lowerWords splits text into lower-case words of letters and digits.
func lowerWords(text string) []string {
	return strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// words splits text into lower-case words of letters and digits, with their stems.
func words(text string) (stems []string, surface []string) {
	for _, w := range lowerWords(text) {
		if len(w) < 3 || suggestStop[w] {
			continue
		}
		stems = append(stems, porter.StemString(w))
		surface = append(surface, w)
	}
	return stems, surface
}

// phraseOf normalises a name for phrase matching: lower-case words joined by single spaces.
func phraseOf(s string) string { return strings.Join(lowerWords(s), " ") }

// suggestFactors ranks the catalogue's factors for every listed incident that names none.
func suggestFactors(incidents []*graph.Incident, catalogue []*postmortem.Factor) []Suggestion {
	if len(catalogue) == 0 {
		return nil
	}
	docs, df := make([]suggestDoc, len(incidents)), map[string]int{}
	for i, in := range incidents {
		docs[i] = newSuggestDoc(in, df)
	}
	idf := func(s string) float64 { return math.Log(1 + float64(len(docs))/float64(1+df[s])) }
	queries := make([]factorQuery, len(catalogue))
	for i, f := range catalogue {
		queries[i] = newFactorQuery(f, idf)
	}
	var out []Suggestion
	for _, d := range docs {
		if len(d.in.Factors) > 0 || d.in.PDF != "" && d.in.PDFText == "" {
			continue // it names its factors, or it is a PDF without text
		}
		if matches := d.matches(queries, idf); len(matches) > 0 {
			out = append(out, Suggestion{Source: d.in.Source, Slug: d.in.Slug, Title: d.in.Title, Factors: matches})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Source < out[j].Source })
	return out
}

// suggestDoc is a postmortem as matched: how often it uses each stem, the word it first wrote for each (what a
// proposal shows), and its words as one phrase, space-delimited, for the name matches.
type suggestDoc struct {
	in      *graph.Incident
	tf      map[string]int
	surface map[string]string
	phrase  string
}

// newSuggestDoc reads an incident's text, counting in df the documents each stem appears in.
func newSuggestDoc(in *graph.Incident, df map[string]int) suggestDoc {
	var b strings.Builder
	b.WriteString(in.Title + "\n" + in.Summary + "\n")
	if in.Body != nil {
		b.WriteString(in.Body.Text + "\n")
	}
	b.WriteString(in.PDFText + "\n")
	for _, t := range in.Timeline {
		b.WriteString(t.Text + "\n")
	}
	for _, a := range in.ActionItems {
		b.WriteString(a.Title + "\n")
	}
	stems, surface := words(b.String())
	d := suggestDoc{in: in, tf: map[string]int{}, surface: map[string]string{}, phrase: " " + phraseOf(b.String()) + " "}
	for j, s := range stems {
		if d.tf[s] == 0 {
			df[s]++
			d.surface[s] = surface[j]
		}
		d.tf[s]++
	}
	return d
}

// factorQuery is a catalogue factor as matched: the weight of each of its stems, their total (with idf), and its
// name, slug and aliases as phrases.
type factorQuery struct {
	f       *postmortem.Factor
	weight  map[string]float64
	total   float64
	phrases []string
}

func newFactorQuery(f *postmortem.Factor, idf func(string) float64) factorQuery {
	q := factorQuery{f: f, weight: map[string]float64{}}
	names := append([]string{f.Name, strings.ReplaceAll(f.Slug, "-", " ")}, f.Aliases...)
	for _, n := range names {
		if p := phraseOf(n); p != "" && !slices.Contains(q.phrases, p) {
			q.phrases = append(q.phrases, p)
		}
		stems, _ := words(n)
		for _, s := range stems {
			q.weight[s] = nameWeight
		}
	}
	stems, _ := words(string(f.Markdown))
	for _, s := range stems {
		if q.weight[s] == 0 {
			q.weight[s] = 1
		}
	}
	for s, w := range q.weight {
		q.total += w * idf(s)
	}
	return q
}

// matches are the best factors for d, the strongest first.
func (d suggestDoc) matches(queries []factorQuery, idf func(string) float64) []FactorMatch {
	var matches []FactorMatch
	for _, q := range queries {
		if m, ok := q.match(d, idf); ok {
			matches = append(matches, m)
		}
	}
	sort.Slice(matches, func(i, j int) bool {
		return matches[i].Score > matches[j].Score || matches[i].Score == matches[j].Score && matches[i].Slug < matches[j].Slug
	})
	return matches[:min(len(matches), maxSuggestions)]
}

// wordHit is a word of a postmortem that matched a factor, and what it added to the score.
type wordHit struct {
	word string
	v    float64
}

// match scores q for d; false when the score is noise.
func (q factorQuery) match(d suggestDoc, idf func(string) float64) (FactorMatch, bool) {
	if q.total == 0 {
		return FactorMatch{}, false
	}
	var hits []wordHit
	sum := 0.0
	for s, w := range q.weight {
		tf := d.tf[s]
		if tf == 0 {
			continue
		}
		v := w * idf(s) * (float64(tf) * 2.2 / (float64(tf) + 1.2)) // saturating: the tenth mention adds little
		sum += v
		hits = append(hits, wordHit{d.surface[s], v})
	}
	score := sum / q.total
	phrase := false
	for _, p := range q.phrases {
		if strings.Contains(d.phrase, " "+p+" ") {
			phrase = true
			hits = append(hits, wordHit{p, math.Inf(1)})
		}
	}
	if phrase {
		score += phraseBonus
	}
	if score < minScore || len(hits) < 2 && !phrase {
		return FactorMatch{}, false
	}
	return FactorMatch{Slug: q.f.Slug, Name: q.f.Name, Score: math.Round(score*100) / 100, Words: strongest(hits)}, true
}

// strongest are the distinct words of hits, the strongest first, at most six.
func strongest(hits []wordHit) []string {
	sort.Slice(hits, func(i, j int) bool {
		return hits[i].v > hits[j].v || hits[i].v == hits[j].v && hits[i].word < hits[j].word
	})
	var out []string
	for _, h := range hits {
		if !slices.Contains(out, h.word) && len(out) < 6 {
			out = append(out, h.word)
		}
	}
	return out
}
