package lint

import (
	"bytes"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The matcher works on one run of prose at a time (a Markdown block's text, or a frontmatter string): it splits
// the run into words once, looks each word up in an index of the phrases' first words, and checks the few
// candidates against the following words and their condition. That is one pass and one map lookup per word,
// whatever the number of phrases; conditions look at a bounded window around a candidate, so a run is linear.

// ruleSet is a set of rules by their index in ruleTable.
type ruleSet uint16

const allRules ruleSet = 1<<len(ruleTableIDs) - 1

// ruleTableIDs mirrors ruleTable's order; it is a separate constant list so allRules is a constant.
var ruleTableIDs = [...]string{Counterfactual, Blame, Competence, Minimiser, SingleCause, HarmfulAct, NamedSubject}

func ruleIndex(id string) int {
	for i, r := range ruleTableIDs {
		if r == id {
			return i
		}
	}
	return -1
}

var namedSubjectIdx = ruleIndex(NamedSubject)

// findsNothing reports whether the set has no rule that finds phrases: named-subject only recasts the others'.
func (rs ruleSet) findsNothing() bool { return rs&^(1<<namedSubjectIdx) == 0 }

// compiled is one expansion of a phrase row, ready for matching.
type compiled struct {
	*phrase
	rule     int
	words    []string
	lead     int // leading stop words, checked backwards from the word the phrase is indexed by
	notAfter [][]string
}

// leadWords are not used to index a phrase that starts with them ("the root cause" is found through "root"):
// they are so common that looking each one up would cost more than the rest of the scan.
var leadWords = words("the a an to at by of on in not did was were is")

// maxKey bounds the words looked up in the index: longer words cannot be phrase words.
const maxKey = 24

var index = buildIndex()

// firstWords is a cheap filter before the index lookup: a bit set of a hash of the first, second and last bytes
// (ASCII folded) and the length of the words that start a phrase, as written (an apostrophe may be the 3-byte
// ’). Most words fail it, so most words cost no map lookup.
var firstWords = func() (f filter) {
	for w := range index {
		f.add([]byte(w), len(w))
		if strings.Contains(w, "'") {
			f.add([]byte(w), len(w)+2)
		}
	}
	return f
}()

const filterBits = 1 << 14

type filter [filterBits / 64]uint64

func filterHash(w []byte, n int) uint32 {
	lower := func(c byte) uint32 { return uint32(c | 0x20) } // ASCII letters only; others just hash differently
	h := lower(w[0])*0x9E3779B1 ^ lower(w[1])*0x85EBCA77 ^ lower(w[len(w)-1])*0xC2B2AE3D ^ uint32(n)*0x27D4EB2F
	return (h ^ h>>15) % filterBits
}

func (f *filter) add(w []byte, n int) {
	h := filterHash(w, n)
	f[h/64] |= 1 << (h % 64)
}

func (f *filter) has(w []byte) bool {
	h := filterHash(w, len(w))
	return f[h/64]&(1<<(h%64)) != 0
}

func buildIndex() map[string][]*compiled {
	for i, r := range ruleTable {
		if ruleTableIDs[i] != r.id {
			panic("lint: ruleTableIDs out of step with ruleTable")
		}
	}
	idx := map[string][]*compiled{}
	for ri := range ruleTable {
		for pi := range ruleTable[ri].phrases {
			p := &ruleTable[ri].phrases[pi]
			var notAfter [][]string
			for _, a := range p.notAfter {
				notAfter = append(notAfter, strings.Fields(a))
			}
			for _, ws := range expand(p.text) {
				for _, w := range ws {
					if len(w) > maxKey || w != strings.ToLower(w) {
						panic("lint: phrase word too long or not lower case: " + w)
					}
				}
				c := &compiled{phrase: p, rule: ri, words: ws, notAfter: notAfter}
				for c.lead < len(ws)-1 && leadWords[ws[c.lead]] {
					c.lead++
				}
				idx[ws[c.lead]] = append(idx[ws[c.lead]], c)
			}
		}
	}
	// Longest first, so the first candidate of a rule that matches at a word is the longest one.
	for _, cs := range idx {
		for i := 1; i < len(cs); i++ {
			for j := i; j > 0 && len(cs[j].words) > len(cs[j-1].words); j-- {
				cs[j], cs[j-1] = cs[j-1], cs[j]
			}
		}
	}
	return idx
}

type span struct{ start, end int }

// gap flags describe the bytes between two words.
const (
	gapSoft  = 1 << iota // punctuation that does not end a clause: , ( ) quotes dashes
	gapColon             // a colon
	gapHard              // . ! ? ; or a separator (code span, URL, raw HTML)
)

const sepByte = 0 // replaces text that is not prose (code spans, URLs) in the buffer

// scanner holds the buffers for one lint call; it is pooled so linting a corpus allocates little.
type scanner struct {
	lt      *Linter
	buf     []byte
	pieces  []piece // Markdown: where the buffer's text comes from in the body
	toks    []span
	matches []match
	key     [maxKey]byte
	next    [maxKey]byte
}

// match is one flagged phrase, in buffer offsets.
type match struct {
	start, end int // the phrase as reported (for named-subject: from the name to the phrase's end)
	rule       int
	pat        *compiled
	person     string   // named-subject: the name
	nameTok    int      // token index of the name, for merging several phrases with one subject
	phrases    []string // named-subject: the underlying phrases
}

// wordByte marks ASCII letters, digits and the underscore; bytes from 0x80 up need decoding. The underscore keeps
// identifiers whole ("lazy_session_load" is not "lazy"); in Markdown, _emphasis_ markers are gone before this.
var wordByte = func() (t [256]bool) {
	for c := range 256 {
		t[c] = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
	}
	return t
}()

func isWordByte(c byte) bool { return wordByte[c] }

// wordRuneAt reports whether a letter or digit starts at buf[i], and its size.
func wordRuneAt(buf []byte, i int) (bool, int) {
	c := buf[i]
	if c < utf8.RuneSelf {
		return wordByte[c], 1
	}
	r, size := utf8.DecodeRune(buf[i:])
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r), size
}

// joinerAt reports whether buf[i] is an apostrophe or hyphen, which stay inside a word ("didn't", "on-call",
// "just-in-time") when a letter follows, and its size.
func joinerAt(buf []byte, i int) (bool, int) {
	switch c := buf[i]; {
	case c == '\'' || c == '-':
		return true, 1
	case c == 0xE2 && i+2 < len(buf) && buf[i+1] == 0x80 && buf[i+2] == 0x99: // ’
		return true, 3
	}
	return false, 0
}

func (sc *scanner) tokenize() {
	buf := sc.buf
	toks := sc.toks[:0]
	for i := 0; i < len(buf); {
		if c := buf[i]; c < utf8.RuneSelf { // fast path: ASCII
			if !wordByte[c] {
				i++
				continue
			}
		} else if ok, size := wordRuneAt(buf, i); !ok {
			i += size
			continue
		}
		start := i
		for i < len(buf) {
			c := buf[i]
			if c < utf8.RuneSelf && wordByte[c] {
				i++
				continue
			}
			if c >= utf8.RuneSelf {
				if ok, size := wordRuneAt(buf, i); ok {
					i += size
					continue
				}
			}
			if ok, size := joinerAt(buf, i); ok && i+size < len(buf) {
				if w, _ := wordRuneAt(buf, i+size); w {
					i += size
					continue
				}
			}
			break
		}
		toks = append(toks, span{start, i})
	}
	sc.toks = toks
}

// keyOf lowercases word t into the scanner's key buffer (ASCII folding, ’ as '); nil if too long to be a phrase
// word. The result is valid until the next call.
func (sc *scanner) keyOf(t int) []byte {
	return fold(sc.buf[sc.toks[t].start:sc.toks[t].end], sc.key[:0])
}

// fold appends w to dst with ASCII letters lower-cased and ’ as ', or returns nil past maxKey bytes.
func fold(w, dst []byte) []byte {
	for i := 0; i < len(w); i++ {
		if len(dst) == maxKey {
			return nil
		}
		c := w[i]
		switch {
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		case c == 0xE2 && i+2 < len(w) && w[i+1] == 0x80 && w[i+2] == 0x99:
			c, i = '\'', i+2
		}
		dst = append(dst, c)
	}
	return dst
}

func (sc *scanner) in(t int, set map[string]bool) bool {
	k := sc.keyOf(t)
	return k != nil && set[string(k)]
}

func (sc *scanner) is(t int, w string) bool {
	k := sc.keyOf(t)
	return k != nil && string(k) == w
}

// gap returns the gap flags between word a and the word after it (or the end of the run).
func (sc *scanner) gap(a int) int {
	from, to := sc.toks[a].end, len(sc.buf)
	if a+1 < len(sc.toks) {
		to = sc.toks[a+1].start
	}
	g := 0
	for i := from; i < to; i++ {
		switch c := sc.buf[i]; c {
		case ' ', '\t', '\n', '\r':
		case '.', '!', '?', ';', sepByte:
			g |= gapHard
		case ':':
			g |= gapColon
		case 0xC2: // U+00A0 no-break space
			if i+1 < to && sc.buf[i+1] == 0xA0 {
				i++
			} else {
				g |= gapSoft
			}
		default:
			g |= gapSoft
		}
	}
	if a+1 >= len(sc.toks) {
		g |= gapHard
	}
	return g
}

// seqAt reports whether the words ws are words t, t+1, ... (t > 0), each after only whitespace.
func (sc *scanner) seqAt(t int, ws []string) bool {
	for k, w := range ws {
		j := t + k
		if j >= len(sc.toks) || sc.gap(j-1) != 0 || !sc.is(j, w) {
			return false
		}
	}
	return true
}

// seqBefore reports whether the words ws are words first, first+1, ... (first >= 0), each followed by only
// whitespace.
func (sc *scanner) seqBefore(first int, ws []string) bool {
	for k, w := range ws {
		if sc.gap(first+k) != 0 || !sc.is(first+k, w) {
			return false
		}
	}
	return true
}

func (sc *scanner) isNumber(t int) bool {
	c := sc.buf[sc.toks[t].start]
	return c >= '0' && c <= '9'
}

// scan finds the phrases of the enabled rules in the current run, appending to sc.matches.
func (sc *scanner) scan(enabled ruleSet) {
	sc.tokenize()
	var consumed [len(ruleTableIDs)]int // per rule, the first word not yet inside a match
	for t, tok := range sc.toks {
		if w := sc.buf[tok.start:tok.end]; len(w) >= 2 && len(w) <= maxKey+2 && firstWords.has(w) {
			sc.scanAt(t, enabled, &consumed)
		}
	}
}

// scanAt tries the phrases indexed by word t.
func (sc *scanner) scanAt(t int, enabled ruleSet, consumed *[len(ruleTableIDs)]int) {
	var done ruleSet
	var next []byte // the next word's key, folded once for all candidates
	nextDone := false
	for _, c := range index[string(sc.keyOf(t))] {
		bit := ruleSet(1) << c.rule
		first := t - c.lead
		if enabled&bit == 0 || done&bit != 0 || first < consumed[c.rule] {
			continue
		}
		// The indexed word matched; the leading words must precede it and the rest follow it.
		if c.lead > 0 && !sc.seqBefore(first, c.words[:c.lead]) {
			continue
		}
		if rest := c.words[c.lead+1:]; len(rest) > 0 {
			if !nextDone {
				nextDone = true
				if t+1 < len(sc.toks) && sc.gap(t) == 0 {
					next = append(sc.next[:0], sc.keyOf(t+1)...)
				}
			}
			if string(next) != rest[0] || len(rest) > 1 && !sc.seqAt(t+2, rest[1:]) {
				continue
			}
		}
		// Once a phrase's words match, its guards decide for all of it: a shorter phrase of the same rule
		// inside it ("blame" in "no one is to blame") is not tried again.
		done |= bit
		last := first + len(c.words) - 1
		consumed[c.rule] = last + 1
		h, named := sc.decide(first, last, c)
		if !h.ok {
			continue
		}
		consumed[c.rule] = h.last + 1
		m := match{start: sc.toks[first].start, end: sc.toks[h.last].end, rule: c.rule, pat: c}
		if c.subject == subjActor {
			m.start = sc.toks[h.subj.tok].start // the actor is what makes the act a finding: "operator deleted"
		}
		if named && enabled&(1<<namedSubjectIdx) != 0 {
			sc.addNamed(m, h.subj)
		} else {
			sc.matches = append(sc.matches, m)
		}
	}
}

// decide applies a phrase's guards, condition and subject rule to a match of its words at first..last; named
// says whether its subject is a name that makes it a named-subject finding.
func (sc *scanner) decide(first, last int, c *compiled) (h hit, named bool) {
	if h = sc.check(first, last, c); !h.ok || c.subject == subjAny {
		return h, false
	}
	if !h.hasSubj {
		h.subj = sc.subjectOf(first)
	}
	s := h.subj.kind
	switch c.subject {
	case subjNamed:
		return h, s == subjListed
	case subjRequired:
		// An unlisted name only when the condition found it as the subject, or a person's verb follows.
		if s < subjName || s == subjName && !h.hasSubj && !sc.personVerbAt(h.last+1) {
			return hit{}, false
		}
	case subjActor:
		if s < subjName {
			return hit{}, false
		}
	}
	return h, s == subjListed || s == subjName
}

// addNamed records a named-subject match, merging it with the previous one when both have the same subject
// ("Dana simply forgot to" is one finding about Dana).
func (sc *scanner) addNamed(m match, s subject) {
	base := collapse(sc.buf[m.start:m.end])
	if n := len(sc.matches); n > 0 {
		prev := &sc.matches[n-1]
		if prev.rule == namedSubjectIdx && prev.nameTok == s.tok {
			prev.end = max(prev.end, m.end)
			prev.phrases = append(prev.phrases, base)
			return
		}
	}
	sc.matches = append(sc.matches, match{
		start: min(sc.toks[s.tok].start, m.start), end: m.end, rule: namedSubjectIdx, pat: m.pat,
		person: s.name, nameTok: s.tok, phrases: []string{base},
	})
}

// collapse returns b with each run of whitespace as one space: a phrase "as written", minus line breaks.
func collapse(b []byte) string {
	var sb strings.Builder
	sb.Grow(len(b))
	space := false
	for _, c := range b {
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
			space = true
			continue
		}
		if space && sb.Len() > 0 {
			sb.WriteByte(' ')
		}
		space = false
		sb.WriteByte(c)
	}
	return sb.String()
}

