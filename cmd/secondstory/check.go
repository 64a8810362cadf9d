package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/secondstory/secondstory/generator"
	"github.com/secondstory/secondstory/generator/lint"
)

func runCheck(args []string, stdout, stderr io.Writer) int {
	var source, format string
	var strict, drafts bool
	fs := newFlagSet("check", "[--source DIR] [--format text|json] [--strict] [--drafts=false]", checkAbout(), stderr)
	fs.StringVar(&source, "source", ".", "the knowledge base `folder`")
	fs.StringVar(&format, "format", "text", "output `format`: text (path:line:col: severity: rule: message) or json")
	fs.BoolVar(&strict, "strict", false, "exit 1 on warnings too (blameless language included)")
	// Drafts are what authors check most, so they are in by default; --drafts=false checks what a build publishes.
	fs.BoolVar(&drafts, "drafts", true, "check postmortems with status: draft too")
	if ok, code := parseFlags(fs, args); !ok {
		return code
	}
	if format != "text" && format != "json" {
		fmt.Fprintf(stderr, "secondstory check: --format must be text or json, not %q\n", format)
		return exitUsage
	}
	// Out is only excluded from the content, as in a build with the default --out.
	c, err := generator.Load(generator.Options{Source: source, Out: "public", Drafts: drafts})
	if err != nil {
		fmt.Fprintf(stderr, "secondstory check: %v\n", err)
		return exitUsage
	}
	diags := c.Diagnostics
	if format == "json" {
		if diags == nil {
			diags = generator.Diagnostics{} // [] rather than null, for consumers that iterate
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(diags); err != nil {
			fmt.Fprintf(stderr, "secondstory check: %v\n", err)
			return exitUsage
		}
	} else {
		for _, d := range diags {
			fmt.Fprintln(stdout, d)
		}
		fmt.Fprintf(stdout, "%s, %s in %s\n", plural(diags.Errors(), "error"), plural(diags.Warnings(), "warning"), plural(c.Files(), "file"))
	}
	if diags.Errors() > 0 || strict && diags.Warnings() > 0 {
		return exitContent
	}
	return exitOK
}

// checkAbout is check's help text, with the rule list so that ids for lint.disable and ignore comments are at hand.
func checkAbout() string {
	var b strings.Builder
	b.WriteString(`Validates the knowledge base as a build does (frontmatter schema, dates, links, duplicate slugs) and lints
the prose of every postmortem for language that hides the second story, without writing anything. Errors exit 1;
warnings alone exit 0, or 1 with --strict.

Blameless-language rules (reported as blameless/<id>):
`)
	for _, r := range lint.Rules() {
		fmt.Fprintf(&b, "  %-14s %s\n", r.ID, r.Summary)
	}
	b.WriteString(`
Turn a rule off for the whole knowledge base in secondstory.yaml (lint: {disable: [minimiser]}), or for one
paragraph or block with a comment before it: <!-- secondstory:ignore counterfactual -->.`)
	return b.String()
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
