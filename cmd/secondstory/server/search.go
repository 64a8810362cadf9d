package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/secondstory/secondstory/search"
)

const (
	// searchTimeout bounds one request's work.
	searchTimeout = 5 * time.Second
	// maxRawQuery bounds the URL query before it is parsed at all.
	maxRawQuery = 32 << 10
	// ResultsMarker is where the results go in the generated search page.
	resultsMarker = "<!--ss:results-->"
)

func contextWithTimeout(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d)
}

// Indexes gives the server the search index to use for a request.
type Indexes interface {
	Current() (*search.Index, error)
}

// SessionIndex adapts the preview session's index (nil until its first build) to Indexes.
type SessionIndex func() *search.Index

// Current implements Indexes.
func (f SessionIndex) Current() (*search.Index, error) {
	if ix := f(); ix != nil {
		return ix, nil
	}
	return nil, search.ErrClosed
}

// IndexError says plainly what a locked index means: another process has it open for writing.
func IndexError(err error) error {
	if errors.Is(err, search.ErrLocked) {
		return errors.New("another `serve --watch` is previewing this site and holds its search index; stop it, or serve another --out")
	}
	return err
}

// Reopener serves the index in a folder that a separate `build` replaces from time to time (serve --no-build, the
// intranet deployment): it notices a new index (the folder was swapped: another inode) at most once a second, opens
// it, and closes the old one once its searches are done, so searches never see a stale index for long and no
// request is dropped.
type Reopener struct {
	dir     string
	mu      sync.Mutex
	ix      *search.Index
	ino     uint64
	checked time.Time
}

// NewReopener opens the index in dir (or waits for it to appear).
func NewReopener(dir string) (*Reopener, error) {
	r := &Reopener{dir: dir}
	if _, err := r.Current(); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	return r, nil
}

// Current implements Indexes.
func (r *Reopener) Current() (*search.Index, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ix != nil && time.Since(r.checked) < time.Second {
		return r.ix, nil
	}
	r.checked = time.Now()
	ino := inode(r.dir)
	if r.ix != nil && ino == r.ino {
		return r.ix, nil
	}
	if ino == 0 {
		if r.ix != nil {
			return r.ix, nil
		}
		return nil, fs.ErrNotExist
	}
	ix, err := search.Open(r.dir)
	if err != nil {
		if r.ix != nil {
			return r.ix, nil // keep serving the old one: the new one may be half swapped in
		}
		return nil, err
	}
	old := r.ix
	r.ix, r.ino = ix, ino
	if old != nil {
		go old.Close() // waits for the searches running on it
	}
	return ix, nil
}

// Close closes the index.
func (r *Reopener) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ix == nil {
		return nil
	}
	err := r.ix.Close()
	r.ix = nil
	return err
}

func inode(dir string) uint64 {
	st, err := os.Stat(dir)
	if err != nil {
		return 0
	}
	if sys, ok := st.Sys().(*syscall.Stat_t); ok {
		return sys.Ino
	}
	return uint64(st.ModTime().UnixNano())
}

// runSearch parses and runs a request within the timeout, retrying once when the index was swapped under it.
func runSearch(ctx context.Context, ix Indexes, v url.Values) (search.Request, *search.Result, error) {
	req, err := search.RequestFromValues(v)
	if err != nil {
		return req, nil, err
	}
	if ix == nil {
		return req, nil, search.ErrClosed
	}
	ctx, cancel := context.WithTimeout(ctx, searchTimeout)
	defer cancel()
	for attempt := 0; ; attempt++ {
		idx, err := ix.Current()
		if err != nil {
			return req, nil, search.ErrClosed
		}
		res, err := idx.Search(ctx, req)
		if errors.Is(err, search.ErrClosed) && attempt < 2 {
			continue
		}
		return req, res, err
	}
}

// statusFor maps a search error to an HTTP status and a message that is safe to show.
func statusFor(err error) (int, string) {
	switch {
	case errors.Is(err, search.ErrBadQuery):
		return http.StatusBadRequest, err.Error()
	case errors.Is(err, search.ErrClosed):
		return http.StatusServiceUnavailable, "the search index is not available right now"
	case errors.Is(err, context.DeadlineExceeded):
		return http.StatusServiceUnavailable, "search took too long"
	case errors.Is(err, context.Canceled):
		return http.StatusServiceUnavailable, "search cancelled"
	}
	return http.StatusInternalServerError, "search failed"
}

func values(r *http.Request) (url.Values, error) {
	if len(r.URL.RawQuery) > maxRawQuery {
		return nil, badRequest("query string too long")
	}
	v, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, badRequest("malformed query string")
	}
	return v, nil
}

type badRequest string

func (b badRequest) Error() string { return string(b) }
func (b badRequest) Unwrap() error { return search.ErrBadQuery }

// apiHandler answers /api/search with a JSON Result, 400 with {"error": …} for bad input.
type apiHandler struct{ ix Indexes }

