package lint

import (
	"bytes"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Telling people from things without a part-of-speech tagger: the subject of a phrase is the word before it
// (past auxiliaries and adverbs), and small word lists say whether that word is a person (a pronoun, a role, a
// team, a name from Options.People or another capitalised name) or a thing (any other noun). A tagger would not
// tell people from things either; it would only find the noun. The lists are deliberately small: an unknown word
// is taken for a thing, which leaves a person-only phrase unflagged and keeps false positives low.
var (
	subjectPronouns = words("i we he she they you someone somebody anyone anybody everyone everybody nobody")
	roles           = words("engineer engineers operator operators on-call oncall on-caller on-callers responder responders " +
		"developer developers dev devs reviewer reviewers approver approvers author authors admin admins " +
		"administrator administrators sysadmin sysadmins dba dbas sre sres team teams person people staff " +
		"manager managers lead leads maintainer maintainers contractor contractors analyst analysts deployer " +
		"deployers captain commander technician technicians employee employees colleague colleagues coworker " +
		"coworkers intern interns programmer programmers tester testers architect architects ops devops management " +
		"hire hires newcomer newcomers member members")
	objectPersons      = words("him her us me someone somebody anyone anybody everyone")
	thingPronouns      = words("it this that which these those there what")
	functionWords      = words("a an the and or but so yet because while when where whether if then than as of in on at to for with by from into onto over under after before during about against between through without within via per not no nor since until once")
	determiners        = words("a an the its their our your his her my this that these those one two three four five six seven eight nine ten more fewer less no enough some any every each all both several many much multiple only at clear explicit proper sufficient adequate separate own good better strong sensible reasonable basic appropriate default")
	postPrepositions   = words("on of in at from for with")
	pastBe             = words("was were been got went gone became")
	clauseJoiners      = words("and but or so yet then")
	transparent        = words("was were is are am be been being had has have did do does will would could should might may must can wasn't weren't isn't hadn't hasn't didn't also then again still never just already really too both who not")
	adverbs            = words("also just already never not even really actually probably certainly definitely still then again ever")
	pastWish           = words("had hadn't were was knew did")
	notParticiples     = words("need speed feed seed breed bleed greed shed embed")
	adjectivalEd       = words("automated dedicated limited detailed advanced integrated isolated distributed separated structured versioned named scheduled managed shared centralized centralised standardized standardised balanced nested mixed documented defined guaranteed bounded signed encrypted authenticated")
	objects            = words("it them him her us me")
	participles        = words("been known seen done taken gone caught run written given made had got gotten put set let hit read kept left felt found built sent spent held told said heard thought brought bought taught sought understood stood shown grown thrown drawn flown blown broken chosen spoken stolen frozen woken driven ridden risen eaten fallen forgotten hidden bitten beaten proven shut cut split spread cast quit become come begun stuck struck dug won lost met paid laid led fed fled slept swept meant dealt lent bent used rerun undone overseen withdrawn undertaken mistaken foreseen rewritten redone rebuilt reset")
	negations          = words("not never didn't don't doesn't wasn't weren't hadn't couldn't wouldn't")
	failureWords       = words("not never didn't wasn't weren't hadn't failed forgot neglected skipped")
	possessivePronouns = words("his her their my our your")

	// Verbs that things rarely do: after an unlisted capitalised word they make it a person ("Lena should have
	// double-checked", "Fatima failed to notice"), where other verbs leave it a product ("Redis failed to start").
	personVerbs = words("notice noticed check checked double-check double-checked realise realised realize realized " +
		"know known knew ask asked look looked read wait waited escalate escalated page paged tell told review " +
		"reviewed test tested verify verified confirm confirmed follow followed consider considered think thought " +
		"remember remembered update updated communicate communicated inform informed warn warned heed heeded listen " +
		"listened pay paid call called ensure ensured investigate investigated question questioned spot spotted " +
		"catch caught see seen understand understood")
	// Participles after "should have been" that are a person's act: "the bug should have been caught" is a
	// counterfactual about people, "the lock should have been released" one about a thing.
	humanPassive = words("caught noticed spotted seen checked double-checked tested reviewed verified escalated reported " +
		"questioned investigated considered read followed reverted avoided prevented averted anticipated foreseen " +
		"predicted flagged raised known communicated paged fixed done documented discussed handled addressed")
	// Consequences that make a "would have" a considered alternative, not a counterfactual: "we would have lost
	// the writes" is why the on-call waited.
	badOutcomes = words("lost dropped broken caused cost risked doubled tripled overloaded locked removed reverted " +
		"cleared extended delayed meant required needed forced interrupted killed exposed made left blocked wiped " +
		"deleted triggered exceeded degraded slowed stalled corrupted taken split")
	warningNouns = words("warning warnings alarm alarms alert alerts page pages advice runbook checklist instructions " +
		"procedure procedures guidance signs banner prompt prompts message messages notice")
	errorNouns  = words("mistake mistakes error errors blunder blunders fault oversight slip failure lapse negligence carelessness screw-up")
	harmMarkers = words("bad broken wrong faulty buggy untested unreviewed destructive malformed invalid incorrect debug corrupt corrupted")
	// Objects that make a destructive verb harmful: "deleted the production database", not "deleted the stale
	// branches".
	dataMarkers = words("production prod live primary master customer customers customer's user users shared entire whole")
	safeguards  = words("safety safeguard safeguards guard guardrail guardrails protection protections validation confirmation approval interlock lock")
	harmNouns   = words("outage outages incident incidents failure failures downtime crash problem issue regression breakage loss disruption")
	// Capitalised words that are not people: products, days and months, common sentence openers.
	notNames = words("kubernetes terraform ansible jenkins redis postgres postgresql mysql kafka nginx envoy consul vault " +
		"puppet chef docker linux aws gcp azure github gitlab prometheus grafana pagerduty slack cloudflare " +
		"elasticsearch cassandra mongodb zookeeper istio helm argo spinnaker airflow celery rabbitmq memcached " +
		"haproxy systemd cron bazel git windows chrome firefox android ios java python go rust node " +
		"monday tuesday wednesday thursday friday saturday sunday january february march april may june july " +
		"august september october november december " +
		"however meanwhile later then afterwards eventually instead also still yesterday today tomorrow finally")
)

// hit is the outcome of a phrase's guards and condition.
type hit struct {
	ok      bool
	last    int     // the last word to report ("should" reports "should have checked")
	subj    subject // the subject, when the condition found it
	hasSubj bool
}

type subjKind uint8

// Ordered: subjName and above may be people.
const (
	subjNone   subjKind = iota // no subject found: the start of a sentence, or one elided after "and"
	subjThing                  // a noun or pronoun that is not a person
	subjName                   // a capitalised word that may be a name not in Options.People
	subjPerson                 // a pronoun, role or team
	subjListed                 // a name from Options.People
)

type subject struct {
	kind subjKind
	tok  int    // the subject's first word
	name string // subjListed: the person's name; subjName: the name as written
}

// check applies a phrase's guards and condition to a match of its words at first..last.
func (sc *scanner) check(first, last int, c *compiled) hit {
	if sc.guarded(first, last, c) {
		return hit{}
	}
	switch c.cond {
	case condModal:
		return sc.modal(first)
	case condIfOnly:
		return hit{ok: sc.wishFollows(last), last: last}
	case condIfHad:
		return sc.ifHad(last)
	case condInverted:
		return sc.inverted(first)
	case condButNot:
		return sc.butNot(last)
	case condPersonObject:
		end := sc.personObject(last + 1)
		return hit{ok: end >= 0, last: end}
	case condErrorNoun:
		return sc.errorNoun(first)
	case condRoleNext:
		return hit{ok: sc.roleFollows(last), last: last}
	case condIgnore:
		return sc.ignore(first)
	case condPassiveOrPerson:
		return sc.passiveOrPerson(first, last)
	case condNextWord:
		return hit{ok: sc.gap(last) == 0 && !sc.mechanism(first, false), last: last}
	case condMechanism, condNotPresent:
		return hit{ok: !sc.mechanism(first, c.cond == condNotPresent), last: last}
	case condDown:
		return hit{ok: sc.downFollows(last), last: last}
	case condDestroy:
		return hit{ok: sc.objectHas(last, dataMarkers) || sc.objectHas(last, harmMarkers), last: last}
	case condShip, condHarmObject, condSafeguard:
		return hit{ok: sc.objectHas(last, objectMarkers[c.cond]), last: last}
	}
	return hit{ok: true, last: last}
}

// guarded reports whether a phrase's guards rule out the match at first..last: a word before it or words after
// it that make it something else ("git blame", "simply put"), or a negation before it.
func (sc *scanner) guarded(first, last int, c *compiled) bool {
	if len(c.notBefore) > 0 && first > 0 && sc.gap(first-1)&gapHard == 0 {
		k := sc.keyOf(first - 1)
		for _, w := range c.notBefore {
			if string(k) == w {
				return true
			}
		}
	}
	if len(c.notAfter) > 0 && last+1 < len(sc.toks) && sc.gap(last) == 0 {
		for _, ws := range c.notAfter {
			if ws[0] == "#" && sc.isNumber(last+1) || sc.seqAt(last+1, ws) {
				return true
			}
		}
	}
	return c.negatable && sc.negated(first)
}

// wishFollows reports whether a past form follows the "if only" ending at word t in the same clause: "if only we
// had checked", not "if only one replica is up".
func (sc *scanner) wishFollows(t int) bool {
	for j := t + 1; j < len(sc.toks) && j <= t+6 && sc.gap(j-1)&gapHard == 0; j++ {
		if sc.in(j, pastWish) || bytes.HasSuffix(sc.keyOf(j), []byte("'d")) {
			return true
		}
	}
	return false
}

// roleFollows reports whether a role is one of the two words after word t: "a junior admin", "a junior database
// admin".
func (sc *scanner) roleFollows(t int) bool {
	for j := t + 1; j < len(sc.toks) && j <= t+2 && sc.gap(j-1) == 0; j++ {
		if sc.in(j, roles) {
			return true
		}
	}
	return false
}

// downFollows reports whether "down" or "offline" is among the five words after word t in the same clause:
// "took the cluster down".
func (sc *scanner) downFollows(t int) bool {
	for j := t + 1; j < len(sc.toks) && j <= t+5 && sc.gap(j-1)&^gapSoft == 0; j++ {
		if sc.is(j, "down") || sc.is(j, "offline") {
			return true
		}
	}
	return false
}

// objectMarkers are the words in a verb's object that its condition asks for.
var objectMarkers = map[cond]map[string]bool{condShip: harmMarkers, condHarmObject: harmNouns, condSafeguard: safeguards}

// passiveOrPerson decides an adverb at first..last that qualifies a person's act or a passive ("Dana hastily
// merged", "was hastily merged"), not a mechanism ("the client blindly retries").
func (sc *scanner) passiveOrPerson(first, last int) hit {
	s := sc.subjectOf(first)
	return hit{ok: s.kind >= subjName || sc.pastPassive(first), last: last, subj: s, hasSubj: true}
}

// inverted decides a clause-initial "had" at word t ("had someone checked"); after a word in the same clause
// ("we had checked") it is a plain past perfect.
func (sc *scanner) inverted(t int) hit {
	if t > 0 && sc.gap(t-1) == 0 && !sc.in(t-1, clauseJoiners) {
		return hit{}
	}
	return sc.conditional(t, t)
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

func isAdverb(k []byte) bool {
	return adverbs[string(k)] || len(k) > 4 && bytes.HasSuffix(k, []byte("ly"))
}

// modal decides the modal at word t ("should", "would've"): a modal perfect about a person, or the passive of
// a person's act with no agent.
func (sc *scanner) modal(t int) hit {
	k := sc.keyOf(t)
	would := bytes.HasPrefix(k, []byte("would"))
	could := bytes.HasPrefix(k, []byte("could"))
	have, neg := sc.modalHave(t)
	// "Nobody could have known", "we could not have known": the opposite of a counterfactual.
	if have < 0 || could && (neg || sc.negated(t)) {
		return hit{}
	}
	last, ok := sc.participle(have)
	if !ok {
		return hit{}
	}
	p := string(sc.keyOf(last))
	s := sc.subjectOf(t)
	switch s.kind {
	case subjListed, subjPerson:
		if would && badOutcomes[p] {
			return hit{} // a considered alternative: "we would have lost the writes"
		}
		return hit{ok: true, last: last, subj: s, hasSubj: true}
	case subjName:
		if last != have && personVerbs[p] {
			return hit{ok: true, last: last, subj: s, hasSubj: true}
		}
	}
	// A thing: flagged only as the passive of a person's act with no agent that is a thing.
	if would || p != "been" {
		return hit{}
	}
	return sc.passiveAct(last)
}

// modalHave finds the "have" of the modal at word t: t itself ("should've"), or a later word past "to" after
// "ought" and up to two adverbs, "not" or "never". It returns -1 when there is none, and whether the modal is
// negated.
func (sc *scanner) modalHave(t int) (have int, neg bool) {
	k := sc.keyOf(t)
	neg = bytes.HasSuffix(k, []byte("n't"))
	if bytes.HasSuffix(k, []byte("'ve")) {
		return t, neg
	}
	j := t + 1
	if string(k) == "ought" {
		if !sc.seqAt(j, []string{"to"}) {
			return -1, neg
		}
		j++
	}
	for skipped := 0; j < len(sc.toks) && skipped <= 2; j, skipped = j+1, skipped+1 {
		if sc.gap(j-1) != 0 {
			return -1, neg
		}
		switch w := sc.keyOf(j); {
		case string(w) == "have":
			return j, neg
		case string(w) == "not" || string(w) == "never":
			neg = true
		case !isAdverb(w):
			return -1, neg
		}
	}
	return -1, neg
}

// passiveAct decides the "been" at word been after a modal about a thing: flagged when a person's act follows
// ("the bug should have been caught"), unless a thing is its agent ("caught by the canary").
func (sc *scanner) passiveAct(been int) hit {
	q := been + 1
	if q < len(sc.toks) && sc.gap(been) == 0 && isAdverb(sc.keyOf(q)) {
		q++
	}
	if q >= len(sc.toks) || sc.gap(q-1) != 0 || !sc.in(q, humanPassive) {
		return hit{}
	}
	for j := q + 1; j < len(sc.toks) && j <= q+3 && sc.gap(j-1) == 0; j++ {
		if sc.is(j, "by") {
			if sc.personObject(j+1) < 0 {
				return hit{} // "should have been caught by the canary"
			}
			break
		}
	}
	return hit{ok: true, last: q, subj: subject{kind: subjThing}, hasSubj: true}
}

// participle decides whether the modal ending at word have is counterfactual: followed by "been" or a past
// participle (after up to two adverbs), or ending the clause ("we should have."), rather than by a noun phrase.
// It returns the participle's word, or have at the end of a clause.
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
		case sc.edParticiple(j):
			// "should have automated tests" is a design statement; "should have automated the rollback" is not.
			if adjectivalEd[w] && j+1 < len(sc.toks) && sc.gap(j) == 0 &&
				!sc.in(j+1, determiners) && !sc.in(j+1, objects) {
				return 0, false
			}
			return j, true
		case skipped < 2 && isAdverb(k):
			skipped++
			continue
		}
		return 0, false
	}
}

