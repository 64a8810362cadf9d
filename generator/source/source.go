// Package source is the LOAD stage: it finds what a knowledge base holds (postmortems, factor descriptions,
// static files, files the bodies link to) and reads files, through one reader that never leaves the source folder:
// a symbolic link is followed only to a target inside it, only regular files are read, and each within a size
// limit.
package source

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/secondstory/secondstory/generator/diag"
)

// Inventory is what a scan found. Every path is relative to the source folder, with forward slashes, sorted.
type Inventory struct {
	Root        string   // absolute, symbolic links resolved
	Postmortems []string // Markdown files that are postmortems
	Factors     []string // factors/*.md
	Static      []string // static/**: copied to the site root
	Files       []string // every other file a page may link to or a bundle holds (images, PDFs, …)
	// PDFs are PDF files that are postmortems of their own: no Markdown file of the same name beside them, and
	// where the Markdown postmortems would be. They are in Files too (their pages link to them).
	PDFs    []string
	Skipped []Skip // Markdown (and PDF) files that are not postmortems, and why
	// Git holds when each file was first committed, for the dates of postmortems that give none (nil outside a
	// git work tree). The caller fills it (ReadGitDates): a scan that only checks a hint does not run git.
	Git GitDates
}

// Skip is a Markdown file a build leaves out, with the reason, for the build's summary.
type Skip struct{ Path, Why string }

// Options say what a scan leaves out.
type Options struct {
	Exclude []string // absolute folders that are never content: the output folder, the search index, the theme
	Include []string // globs of postmortems (config content.include); empty: the defaults
	Skip    []string // globs to leave out (config content.exclude)
}

// notPostmortems are the Markdown files of a repository that are about it, not incidents (compared without
// extension, case-insensitively).
var notPostmortems = []string{"readme", "license", "licence", "contributing", "code_of_conduct", "code-of-conduct",
	"changelog", "_index", "security", "support", "authors", "codeowners"}

// Scan walks the source folder. Dot-files and dot-folders, node_modules and the folders in opts.Exclude are never
// read; symbolic links that leave the source folder are errors, and are not followed.
func Scan(root string, opts Options) (*Inventory, diag.List) {
	var diags diag.List
	real, err := filepath.EvalSymlinks(root)
	if err != nil {
		diags.Errorf(".", 0, 0, "read", "source folder: %v", err)
		return &Inventory{Root: root}, diags
	}
	real, _ = filepath.Abs(real)
	inv := &Inventory{Root: real}
	s := &scanner{inv: inv, opts: opts, diags: &diags, linkBudget: maxLinked}
	for i, e := range opts.Exclude {
		if r, err := filepath.EvalSymlinks(e); err == nil {
			s.opts.Exclude[i] = r
		}
	}
	s.walk(real, "", []string{real}, false)
	_, hasIncidents := os.Stat(filepath.Join(real, "incidents"))
	s.classify(hasIncidents == nil)
	return inv, diags
}

type scanner struct {
	inv   *Inventory
	opts  Options
	diags *diag.List
	// linkBudget is how many more entries may be walked through linked folders: links that do not loop can still
	// multiply a tree (each folder linking to two others), so the walk through them is bounded.
	linkBudget int
	markdown   []string
	pdfs       []string
}

// maxLinked bounds the files and folders a scan walks through linked folders.
const maxLinked = 50_000

// walk lists the folder at abs (real path), whose path relative to the source is rel ("" for the root); stack holds
// the real paths of the folders it is reached through, abs last, and viaLink says one of them was a link.
func (s *scanner) walk(abs, rel string, stack []string, viaLink bool) {
	entries, err := os.ReadDir(abs)
	if err != nil {
		s.diags.Errorf(orDot(rel), 0, 0, "read", "cannot read folder: %v", err)
		return
	}
	if viaLink {
		if s.linkBudget -= len(entries); s.linkBudget < 0 {
			if s.linkBudget+len(entries) >= 0 { // said once
				s.diags.Errorf(rel, 0, 0, "read", "more than %d files and folders through linked folders (links that multiply the tree?): not read further", maxLinked)
			}
			return
		}
	}
	for _, e := range entries {
		name := e.Name()
		r := path.Join(rel, name)
		p := filepath.Join(abs, name)
		if strings.HasPrefix(name, ".") || name == "node_modules" {
			continue
		}
		typ := e.Type()
		isLink := typ&fs.ModeSymlink != 0
		if isLink {
			target, err := filepath.EvalSymlinks(p)
			if err != nil {
				s.diags.Errorf(r, 0, 0, "read", "symbolic link to a missing target: not read")
				continue
			}
			if !Inside(s.inv.Root, target) {
				s.diags.Errorf(r, 0, 0, "read", "symbolic link to %s, outside the source folder: not read (nothing outside the source is published)", target)
				continue
			}
			st, err := os.Stat(target)
			if err != nil {
				s.diags.Errorf(r, 0, 0, "read", "%v", err)
				continue
			}
			p, typ = target, st.Mode().Type()
		}
		switch {
		case typ.IsDir():
			if s.excluded(p) {
				continue
			}
			// A linked folder is followed (static/img -> ../shared/img publishes shared/img at img/), unless it
			// holds this folder or is one the walk came through: that would loop.
			if isLink && (Inside(p, abs) || slices.Contains(stack, p)) {
				continue
			}
			s.walk(p, r, append(slices.Clip(stack), p), viaLink || isLink)
		case typ.IsRegular():
			s.file(r)
		default:
			s.diags.Warnf(r, 0, 0, "read", "not a regular file (a device, pipe or socket): not read")
		}
	}
}

