package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"slices"

	"github.com/secondstory/secondstory/generator/diag"
	"github.com/secondstory/secondstory/generator/scaffold"
)

// runImport copies a team's existing postmortems into a knowledge base, their frontmatter filled with what was
// inferred, and says what it inferred for each.
func runImport(args []string, stdout, stderr io.Writer) int {
	var into string
	fs := newFlagSet("import", "SRC… --into KB", `Imports postmortems written without secondstory: each Markdown file (.md) and each HTML export
(.html: a Confluence page export, a Google Docs "web page", converted to Markdown) of the files and folders SRC,
found as a build finds them (README, LICENSE, templates, … left out). Each is written into the knowledge base KB
(under incidents/ when it has one or is new, at the same path relative to its folder) with a frontmatter that
states what a build would infer (title, date, severity, summary); the body is copied unchanged, and the images and
files it links to are copied beside it. Nothing is overwritten: a file already in KB with other content is an
error for that file (exit 1), the others are still imported; a file already imported is left as it is.
It prints, for each file, what it inferred and where from.`, stderr)
	fs.StringVar(&into, "into", "", "the knowledge base `folder` to import into (created when missing)")
	srcs, code := parseInterspersed(fs, args)
	if code >= 0 {
		return code
	}
	if len(srcs) == 0 || into == "" {
		fmt.Fprintln(stderr, "secondstory import: give the files or folders to import and --into KB, e.g. secondstory import ../postmortems --into kb")
		return exitUsage
	}
	res, err := scaffold.Import(scaffold.ImportOptions{Sources: srcs, Into: into})
	imported, same, errs := 0, 0, 0
	for _, im := range res {
		switch {
		case im.Same:
			same++
			fmt.Fprintf(stdout, "%s: already imported as %s\n", diag.Printable(im.From), diag.Printable(filepath.Join(into, im.To)))
		case im.To != "":
			imported++
			fmt.Fprintf(stdout, "%s → %s\n", diag.Printable(im.From), diag.Printable(filepath.Join(into, im.To)))
			printInferred(stdout, im)
		}
		for _, d := range im.Diags {
			fmt.Fprintln(stderr, d)
			if d.Severity == diag.Error {
				errs++
			}
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "secondstory import: %s\n", diag.Printable(err.Error()))
		var ce *diag.ContentError
		if errors.As(err, &ce) {
			return exitContent
		}
		return exitUsage
	}
	fmt.Fprintf(stdout, "%s imported, %s already there, %s\n", plural(imported, "file"), plural(same, "file"), plural(errs, "error"))
	if errs > 0 {
		return exitContent
	}
	return exitOK
}

// parseInterspersed parses flags that may come before or after the positional arguments ("--" ends the flags),
// and returns those; code is an exit code when the parse ends the command, else -1.
func parseInterspersed(fs *flag.FlagSet, args []string) (positional []string, code int) {
	var rest []string
	if i := slices.Index(args, "--"); i >= 0 {
		args, rest = args[:i], args[i+1:]
	}
	for {
		if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
			return nil, exitOK
		} else if err != nil {
			return nil, exitUsage
		}
		if fs.NArg() == 0 {
			return append(positional, rest...), -1
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// printInferred says what an import inferred for a file, and where from, and which files it copied beside it.
func printInferred(stdout io.Writer, im scaffold.Imported) {
	for _, inf := range append(im.Inferred, im.Sections...) {
		v := inf.Value
		if inf.Field == "title" || inf.Field == "summary" {
			v = fmt.Sprintf("%q", ellipsis(v, 70))
		}
		where := inf.From
		if inf.Line > 0 {
			where = fmt.Sprintf("%s, line %d", where, inf.Line)
		}
		fmt.Fprintf(stdout, "    %-12s %s (%s)\n", inf.Field, diag.Printable(v), diag.Printable(where))
	}
	for _, f := range im.Files {
		fmt.Fprintf(stdout, "    copied       %s\n", diag.Printable(f))
	}
}

func ellipsis(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
