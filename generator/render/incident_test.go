package render_test

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestIncidentSections: the page puts the story first, gives each section one heading, and places the frontmatter's
// timeline, factors and action items in the author's sections of the same kind or in sections of its own.
func TestIncidentSections(t *testing.T) {
	front := "---\ntitle: T\ndate: 2024-03-01\ntimeline:\n  - {at: \"23:50\", text: Paged}\n  - {at: \"2024-03-02 00:20\", text: Fixed}\n" +
		"  - {at: \"2024-03-02 00:40\", text: Verified}\ncontributing_factors: [Config drift, Retry storm]\n" +
		"action_items:\n  - {title: Fix it, owner: Kai, status: open, ticket: OPS-7}\n---\n"
	for _, c := range []struct {
		name, body string
		want       []string // the h2s in order, with the generated blocks they hold: [timeline], [factors], [actions]
	}{
		{"no sections", "Just a story.\n",
			[]string{"Timeline [timeline]", "Contributing factors [factors]", "Action items [actions]"}},
		{"the template's sections", "## Summary\n\nS.\n\n## Impact\n\nI.\n\n## Timeline\n\nT.\n\n## Why it made sense at the time\n\nW.\n\n" +
			"## Contributing factors\n\n- [[factor:config-drift]]: C.\n\n## What went well\n\nG.\n\n## Action items\n\nA.\n",
			[]string{"Summary", "Impact", "Timeline [timeline]", "Why it made sense at the time", "Contributing factors [factors] Retry storm",
				"What went well", "Action items [actions]"}},
		{"timeline first, summary later", "## Timeline narrative\n\nT.\n\n## What happened\n\nW.\n\n## Summary\n\nS.\n\n## Impact on drivers\n\nI.\n\n## Follow-ups\n\nF.\n",
			[]string{"Summary", "Impact on drivers", "Timeline narrative [timeline]", "What happened", "Contributing factors [factors]", "Follow-ups [actions]"}},
		{"no timeline section", "## Summary\n\nS.\n\n## What happened\n\nW.\n",
			[]string{"Summary", "Timeline [timeline]", "What happened", "Contributing factors [factors]", "Action items [actions]"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, _ := buildTree(t, map[string]string{"incidents/x.md": front + c.body, "factors/config-drift.md": "---\ntitle: Config drift\n---\nD.\n"},
				time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC))
			page := readFile(t, filepath.Join(out, "incidents/x/index.html"))
			body := page[strings.Index(page, `<div class="pm-body">`):strings.Index(page, `<footer class="pm-footer">`)]
			var got []string
			for _, sec := range strings.Split(body, `<section class="pm-section`)[1:] {
				h := regexp.MustCompile(`<h2 id="[^"]+">([^<]*)`).FindStringSubmatch(sec)
				if h == nil {
					continue
				}
				s := strings.TrimSpace(h[1])
				if strings.Contains(sec, `class="timeline-list"`) {
					s += " [timeline]"
				}
				if strings.Contains(sec, `class="factor-list"`) || strings.Contains(sec, `class="factor-chips"`) {
					s += " [factors]"
				}
				if strings.Contains(sec, `class="factor-chips"`) {
					for _, m := range regexp.MustCompile(`class="tag factor-chip"[^>]*>([^<]+)`).FindAllStringSubmatch(sec, -1) {
						s += " " + m[1]
					}
				}
				if strings.Contains(sec, `<table class="action-table pm-actions">`) {
					s += " [actions]"
				}
				if s != "Links" {
					got = append(got, s)
				}
			}
			if strings.Join(got, " | ") != strings.Join(c.want, " | ") {
				t.Errorf("sections\n got %q\nwant %q", got, c.want)
			}
			if n := strings.Count(page, `<li class="tl-day"><span>Sat 2 Mar</span></li>`); n != 1 {
				t.Errorf("%d day markers for 2 March, want 1 (before 00:20)", n)
			}
			if !strings.Contains(page, `Sat 2 Mar</span></li><li><time datetime="2024-03-02T00:20:00`) {
				t.Error("the day marker is not right before the first entry of 2 March")
			}
		})
	}
}