func (sc *scanner) edParticiple(j int) bool {
	k := sc.keyOf(j)
	return len(k) > 4 && bytes.HasSuffix(k, []byte("ed")) && !notParticiples[string(k)]
}

func (sc *scanner) isParticiple(j int) bool {
	return sc.in(j, participles) || sc.edParticiple(j)
}

// endsSentence reports whether the gap after word t holds sentence punctuation rather than only a separator.
func (sc *scanner) endsSentence(t int) bool {
	to := len(sc.buf)
	if t+1 < len(sc.toks) {
		to = sc.toks[t+1].start
	}
	return bytes.ContainsAny(sc.buf[sc.toks[t].end:to], ".!?;") || t+1 >= len(sc.toks) && !bytes.ContainsRune(sc.buf[sc.toks[t].end:], sepByte)
}

// ifHad finds "if X had done" after the "if" at word t: X a person, up to five words, and no comma between.
func (sc *scanner) ifHad(t int) hit {
	for j := t + 2; j < len(sc.toks) && j <= t+6; j++ {
		if sc.gap(j-1) != 0 {
			return hit{}
		}
		if sc.is(j, "had") || sc.is(j, "hadn't") {
			return sc.conditional(t, j)
		}
	}
	return hit{}
}

// conditional decides a counterfactual conditional whose "had" is word had and whose subject ends before the
// participle: "if the reviewer had run", "had someone checked". The subject must be a person, an unlisted
// name only with a person's verb, and the sentence must not be weighing a worse outcome ("had we failed over, we
// would have lost the writes" explains why they did not).
func (sc *scanner) conditional(start, had int) hit {
	head, part := had-1, had+1
	if start == had { // inverted: the subject follows "had"
		if head, part = sc.invertedSubject(had); part == 0 {
			return hit{}
		}
	}
	for part < len(sc.toks) && part <= had+6 && sc.gap(part-1) == 0 && (sc.in(part, negations) || isAdverb(sc.keyOf(part))) {
		part++
	}
	if part >= len(sc.toks) || sc.gap(part-1) != 0 || !sc.isParticiple(part) {
		return hit{}
	}
	s, _ := sc.classify(head)
	if s.kind == subjThing {
		s = sc.postModified(s)
	}
	if s.kind < subjPerson && sc.beenAct(part) {
		// "had the runbook been followed": the passive of a person's act, as with "should have been caught".
		return hit{ok: !sc.worseOutcome(start), last: part + 1, subj: subject{kind: subjThing}, hasSubj: true}
	}
	if s.kind < subjName || s.kind == subjName && !sc.personVerbAt(part) || sc.worseOutcome(start) {
		return hit{}
	}
	return hit{ok: true, last: part, subj: s, hasSubj: true}
}

