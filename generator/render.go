package generator

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"math"
	"path"
	"slices"
	"strings"
	"sync"
	"time"
	"unsafe"
)

// Page is what every template receives.
type Page struct {
	Site      *Site
	Root      string // relative path from this page to the site root ("../../"), so the site works from any sub-path and file://
	Path      string // this page's path relative to the root ("incidents/x/")
	Title     string
	Kind      string // home, incident, incidents, terms, term, search, 404, …
	Incident  *Postmortem
	Term      *Term
	Terms     []*Term
	Groups    []YearGroup
	Compact   bool // a long list: rows without summaries, so the page stays light
	BuildDate time.Time
	Data      any // page-specific extras
}

// URL returns the path to a site-relative target from this page.
func (p *Page) URL(target string) string { return p.Root + target }

// EditURL is the "edit this page" link for an incident, when the site configures one.
func (p *Page) EditURL() string {
	if p.Incident == nil || p.Site.Config.EditURL == "" {
		return ""
	}
	return strings.ReplaceAll(p.Site.Config.EditURL, "{path}", p.Incident.Source)
}

// Canonical is the absolute URL of the page when base_url is set.
func (p *Page) Canonical() string {
	if p.Site.Config.BaseURL == "" {
		return ""
	}
	return p.Site.Config.BaseURL + p.Path
}

// templates holds one parsed template set per page layout: base.html plus the page's own file, so every page
// defines its "main" block without clashing with the others.
type templates struct {
	sets map[string]*template.Template
	root *template.Template // base + partials: what every set was cloned from
	rows *renderedRows
	// Long lists of the pages being rendered, spliced in as each page is written.
	splices splices

	// In a preview rebuild, rows of unchanged files are taken from the previous build (pagememo.go).
	store *rowStore
	cache *MemCache
}

// useRowStore lets rows come from and go to the preview cache's row store; without it the store is dropped.
func (t *templates) useRowStore(mc *MemCache, on bool) {
	if mc == nil {
		return
	}
	mc.mu.Lock()
	defer mc.mu.Unlock()
	if !on {
		mc.rows = nil
		return
	}
	if mc.rows == nil {
		mc.rows = &rowStore{}
	}
	mc.rows.next = map[rowStoreKey]template.HTML{}
	t.store, t.cache = mc.rows, mc
}

// useFrozenRows lets rows come from the preview cache's row store without changing it: a patch renders a few pages,
// and the rows the others use must stay for the next full build.
func (t *templates) useFrozenRows(mc *MemCache) {
	mc.mu.Lock()
	defer mc.mu.Unlock()
	if mc.rows != nil {
		t.store, t.cache = &rowStore{prev: mc.rows.prev}, mc
	}
}

// commitRowStore keeps the rows this build used for the next one, and those of pages it kept on disk (not asked
// for, yet needed by the next build that renders those pages) while they are current: of the file's frontmatter as
// it is now and, for action rows, of day (the build day). The others are forgotten.
func (t *templates) commitRowStore(day string) {
	if t.store == nil || t.store.next == nil {
		return
	}
	next := t.store.next
	t.cache.mu.Lock()
	for k, h := range t.store.prev {
		if _, ok := next[k]; ok || k.item > 0 && k.day != day {
			continue
		}
		if e := t.cache.entries[k.source]; e != nil && e.fmSum == k.sum {
			next[k] = h
		}
	}
	t.cache.mu.Unlock()
	t.store.prev, t.store.next = next, nil
}

// rowKey identifies one rendering of the "incident-row" partial: an incident appears on many list pages (each of
// its factors, tags, services, its severity and year), almost always at the same depth, so it is rendered once.
type rowKey struct {
	p       *Postmortem
	gen     uint32 // p.rowGen
	root    string
	compact bool
}

// actionRowKey identifies one rendering of the "action-row" template: the incident's item at a position, on a
// build day.
type actionRowKey struct {
	p    *Postmortem
	gen  uint32 // p.rowGen
	item int
	day  string
	root string
}

