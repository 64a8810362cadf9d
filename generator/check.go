package generator

import (
	"fmt"
	"strings"

	"github.com/secondstory/secondstory/generator/lint"
	"github.com/yuin/goldmark/ast"
)

// LintRulePrefix starts the Rule of every blameless-language finding ("blameless/counterfactual"): it sets them
// apart from validation rules (schema, link) in the output, while the part after it is the id that `lint.disable`
// and `<!-- secondstory:ignore … -->` comments take.
const LintRulePrefix = "blameless/"

// lintPostmortem adds a warning for every blameless-language finding in a postmortem's prose: the Markdown body
// (doc, already parsed by the markdown stage, so a build parses each body once), the summary and the timeline
// texts. Only warnings: wording is the author's call, and must never fail a build (`check --strict` is how a team
// makes it a gate).
func lintPostmortem(p *Postmortem, doc ast.Node, disable []string, diags *Diagnostics) {
	opts := lint.Options{Disable: disable, People: people(p)}
	report := func(fs []lint.Finding, knownCol bool) {
		for _, f := range fs {
			if !knownCol {
				f.Col = 0
			}
			diags.warnf(p.Source, f.Line, f.Col, LintRulePrefix+f.Rule, "%q: %s; instead, %s", f.Phrase, f.Message, f.Suggestion)
		}
	}
	if p.Summary != "" && p.SummaryLine > 0 {
		report(lint.Text(p.Summary, p.SummaryLine, p.SummaryCol, opts), p.SummaryCol > 0)
	}
	for _, te := range p.Timeline {
		if te.Text != "" {
			report(lint.Text(te.Text, te.Line, te.Column, opts), te.Column > 0)
		}
	}
	report(lint.MarkdownAST(doc, p.Body, p.BodyLine, opts), true)
}

// people are the names a named-subject finding looks for: the authors and the timeline's actors.
func people(p *Postmortem) []string {
	out := append([]string(nil), p.Authors...)
	for _, te := range p.Timeline {
		if te.Actor != "" && !contains(out, te.Actor) {
			out = append(out, te.Actor)
		}
	}
	return out
}

// lintDisabled returns the rule ids of the config's lint.disable, accepting them as printed ("blameless/blame")
// too. Unknown ids get a warning: the lint ignores them, so a typo ("minimizer") would silently leave a rule on.
func lintDisabled(cfg *Config, diags *Diagnostics) []string {
	var ids, out []string
	for _, r := range lint.Rules() {
		ids = append(ids, r.ID)
	}
	for _, id := range cfg.Lint.Disable {
		id = strings.TrimPrefix(strings.ToLower(strings.TrimSpace(id)), LintRulePrefix)
		if contains(ids, id) {
			out = append(out, id)
			continue
		}
		msg := fmt.Sprintf("lint.disable: unknown rule %q (rules: %s)", id, strings.Join(ids, ", "))
		if s := didYouMean(id, ids); s != "" {
			msg += fmt.Sprintf("; did you mean %q?", s)
		}
		diags.warnf(cfg.File, 0, 0, "config", "%s", msg)
	}
	return out
}

// Files counts the files Load validated: postmortems, factor descriptions and the configuration file.
func (c *Content) Files() int {
	n := len(c.inv.postmortems) + len(c.inv.factors)
	if c.Config.File != "" {
		n++
	}
	return n
}
