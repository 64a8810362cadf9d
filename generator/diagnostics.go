package generator

import (
	"fmt"
	"sort"
	"strings"
)

// Severity of a diagnostic: errors fail a build, warnings do not.
type Severity string

const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
)

// Diagnostic is one positioned finding about the source folder. Path is relative to the source folder and uses
// forward slashes; Line and Col are 1-based lines of the file (0 when unknown).
type Diagnostic struct {
	Path     string   `json:"path"`
	Line     int      `json:"line,omitempty"`
	Col      int      `json:"col,omitempty"`
	Severity Severity `json:"severity"`
	Rule     string   `json:"rule"`
	Message  string   `json:"message"`
}

// String renders the diagnostic the way compilers do, so editors can jump to it:
// path:line:col: severity: rule: message.
func (d Diagnostic) String() string {
	var b strings.Builder
	b.WriteString(d.Path)
	if d.Line > 0 {
		fmt.Fprintf(&b, ":%d", d.Line)
		if d.Col > 0 {
			fmt.Fprintf(&b, ":%d", d.Col)
		}
	}
	fmt.Fprintf(&b, ": %s: %s: %s", d.Severity, d.Rule, d.Message)
	return b.String()
}

// Diagnostics collects every finding of a run so that all of them are reported at once.
type Diagnostics []Diagnostic

func (ds *Diagnostics) add(sev Severity, path string, line, col int, rule, format string, args ...any) {
	*ds = append(*ds, Diagnostic{Path: path, Line: line, Col: col, Severity: sev, Rule: rule, Message: fmt.Sprintf(format, args...)})
}

func (ds *Diagnostics) errorf(path string, line, col int, rule, format string, args ...any) {
	ds.add(SeverityError, path, line, col, rule, format, args...)
}

func (ds *Diagnostics) warnf(path string, line, col int, rule, format string, args ...any) {
	ds.add(SeverityWarning, path, line, col, rule, format, args...)
}

// Sort orders diagnostics by path, line, column, so output is stable across runs.
func (ds Diagnostics) Sort() {
	sort.SliceStable(ds, func(i, j int) bool {
		a, b := ds[i], ds[j]
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

// Errors counts the diagnostics of error severity.
func (ds Diagnostics) Errors() int {
	n := 0
	for _, d := range ds {
		if d.Severity == SeverityError {
			n++
		}
	}
	return n
}

// Warnings counts the diagnostics of warning severity.
func (ds Diagnostics) Warnings() int { return len(ds) - ds.Errors() }

// ContentError is returned by Build when the content has errors; it carries all of them.
type ContentError struct{ Diagnostics Diagnostics }

func (e *ContentError) Error() string {
	var b strings.Builder
	n := 0
	for _, d := range e.Diagnostics {
		if d.Severity != SeverityError {
			continue
		}
		if n > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(d.String())
		n++
	}
	return b.String()
}
