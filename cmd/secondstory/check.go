package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/secondstory/secondstory/generator/build"
	"github.com/secondstory/secondstory/generator/diag"
	"github.com/secondstory/secondstory/generator/lint"
)

func runCheck(args []string, stdout, stderr io.Writer) int {
	var source, format string
	var strict, drafts, verbose, suggest bool
	fs := newFlagSet("check", "[--source DIR] [--format text|json|sarif|github|gitlab] [--strict] [--verbose] [--drafts=false] [--suggest-factors]", checkAbout(), stderr)
	fs.StringVar(&source, "source", ".", "the knowledge base `folder`")
	fs.StringVar(&format, "format", "text", "output `format`: text (path:line:col: severity: rule: message), json, sarif (SARIF 2.1.0, for code scanning), github (workflow annotations)\nor gitlab (a Code Quality report, for merge requests)")
	fs.BoolVar(&strict, "strict", false, "exit 1 on warnings too (blameless language included)")
	fs.BoolVar(&verbose, "verbose", false, "text: add each finding's advice (how to reframe it)")
	// Drafts are what authors check most, so they are in by default; --drafts=false checks what a build publishes.
	fs.BoolVar(&drafts, "drafts", true, "check postmortems with status: draft too")
	fs.BoolVar(&suggest, "suggest-factors", false, "for each postmortem that names no contributing factor, propose the catalogue's factors its text matches best,\nwith the matched words (text or json); only errors are listed then, and nothing is written")
	if ok, code := parseFlags(fs, args); !ok {
		return code
	}
	write, ok := formats[format]
	if !ok {
		fmt.Fprintf(stderr, "secondstory check: --format must be text, json, sarif, github or gitlab, not %q\n", format)
		return exitUsage
	}
	if suggest && format != "text" && format != "json" {
		fmt.Fprintln(stderr, "secondstory check: --suggest-factors prints text or json")
		return exitUsage
	}
	res, err := build.Check(build.Options{Source: source, OnlyPublished: !drafts, SuggestFactors: suggest})
	if res == nil {
		fmt.Fprintf(stderr, "secondstory check: %v\n", err)
		return exitUsage
	}
	diags := res.Diagnostics
	if suggest {
		return printSuggestions(res, format, strict, stdout)
	}
	if err := write(stdout, diags, verbose); err != nil {
		fmt.Fprintf(stderr, "secondstory check: %v\n", err)
		return exitUsage
	}
	if format == "text" {
		fmt.Fprintf(stdout, "%s, %s, %s in %s\n", plural(diags.Errors(), "error"), plural(diags.Warnings(), "warning"),
			plural(diags.Count(diag.Info), "info"), plural(res.Checked, "file"))
	}
	if diags.Errors() > 0 || strict && diags.Warnings() > 0 {
		return exitContent
	}
	return exitOK
}

