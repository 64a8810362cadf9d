package postmortem

import "strings"

// DefaultTemplate is the skeleton of a blameless review. Every placeholder is valid as it stands (empty strings
// and lists, null timestamps), so a fresh file passes check and builds; the prompts avoid the phrases the lint
// flags, or every new postmortem would start with warnings.
const DefaultTemplate = `---
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

// Prompts are the lines of a template that ask the author for something: whole-line emphasis ("_What happened…_").
// A published postmortem that still holds one is a shell (check/template-prompts).
func Prompts(template string) []string {
	var out []string
	for _, l := range strings.Split(template, "\n") {
		l = strings.TrimSpace(l)
		if len(l) > 2 && (l[0] == '_' && l[len(l)-1] == '_' || l[0] == '*' && l[len(l)-1] == '*') {
			out = append(out, l)
		}
	}
	return out
}
