package lint

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
)

// mdParser is plain CommonMark, like the generator's parser without extensions.
var mdParser parser.Parser = goldmark.DefaultParser()

// The testdata files hold cases in goldmark's style:
//
//	name
//	people: Dana, Sam      (optional)
//	disable: minimiser     (optional)
//	first-line: 7          (optional, default 1)
//	//- - - - - - - - -//
//	markdown body
//	//- - - - - - - - -//
//	line:col rule "phrase"  (one per finding, none for a negative case)
//	//= = = = = = = = = = = = = = = = = = = = = = = =//

const (
	caseSep = "//- - - - - - - - -//\n"
	caseEnd = "//= = = = = = = = = = = = = = = = = = = = = = = =//\n"
)

type testCase struct {
	file, name string
	opts       Options
	firstLine  int
	body       string
	want       []string
}

func loadCases(t *testing.T) []testCase {
	t.Helper()
	files, err := filepath.Glob("testdata/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata: %v", err)
	}
	var cases []testCase
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for chunk := range strings.SplitSeq(string(data), caseEnd) {
			if strings.TrimSpace(chunk) == "" {
				continue
			}
			parts := strings.Split(chunk, caseSep)
			if len(parts) != 3 {
				t.Fatalf("%s: malformed case %q", file, chunk)
			}
			tc := testCase{file: filepath.Base(file), firstLine: 1, body: parts[1]}
			for i, line := range strings.Split(strings.TrimSpace(parts[0]), "\n") {
				if i == 0 {
					tc.name = line
					continue
				}
				key, val, _ := strings.Cut(line, ":")
				list := strings.Split(val, ",")
				for j := range list {
					list[j] = strings.TrimSpace(list[j])
				}
				switch key {
				case "people":
					tc.opts.People = list
				case "disable":
					tc.opts.Disable = list
				case "first-line":
					if tc.firstLine, err = strconv.Atoi(strings.TrimSpace(val)); err != nil {
						t.Fatalf("%s: %s: %v", file, tc.name, err)
					}
				default:
					t.Fatalf("%s: %s: unknown header %q", file, tc.name, line)
				}
			}
			for line := range strings.SplitSeq(parts[2], "\n") {
				if line != "" {
					tc.want = append(tc.want, line)
				}
			}
			cases = append(cases, tc)
		}
	}
	return cases
}

// lintMarkdown parses body as the generator's plain pipeline would and lints it.
func lintMarkdown(body []byte, firstLine int, opts Options) []Finding {
	return New(opts).Markdown(mdParser.Parse(text.NewReader(body)), body, firstLine)
}

func brief(fs []Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, fmt.Sprintf("%d:%d %s %q", f.Line, f.Col, f.Rule, f.Phrase))
	}
	return out
}

func TestMarkdownCases(t *testing.T) {
	for _, tc := range loadCases(t) {
		t.Run(tc.file+"/"+tc.name, func(t *testing.T) {
			got := lintMarkdown([]byte(tc.body), tc.firstLine, tc.opts)
			if g := brief(got); !slices.Equal(g, tc.want) {
				t.Errorf("body:\n%s\ngot:\n%s\nwant:\n%s", tc.body, strings.Join(g, "\n"), strings.Join(tc.want, "\n"))
			}
			checkFindings(t, []byte(tc.body), tc.firstLine, got)
		})
	}
}

// checkFindings asserts what holds for every finding: sorted, messages filled in, and the position pointing at
// the phrase's first letter in the source.
func checkFindings(t *testing.T, body []byte, firstLine int, fs []Finding) {
	t.Helper()
	lines := strings.Split(string(body), "\n")
	for i, f := range fs {
		if i > 0 && (f.Line < fs[i-1].Line || f.Line == fs[i-1].Line && f.Col < fs[i-1].Col) {
			t.Errorf("findings not sorted: %v before %v", fs[i-1], f)
		}
		if f.Message == "" || f.Advice == "" || strings.Contains(f.Message+f.Advice, "{") || strings.Contains(f.Message, "\n") {
			t.Errorf("%v: message %q, advice %q", f, f.Message, f.Advice)
		}
		if n := len(f.Message) - len(f.Phrase); n > 90 {
			t.Errorf("%v: message is %d bytes, want a short line", f, len(f.Message))
		}
		l := f.Line - firstLine
		if l < 0 || l >= len(lines) || f.Col < 1 || f.Col > len(lines[l]) {
			t.Errorf("%v: position outside the body", f)
			continue
		}
		word, _, _ := strings.Cut(f.Phrase, " ")
		word = strings.TrimRight(word, ",")
		if src := lines[l][f.Col-1:]; !strings.HasPrefix(strings.ToLower(src), strings.ToLower(word)) {
			t.Errorf("%v: source at %d:%d starts %q, not the phrase", f, f.Line, f.Col, lines[l][f.Col-1:])
		}
	}
}

