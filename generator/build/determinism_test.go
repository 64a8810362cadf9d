package build_test

import (
	"path/filepath"
	"testing"

	"github.com/secondstory/secondstory/generator/build"
	"github.com/secondstory/secondstory/generator/internal/sitetest"
)

// TestCleanBuildsAreDeterministic: two clean builds of the same content write the same bytes, the ground every
// comparison with a clean build stands on.
func TestCleanBuildsAreDeterministic(t *testing.T) {
	var outs []string
	for range 3 {
		out := filepath.Join(sitetest.MemDir(t), "public")
		if _, err := build.Build(build.Options{Source: sitetest.Sample(), Out: out, Now: sitetest.SampleNow, Preview: true}); err != nil {
			t.Fatal(err)
		}
		outs = append(outs, out)
	}
	sitetest.SameTree(t, outs[1], outs[0])
	sitetest.SameTree(t, outs[2], outs[0])
}
