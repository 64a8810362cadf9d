package build

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/secondstory/secondstory/generator/config"
	"github.com/secondstory/secondstory/generator/diag"
	"github.com/secondstory/secondstory/generator/graph"
	"github.com/secondstory/secondstory/generator/incremental"
	"github.com/secondstory/secondstory/generator/lint"
	"github.com/secondstory/secondstory/generator/markdown"
	"github.com/secondstory/secondstory/generator/postmortem"
	"github.com/yuin/goldmark/ast"
)

// LintRulePrefix starts the rule of every blameless-language finding ("blameless/counterfactual"), setting them
// apart from validation rules; the part after it is the id lint.disable and ignore comments take.
const LintRulePrefix = "blameless/"

// renderBodies renders and lints each listed body on every core, unless the file's last rendering still holds
// (its links resolve as they did).
// done, when set, is told of each body as soon as it is ready.
func (s *Session) renderBodies(md *markdown.Renderer, r *graph.Resolver, disable []string, listed []*incremental.File, done func(int)) {
	parallel(len(listed), func(i int) {
		if done != nil {
			defer done(i)
		}
		e := listed[i]
		if e.BodyOf(r) != nil {
			return
		}
		p := e.P
		var findings diag.List
		body := md.Render(p.Source, p.Markdown, p.BodyLine, r, func(doc ast.Node, src []byte) {
			findings = lintPostmortem(p, doc, src, disable)
		})
		if !s.keep {
			// A one-off build renders each body once: its source goes now, not with the site (the bytes of every
			// postmortem, 90 MB at 10,000, which the collector would otherwise mark again and again; make bench).
			p.Markdown = nil
		}
		// A shared entry is replaced, not changed: the last build's result may still hold it.
		n := *e
		n.Body, n.BodyDiags = body, append(body.Diags, findings...)
		if s.keep { // only a session compares versions
			var k incremental.Key
			n.BodyVersion = k.Str(string(body.HTML)).Str(body.Text).Sum()
		}
		listed[i] = &n
	})
	for _, e := range listed {
		s.files.Put(e.P.Source, e)
	}
}

// lintPostmortem reports every blameless-language finding in a postmortem's prose: the body (doc, already parsed),
// the summary and the timeline texts. Only warnings: wording is the author's call (check --strict makes it a gate).
// The linter is made once per postmortem: it holds the names of its people.
func lintPostmortem(p *postmortem.Postmortem, doc ast.Node, src []byte, disable []string) diag.List {
	var out diag.List
	lt := lint.New(lint.Options{Disable: disable, People: people(p)})
	report := func(fs []lint.Finding, knownCol bool) {
		for _, f := range fs {
			if !knownCol {
				f.Col = 0
			}
			out = append(out, diag.Diagnostic{Path: p.Source, Line: f.Line, Col: f.Col, Severity: diag.Warning,
				Rule: LintRulePrefix + f.Rule, Message: fmt.Sprintf("%q: %s", f.Phrase, f.Message), Advice: f.Advice})
		}
	}
	if p.Summary != "" && p.SummaryLine > 0 {
		report(lt.Text(p.Summary, p.SummaryLine, p.SummaryCol), p.SummaryCol > 0)
	}
	for _, te := range p.Timeline {
		if te.Text != "" {
			report(lt.Text(te.Text, te.Line, te.Column), te.Column > 0)
		}
	}
	report(lt.Markdown(doc, src, p.BodyLine), true)
	return out
}

// people are the names a named-subject finding looks for: the authors, and the timeline's actors that are written
// as names. Actors are often systems or teams ("SMS vendor", "notifications"): one with a word in lower case is
// not taken for a person, or "the vendor's errors" would read as blaming someone.
func people(p *postmortem.Postmortem) []string {
	out := slices.Clone(p.Authors)
	seen := make(map[string]bool, len(out)+len(p.Timeline))
	for _, a := range out {
		seen[a] = true
	}
	for _, te := range p.Timeline {
		if te.Actor != "" && !seen[te.Actor] && writtenAsName(te.Actor) { // a set: 10,000 actors are not 50 million comparisons
			seen[te.Actor] = true
			out = append(out, te.Actor)
		}
	}
	return out
}

// writtenAsName reports whether every word of s starts with a capital letter.
func writtenAsName(s string) bool {
	for _, w := range strings.Fields(s) {
		if r, _ := utf8.DecodeRuneInString(w); !unicode.IsUpper(r) {
			return false
		}
	}
	return true
}

// lintOptions returns the rule ids of the config's lint.disable, accepting them as printed ("blameless/blame").
// An unknown id is a warning: the lint ignores it, so a typo ("minimizer") would silently leave a rule on.
func lintOptions(cfg *config.Config, diags *diag.List) []string {
	var ids, out []string
	for _, r := range lint.Rules() {
		ids = append(ids, r.ID)
	}
	for _, id := range cfg.Lint.Disable {
		id = strings.TrimPrefix(strings.ToLower(strings.TrimSpace(id)), LintRulePrefix)
		if slices.Contains(ids, id) {
			out = append(out, id)
			continue
		}
		msg := fmt.Sprintf("lint.disable: unknown rule %q (rules: %s)", id, strings.Join(ids, ", "))
		if m := graph.DidYouMean(id, ids); m != "" {
			msg += fmt.Sprintf("; did you mean %q?", m)
		}
		diags.Warnf(cfg.File, cfg.Line("lint.disable"), 0, "config", "%s", msg)
	}
	return out
}

// renderFactors renders the catalogue's descriptions.
func renderFactors(md *markdown.Renderer, r *graph.Resolver, catalogue []*postmortem.Factor, diags *diag.List) []*graph.Catalogued {
	out := make([]*graph.Catalogued, len(catalogue))
	for i, f := range catalogue {
		body := md.Render(f.Source, f.Markdown, f.BodyLine, r, nil)
		*diags = append(*diags, body.Diags...)
		out[i] = &graph.Catalogued{Factor: f, Description: body.HTML}
	}
	return out
}