func TestNamedSubjectMessage(t *testing.T) {
	got := lintMarkdown([]byte("Dana simply forgot to restart it.\n"), 1, Options{People: []string{"Dana"}})
	if len(got) != 1 {
		t.Fatalf("got %v, want one finding", got)
	}
	f := got[0]
	if f.Rule != NamedSubject || !strings.Contains(f.Message, "Dana") ||
		!strings.Contains(f.Message, `"simply" and "forgot to"`) || !strings.Contains(f.Advice, "Dana") {
		t.Errorf("named-subject finding does not name the person and phrases: %+v", f)
	}
}

func TestPhraseOverrides(t *testing.T) {
	got := lintMarkdown([]byte("Human error, and we forgot to page.\n"), 1, Options{})
	if len(got) != 2 {
		t.Fatalf("got %v", got)
	}
	if !strings.Contains(got[0].Message, `"human error"`) {
		t.Errorf("human error keeps its own message: %q", got[0].Message)
	}
	if got[1].Message != ruleTable[0].message || !strings.Contains(got[1].Advice, "checklist") {
		t.Errorf("forgot to: rule message with its own suggestion, got %+v", got[1])
	}
}

func TestText(t *testing.T) {
	tests := []struct {
		name      string
		s         string
		line, col int
		opts      Options
		want      []string
	}{
		{"summary", "The on-call engineer should have rolled back sooner.", 3, 10, Options{},
			[]string{`3:31 counterfactual "should have rolled"`}},
		{"timeline entry with a person", "Sam forgot to drain the node", 12, 9, Options{People: []string{"Sam"}},
			[]string{`12:9 named-subject "Sam forgot to"`}},
		{"block scalar: later lines count from their own start", "Deploy went out.\nIt was human error.", 4, 12, Options{},
			[]string{`5:8 blame "human error"`}},
		{"code and URLs are skipped", "Ran `git blame` per https://x.example/human-error", 1, 1, Options{}, nil},
		{"design statement", "Every service should have an owner.", 1, 1, Options{}, nil},
		{"disabled", "Obviously broken.", 1, 1, Options{Disable: []string{"minimiser"}}, nil},
		{"empty", "", 1, 1, Options{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := brief(New(tt.opts).Text(tt.s, tt.line, tt.col)); !slices.Equal(got, tt.want) {
				t.Errorf("Text(%q) = %q, want %q", tt.s, got, tt.want)
			}
		})
	}
}

