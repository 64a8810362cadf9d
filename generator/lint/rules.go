package lint

import (
	"fmt"
	"strings"
)

// Rule ids, as used in Finding.Rule, Options.Disable, ignore comments and the Vale style's file names.
const (
	Counterfactual = "counterfactual"
	Blame          = "blame"
	Competence     = "competence"
	Minimiser      = "minimiser"
	SingleCause    = "single-cause"
	HarmfulAct     = "harmful-act"
	NamedSubject   = "named-subject"
)

// Rule describes one rule for `secondstory check --help` and `secondstory help check RULE`.
type Rule struct {
	ID       string
	Summary  string    // what the rule looks for, one line
	Help     string    // why it matters, how to reframe, and the phrases it looks for (several paragraphs)
	Examples []Example // a flagged sentence and a reframing the rule accepts
}

// Example is a flagged sentence and a reframing of it that tells the second story.
type Example struct{ Flagged, Reframed string }

// cond is an extra check on the words around a phrase that separates the flagged use from a look-alike. Each is
// implemented in conds.go and approximated for Vale in vale.go.
type cond uint8

const (
	condNone cond = iota
	// condModal: the phrase is a modal ("should"); flagged as a modal perfect ("should have checked") about a
	// person, or as a passive of a person's act with no agent ("the bug should have been caught"). Things as
	// subjects ("the lock should have been released by the timeout") and considered alternatives ("we would
	// have lost the writes") are not flagged.
	condModal
	// condIfOnly: a wish about the past ("if only we had checked"), not a condition ("if only one replica is up").
	condIfOnly
	// condIfHad: "if X had done", X a person, and the sentence is not weighing a worse outcome.
	condIfHad
	// condInverted: a clause-initial "had X done", X a person.
	condInverted
	// condButNot: an expectation that a later "but did not" says was not met ("was expected to … but didn't").
	condButNot
	// condPersonObject: a person follows ("caused by an operator", "traced to the DBA's mistake").
	condPersonObject
	// condErrorNoun: a mistake attributed to a person ("the on-call's mistake", "a mistake by the SRE", "the
	// engineer made a mistake"), not "an error in the parser".
	condErrorNoun
	// condRoleNext: a role follows ("a junior admin", not "the junior partition").
	condRoleNext
	// condIgnore: a person ignored something, or a warning went ignored ("the alert was ignored"), not "the
	// parser ignores the field".
	condIgnore
	// condPassiveOrPerson: the adverb qualifies a person's act or a passive ("was hastily merged"), not a
	// mechanism ("the client blindly retries").
	condPassiveOrPerson
	// condNextWord: a word must follow in the same clause, and the subject is not a thing doing its job ("the
	// script simply retries"): a minimiser, not a mechanism or a time ("just before midnight").
	condNextWord
	// condMechanism: the subject is not a thing doing its job ("the script simply retries").
	condMechanism
	// condNotPresent: as condMechanism, and a thing in the present tense is a description ("the dashboard clearly
	// labels each region"), not hindsight ("the graph clearly showed the leak").
	condNotPresent
	// condDown: "took/brought … down" or "offline".
	condDown
	// condDestroy: a destructive verb whose object is production data or the wrong thing ("deleted the
	// production database", not "deleted the stale branches").
	condDestroy
	// condShip: a shipping verb whose object is bad ("pushed a broken config", not "pushed the fix").
	condShip
	// condHarmObject: the object is an outage or an incident ("caused the outage").
	condHarmObject
	// condSafeguard: the object is a safeguard ("disabled the safety check", not "disabled the feature flag").
	condSafeguard
)

// subjectRule says how the phrase's subject (the person or thing before it) matters.
type subjectRule uint8

const (
	subjAny subjectRule = iota // the subject does not matter
	// subjNamed: a person from Options.People as subject makes it a named-subject finding.
	subjNamed
	// subjPersonal: as subjNamed, and since only people do this ("forgot to", "carelessly"), any capitalised
	// name does too.
	subjPersonal
	// subjRequired: flagged only with a person as subject ("we failed to"), since things do this too ("the job
	// failed to start"); an unlisted capitalised name counts when a person's verb follows ("Fatima failed to
	// notice", not "Redis failed to start").
	subjRequired
	// subjActor: flagged only with a person as subject; any capitalised name that is not a known product counts.
	subjActor
)

