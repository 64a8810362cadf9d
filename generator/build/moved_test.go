package build

import (
	"reflect"
	"testing"

	"github.com/secondstory/secondstory/generator/config"
	"github.com/secondstory/secondstory/generator/graph"
	"github.com/secondstory/secondstory/generator/postmortem"
)

func TestMovedPages(t *testing.T) {
	cfg, _ := config.Load(t.TempDir())
	pm := func(src, slug, title string) *graph.Incident {
		return &graph.Incident{Postmortem: &postmortem.Postmortem{Source: src, Slug: slug, Title: title}}
	}
	site := func(ins ...*graph.Incident) *graph.Site {
		return graph.Build(cfg, ins, nil, graph.NewResolver(cfg, nil, nil, nil))
	}
	for _, tc := range []struct {
		name     string
		old, new *graph.Site
		want     map[string]string
	}{
		{"unchanged", site(pm("a.md", "a", "A")), site(pm("a.md", "a", "A")), nil},
		{"slug changed", site(pm("a.md", "a", "A")), site(pm("a.md", "b", "A")), map[string]string{"incidents/a/": "incidents/b/"}},
		{"file renamed", site(pm("a.md", "a", "A"), pm("c.md", "c", "C")), site(pm("b.md", "b", "A2"), pm("c.md", "c", "C")),
			map[string]string{"incidents/a/": "incidents/b/"}},
		{"two renamed, paired by title", site(pm("a.md", "a", "A"), pm("c.md", "c", "C")), site(pm("d.md", "d", "C"), pm("b.md", "b", "A")),
			map[string]string{"incidents/a/": "incidents/b/", "incidents/c/": "incidents/d/"}},
		{"deleted", site(pm("a.md", "a", "A"), pm("c.md", "c", "C")), site(pm("c.md", "c", "C")), nil},
		{"slug taken over by another file", site(pm("a.md", "a", "A"), pm("b.md", "b", "B")), site(pm("a.md", "x", "A"), pm("b.md", "a", "B")),
			map[string]string{"incidents/b/": "incidents/a/"}},
	} {
		if got := movedPages(tc.old, tc.new); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: moved %v, want %v", tc.name, got, tc.want)
		}
	}
}