// renderedRows holds the rows rendered with one template set, by postmortem, and the lists made of them. A build
// starts with none; a save patched onto the last preview build (patch.go) starts with that build's, less the rows of
// the files whose frontmatter it changed: its postmortems, and the lists of them, are the same objects, and a row
// shows only its file's frontmatter (and, for an action row, the day). The lists of a large knowledge base run to
// tens of thousands of rows: a kept list is copied and only its forgotten rows are rendered again.
type renderedRows struct {
	incident sync.Map // rowKey -> template.HTML
	action   sync.Map // actionRowKey -> template.HTML

	incidentLists sync.Map // listKey -> *renderedList[*Postmortem]
	actionLists   sync.Map // listKey -> *renderedList[*ActionRow]
}

// listKey identifies a list of rows: the lists of incidents are the model's own slices, found again by where they
// lie; the action rows are made again when items change, so their list is found by its length.
type listKey struct {
	root    string
	compact bool
	at      unsafe.Pointer
	n       int
}

// renderedList is a list's items and their rows; an empty row is one to render again.
type renderedList[T comparable] struct {
	items []T
	rows  []template.HTML
}

// forget drops the rows of the postmortems in changed. Their own rows are keyed by their generation, which moves
// on: the old ones are no longer found (and stay, a few per save, until the next full build starts afresh).
func (r *renderedRows) forget(changed map[*Postmortem]bool) {
	for p := range changed {
		p.rowGen++
	}
	r.incidentLists.Range(func(_, v any) bool {
		forgetRows(v.(*renderedList[*Postmortem]), func(p *Postmortem) bool { return changed[p] })
		return true
	})
	r.actionLists.Range(func(_, v any) bool {
		forgetRows(v.(*renderedList[*ActionRow]), func(a *ActionRow) bool { return changed[a.Incident] })
		return true
	})
}

func forgetRows[T comparable](l *renderedList[T], changed func(T) bool) {
	for i, it := range l.items {
		if changed(it) {
			l.rows[i] = ""
		}
	}
}

// listRows renders a list's rows, from the list kept under key when it has the same items.
func listRows[T comparable](lists *sync.Map, key listKey, items []T, row func(T) (template.HTML, error)) (
	rows []template.HTML, size int, err error) {
	if v, ok := lists.Load(key); ok {
		if l := v.(*renderedList[T]); slices.Equal(l.items, items) {
			rows = slices.Clone(l.rows)
		}
	}
	if rows == nil {
		rows = make([]template.HTML, len(items))
	}
	for i, it := range items {
		if rows[i] == "" {
			if rows[i], err = row(it); err != nil {
				return nil, 0, err
			}
		}
		size += len(rows[i])
	}
	lists.Store(key, &renderedList[T]{items, rows})
	return rows, size, nil
}

// row renders the "incident-row" partial through a cache; lists of thousands of incidents spend most of their time
// here otherwise.
func (t *templates) row(root string, p *Postmortem, compact bool) (template.HTML, error) {
	key := rowKey{p, p.rowGen, root, compact}
	if v, ok := t.rows.incident.Load(key); ok {
		return v.(template.HTML), nil
	}
	h, err := t.kept(p, rowStoreKey{root: root, compact: compact}, t.root, "incident-row",
		map[string]any{"P": p, "Root": root, "Compact": compact})
	if err == nil {
		t.rows.incident.Store(key, h)
	}
	return h, err
}

// kept executes the named row template of set with data, or takes its output from the previous build: k completed
// with p's source and frontmatter checksum, which is all a row shows of its postmortem.
func (t *templates) kept(p *Postmortem, k rowStoreKey, set *template.Template, name string, data any) (template.HTML, error) {
	if t.store != nil {
		if e := t.cache.entry(p.Source); e != nil {
			k.source, k.sum = p.Source, e.fmSum
			if h, ok := t.store.get(k); ok {
				return h, nil
			}
		}
	}
	var b strings.Builder
	if err := set.ExecuteTemplate(&b, name, data); err != nil {
		return "", err
	}
	h := template.HTML(b.String())
	if k.source != "" {
		t.store.put(k, h)
	}
	return h, nil
}

