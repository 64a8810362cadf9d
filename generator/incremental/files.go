package incremental

import (
	"time"

	"github.com/secondstory/secondstory/generator/diag"
	"github.com/secondstory/secondstory/generator/markdown"
	"github.com/secondstory/secondstory/generator/postmortem"
	"github.com/secondstory/secondstory/generator/source"
)

// File is what one source file read, decoded and rendered to. Its decoding holds while the file's bytes and the
// configuration are the same; its rendering while, in addition, every link of the body resolves as it did.
type File struct {
	Stat source.Stat // of the read the entry came from: a file with the same stat is not read again
	Sum  uint64      // of its bytes
	Git  time.Time   // the time of its first commit, which decoding may infer its date from (zero: none)

	P     *postmortem.Postmortem
	Diags diag.List // of decoding
	OK    bool      // decoded without errors
	Front uint64    // FrontVersion(P)
	Shell diag.List // the shell warnings of a published postmortem (build/shell.go)

	Body        *markdown.Body // nil until rendered
	BodyDiags   diag.List      // of rendering and the lint
	BodyVersion uint64         // a hash of the rendered body, in a session (0 in a one-off build)
}

// Files is the per-input-file memo, by path relative to the source folder.
type Files struct {
	config uint64
	m      map[string]*File
}

// Begin starts a build with configuration key config: a different configuration decodes every file anew.
func (f *Files) Begin(config uint64) {
	if f.m == nil || f.config != config {
		f.m, f.config = map[string]*File{}, config
	}
}

// Get returns the entry of rel, or nil.
func (f *Files) Get(rel string) *File { return f.m[rel] }

// Put keeps the entry of rel. Not safe for concurrent use with Get: the build fills entries in parallel into its
// own slice and puts them afterwards.
func (f *Files) Put(rel string, e *File) { f.m[rel] = e }

// Keep forgets the entries of files that are gone.
func (f *Files) Keep(present map[string]bool) {
	for rel := range f.m {
		if !present[rel] {
			delete(f.m, rel)
		}
	}
}

// BodyOf returns the entry's rendering when it still holds for r: its links resolve as they did.
func (e *File) BodyOf(r markdown.Resolver) *markdown.Body {
	if e == nil || e.Body == nil || !e.Body.Valid(r) {
		return nil
	}
	return e.Body
}