func TestParseDirective(t *testing.T) {
	all := allRules
	cf := ruleSet(1) << ruleIndex(Counterfactual)
	bl := ruleSet(1) << ruleIndex(Blame)
	tests := []struct {
		in   string
		want ruleSet
		ok   bool
	}{
		{"<!-- secondstory:ignore -->", all, true},
		{"<!--secondstory:ignore-->\n", all, true},
		{"<!-- secondstory:ignore counterfactual -->", cf, true},
		{"<!-- secondstory:ignore Counterfactual, blame -->", cf | bl, true},
		{"<!-- secondstory:ignore nope -->", 0, true},
		{"<!-- secondstory:ignored -->", 0, false},
		{"<!-- note -->", 0, false},
		{"<div>", 0, false},
	}
	for _, tt := range tests {
		got, ok := parseDirective([]byte(tt.in))
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseDirective(%q) = %b, %v; want %b, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestRules(t *testing.T) {
	rules := Rules()
	var ids []string
	for _, r := range rules {
		ids = append(ids, r.ID)
		if r.Summary == "" || r.Help == "" || len(r.Examples) == 0 || strings.Contains(r.Summary, "\n") {
			t.Errorf("rule %s is incomplete: %+v", r.ID, r)
		}
		if strings.Contains(r.Help, "{") {
			t.Errorf("rule %s has an unfilled placeholder", r.ID)
		}
		// The examples are the rule's documentation: each flagged one must be flagged by the rule (or, with a
		// name, by named-subject), and each reframing must pass every rule.
		for _, ex := range r.Examples {
			got := New(Options{}).Text(ex.Flagged, 1, 1)
			if !slices.ContainsFunc(got, func(f Finding) bool { return f.Rule == r.ID }) {
				t.Errorf("rule %s: example %q not flagged by it: %v", r.ID, ex.Flagged, got)
			}
			if got := New(Options{}).Text(ex.Reframed, 1, 1); len(got) > 0 {
				t.Errorf("rule %s: reframing %q flagged: %v", r.ID, ex.Reframed, got)
			}
		}
	}
	if want := []string{Counterfactual, Blame, Competence, Minimiser, SingleCause, HarmfulAct, NamedSubject}; !slices.Equal(ids, want) {
		t.Errorf("rule ids %v, want %v", ids, want)
	}
}

// TestTablePhrasesMatch keeps the table honest: every unconditional phrase is found in a plain sentence.
func TestTablePhrasesMatch(t *testing.T) {
	for _, r := range ruleTable {
		for _, p := range r.phrases {
			if p.cond != condNone || p.subject == subjRequired || p.subject == subjActor {
				continue
			}
			for _, ws := range expand(p.text) {
				text := strings.Join(ws, " ")
				s := "It said " + text + " there."
				got := New(Options{}).Text(s, 1, 1)
				if len(got) != 1 || got[0].Rule != r.id || !strings.EqualFold(got[0].Phrase, text) {
					t.Errorf("%s %q: Text(%q) = %v", r.id, text, s, got)
				}
			}
		}
	}
}

// TestMarkdownAST lints a document parsed by a pipeline like the generator's (GFM, footnotes, typographer): the
// typographer splits "didn't" around a String node and linkify turns bare URLs into autolinks.
func TestMarkdownAST(t *testing.T) {
	body := []byte("We didn't bother to check https://x.example/human-error.\n\n" +
		"| step | note |\n|---|---|\n| 1 | it was just a restart |\n\nSee the note.[^1]\n\n[^1]: The root cause was a typo.\n")
	md := goldmark.New(goldmark.WithExtensions(extension.GFM, extension.Footnote, extension.Typographer))
	doc := md.Parser().Parse(text.NewReader(body))
	got := brief(New(Options{}).Markdown(doc, body, 3))
	want := []string{
		`3:4 counterfactual "didn’t bother"`,
		`7:14 minimiser "just"`,
		`11:7 single-cause "The root cause"`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	if New(Options{}).Markdown(nil, body, 1) != nil {
		t.Error("nil document: want no findings")
	}
}

func TestConcurrent(t *testing.T) {
	body := benchBody()
	lt := New(Options{People: []string{"Dana"}})
	doc := mdParser.Parse(text.NewReader(body))
	want := brief(lt.Markdown(doc, body, 1))
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 20 {
				if got := brief(lt.Markdown(doc, body, 1)); !slices.Equal(got, want) {
					t.Errorf("concurrent run differs: %v", got)
					return
				}
			}
		})
	}
	wg.Wait()
}

// FuzzMarkdown checks that any input lints without panicking and that every finding points into the body at
// its phrase.
func FuzzMarkdown(f *testing.F) {
	f.Add([]byte("We should have checked.\n"))
	f.Add([]byte("- **Dana** forgot\n  to `x` restart https://a/b [[x|y]] just\n> human error\n"))
	f.Add([]byte("<!-- secondstory:ignore -->\nIt was simply human error.\n"))
	f.Add(benchBody())
	f.Fuzz(func(t *testing.T, body []byte) {
		if !utf8.Valid(body) {
			return
		}
		checkFindings(t, body, 5, lintMarkdown(body, 5, Options{People: []string{"Dana"}}))
	})
}
