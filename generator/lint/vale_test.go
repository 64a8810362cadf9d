package lint

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

type valeRule struct {
	Extends    string   `yaml:"extends"`
	Message    string   `yaml:"message"`
	Level      string   `yaml:"level"`
	IgnoreCase bool     `yaml:"ignorecase"`
	Tokens     []string `yaml:"tokens"`
}

// TestWriteVale checks the style as Vale reads it: one YAML file per rule with the fields an existence rule
// needs, tokens that compile once wrapped as Vale wraps them, and the approximation's promise: every rule's
// flagged example is matched, and no reframing and at most as few neutral corpus sentences as the lint allows are.
func TestWriteVale(t *testing.T) {
	dir := t.TempDir()
	if err := WriteVale(dir); err != nil {
		t.Fatal(err)
	}
	var all []*regexp.Regexp
	for _, r := range Rules() {
		data, err := os.ReadFile(filepath.Join(dir, ValeStyle, valeName(r.ID)+".yml"))
		if err != nil {
			t.Fatal(err)
		}
		var vr valeRule
		if err := yaml.Unmarshal(data, &vr); err != nil {
			t.Fatalf("%s: %v", r.ID, err)
		}
		if vr.Extends != "existence" || !strings.Contains(vr.Message, "%s") || vr.Level != "warning" || !vr.IgnoreCase || len(vr.Tokens) == 0 {
			t.Errorf("%s: incomplete rule %+v", r.ID, vr)
		}
		re, err := regexp.Compile(`(?i)(?m)\b(?:` + strings.Join(vr.Tokens, "|") + `)\b`)
		if err != nil {
			t.Fatalf("%s: %v", r.ID, err)
		}
		all = append(all, re)
		matched := false
		for _, ex := range r.Examples {
			matched = matched || re.MatchString(ex.Flagged)
		}
		if !matched && r.ID != NamedSubject {
			t.Errorf("%s: no example matched by the Vale rule", r.ID)
		}
	}
	matches := func(s string) bool {
		for _, re := range all {
			if re.MatchString(s) {
				return true
			}
		}
		return false
	}
	for _, r := range Rules() {
		for _, ex := range r.Examples {
			if matches(ex.Reframed) {
				t.Errorf("%s: reframing matched by the Vale style: %q", r.ID, ex.Reframed)
			}
		}
	}
	for _, name := range []string{"dev", "heldout"} {
		c := loadCorpus(t, filepath.Join("testdata", "corpus", name+".txt"))
		var tp, flags, fp, oks int
		for _, e := range c.entries {
			m := matches(e.text)
			if e.flag {
				flags++
				if m {
					tp++
				}
				continue
			}
			oks++
			if m {
				fp++
				t.Logf("Vale false positive: %s", e.text)
			}
		}
		t.Logf("Vale style on %s: recall %d/%d, false positives %d/%d", name, tp, flags, fp, oks)
		if float64(fp) > 0.05*float64(oks) {
			t.Errorf("Vale style on %s: %d false positives in %d neutral sentences", name, fp, oks)
		}
	}
}
