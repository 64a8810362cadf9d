package scaffold

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/secondstory/secondstory/generator/config"
	"github.com/secondstory/secondstory/generator/diag"
	"github.com/secondstory/secondstory/generator/postmortem"
	"github.com/secondstory/secondstory/generator/source"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/text"
)

// `secondstory import`: copies of a team's existing postmortems, normalised (a frontmatter with what the build
// would infer: title, date, severity, summary), into a knowledge base, so that they no longer depend on the
// source's file names or git history. The body is copied unchanged; an HTML export (Confluence, Google Docs) is
// converted to Markdown first (html.go). Nothing in the knowledge base is overwritten: a file already there with
// other content is an error for that file, and the others are still imported.

// ImportOptions configure Import.
type ImportOptions struct {
	Sources []string // files (.md, .markdown, .html, .htm) and folders to import
	Into    string   // the knowledge base folder
}

// Imported is what Import did with one source file.
type Imported struct {
	From     string                // the source file, as given (a folder's files joined to it)
	To       string                // the copy, relative to the knowledge base ("" when nothing was written)
	Inferred []postmortem.Inferred // what its frontmatter was filled with, and where from
	Sections []postmortem.Inferred // what the build will read from its sections (not written: the body says it)
	Files    []string              // linked files copied, relative to the knowledge base
	Same     bool                  // the copy was already there, byte for byte (an import run again)
	Diags    diag.List             // its problems, positioned in the source file

	linked []string // the files it links to, relative to its folder's root
}

// importable are the extensions import reads.
var importable = []string{".md", ".markdown", ".html", ".htm"}

// Import imports every postmortem of opts.Sources. Problems with a file (a clash, a link that leaves the imported
// folder, no date anywhere) are in its Imported; the error is for the knowledge base as a whole (not a folder,
// its configuration broken).
func Import(opts ImportOptions) ([]Imported, error) {
	if opts.Into == "" {
		return nil, errors.New("--into is required: the knowledge base to import into")
	}
	if st, err := os.Stat(opts.Into); err == nil && !st.IsDir() {
		return nil, diag.Env("%s is not a folder", opts.Into)
	} else if err != nil {
		if err := os.MkdirAll(opts.Into, 0o755); err != nil {
			return nil, &diag.EnvError{Err: err}
		}
	}
	cfg, diags := config.Load(opts.Into)
	if diags.Errors() > 0 {
		return nil, &diag.ContentError{List: diags}
	}
	base := importBase(opts.Into)
	var out []Imported
	for _, src := range opts.Sources {
		st, err := os.Stat(src)
		if err != nil {
			return out, diag.Env("%s: %v", src, errors.Unwrap(err))
		}
		root, files := src, []string(nil)
		if st.IsDir() {
			files = importFiles(src)
		} else {
			root, files = filepath.Dir(src), []string{filepath.Base(src)}
			if !slices.Contains(importable, strings.ToLower(filepath.Ext(src))) {
				return out, fmt.Errorf("%s: import reads Markdown (.md) and HTML (.html) files", src)
			}
		}
		real, err := filepath.EvalSymlinks(root)
		if err != nil {
			return out, &diag.EnvError{Err: err}
		}
		real, _ = filepath.Abs(real)
		git, _ := source.ReadGitDates(real) // a failure only loses the dates of last resort: each file says so
		// The PDFs last: one that a postmortem links to is its attachment (copied with it), not a postmortem.
		slices.SortStableFunc(files, func(a, b string) int { return boolInt(isPDF(a)) - boolInt(isPDF(b)) })
		linked := map[string]bool{}
		for _, rel := range files {
			if isPDF(rel) && linked[rel] {
				continue
			}
			im := importFile(real, rel, filepath.Join(root, filepath.FromSlash(rel)), opts.Into, base, cfg, git[rel])
			for _, l := range im.linked {
				linked[l] = true
			}
			out = append(out, im)
		}
	}
	return out, nil
}

// importBase is the folder of the knowledge base the copies go to: incidents/ when it has one, or has no
// postmortems yet; its root when it keeps postmortems without one (an incidents/ folder would leave them out).
func importBase(kb string) string {
	if st, err := os.Stat(filepath.Join(kb, "incidents")); err == nil && st.IsDir() {
		return "incidents"
	}
	if inv, _ := source.Scan(kb, source.Options{}); len(inv.Postmortems) > 0 {
		return ""
	}
	return "incidents"
}

