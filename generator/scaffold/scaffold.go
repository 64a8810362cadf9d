// Package scaffold writes new postmortems: `secondstory new` from the knowledge base's template (or the default
// one), never overwriting anything.
package scaffold

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"text/template"
	"time"
	"unicode/utf8"

	"github.com/secondstory/secondstory/generator/config"
	"github.com/secondstory/secondstory/generator/diag"
	"github.com/secondstory/secondstory/generator/postmortem"
	"github.com/secondstory/secondstory/generator/source"
)

// TemplateFile is where a knowledge base keeps its own postmortem template for `secondstory new`.
const TemplateFile = "templates/postmortem.md"

// Options configure `secondstory new`.
type Options struct {
	Source string    // the knowledge base folder
	Title  string    // the incident's title
	Date   string    // YYYY-MM-DD; "" for today in the configured time zone
	Now    time.Time // what "today" is; zero for time.Now()
}

// TemplateData is what a postmortem template is executed with (text/template; the functions quote and oneline
// are available: {{quote .Title}} writes a string that is valid in YAML, TOML and JSON frontmatter, {{oneline s}}
// folds s onto one line, for comments).
type TemplateData struct {
	Title      string                 // as given, whitespace runs folded to one space
	Date       string                 // YYYY-MM-DD
	Slug       string                 // the incident's slug: the file name without .md, which URLs and [[…]] links use
	Severity   string                 // a placeholder: the least severe configured id
	Severities []config.SeverityLevel // every configured level, most severe first: .ID and .Description
	Timezone   string                 // the configured time zone, for hints on timestamps
}

