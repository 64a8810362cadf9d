package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
	"gopkg.in/yaml.v3"
)

// doc is the frontmatter as a consumer reads it. Times stay strings so the
// tests see exactly what was written.
type doc struct {
	Title       string   `yaml:"title" json:"title"`
	Slug        string   `yaml:"slug" json:"slug"`
	Date        string   `yaml:"date" json:"date"`
	Summary     string   `yaml:"summary" json:"summary"`
	Severity    string   `yaml:"severity" json:"severity"`
	Status      string   `yaml:"status" json:"status"`
	Authors     []string `yaml:"authors" json:"authors"`
	Teams       []string `yaml:"teams" json:"teams"`
	Services    []string `yaml:"services" json:"services"`
	Tags        []string `yaml:"tags" json:"tags"`
	CF          []any    `yaml:"contributing_factors" json:"contributing_factors"`
	StartedAt   string   `yaml:"started_at" json:"started_at"`
	DetectedAt  string   `yaml:"detected_at" json:"detected_at"`
	MitigatedAt string   `yaml:"mitigated_at" json:"mitigated_at"`
	ResolvedAt  string   `yaml:"resolved_at" json:"resolved_at"`
	Timeline    []struct {
		At    string `yaml:"at" json:"at"`
		Text  string `yaml:"text" json:"text"`
		Actor string `yaml:"actor" json:"actor"`
	} `yaml:"timeline" json:"timeline"`
	ActionItems []struct {
		Title  string `yaml:"title" json:"title"`
		Owner  string `yaml:"owner" json:"owner"`
		Due    string `yaml:"due" json:"due"`
		Status string `yaml:"status" json:"status"`
		Ticket string `yaml:"ticket" json:"ticket"`
	} `yaml:"action_items" json:"action_items"`
	Related []string `yaml:"related" json:"related"`
	Links   []struct {
		Title string `yaml:"title" json:"title"`
		URL   string `yaml:"url" json:"url"`
	} `yaml:"links" json:"links"`

	format string
	path   string // relative to the corpus root
	body   string
	raw    string
}

func generate(t testing.TB, dir string, n int, seed uint64, noise float64) Stats {
	t.Helper()
	st, err := Generate(Config{N: n, Out: dir, Seed: seed, LintNoise: noise})
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	return st
}

func readTree(t *testing.T, root string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(root, p)
		files[filepath.ToSlash(rel)] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// tomlValue turns TOML native dates back into the text that was written,
// so all three formats decode into the same doc.
func tomlValue(v any) any {
	switch v := v.(type) {
	case time.Time:
		// BurntSushi/toml marks local dates with this zone name.
		if v.Location().String() == "date-local" {
			return v.Format("2006-01-02")
		}
		return v.Format(time.RFC3339)
	case map[string]any:
		for k, x := range v {
			v[k] = tomlValue(x)
		}
	case []map[string]any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = tomlValue(x)
		}
		return out
	case []any:
		for i, x := range v {
			v[i] = tomlValue(x)
		}
	}
	return v
}

func parseDoc(rel string, raw []byte) (*doc, error) {
	s := string(raw)
	d := &doc{path: rel, raw: s}
	switch {
	case strings.HasPrefix(s, "---\n"):
		end := strings.Index(s[3:], "\n---\n")
		if end < 0 {
			return nil, errors.New("unterminated YAML frontmatter")
		}
		d.format, d.body = "yaml", s[3+end+5:]
		if err := yaml.Unmarshal([]byte(s[4:3+end+1]), d); err != nil {
			return nil, fmt.Errorf("yaml: %w", err)
		}
	case strings.HasPrefix(s, "+++\n"):
		end := strings.Index(s[3:], "\n+++\n")
		if end < 0 {
			return nil, errors.New("unterminated TOML frontmatter")
		}
		d.format, d.body = "toml", s[3+end+5:]
		var m map[string]any
		if _, err := toml.Decode(s[4:3+end+1], &m); err != nil {
			return nil, fmt.Errorf("toml: %w", err)
		}
		j, err := json.Marshal(tomlValue(m))
		if err != nil {
			return nil, err
		}
		if err := json.Unmarshal(j, d); err != nil {
			return nil, fmt.Errorf("toml as json: %w", err)
		}
	case strings.HasPrefix(s, "{\n"):
		// The contract: closing brace alone on its line, then an empty line.
		end := strings.Index(s, "\n}\n\n")
		if end < 0 {
			return nil, errors.New("JSON frontmatter not closed by '}' line and an empty line")
		}
		d.format, d.body = "json", s[end+4:]
		if err := json.Unmarshal([]byte(s[:end+2]), d); err != nil {
			return nil, fmt.Errorf("json: %w", err)
		}
	default:
		return nil, errors.New("no frontmatter")
	}
	return d, nil
}