// beenAct reports whether word j is "been" right before a person's act.
func (sc *scanner) beenAct(j int) bool {
	return sc.is(j, "been") && j+1 < len(sc.toks) && sc.gap(j) == 0 && sc.in(j+1, humanPassive)
}

// invertedSubject finds the subject after an inverted "had" at word had ("had the on-call checked"): its last
// word, head, and the participle or negation after it, part (0 when there is none).
func (sc *scanner) invertedSubject(had int) (head, part int) {
	for j := had + 2; j < len(sc.toks) && j <= had+5 && sc.gap(j-1) == 0; j++ {
		if sc.isParticiple(j) || sc.in(j, negations) {
			return j - 1, j
		}
	}
	return 0, 0
}

// worseOutcome reports whether the sentence around word t has a "would have" with a bad consequence.
func (sc *scanner) worseOutcome(t int) bool {
	from, to := t, t
	for from > 0 && from > t-40 && sc.gap(from-1)&gapHard == 0 {
		from--
	}
	for to+1 < len(sc.toks) && to < t+40 && sc.gap(to)&gapHard == 0 {
		to++
	}
	for j := from; j <= to; j++ {
		k := sc.keyOf(j)
		if !bytes.HasPrefix(k, []byte("would")) {
			continue
		}
		h := j
		if !bytes.HasSuffix(k, []byte("'ve")) {
			for h = j + 1; h <= to && !sc.is(h, "have"); h++ {
				if h > j+3 {
					break
				}
			}
		}
		for p := h + 1; p <= to && p <= h+3; p++ {
			if sc.in(p, badOutcomes) {
				return true
			}
		}
	}
	return false
}

