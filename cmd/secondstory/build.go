package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"

	"github.com/secondstory/secondstory/generator/build"
	"github.com/secondstory/secondstory/generator/diag"
)

// siteFlags are the flags shared by build, serve and check.
type siteFlags struct {
	source, out, baseURL string
	drafts, quiet        bool
}

func (f *siteFlags) register(fs *flag.FlagSet, withOut bool) {
	fs.StringVar(&f.source, "source", ".", "the knowledge base `folder`")
	if withOut {
		fs.StringVar(&f.out, "out", "public", "the output `folder` (replaced only by a successful build)")
		fs.StringVar(&f.baseURL, "base-url", "", "absolute `URL` of the site, for feeds and canonical links (overrides base_url)")
		fs.BoolVar(&f.quiet, "quiet", false, "print only errors")
	}
	fs.BoolVar(&f.drafts, "drafts", false, "include postmortems with status: draft")
}

func (f *siteFlags) options(log io.Writer) build.Options {
	if f.quiet {
		log = nil
	}
	opts := build.Options{Source: f.source, Out: f.out, Drafts: f.drafts, BaseURL: f.baseURL, Log: log}
	if !f.quiet && isTerminal(os.Stderr) {
		opts.Progress = os.Stderr
	}
	return opts
}

// isTerminal reports whether f is a terminal: progress lines are for people watching, not for logs and pipes.
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// newFlagSet makes a flag set whose -h prints a usage line and whose errors exit 2.
func newFlagSet(name, args, about string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: secondstory %s %s\n\n%s\n\nFlags:\n", name, args, about)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args; the second result is the exit code when the command should stop (help or a bad flag).
func parseFlags(fs *flag.FlagSet, args []string) (bool, int) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return false, exitOK
		}
		return false, exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "secondstory %s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		return false, exitUsage
	}
	return true, 0
}

func runBuild(args []string, stdout, stderr io.Writer) int {
	var f siteFlags
	fs := newFlagSet("build", "[--source DIR] [--out DIR] [--drafts] [--base-url URL]",
		"Builds the static site into --out and the search index beside it (<out>.bleve). A failed or interrupted build\nleaves the previous site intact.", stderr)
	f.register(fs, true)
	timings := fs.Bool("timings", false, "print the time each pipeline stage took")
	force := fs.Bool("force", false, "build even when nothing changed since the last build")
	if ok, code := parseFlags(fs, args); !ok {
		return code
	}
	opts := f.options(stdout)
	opts.Force = *force
	res, err := build.Build(opts)
	if *timings && res != nil {
		for _, st := range res.Stages {
			fmt.Fprintf(stdout, "  %-16s %8.0f ms\n", st.Name, float64(st.Duration.Microseconds())/1000)
		}
		fmt.Fprintf(stdout, "  %-16s %8.0f ms\n", "total", float64(res.Duration.Microseconds())/1000)
		if kb := peakRSSKB(); kb > 0 {
			fmt.Fprintf(stdout, "  %-16s %8d MB\n", "peak memory", kb/1024)
		}
	}
	return report(res, err, stderr, f.quiet)
}

// report prints the errors of a build and maps its error to an exit code. Content warnings are only counted:
// listing them on every build would bury the errors, and `check` lists them. The cause comes first and the summary names the
// files to fix. Quiet prints the errors alone.
func report(res *build.Result, err error, stderr io.Writer, quiet bool) int {
	if res != nil {
		for _, d := range res.Diagnostics.Only(diag.Error) {
			fmt.Fprintln(stderr, d)
		}
		if err == nil && !quiet {
			reportWarnings(res.Diagnostics, stderr)
		}
	}
	var ce *diag.ContentError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ce):
		files := ce.List.Files()
		fmt.Fprintf(stderr, "build failed: %s in %s; the previous site was left as it was\n", plural(ce.List.Errors(), "error"), fileList(files))
		return exitContent
	default:
		fmt.Fprintf(stderr, "secondstory: %s\n", diag.Printable(err.Error()))
		return exitUsage
	}
}

// fileList names up to three files, else counts them.
func fileList(files []string) string {
	for i, f := range files {
		files[i] = diag.Printable(f)
	}
	if len(files) <= 3 {
		return strings.Join(files, ", ")
	}
	return fmt.Sprintf("%s and %d other files", strings.Join(files[:2], ", "), len(files)-2)
}

// reportWarnings lists the configuration's warnings, which are about the site, not its content, and which check
// (publishing nothing) does not all give (a missing base_url); the content's are counted, for check to list.
func reportWarnings(diags diag.List, stderr io.Writer) {
	n, more := diags.Warnings(), ""
	for _, d := range diags.Only(diag.Warning) {
		if d.Rule == "config" {
			fmt.Fprintln(stderr, d)
			n, more = n-1, "more " // the summary line counted these too
		}
	}
	if n > 0 {
		fmt.Fprintf(stderr, "%s: run secondstory check to list them\n", plural(n, more+"warning"))
	}
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// peakRSSKB is the process's peak resident memory, for --timings (0 where the system does not say).
func peakRSSKB() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return int64(ru.Maxrss) // kilobytes on Linux
}
