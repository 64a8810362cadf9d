package generator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"text/template"
	"time"
	"unicode/utf8"
)

// TemplateFile is where a knowledge base keeps its own postmortem template for `secondstory new`.
const TemplateFile = "templates/postmortem.md"

// NewOptions configure `secondstory new`.
type NewOptions struct {
	Source string    // the knowledge base folder
	Title  string    // the incident's title
	Date   string    // YYYY-MM-DD; "" for today in the configured time zone
	Now    time.Time // what "today" is; zero for time.Now()
}

// TemplateData is what a postmortem template is executed with (text/template; the functions quote and oneline
// are available: {{quote .Title}} writes a string that is valid in YAML, TOML and JSON frontmatter, {{oneline s}}
// folds s onto one line, for comments).
type TemplateData struct {
	Title      string          // as given, whitespace runs folded to one space
	Date       string          // YYYY-MM-DD
	Slug       string          // the incident's slug: the file name without .md, which URLs and [[…]] links use
	Severity   string          // a placeholder: the least severe configured id
	Severities []SeverityLevel // every configured level, most severe first: .ID and .Description
	Timezone   string          // the configured time zone, for hints on timestamps
}

// maxSlug keeps file names readable and far below file-system limits when a title is long.
const maxSlug = 60

// NewPostmortem writes incidents/<date>-<slug>.md into the knowledge base from its template (or the default one)
// and returns that path relative to the source folder. It never overwrites: an existing file is an *EnvError,
// even when another process creates it at the same moment. A template that fails, or that produces a postmortem
// with errors, is a *ContentError and nothing is written; a bad title or date is a plain error.
func NewPostmortem(opts NewOptions) (string, error) {
	if st, err := os.Stat(opts.Source); err != nil || !st.IsDir() {
		return "", envErrorf("source folder %s: not a readable folder", opts.Source)
	}
	title := strings.Join(strings.Fields(opts.Title), " ")
	if title == "" {
		return "", errors.New("a title is required, e.g. \"Orders database failover\"")
	}
	slug := truncateSlug(Slugify(title), maxSlug)
	if slug == "" {
		return "", fmt.Errorf("title %q has no letters or digits to make a file name from", title)
	}
	cfg, diags := LoadConfig(opts.Source)
	if diags.Errors() > 0 {
		return "", &ContentError{diags}
	}
	date := opts.Date
	if date == "" {
		now := opts.Now
		if now.IsZero() {
			now = time.Now()
		}
		date = now.In(cfg.Location()).Format(time.DateOnly)
	} else if _, err := time.Parse(time.DateOnly, date); err != nil {
		return "", fmt.Errorf("date %q is not a day in the form YYYY-MM-DD", date)
	}
	base := date + "-" + slug
	rel := "incidents/" + base + ".md"
	data := TemplateData{Title: title, Date: date, Slug: base, Severity: cfg.Severities[len(cfg.Severities)-1].ID,
		Severities: cfg.Severities, Timezone: cfg.Location().String()}

	text, err := renderTemplate(opts.Source, data)
	if err != nil {
		return "", err
	}
	if err := validateScaffold(rel, text, cfg); err != nil {
		return "", err
	}

	abs := filepath.Join(opts.Source, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
		return "", &EnvError{err}
	}
	// O_EXCL: the existence check and the creation are one step, so not even a race can overwrite a postmortem.
	f, err := os.OpenFile(abs, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return "", envErrorf("%s already exists; it was not overwritten (choose another title or date)", filepath.Join(opts.Source, rel))
	}
	if err != nil {
		return "", &EnvError{err}
	}
	if _, err := f.Write(text); err != nil {
		f.Close()
		os.Remove(abs) // ours: created above
		return "", &EnvError{err}
	}
	if err := f.Close(); err != nil {
		os.Remove(abs)
		return "", &EnvError{err}
	}
	return rel, nil
}

// truncateSlug cuts a long slug at a word boundary.
func truncateSlug(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := s[:n]
	for !utf8.ValidString(cut) {
		cut = cut[:len(cut)-1]
	}
	if s[len(cut)] != '-' { // mid-word: drop the partial word, unless that would leave too little
		if i := strings.LastIndexByte(cut, '-'); i > n/2 {
			cut = cut[:i]
		}
	}
	return strings.TrimSuffix(cut, "-")
}

var templateFuncs = template.FuncMap{
	// quote writes a JSON string: valid as a YAML double-quoted scalar, a TOML basic string and a JSON string.
	"quote": func(s string) string {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(s)
		return strings.TrimSuffix(b.String(), "\n")
	},
	"oneline": func(s string) string { return strings.Join(strings.Fields(s), " ") },
}

