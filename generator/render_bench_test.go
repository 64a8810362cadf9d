package generator

import (
	"testing"
)

// BenchmarkRenderIncidentPage renders one incident page of the sample knowledge base: the most frequent page of a
// large site.
func BenchmarkRenderIncidentPage(b *testing.B) {
	c, err := Load(Options{Source: "../content"})
	if err != nil {
		b.Fatal(err)
	}
	site := buildGraph(c.Config, c.Listed, c.factorTerms, c.resolver, nil)
	tpl, err := loadTemplates(c.theme)
	if err != nil {
		b.Fatal(err)
	}
	var job pageJob
	for _, j := range site.pages() {
		if j.layout == "incident" {
			job = j
			break
		}
	}
	for b.Loop() {
		buf, _, err := tpl.render(job.layout, job.page)
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(buf.Len()))
		putBuffer(buf)
	}
}
