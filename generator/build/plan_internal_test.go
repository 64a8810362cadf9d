package build

import (
	"strings"
	"testing"

	"github.com/secondstory/secondstory/generator/config"
	"github.com/secondstory/secondstory/generator/graph"
	"github.com/secondstory/secondstory/generator/render"
	"github.com/secondstory/secondstory/generator/source"
	"github.com/secondstory/secondstory/themes"
)

// TestPlanPagesCollide: the plan is the net under the name rules: two pages with one file, whatever made them, are
// an error naming both, never one page silently replacing the other (a factor named !!! once wrote its page over
// the catalogue at factors/index.html).
func TestPlanPagesCollide(t *testing.T) {
	cfg, _ := config.Load(t.TempDir())
	site := &graph.Site{Config: cfg}
	jobs := []render.Job{
		{Layout: "terms", Path: "factors/", Title: "Contributing factors"},
		{Layout: "term", Path: "factors/", Title: "!!!"},
		{Layout: "term", Path: "tags/x/", Title: "X"},
	}
	_, diags := planFiles(site, &source.Inventory{Root: t.TempDir()}, themes.Default(), jobs)
	if diags.Errors() != 1 || !strings.Contains(diags[0].Message, `the pages "Contributing factors" and "!!!" would both be published as /factors/index.html`) {
		t.Errorf("diagnostics: %v", diags)
	}
}
