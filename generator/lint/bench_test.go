package lint

import (
	"strings"
	"testing"

	"github.com/yuin/goldmark/text"
)

// benchBody builds a postmortem body of about 1,200 words in the shape of real ones: headings, a timeline list,
// prose paragraphs with links and code spans, a fenced block and a quoted chat log, with a few findings.
func benchBody() []byte {
	var b strings.Builder
	b.WriteString("## Summary\n\nOn Tuesday the checkout service returned errors for 42 minutes after a configuration change " +
		"rolled out to every region at once. The on-call engineer was paged by the [error-rate alert](https://alerts.example/checkout) " +
		"and rolled the change back once the dashboard showed the correlation.\n\n## Timeline\n\n")
	for i := range 12 {
		b.WriteString("- 14:")
		b.WriteString(string(rune('0' + i%6)))
		b.WriteString("2 Dana opened the deploy dashboard, saw the `config-push` job at 80% and waited for the canary metrics to settle before continuing.\n")
	}
	b.WriteString("\n## What happened\n\n")
	para := "The configuration service accepts a change and pushes it to every region through the `config-push` job. " +
		"The job has no per-region stage, so a change that passes validation reaches all regions within a minute. " +
		"Validation checks the schema but not the values, and the new timeout of 0 was valid by schema. " +
		"The runbook for the alert points at the [checkout dashboard](https://dash.example/d/checkout?from=now-1h) " +
		"and suggests comparing error rates with recent deploys, which the engineer did.\n\n"
	for range 8 {
		b.WriteString(para)
	}
	b.WriteString("```sh\nkubectl rollout undo deploy/checkout # should have been automatic\n```\n\n" +
		"> 14:07 <sam> we should have canaried this\n\n" +
		"## Contributing factors\n\nIn hindsight we should have staged the rollout; the root cause analysis lists the factors below. " +
		"It was just a one-line change, and the reviewer simply approved it.\n\n")
	for range 4 {
		b.WriteString(para)
	}
	return []byte(b.String())
}

// BenchmarkMarkdown is parsing and linting a body, as a caller without a parsed document would.
func BenchmarkMarkdown(b *testing.B) {
	body := benchBody()
	opts := Options{People: []string{"Dana", "Sam Okafor", "Priya"}}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		New(opts).Markdown(mdParser.Parse(text.NewReader(body)), body, 8)
	}
}

// BenchmarkMarkdownAST is the linter's own cost when the generator hands over the document it parsed anyway:
// building the Linter and linting the body.
func BenchmarkMarkdownAST(b *testing.B) {
	body := benchBody()
	doc := mdParser.Parse(text.NewReader(body))
	opts := Options{People: []string{"Dana", "Sam Okafor", "Priya"}}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		New(opts).Markdown(doc, body, 8)
	}
}

// BenchmarkParseOnly is the goldmark share of BenchmarkMarkdown.
func BenchmarkParseOnly(b *testing.B) {
	body := benchBody()
	b.ReportAllocs()
	for b.Loop() {
		mdParser.Parse(text.NewReader(body))
	}
}

func TestBenchBodyShape(t *testing.T) {
	body := benchBody()
	if n := len(strings.Fields(string(body))); n < 1100 || n > 1400 {
		t.Errorf("benchmark body has %d words, want about 1,200", n)
	}
	got := lintMarkdown(body, 8, Options{People: []string{"Dana"}})
	if len(got) != 3 {
		t.Errorf("benchmark body: got %d findings, want 3 (should have staged, just, simply): %v", len(got), got)
	}
}

// benchTimeline is a postmortem's frontmatter prose: a summary and 30 timeline entries with 12 actors.
func benchTimeline() (people, texts []string) {
	for i := range 12 {
		people = append(people, "Actor"+string(rune('A'+i))+"a")
	}
	texts = append(texts, "Adding a depot re-rendered every region's configuration and silently reverted a hand-applied "+
		"solver timeout; large depots got empty route plans for the morning shift.")
	for i := range 30 {
		texts = append(texts, people[i%12]+" sees solver timeouts in the planner logs, checks the live value and "+
			"points out that a revert would re-render again with the same template value.")
	}
	return people, texts
}

// BenchmarkText is the frontmatter side of a postmortem's lint: building the Linter and linting the summary and
// each timeline entry.
func BenchmarkText(b *testing.B) {
	people, texts := benchTimeline()
	b.ReportAllocs()
	for b.Loop() {
		lt := New(Options{People: people})
		for i, s := range texts {
			lt.Text(s, i+1, 9)
		}
	}
}