func loadCorpus(t *testing.T, root string) []*doc {
	t.Helper()
	var docs []*doc
	for rel, raw := range readTree(t, root) {
		if !strings.HasPrefix(rel, "incidents/") {
			continue
		}
		d, err := parseDoc(rel, raw)
		if err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		docs = append(docs, d)
	}
	// Chronological, as the generator planned them.
	slices.SortFunc(docs, func(a, b *doc) int { return strings.Compare(a.StartedAt+a.path, b.StartedAt+b.path) })
	return docs
}

func slugOf(d *doc) string { return strings.TrimSuffix(filepath.Base(d.path), ".md") }

func TestDeterministic(t *testing.T) {
	a, b, c := t.TempDir(), t.TempDir(), t.TempDir()
	generate(t, a, 50, 1, 0.01)
	// A different worker count must not change a byte.
	if _, err := Generate(Config{N: 50, Out: b, Seed: 1, LintNoise: 0.01, Workers: 7}); err != nil {
		t.Fatal(err)
	}
	generate(t, c, 50, 2, 0.01)
	ta, tb, tc := readTree(t, a), readTree(t, b), readTree(t, c)
	if len(ta) != len(tb) {
		t.Fatalf("file counts differ: %d vs %d", len(ta), len(tb))
	}
	for p, x := range ta {
		if !bytes.Equal(x, tb[p]) {
			t.Fatalf("%s differs between two runs with the same flags", p)
		}
	}
	same := 0
	for p, x := range ta {
		if bytes.Equal(x, tc[p]) {
			same++
		}
	}
	// Marker and site config do not depend on the seed; documents do.
	if same > 3 {
		t.Errorf("seed 2 reproduced %d files of seed 1", same)
	}
}

func TestLayoutAndFrontmatter(t *testing.T) {
	dir := t.TempDir()
	st := generate(t, dir, 50, 1, 0.01)
	files := readTree(t, dir)

	var incidents, factorPages int
	for rel := range files {
		switch {
		case strings.HasPrefix(rel, "incidents/"):
			incidents++
		case strings.HasPrefix(rel, "factors/"):
			factorPages++
		case rel != "secondstory.yaml" && rel != markerName:
			t.Errorf("unexpected file %s", rel)
		}
	}
	if incidents != 50 || st.Documents != 50 {
		t.Errorf("incidents: %d files, %d reported; want 50", incidents, st.Documents)
	}
	if factorPages != 40 || st.Factors != 40 {
		t.Errorf("factor pages: %d files, %d reported; want 40", factorPages, st.Factors)
	}

	var site struct {
		Title      string `yaml:"title"`
		Timezone   string `yaml:"timezone"`
		Severities []struct {
			ID          string `yaml:"id"`
			Description string `yaml:"description"`
		} `yaml:"severities"`
	}
	if err := yaml.Unmarshal(files["secondstory.yaml"], &site); err != nil {
		t.Fatal(err)
	}
	if site.Title == "" || site.Timezone != "UTC" || len(site.Severities) != 4 || site.Severities[3].ID != "SEV4" {
		t.Errorf("secondstory.yaml: %+v", site)
	}

	docs := loadCorpus(t, dir)
	validateDocs(t, dir, docs)
}

