package build

import (
	"bytes"
	"slices"
	"strings"

	"github.com/secondstory/secondstory/generator/config"
	"github.com/secondstory/secondstory/generator/diag"
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

// shellChecks are the shell rules a knowledge base left on, and the prompts of its templates.
type shellChecks struct {
	off     map[string]bool
	prompts map[string]bool
}

func newShellChecks(cfg *config.Config, kbTemplate string) *shellChecks {
	sc := &shellChecks{off: map[string]bool{}, prompts: map[string]bool{}}
	for _, id := range cfg.Check.Disable {
		sc.off[strings.TrimPrefix(strings.ToLower(strings.TrimSpace(id)), "check/")] = true
	}
	for _, p := range append(postmortem.Prompts(postmortem.DefaultTemplate), postmortem.Prompts(kbTemplate)...) {
		sc.prompts[p] = true
	}
	return sc
}

// warnings warns about a published postmortem that is still a shell: what the template asks for was not written.
// It depends on the file alone (and the checks), so a session computes it when the file is decoded.
func (sc *shellChecks) warnings(p *postmortem.Postmortem) diag.List {
	var out diag.List
	warn := func(line int, id, msg string) {
		if !sc.off[id] {
			out.Warnf(p.Source, line, 0, "check/"+id, "%s", msg)
		}
	}
	{
		if p.Status != postmortem.StatusPublished || p.PDF != "" { // a PDF export cannot be filled in
			return nil
		}
		if strings.TrimSpace(p.Summary) == "" {
			warn(1, "empty-summary", "no summary: lists and search results show one or two sentences of it")
		}
		if !sc.off["template-prompts"] {
			for i, l := range bytes.Split(p.Markdown, []byte("\n")) {
				if t := bytes.TrimSpace(l); len(t) > 2 && (t[0] == '_' || t[0] == '*') && sc.prompts[string(t)] {
					warn(p.BodyLine+i, "template-prompts", "a prompt of the template is still here: replace it with what happened")
				}
			}
		}
		timed := slices.ContainsFunc(p.Timeline, func(t postmortem.TimelineEntry) bool { return t.HasAt })
		if p.StartedAt.IsZero() && p.DetectedAt.IsZero() && p.ResolvedAt.IsZero() && !timed {
			warn(1, "no-timestamps", "no timestamps: set started_at, detected_at and resolved_at, or times in the timeline")
		}
		if len(p.Factors) == 0 {
			warn(1, "no-factors", "no contributing factors: name the conditions that made this possible")
		}
		if len(p.ActionItems) == 0 {
			warn(1, "no-action-items", "no action items: list the follow-ups, each with an owner")
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