// maskURLs blanks out bare URLs ("https://x/should-have", "www.example.com/just-do-it") and wiki-link targets
// ("[[factor:human-error|the console]]" keeps only its label): they are addresses, not prose.
func maskURLs(buf []byte) {
	for off := 0; ; {
		i := bytes.Index(buf[off:], []byte("://"))
		if i < 0 {
			break
		}
		i += off
		s := i
		for s > 0 && (isWordByte(buf[s-1]) || buf[s-1] == '+' || buf[s-1] == '.' || buf[s-1] == '-') {
			s--
		}
		e := urlEnd(buf, i)
		if s < i {
			blank(buf[s:e])
		}
		off = e
	}
	for off := 0; ; {
		i := bytes.Index(buf[off:], []byte("www."))
		if i < 0 {
			break
		}
		i += off
		e := urlEnd(buf, i)
		if i == 0 || !isWordByte(buf[i-1]) {
			blank(buf[i:e])
		}
		off = e
	}
	for off := 0; ; {
		i := bytes.Index(buf[off:], []byte("[["))
		if i < 0 {
			break
		}
		i += off
		rest := buf[i+2:]
		if nl := bytes.IndexByte(rest, '\n'); nl >= 0 {
			rest = rest[:nl] // a wiki link does not span lines
		}
		end := bytes.Index(rest, []byte("]]"))
		if end < 0 {
			off = i + 2 + len(rest) // nothing later on this line closes either: keeps this linear
			continue
		}
		if bar := bytes.IndexByte(rest[:end], '|'); bar >= 0 {
			blank(buf[i : i+2+bar+1])
			blank(buf[i+2+end : i+2+end+2])
		} else {
			blank(buf[i : i+2+end+2])
		}
		off = i + 2 + end + 2
	}
}

func urlEnd(buf []byte, i int) int {
	for i < len(buf) {
		switch buf[i] {
		case ' ', '\t', '\n', '\r', sepByte, '<', '>', '"':
			return i
		}
		i++
	}
	return i
}

func blank(b []byte) {
	for i := range b {
		b[i] = sepByte
	}
}

// maskCodeSpans blanks out `code` in a plain-text string (frontmatter summaries often quote commands).
func maskCodeSpans(buf []byte) {
	for off := 0; ; {
		i := bytes.IndexByte(buf[off:], '`')
		if i < 0 {
			return
		}
		i += off
		j := bytes.IndexByte(buf[i+1:], '`')
		if j < 0 {
			return
		}
		end := i + 1 + j + 1
		blank(buf[i:end])
		off = end
	}
}
