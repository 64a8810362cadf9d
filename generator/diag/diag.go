// Package diag holds the positioned findings of a build: every stage reports into a List, and the whole list is
// shown at once, the cause first, the way compilers report ("path:line:col: severity: rule: message").
package diag

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Severity of a diagnostic: errors fail a build, warnings do not, infos say what the build inferred.
type Severity string

const (
	Error   Severity = "error"
	Warning Severity = "warning"
	Info    Severity = "info"
)

// Diagnostic is one positioned finding about the source folder. Path is relative to the source folder with
// forward slashes; Line and Col are 1-based (0 when unknown).
type Diagnostic struct {
	Path     string   `json:"path"`
	Line     int      `json:"line,omitempty"`
	Col      int      `json:"col,omitempty"`
	Severity Severity `json:"severity"`
	Rule     string   `json:"rule"`
	Message  string   `json:"message"`
	// Advice is the longer explanation shown with --verbose (the lint's reframing), or "".
	Advice string `json:"advice,omitempty"`
}

// String renders the diagnostic for a terminal: path:line:col: severity: rule: message. Control characters in
// the path or message (a file name with a newline or an escape sequence) are escaped, so a file name cannot forge
// a diagnostic line or drive the terminal.
func (d Diagnostic) String() string {
	var b strings.Builder
	b.WriteString(Printable(d.Path))
	if d.Line > 0 {
		b.WriteString(":" + strconv.Itoa(d.Line))
		if d.Col > 0 {
			b.WriteString(":" + strconv.Itoa(d.Col))
		}
	}
	fmt.Fprintf(&b, ": %s: %s: %s", d.Severity, d.Rule, Printable(d.Message))
	return b.String()
}

// Printable escapes control characters (C0, DEL, C1) the way Go quotes them, and leaves everything else as is.
func Printable(s string) string {
	if !strings.ContainsFunc(s, isControl) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if isControl(r) {
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) }

// List collects every finding of a run.
type List []Diagnostic

// Add appends a finding.
func (l *List) Add(sev Severity, path string, line, col int, rule, format string, args ...any) {
	*l = append(*l, Diagnostic{Path: path, Line: line, Col: col, Severity: sev, Rule: rule, Message: fmt.Sprintf(format, args...)})
}

// Errorf appends an error.
func (l *List) Errorf(path string, line, col int, rule, format string, args ...any) {
	l.Add(Error, path, line, col, rule, format, args...)
}

// Warnf appends a warning.
func (l *List) Warnf(path string, line, col int, rule, format string, args ...any) {
	l.Add(Warning, path, line, col, rule, format, args...)
}

// Infof appends an info: something the build inferred, with where it came from.
func (l *List) Infof(path string, line, col int, rule, format string, args ...any) {
	l.Add(Info, path, line, col, rule, format, args...)
}

var rank = map[Severity]int{Error: 0, Warning: 1, Info: 2}

// Sort orders errors first, then warnings, then infos, each by path, line and column: the causes a build stops on
// come before the advice.
func (l List) Sort() {
	sort.SliceStable(l, func(i, j int) bool {
		a, b := l[i], l[j]
		if a.Severity != b.Severity {
			return rank[a.Severity] < rank[b.Severity]
		}
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Col != b.Col {
			return a.Col < b.Col
		}
		return a.Message < b.Message
	})
}

// Count counts the findings of one severity.
func (l List) Count(sev Severity) int {
	n := 0
	for _, d := range l {
		if d.Severity == sev {
			n++
		}
	}
	return n
}

// Errors counts the errors.
func (l List) Errors() int { return l.Count(Error) }

// Warnings counts the warnings.
func (l List) Warnings() int { return l.Count(Warning) }

// Only returns the findings of one severity, in order.
func (l List) Only(sev Severity) List {
	var out List
	for _, d := range l {
		if d.Severity == sev {
			out = append(out, d)
		}
	}
	return out
}

// Files lists the distinct paths of the errors, in order: the files to fix.
func (l List) Files() []string {
	var out []string
	seen := map[string]bool{}
	for _, d := range l {
		if d.Severity == Error && !seen[d.Path] {
			seen[d.Path] = true
			out = append(out, d.Path)
		}
	}
	return out
}

// ContentError is returned when the content has errors; it carries all of them.
type ContentError struct{ List List }

func (e *ContentError) Error() string {
	var lines []string
	for _, d := range e.List.Only(Error) {
		lines = append(lines, d.String())
	}
	return strings.Join(lines, "\n")
}

// EnvError is a problem with the environment rather than the content: an unsafe or unwritable output folder, a
// busy index, a theme that does not parse.
type EnvError struct{ Err error }

func (e *EnvError) Error() string { return e.Err.Error() }
func (e *EnvError) Unwrap() error { return e.Err }

// Env wraps a formatted environment error.
func Env(format string, args ...any) error { return &EnvError{fmt.Errorf(format, args...)} }