// phrase is one row of the rule table. Words are matched whole and case-insensitively, separated by whitespace
// only (so "should, have" and "should `x` have" do not match). "{a|b c}" in text stands for one row per choice.
type phrase struct {
	text      string
	cond      cond
	subject   subjectRule
	negatable bool     // a negation shortly before cancels it ("no one is to blame", "not just a restart")
	notBefore []string // the previous word must not be one of these
	notAfter  []string // the next words must not be one of these (may be several words; "#" means a number)
	// message and advice override the rule's when the phrase deserves its own wording.
	message, advice string
	// vale approximates a phrase with notBefore or notAfter guards for the Vale style (regular expressions);
	// without it such a phrase is left out of the style.
	vale []string
}

type ruleDef struct {
	id, summary string
	message     string // default Finding.Message: the one-line why
	advice      string // default Finding.Advice: the reframing
	help        string // the long explanation (Rule.Help, before the generated phrase list)
	examples    []Example
	phrases     []phrase
}

// negators cancel a negatable phrase when they occur within a few words before it, in the same clause.
var negators = words("no not never without nobody none hardly don't doesn't didn't isn't wasn't aren't weren't won't can't cannot")

// Messages shared by several rows.
const (
	msgConditional = "a counterfactual conditional: what did not happen, not why it made sense"
	msgExpected    = "measures a person against an expectation instead of asking why it was not met"
	msgPassive     = "the adverb judges whoever did it, even when the sentence hides who"
	msgAttribution = "attributes the failure to a person instead of the conditions around them"
	msgAccident    = `"by accident" labels a slip; the second story is what made the slip easy`
	advAccident    = `say what made the slip easy and its effect large; e.g. "the delete command takes any path and does not ask for confirmation"`
	msgIgnore      = "says a person ignored a signal; ask why the signal did not stand out"
	advIgnore      = `say what competed for attention and how the signal looked then; e.g. "the disk alarm fired alongside 40 flapping alerts and looked like one of them"`
)

