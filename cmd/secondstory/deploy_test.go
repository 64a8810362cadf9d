package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// TestDeployRecipes keeps docs/deploy true to the program: the CI recipes are valid YAML, and every secondstory
// command the recipes and the Dockerfile run exists and takes the flags they pass (a renamed flag would break
// every team's pipeline silently until its next run).
func TestDeployRecipes(t *testing.T) {
	dir := filepath.Join("..", "..", "docs", "deploy")
	command := regexp.MustCompile(`secondstory"?,? "?(build|check|serve|import|new)"?([^>|&;]*)`)
	flagRE := regexp.MustCompile(`(?:^|[\s,"])--?([a-z][a-z-]*)`)
	seen := 0
	for _, name := range []string{"Dockerfile", "github-actions.yml", "gitlab-ci.yml"} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(name, ".yml") {
			var v map[string]any
			if err := yaml.Unmarshal(data, &v); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}
		for _, line := range strings.Split(string(data), "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), "#") {
				continue
			}
			for _, m := range command.FindAllStringSubmatch(line, -1) {
				seen++
				_, _, help := cliRun(t, m[1], "-h")
				for _, f := range flagRE.FindAllStringSubmatch(m[2], -1) {
					if !strings.Contains(help, "  -"+f[1]+" ") && !strings.Contains(help, "  -"+f[1]+"\n") {
						t.Errorf("%s: secondstory %s has no flag --%s (%s)", name, m[1], f[1], strings.TrimSpace(line))
					}
				}
			}
		}
		if !strings.Contains(string(data), "github.com/secondstory/secondstory/cmd/secondstory@") {
			t.Errorf("%s does not install the program with go install", name)
		}
	}
	if seen < 5 {
		t.Errorf("found %d secondstory commands in the recipes", seen)
	}
}