// validateDocs checks every document against the frontmatter contract and
// the generator's promises.
func validateDocs(t *testing.T, dir string, docs []*doc) {
	t.Helper()
	bySlug := map[string]*doc{}
	for _, d := range docs {
		if bySlug[slugOf(d)] != nil {
			t.Errorf("duplicate slug %s", slugOf(d))
		}
		bySlug[slugOf(d)] = d
	}
	factorNames := map[string]bool{}
	factorSlugs := map[string]bool{}
	for _, f := range factors {
		factorNames[f.name] = true
		factorSlugs[factorSlug(f.name)] = true
		for _, a := range f.aliases {
			factorNames[a] = true
		}
	}
	svcIDs := map[string]bool{}
	for _, s := range services {
		svcIDs[s.id] = true
	}
	wiki := regexp.MustCompile(`\[\[([^\]|]+)(\|[^\]]*)?\]\]`)
	relLink := regexp.MustCompile(`\]\((\.\./[^)]+\.md)\)`)
	ts := func(d *doc, what, s string) time.Time {
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Errorf("%s: %s %q: %v", d.path, what, s, err)
		}
		return tm
	}

	for _, d := range docs {
		slug := slugOf(d)
		if d.Title == "" || d.Summary == "" {
			t.Errorf("%s: missing title or summary", d.path)
		}
		if d.Slug != "" && d.Slug != slug {
			t.Errorf("%s: slug %q != file name", d.path, d.Slug)
		}
		if !strings.HasPrefix(slug, d.Date+"-") || !strings.HasPrefix(d.path, "incidents/"+d.Date[:4]+"/") {
			t.Errorf("%s: date %s does not match path", d.path, d.Date)
		}
		if !slices.Contains([]string{"SEV1", "SEV2", "SEV3", "SEV4"}, d.Severity) {
			t.Errorf("%s: severity %q", d.path, d.Severity)
		}
		if !slices.Contains([]string{"", "draft", "in-review", "published"}, d.Status) {
			t.Errorf("%s: status %q", d.path, d.Status)
		}
		if len(d.Authors) < 1 || len(d.Teams) < 1 || len(d.Services) < 1 || len(d.Services) > 3 || len(d.Tags) != 3 {
			t.Errorf("%s: authors/teams/services/tags %d/%d/%d/%d", d.path, len(d.Authors), len(d.Teams), len(d.Services), len(d.Tags))
		}
		for _, s := range d.Services {
			if !svcIDs[s] {
				t.Errorf("%s: unknown service %q", d.path, s)
			}
		}
		if len(d.CF) < 2 || len(d.CF) > 4 {
			t.Errorf("%s: %d contributing factors", d.path, len(d.CF))
		}
		for _, f := range d.CF {
			name, _ := f.(string)
			if m, ok := f.(map[string]any); ok {
				name, _ = m["name"].(string)
			}
			if !factorNames[name] {
				t.Errorf("%s: unknown factor %v", d.path, f)
			}
		}

		// Timestamps are RFC 3339 and ordered; the date is the start day.
		started := ts(d, "started_at", d.StartedAt)
		resolved := ts(d, "resolved_at", d.ResolvedAt)
		prev := started
		for _, x := range []struct{ k, v string }{{"detected_at", d.DetectedAt}, {"mitigated_at", d.MitigatedAt}, {"resolved_at", d.ResolvedAt}} {
			if x.v == "" {
				continue
			}
			tm := ts(d, x.k, x.v)
			if tm.Before(prev) {
				t.Errorf("%s: %s before the previous timestamp", d.path, x.k)
			}
			prev = tm
		}
		if started.Format("2006-01-02") != d.Date {
			t.Errorf("%s: date %s is not the day of started_at %s", d.path, d.Date, d.StartedAt)
		}

		if n := len(d.Timeline); n < 4 || n > 12 {
			t.Errorf("%s: %d timeline entries", d.path, n)
		}
		prev = started
		for _, e := range d.Timeline {
			var tm time.Time
			if len(e.At) == 5 {
				var err error
				if tm, err = time.Parse("2006-01-02 15:04", d.Date+" "+e.At); err != nil {
					t.Errorf("%s: timeline at %q: %v", d.path, e.At, err)
				}
			} else {
				tm = ts(d, "timeline at", e.At)
			}
			if tm.Before(prev) || tm.After(resolved) || e.Text == "" {
				t.Errorf("%s: timeline entry %+v out of order or empty", d.path, e)
			}
			prev = tm
		}

		if n := len(d.ActionItems); n < 1 || n > 6 {
			t.Errorf("%s: %d action items", d.path, n)
		}
		for _, a := range d.ActionItems {
			if !slices.Contains([]string{"open", "in-progress", "done", "wontfix"}, a.Status) {
				t.Errorf("%s: action status %q", d.path, a.Status)
			}
			if _, err := time.Parse("2006-01-02", a.Due); err != nil || a.Title == "" || a.Owner == "" || a.Ticket == "" {
				t.Errorf("%s: action item %+v", d.path, a)
			}
		}

		if len(d.Related) > 2 {
			t.Errorf("%s: %d related", d.path, len(d.Related))
		}
		for _, r := range d.Related {
			o := bySlug[r]
			if o == nil {
				t.Errorf("%s: related %q does not exist", d.path, r)
			} else if o.StartedAt >= d.StartedAt {
				t.Errorf("%s: related %q is not earlier", d.path, r)
			}
		}
		for _, m := range wiki.FindAllStringSubmatch(d.body, -1) {
			target := m[1]
			if f, ok := strings.CutPrefix(target, "factor:"); ok {
				if !factorSlugs[f] {
					t.Errorf("%s: unknown factor link %s", d.path, m[0])
				}
			} else if o := bySlug[target]; o == nil || o.StartedAt >= d.StartedAt {
				t.Errorf("%s: wiki link %s is not an earlier incident", d.path, m[0])
			}
		}
		for _, m := range relLink.FindAllStringSubmatch(d.body, -1) {
			if _, err := os.Stat(filepath.Join(dir, filepath.Dir(d.path), m[1])); err != nil {
				t.Errorf("%s: relative link %s: %v", d.path, m[1], err)
			}
		}
		for _, h := range headings {
			if !strings.Contains(d.body, h) {
				t.Errorf("%s: missing heading %q", d.path, strings.TrimSpace(h))
			}
		}
	}
}