// rowList renders a list of incident rows in one call: a template calls a function through reflection, which
// costs more than taking a kept row, and lists run to thousands of rows. The result is the rows one after another,
// as {{range}}{{row}}{{end}} writes them (spliced into the page when long: splice.go).
func (t *templates) rowList(root string, ps []*Postmortem, compact bool) (template.HTML, error) {
	if len(ps) == 0 {
		return "", nil
	}
	key := listKey{root: root, compact: compact, at: unsafe.Pointer(unsafe.SliceData(ps)), n: len(ps)}
	rows, size, err := listRows(&t.rows.incidentLists, key, ps, func(p *Postmortem) (template.HTML, error) {
		return t.row(root, p, compact)
	})
	if err != nil {
		return "", err
	}
	return t.splices.list(rows, size), nil
}

// actionRowList is rowList for the rows of /actions/.
func (t *templates) actionRowList(root string, rs []*ActionRow) (template.HTML, error) {
	if len(rs) == 0 {
		return "", nil
	}
	rows, size, err := listRows(&t.rows.actionLists, listKey{root: root, n: len(rs)}, rs, func(r *ActionRow) (template.HTML, error) {
		return t.actionRow(root, r)
	})
	if err != nil {
		return "", err
	}
	return t.splices.list(rows, size), nil
}

// actionRow renders one row of /actions/ (the "action-row" template of actions.html). A row shows its item, its
// incident's frontmatter and the build day, so between builds it is kept while those are unchanged.
func (t *templates) actionRow(root string, r *ActionRow) (template.HTML, error) {
	key := actionRowKey{r.Incident, r.Incident.rowGen, r.index + 1, r.day, root}
	if v, ok := t.rows.action.Load(key); ok {
		return v.(template.HTML), nil
	}
	h, err := t.kept(r.Incident, rowStoreKey{root: root, item: r.index + 1, day: r.day}, t.sets["actions"], "action-row",
		map[string]any{"A": r, "Root": root})
	if err == nil {
		t.rows.action.Store(key, h)
	}
	return h, err
}

