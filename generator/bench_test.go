package generator

import (
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkBuildSample times the whole pipeline, search index included, on the sample knowledge base.
func BenchmarkBuildSample(b *testing.B) {
	out := filepath.Join(b.TempDir(), "public")
	for b.Loop() {
		if _, err := Build(Options{Source: "../content", Out: out}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoad times load + parse + markdown (what `check` runs) on the sample knowledge base.
func BenchmarkLoad(b *testing.B) {
	for b.Loop() {
		c, err := Load(Options{Source: "../content"})
		if err != nil || c.Diagnostics.Errors() > 0 {
			b.Fatal(err, c.Diagnostics)
		}
	}
}

// BenchmarkMarkdown renders one long postmortem body.
func BenchmarkMarkdown(b *testing.B) {
	src, err := os.ReadFile("../content/incidents/2023-03-14-orders-db-failover.md")
	if err != nil {
		b.Fatal(err)
	}
	var diags Diagnostics
	fm := parseFrontMatter("x.md", src, &diags)
	cfg, _ := LoadConfig("../content")
	p := decodePostmortem("x.md", fm, cfg, &diags)
	all := []*Postmortem{p}
	r := newResolver(cfg, all, nil, &diags)
	for _, slug := range []string{"2024-02-19-tracking-replica-lag", "2022-06-30-payments-migration-table-lock", "2019-11-22-black-week-checkout-saturation", "2023-08-08-batch-job-noisy-neighbour"} {
		r.incidents[slug] = &Postmortem{Slug: slug}
	}
	md := newMarkdown(false)
	b.SetBytes(int64(len(p.Body)))
	for b.Loop() {
		renderMarkdown(md, p, r, nil)
	}
}