func bodyWords(d *doc) int { return len(strings.Fields(d.body)) }

func TestWordCounts(t *testing.T) {
	dir := t.TempDir()
	st := generate(t, dir, 50, 1, 0.01)
	docs := loadCorpus(t, dir)
	total := 0
	for _, d := range docs {
		w := bodyWords(d)
		total += w
		if w < 700 || w > 1600 {
			t.Errorf("%s: %d body words, want 700–1600", d.path, w)
		}
	}
	if int64(total) != st.Words {
		t.Errorf("reported %d words, counted %d", st.Words, total)
	}
	if avg := total / len(docs); avg < 1050 || avg > 1250 {
		t.Errorf("average body words %d, want about 1,150", avg)
	}
	t.Logf("average %d body words over %d documents", total/len(docs), len(docs))
}

func TestFactorPages(t *testing.T) {
	dir := t.TempDir()
	generate(t, dir, 50, 1, 0.01)
	for rel, raw := range readTree(t, dir) {
		if !strings.HasPrefix(rel, "factors/") {
			continue
		}
		s := string(raw)
		end := strings.Index(s[3:], "\n---\n")
		if !strings.HasPrefix(s, "---\n") || end < 0 {
			t.Fatalf("%s: no YAML frontmatter", rel)
		}
		var fm struct {
			Title   string   `yaml:"title"`
			Aliases []string `yaml:"aliases"`
		}
		if err := yaml.Unmarshal([]byte(s[4:3+end+1]), &fm); err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		if "factors/"+factorSlug(fm.Title)+".md" != rel {
			t.Errorf("%s: title %q does not match file name", rel, fm.Title)
		}
		if w := len(strings.Fields(s[3+end+5:])); w < 80 || w > 150 {
			t.Errorf("%s: %d words, want 80–150", rel, w)
		}
	}
}

// TestShares generates a larger corpus to check the proportions that a
// 50-document corpus is too small to show.
func TestShares(t *testing.T) {
	dir := t.TempDir()
	st := generate(t, dir, 1000, 1, 0.01)
	docs := loadCorpus(t, dir)
	validateDocs(t, dir, docs)

	formats := map[string]int{}
	sev := map[string]int{}
	factorUse := map[string]int{}
	var short, long, withRelated, withWiki, withFactorLink, withCode, withTable int
	for _, d := range docs {
		formats[d.format]++
		sev[d.Severity]++
		for _, f := range d.CF {
			if s, ok := f.(string); ok {
				factorUse[s]++
			}
		}
		s, _ := time.Parse(time.RFC3339, d.StartedAt)
		r, _ := time.Parse(time.RFC3339, d.ResolvedAt)
		switch dur := r.Sub(s); {
		case dur < time.Hour:
			short++
		case dur > 24*time.Hour:
			long++
		}
		if len(d.Related) > 0 {
			withRelated++
		}
		if strings.Contains(d.body, "[[20") {
			withWiki++
		}
		if strings.Contains(d.body, "[[factor:") {
			withFactorLink++
		}
		if strings.Contains(d.body, "\n```") {
			withCode++
		}
		if strings.Contains(d.body, "\n|---") {
			withTable++
		}
	}
	t.Logf("formats %v, severities %v, <1h %d, >1d %d, related %d, wiki %d, factor links %d, code %d, tables %d, factors used %d",
		formats, sev, short, long, withRelated, withWiki, withFactorLink, withCode, withTable, len(factorUse))
	between := func(what string, got, lo, hi int) {
		if got < lo || got > hi {
			t.Errorf("%s: %d, want %d–%d", what, got, lo, hi)
		}
	}
	between("TOML documents", formats["toml"], 30, 75)
	between("JSON documents", formats["json"], 30, 75)
	between("SEV3+SEV4", sev["SEV3"]+sev["SEV4"], 700, 880)
	between("SEV1", sev["SEV1"], 25, 80)
	between("resolved within an hour", short, 20, 400)
	between("resolved after more than a day", long, 10, 200)
	between("with related", withRelated, 350, 550)
	between("with wiki links", withWiki, 100, 220)
	between("with factor links", withFactorLink, 50, 160)
	between("with code", withCode, 180, 320)
	between("with tables", withTable, 180, 400)
	between("lint-noise documents", st.Noisy, 10, 10)

	// Zipf-like popularity: a heavy head and a long tail.
	counts := make([]int, 0, len(factorUse))
	for _, c := range factorUse {
		counts = append(counts, c)
	}
	slices.Sort(counts)
	slices.Reverse(counts)
	if len(counts) < 55 || counts[0] < 8*counts[len(counts)/2] {
		t.Errorf("factor popularity not skewed enough: %d used, top %d, median %d", len(counts), counts[0], counts[len(counts)/2])
	}
}

