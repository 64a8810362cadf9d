package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/secondstory/secondstory/generator/diag"
	"github.com/secondstory/secondstory/generator/scaffold"
)

func runNew(args []string, stdout, stderr io.Writer) int {
	var source, date string
	fs := newFlagSet("new", `[--source DIR] [--date YYYY-MM-DD] "Title"`,
		`Writes incidents/<date>-<slug>.md, a draft postmortem with its frontmatter filled in and the sections of a
blameless review, each with a prompt, and prints its path. Without --source, the knowledge base is the nearest
folder with a secondstory.yaml, here or above. The date defaults to today in the configured time zone. An existing
file, or an incident with the same slug, is never overwritten (exit 2).

A knowledge base can provide its own template in `+scaffold.TemplateFile+` (Go text/template) with the fields
.Title, .Date (YYYY-MM-DD), .Slug (the file name without .md), .Severity (the least severe level),
.Severities (.ID, .Description) and .Timezone, and the functions quote (a string safe in any frontmatter) and
oneline.`, stderr)
	fs.StringVar(&source, "source", "", "the knowledge base `folder` (default: the nearest with a secondstory.yaml)")
	fs.StringVar(&date, "date", "", "the incident's day, `YYYY-MM-DD` (default: today)")
	// The title may be several words, and flags may follow it; "--" ends the flags.
	var words []string
	flagArgs := args
	if i := slices.Index(args, "--"); i >= 0 {
		flagArgs, words = args[:i], args[i+1:]
	}
	var title []string
	for {
		if err := fs.Parse(flagArgs); errors.Is(err, flag.ErrHelp) {
			return exitOK
		} else if err != nil {
			return exitUsage
		}
		if fs.NArg() == 0 {
			break
		}
		title = append(title, fs.Arg(0))
		flagArgs = fs.Args()[1:]
	}
	title = append(title, words...)
	if len(title) == 0 {
		fmt.Fprintln(stderr, `secondstory new: a title is required, e.g. secondstory new "Orders database failover"`)
		return exitUsage
	}
	if source == "" {
		root, err := scaffold.FindRoot(".")
		if err != nil {
			fmt.Fprintf(stderr, "secondstory new: %v\n", err)
			return exitUsage
		}
		source = root
	}
	rel, err := scaffold.New(scaffold.Options{Source: source, Title: strings.Join(title, " "), Date: date})
	var ce *diag.ContentError
	switch {
	case err == nil:
		fmt.Fprintln(stdout, filepath.Join(source, filepath.FromSlash(rel)))
		return exitOK
	case errors.As(err, &ce):
		for _, d := range ce.List {
			fmt.Fprintln(stderr, d)
		}
		return exitContent
	default:
		fmt.Fprintf(stderr, "secondstory new: %v\n", err)
		return exitUsage
	}
}