// importFiles lists the postmortems of a folder as a build would find them (README, templates, … left out), and
// its HTML exports under the same rules.
func importFiles(dir string) []string {
	inv, _ := source.Scan(dir, source.Options{})
	files := append(slices.Clone(inv.Postmortems), inv.PDFs...)
	_, err := os.Stat(filepath.Join(dir, "incidents"))
	for _, rel := range inv.Files {
		ext := strings.ToLower(path.Ext(rel))
		if (ext == ".html" || ext == ".htm") && (source.Options{}).LeftOut(rel, err == nil) == "" {
			files = append(files, rel)
		}
	}
	slices.Sort(files)
	return files
}

// importFile imports one file at rel below root.
func importFile(root, rel, shown, kb, base string, cfg *config.Config, first time.Time) Imported {
	im := Imported{From: shown}
	data, err := source.Read(root, rel, cfg.MaxFileBytes())
	if err != nil {
		im.Diags.Errorf(shown, 0, 0, "read", "cannot read: %v", err)
		return im
	}
	dest := rel
	ext := strings.ToLower(path.Ext(rel))
	if ext == ".pdf" {
		return importPDF(im, rel, data, kb, base, cfg, first)
	}
	if ext == ".html" || ext == ".htm" {
		data, err = htmlToMarkdown(data)
		if err != nil {
			im.Diags.Errorf(shown, 0, 0, "read", "cannot convert the HTML: %v", err)
			return im
		}
		dest = strings.TrimSuffix(rel, path.Ext(rel)) + ".md"
	}
	p, diags, _ := postmortem.Decode(dest, data, cfg, gitDate(first)...)
	im.problems(diags)
	for _, inf := range p.Inferred {
		if slices.Contains(frontFields, inf.Field) {
			im.Inferred = append(im.Inferred, inf)
		} else {
			im.Sections = append(im.Sections, inf)
		}
	}
	normalised := withFrontmatter(data, im.Inferred)
	to := path.Join(base, dest)
	same, err := writeNew(filepath.Join(kb, filepath.FromSlash(to)), normalised)
	switch {
	case errors.Is(err, fs.ErrExist):
		im.Diags.Errorf(shown, 0, 0, "import", "%s is already in the knowledge base with other content: not overwritten (rename one of them)",
			filepath.Join(kb, filepath.FromSlash(to)))
		return im
	case err != nil:
		im.Diags.Errorf(shown, 0, 0, "import", "%v", err)
		return im
	}
	im.To, im.Same = to, same
	for _, link := range localLinks(data) {
		target := path.Join(path.Dir(rel), link)
		if target == ".." || strings.HasPrefix(target, "../") {
			im.Diags.Warnf(shown, 0, 0, "import", "link to %s leaves the imported folder: not copied (import the folder it is in)", link)
			continue
		}
		if slices.Contains(importable, strings.ToLower(path.Ext(target))) {
			continue // another postmortem: imported itself when it is in the folder
		}
		im.linked = append(im.linked, target)
		b, err := source.Read(root, target, cfg.MaxFileBytes())
		if err != nil {
			im.Diags.Warnf(shown, 0, 0, "import", "link to %s: %v: not copied", link, err)
			continue
		}
		copyTo := path.Join(base, target)
		if _, err := writeNew(filepath.Join(kb, filepath.FromSlash(copyTo)), b); err != nil {
			im.Diags.Errorf(shown, 0, 0, "import", "%s is already in the knowledge base with other content: not overwritten", copyTo)
			continue
		}
		im.Files = append(im.Files, copyTo)
	}
	return im
}

// gitDate passes the file's first commit, when it has one, to the decoder.
func gitDate(first time.Time) []postmortem.Option {
	if first.IsZero() {
		return nil
	}
	return []postmortem.Option{postmortem.GitDate(first)}
}

// problems keeps a decode's warnings and errors (its infos are the inferences, printed on their own), named as the
// file was given.
func (im *Imported) problems(diags diag.List) {
	for _, d := range diags {
		if d.Severity != diag.Info {
			d.Path = im.From
			im.Diags = append(im.Diags, d)
		}
	}
}

