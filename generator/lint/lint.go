// Package lint flags language that hides the second story of an incident: why what people did made sense at the
// time, and which latent conditions let it become an outage. It looks for counterfactuals ("should have", "if the
// reviewer had run the tests"), blame ("recklessly", "the DBA's blunder"), labels of competence or attention ("a
// junior admin", "ignored the warning"), hindsight minimisers ("simply"), single-cause conclusions ("the root
// cause"), people and roles as the subjects of harmful acts ("the operator deleted the volume"), and named people
// as the subjects of any of these.
//
// The rules are one data-driven table (rules.go): phrases, each with a condition on the words around it that
// separates the flagged use from a look-alike. Most conditions ask whether the subject is a person (a pronoun, a
// role, a team, a name) or a thing: "the on-call should have rolled back" is a counterfactual, "the lock should
// have been released by the timeout" is not. Rules lists the table for help text, and WriteVale exports it as a
// Vale style.
//
// Use: build a Linter once per postmortem with New (its authors and timeline actors as People), then lint its
// Markdown body with Markdown and its frontmatter strings with Text. A Linter is safe for concurrent use.
//
// Only prose is linted: code spans and blocks, raw HTML, URLs, link destinations and blockquotes (usually quoted
// chat logs) are skipped. An HTML comment `<!-- secondstory:ignore counterfactual blame -->` silences the listed
// rules (all of them when none is listed) for the block that follows it; inside a paragraph it silences them for
// that paragraph. Unknown rule ids in the comment are ignored, so a typo silences nothing rather than everything.
package lint

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// Finding is one flagged phrase.
type Finding struct {
	Line, Col int    // 1-based position in the file; Col counts bytes
	Rule      string // rule id (see Rules)
	Phrase    string // the matched text as written (whitespace runs, such as line breaks, shown as one space)
	Message   string // why it hides the second story, one short line
	Advice    string // how to reframe it (for --verbose)
}

func (f Finding) String() string {
	return fmt.Sprintf("%d:%d %s %q: %s", f.Line, f.Col, f.Rule, f.Phrase, f.Message)
}

// Options configure a Linter.
type Options struct {
	// Disable lists rule ids to skip (config `lint: {disable: [minimiser]}`); unknown ids are ignored.
	Disable []string
	// People are the names of the authors and timeline actors. A person as the subject of a flagged phrase
	// ("Dana forgot to restart") turns that phrase's finding into one named-subject finding (instead of, not as
	// well as, the plain rule), spanning from the name to the phrase. Capitalised names that are not listed count
	// too where only a person fits the phrase ("Priya carelessly merged"). A capitalised name matches only
	// capitalised words ("Will", not "will").
	People []string
}

// Linter lints the prose of one postmortem. Building it is linear in the number of people; each call is
// linear in its input.
type Linter struct {
	enabled ruleSet
	people  map[string][]namePart
}

// New builds a Linter.
func New(opts Options) *Linter {
	lt := &Linter{enabled: allRules, people: newPeople(opts.People)}
	for _, id := range opts.Disable {
		if i := ruleIndex(strings.TrimSpace(strings.ToLower(id))); i >= 0 {
			lt.enabled &^= 1 << i
		}
	}
	return lt
}

var scanners = sync.Pool{New: func() any { return new(scanner) }}

func (lt *Linter) getScanner() *scanner {
	sc := scanners.Get().(*scanner)
	sc.lt = lt
	return sc
}

func putScanner(sc *scanner) {
	sc.lt = nil
	sc.matches = sc.matches[:0]
	scanners.Put(sc)
}

// Text lints one plain-text string from frontmatter (a summary, a timeline entry) that starts at line and col
// of the file. Bare URLs and `code` in it are skipped. When s spans several lines, columns on its later lines
// count from the start of that line of s, since the caller's indentation is unknown here.
func (lt *Linter) Text(s string, line, col int) []Finding {
	if lt.enabled.findsNothing() || s == "" {
		return nil
	}
	sc := lt.getScanner()
	defer putScanner(sc)
	sc.buf = append(sc.buf[:0], s...)
	sc.matches = sc.matches[:0]
	maskURLs(sc.buf)
	maskCodeSpans(sc.buf)
	sc.scan(lt.enabled)
	var out []Finding
	for i := range sc.matches {
		m := &sc.matches[i]
		l, c := line+strings.Count(s[:m.start], "\n"), col+m.start
		if nl := strings.LastIndexByte(s[:m.start], '\n'); nl >= 0 {
			c = m.start - nl
		}
		out = append(out, sc.finding(m, l, c))
	}
	sortFindings(out) // a phrase found through a later word ("the root cause" through "root") may come late
	return out
}

// finding renders a match at a file position.
func (sc *scanner) finding(m *match, line, col int) Finding {
	r := &ruleTable[m.rule]
	f := Finding{Line: line, Col: col, Rule: r.id, Phrase: collapse(sc.buf[m.start:m.end]), Message: r.message, Advice: r.advice}
	if m.rule == namedSubjectIdx {
		quoted := make([]string, len(m.phrases))
		for i, p := range m.phrases {
			quoted[i] = fmt.Sprintf("%q", p)
		}
		fill := strings.NewReplacer("{person}", m.person, "{phrase}", strings.Join(quoted, " and "))
		f.Message, f.Advice = fill.Replace(f.Message), fill.Replace(f.Advice)
		return f
	}
	if m.pat.message != "" {
		f.Message = m.pat.message
	}
	if m.pat.advice != "" {
		f.Advice = m.pat.advice
	}
	return f
}

func sortFindings(fs []Finding) {
	slices.SortStableFunc(fs, func(a, b Finding) int {
		if a.Line != b.Line {
			return a.Line - b.Line
		}
		if a.Col != b.Col {
			return a.Col - b.Col
		}
		return strings.Compare(a.Rule, b.Rule)
	})
}

// parseDirective reads `<!-- secondstory:ignore [rule ...] -->`, returning the rules it silences.
func parseDirective(b []byte) (ruleSet, bool) {
	b = bytes.TrimSpace(b)
	inner, ok := bytes.CutPrefix(b, []byte("<!--"))
	if !ok {
		return 0, false
	}
	inner, ok = bytes.CutSuffix(inner, []byte("-->"))
	if !ok {
		return 0, false
	}
	rest, ok := bytes.CutPrefix(bytes.TrimSpace(inner), []byte("secondstory:ignore"))
	if !ok || len(rest) > 0 && rest[0] != ' ' && rest[0] != '\t' && rest[0] != '\n' && rest[0] != ',' {
		return 0, false
	}
	ids := strings.FieldsFunc(string(rest), func(r rune) bool { return r == ' ' || r == ',' || r == '\t' || r == '\n' || r == '\r' })
	if len(ids) == 0 {
		return allRules, true
	}
	var set ruleSet
	for _, id := range ids {
		if i := ruleIndex(strings.ToLower(id)); i >= 0 {
			set |= 1 << i
		}
	}
	return set, true
}
