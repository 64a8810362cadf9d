// Package build is the pipeline, the only one: load → parse → markdown and lint → graph → render → write → index.
// A one-off `build` runs it once; a long-running process (serve --watch) keeps a Session, whose builds run the same
// stages and skip, inside each, the work whose recorded inputs did not change (package incremental).
package build

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/secondstory/secondstory/generator/diag"
	"github.com/secondstory/secondstory/generator/graph"
	"github.com/secondstory/secondstory/generator/incremental"
	"github.com/secondstory/secondstory/generator/output"
	"github.com/secondstory/secondstory/generator/source"
	"github.com/secondstory/secondstory/search"
)

// Options configure a build.
type Options struct {
	Source string // the knowledge base folder
	Out    string // the output folder
	Drafts bool   // build postmortems with status draft (a preview always does)
	// OnlyPublished makes Check leave drafts out, as a build does; by default it checks them, authors' work in
	// progress.
	OnlyPublished bool
	BaseURL       string // overrides the config's base_url
	Now           time.Time
	Force         bool // build even when the inputs' fingerprint says the site is up to date

	// Preview is serve --watch: drafts are built, with a banner unless NoDraftBanner.
	Preview       bool
	NoDraftBanner bool

	// SuggestFactors makes Check rank the catalogue's factors for each postmortem that names none
	// (Result.Suggestions; suggest.go).
	SuggestFactors bool

	Log      io.Writer // the summary line; nil for none
	Progress io.Writer // a line per stage as it ends, for a terminal; nil for none
}

// Stage is the time one pipeline stage took.
type Stage struct {
	Name     string
	Duration time.Duration
}

// Result describes a build.
type Result struct {
	Site        *graph.Site // nil when the build stopped before the graph, or the site was up to date
	Diagnostics diag.List   // errors, warnings and infos, the errors first
	Skipped     []source.Skip
	Checked     int // files validated: postmortems, factor descriptions, the configuration
	Drafts      int // drafts left out
	Files       int // files of the site
	Written     int // pages rendered (the rest were kept from the last build)
	Bytes       int64
	Stages      []Stage
	Duration    time.Duration
	UpToDate    bool              // nothing changed since the last build: nothing was written
	Moved       map[string]string // a session's incident pages whose URL changed: old site path -> new
	Suggestions []Suggestion      // with Options.SuggestFactors: factors proposed for postmortems that name none
}

// Build runs the whole pipeline once: on content errors it returns a *diag.ContentError and writes nothing; on an
// unsafe or unwritable output, a *diag.EnvError. A build whose inputs are those of the last one stops early.
func Build(opts Options) (*Result, error) {
	s, err := newSession(opts, false)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	return s.Build()
}

// Check runs every validation of a build and the lint, and writes nothing.
func Check(opts Options) (*Result, error) {
	s := &Session{opts: opts, check: true}
	return s.Build()
}

// Session is a long-running process's builds of one site (serve --watch): it holds the site's lock, the index
// open for writing, and the memos its builds reuse.
type Session struct {
	opts   Options
	check  bool // validate only
	keep   bool // a long-running process: keep the memos, update the site in place
	paths  output.Paths
	unlock func()

	root        string            // the source folder, symbolic links resolved
	inv         *source.Inventory // a session's last scan, kept while change sets name only files it knows
	scanDiags   diag.List
	scanConfig  []byte
	files       incremental.Files
	assets      incremental.Derived[uint64]          // static files' and assets' checksums, by source path and stat
	lines       incremental.Derived[[]byte]          // incidents.json lines, by source
	docs        incremental.Derived[search.Document] // search documents, by source
	graph       incremental.Derived[*graph.Site]
	frags       incremental.Fragments        // list rows, with what each read
	pages       incremental.Pages            // output state: what each page read
	vers        incremental.Versions         // the versions of what pages can read, at the last build
	stalePages  map[string]bool              // this build: the pages that read something that changed
	graphReused bool                         // this build's graph is the last one's, rebound
	sums        map[string]uint64            // output state: what the last build wrote
	indexed     map[string]search.Document   // what the index holds, by ID
	index       atomic.Pointer[search.Index] // read by the server while builds run
	last        *graph.Site
}

// NewSession starts the builds of a long-running process. It takes the site's lock for its lifetime: another
// process writing the same site (a second preview, a build) is refused meanwhile.
func NewSession(opts Options) (*Session, error) {
	opts.Preview = true
	return newSession(opts, true)
}

func newSession(opts Options, keep bool) (*Session, error) {
	paths, err := output.PathsFor(opts.Out)
	if err != nil {
		return nil, err
	}
	// Refuse an output folder that is not ours before the lock file is made beside it.
	if err := paths.Check(opts.Source); err != nil {
		return nil, err
	}
	s := &Session{opts: opts, keep: keep, paths: paths}
	unlock, err := paths.Lock()
	if err != nil {
		if errors.Is(err, output.ErrBusy) {
			return nil, diag.Env("%s is being written by another secondstory process (a serve --watch previewing this site, or a build): stop it first", opts.Out)
		}
		return nil, err
	}
	s.unlock = unlock
	return s, nil
}

// Close releases the lock and the index.
func (s *Session) Close() error {
	var err error
	if ix := s.index.Swap(nil); ix != nil {
		err = ix.Close()
	}
	if s.unlock != nil {
		s.unlock()
		s.unlock = nil
	}
	return err
}

// PathsFor returns the folders of a site written to out: the web root, its search index beside it, and the
// build's own files.
func PathsFor(out string) (output.Paths, error) { return output.PathsFor(out) }

// Paths are the site's folders.
func (s *Session) Paths() output.Paths { return s.paths }

// stages times the pipeline's stages.
type stages struct {
	opts Options
	res  *Result
	t0   time.Time
}

func (st *stages) done(name string, counts ...any) {
	d := Stage{name, time.Since(st.t0)}
	st.res.Stages = append(st.res.Stages, d)
	if st.opts.Progress != nil {
		fmt.Fprintf(st.opts.Progress, "  %-14s %7.2f s  %s\n", d.Name, d.Duration.Seconds(), strings.TrimSpace(fmt.Sprintln(counts...)))
	}
	st.t0 = time.Now()
}

// parallel runs fn for 0..n-1 on every core.
func parallel(n int, fn func(i int)) {
	var wg sync.WaitGroup
	next := make(chan int, 64)
	for range min(runtime.GOMAXPROCS(0), max(n, 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				fn(i)
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}

// rel names a path for the change list and diagnostics: relative to the source folder, forward slashes.
func rel(root, p string) string {
	if r, err := filepath.Rel(root, p); err == nil {
		return filepath.ToSlash(r)
	}
	return filepath.ToSlash(p)
}

// Options are the session's options.
func (s *Session) Options() Options { return s.opts }