// ruleTable is the rule set and the one source of the rules' documentation and of the Vale style. To extend
// it, add a phrase row (or a rule); the matcher indexes it at init. named-subject must stay last: its findings
// are derived from the others'.
var ruleTable = []ruleDef{
	{
		id:      Counterfactual,
		summary: "what people should, could or failed to have done, and conditionals about it",
		message: "a counterfactual says what did not happen, not why the actions made sense",
		advice:  `describe what the person saw and knew, and why the action made sense then; e.g. "the runbook did not mention the cache flush"`,
		help: `A counterfactual ("should have", "could have", "failed to", "if the reviewer had run the tests") describes a world
that did not happen. It explains nothing about the one that did: what people saw, what they knew, and why what they did
made sense to them at the time. It also implies the answer was available, which is hindsight.

Modal perfects are flagged only when their subject is a person, a role or a team ("the on-call should have rolled
back"), or when they are the passive of a person's act with no agent ("the bug should have been caught"). Statements
about things ("the lock should have been released by the timeout", "the standby would have taken over"), design
statements ("every service should have an owner") and considered alternatives ("failing over would have dropped the
writes, so the on-call waited") are the second story itself and are not flagged.

Reframe: say what the person saw, knew and expected, what the tools showed, and what made the other action look
unnecessary or risky then.`,
		examples: []Example{
			{"The reviewer should have run the load test.", "The load test is not part of the review checklist, and the change looked like a refactor."},
			{"If the on-call had escalated sooner, the impact would have been smaller.", "The escalation policy pages the database team only after 30 minutes of errors."},
		},
		phrases: []phrase{
			{text: "{should|should've|shouldn't|could|could've|would|would've|wouldn't|ought}", cond: condModal, subject: subjPersonal},
			{text: "failed to", subject: subjRequired},
			{text: "{neglected|neglects} to", subject: subjPersonal},
			{text: "{forgot|forgotten|forgets} to", subject: subjPersonal, advice: `say what made the step easy to miss; e.g. "the restart step was not on the deploy checklist"`},
			{text: "{didn't|did not} bother", subject: subjPersonal},
			{text: "{nobody|never} bothered"},
			{text: "no one bothered"},
			{text: "if only", cond: condIfOnly},
			{text: "if", cond: condIfHad, subject: subjPersonal, message: msgConditional},
			{text: "had", cond: condInverted, subject: subjPersonal, message: msgConditional},
			{text: "{was|were} {supposed|meant} to", subject: subjRequired, message: msgExpected},
			{text: "{was|were} {expected|required|asked|told} to", cond: condButNot, subject: subjRequired, message: msgExpected},
			{text: "{avoidable|preventable}", negatable: true, message: "calling it avoidable is hindsight: it says what was missed, not why"},
		},
	},
	{
		id:      Blame,
		summary: "labels, adverbs and attributions that judge a person instead of the conditions",
		message: "judges a person instead of the conditions that made the action reasonable",
		advice:  `describe the conditions: what the person knew, what the tools showed, what pressures applied; e.g. "the two commands differ by one flag and neither asks for confirmation"`,
		help: `A blame label ("human error", "careless", "recklessly", "the DBA's blunder", "traced to a careless operator") judges a
person and stops the inquiry there. People in an incident act on what they know, with the tools and pressures they
have; the label hides those conditions, and it teaches the next person to hide their part.

Adverbs are flagged in the passive too ("the migration was recklessly started"): the person is still judged, only
unnamed. A fault is flagged when it is attributed to a person ("caused by an operator", "the on-call's mistake"),
not when it is a system's ("traced to a misconfigured load balancer").

Reframe: describe what made the action likely or reasonable: the interface, the time pressure, what the dashboard
showed, what the runbook said.`,
		examples: []Example{
			{"The migration was recklessly started on a Friday.", "The migration started on Friday afternoon, the only window the release calendar left."},
			{"The outage was traced to a careless operator.", "The restore script defaults to the primary, and nothing in its output names the target."},
		},
		phrases: []phrase{
			{text: "{human|operator|user|pilot} error", negatable: true, message: `"human error" says who, not why: it is where the second story starts`,
				advice: `ask what made the slip likely; e.g. "the console put delete next to restart, with no confirmation"`},
			{text: "{careless|sloppy|negligent|reckless|thoughtless|irresponsible|foolish|stupid|dumb|silly|unprofessional|inexcusable}", negatable: true, subject: subjPersonal},
			{text: "lazy", negatable: true, subject: subjPersonal, notAfter: []string{"loading", "load", "loaded", "loader", "evaluation", "initialization", "initialisation", "init", "iterator", "iteration", "import", "imports", "allocation"}},
			{text: "{carelessly|negligently|recklessly|sloppily|thoughtlessly|irresponsibly|foolishly|stupidly|heedlessly|rashly|cavalierly|mindlessly|incompetently}", negatable: true, subject: subjPersonal, message: msgPassive},
			{text: "{hastily|blindly|haphazardly}", cond: condPassiveOrPerson, subject: subjPersonal, message: msgPassive},
			{text: "{carelessness|negligence|recklessness|sloppiness|laziness}", negatable: true},
			{text: "{blunder|blunders|blundered|screw-up|screwup|botched|bungled|goof|goofed}", negatable: true, subject: subjPersonal, message: msgAttribution},
			{text: "{screwed|messed} up", negatable: true, subject: subjPersonal, message: msgAttribution},
			{text: "at fault", negatable: true, subject: subjNamed},
			{text: "fault of", negatable: true},
			{text: "to blame", negatable: true, subject: subjNamed},
			// The verb forms take no named subject: in "Dana blamed the cache" Dana is the one blaming.
			{text: "blame", negatable: true, notBefore: []string{"git", "svn", "hg"}},
			{text: "{blamed|blames|blaming}", negatable: true},
			{text: "{caused|triggered} by", cond: condPersonObject, message: msgAttribution},
			{text: "{traced|attributed|pinned|ascribed} to", cond: condPersonObject, message: msgAttribution},
			{text: "{traced|put|chalked} {back|down|up} to", cond: condPersonObject, message: msgAttribution},
			{text: "{due|owing} to", cond: condPersonObject, message: msgAttribution},
			{text: "{because|result} of", cond: condPersonObject, message: msgAttribution},
			{text: "{lies|lay|rests|rested|lie|rest} with", cond: condPersonObject, message: msgAttribution},
			{text: "on the part of", cond: condPersonObject, message: msgAttribution},
			{text: "{mistake|mistakes|error|errors|fault|oversight|slip|failure|lapse}", cond: condErrorNoun, message: msgAttribution},
		},
	},
	{
		id:      Competence,
		summary: "labels of a person's skill or attention: junior, lack of focus, by accident, ignored the warning",
		message: "labels a person's skill or attention instead of the conditions",
		advice:  `describe what the work asked of the person and what supported them; e.g. "the runbook assumes the reader knows which cluster is primary"`,
		help: `Labels of competence ("a junior admin", "inexperienced", "incompetence") and attention ("a momentary lack of focus",
"ignored the warning", "by accident") locate the failure in a person's head. Everyone's attention lapses and everyone
was new once; a system that fails when they do is the finding. The label also hides why the signal did not stand out
or why the task was given without support.

Flagged with a person as the subject or in the passive ("the alert was ignored"); a program that ignores a field
("the parser ignored the unknown field") and a "junior partition" are not.

Reframe: say what competed for attention, how the signal looked at the time, and what the task assumed the person
knew.`,
		examples: []Example{
			{"A junior admin ran the cleanup script on the wrong host.", "The cleanup script takes the host from the shell's context, which still pointed at production."},
			{"The on-call ignored the disk alarm.", "The disk alarm fired alongside 40 flapping alerts and looked like one of them."},
		},
		phrases: []phrase{
			{text: "{junior|novice|rookie|green|newbie|unseasoned}", cond: condRoleNext, negatable: true},
			{text: "{inexperienced|untrained|unqualified|unskilled|incompetent|clueless|inattentive|complacent|absent-minded|absentminded|overconfident}", negatable: true, subject: subjPersonal},
			{text: "{inexperience|incompetence|inattention|inattentiveness|complacency}", negatable: true},
			{text: "lack of {focus|attention|care|diligence|discipline|rigour|rigor|ownership|judgement|judgment|experience|awareness|concentration|competence|skill|skills|professionalism|accountability|vigilance|caution|thoroughness}"},
			{text: "{lapse|lapses} {in|of} {attention|concentration|judgement|judgment|focus|vigilance}"},
			{text: "{poor|bad|questionable|flawed} {judgement|judgment}"},
			{text: "error {of|in} {judgement|judgment}"},
			{text: "{not|wasn't|weren't|stopped} paying attention"},
			{text: "{didn't|did not|failed to} pay attention"},
			{text: "{asleep at the wheel|dropped the ball|lost focus|lost concentration|brain fart}", subject: subjPersonal},
			{text: "{fat-fingered|fat-finger|fat finger|fat fingered}", subject: subjPersonal, message: msgAccident, advice: advAccident},
			// Not when the phrase ends a gerund subject: "promoting one by accident was a real danger" names a risk
			// the design guarded against, not a slip someone made.
			{text: "{by accident|by mistake|accidentally|inadvertently|mistakenly|unintentionally}", subject: subjPersonal, message: msgAccident, advice: advAccident,
				notAfter: []string{"was", "is", "would", "could", "remains", "remained", "seemed", "seems", "felt", "posed", "poses"}},
			{text: "{ignored|ignore|ignores|ignoring|disregarded|overlooked|missed|dismissed}", cond: condIgnore, subject: subjPersonal, message: msgIgnore, advice: advIgnore},
		},
	},
	{
		id:      Minimiser,
		summary: "hindsight minimisers that make the right action look trivial",
		message: "makes the step look trivial in hindsight",
		advice:  `drop the word, or say what made it non-obvious then; e.g. "the flag was documented only in the changelog"`,
		help: `A hindsight minimiser ("obviously", "clearly", "simply", "just") makes the right action look trivial after the fact.
It was not trivial at the time, or the incident would not have happened; the word hides what made it hard to see or
to do.

"Just" and "simply" describing a mechanism or a time ("the script simply retries on any error", "held the entry just
under the TTL", "just before midnight") are not flagged, nor is "clearly" describing what a thing does now ("the
dashboard clearly labels each region").

Reframe: drop the word, or say what made the step non-obvious then.`,
		examples: []Example{
			{"The fix was simply to raise the connection limit.", "Raising the connection limit fixed it; the limit was not on any dashboard."},
			{"The graph clearly showed the memory leak.", "The memory graph showed the leak once it was plotted over a week instead of an hour."},
		},
		phrases: []phrase{
			{text: "{obviously|clearly}", cond: condNotPresent, negatable: true, subject: subjNamed},
			{text: "simply", cond: condMechanism, negatable: true, subject: subjNamed, notAfter: []string{"put"}},
			// "just" is a minimiser in "just restart it" or "it was just a typo", but not in time and quantity
			// phrases ("just before", "just now", "just 5 minutes", "only just", "had just deployed"), as an
			// adjective ("a just outcome"), or sentence-final.
			{text: "just", cond: condNextWord, negatable: true, subject: subjNamed,
				notBefore: []string{"only", "had", "has", "have", "having", "a", "an", "the", "most", "more"},
				notAfter: []string{"#", "now", "then", "before", "after", "as", "when", "while", "once", "since", "until", "in",
					"over", "under", "about", "around", "below", "above", "past", "shy", "short", "prior", "like", "enough",
					"so", "because", "barely", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
					"twenty", "thirty", "a few", "a couple", "a little", "a bit", "a moment", "a minute", "a second",
					"a day", "an hour", "in time", "in case", "want", "wanted", "wants", "wondering", "curious", "started",
					"finished", "completed", "begun", "arrived", "landed", "shipped", "released", "deployed"}},
			{text: "of course", negatable: true, notBefore: []string{"change", "changed", "changes", "changing", "matter"},
				vale: []string{`(?:and|but|so|was|is|were|it['’]s)\s+of\s+course`, `^of\s+course`}},
		},
	},
	{
		id:      SingleCause,
		summary: "a single root cause, or a person as the cause",
		message: "one cause stops the inquiry; incidents have several contributing factors",
		advice:  `list the contributing factors; e.g. "contributing factors included the muted alert and the stale runbook"`,
		help: `Naming a single root cause ("the root cause", "the real cause", "it all came down to") stops the inquiry at the first
satisfying answer. Incidents in complex systems have several contributing factors, most of them latent conditions
that were there long before the day, and the one named is usually the last, most visible, often a person's.

Reframe: list the contributing factors, and for each, what made it possible.`,
		examples: []Example{
			{"The root cause was a missing index on the orders table.", "Contributing factors: the orders table had no index on status, and the slow-query alert was muted."},
		},
		phrases: []phrase{
			{text: "the {root|sole|real|true|actual|ultimate|underlying} cause", notAfter: []string{"analysis", "analyses"},
				vale: []string{`the\s+(?:root|sole|real|true|actual|ultimate|underlying)\s+cause\s+(?:was|is|were|of|lies|lay|here)`}},
			{text: "the culprit"},
			{text: "{root-caused|root-cause} to"},
			{text: "{boiled|boils|came|comes|come} down to"},
			{text: "caused by human", message: `"caused by human …" ends the story at a person instead of the conditions`,
				advice: `name the conditions that made the action likely; e.g. "contributing factors: the alert was muted, the dashboard lagged"`},
		},
	},
	{
		id:      HarmfulAct,
		summary: "a person or role as the subject of a harmful act (the operator deleted the volume)",
		message: "makes a person the agent of the harm instead of the system around them",
		advice:  `make the system the subject: what did the command, tool or process do, and what let it? e.g. "the cleanup job, run with production credentials, deleted the volume"`,
		help: `"The operator deleted the volume" puts a person at the centre of the harm. The same event told as the second story
makes the system the subject: which tool did what, with which defaults and safeguards, and what made the command
look right to the person who ran it.

Flagged when a person, a pronoun, a role or a team is the subject of a harmful act: breaking or taking something
down, deleting or overwriting production data or the wrong thing, shipping something bad. Routine acts ("the
operator restarted the service as the runbook describes", "the engineer deleted the stale branches") are not.`,
		examples: []Example{
			{"The SRE dropped the wrong table during the cleanup.", "The cleanup script's table list was built from a pattern that also matched the live table."},
		},
		phrases: []phrase{
			{text: "{broke|broken|misconfigured|mistyped|corrupted|crashed|nuked|trashed}", subject: subjActor},
			{text: "{took|taken|brought|knocked}", cond: condDown, subject: subjActor},
			{text: "caused", cond: condHarmObject, subject: subjActor},
			{text: "{deleted|dropped|removed|overwrote|overwritten|truncated|destroyed|erased|purged|wiped|killed|terminated|emptied}", cond: condDestroy, subject: subjActor},
			{text: "{pushed|deployed|shipped|applied|merged|ran|executed|released|approved|promoted|committed|uploaded|typed|entered|selected|chose|picked|used}", cond: condShip, subject: subjActor},
			{text: "{disabled|bypassed|overrode|overridden|circumvented|skipped}", cond: condSafeguard, subject: subjActor},
		},
	},
	{
		id:      NamedSubject,
		summary: "a named person as the subject of a counterfactual, blame, competence or harmful-act phrase",
		message: "{person} as the subject of {phrase} judges a person, not the situation",
		advice:  `make the situation the subject: what did {person} see and know, and why did the action make sense then? e.g. "the restart step was not in the runbook {person} followed"`,
		help: `A person named as the subject of a counterfactual, a blame or competence label, a minimiser or a harmful act ("Dana
forgot to restart the workers", "Priya deleted the production topic") judges that person in front of everyone who
reads the review, and makes the next person less willing to tell their part.

Names are the authors and timeline actors of the postmortem, and any other capitalised name in the subject position
of a phrase that only people do. One finding replaces the plain rule's; several phrases with the same subject in
one clause make one finding. The plain rule must be enabled for its phrase to count; disabling named-subject reports
the plain rule instead.

Reframe: make the situation the subject.`,
		examples: []Example{
			{"Priya deleted the production topic instead of the staging one.", "The topic list in the console sorts production first, and both topics share a name."},
		},
	},
}

