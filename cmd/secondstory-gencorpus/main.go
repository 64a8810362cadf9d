// Command secondstory-gencorpus writes a deterministic, realistic synthetic
// knowledge base of Markdown postmortems, used to benchmark secondstory and
// to exercise its parsers, linter and factor catalogue at scale.
//
//	go run ./cmd/secondstory-gencorpus -n 10000 -out DIR [-seed 1] [-lint-noise 0.01]
//
// The same flags always produce byte-identical files. DIR must be missing,
// empty, or a folder this command wrote before (it carries a
// .secondstory-corpus marker); anything else is refused with exit status 2.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is main without the process exit, so tests can drive the CLI.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("secondstory-gencorpus", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg Config
	fs.IntVar(&cfg.N, "n", 10000, "number of postmortems")
	fs.StringVar(&cfg.Out, "out", "", "output folder (missing, empty, or written by this command before)")
	fs.Uint64Var(&cfg.Seed, "seed", 1, "random seed; same flags give byte-identical output")
	fs.Float64Var(&cfg.LintNoise, "lint-noise", 0.01, "share of documents given one phrase the linter flags")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: secondstory-gencorpus -n 10000 -out DIR [-seed 1] [-lint-noise 0.01]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if cfg.Out == "" || fs.NArg() > 0 {
		fs.Usage()
		return 2
	}
	if err := cfg.validate(); err != nil {
		fmt.Fprintln(stderr, "secondstory-gencorpus:", err)
		return 2
	}
	st, err := Generate(cfg)
	if err != nil {
		fmt.Fprintln(stderr, "secondstory-gencorpus:", err)
		if ref := (*RefusedError)(nil); errors.As(err, &ref) {
			return 2
		}
		return 1
	}
	fmt.Fprintf(stdout, "secondstory-gencorpus: %d documents (+%d factor pages, %d with lint noise), %d words, %.1f MB, %.2fs -> %s\n",
		st.Documents, st.Factors, st.Noisy, st.Words, float64(st.Bytes)/1e6, st.Elapsed.Seconds(), cfg.Out)
	return 0
}