// butNot finds "but did not" (or "never", "failed") later in the sentence after word t.
func (sc *scanner) butNot(t int) hit {
	for j := t + 1; j < len(sc.toks) && j <= t+25; j++ {
		if sc.gap(j-1)&gapHard != 0 {
			return hit{}
		}
		if sc.is(j, "but") || sc.is(j, "yet") {
			for k := j + 1; k < len(sc.toks) && k <= j+3; k++ {
				if sc.in(k, failureWords) {
					return hit{ok: true, last: t}
				}
			}
		}
	}
	return hit{}
}

// personObject reports the last word of a person named from word j on ("an operator", "the deploy team", "the
// on-call's mistake"), or -1.
func (sc *scanner) personObject(j int) int {
	for k := j; k < len(sc.toks) && k <= j+3; k++ {
		if k > 0 && sc.gap(k-1) != 0 {
			return -1
		}
		w := sc.keyOf(k)
		if bytes.HasSuffix(w, []byte("'s")) {
			if sc.possessivePerson(k) && k+1 < len(sc.toks) && sc.gap(k) == 0 && sc.in(k+1, errorNouns) {
				return k + 1
			}
			return -1
		}
		switch {
		case roles[string(w)] || objectPersons[string(w)] || sc.personAt(k, false) != nil || sc.nameAt(k, false):
			return k
		case thingPronouns[string(w)], functionWords[string(w)] && !determiners[string(w)]:
			return -1
		}
	}
	return -1
}