// dayOf is the new postmortem's date: --date, checked, or today in the knowledge base's time zone.
func dayOf(opts Options, cfg *config.Config) (string, error) {
	if opts.Date != "" {
		if _, err := time.Parse(time.DateOnly, opts.Date); err != nil {
			return "", fmt.Errorf("date %q is not a day in the form YYYY-MM-DD", opts.Date)
		}
		return opts.Date, nil
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	return now.In(cfg.Location()).Format(time.DateOnly), nil
}

// slugOwner returns the postmortem other than rel that has the slug want, or "". Another postmortem of that slug
// would make two pages one URL: a file in a year folder, a page bundle's folder, or a frontmatter slug — the slug
// the build gives each file, so each is decoded. Only a file that names a slug key can set one: the others are not
// decoded (10,000 of them take seconds).
func slugOwner(src string, cfg *config.Config, rel, want string) string {
	inv, _ := source.Scan(src, source.Options{})
	keys := [][]byte{[]byte("slug")}
	for _, k := range cfg.Fields["slug"] {
		keys = append(keys, bytes.ToLower([]byte(k)))
	}
	for _, other := range inv.Postmortems {
		if other == rel {
			continue
		}
		name := strings.TrimSuffix(path.Base(other), path.Ext(other))
		if path.Base(other) == "index.md" {
			name = path.Base(path.Dir(other)) // a page bundle: its folder's name
		}
		if postmortem.Slugify(name) == want {
			return other
		}
		b, err := source.Read(inv.Root, other, cfg.MaxFileBytes())
		if err != nil || !slices.ContainsFunc(keys, func(k []byte) bool { return bytes.Contains(bytes.ToLower(b), k) }) {
			continue
		}
		if p, _, _ := postmortem.Decode(other, b, cfg); p.Slug == want {
			return other
		}
	}
	return ""
}

// maxSlug keeps file names readable and far below file-system limits when a title is long.
const maxSlug = 60

// New writes incidents/<date>-<slug>.md into the knowledge base from its template (or the default one)
// and returns that path relative to the source folder. It never overwrites: an existing file is an *EnvError,
// even when another process creates it at the same moment. A template that fails, or that produces a postmortem
// with errors, is a *ContentError and nothing is written; a bad title or date is a plain error.
func New(opts Options) (string, error) {
	if st, err := os.Stat(opts.Source); err != nil || !st.IsDir() {
		return "", diag.Env("source folder %s: not a readable folder", opts.Source)
	}
	title := strings.Join(strings.Fields(opts.Title), " ")
	if title == "" {
		return "", errors.New("a title is required, e.g. \"Orders database failover\"")
	}
	slug := truncateSlug(postmortem.Slugify(title), maxSlug)
	if slug == "" {
		return "", fmt.Errorf("title %q has no letters or digits to make a file name from", title)
	}
	cfg, diags := config.Load(opts.Source)
	if diags.Errors() > 0 {
		return "", &diag.ContentError{List: diags}
	}
	date, err := dayOf(opts, cfg)
	if err != nil {
		return "", err
	}
	base := date + "-" + slug
	rel := "incidents/" + base + ".md"
	data := TemplateData{Title: title, Date: date, Slug: base, Severity: cfg.Severities[len(cfg.Severities)-1].ID,
		Severities: cfg.Severities, Timezone: cfg.Location().String()}
	if other := slugOwner(opts.Source, cfg, rel, postmortem.Slugify(base)); other != "" {
		return "", diag.Env("%s already uses the slug %q; it was not overwritten (choose another title or date)", filepath.Join(opts.Source, other), base)
	}
	text, err := renderTemplate(opts.Source, data)
	if err != nil {
		return "", err
	}
	if err := validateScaffold(rel, text, cfg); err != nil {
		return "", err
	}

	abs := filepath.Join(opts.Source, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
		return "", &diag.EnvError{Err: err}
	}
	// O_EXCL: the existence check and the creation are one step, so not even a race can overwrite a postmortem.
	f, err := os.OpenFile(abs, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return "", diag.Env("%s already exists; it was not overwritten (choose another title or date)", filepath.Join(opts.Source, rel))
	}
	if err != nil {
		return "", &diag.EnvError{Err: err}
	}
	if _, err := f.Write(text); err != nil {
		f.Close()
		os.Remove(abs) // ours: created above
		return "", &diag.EnvError{Err: err}
	}
	if err := f.Close(); err != nil {
		os.Remove(abs)
		return "", &diag.EnvError{Err: err}
	}
	return rel, nil
}

// truncateSlug cuts a long slug at a word boundary.
func truncateSlug(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := s[:n]
	for !utf8.ValidString(cut) {
		cut = cut[:len(cut)-1]
	}
	if s[len(cut)] != '-' { // mid-word: drop the partial word, unless that would leave too little
		if i := strings.LastIndexByte(cut, '-'); i > n/2 {
			cut = cut[:i]
		}
	}
	return strings.TrimSuffix(cut, "-")
}

var templateFuncs = template.FuncMap{
	// quote writes a JSON string: valid as a YAML double-quoted scalar, a TOML basic string and a JSON string.
	"quote": func(s string) string {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(s)
		return strings.TrimSuffix(b.String(), "\n")
	},
	"oneline": func(s string) string { return strings.Join(strings.Fields(s), " ") },
}

var templateLineRE = regexp.MustCompile(`^template: [^:]*:(\d+):(?:\d+:)? ?`)

// renderTemplate executes the knowledge base's template, or the default one when it has none.
func renderTemplate(source string, data TemplateData) ([]byte, error) {
	src, err := os.ReadFile(filepath.Join(source, filepath.FromSlash(TemplateFile)))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		src = []byte(postmortem.DefaultTemplate)
	case err != nil:
		return nil, &diag.EnvError{Err: err}
	}
	fail := func(err error) error {
		// text/template errors read "template: name:line: …"; position them like every other content error.
		msg, line := err.Error(), 0
		if m := templateLineRE.FindStringSubmatch(msg); m != nil {
			line, _ = strconv.Atoi(m[1])
			msg = msg[len(m[0]):]
		}
		return &diag.ContentError{List: diag.List{{Path: TemplateFile, Line: line, Severity: diag.Error, Rule: "template", Message: msg}}}
	}
	tmpl, err := template.New(TemplateFile).Funcs(templateFuncs).Option("missingkey=error").Parse(string(src))
	if err != nil {
		return nil, fail(err)
	}
	var out bytes.Buffer
	if err := tmpl.Execute(&out, data); err != nil {
		return nil, fail(err)
	}
	return out.Bytes(), nil
}

// validateScaffold decodes the generated postmortem as a build would, so that a template which produces an
// invalid file (a title with a colon written without quote, a missing date) is reported instead of written.
func validateScaffold(rel string, text []byte, cfg *config.Config) error {
	_, diags, ok := postmortem.Decode(rel, text, cfg)
	if ok {
		return nil
	}
	var out diag.List
	for _, d := range diags.Only(diag.Error) {
		out = append(out, diag.Diagnostic{Path: TemplateFile, Severity: diag.Error, Rule: "template",
			Message: fmt.Sprintf("the postmortem it produces would not be valid: line %d: %s: %s", d.Line, d.Rule, d.Message)})
	}
	return &diag.ContentError{List: out}
}

// FindRoot finds the knowledge base that dir is in: the nearest folder, dir or above, with a secondstory.yaml (or
// .yml, .toml). `new` run without --source writes there, never into whatever folder it happens to be run in.
func FindRoot(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := abs; ; d = filepath.Dir(d) {
		for _, name := range config.Files {
			if st, err := os.Stat(filepath.Join(d, name)); err == nil && !st.IsDir() {
				return d, nil
			}
		}
		if filepath.Dir(d) == d {
			return "", diag.Env("%s is not in a knowledge base (no %s here or above): run secondstory new --source DIR, or create %s", abs, config.Files[0], config.Files[0])
		}
	}
}
