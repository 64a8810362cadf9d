// Package config reads a knowledge base's secondstory.yaml (or .yml, .toml) into a Config. Every key is optional;
// a missing file gives the defaults. Problems are positioned diagnostics, never a failure to start.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/secondstory/secondstory/generator/diag"
	"github.com/secondstory/secondstory/generator/source"
	"gopkg.in/yaml.v3"
)

// Config is the knowledge base's configuration.
type Config struct {
	Title         string              `yaml:"title" toml:"title"`
	BaseURL       string              `yaml:"base_url" toml:"base_url"`
	Theme         string              `yaml:"theme" toml:"theme"`
	EditURL       string              `yaml:"edit_url" toml:"edit_url"`
	TicketURL     string              `yaml:"ticket_url" toml:"ticket_url"`
	Severities    []SeverityLevel     `yaml:"severities" toml:"severities"`
	Timezone      string              `yaml:"timezone" toml:"timezone"`
	UnsafeHTML    bool                `yaml:"unsafe_html" toml:"unsafe_html"`
	Fields        map[string][]string `yaml:"fields" toml:"fields"`
	Aliases       map[string]string   `yaml:"aliases" toml:"aliases"`
	StrictFactors bool                `yaml:"strict_factors" toml:"strict_factors"`
	Lint          LintConfig          `yaml:"lint" toml:"lint"`
	Check         CheckConfig         `yaml:"check" toml:"check"`
	Learn         LearnConfig         `yaml:"learn" toml:"learn"`
	Content       ContentConfig       `yaml:"content" toml:"content"`
	MaxFileMB     int                 `yaml:"max_file_mb" toml:"max_file_mb"`
	AllowedHosts  []string            `yaml:"allowed_hosts" toml:"allowed_hosts"`

	// File is the config file's path relative to the source folder ("" when there is none).
	File     string         `yaml:"-" toml:"-"`
	Data     []byte         `yaml:"-" toml:"-"` // the file's bytes: a change to them invalidates every derived value
	location *time.Location `yaml:"-" toml:"-"`
	lines    map[string]int // "key" or "key.sub" -> line in the file, for positioned errors
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

// CheckConfig switches other check rules off (the shell warnings: check/empty-summary, …).
type CheckConfig struct {
	Disable []string `yaml:"disable" toml:"disable"`
}

// LearnConfig steers the onboarding reading path.
type LearnConfig struct {
	Factors int      `yaml:"factors" toml:"factors"`
	Pin     []string `yaml:"pin" toml:"pin"`
	Skip    []string `yaml:"skip" toml:"skip"`
}

// ContentConfig says which Markdown files are postmortems when the defaults do not fit: globs (with ** for any
// depth) relative to the source folder.
type ContentConfig struct {
	Include []string `yaml:"include" toml:"include"`
	Exclude []string `yaml:"exclude" toml:"exclude"`
}

// Files are the names looked for in the source folder, in order.
var Files = []string{"secondstory.yaml", "secondstory.yml", "secondstory.toml"}

// DefaultMaxFileMB bounds the size of any file the build reads.
const DefaultMaxFileMB = 64

var defaultSeverities = []SeverityLevel{
	{"SEV1", "Critical: customer-facing outage or data loss across the product; all hands."},
	{"SEV2", "Major: a key feature is down or badly degraded for many customers."},
	{"SEV3", "Minor: partial degradation with a workaround, or an internal system down."},
	{"SEV4", "Low: little or no customer impact; a near miss worth learning from."},
}

// Fields lists the frontmatter keys that `fields` may alias.
var Fields = map[string]bool{
	"title": true, "slug": true, "date": true, "summary": true, "severity": true, "status": true,
	"authors": true, "services": true, "teams": true, "tags": true, "contributing_factors": true,
	"started_at": true, "detected_at": true, "mitigated_at": true, "resolved_at": true, "timeline": true,
	"action_items": true, "related": true, "links": true, "onboarding": true, "draft": true,
}

// Load reads the configuration of the knowledge base at dir. Problems are diagnostics; the Config returned is
// always usable (defaults where the file was wrong).
func Load(dir string) (*Config, diag.List) {
	var diags diag.List
	cfg := &Config{}
	// Read through the source's one reader: a configuration that is a FIFO, or a link to /dev/zero or out of the
	// source folder, is an error, not a build that blocks or fills the memory.
	root, rootErr := filepath.EvalSymlinks(dir)
	if rootErr == nil {
		root, rootErr = filepath.Abs(root)
	}
	for _, name := range Files {
		if rootErr != nil {
			break // no source folder: the build says so
		}
		data, err := source.Read(root, name, DefaultMaxFileMB<<20)
		if errors.Is(err, source.ErrGone) {
			continue
		}
		cfg.File = name
		if err != nil {
			diags.Errorf(name, 0, 0, "config", "cannot read: %v", err)
			break
		}
		cfg.Data = data
		if strings.HasSuffix(name, ".toml") {
			cfg.decodeTOML(name, data, &diags)
		} else {
			cfg.decodeYAML(name, data, &diags)
		}
		break
	}
	cfg.applyDefaults(&diags)
	return cfg, diags
}

func (cfg *Config) decodeTOML(name string, data []byte, diags *diag.List) {
	md, err := toml.NewDecoder(bytes.NewReader(data)).Decode(cfg)
	if err != nil {
		line := 0
		var perr toml.ParseError
		if errors.As(err, &perr) {
			line = perr.Position.Line
		}
		diags.Errorf(name, line, 0, "config", "%s", firstLine(err.Error()))
		return
	}
	for _, k := range md.Undecoded() {
		diags.Warnf(name, 0, 0, "config", "unknown key %q (ignored)", k.String())
	}
}

var yamlLineRE = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

func (cfg *Config) decodeYAML(name string, data []byte, diags *diag.List) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		for _, msg := range yamlMessages(err) {
			line, text := 0, strings.TrimPrefix(msg, "yaml: ")
			if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
				line, _ = strconv.Atoi(m[1])
				text = m[2]
			}
			diags.Errorf(name, line, 0, "config", "%s", text)
		}
		return
	}
	if len(root.Content) == 0 {
		return
	}
	doc := root.Content[0]
	if doc.Kind != yaml.MappingNode {
		diags.Errorf(name, doc.Line, doc.Column, "config", "expected a mapping of keys, got a %s", kindName(doc))
		return
	}
	cfg.lines = map[string]int{}
	known := yamlKeys(reflect.TypeOf(*cfg))
	for i := 0; i+1 < len(doc.Content); i += 2 {
		k, v := doc.Content[i], doc.Content[i+1]
		cfg.lines[k.Value] = k.Line
		if v.Kind == yaml.MappingNode {
			for j := 0; j+1 < len(v.Content); j += 2 {
				cfg.lines[k.Value+"."+v.Content[j].Value] = v.Content[j].Line
			}
		}
		if !known[k.Value] {
			diags.Warnf(name, k.Line, k.Column, "config", "unknown key %q (ignored)", k.Value)
		}
	}
	if err := doc.Decode(cfg); err != nil {
		for _, msg := range yamlMessages(err) {
			line, text := 0, strings.TrimPrefix(msg, "yaml: ")
			if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
				line, _ = strconv.Atoi(m[1])
				text = m[2]
			}
			diags.Errorf(name, line, 0, "config", "%s", text)
		}
	}
}

