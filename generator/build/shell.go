package build

import (
	"bytes"
	"slices"
	"strings"

	"github.com/secondstory/secondstory/generator/config"
	"github.com/secondstory/secondstory/generator/diag"
	"github.com/secondstory/secondstory/generator/incremental"
	"github.com/secondstory/secondstory/generator/postmortem"
	"github.com/secondstory/secondstory/generator/source"
)

// ShellRules are the checks of a published postmortem that is still a shell, each of which a knowledge base can
// turn off (check: {disable: [no-action-items]}).
var ShellRules = []struct{ ID, Summary string }{
	{"empty-summary", "a published postmortem has no summary"},
	{"template-prompts", "a published postmortem still holds a prompt of the template"},
	{"no-timestamps", "a published postmortem has no start, detection or resolution time, and no timed timeline"},
	{"no-factors", "a published postmortem names no contributing factor"},
	{"no-action-items", "a published postmortem has no action items"},
}

// shellWarnings warns about published postmortems that are still shells: what the template asks for was not
// written.
func shellWarnings(cfg *config.Config, listed []*incremental.File, kbTemplate string) diag.List {
	var out diag.List
	off := map[string]bool{}
	for _, id := range cfg.Check.Disable {
		off[strings.TrimPrefix(strings.ToLower(strings.TrimSpace(id)), "check/")] = true
	}
	prompts := postmortem.Prompts(postmortem.DefaultTemplate)
	if kbTemplate != "" {
		prompts = append(prompts, postmortem.Prompts(kbTemplate)...)
	}
	warn := func(p *postmortem.Postmortem, line int, id, msg string) {
		if !off[id] {
			out.Warnf(p.Source, line, 0, "check/"+id, "%s", msg)
		}
	}
	for _, e := range listed {
		p := e.P
		if p.Status != postmortem.StatusPublished || p.PDF != "" { // a PDF export cannot be filled in
			continue
		}
		if strings.TrimSpace(p.Summary) == "" {
			warn(p, 1, "empty-summary", "no summary: lists and search results show one or two sentences of it")
		}
		for i, l := range bytes.Split(p.Markdown, []byte("\n")) {
			if slices.Contains(prompts, strings.TrimSpace(string(l))) {
				warn(p, p.BodyLine+i, "template-prompts", "a prompt of the template is still here: replace it with what happened")
			}
		}
		timed := slices.ContainsFunc(p.Timeline, func(t postmortem.TimelineEntry) bool { return t.HasAt })
		if p.StartedAt.IsZero() && p.DetectedAt.IsZero() && p.ResolvedAt.IsZero() && !timed {
			warn(p, 1, "no-timestamps", "no timestamps: set started_at, detected_at and resolved_at, or times in the timeline")
		}
		if len(p.Factors) == 0 {
			warn(p, 1, "no-factors", "no contributing factors: name the conditions that made this possible")
		}
		if len(p.ActionItems) == 0 {
			warn(p, 1, "no-action-items", "no action items: list the follow-ups, each with an owner")
		}
	}
	return out
}

// kbTemplate is the knowledge base's own template for `new`, or "".
func kbTemplate(inv *source.Inventory) string {
	data, err := source.Read(inv.Root, TemplateFile, 1<<20)
	if err != nil {
		return ""
	}
	return string(data)
}

// TemplateFile is where a knowledge base keeps its own postmortem template for `secondstory new`.
const TemplateFile = "templates/postmortem.md"