var templateLineRE = regexp.MustCompile(`^template: [^:]*:(\d+):(?:\d+:)? ?`)

// renderTemplate executes the knowledge base's template, or the default one when it has none.
func renderTemplate(source string, data TemplateData) ([]byte, error) {
	src, err := os.ReadFile(filepath.Join(source, filepath.FromSlash(TemplateFile)))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		src = []byte(defaultTemplate)
	case err != nil:
		return nil, &EnvError{err}
	}
	fail := func(err error) error {
		// text/template errors read "template: name:line: …"; position them like every other content error.
		msg, line := err.Error(), 0
		if m := templateLineRE.FindStringSubmatch(msg); m != nil {
			line, _ = strconv.Atoi(m[1])
			msg = msg[len(m[0]):]
		}
		return &ContentError{Diagnostics{{Path: TemplateFile, Line: line, Severity: SeverityError, Rule: "template", Message: msg}}}
	}
	tmpl, err := template.New(TemplateFile).Funcs(templateFuncs).Option("missingkey=error").Parse(string(src))
	if err != nil {
		return nil, fail(err)
	}
	var out bytes.Buffer
	if err := tmpl.Execute(&out, data); err != nil {
		return nil, fail(err)
	}
	return out.Bytes(), nil
}

// validateScaffold decodes the generated postmortem as a build would, so that a template which produces an
// invalid file (a title with a colon written without quote, a missing date) is reported instead of written.
func validateScaffold(rel string, text []byte, cfg *Config) error {
	var diags Diagnostics
	if fm := parseFrontMatter(rel, text, &diags); fm != nil {
		decodePostmortem(rel, fm, cfg, &diags)
	}
	if diags.Errors() == 0 {
		return nil
	}
	var out Diagnostics
	for _, d := range diags {
		if d.Severity == SeverityError {
			out = append(out, Diagnostic{Path: TemplateFile, Severity: SeverityError, Rule: "template",
				Message: fmt.Sprintf("the postmortem it produces would not be valid: line %d: %s: %s", d.Line, d.Rule, d.Message)})
		}
	}
	return &ContentError{out}
}

// defaultTemplate is the skeleton of a blameless review. Every placeholder is valid as it stands (empty strings
// and lists, null timestamps), so a fresh file passes check and builds; the prompts avoid the phrases the lint
// flags, or every new postmortem would start with warnings.
const defaultTemplate = `---
title: {{quote .Title}}
date: {{.Date}}
# One or two sentences for lists and search results: what happened, and what it meant for the people affected.
summary: ""
# Severity, most severe first (a placeholder until the review settles it):
{{- range .Severities}}
#   {{.ID}}{{with oneline .Description}}: {{.}}{{end}}
{{- end}}
severity: {{.Severity}}
# draft, in-review or published. Drafts are left out of the site unless it is built with --drafts.
status: draft
authors: []
teams: []
services: []
tags: []
# RFC 3339 (2024-03-05T14:02:00Z) or "YYYY-MM-DD HH:MM" in {{.Timezone}}.
started_at:
detected_at:
mitigated_at:
resolved_at:
# What people saw and did, with times; "HH:MM" is on the incident's day. One entry per moment:
#   - at: "14:02"
#     actor: who or what
#     text: what they saw, and what they did next
timeline: []
# Conditions that made the incident possible or worse. Reusing a name across incidents shows the pattern.
contributing_factors: []
# Follow-ups, each with an owner:
#   - title: what changes, concretely
#     owner: a team or a person
#     due: YYYY-MM-DD
#     status: open
action_items: []
---

## Summary

_What happened, who was affected and for how long, in a few sentences a newcomer can follow._

## Impact

_Who and what was affected, how much and for how long: customers, orders, colleagues, money, data._

## Timeline

_What people saw and did, with times. The key moments go in the timeline of the frontmatter; tell the story around them here._

## Why it made sense at the time

_For each key decision: what did people see and know then, what were they trying to achieve, and what made their action the reasonable one?_

## Contributing factors

_The conditions that made this possible or worse (tooling, alerts, runbooks, design, load, time pressure): several, each explained, and listed in the frontmatter too._

## What went well

_What helped: detection, tools, people and habits worth keeping._

## Where we got lucky

_What limited the damage by chance rather than by design._

## Why we were surprised

_Which beliefs about the system turned out wrong, and how we had come to hold them._

## Action items

_Changes to the system that make this less likely or less harmful, each with an owner; track them in the frontmatter's action items._
`
