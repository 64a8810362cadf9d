// Command secondstory builds, serves and checks a knowledge base of blameless postmortems.
package main

import (
	"fmt"
	"io"
	"os"
	"runtime/debug"
)

// version is set at link time (-ldflags "-X main.version=…"); "dev" for go run.
var version = "dev"

// Exit codes: the contract that CI scripts rely on.
const (
	exitOK      = 0
	exitContent = 1 // the knowledge base has errors
	exitUsage   = 2 // bad flags, or the environment is in the way (busy port, unsafe output folder)
)

type command struct {
	name    string
	summary string
	run     func(args []string, stdout, stderr io.Writer) int
}

func commands() []command {
	return []command{
		{"build", "build the static site and its search index", runBuild},
		{"serve", "build, then serve the site with search (--watch: live preview)", runServe},
		{"check", "validate a knowledge base (schema, links, blameless language) without writing", runCheck},
		{"new", "scaffold a postmortem from the blameless template", runNew},
		{"import", "copy existing postmortems (Markdown, HTML exports) into a knowledge base, frontmatter inferred", runImport},
		{"lint-rules", "export the blameless-language rules as a Vale style (--vale DIR), for editors", runLintRules},
		{"version", "print the version", func([]string, io.Writer, io.Writer) int { fmt.Println("secondstory", version); return exitOK }},
	}
}

// defaultMemoryLimit is the Go heap's soft limit unless GOMEMLIMIT says otherwise. A build's live data is below it,
// and without it the collector lets garbage double the heap. At 10,000 postmortems (into tmpfs, alternating runs)
// 500 MiB keeps the peak at 653-668 MB where 550 MiB gave 708-725 MB, in the same 19-22 s; 450 MiB cost 3 s more.
// Above the limit the collector only works harder; nothing fails.
const defaultMemoryLimit = 500 << 20

func main() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	switch args[0] {
	case "help", "-h", "--help", "-help":
		if len(args) > 2 && args[1] == "check" {
			return helpRule(args[2], stdout, stderr)
		}
		if len(args) > 1 {
			return run([]string{args[1], "-h"}, stdout, stderr)
		}
		usage(stdout)
		return exitOK
	case "--version", "-version":
		args[0] = "version"
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "secondstory: unknown command %q\n\n", args[0])
	usage(stderr)
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "secondstory turns a folder of Markdown postmortems into a browsable, searchable knowledge base.")
	fmt.Fprintln(w, "\nUsage: secondstory <command> [flags]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "  help     help for a command (secondstory help build) or a lint rule (secondstory help check counterfactual)")
	fmt.Fprintln(w, "\nExit codes: 0 ok, 1 content errors, 2 usage or environment.")
}
