package render

import (
	"html/template"
	"testing"
	"time"

	"github.com/secondstory/secondstory/generator/config"
	"github.com/secondstory/secondstory/generator/graph"
	"github.com/secondstory/secondstory/generator/internal/sitetest"
	"github.com/secondstory/secondstory/generator/markdown"
	"github.com/secondstory/secondstory/generator/postmortem"
)

func TestRichness(t *testing.T) {
	in := func(p postmortem.Postmortem, headings []string, words int) *graph.Incident {
		b := &markdown.Body{Words: words}
		for _, h := range headings {
			b.Headings = append(b.Headings, markdown.Heading{Level: 2, Text: h})
		}
		return &graph.Incident{Postmortem: &p, Body: b}
	}
	for _, c := range []struct {
		name string
		in   *graph.Incident
		want float64
	}{
		{"complete", in(postmortem.Postmortem{Summary: "s", Timeline: make([]postmortem.TimelineEntry, 3), ActionItems: make([]postmortem.ActionItem, 1)},
			[]string{"Impact", "WHY IT MADE SENSE at the time"}, 1200), 1},
		{"empty", in(postmortem.Postmortem{}, nil, 0), 0},
		{"second story heading", in(postmortem.Postmortem{}, []string{"The second story"}, 0), 0.30},
		{"short timeline and body", in(postmortem.Postmortem{Timeline: make([]postmortem.TimelineEntry, 1)}, nil, 100), 0.20/3 + 0.25/4},
		{"very long", in(postmortem.Postmortem{}, nil, 12000), 0.125},
		{"long", in(postmortem.Postmortem{}, nil, 4000), 0.25 * 0.75},
	} {
		if got := richness(c.in); got < c.want-1e-9 || got > c.want+1e-9 {
			t.Errorf("%s: richness %v, want %v", c.name, got, c.want)
		}
	}
}

func TestExcerpt(t *testing.T) {
	for _, c := range []struct {
		in    template.HTML
		limit int
		want  string
	}{
		{`<p><strong>Retry storm</strong> &amp; friends: clients retry, e.g. at once. Then it grows.</p><p>More.</p>`, 200,
			"Retry storm & friends: clients retry, e.g. at once."},
		{`<h2>How</h2><p>Only   this
paragraph</p>`, 200, "Only this paragraph"},
		{`<p>One two three four five six seven</p>`, 16, "One two three…"},
		{`plain &lt;b&gt; text`, 200, "plain <b> text"},
		{``, 200, ""},
	} {
		if got := excerpt(c.in, c.limit); got != c.want {
			t.Errorf("excerpt(%q, %d) = %q, want %q", c.in, c.limit, got, c.want)
		}
	}
}

func TestPeriodFor(t *testing.T) {
	day := func(y, m int) time.Time { return time.Date(y, time.Month(m), 1, 0, 0, 0, 0, time.UTC) }
	for _, c := range []struct {
		from, to time.Time
		want     period
	}{
		{day(2024, 1), day(2024, 1), "month"},
		{day(2020, 1), day(2023, 12), "month"},   // 48 months
		{day(2020, 1), day(2024, 1), "quarter"},  // 49
		{day(2010, 1), day(2024, 12), "quarter"}, // 60 quarters
		{day(2010, 1), day(2025, 1), "year"},
	} {
		if got := periodFor(c.from, c.to); got != c.want {
			t.Errorf("periodFor(%s, %s) = %s, want %s", c.from.Format("2006-01"), c.to.Format("2006-01"), got, c.want)
		}
	}
	d := time.Date(2024, 11, 22, 0, 0, 0, 0, time.UTC)
	for pd, want := range map[period]string{"month": "Nov 2024", "quarter": "2024 Q4", "year": "2024"} {
		if got := pd.label(pd.index(d)); got != want {
			t.Errorf("%s label %q, want %q", pd, got, want)
		}
		if pd.index(d.AddDate(1, 0, 0))-pd.index(d) != map[period]int{"month": 12, "quarter": 4, "year": 1}[pd] {
			t.Errorf("%s buckets are not consecutive", pd)
		}
	}
}

// The reading path is the day's: recency counts from the start of the build day in the site's zone, so builds at
// different hours of a day choose the same. A day is a date at UTC midnight, as incidents' dates are.
func TestLearnPathIsTheDays(t *testing.T) {
	dir := t.TempDir()
	sitetest.WriteTree(t, dir, map[string]string{"secondstory.yaml": "timezone: Asia/Tokyo\n"})
	cfg, diags := config.Load(dir)
	if diags.Errors() > 0 {
		t.Fatal(diags)
	}
	s := &graph.Site{Config: cfg, BuildDate: time.Date(2026, 11, 1, 23, 30, 0, 0, time.UTC)} // 2 November in Tokyo
	got := learnOptions(Site{s, NewReads()}, "", 10).Now
	if want := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("recency counts from %v, want %v (the start of the build day in the site's zone)", got, want)
	}
	if now := learnOptions(Site{&graph.Site{Config: cfg}, NewReads()}, "", 10).Now; !now.IsZero() {
		t.Errorf("without a build date: %v, want no decay", now)
	}
}

func TestJobFile(t *testing.T) {
	for path, want := range map[string]string{
		"":                          "index.html",
		"incidents/":                "incidents/index.html",
		"404.html":                  "404.html",
		"tags/f%C3%BCr/":            "tags/für/index.html",
		"incidents/orders-db-down/": "incidents/orders-db-down/index.html",
	} {
		if got := (Job{Path: path}).File(); got != want {
			t.Errorf("Job{%q}.File() = %q, want %q", path, got, want)
		}
	}
	for path, want := range map[string]string{"": "", "incidents/": "../", "incidents/x/": "../../"} {
		if got := rootFor(path); got != want {
			t.Errorf("rootFor(%q) = %q, want %q", path, got, want)
		}
	}
}