func TestLintNoise(t *testing.T) {
	dir := t.TempDir()
	st := generate(t, dir, 50, 1, 0.1)
	noisy := 0
	for _, d := range loadCorpus(t, dir) {
		lower := strings.ToLower(d.raw)
		hits := 0
		for _, p := range bannedPhrases {
			hits += strings.Count(lower, p)
		}
		switch {
		case hits == 1:
			noisy++
		case hits > 1:
			t.Errorf("%s: %d linted phrases, want at most 1", d.path, hits)
		}
	}
	if noisy != 5 || st.Noisy != 5 {
		t.Errorf("noisy documents: %d found, %d reported; want 5", noisy, st.Noisy)
	}
}

// TestVocabularyIsClean keeps linted phrases out of every template, and
// checks the catalogue sizes the corpus promises.
func TestVocabularyIsClean(t *testing.T) {
	pools := map[string][]string{
		"summary": summaryPool, "impact": impactPool, "timelineNote": timelineNotePool,
		"why": whyPool, "factorNote": factorNotePool, "wentWell": wentWellPool, "lucky": luckyPool,
		"timelineStart": timelineStart, "timelineDetect": timelineDetect,
		"timelineInvestigate": timelineInvestigate, "timelineMitigate": timelineMitigate,
		"timelineMitigated": timelineMitigated, "timelineResolve": timelineResolve,
		"action": actionPool, "code": codeBlocks, "codeIntro": codeIntroPool,
		"factorSignal": factorSignalPool, "factorHelp": factorHelpPool,
		"people": people, "symptoms": symptoms, "stores": stores, "metrics": metrics,
		"tags": tags, "wontfix": wontfixReasons, "headings": headings[:],
		"misc": {factorIntro, siteConfig},
	}
	for _, f := range factors {
		pools["factors"] = append(pools["factors"], append([]string{f.name, f.gist, f.desc}, f.aliases...)...)
	}
	for _, tr := range triggers {
		pools["triggers"] = append(pools["triggers"], append([]string{tr.title, tr.prose}, tr.mitigations...)...)
	}
	for _, s := range services {
		pools["services"] = append(pools["services"], s.id, s.name, s.team)
	}
	for name, pool := range pools {
		for _, s := range pool {
			for _, p := range bannedPhrases {
				if strings.Contains(strings.ToLower(s), p) {
					t.Errorf("%s pool: %q contains %q", name, s, p)
				}
			}
		}
	}
	for _, s := range noisePool {
		hits := 0
		for _, p := range bannedPhrases {
			hits += strings.Count(strings.ToLower(s), p)
		}
		if hits != 1 {
			t.Errorf("noise sentence %q has %d linted phrases, want 1", s, hits)
		}
	}

	distinct := func(what string, xs []string, want int) {
		seen := map[string]bool{}
		for _, x := range xs {
			seen[x] = true
		}
		if len(seen) != want || len(xs) != want {
			t.Errorf("%s: %d entries, %d distinct, want %d", what, len(xs), len(seen), want)
		}
	}
	var names, slugs []string
	for _, f := range factors {
		names = append(names, f.name)
		slugs = append(slugs, factorSlug(f.name))
		for _, a := range f.aliases {
			names = append(names, a)
			slugs = append(slugs, factorSlug(a))
		}
	}
	aliasCount := len(names) - len(factors)
	distinct("factor names and aliases", names, 60+aliasCount)
	distinct("factor slugs", slugs, 60+aliasCount)
	distinct("tags", tags, 40)
	var ids []string
	for _, s := range services {
		ids = append(ids, s.id)
	}
	distinct("services", ids, 30)
}