func (s *scanner) excluded(p string) bool {
	for _, e := range s.opts.Exclude {
		if e != "" && (p == e || strings.HasPrefix(p, e+string(filepath.Separator))) {
			return true
		}
	}
	return false
}

func (s *scanner) file(rel string) {
	top, _, _ := strings.Cut(rel, "/")
	switch {
	case top == "static" && strings.Contains(rel, "/"):
		s.inv.Static = append(s.inv.Static, rel)
	case !isMarkdown(rel):
		s.inv.Files = append(s.inv.Files, rel)
		if strings.EqualFold(path.Ext(rel), ".pdf") && top != "factors" {
			s.pdfs = append(s.pdfs, rel)
		}
	case top == "factors" && strings.Count(rel, "/") == 1:
		s.inv.Factors = append(s.inv.Factors, rel)
	default:
		s.markdown = append(s.markdown, rel)
	}
}

// classify decides which Markdown files are postmortems: with an incidents/ folder, those inside it; without one
// (a repository of postmortems as teams keep them), every Markdown file but the repository's own documents and
// templates. The config's content.include and content.exclude globs override both.
func (s *scanner) classify(hasIncidents bool) {
	for _, rel := range s.markdown {
		why := s.why(rel, hasIncidents)
		if why == "" {
			s.inv.Postmortems = append(s.inv.Postmortems, rel)
		} else {
			s.inv.Skipped = append(s.inv.Skipped, Skip{rel, why})
		}
	}
	// A PDF is a postmortem of its own unless a Markdown file of its name is beside it (its export).
	stems := map[string]bool{}
	for _, rel := range s.markdown {
		stems[strings.ToLower(strings.TrimSuffix(rel, path.Ext(rel)))] = true
	}
	for _, rel := range s.pdfs {
		if stems[strings.ToLower(strings.TrimSuffix(rel, path.Ext(rel)))] {
			continue
		}
		if why := s.why(rel, hasIncidents); why == "" {
			s.inv.PDFs = append(s.inv.PDFs, rel)
		} else if why != "outside incidents/" {
			s.inv.Skipped = append(s.inv.Skipped, Skip{rel, why})
		}
	}
	for _, l := range [][]string{s.inv.Postmortems, s.inv.Factors, s.inv.Static, s.inv.Files, s.inv.PDFs} {
		slices.Sort(l)
	}
	slices.SortFunc(s.inv.Skipped, func(a, b Skip) int { return strings.Compare(a.Path, b.Path) })
}

func (s *scanner) why(rel string, hasIncidents bool) string { return s.opts.LeftOut(rel, hasIncidents) }

// LeftOut says why a Markdown (or PDF) file at rel is not a postmortem, or "" when it is one: the config's globs,
// then a repository's own documents, index pages and templates, then, when the source has an incidents/ folder,
// everything outside it.
func (o Options) LeftOut(rel string, hasIncidents bool) string {
	s := struct{ opts Options }{o}
	for _, g := range s.opts.Skip {
		if Match(g, rel) {
			return "content.exclude " + g
		}
	}
	if len(s.opts.Include) > 0 {
		for _, g := range s.opts.Include {
			if Match(g, rel) {
				return ""
			}
		}
		return "not in content.include"
	}
	base := strings.ToLower(strings.TrimSuffix(path.Base(rel), path.Ext(rel)))
	top, _, _ := strings.Cut(rel, "/")
	switch {
	case slices.Contains(notPostmortems, base):
		return "a repository document"
	case base == "index" && !strings.Contains(rel, "/"):
		return "an index page"
	case strings.Contains(base, "template") || top == "templates" || strings.Contains(rel, "/templates/"):
		return "a template"
	case hasIncidents && top != "incidents":
		return "outside incidents/"
	}
	return ""
}

func isMarkdown(rel string) bool {
	ext := strings.ToLower(path.Ext(rel))
	return ext == ".md" || ext == ".markdown"
}

