package lint

import (
	"bytes"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The matcher works on one run of prose at a time (a Markdown block's text, or a frontmatter string): it splits
// the run into words once, looks each word up in an index of the phrases' first words, and checks the few
// candidates against the following words. That is one pass and one map lookup per word, whatever the number of
// phrases, instead of a regular expression per phrase.

// ruleSet is a set of rules by their index in ruleTable.
type ruleSet uint16

const allRules ruleSet = 1<<len(ruleTableIDs) - 1

// ruleTableIDs mirrors ruleTable's order; it is a separate constant list so allRules is a constant.
var ruleTableIDs = [...]string{Counterfactual, Blame, Minimiser, SingleCause, NamedSubject}

func ruleIndex(id string) int {
	for i, r := range ruleTableIDs {
		if r == id {
			return i
		}
	}
	return -1
}

var namedSubjectIdx = ruleIndex(NamedSubject)

// compiled is a phrase row ready for matching.
type compiled struct {
	*phrase
	rule     int
	words    []string
	notAfter [][]string
}

// maxKey bounds the words looked up in the index: longer words cannot be phrase words.
const maxKey = 24

var index = buildIndex()

// firstWords is a cheap filter before the index lookup: bit n of firstWords[c] is set when some phrase starts
// with a word of first byte c and n bytes as written (an apostrophe may be the 3-byte ’). Most words fail it.
var firstWords = func() (f [256]uint64) {
	for w := range index {
		n := len(w)
		for _, c := range []byte{w[0], w[0] - 'a' + 'A'} {
			f[c] |= 1 << n
			if strings.Contains(w, "'") {
				f[c] |= 1 << (n + 2)
			}
		}
	}
	return f
}()

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
			c := &compiled{phrase: p, rule: ri, words: strings.Fields(p.text)}
			for _, w := range c.words {
				if len(w) > maxKey {
					panic("lint: phrase word longer than maxKey: " + w)
				}
			}
			for _, a := range p.notAfter {
				c.notAfter = append(c.notAfter, strings.Fields(a))
			}
			first := c.words[0]
			idx[first] = append(idx[first], c)
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

// Word lists for the heuristics. They are deliberately small: an unknown word leaves a phrase unflagged, which keeps
// false positives low.
var (
	// After "should have", these start a noun phrase: a design statement ("should have a timeout").
	determiners = words("a an the its their our your his her my this that these those one two three four five " +
		"six seven eight nine ten more fewer less no enough some any every each all both several many much " +
		"multiple only at clear explicit proper sufficient adequate separate own good better strong sensible " +
		"reasonable basic appropriate default")
	// Irregular (and a few regular but short) past participles; other words ending in -ed count as well.
	participles = words("been known seen done taken gone caught run written given made had got gotten put set " +
		"let hit read kept left felt found built sent spent held told said heard thought brought bought taught " +
		"sought understood stood shown grown thrown drawn flown blown broken chosen spoken stolen frozen woken " +
		"driven ridden risen eaten fallen forgotten hidden bitten beaten proven shut cut split spread cast quit " +
		"become come begun stuck struck dug won lost met paid laid led fed fled slept swept meant dealt lent bent " +
		"used rerun undone overseen withdrawn undertaken mistaken foreseen rewritten redone rebuilt reset")
	// Words ending in -ed that are not participles.
	notParticiples = words("need speed feed seed breed bleed greed shed embed")
	// -ed words that, followed by a bare noun, are adjectives in a design statement ("should have automated tests").
	adjectivalEd = words("automated dedicated limited detailed advanced integrated isolated distributed separated " +
		"structured versioned named scheduled managed shared centralized centralised standardized standardised " +
		"balanced nested mixed documented defined guaranteed bounded signed encrypted authenticated")
	// Adverbs skipped between "have" and the participle ("should have also checked").
	adverbs = words("also just already never not even really actually probably certainly definitely still")
	// Words that start a wish about the past after "if only".
	pastWish = words("had hadn't were was knew did")
	// Person-ish subjects: pronouns and roles ("we failed to", "the on-call engineer failed to").
	personWords = words("i we he she they you someone somebody anyone anybody everyone everybody nobody " +
		"engineer engineers operator operators on-call oncall on-caller on-callers responder responders developer " +
		"developers dev devs reviewer reviewers author authors admin admins administrator administrators team sre " +
		"sres person people staff human humans manager managers lead owner owners " +
		"maintainer maintainers contractor contractors analyst analysts approver approvers deployer")
	// Words that may stand between a subject and its phrase: auxiliaries, modals, some adverbs and "who".
	transparent = words("was were is are am be been being had has have did do does will would could should might " +
		"may must can wasn't weren't isn't hadn't hasn't didn't also then again still never just already really " +
		"too both who")
	// Pronoun objects: "should have automated it" is a participle, like "should have automated the rollback".
	objects = words("it them him her us me")
)

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
	buf     []byte
	pieces  []piece // Markdown: where the buffer's text comes from in the body
	toks    []span
	matches []match
	key     [maxKey]byte
	people  []person
}

// match is one flagged phrase, in buffer offsets.
type match struct {
	start, end int // the phrase as reported (for named-subject: from the name to the phrase's end)
	rule       int
	pat        *compiled
	person     string
	nameTok    int      // token index of the name, for merging several phrases with one subject
	phrases    []string // named-subject: the underlying phrases
}

type person struct {
	name  string
	parts [][]byte
	upper []bool // the part is capitalised, so the text must be too ("Will" is a name, "will" a verb)
}

func newPeople(names []string) []person {
	var ps []person
	for _, n := range names {
		n = strings.TrimSpace(n)
		var p person
		for _, part := range strings.FieldsFunc(n, func(r rune) bool { return unicode.IsSpace(r) || r == '@' || r == ',' }) {
			if utf8.RuneCountInString(part) < 2 {
				continue
			}
			r, _ := utf8.DecodeRuneInString(part)
			p.parts = append(p.parts, []byte(part))
			p.upper = append(p.upper, unicode.IsUpper(r))
		}
		if len(p.parts) > 0 {
			p.name = n
			ps = append(ps, p)
		}
	}
	return ps
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
	w := sc.buf[sc.toks[t].start:sc.toks[t].end]
	n := 0
	for i := 0; i < len(w); i++ {
		if n == maxKey {
			return nil
		}
		c := w[i]
		switch {
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		case c == 0xE2 && i+2 < len(w) && w[i+1] == 0x80 && w[i+2] == 0x99:
			c, i = '\'', i+2
		}
		sc.key[n] = c
		n++
	}
	return sc.key[:n]
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

func (sc *scanner) isNumber(t int) bool {
	c := sc.buf[sc.toks[t].start]
	return c >= '0' && c <= '9'
}

// scan finds the phrases of the enabled rules in the current run, appending to sc.matches.
func (sc *scanner) scan(enabled ruleSet) {
	sc.tokenize()
	var consumed [len(ruleTableIDs)]int // per rule, the first word not yet inside a match
	for t, tok := range sc.toks {
		if n := tok.end - tok.start; n >= 64 || firstWords[sc.buf[tok.start]]&(1<<n) == 0 {
			continue
		}
		cands := index[string(sc.keyOf(t))]
		var done ruleSet
		for _, c := range cands {
			bit := ruleSet(1) << c.rule
			if enabled&bit == 0 || done&bit != 0 || t < consumed[c.rule] {
				continue
			}
			if len(c.words) > 1 && !sc.seqAt(t+1, c.words[1:]) { // the first word matched through the index
				continue
			}
			// Once a phrase's words match, its guards decide for all of it: a shorter phrase of the same rule
			// inside it ("blame" in "no one is to blame") is not tried again.
			done |= bit
			consumed[c.rule] = t + len(c.words)
			last, ok := sc.check(t, t+len(c.words)-1, c)
			if !ok {
				continue
			}
			m := match{start: sc.toks[t].start, end: sc.toks[last].end, rule: c.rule, pat: c}
			if c.subject || c.personOnly {
				kind, nameTok, who := sc.subject(t)
				if c.personOnly && kind == subjNone {
					continue
				}
				if kind == subjNamed && c.subject && enabled&(1<<namedSubjectIdx) != 0 {
					sc.addNamed(m, nameTok, who)
					consumed[c.rule] = last + 1
					continue
				}
			}
			sc.matches = append(sc.matches, m)
			consumed[c.rule] = last + 1
		}
	}
}

// addNamed records a named-subject match, merging it with the previous one when both have the same subject
// ("Dana simply forgot to" is one finding about Dana).
func (sc *scanner) addNamed(m match, nameTok int, who *person) {
	base := collapse(sc.buf[m.start:m.end])
	if n := len(sc.matches); n > 0 {
		prev := &sc.matches[n-1]
		if prev.rule == namedSubjectIdx && prev.nameTok == nameTok {
			prev.end = m.end
			prev.phrases = append(prev.phrases, base)
			return
		}
	}
	sc.matches = append(sc.matches, match{
		start: sc.toks[nameTok].start, end: m.end, rule: namedSubjectIdx, pat: m.pat,
		person: who.name, nameTok: nameTok, phrases: []string{base},
	})
}

// check applies a phrase's guards and condition to a match of its words at first..last. It returns the last
// word to report (a participle extends "should have" to "should have checked").
func (sc *scanner) check(first, last int, c *compiled) (int, bool) {
	if len(c.notBefore) > 0 && first > 0 && sc.gap(first-1)&gapHard == 0 {
		k := sc.keyOf(first - 1)
		for _, w := range c.notBefore {
			if string(k) == w {
				return 0, false
			}
		}
	}
	if len(c.notAfter) > 0 && last+1 < len(sc.toks) && sc.gap(last) == 0 {
		for _, ws := range c.notAfter {
			if ws[0] == "#" && sc.isNumber(last+1) || sc.seqAt(last+1, ws) {
				return 0, false
			}
		}
	}
	if c.negatable && sc.negated(first) {
		return 0, false
	}
	switch c.cond {
	case condParticiple:
		return sc.participle(last)
	case condIfOnly:
		for j := last + 1; j < len(sc.toks) && j <= last+6; j++ {
			if sc.gap(j-1)&gapHard != 0 {
				break
			}
			if sc.in(j, pastWish) || bytes.HasSuffix(sc.keyOf(j), []byte("'d")) {
				return last, true
			}
		}
		return 0, false
	case condNextWord:
		if sc.gap(last) != 0 {
			return 0, false
		}
	}
	return last, true
}

// negated reports whether a negation occurs up to three words before word t in the same clause.
func (sc *scanner) negated(t int) bool {
	for j := t - 1; j >= 0 && j >= t-3; j-- {
		if sc.gap(j) != 0 {
			return false
		}
		if sc.in(j, negators) {
			return true
		}
	}
	return false
}

// participle decides whether the modal ending at word have is counterfactual: followed by "been" or a past
// participle (after up to two adverbs), or ending the clause ("we should have."), rather than by a noun phrase.
func (sc *scanner) participle(have int) (int, bool) {
	j := have + 1
	for skipped := 0; ; j++ {
		g := sc.gap(j - 1)
		switch {
		case g&gapColon != 0: // "every service should have: a runbook, an owner"
			return 0, false
		case j >= len(sc.toks) || g&gapHard != 0 && sc.endsSentence(j-1):
			return have, true // "yes, we should have."
		case g != 0:
			return 0, false
		}
		k := sc.keyOf(j)
		if k == nil {
			return 0, false
		}
		switch w := string(k); {
		case w == "been" || participles[w]:
			return j, true
		case determiners[w]:
			return 0, false
		case len(w) > 4 && strings.HasSuffix(w, "ed") && !notParticiples[w]:
			// "should have automated tests" is a design statement; "should have automated the rollback" is not.
			if adjectivalEd[w] && j+1 < len(sc.toks) && sc.gap(j) == 0 &&
				!sc.in(j+1, determiners) && !sc.in(j+1, objects) {
				return 0, false
			}
			return j, true
		case skipped < 2 && (adverbs[w] || len(w) > 4 && strings.HasSuffix(w, "ly")):
			skipped++
			continue
		}
		return 0, false
	}
}

// endsSentence reports whether the gap after word t holds sentence punctuation rather than only a separator.
func (sc *scanner) endsSentence(t int) bool {
	to := len(sc.buf)
	if t+1 < len(sc.toks) {
		to = sc.toks[t+1].start
	}
	return bytes.ContainsAny(sc.buf[sc.toks[t].end:to], ".!?;") || t+1 >= len(sc.toks) && !bytes.ContainsRune(sc.buf[sc.toks[t].end:], sepByte)
}

type subjKind uint8

const (
	subjNone   subjKind = iota
	subjPerson          // a pronoun or role
	subjNamed           // a name from Options.People
)

// subject finds the subject of the phrase starting at word t: the word right before it, looking past
// auxiliaries and adverbs ("Dana was careless", "Dana simply forgot"), a parenthetical between commas ("Dana, who
// was on call, failed to") and a relative "who" ("we paged Dana, who failed to"). Any other word is taken to be a
// non-person subject or object ("the check should have", "the alert Dana wrote should have"), so the search stops.
func (sc *scanner) subject(t int) (subjKind, int, *person) {
	j := t - 1
	if j < 0 {
		return subjNone, 0, nil
	}
	if g := sc.gap(j); g&(gapHard|gapColon) != 0 {
		return subjNone, 0, nil
	} else if g != 0 && !sc.skipParenthetical(&j) {
		return subjNone, 0, nil
	}
	for first := j; j >= 0 && j >= t-10; j-- {
		if g := sc.gap(j); j < first && g != 0 {
			// Only "Name, who ..." joins a subject across punctuation.
			if g&(gapHard|gapColon) != 0 || !sc.is(j+1, "who") {
				break
			}
		}
		if p := sc.personAt(j); p != nil {
			// Take in the rest of a multi-word name ("Dana Scully").
			for j > 0 && sc.gap(j-1) == 0 && sc.personAt(j-1) == p {
				j--
			}
			return subjNamed, j, p
		}
		k := sc.keyOf(j)
		if k == nil {
			break
		}
		switch w := string(k); {
		case personWords[w]:
			return subjPerson, j, nil
		case transparent[w], len(w) > 4 && strings.HasSuffix(w, "ly"):
			continue
		}
		break
	}
	return subjNone, 0, nil
}

// skipParenthetical moves *j from the last word of a ", ... ," aside to the word before its opening comma.
func (sc *scanner) skipParenthetical(j *int) bool {
	for k := *j; k > 0 && k > *j-10; k-- {
		g := sc.gap(k - 1)
		if g&(gapHard|gapColon) != 0 {
			return false
		}
		if g != 0 {
			*j = k - 1
			return true
		}
	}
	return false
}

func (sc *scanner) personAt(t int) *person {
	w := sc.buf[sc.toks[t].start:sc.toks[t].end]
	for i := range sc.people {
		p := &sc.people[i]
		for pi, part := range p.parts {
			if !bytes.EqualFold(w, part) {
				continue
			}
			if p.upper[pi] {
				if r, _ := utf8.DecodeRune(w); !unicode.IsUpper(r) {
					continue
				}
			}
			return p
		}
	}
	return nil
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