// importPDF copies a PDF postmortem (one with no Markdown of its name beside it). A PDF has no frontmatter to
// fill: when its date is not in its name, the copy's name starts with it, so that the knowledge base keeps it.
func importPDF(im Imported, rel string, data []byte, kb, base string, cfg *config.Config, first time.Time) Imported {
	p, diags, _ := postmortem.DecodePDF(rel, data, cfg, gitDate(first)...)
	im.problems(diags)
	dest := rel
	for _, inf := range p.Inferred {
		if inf.Field == "date" && inf.From != "the file name" {
			dest = path.Join(path.Dir(rel), inf.Value+"-"+path.Base(rel))
			inf.From += "; written into the copy's file name"
		}
		im.Inferred = append(im.Inferred, inf)
	}
	to := path.Join(base, dest)
	same, err := writeNew(filepath.Join(kb, filepath.FromSlash(to)), data)
	if err != nil {
		im.Diags.Errorf(im.From, 0, 0, "import", "%s is already in the knowledge base with other content: not overwritten", to)
		return im
	}
	im.To, im.Same = to, same
	return im
}

func isPDF(rel string) bool { return strings.EqualFold(path.Ext(rel), ".pdf") }

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// frontFields are the inferred values an import writes into the frontmatter; the timeline, action items and factor
// mentions stay in the body, where the build reads them on every build.
var frontFields = []string{"title", "date", "severity", "summary"}

// writeNew creates the file with data, never replacing one: an existing file with the same bytes is success
// (same), with other bytes fs.ErrExist.
func writeNew(abs string, data []byte) (same bool, err error) {
	if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
		return false, err
	}
	f, err := os.OpenFile(abs, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, fs.ErrExist) {
		old, rerr := os.ReadFile(abs)
		if rerr == nil && bytes.Equal(old, data) {
			return true, nil
		}
		return false, fs.ErrExist
	}
	if err != nil {
		return false, err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(abs)
		return false, err
	}
	if err := f.Close(); err != nil {
		os.Remove(abs)
		return false, err
	}
	return false, nil
}

// withFrontmatter writes the inferred values into the file's frontmatter: a new YAML block for a file without
// one, or lines added after the opening delimiter of a YAML or TOML block (and after the brace of a JSON one), so
// that everything the file said stays byte for byte.
func withFrontmatter(data []byte, inferred []postmortem.Inferred) []byte {
	if len(inferred) == 0 {
		return data
	}
	trimmed := bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	first, _, _ := bytes.Cut(trimmed, []byte("\n"))
	opener := strings.TrimSpace(string(first))
	var lines []string
	for _, inf := range inferred {
		v := quote(inf.Value)
		if inf.Field == "date" {
			v = inf.Value
		}
		switch opener {
		case "+++", "---toml":
			if inf.Field == "date" {
				v = inf.Value // a TOML local date
			}
			lines = append(lines, fmt.Sprintf("%s = %s", inf.Field, v))
		case "{", "---json":
			if inf.Field == "date" {
				v = quote(inf.Value)
			}
			lines = append(lines, fmt.Sprintf("%q: %s,", inf.Field, v))
		default:
			lines = append(lines, fmt.Sprintf("%s: %s", inf.Field, v))
		}
	}
	block := strings.Join(lines, "\n") + "\n"
	switch opener {
	case "---", "---yaml", "+++", "---toml", "---json", "{":
		if opener == "{" && bytes.HasPrefix(bytes.TrimSpace(trimmed[len(first):]), []byte("}")) {
			block = strings.TrimSuffix(block, ",\n") + "\n" // an empty object: no trailing comma
		}
		i := len(data) - len(trimmed) + len(first) + 1
		if i > len(data) {
			return data
		}
		return append(append(append([]byte{}, data[:i]...), block...), data[i:]...)
	}
	return append([]byte("---\n"+block+"---\n"), data...)
}

// quote writes a string valid in YAML, TOML and JSON alike.
func quote(s string) string { return templateFuncs["quote"].(func(string) string)(s) }

// localLinks lists the relative links and images of a Markdown body (decoded paths, no query or fragment).
func localLinks(md []byte) []string {
	doc := goldmark.New().Parser().Parse(text.NewReader(md))
	var out []string
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		var dest []byte
		switch n := n.(type) {
		case *ast.Link:
			dest = n.Destination
		case *ast.Image:
			dest = n.Destination
		default:
			return ast.WalkContinue, nil
		}
		u, err := url.Parse(string(dest))
		if err != nil || u.Scheme != "" || u.Host != "" || u.Path == "" || strings.HasPrefix(u.Path, "/") {
			return ast.WalkContinue, nil
		}
		if !slices.Contains(out, u.Path) {
			out = append(out, u.Path)
		}
		return ast.WalkContinue, nil
	})
	return out
}
