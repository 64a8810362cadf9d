package build

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

// TestLayout keeps the package rules of docs/ARCHITECTURE.md true: the pipeline's stages import no build or
// incremental, the watcher no pipeline package, search no generator package and nothing of bleve's internals, and
// net/http is the server's alone.
func TestLayout(t *testing.T) {
	out, err := exec.Command("go", "list", "-json", "github.com/secondstory/secondstory/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	const mod = "github.com/secondstory/secondstory/"
	dec := json.NewDecoder(strings.NewReader(string(out)))
	seen := 0
	for dec.More() {
		var p struct {
			ImportPath string
			Imports    []string
		}
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		seen++
		pkg := strings.TrimPrefix(variant(p.ImportPath), mod)
		for _, imp := range p.Imports {
			imp = variant(imp)
			ours := strings.TrimPrefix(imp, mod)
			if ours == imp {
				ours = ""
			}
			if why := forbidden(pkg, imp, ours); why != "" {
				t.Errorf("%s imports %s: %s", pkg, imp, why)
			}
		}
	}
	if seen < 15 {
		t.Fatalf("go list saw %d packages", seen)
	}
}

// stagePkgs are the pipeline's stage packages: each may import the ones before it in the pipeline, never build or
// incremental.
var stagePkgs = []string{"generator/diag", "generator/config", "generator/source", "generator/postmortem", "generator/markdown",
	"generator/lint", "generator/graph", "generator/graph/learn", "generator/render", "generator/render/charts", "generator/output"}

func forbidden(pkg, imp, ours string) string {
	isStage := func(p string) bool {
		for _, s := range stagePkgs {
			if p == s {
				return true
			}
		}
		return false
	}
	switch {
	case imp == "net/http" && pkg != "cmd/secondstory/server" && !strings.HasSuffix(pkg, "_test"):
		return "only the server uses net/http"
	case pkg == "generator/watch" && strings.HasPrefix(ours, "generator/"):
		return "the watcher turns events into change sets and knows no pipeline package"
	case isStage(pkg) && (ours == "generator/build" || ours == "generator/incremental" || ours == "search"):
		return "a stage does not know how it is orchestrated or kept"
	case pkg == "search" && ours != "":
		return "search is bleve's index and queries, and knows nothing of the generator"
	case pkg == "search" && (strings.Contains(imp, "bleve/v2/index/") || strings.HasPrefix(imp, "go.etcd.io/bbolt") &&
		imp != "go.etcd.io/bbolt/errors"): // the error value bleve's Open returns when another process holds the index
		return "search uses bleve's public API, not its storage"
	case pkg == "cmd/secondstory/server" && ours != "" && ours != "search":
		return "the server answers from the built site and the index only"
	case pkg == "cmd/secondstory" && ours != "" && !map[string]bool{"generator/build": true, "generator/watch": true,
		"generator/scaffold": true, "cmd/secondstory/server": true, "generator/diag": true, "generator/lint": true}[ours]:
		return "the CLI is flags, exit codes and wiring: build, watch, scaffold and the server"
	}
	return ""
}

// variant drops the " [pkg.test]" suffix go list gives the test variants of a package.
func variant(path string) string {
	if i := strings.Index(path, " ["); i >= 0 {
		return path[:i]
	}
	return path
}
