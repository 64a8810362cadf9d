package search

import (
	"bytes"
	"context"
	"errors"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// ResultsMarker is where PageHandler puts server-rendered results in the
// generated search page.
const ResultsMarker = "<!--ss:results-->"

var facetLabels = map[string]string{
	"factor": "Contributing factor", "tag": "Tag", "service": "Service",
	"severity": "Severity", "year": "Year",
}

// PageHandler answers GET /search/ by filling the generated page's
// ResultsMarker with results, so search works with JavaScript off. Paths
// other than ".../" and ".../index.html" get 404. With no q and no filters
// the page is served unchanged.
func PageHandler(s *Service, siteDir string) http.Handler {
	pagePath := filepath.Join(siteDir, "search", "index.html")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				http.Error(w, "internal error", http.StatusInternalServerError)
			}
		}()
		// Mounted on a "/search/" prefix, the handler still only answers
		// for the page itself, not for made-up paths below it.
		if p := r.URL.Path; !strings.HasSuffix(p, "/") && !strings.HasSuffix(p, "/index.html") {
			http.NotFound(w, r)
			return
		}
		if !isReadMethod(r) {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		// Read per request: the generator rewrites it on rebuilds and it
		// is small.
		page, err := os.ReadFile(pagePath)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				http.Error(w, "search page not built", http.StatusNotFound)
				return
			}
			http.Error(w, "search page unreadable", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		req, rerr := requestFromURL(r.URL)
		if rerr == nil && strings.TrimSpace(req.Query) == "" && len(req.Filters) == 0 {
			_, _ = w.Write(page)
			return
		}
		code, view := http.StatusOK, pageView{Q: req.Query, Mode: "Full-text search (server)"}
		if rerr != nil {
			code, view.Error = http.StatusBadRequest, rerr.Error()
		} else {
			ctx, cancel := context.WithTimeout(r.Context(), searchTimeout)
			res, err := s.Search(ctx, req)
			cancel()
			if err != nil {
				code, view.Error = statusFor(err)
			} else {
				fillView(&view, r.URL, req, res)
			}
		}
		var buf bytes.Buffer
		if err := resultsTmpl.Execute(&buf, view); err != nil {
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		out := bytes.Replace(page, []byte(ResultsMarker), buf.Bytes(), 1)
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(code)
		_, _ = w.Write(out)
	})
}

type pageView struct {
	Q      string
	Mode   string
	Error  string
	Total  uint64
	Facets []facetView
	Hits   []hitView
	Pages  []pageLink
}

type facetView struct {
	Key, Label string
	Terms      []facetTermView
}

type facetTermView struct {
	Term   string
	Count  int
	Active bool
	Href   string
}

type hitView struct {
	Hit
	Href      string
	Fragments []template.HTML
}

type pageLink struct {
	Label   string
	Href    string // empty for the current page
	Current bool
}

func fillView(v *pageView, u *url.URL, req Request, res *Result) {
	cur := u.Query()
	v.Total = res.Total
	for _, fk := range facetKeys {
		fv := facetView{Key: fk.key, Label: facetLabels[fk.key]}
		for _, t := range res.Facets[fk.key] {
			active := containsFold(req.Filters[fk.key], t.Term)
			fv.Terms = append(fv.Terms, facetTermView{
				Term: t.Term, Count: t.Count, Active: active,
				Href: "?" + toggled(cur, fk.key, t.Term).Encode(),
			})
		}
		if len(fv.Terms) > 0 {
			v.Facets = append(v.Facets, fv)
		}
	}
	for _, h := range res.Hits {
		hv := hitView{Hit: h, Href: hitHref(h.URL)}
		for _, f := range h.Fragments {
			// Safe: bleve's html formatter escapes everything but <mark>.
			hv.Fragments = append(hv.Fragments, template.HTML(f))
		}
		v.Hits = append(v.Hits, hv)
	}
	size := req.Size
	if size == 0 {
		size = DefaultSize
	}
	page := req.Page
	if page == 0 {
		page = 1
	}
	last := int((res.Total + uint64(size) - 1) / uint64(size))
	if maxPage := maxWindow / size; last > maxPage {
		last = maxPage
	}
	v.Pages = pageLinks(cur, page, last)
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

// hitHref makes a site-relative incident URL relative to /search/.
func hitHref(u string) string {
	if u == "" || strings.HasPrefix(u, "/") || strings.Contains(u, "://") {
		return u
	}
	return "../" + u
}

func containsFold(vs []string, v string) bool {
	for _, x := range vs {
		if strings.EqualFold(x, v) {
			return true
		}
	}
	return false
}

// resultsTmpl mirrors the DOM search.js builds, so the theme styles both.
// The page's own search form stays the place to type; the query is echoed
// in the total line.
var resultsTmpl = template.Must(template.New("results").Parse(`<div class="ss-server">
<p class="ss-mode" id="ss-mode">{{.Mode}}</p>
{{- if .Error}}
<p class="ss-total ss-error" id="ss-total" role="alert">{{if .Q}}Search for “{{.Q}}”: {{end}}{{.Error}}</p>
{{- else}}
<p class="ss-total" id="ss-total" aria-live="polite">{{.Total}} {{if eq .Total 1}}result{{else}}results{{end}}{{if .Q}} for “{{.Q}}”{{end}}</p>
<div class="ss-layout">
<div class="ss-facets" id="ss-facets">
{{- range .Facets}}
<section class="ss-facet-group" data-key="{{.Key}}"><h3>{{.Label}}</h3><ul>
{{- range .Terms}}
<li><a class="ss-facet{{if .Active}} ss-facet-active{{end}}" href="{{.Href}}"{{if .Active}} aria-current="true"{{end}}>{{.Term}} <span class="ss-count">{{.Count}}</span></a></li>
{{- end}}
</ul></section>
{{- end}}
</div>
<div class="ss-main">
<ol class="ss-results" id="ss-results">
{{- range .Hits}}
<li class="ss-hit"><a class="ss-hit-title" href="{{.Href}}">{{.Title}}</a>
<p class="ss-hit-meta">{{if .Date}}<time datetime="{{.Date}}">{{.Date}}</time>{{end}}{{if and .Date .Severity}} · {{end}}{{if .Severity}}<span class="ss-sev">{{.Severity}}</span>{{end}}</p>
{{- range .Fragments}}
<p class="ss-fragment">{{.}}</p>
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