// possessivePerson reports whether word j is a person's possessive: "the on-call's", "Dana's".
func (sc *scanner) possessivePerson(j int) bool {
	base, ok := bytes.CutSuffix(sc.keyOf(j), []byte("'s"))
	return ok && (roles[string(base)] || sc.personAt(j, true) != nil || sc.nameAt(j, true))
}

// errorNoun decides a mistake at word t: a person's ("the on-call's mistake", "their error"), made by a person
// ("a mistake by the SRE", "on the part of"), or made ("the engineer made a mistake").
func (sc *scanner) errorNoun(t int) hit {
	if sc.personsError(t) {
		return hit{ok: true, last: t}
	}
	if s, ok := sc.errorMaker(t); ok {
		return hit{ok: true, last: t, subj: s, hasSubj: true}
	}
	end := sc.errorAgent(t)
	return hit{ok: end >= 0, last: end}
}

// personsError reports whether the mistake at word t is a person's: "their mistake", "the on-call's error".
func (sc *scanner) personsError(t int) bool {
	if t == 0 || sc.gap(t-1) != 0 {
		return false
	}
	// "our errors" are more often a service's error responses than a person's; "our mistake" is a person's.
	if sc.in(t-1, possessivePronouns) && !sc.is(t, "error") && !sc.is(t, "errors") && !sc.is(t, "failure") {
		return true
	}
	return sc.possessivePerson(t - 1)
}