func yamlKeys(t reflect.Type) map[string]bool {
	out := map[string]bool{}
	for i := range t.NumField() {
		if tag := strings.Split(t.Field(i).Tag.Get("yaml"), ",")[0]; tag != "" && tag != "-" {
			out[tag] = true
		}
	}
	return out
}

// Line is where key ("severities", "lint.disable") is set in the file, or 0.
func (cfg *Config) Line(key string) int { return cfg.lines[key] }

func (cfg *Config) applyDefaults(diags *diag.List) {
	if cfg.Title == "" {
		cfg.Title = "Incident library"
	}
	if len(cfg.Severities) == 0 {
		cfg.Severities = append([]SeverityLevel(nil), defaultSeverities...)
	}
	seen := map[string]bool{}
	for i, s := range cfg.Severities {
		id := strings.ToUpper(strings.TrimSpace(s.ID))
		if id == "" || seen[id] {
			diags.Errorf(cfg.File, cfg.Line("severities"), 0, "config", "severities[%d]: id %q is empty or repeated", i, s.ID)
		}
		seen[id] = true
		cfg.Severities[i].ID = id
	}
	cfg.location = time.UTC
	if cfg.Timezone != "" {
		loc, err := time.LoadLocation(cfg.Timezone)
		if err != nil {
			diags.Errorf(cfg.File, cfg.Line("timezone"), 0, "config", "timezone: unknown time zone %q", cfg.Timezone)
		} else {
			cfg.location = loc
		}
	}
	if cfg.BaseURL != "" && !strings.HasSuffix(cfg.BaseURL, "/") {
		cfg.BaseURL += "/"
	}
	for ours := range cfg.Fields {
		if !Fields[ours] {
			diags.Errorf(cfg.File, cfg.Line("fields."+ours), 0, "config", "fields: %q is not a postmortem field", ours)
		}
	}
	if cfg.Learn.Factors <= 0 {
		cfg.Learn.Factors = 10
	}
	if cfg.MaxFileMB <= 0 {
		cfg.MaxFileMB = DefaultMaxFileMB
	}
	if cfg.TicketURL != "" && !strings.Contains(cfg.TicketURL, "{ticket}") {
		diags.Errorf(cfg.File, cfg.Line("ticket_url"), 0, "config", "ticket_url: %q has no {ticket} placeholder", cfg.TicketURL)
		cfg.TicketURL = ""
	}
}

// MaxFileBytes is the largest file the build reads.
func (cfg *Config) MaxFileBytes() int64 { return int64(cfg.MaxFileMB) << 20 }

// Location is the site's time zone, used for timestamps written without an offset.
func (cfg *Config) Location() *time.Location {
	if cfg.location == nil {
		return time.UTC
	}
	return cfg.location
}

// SeverityRank returns the index of id among the configured severities, or -1.
func (cfg *Config) SeverityRank(id string) int {
	for i, s := range cfg.Severities {
		if strings.EqualFold(s.ID, strings.TrimSpace(id)) {
			return i
		}
	}
	return -1
}

// SeverityIDs lists the configured ids, most severe first.
func (cfg *Config) SeverityIDs() string {
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

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "list"
	case yaml.ScalarNode:
		return "value"
	}
	return fmt.Sprint(n.Kind)
}