func loadTemplates(theme fs.FS) (*templates, error) {
	base, err := fs.ReadFile(theme, "layouts/base.html")
	if err != nil {
		return nil, fmt.Errorf("theme: %w", err)
	}
	t := &templates{sets: map[string]*template.Template{}, rows: &renderedRows{}}
	root := template.New("base.html").Funcs(funcs).Funcs(template.FuncMap{"row": t.row, "rows": t.rowList,
		"actionRow": t.actionRow, "actionRows": t.actionRowList})
	if _, err := root.Parse(string(base)); err != nil {
		return nil, fmt.Errorf("theme: layouts/base.html: %w", err)
	}
	// Partials (files starting with "_") are shared by every page.
	entries, err := fs.ReadDir(theme, "layouts")
	if err != nil {
		return nil, fmt.Errorf("theme: %w", err)
	}
	var pages []string
	for _, e := range entries {
		name := e.Name()
		switch {
		case !strings.HasSuffix(name, ".html") || name == "base.html":
		case strings.HasPrefix(name, "_"):
			data, err := fs.ReadFile(theme, "layouts/"+name)
			if err != nil {
				return nil, fmt.Errorf("theme: %w", err)
			}
			if _, err := root.New(name).Parse(string(data)); err != nil {
				return nil, fmt.Errorf("theme: layouts/%s: %w", name, err)
			}
		default:
			pages = append(pages, name)
		}
	}
	for _, name := range pages {
		data, err := fs.ReadFile(theme, "layouts/"+name)
		if err != nil {
			return nil, fmt.Errorf("theme: %w", err)
		}
		set, err := root.Clone()
		if err != nil {
			return nil, err
		}
		if _, err := set.New(name).Parse(string(data)); err != nil {
			return nil, fmt.Errorf("theme: layouts/%s: %w", name, err)
		}
		t.sets[strings.TrimSuffix(name, ".html")] = set
	}
	// Rows execute on a clone: a set that has been executed cannot be cloned any more, and pages are cloned above.
	if t.root, err = root.Clone(); err != nil {
		return nil, err
	}
	return t, nil
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// render executes layout for page. The page is data, which holds buf's bytes (and long lists: splice.go); the
// caller returns buf with putBuffer once data is written.
func (t *templates) render(layout string, page *Page) (buf *bytes.Buffer, data fileData, err error) {
	set := t.sets[layout]
	if set == nil {
		return nil, nil, fmt.Errorf("theme: no layouts/%s.html", layout)
	}
	buf = bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	if err := set.ExecuteTemplate(buf, "base.html", page); err != nil {
		bufPool.Put(buf)
		return nil, nil, fmt.Errorf("rendering %s with layouts/%s.html: %w", page.Path, layout, err)
	}
	return buf, t.splices.cut(buf.Bytes()), nil
}

func putBuffer(b *bytes.Buffer) {
	if b.Cap() < 4<<20 {
		bufPool.Put(b)
	}
}

// rootFor returns the relative path from a page at p (e.g. "incidents/x/") to the site root.
func rootFor(p string) string {
	if p == "" {
		return ""
	}
	return strings.Repeat("../", strings.Count(strings.TrimSuffix(p, "/"), "/")+1)
}

var funcs = template.FuncMap{
	"date": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.Format("2 Jan 2006")
	},
	"isodate": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.Format("2006-01-02")
	},
	"clock": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.Format("15:04")
	},
	"datetime": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.Format("2 Jan 2006 15:04 MST")
	},
	"rfc3339":  func(t time.Time) string { return t.Format(time.RFC3339) },
	"duration": humanDuration,
	"lower":    strings.ToLower,
	"slug":     Slugify,
	"join":     strings.Join,
	"add":      func(a, b int) int { return a + b },
	"pct": func(a, b int) int {
		if b == 0 {
			return 0
		}
		return int(math.Round(100 * float64(a) / float64(b)))
	},
	"plural": func(n int, one, many string) string {
		if n == 1 {
			return fmt.Sprintf("%d %s", n, one)
		}
		return fmt.Sprintf("%d %s", n, many)
	},
	"termURL": func(kind, name string) string { return kind + "/" + Slugify(name) + "/" },
	"sevclass": func(sev string) string {
		if sev == "" {
			return "sev-none"
		}
		return "sev-" + Slugify(sev)
	},
	"first": func(n int, ps []*Postmortem) []*Postmortem {
		if len(ps) > n {
			return ps[:n]
		}
		return ps
	},
	"firstTerms": func(n int, ts []*Term) []*Term {
		if len(ts) > n {
			return ts[:n]
		}
		return ts
	},
	"base": path.Base,
	// searchResults marks where the server puts its rendered results; html/template would strip a literal comment.
	"searchResults": func() template.HTML { return "<!--ss:results-->" },
	// dict passes several values to a partial: {{template "x" (dict "P" . "Root" $.Root)}}.
	"dict": func(kv ...any) (map[string]any, error) {
		if len(kv)%2 != 0 {
			return nil, fmt.Errorf("dict: odd number of arguments")
		}
		m := make(map[string]any, len(kv)/2)
		for i := 0; i < len(kv); i += 2 {
			k, ok := kv[i].(string)
			if !ok {
				return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
			}
			m[k] = kv[i+1]
		}
		return m, nil
	},
}

// humanDuration prints a duration the way people say it: "42 min", "3 h 5 min", "2 d 4 h".
func humanDuration(d time.Duration) string {
	if d <= 0 {
		return ""
	}
	m := int(d.Round(time.Minute) / time.Minute)
	switch {
	case m < 1:
		return "< 1 min"
	case m < 60:
		return fmt.Sprintf("%d min", m)
	case m < 24*60:
		if m%60 == 0 {
			return fmt.Sprintf("%d h", m/60)
		}
		return fmt.Sprintf("%d h %d min", m/60, m%60)
	default:
		h := (m + 30) / 60
		if h%24 == 0 {
			return fmt.Sprintf("%d d", h/24)
		}
		return fmt.Sprintf("%d d %d h", h/24, h%24)
	}
}