// errorMaker finds the subject of "made a mistake" ending at word t, when it may be a person.
func (sc *scanner) errorMaker(t int) (subject, bool) {
	if t < 2 || sc.gap(t-1) != 0 || sc.gap(t-2) != 0 || !sc.is(t-1, "a") && !sc.is(t-1, "an") ||
		!sc.is(t-2, "made") && !sc.is(t-2, "make") && !sc.is(t-2, "makes") {
		return subject{}, false
	}
	s := sc.subjectOf(t - 2)
	return s, s.kind >= subjName
}

// errorAgent returns the last word of the person that a phrase after the mistake at word t attributes it to ("a
// mistake by the SRE", "on the part of the DBA", "was made by a new member of the team"), or -1.
func (sc *scanner) errorAgent(t int) int {
	if t+1 >= len(sc.toks) || sc.gap(t) != 0 {
		return -1
	}
	if sc.is(t+1, "by") || sc.is(t+1, "of") {
		if end := sc.personObject(t + 2); end >= 0 {
			return end
		}
	} else if sc.seqAt(t+1, []string{"on", "the", "part", "of"}) {
		if end := sc.personObject(t + 5); end >= 0 {
			return end
		}
	}
	for j := t + 1; j < len(sc.toks) && j <= t+3 && sc.gap(j-1) == 0; j++ {
		if sc.is(j, "made") && sc.seqAt(j+1, []string{"by"}) {
			return sc.personObject(j + 2)
		}
	}
	return -1
}

// ignore decides "ignored" at word t: a person ignored it, it went ignored in the past ("the alert was
// ignored"), or a warning was ignored; a thing ignoring something ("the parser ignores the field") is its design.
func (sc *scanner) ignore(t int) hit {
	s := sc.subjectOf(t)
	switch {
	case s.kind == subjPerson || s.kind == subjListed:
	case sc.pastPassive(t):
	case s.kind == subjThing:
		return hit{}
	case !sc.objectHas(t, warningNouns):
		return hit{}
	}
	return hit{ok: true, last: t, subj: s, hasSubj: true}
}

// pastPassive reports whether word t follows a past form of "be" ("was ignored", "were hastily merged").
func (sc *scanner) pastPassive(t int) bool {
	for j := t - 1; j >= 0 && j >= t-3; j-- {
		if sc.gap(j) != 0 {
			return false
		}
		if sc.in(j, pastBe) {
			return true
		}
		if !isAdverb(sc.keyOf(j)) {
			return false
		}
	}
	return false
}