func (h apiHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	v, err := values(r)
	var res *search.Result
	if err == nil {
		_, res, err = runSearch(r.Context(), h.ix, v)
	}
	if err != nil {
		code, msg := statusFor(err)
		writeJSON(w, code, map[string]string{"error": msg})
		return
	}
	writeJSON(w, http.StatusOK, res)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		code, b = http.StatusInternalServerError, []byte(`{"error":"internal error"}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_, _ = w.Write(append(b, '\n'))
}

// pageHandler answers /search/ by filling the generated page's marker with results, so search works with
// JavaScript off. With no query and no filters the page is served as built.
type pageHandler struct {
	ix  Indexes
	dir string
}

func (h pageHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if p := r.URL.Path; !strings.HasSuffix(p, "/") && !strings.HasSuffix(p, "/index.html") || strings.Count(p, "/") > 2 {
		siteHandler{h.dir}.notFound(w, r)
		return
	}
	page, err := os.ReadFile(filepath.Join(h.dir, "search", "index.html"))
	if err != nil {
		http.Error(w, "search page not built", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	v, verr := values(r)
	if verr == nil && strings.TrimSpace(v.Get("q")) == "" && !hasFilters(v) {
		_, _ = w.Write(page)
		return
	}
	code, view := http.StatusOK, pageView{Q: v.Get("q")}
	err = verr
	var req search.Request
	var res *search.Result
	if err == nil {
		req, res, err = runSearch(r.Context(), h.ix, v)
	}
	if err != nil {
		code, view.Error = statusFor(err)
	} else {
		fillView(&view, v, req, res)
	}
	var buf bytes.Buffer
	if err := resultsTmpl.Execute(&buf, view); err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_, _ = w.Write(bytes.Replace(page, []byte(resultsMarker), buf.Bytes(), 1))
}

var facetKeys = []struct{ key, label string }{
	{"factor", "Contributing factor"}, {"tag", "Tag"}, {"service", "Service"}, {"severity", "Severity"}, {"year", "Year"},
}

func hasFilters(v url.Values) bool {
	for _, f := range facetKeys {
		if len(v[f.key]) > 0 {
			return true
		}
	}
	return false
}

type pageView struct {
	Q        string
	Error    string
	Total    uint64
	Active   []activeFilter
	ClearAll string
	Facets   []facetView
	Hits     []hitView
	Pages    []pageLink
}

type activeFilter struct{ Label, Value, Remove string }

type facetView struct {
	Key, Label string
	Terms      []facetTermView
	More       int // terms left out of the list
}

type facetTermView struct {
	Term   string
	Count  int
	Active bool
	Href   string
}

type hitView struct {
	search.Hit
	Href      string
	Day       string // the site's date format
	SevClass  string
	Fragments []fragmentView
}

type fragmentView struct {
	Field string
	HTML  template.HTML
}

type pageLink struct {
	Label   string
	Href    string
	Current bool
}

// maxFacetTerms keeps the facet column about as long as the results beside it.
const maxFacetTerms = 8

func fillView(v *pageView, cur url.Values, req search.Request, res *search.Result) {
	v.Total = res.Total
	for _, fk := range facetKeys {
		for _, val := range req.Filters[fk.key] {
			v.Active = append(v.Active, activeFilter{fk.label, val, "?" + toggled(cur, fk.key, val).Encode()})
		}
	}
	if len(v.Active) > 0 {
		keep := url.Values{}
		if q := cur.Get("q"); q != "" {
			keep.Set("q", q)
		}
		v.ClearAll = "?" + keep.Encode()
	}
	for _, fk := range facetKeys {
		fv := facetView{Key: fk.key, Label: fk.label}
		for _, t := range res.Facets[fk.key] {
			active := containsFold(req.Filters[fk.key], t.Term)
			if len(fv.Terms) >= maxFacetTerms && !active {
				fv.More++
				continue
			}
			fv.Terms = append(fv.Terms, facetTermView{Term: t.Term, Count: t.Count, Active: active, Href: "?" + toggled(cur, fk.key, t.Term).Encode()})
		}
		if len(fv.Terms) > 0 {
			v.Facets = append(v.Facets, fv)
		}
	}
	for _, h := range res.Hits {
		hv := hitView{Hit: h, Href: "../" + strings.TrimPrefix(h.URL, "/"), SevClass: sevClass(h.Severity)}
		if t, err := time.Parse("2006-01-02", h.Date); err == nil {
			hv.Day = t.Format("2 Jan 2006")
		}
		for _, f := range h.Fragments {
			// Safe: the search package escapes everything but <mark>.
			hv.Fragments = append(hv.Fragments, fragmentView{f.Field, template.HTML(f.HTML)})
		}
		v.Hits = append(v.Hits, hv)
	}
	size := max(req.Size, search.DefaultSize)
	page := max(req.Page, 1)
	last := int((res.Total + uint64(size) - 1) / uint64(size))
	v.Pages = pageLinks(cur, page, min(last, 1000))
}

// toggled returns the current query with value added to or removed from
// key, back on page 1.
func toggled(cur url.Values, key, value string) url.Values {
	next := url.Values{}
	for k, vs := range cur {
		next[k] = append([]string(nil), vs...)
	}
	next.Del("page")
	var kept []string
	removed := false
	for _, v := range next[key] {
		if strings.EqualFold(v, value) {
			removed = true
			continue
		}
		kept = append(kept, v)
	}
	if !removed {
		kept = append(kept, value)
	}
	if len(kept) == 0 {
		next.Del(key)
	} else {
		next[key] = kept
	}
	return next
}

func pageLinks(cur url.Values, page, last int) []pageLink {
	if last <= 1 {
		return nil
	}
	link := func(label string, p int) pageLink {
		if p == page {
			return pageLink{Label: label, Current: true}
		}
		next := url.Values{}
		for k, vs := range cur {
			next[k] = vs
		}
		next.Set("page", strconv.Itoa(p))
		return pageLink{Label: label, Href: "?" + next.Encode()}
	}
	var out []pageLink
	if page > 1 {
		out = append(out, link("‹ Previous", page-1))
	}
	for p := max(1, page-2); p <= min(last, page+2); p++ {
		out = append(out, link(strconv.Itoa(p), p))
	}
	if page < last {
		out = append(out, link("Next ›", page+1))
	}
	return out
}

func containsFold(vs []string, v string) bool {
	for _, x := range vs {
		if strings.EqualFold(x, v) {
			return true
		}
	}
	return false
}

// fieldLabels name the fields a hit matched in as readers know them (search.js has the same table).
var fieldLabels = map[string]string{"body": "text", "actions": "action items"}

func fieldLabel(f string) string {
	if l, ok := fieldLabels[f]; ok {
		return l
	}
	return f
}

// sevClass is the class of a severity badge: "sev-sev1", as the site's pages write it.
func sevClass(sev string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(sev) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		} else {
			dash = true
		}
	}
	if b.Len() == 0 {
		return "sev-none"
	}
	return "sev-" + b.String()
}

// resultsTmpl mirrors the DOM search.js builds, so the theme styles both. Active filters come first, each with a
// way to remove it; each hit says why it matched, with the fragment of every field it matched in.
var resultsTmpl = template.Must(template.New("results").Funcs(template.FuncMap{"field": fieldLabel, "sevclass": sevClass}).Parse(`<div class="ss-server">
{{- if .Error}}
<p class="ss-total ss-error" id="ss-total" role="alert">{{if .Q}}Search for “{{.Q}}”: {{end}}{{.Error}}</p>
{{- else}}
<p class="ss-total" id="ss-total" aria-live="polite">{{.Total}} {{if eq .Total 1}}result{{else}}results{{end}}{{if .Q}} for “{{.Q}}”{{end}}</p>
{{- if .Active}}
<p class="ss-active" id="ss-active">Filtered by {{range $i, $a := .Active}}{{if $i}}, {{end}}<a class="ss-chip" href="{{$a.Remove}}" title="Remove this filter">{{$a.Label}}: {{$a.Value}} <span aria-hidden="true">×</span><span class="visually-hidden"> (remove)</span></a>{{end}} · <a href="{{.ClearAll}}">clear all filters</a></p>
{{- end}}
<div class="ss-layout">
<div class="ss-facets" id="ss-facets">
{{- range .Facets}}{{$key := .Key}}
<section class="ss-facet-group" data-key="{{.Key}}"><h3>{{.Label}}</h3><ul>
{{- range .Terms}}
<li><a class="ss-facet{{if .Active}} ss-facet-active{{end}}" href="{{.Href}}"{{if .Active}} aria-current="true"{{end}}>{{if eq $key "severity"}}<span class="sev {{sevclass .Term}}">{{.Term}}</span>{{else}}<span>{{.Term}}</span>{{end}} <span class="ss-count">{{.Count}}</span></a></li>
{{- end}}
</ul>{{if .More}}<p class="ss-more muted small">and {{.More}} more</p>{{end}}</section>
{{- end}}
</div>
<div class="ss-main">
<ol class="ss-results" id="ss-results">
{{- range .Hits}}
<li class="ss-hit"><a class="ss-hit-title" href="{{.Href}}">{{.Title}}</a>
<p class="ss-hit-meta">{{if .Day}}<time datetime="{{.Date}}">{{.Day}}</time>{{end}}{{if .Severity}} <span class="sev {{.SevClass}}">{{.Severity}}</span>{{end}}{{if .Matched}} <span class="ss-why">matched in {{range $i, $m := .Matched}}{{if $i}}, {{end}}{{field $m}}{{end}}</span>{{end}}</p>
{{- range .Fragments}}
<p class="ss-fragment"><span class="ss-field">{{field .Field}}</span> <span>{{.HTML}}</span></p>
{{- else}}
<p class="ss-fragment">{{.Summary}}</p>
{{- end}}
</li>
{{- end}}
</ol>
{{- if .Pages}}
<nav class="ss-pager" id="ss-pager" aria-label="Result pages">
{{- range .Pages}}
{{if .Current}}<span aria-current="page">{{.Label}}</span>{{else}}<a href="{{.Href}}">{{.Label}}</a>{{end}}
{{- end}}
</nav>
{{- end}}
</div>
</div>
{{- end}}
</div>`))
