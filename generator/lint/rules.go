package lint

import "strings"

// Rule ids, as used in Finding.Rule, Options.Disable and ignore comments.
const (
	Counterfactual = "counterfactual"
	Blame          = "blame"
	Minimiser      = "minimiser"
	SingleCause    = "single-cause"
	NamedSubject   = "named-subject"
)

// Rule describes one rule for docs and `check --help`.
type Rule struct {
	ID         string
	Summary    string   // what the rule looks for, one line
	Message    string   // default Finding.Message
	Suggestion string   // default Finding.Suggestion
	Phrases    []string // the phrases matched, with their conditions in parentheses
}

// cond is an extra check on the words around a phrase that separates the flagged use from a look-alike.
type cond uint8

const (
	condNone cond = iota
	// condParticiple: the modal is followed by "been" or a past participle ("should have checked"), not by a
	// noun phrase ("every service should have an owner", a design statement).
	condParticiple
	// condIfOnly: a wish about the past ("if only we had checked"), not a condition ("if only one replica is up").
	condIfOnly
	// condNextWord: a word must follow in the same clause ("just restart it"), so a sentence-final "just" is not
	// read as a minimiser.
	condNextWord
)

// phrase is one row of the rule table. Words are matched whole and case-insensitively, separated by whitespace
// only (so "should, have" and "should `x` have" do not match).
type phrase struct {
	text string
	cond cond
	// subject: a person from Options.People just before the phrase makes it a named-subject finding.
	subject bool
	// personOnly: flagged only when the subject is a person, a pronoun or a role ("we failed to", "the
	// engineer failed to"), because "the job failed to start" is an honest description of a system.
	personOnly bool
	// negatable: a negation shortly before cancels it ("no one is to blame", "not just a restart").
	negatable bool
	notBefore []string // the previous word must not be one of these
	notAfter  []string // the next words must not be one of these (may be several words; "#" means a number)
	// message and suggestion override the rule's when the phrase deserves its own wording.
	message, suggestion string
}

type ruleDef struct {
	id, summary, message, suggestion string
	phrases                          []phrase
}

// negators cancel a negatable phrase when they occur within a few words before it, in the same clause.
var negators = words("no not never without nobody none hardly don't doesn't didn't isn't wasn't aren't weren't won't can't cannot")

