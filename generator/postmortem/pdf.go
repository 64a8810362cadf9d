package postmortem

import (
	"bytes"
	"fmt"
	"io"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/ledongthuc/pdf"
	"github.com/secondstory/secondstory/generator/config"
	"github.com/secondstory/secondstory/generator/diag"
)

// PDF postmortems: teams keep exports of postmortems written elsewhere (a document tool, a slide deck) next to
// their Markdown ones. A PDF with no Markdown file of its name beside it is listed as an incident whose page links
// to the PDF; its title comes from the file name and its date is inferred as a Markdown file's is. Its text, read
// with github.com/ledongthuc/pdf (pure Go, no dependencies), goes to search only.

// Bounds on reading a PDF's text: the reader is a small library that may panic or loop on a malformed file, so it
// runs guarded, for a bounded time, and its text is cut to a size that search needs.
const (
	pdfTimeout = 10 * time.Second
	maxPDFText = 1 << 20
)

// DecodePDF makes the postmortem of a PDF export at rel from its bytes.
func DecodePDF(rel string, data []byte, cfg *config.Config, opts ...Option) (*Postmortem, diag.List, bool) {
	var diags diag.List
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	p := &Postmortem{Source: rel, Status: StatusPublished, SevRank: len(cfg.Severities), PDF: rel}
	p.Slug = fileSlug(rel, "")
	d := &decoder{path: rel, cfg: cfg, diags: &diags}
	text, err := PDFText(data)
	if err != nil {
		diags.Warnf(rel, 0, 0, "read", "the PDF's text could not be read (%v): it is listed, but its text is not searchable", err)
	}
	p.PDFText = text

	stem := strings.TrimSuffix(path.Base(rel), path.Ext(rel))
	folder := folderMonth(rel)
	nameDate, hasNameDate := fileDate(stem, folder)
	switch {
	case hasNameDate:
		p.Date = nameDate.day
		d.inferred(p, "date", p.Date.Format(time.DateOnly), "date "+p.Date.Format(time.DateOnly), "the file name", 0)
	default:
		if l := findDates(text, folder); len(l) > 0 {
			p.Date = l[0].day
			d.inferred(p, "date", p.Date.Format(time.DateOnly), "date "+p.Date.Format(time.DateOnly), "the PDF's text", 0)
		} else if !o.gitDate.IsZero() {
			p.Date = Day(o.gitDate.In(cfg.Location()))
			d.inferred(p, "date", p.Date.Format(time.DateOnly), "date "+p.Date.Format(time.DateOnly), "the file's first commit (git log)", 0)
		}
	}
	p.Title = titleFromName(stem, nameDate, hasNameDate)
	if p.Title != "" {
		d.inferred(p, "title", p.Title, fmt.Sprintf("title %q", p.Title), "the file name", 0)
	}
	switch {
	case p.Date.IsZero():
		diags.Errorf(rel, 1, 0, "schema", "date: none found in the file name, the PDF's text or the git history: start the file name with the date (2024-03-05-….pdf)")
	case p.Title == "" || p.Slug == "":
		diags.Errorf(rel, 1, 0, "schema", "the file name has no letter or digit to make a title and a URL from: rename it")
	}
	base := path.Base(rel)
	p.Markdown = fmt.Appendf(nil, "This postmortem is a PDF document: [%s](%s).\n", escapeLinkText(base), url.PathEscape(base))
	p.BodyLine = 1
	return p, diags, diags.Errors() == 0
}

func escapeLinkText(s string) string {
	return strings.NewReplacer(`\`, `\\`, "[", `\[`, "]", `\]`, "*", `\*`, "_", `\_`, "`", "\\`", "<", `\<`).Replace(s)
}

// PDFText reads the text of a PDF, guarded: a panic of the reader is an error, and so is a read that takes longer
// than pdfTimeout (the reading goroutine is then abandoned; it holds only the file's bytes).
func PDFText(data []byte) (string, error) {
	type result struct {
		text string
		err  error
	}
	done := make(chan result, 1)
	go func() {
		var r result
		defer func() {
			if v := recover(); v != nil {
				r = result{err: fmt.Errorf("the PDF reader failed: %v", v)}
			}
			done <- r
		}()
		rd, err := pdf.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			r.err = err
			return
		}
		plain, err := rd.GetPlainText()
		if err != nil {
			r.err = err
			return
		}
		b, err := io.ReadAll(io.LimitReader(plain, maxPDFText))
		r.text, r.err = strings.ToValidUTF8(strings.TrimSpace(string(b)), ""), err
	}()
	select {
	case r := <-done:
		return r.text, r.err
	case <-time.After(pdfTimeout):
		return "", fmt.Errorf("reading it took longer than %s", pdfTimeout)
	}
}