// objectHas reports whether one of the few words after verb t, in the same clause and before a preposition,
// is in set.
func (sc *scanner) objectHas(t int, set map[string]bool) bool {
	for j := t + 1; j < len(sc.toks) && j <= t+5; j++ {
		if sc.gap(j-1) != 0 {
			return false
		}
		k := sc.keyOf(j)
		if set[string(k)] {
			return true
		}
		if functionWords[string(k)] && !determiners[string(k)] && string(k) != "and" && string(k) != "or" {
			return false
		}
	}
	return false
}

// mechanism reports whether the minimiser at word t describes what a thing does ("the script simply retries",
// "it will just evict the entry"): its subject is a thing right before it, past modals but not a copula ("it
// was just a typo" minimises). With present, only a verb in the present tense counts.
func (sc *scanner) mechanism(t int, present bool) bool {
	j := t - 1
	for ; j >= 0 && j >= t-3 && sc.gap(j) == 0; j-- {
		switch k := string(sc.keyOf(j)); k {
		case "will", "would", "can", "could", "may", "might", "should", "must", "also", "then", "still":
			continue
		}
		break
	}
	if j < 0 || sc.gap(j) != 0 {
		return false
	}
	if s, transp := sc.classify(j); s.kind != subjThing || transp {
		return false
	}
	if present {
		if t+1 >= len(sc.toks) {
			return false
		}
		v := sc.keyOf(t + 1)
		return len(v) > 2 && v[len(v)-1] == 's' && v[len(v)-2] != 's'
	}
	return true
}

// subjectOf finds the subject of the phrase starting at word t: the word right before it, looking past
// auxiliaries and adverbs ("Dana was careless", "Dana simply forgot"), a parenthetical between commas ("Dana, who
// was on call, failed to") and a relative "who" ("we paged Dana, who failed to").
func (sc *scanner) subjectOf(t int) subject {
	j := t - 1
	if j < 0 {
		return subject{}
	}
	if g := sc.gap(j); g&(gapHard|gapColon) != 0 {
		return subject{}
	} else if g != 0 {
		sc.skipParenthetical(&j) // else a dash or a bracket: "the team — should have"
	}
	for first := j; j >= 0 && j >= t-10; j-- {
		if g := sc.gap(j); j < first && g != 0 {
			// Only "Name, who ..." joins a subject across punctuation.
			if g&(gapHard|gapColon) != 0 || !sc.is(j+1, "who") {
				break
			}
		}
		s, transp := sc.classify(j)
		if !transp {
			if s.kind == subjNone && sc.in(j, clauseJoiners) {
				return sc.elidedSubject(j)
			}
			if s.kind == subjThing {
				return sc.postModified(s)
			}
			return s
		}
	}
	return subject{}
}

// postModified returns the person that a thing word ends the post-modifier of ("the engineer on call should
// have", "a member of the platform team"), or the thing itself.
func (sc *scanner) postModified(s subject) subject {
	for k := s.tok - 1; k > 0 && k >= s.tok-4 && sc.gap(k) == 0 && sc.gap(k-1) == 0; k-- {
		if sc.in(k, postPrepositions) {
			if p, _ := sc.classify(k - 1); p.kind >= subjPerson {
				return p
			}
			return s
		}
	}
	return s
}

// elidedSubject finds the subject that a clause after the coordinator at word j shares with the one before
// ("we rolled back, and could have paged the owner"): the nearest person earlier in the sentence. Only people
// are looked for: a noun there may as well be an object.
func (sc *scanner) elidedSubject(j int) subject {
	for k := j - 1; k >= 0 && k >= j-12 && sc.gap(k)&gapHard == 0; k-- {
		if s, _ := sc.classify(k); s.kind >= subjPerson {
			return s
		}
	}
	return subject{}
}