// ruleTable is the rule set. To extend it, add a phrase row (or a rule); the matcher indexes it at init.
var ruleTable = []ruleDef{
	{
		id:         Counterfactual,
		summary:    "what people should, could or failed to have done",
		message:    "a counterfactual describes what did not happen, so it explains nothing about why what people did made sense at the time",
		suggestion: `describe what the person saw and knew, and why the action made sense then; e.g. "the runbook did not mention the cache flush"`,
		phrases: []phrase{
			{text: "should have", cond: condParticiple, subject: true},
			{text: "should've", cond: condParticiple, subject: true},
			{text: "should not have", cond: condParticiple, subject: true},
			{text: "shouldn't have", cond: condParticiple, subject: true},
			{text: "should never have", cond: condParticiple, subject: true},
			// "nobody could have known" says the opposite of a counterfactual, so negation cancels these two.
			{text: "could have", cond: condParticiple, subject: true, negatable: true},
			{text: "could've", cond: condParticiple, subject: true, negatable: true},
			{text: "would have", cond: condParticiple, subject: true},
			{text: "would've", cond: condParticiple, subject: true},
			{text: "would not have", cond: condParticiple, subject: true},
			{text: "wouldn't have", cond: condParticiple, subject: true},
			{text: "would never have", cond: condParticiple, subject: true},
			{text: "ought to have", cond: condParticiple, subject: true},
			{text: "failed to", subject: true, personOnly: true},
			{text: "neglected to", subject: true},
			{text: "forgot to", subject: true, suggestion: `say what made the step easy to miss; e.g. "the restart step was not on the deploy checklist"`},
			{text: "forgotten to", subject: true, suggestion: `say what made the step easy to miss; e.g. "the restart step was not on the deploy checklist"`},
			{text: "didn't bother", subject: true},
			{text: "did not bother", subject: true},
			{text: "if only", cond: condIfOnly},
		},
	},
	{
		id:         Blame,
		summary:    "labels that judge a person instead of the conditions",
		message:    "a blame label judges a person instead of explaining the conditions that made the action reasonable at the time",
		suggestion: `describe the conditions: what the person knew, what the tools showed, what pressures applied; e.g. "the two commands differ by one flag and neither asks for confirmation"`,
		phrases: []phrase{
			{text: "human error", negatable: true, message: `"human error" is where the second story starts, not a conclusion: it says who, not why`, suggestion: `ask what made the slip likely; e.g. "the console put delete next to restart, with no confirmation"`},
			{text: "operator error", negatable: true, message: `"operator error" is where the second story starts, not a conclusion: it says who, not why`, suggestion: `ask what made the slip likely; e.g. "the console put delete next to restart, with no confirmation"`},
			{text: "user error", negatable: true, message: `"user error" is where the second story starts, not a conclusion: it says who, not why`, suggestion: `ask what made the mistake easy to make; e.g. "the form accepted a date in either order"`},
			{text: "careless", negatable: true, subject: true},
			{text: "carelessly", negatable: true, subject: true},
			{text: "carelessness", negatable: true},
			{text: "sloppy", negatable: true, subject: true},
			{text: "negligent", negatable: true, subject: true},
			{text: "negligently", negatable: true, subject: true},
			{text: "negligence", negatable: true},
			{text: "incompetent", negatable: true, subject: true},
			{text: "incompetence", negatable: true},
			{text: "lazy", negatable: true, subject: true, notAfter: []string{"loading", "load", "loaded", "loader", "evaluation", "initialization", "initialisation", "init", "iterator", "iteration", "import", "imports", "allocation"}},
			{text: "reckless", negatable: true, subject: true},
			{text: "recklessly", negatable: true, subject: true},
			{text: "at fault", negatable: true, subject: true},
			{text: "fault of", negatable: true},
			{text: "to blame", negatable: true, subject: true},
			// The verb forms take no named subject: in "Dana blamed the cache" Dana is the one blaming.
			{text: "blame", negatable: true, notBefore: []string{"git", "svn", "hg"}},
			{text: "blamed", negatable: true},
			{text: "blames", negatable: true},
			{text: "blaming", negatable: true},
		},
	},
	{
		id:         Minimiser,
		summary:    "hindsight minimisers that make the right action look trivial",
		message:    "a hindsight minimiser makes the step look trivial after the fact and hides what made it hard to see or do at the time",
		suggestion: `drop the word, or say what made it non-obvious then; e.g. "the flag was documented only in the changelog"`,
		phrases: []phrase{
			{text: "obviously", negatable: true, subject: true},
			{text: "clearly", negatable: true, subject: true},
			{text: "simply", negatable: true, subject: true},
			// "just" is a minimiser in "just restart it" or "it was just a typo", but not in time and quantity
			// phrases ("just before", "just now", "just 5 minutes", "only just", "had just deployed"), as an
			// adjective ("a just outcome"), or sentence-final.
			{text: "just", cond: condNextWord, negatable: true, subject: true,
				notBefore: []string{"only", "had", "has", "have", "having", "a", "an", "the", "most", "more"},
				notAfter: []string{"#", "now", "then", "before", "after", "as", "when", "while", "once", "since", "until", "in",
					"over", "under", "about", "around", "below", "above", "past", "shy", "short", "prior", "like", "enough",
					"so", "because", "barely", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
					"twenty", "thirty", "a few", "a couple", "a little", "a bit", "a moment", "a minute", "a second",
					"a day", "an hour", "in time", "in case", "want", "wanted", "wants", "wondering", "curious"}},
			{text: "of course", negatable: true, notBefore: []string{"change", "changed", "changes", "changing", "matter"}},
		},
	},
	{
		id:         SingleCause,
		summary:    "a single root cause, or a person as the cause",
		message:    "naming a single root cause stops the inquiry early; incidents have several contributing factors, most of them in the system",
		suggestion: `list the contributing factors; e.g. "contributing factors included the muted alert and the stale runbook"`,
		phrases: []phrase{
			{text: "the root cause", notAfter: []string{"analysis", "analyses"}},
			{text: "the sole cause"},
			{text: "caused by human", message: `"caused by human …" ends the story at a person instead of the conditions around them`,
				suggestion: `name the conditions that made the action likely; e.g. "contributing factors: the alert was muted, the dashboard lagged"`},
		},
	},
	{
		id:         NamedSubject,
		summary:    "a person from the authors or timeline as the subject of a counterfactual, blame or minimiser phrase",
		message:    `naming {person} as the subject of {phrase} judges a person instead of explaining why the action made sense in that situation`,
		suggestion: `make the situation the subject: what did {person} see and know, and why did the action make sense then? e.g. "the restart step was not in the runbook {person} followed"`,
	},
}

// Rules lists the rule set (for docs and `check --help`).
func Rules() []Rule {
	out := make([]Rule, 0, len(ruleTable))
	for _, r := range ruleTable {
		rule := Rule{ID: r.id, Summary: r.summary, Message: r.message, Suggestion: r.suggestion}
		if r.id == NamedSubject {
			fill := strings.NewReplacer("{person}", "the person", "{phrase}", "the phrase")
			rule.Message, rule.Suggestion = fill.Replace(r.message), fill.Replace(r.suggestion)
			rule.Phrases = []string{"a name from Options.People as the subject of a counterfactual, blame or minimiser phrase (right before it, past auxiliaries, adverbs and a parenthetical)"}
		}
		for _, p := range r.phrases {
			rule.Phrases = append(rule.Phrases, p.doc())
		}
		out = append(out, rule)
	}
	return out
}

func (p *phrase) doc() string {
	s := p.text
	switch p.cond {
	case condParticiple:
		s += ` (+ "been" or a past participle)`
	case condIfOnly:
		s += ` (+ "had"/"were": a wish about the past)`
	case condNextWord:
		s += " (minimising use, not time or quantity)"
	}
	if p.personOnly {
		s += " (with a person or role as subject)"
	}
	return s
}

func words(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}