var formats = map[string]func(io.Writer, diag.List, bool) error{
	"text": func(w io.Writer, diags diag.List, verbose bool) error {
		for _, d := range diags {
			fmt.Fprintln(w, d)
			if verbose && d.Advice != "" {
				fmt.Fprintf(w, "    %s\n", diag.Printable(d.Advice))
			}
		}
		return nil
	},
	"json": func(w io.Writer, diags diag.List, _ bool) error {
		if diags == nil {
			diags = diag.List{} // [] rather than null, for consumers that iterate
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(diags)
	},
	"sarif":  writeSARIF,
	"github": writeGitHub,
	"gitlab": writeGitLab,
}

// writeGitLab prints a GitLab Code Quality report (a JSON array), which a merge request shows on the changed lines
// when the job saves it as artifacts:reports:codequality.
func writeGitLab(w io.Writer, diags diag.List, _ bool) error {
	type lines struct {
		Begin int `json:"begin"`
	}
	type location struct {
		Path  string `json:"path"`
		Lines lines  `json:"lines"`
	}
	type issue struct {
		Description string   `json:"description"`
		CheckName   string   `json:"check_name"`
		Fingerprint string   `json:"fingerprint"`
		Severity    string   `json:"severity"`
		Location    location `json:"location"`
	}
	severity := map[diag.Severity]string{diag.Error: "major", diag.Warning: "minor", diag.Info: "info"}
	out := []issue{}
	for _, d := range diags {
		sum := sha256.Sum256([]byte(fmt.Sprintf("%s\x00%d\x00%d\x00%s\x00%s", d.Path, d.Line, d.Col, d.Rule, d.Message)))
		out = append(out, issue{Description: d.Message, CheckName: d.Rule, Fingerprint: hex.EncodeToString(sum[:16]),
			Severity: severity[d.Severity], Location: location{Path: d.Path, Lines: lines{Begin: max(d.Line, 1)}}})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// writeGitHub prints GitHub Actions workflow commands, which the checks tab shows as annotations on the lines.
func writeGitHub(w io.Writer, diags diag.List, _ bool) error {
	level := map[diag.Severity]string{diag.Error: "error", diag.Warning: "warning", diag.Info: "notice"}
	for _, d := range diags {
		props := "file=" + ghProperty(d.Path)
		if d.Line > 0 {
			props += fmt.Sprintf(",line=%d", d.Line)
			if d.Col > 0 {
				props += fmt.Sprintf(",col=%d", d.Col)
			}
		}
		props += ",title=" + ghProperty(d.Rule)
		fmt.Fprintf(w, "::%s %s::%s\n", level[d.Severity], props, ghData(d.Message))
	}
	return nil
}

// ghData and ghProperty escape a workflow command's message and properties as the runner expects; every other
// control character (a file name with an escape sequence) is percent-encoded as well, so that it reaches neither the
// log nor a terminal raw.
func ghData(s string) string {
	return ghControls(strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s))
}

func ghProperty(s string) string {
	return ghControls(strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s))
}

func ghControls(s string) string {
	if !strings.ContainsFunc(s, isControl) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if isControl(r) {
			fmt.Fprintf(&b, "%%%02X", r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// isControl is what diag.Printable escapes: C0, DEL and C1 controls.
func isControl(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) }

// writeSARIF prints a SARIF 2.1.0 log, which code-scanning services (GitHub's upload-sarif, GitLab) read.
func writeSARIF(w io.Writer, diags diag.List, _ bool) error {
	type region struct {
		StartLine   int `json:"startLine"`
		StartColumn int `json:"startColumn,omitempty"`
	}
	type physical struct {
		ArtifactLocation struct {
			URI string `json:"uri"`
		} `json:"artifactLocation"`
		Region *region `json:"region,omitempty"`
	}
	type location struct {
		PhysicalLocation physical `json:"physicalLocation"`
	}
	type text struct {
		Text string `json:"text"`
	}
	type result struct {
		RuleID    string     `json:"ruleId"`
		Level     string     `json:"level"`
		Message   text       `json:"message"`
		Locations []location `json:"locations"`
	}
	type rule struct {
		ID               string `json:"id"`
		ShortDescription text   `json:"shortDescription"`
		Help             *text  `json:"help,omitempty"`
	}
	level := map[diag.Severity]string{diag.Error: "error", diag.Warning: "warning", diag.Info: "note"}
	var rules []rule
	seen := map[string]bool{}
	results := []result{}
	for _, d := range diags {
		if !seen[d.Rule] {
			seen[d.Rule] = true
			rules = append(rules, rule{ID: d.Rule, ShortDescription: text{ruleSummary(d.Rule)}})
			if d.Advice != "" {
				rules[len(rules)-1].Help = &text{d.Advice}
			}
		}
		var loc location
		loc.PhysicalLocation.ArtifactLocation.URI = d.Path
		if d.Line > 0 {
			loc.PhysicalLocation.Region = &region{StartLine: d.Line, StartColumn: d.Col}
		}
		results = append(results, result{RuleID: d.Rule, Level: level[d.Severity], Message: text{d.Message}, Locations: []location{loc}})
	}
	log := map[string]any{
		"$schema": "https://json.schemastore.org/sarif-2.1.0.json",
		"version": "2.1.0",
		"runs": []any{map[string]any{
			"tool": map[string]any{"driver": map[string]any{"name": "secondstory", "version": version,
				"informationUri": "https://github.com/secondstory/secondstory", "rules": rules}},
			"results": results,
		}},
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(log)
}

// ruleSummary describes a rule id in one line, for SARIF's rule table.
func ruleSummary(id string) string {
	if r, ok := lintRule(strings.TrimPrefix(id, build.LintRulePrefix)); ok && strings.HasPrefix(id, build.LintRulePrefix) {
		return r.Summary
	}
	for _, r := range build.ShellRules {
		if "check/"+r.ID == id {
			return r.Summary
		}
	}
	return map[string]string{"schema": "a frontmatter field has a wrong value or type", "frontmatter": "the frontmatter does not parse",
		"link": "a link points at nothing", "read": "a file cannot be read", "config": "the configuration has a problem",
		"duplicate": "two files claim one slug", "collision": "two files would be published at one path",
		"check/near-duplicate": "two tags or factors differ only by a form of a word",
		"infer":                "a value the build inferred, and where from"}[id]
}

func lintRule(id string) (lint.Rule, bool) {
	for _, r := range lint.Rules() {
		if r.ID == id {
			return r, true
		}
	}
	return lint.Rule{}, false
}

// checkAbout is check's help text, with the rule list so that ids for lint.disable and ignore comments are at hand.
func checkAbout() string {
	var b strings.Builder
	b.WriteString(`Validates the knowledge base as a build does (frontmatter schema, dates, links, duplicate slugs), lints the
prose of every postmortem for language that hides the second story, and warns about published postmortems that
are still shells, without writing anything. Errors exit 1; warnings alone exit 0, or 1 with --strict.

Blameless-language rules (reported as blameless/<id>; secondstory help check <id> explains one):
`)
	for _, r := range lint.Rules() {
		fmt.Fprintf(&b, "  %-16s %s\n", r.ID, r.Summary)
	}
	b.WriteString("\nShell checks (reported as check/<id>; turn one off with check: {disable: [id]}):\n")
	for _, r := range build.ShellRules {
		fmt.Fprintf(&b, "  %-16s %s\n", r.ID, r.Summary)
	}
	b.WriteString(`
Turn a lint rule off for the whole knowledge base in secondstory.yaml (lint: {disable: [minimiser]}), or for one
paragraph or block with a comment before it: <!-- secondstory:ignore counterfactual -->.`)
	return b.String()
}

// helpRule prints the long explanation of a lint rule: secondstory help check counterfactual.
func helpRule(id string, stdout, stderr io.Writer) int {
	r, ok := lintRule(strings.TrimPrefix(id, build.LintRulePrefix))
	if !ok {
		fmt.Fprintf(stderr, "secondstory help check: no rule %q (secondstory help check lists them)\n", id)
		return exitUsage
	}
	fmt.Fprintf(stdout, "%s%s: %s\n\n%s\n", build.LintRulePrefix, r.ID, r.Summary, r.Help)
	for _, e := range r.Examples {
		fmt.Fprintf(stdout, "\n  flagged:  %s\n  instead:  %s\n", e.Flagged, e.Reframed)
	}
	return exitOK
}

// runLintRules writes the lint's rules as a Vale style, so authors see the same warnings in their editor.
func runLintRules(args []string, stdout, stderr io.Writer) int {
	var dir string
	fs := newFlagSet("lint-rules", "--vale DIR", "Writes the blameless-language rules as a Vale style into DIR/"+lint.ValeStyle+
		" (point Vale's StylesPath at DIR and add "+lint.ValeStyle+" to BasedOnStyles). The rule table of check is the one source;\nwhat Vale cannot express is approximated conservatively, and said in each file.", stderr)
	fs.StringVar(&dir, "vale", "", "the `folder` to write the style into (Vale's StylesPath)")
	if ok, code := parseFlags(fs, args); !ok {
		return code
	}
	if dir == "" {
		fmt.Fprintln(stderr, "secondstory lint-rules: --vale DIR is required")
		return exitUsage
	}
	if err := lint.WriteVale(dir); err != nil {
		fmt.Fprintf(stderr, "secondstory lint-rules: %v\n", err)
		return exitUsage
	}
	fmt.Fprintf(stdout, "wrote the %s style to %s\n", lint.ValeStyle, filepath.Join(dir, lint.ValeStyle))
	return exitOK
}

// printSuggestions prints check --suggest-factors: the errors (a postmortem with errors is not listed, so it gets
// no suggestion), then per postmortem the proposed factors with their score and matched words.
func printSuggestions(res *build.Result, format string, strict bool, stdout io.Writer) int {
	diags := res.Diagnostics
	code := exitOK
	if diags.Errors() > 0 || strict && diags.Warnings() > 0 {
		code = exitContent
	}
	if format == "json" {
		out := res.Suggestions
		if out == nil {
			out = []build.Suggestion{}
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return exitUsage
		}
		return code
	}
	for _, d := range diags.Only(diag.Error) {
		fmt.Fprintln(stdout, d)
	}
	without := 0
	if res.Site != nil {
		for _, in := range res.Site.Incidents {
			if len(in.Factors) == 0 {
				without++
			}
		}
	}
	for _, s := range res.Suggestions {
		fmt.Fprintf(stdout, "%s: %s\n", diag.Printable(s.Source), diag.Printable(s.Title))
		for _, f := range s.Factors {
			fmt.Fprintf(stdout, "    %-28s %4.2f  %s\n", f.Slug, f.Score, diag.Printable(strings.Join(f.Words, ", ")))
		}
	}
	fmt.Fprintf(stdout, "suggestions for %d of %s that name no contributing factor; nothing was written (add the factors that fit to contributing_factors)\n",
		len(res.Suggestions), plural(without, "postmortem"))
	return code
}