// classify says what word j is as a subject; transp is true for words that stand between a subject and its
// verb (auxiliaries, adverbs, "who").
func (sc *scanner) classify(j int) (s subject, transp bool) {
	s.tok = j
	if p := sc.personAt(j, false); p != nil {
		// Take in the rest of a multi-word name ("Dana Ruiz").
		for s.tok > 0 && sc.gap(s.tok-1) == 0 && sc.personAt(s.tok-1, false) == p {
			s.tok--
		}
		s.kind, s.name = subjListed, p.name
		return s, false
	}
	k := sc.keyOf(j)
	if k == nil {
		s.kind = subjThing
		return s, false
	}
	w := string(k)
	switch {
	case subjectPronouns[w] || roles[w]:
		s.kind = subjPerson
	case transparent[w] || isAdverb(k):
		return s, true
	case thingPronouns[w]:
		s.kind = subjThing
	case sc.nameAt(j, false):
		for s.tok > 0 && sc.gap(s.tok-1) == 0 && sc.nameAt(s.tok-1, false) {
			s.tok--
		}
		s.kind, s.name = subjName, collapse(sc.buf[sc.toks[s.tok].start:sc.toks[j].end])
	case functionWords[w]:
		s.kind = subjNone
	default:
		s.kind = subjThing
	}
	return s, false
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

func (sc *scanner) personVerbAt(j int) bool {
	return j < len(sc.toks) && j > 0 && sc.gap(j-1) == 0 && sc.in(j, personVerbs)
}

// nameAt reports whether word j looks like a name that is not in Options.People: capitalised, then lower case
// ("Priya", not "DBA"), and not a known word, product, day or month. At the start of a sentence every word is
// capitalised, so there a gerund ("Restarting") does not count. With possessive, a trailing "'s" is ignored.
func (sc *scanner) nameAt(j int, possessive bool) bool {
	w := sc.buf[sc.toks[j].start:sc.toks[j].end]
	r, size := utf8.DecodeRune(w)
	if !unicode.IsUpper(r) || size >= len(w) {
		return false
	}
	if r2, _ := utf8.DecodeRune(w[size:]); !unicode.IsLower(r2) {
		return false
	}
	k := sc.keyOf(j)
	if k == nil {
		return false
	}
	if possessive {
		k = bytes.TrimSuffix(k, []byte("'s"))
	} else if bytes.HasSuffix(k, []byte("'s")) {
		return false
	}
	if bytes.ContainsAny(k, "'-") {
		return false
	}
	switch w := string(k); {
	case notNames[w], functionWords[w], transparent[w], subjectPronouns[w], roles[w], thingPronouns[w], determiners[w]:
		return false
	}
	if j == 0 || sc.gap(j-1)&(gapHard|gapColon) != 0 {
		return !bytes.HasSuffix(k, []byte("ing")) && !bytes.HasSuffix(k, []byte("ed")) && !bytes.HasSuffix(k, []byte("ly"))
	}
	return true
}

// person is a name from Options.People.
type person struct{ name string }

// namePart is one word of a person's name as the people index holds it.
type namePart struct {
	p     *person
	upper bool // the part is capitalised, so the text must be too ("Will" is a name, "will" a verb)
}

// newPeople indexes the people's names by their words, lower-cased as keyOf does, so finding a person at a word is
// one map lookup whatever the number of people.
func newPeople(names []string) map[string][]namePart {
	idx := map[string][]namePart{}
	for _, n := range names {
		n = strings.TrimSpace(n)
		p := &person{name: n}
		for _, part := range strings.FieldsFunc(n, func(r rune) bool { return unicode.IsSpace(r) || r == '@' || r == ',' }) {
			if utf8.RuneCountInString(part) < 2 || len(part) > maxKey {
				continue
			}
			r, _ := utf8.DecodeRuneInString(part)
			k := string(fold([]byte(part), nil))
			idx[k] = append(idx[k], namePart{p: p, upper: unicode.IsUpper(r)})
		}
	}
	return idx
}

// personAt returns the person whose name word j is (with possessive, ignoring a trailing "'s").
func (sc *scanner) personAt(j int, possessive bool) *person {
	if len(sc.lt.people) == 0 {
		return nil
	}
	k := sc.keyOf(j)
	if possessive {
		k = bytes.TrimSuffix(k, []byte("'s"))
	}
	parts := sc.lt.people[string(k)]
	if len(parts) == 0 {
		return nil
	}
	r, _ := utf8.DecodeRune(sc.buf[sc.toks[j].start:])
	for _, np := range parts {
		if !np.upper || unicode.IsUpper(r) {
			return np.p
		}
	}
	return nil
}