// Rules lists the rule set.
func Rules() []Rule {
	out := make([]Rule, 0, len(ruleTable))
	fill := strings.NewReplacer("{person}", "the person", "{phrase}", "the phrase")
	for i := range ruleTable {
		r := &ruleTable[i]
		var b strings.Builder
		b.WriteString(fill.Replace(r.help))
		fmt.Fprintf(&b, "\n\nMessage: %s.\nAdvice: %s.", fill.Replace(r.message), fill.Replace(r.advice))
		if len(r.phrases) > 0 {
			b.WriteString("\n\nLooks for:")
			for _, p := range r.phrases {
				b.WriteString("\n  - " + p.doc())
			}
		}
		out = append(out, Rule{ID: r.id, Summary: r.summary, Help: b.String(), Examples: r.examples})
	}
	return out
}

var condDocs = [...]string{
	condModal:           "a modal perfect with a person as subject, or the passive of a person's act (should have been caught)",
	condIfOnly:          `+ "had"/"were": a wish about the past`,
	condIfHad:           "+ a person + had + done, unless weighing a worse outcome",
	condInverted:        "at the start of a clause, + a person + done",
	condButNot:          `+ "but did not" later in the sentence`,
	condPersonObject:    "+ a person",
	condErrorNoun:       "attributed to a person: their mistake, a mistake by them",
	condRoleNext:        "+ a role",
	condIgnore:          "by a person, in the passive, or of a warning",
	condPassiveOrPerson: "qualifying a person's act or a passive",
	condNextWord:        "minimising use, not a mechanism, time or quantity",
	condMechanism:       "not a mechanism: the script simply retries",
	condNotPresent:      "not a thing described in the present tense",
	condDown:            `+ "down" or "offline"`,
	condDestroy:         "+ production data or the wrong thing",
	condShip:            "+ something bad or wrong",
	condHarmObject:      "+ the outage or incident",
	condSafeguard:       "+ a safeguard",
}

func (p *phrase) doc() string {
	s := strings.NewReplacer("{", "(", "}", ")").Replace(p.text)
	var notes []string
	if p.cond != condNone {
		notes = append(notes, condDocs[p.cond])
	}
	switch p.subject {
	case subjRequired, subjActor:
		notes = append(notes, "with a person as subject")
	}
	if len(notes) > 0 {
		s += " (" + strings.Join(notes, "; ") + ")"
	}
	return s
}

// expand returns the word lists a phrase text stands for: "{a|b c} d" is [[a d] [b c d]].
func expand(text string) [][]string {
	outs := []string{""}
	for text != "" {
		i := strings.IndexByte(text, '{')
		if i < 0 {
			for k := range outs {
				outs[k] += text
			}
			break
		}
		j := strings.IndexByte(text, '}')
		var next []string
		for _, o := range outs {
			for _, alt := range strings.Split(text[i+1:j], "|") {
				next = append(next, o+text[:i]+alt)
			}
		}
		outs, text = next, text[j+1:]
	}
	ws := make([][]string, len(outs))
	for i, o := range outs {
		ws[i] = strings.Fields(o)
	}
	return ws
}

func words(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}
