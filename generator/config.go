package generator

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"gopkg.in/yaml.v3"
)

// Config is the knowledge base's secondstory.yaml (or .toml). Every field is optional.
type Config struct {
	Title         string              `yaml:"title" toml:"title"`
	BaseURL       string              `yaml:"base_url" toml:"base_url"`
	Theme         string              `yaml:"theme" toml:"theme"`
	EditURL       string              `yaml:"edit_url" toml:"edit_url"`
	Severities    []SeverityLevel     `yaml:"severities" toml:"severities"`
	Timezone      string              `yaml:"timezone" toml:"timezone"`
	UnsafeHTML    bool                `yaml:"unsafe_html" toml:"unsafe_html"`
	Fields        map[string][]string `yaml:"fields" toml:"fields"`
	Aliases       map[string]string   `yaml:"aliases" toml:"aliases"`
	StrictFactors bool                `yaml:"strict_factors" toml:"strict_factors"`
	Lint          LintConfig          `yaml:"lint" toml:"lint"`
	Learn         LearnConfig         `yaml:"learn" toml:"learn"`

	// File is the config file's path relative to the source folder ("" when there is none).
	File     string         `yaml:"-" toml:"-"`
	location *time.Location `yaml:"-" toml:"-"`
}

// SeverityLevel is one configured severity, most severe first.
type SeverityLevel struct {
	ID          string `yaml:"id" toml:"id"`
	Description string `yaml:"description" toml:"description"`
}

// LintConfig switches blameless-language rules off for a whole knowledge base.
type LintConfig struct {
	Disable []string `yaml:"disable" toml:"disable"`
}

// LearnConfig steers the onboarding reading path.
type LearnConfig struct {
	Factors int      `yaml:"factors" toml:"factors"`
	Pin     []string `yaml:"pin" toml:"pin"`
	Skip    []string `yaml:"skip" toml:"skip"`
}

// ConfigFiles are the names looked for in the source folder, in order.
var ConfigFiles = []string{"secondstory.yaml", "secondstory.yml", "secondstory.toml"}

var defaultSeverities = []SeverityLevel{
	{"SEV1", "Critical: customer-facing outage or data loss across the product; all hands."},
	{"SEV2", "Major: a key feature is down or badly degraded for many customers."},
	{"SEV3", "Minor: partial degradation with a workaround, or an internal system down."},
	{"SEV4", "Low: little or no customer impact; a near miss worth learning from."},
}

// ourFields lists the frontmatter keys that `fields` may alias.
var ourFields = map[string]bool{
	"title": true, "slug": true, "date": true, "summary": true, "severity": true, "status": true,
	"authors": true, "services": true, "teams": true, "tags": true, "contributing_factors": true,
	"started_at": true, "detected_at": true, "mitigated_at": true, "resolved_at": true, "timeline": true,
	"action_items": true, "related": true, "links": true, "onboarding": true, "draft": true,
}

var yamlLineRE = regexp.MustCompile(`line (\d+)`)

// LoadConfig reads the configuration of the knowledge base at source. A missing file gives the defaults.
func LoadConfig(source string) (*Config, Diagnostics) {
	var diags Diagnostics
	cfg := &Config{}
	for _, name := range ConfigFiles {
		data, err := os.ReadFile(filepath.Join(source, name))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		cfg.File = name
		if err != nil {
			diags.errorf(name, 0, 0, "config", "cannot read: %v", err)
			break
		}
		if strings.HasSuffix(name, ".toml") {
			if _, err := toml.NewDecoder(bytes.NewReader(data)).Decode(cfg); err != nil {
				line := 0
				var perr toml.ParseError
				if errors.As(err, &perr) {
					line = perr.Position.Line
				}
				diags.errorf(name, line, 0, "config", "%s", firstLine(err.Error()))
			}
		} else if err := yaml.Unmarshal(data, cfg); err != nil {
			for _, msg := range yamlMessages(err) {
				line := 0
				if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
					line, _ = strconv.Atoi(m[1])
				}
				diags.errorf(name, line, 0, "config", "%s", stripYAMLPrefix(msg))
			}
		}
		break
	}
	cfg.applyDefaults(&diags)
	return cfg, diags
}

func (cfg *Config) applyDefaults(diags *Diagnostics) {
	if cfg.Title == "" {
		cfg.Title = "Incident library"
	}
	if len(cfg.Severities) == 0 {
		cfg.Severities = append([]SeverityLevel(nil), defaultSeverities...) // a copy: the loop below writes into it
	}
	seen := map[string]bool{}
	for i, s := range cfg.Severities {
		id := strings.ToUpper(strings.TrimSpace(s.ID))
		if id == "" || seen[id] {
			diags.errorf(cfg.File, 0, 0, "config", "severities[%d]: id %q is empty or repeated", i, s.ID)
		}
		seen[id] = true
		cfg.Severities[i].ID = id
	}
	cfg.location = time.UTC
	if cfg.Timezone != "" {
		loc, err := time.LoadLocation(cfg.Timezone)
		if err != nil {
			diags.errorf(cfg.File, 0, 0, "config", "timezone: unknown time zone %q", cfg.Timezone)
		} else {
			cfg.location = loc
		}
	}
	if cfg.BaseURL != "" && !strings.HasSuffix(cfg.BaseURL, "/") {
		cfg.BaseURL += "/"
	}
	for ours := range cfg.Fields {
		if !ourFields[ours] {
			diags.errorf(cfg.File, 0, 0, "config", "fields: %q is not a postmortem field", ours)
		}
	}
	if cfg.Learn.Factors <= 0 {
		cfg.Learn.Factors = 10
	}
}

// Location is the site's time zone, used for timestamps written without an offset.
func (cfg *Config) Location() *time.Location {
	if cfg.location == nil {
		return time.UTC
	}
	return cfg.location
}

// severityRank returns the index of id among the configured severities, or -1.
func (cfg *Config) severityRank(id string) int {
	for i, s := range cfg.Severities {
		if strings.EqualFold(s.ID, id) {
			return i
		}
	}
	return -1
}

func (cfg *Config) severityIDs() string {
	ids := make([]string, len(cfg.Severities))
	for i, s := range cfg.Severities {
		ids[i] = s.ID
	}
	return strings.Join(ids, ", ")
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// yamlMessages splits a yaml.v3 error into its individual messages (a TypeError carries several).
func yamlMessages(err error) []string {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		return te.Errors
	}
	return []string{err.Error()}
}

func stripYAMLPrefix(msg string) string {
	msg = strings.TrimPrefix(msg, "yaml: ")
	if m := regexp.MustCompile(`^line \d+: `).FindString(msg); m != "" {
		msg = msg[len(m):]
	}
	return msg
}
