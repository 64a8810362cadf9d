// Package lint flags language that hides the second story in a postmortem: counterfactuals ("should have"),
// blame labels ("human error"), hindsight minimisers ("simply"), single-cause conclusions ("the root cause") and
// people named as the subject of any of these. Each finding carries a one-sentence reason and a reframing.
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
	Line, Col  int    // 1-based position in the file; Col counts bytes
	Rule       string // rule id: "counterfactual", "blame", "minimiser", "single-cause", "named-subject"
	Phrase     string // the matched text as written (whitespace runs, such as line breaks, shown as one space)
	Message    string // why it hides the second story (one sentence)
	Suggestion string // a reframing
}

func (f Finding) String() string {
	return fmt.Sprintf("%d:%d %s %q: %s", f.Line, f.Col, f.Rule, f.Phrase, f.Message)
}

// Options configure a lint run.
type Options struct {
	// Disable lists rule ids to skip (config `lint: {disable: [minimiser]}`); unknown ids are ignored.
	Disable []string
	// People are names from the authors and timeline actors. A person just before a counterfactual, blame or
	// minimiser phrase, as its subject ("Dana forgot to restart"), turns that phrase's finding into one
	// named-subject finding (instead of, not as well as, the plain rule), spanning from the name to the phrase.
	// Several phrases with the same subject in one clause ("Dana simply forgot to") make one finding. The plain
	// rule must be enabled for its phrase to count; disabling named-subject reports the plain rule instead.
	// A capitalised name matches only capitalised words ("Will", not "will").
	People []string
}

func (o *Options) enabled() ruleSet {
	set := allRules
	for _, id := range o.Disable {
		if i := ruleIndex(strings.TrimSpace(strings.ToLower(id))); i >= 0 {
			set &^= 1 << i
		}
	}
	return set
}

var scanners = sync.Pool{New: func() any { return new(scanner) }}

func getScanner(opts *Options) *scanner {
	sc := scanners.Get().(*scanner)
	sc.people = newPeople(opts.People)
	return sc
}

func putScanner(sc *scanner) {
	sc.people = nil
	sc.matches = sc.matches[:0]
	scanners.Put(sc)
}

// Text lints one plain-text string from frontmatter (a summary, a timeline entry) that starts at line and col
// of the file. Bare URLs and `code` in it are skipped. When s spans several lines, columns on its later lines
// count from the start of that line of s, since the caller's indentation is unknown here.
func Text(s string, line, col int, opts Options) []Finding {
	enabled := opts.enabled()
	if enabled == 0 || s == "" {
		return nil
	}
	sc := getScanner(&opts)
	defer putScanner(sc)
	sc.buf = append(sc.buf[:0], s...)
	maskURLs(sc.buf)
	maskCodeSpans(sc.buf)
	sc.scan(enabled)
	var out []Finding
	for i := range sc.matches {
		m := &sc.matches[i]
		l, c := line+strings.Count(s[:m.start], "\n"), col+m.start
		if nl := strings.LastIndexByte(s[:m.start], '\n'); nl >= 0 {
			c = m.start - nl
		}
		out = append(out, sc.finding(m, l, c))
	}
	return out
}

// finding renders a match at a file position.
func (sc *scanner) finding(m *match, line, col int) Finding {
	r := &ruleTable[m.rule]
	f := Finding{Line: line, Col: col, Rule: r.id, Phrase: collapse(sc.buf[m.start:m.end]), Message: r.message, Suggestion: r.suggestion}
	if m.rule == namedSubjectIdx {
		quoted := make([]string, len(m.phrases))
		for i, p := range m.phrases {
			quoted[i] = fmt.Sprintf("%q", p)
		}
		fill := strings.NewReplacer("{person}", m.person, "{phrase}", strings.Join(quoted, " and "))
		f.Message, f.Suggestion = fill.Replace(f.Message), fill.Replace(f.Suggestion)
		return f
	}
	if m.pat.message != "" {
		f.Message = m.pat.message
	}
	if m.pat.suggestion != "" {
		f.Suggestion = m.pat.suggestion
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