func TestRefusesForeignDir(t *testing.T) {
	dir := t.TempDir()
	keep := filepath.Join(dir, "notes.md")
	if err := os.WriteFile(keep, []byte("mine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Generate(Config{N: 5, Out: dir, Seed: 1})
	var ref *RefusedError
	if !errors.As(err, &ref) {
		t.Fatalf("want RefusedError, got %v", err)
	}
	if b, err := os.ReadFile(keep); err != nil || string(b) != "mine\n" {
		t.Errorf("foreign file changed: %q, %v", b, err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("refused run left %d entries, want only the original file", len(entries))
	}

	// Through the CLI: exit status 2 and a message.
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-n", "5", "-out", dir}, &stdout, &stderr); code != 2 {
		t.Errorf("exit status %d, want 2", code)
	}
	if !strings.Contains(stderr.String(), "refusing") {
		t.Errorf("stderr %q does not explain the refusal", stderr.String())
	}

	// A file where the folder should be is refused too.
	if _, err := Generate(Config{N: 5, Out: keep, Seed: 1}); !errors.As(err, &ref) {
		t.Errorf("file as -out: want RefusedError, got %v", err)
	}
	if code := run([]string{"-n", "5"}, &stdout, &stderr); code != 2 {
		t.Errorf("missing -out: exit status %d, want 2", code)
	}
}

func TestRegeneratesOwnDir(t *testing.T) {
	dir := t.TempDir()
	generate(t, dir, 50, 1, 0.01)
	// The same flags again: every file already holds its bytes, so none is written again (nor deleted).
	old := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	for rel := range readTree(t, dir) {
		if err := os.Chtimes(filepath.Join(dir, rel), old, old); err != nil {
			t.Fatal(err)
		}
	}
	generate(t, dir, 50, 1, 0.01)
	for rel := range readTree(t, dir) {
		if fi, err := os.Stat(filepath.Join(dir, rel)); err != nil || !fi.ModTime().Equal(old) {
			t.Errorf("%s was written again by a run with the same flags (%v)", rel, err)
		}
	}
	// Files a person added beside the corpus must survive regeneration.
	extra := filepath.Join(dir, "static", "logo.txt")
	if err := os.MkdirAll(filepath.Dir(extra), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(extra, []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-n", "20", "-out", dir, "-seed", "3"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit status %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "20 documents") {
		t.Errorf("summary line: %q", stdout.String())
	}
	n := 0
	for rel := range readTree(t, dir) {
		if strings.HasPrefix(rel, "incidents/") {
			n++
		}
	}
	if n != 20 {
		t.Errorf("%d incidents after regenerating with -n 20; old files not cleared", n)
	}
	// Folders left empty by the removal go too (a year no incident has any more).
	years, err := os.ReadDir(filepath.Join(dir, "incidents"))
	if err != nil {
		t.Fatal(err)
	}
	for _, y := range years {
		if entries, err := os.ReadDir(filepath.Join(dir, "incidents", y.Name())); err != nil || len(entries) == 0 {
			t.Errorf("incidents/%s left empty (%v)", y.Name(), err)
		}
	}
	if b, err := os.ReadFile(extra); err != nil || string(b) != "keep" {
		t.Errorf("user file lost: %v", err)
	}
}

// BenchmarkGenerate10000 measures the reference corpus end to end:
//
//	go test -run '^$' -bench Generate10000 -benchtime 1x ./cmd/secondstory-gencorpus
func BenchmarkGenerate10000(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		dir := filepath.Join(b.TempDir(), "corpus")
		b.StartTimer()
		st := generate(b, dir, 10000, 1, 0.01)
		b.ReportMetric(float64(st.Bytes)/1e6, "MB")
		b.ReportMetric(float64(st.Words), "words")
	}
}

// BenchmarkRender10000 measures rendering alone, without the file system.
func BenchmarkRender10000(b *testing.B) {
	p := newPlan(Config{N: 10000, Seed: 1, LintNoise: 0.01})
	d := newDocWriter(p)
	for b.Loop() {
		var n int64
		for i := range p.incs {
			out, _ := d.render(i)
			n += int64(len(out))
		}
		b.SetBytes(n)
	}
}