func orDot(rel string) string {
	if rel == "" {
		return "."
	}
	return rel
}

// Match reports whether rel matches a glob in which * matches within a path segment and ** any number of them
// ("reports/**", "**/adr-*.md"). A glob without a slash or ** matches a folder's whole tree as well ("decisions").
func Match(glob, rel string) bool {
	glob = strings.Trim(glob, "/")
	if !strings.ContainsAny(glob, "*?[") {
		return rel == glob || strings.HasPrefix(rel, glob+"/")
	}
	return matchParts(strings.Split(glob, "/"), strings.Split(rel, "/"))
}

func matchParts(g, p []string) bool {
	for len(g) > 0 {
		if g[0] == "**" {
			for i := 0; i <= len(p); i++ {
				if matchParts(g[1:], p[i:]) {
					return true
				}
			}
			return false
		}
		if len(p) == 0 {
			return false
		}
		if ok, _ := path.Match(g[0], p[0]); !ok {
			return false
		}
		g, p = g[1:], p[1:]
	}
	return len(p) == 0
}

// Inside reports whether the real path p is root or lies below it.
func Inside(root, p string) bool {
	return p == root || strings.HasPrefix(p, root+string(filepath.Separator))
}

// ErrGone says a file vanished between the scan and the read: a save in progress (an editor's temporary file)
// whose next event will bring the folder's new state.
var ErrGone = errors.New("file is gone")

// Stat is what tells a file's version without reading it: a save changes its size, its modification or change
// time, or its inode.
type Stat struct {
	Size       int64
	Mod, Chg   time.Time
	Inode, Dev uint64
}

// StatOf returns the Stat of the file at rel (following a symbolic link the scan allowed), or the zero Stat.
func StatOf(root, rel string) Stat {
	st, err := os.Stat(filepath.Join(root, filepath.FromSlash(rel)))
	if err != nil {
		return Stat{}
	}
	out := Stat{Size: st.Size(), Mod: st.ModTime()}
	if sys, ok := st.Sys().(*syscall.Stat_t); ok {
		out.Inode, out.Dev = sys.Ino, uint64(sys.Dev)
		out.Chg = time.Unix(sys.Ctim.Sec, sys.Ctim.Nsec)
	}
	return out
}

// Read reads the file at rel below root, the one way the build reads a source file: the path, symbolic links
// resolved, must stay inside root; the file must be regular and at most max bytes. Errors name no path: the
// caller positions them.
func Read(root, rel string, max int64) ([]byte, error) {
	abs := filepath.Join(root, filepath.FromSlash(rel))
	real, err := filepath.EvalSymlinks(abs)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrGone
	}
	if err != nil {
		return nil, err
	}
	if !Inside(root, real) {
		return nil, fmt.Errorf("resolves to %s, outside the source folder: not read", real)
	}
	// O_NONBLOCK: a FIFO put there since the scan opens at once, instead of waiting for a writer, and is refused
	// below; on a regular file the flag changes nothing.
	f, err := os.OpenFile(real, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrGone
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, errors.New("not a regular file: not read")
	}
	if st.Size() > max {
		return nil, TooLarge(st.Size(), max)
	}
	// Sized from the stat, as os.ReadFile does: the bytes are kept (a postmortem's body is a slice of them), and
	// io.ReadAll's growth would keep up to twice as many. The limit still holds for a file that grows meanwhile.
	data := make([]byte, 0, st.Size()+1) // +1: EOF is seen without growing
	lr := io.LimitReader(f, max+1)
	for {
		n, err := lr.Read(data[len(data):cap(data)])
		data = data[:len(data)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if len(data) == cap(data) { // it grew since the stat
			data = append(data, 0)[:len(data)]
		}
	}
	if int64(len(data)) > max {
		return nil, TooLarge(int64(len(data)), max)
	}
	return data, nil
}

// TooLarge is the error of a file of n bytes, past the limit of max.
func TooLarge(n, max int64) error {
	return fmt.Errorf("%s, over the limit of %s (max_file_mb)", size(n), size(max))
}

// size says n bytes in MB, exactly enough that a file just over the limit does not read as the limit itself.
func size(n int64) string {
	switch {
	case n%(1<<20) == 0:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 10<<20:
		return fmt.Sprintf("%d MB", (n+1<<20-1)>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

// Has reports whether the inventory lists rel (as a postmortem, a factor, a static or other file, or a skipped
// Markdown file).
func (inv *Inventory) Has(rel string) bool {
	for _, l := range [][]string{inv.Postmortems, inv.Factors, inv.Static, inv.Files} {
		if _, ok := slices.BinarySearch(l, rel); ok {
			return true
		}
	}
	return slices.ContainsFunc(inv.Skipped, func(s Skip) bool { return s.Path == rel })
}
