package render_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/secondstory/secondstory/generator/build"
	"github.com/secondstory/secondstory/generator/graph"
	"github.com/secondstory/secondstory/generator/internal/sitetest"
)

// buildSite builds the knowledge base in dir at now (sitetest.Now when zero) into a temporary folder.
func buildSite(t *testing.T, dir string, now time.Time) (string, *graph.Site) {
	t.Helper()
	if now.IsZero() {
		now = sitetest.Now
	}
	out := filepath.Join(sitetest.MemDir(t), "public")
	res, err := build.Build(build.Options{Source: dir, Out: out, Now: now})
	if err != nil {
		t.Fatalf("build %s: %v", dir, err)
	}
	return out, res.Site
}

// buildTree writes files into a new knowledge base and builds it.
func buildTree(t *testing.T, files map[string]string, now time.Time) (string, *graph.Site) {
	t.Helper()
	dir := sitetest.MemDir(t)
	sitetest.WriteTree(t, dir, files)
	return buildSite(t, dir, now)
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	return sitetest.ReadFile(t, path)
}
