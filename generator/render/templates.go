// Package render is the RENDER stage: it lists the pages of a site and renders each with the theme's html/template
// layouts, through views that record what each page read (views.go), and writes the machine-readable files (Atom
// feed, sitemap, incidents.json). Nothing here knows how pages are kept between builds: that is the incremental
// layer's, from what rendering recorded.
package render

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"math"
	"path"
	"reflect"
	"strings"
	"time"

	"github.com/secondstory/secondstory/generator/postmortem"
)

// Theme is a parsed theme: one template set per page layout (base.html, the partials, the layout's own file), so
// every layout defines its "main" block without clashing with the others.
type Theme struct {
	sets map[string]*template.Template
	FS   fs.FS
}

// LoadTheme parses the layouts of a theme.
func LoadTheme(theme fs.FS) (*Theme, error) {
	base, err := fs.ReadFile(theme, "layouts/base.html")
	if err != nil {
		return nil, fmt.Errorf("theme: %w", err)
	}
	root := template.New("base.html").Funcs(funcs)
	if _, err := root.Parse(string(base)); err != nil {
		return nil, fmt.Errorf("theme: layouts/base.html: %w", err)
	}
	entries, err := fs.ReadDir(theme, "layouts")
	if err != nil {
		return nil, fmt.Errorf("theme: %w", err)
	}
	var layouts []string
	for _, e := range entries {
		name := e.Name()
		switch {
		case !strings.HasSuffix(name, ".html") || name == "base.html":
		case strings.HasPrefix(name, "_"): // partials are shared by every layout
			data, err := fs.ReadFile(theme, "layouts/"+name)
			if err != nil {
				return nil, fmt.Errorf("theme: %w", err)
			}
			if _, err := root.New(name).Parse(string(data)); err != nil {
				return nil, fmt.Errorf("theme: layouts/%s: %w", name, err)
			}
		default:
			layouts = append(layouts, name)
		}
	}
	t := &Theme{sets: map[string]*template.Template{}, FS: theme}
	for _, name := range layouts {
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
	return t, nil
}

func (t *Theme) execute(layout string, page *Page) ([]byte, error) {
	set := t.sets[layout]
	if set == nil {
		return nil, fmt.Errorf("theme: no layouts/%s.html", layout)
	}
	var b bytes.Buffer
	if err := set.ExecuteTemplate(&b, "base.html", page); err != nil {
		return nil, fmt.Errorf("rendering %s with layouts/%s.html: %w", page.Path, layout, err)
	}
	return b.Bytes(), nil
}

var funcs = template.FuncMap{
	"date":     dateOf("2 Jan 2006"),
	"isodate":  dateOf("2006-01-02"),
	"clock":    dateOf("15:04"),
	"datetime": dateOf("2 Jan 2006 15:04 MST"),
	"rfc3339":  func(t time.Time) string { return t.Format(time.RFC3339) },
	"duration": HumanDuration,
	"astatus":  ActionStatus,
	"lower":    strings.ToLower,
	"slug":     postmortem.Slugify,
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
	"termURL": func(kind, name string) string { return kind + "/" + postmortem.Slugify(name) + "/" },
	"sevclass": func(sev string) string {
		if sev == "" {
			return "sev-none"
		}
		return "sev-" + postmortem.Slugify(sev)
	},
	// first keeps the first n elements of any list.
	"first": func(n int, list any) any {
		v := reflect.ValueOf(list)
		if v.Kind() != reflect.Slice || v.Len() <= n {
			return list
		}
		return v.Slice(0, n).Interface()
	},
	"base": path.Base,
	// searchResults marks where the server puts its rendered results; html/template would strip a literal comment.
	"searchResults": func() template.HTML { return ResultsMarker },
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

// ResultsMarker is where the server puts its rendered search results in the search page.
const ResultsMarker = "<!--ss:results-->"

func dateOf(layout string) func(time.Time) string {
	return func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.Format(layout)
	}
}

// HumanDuration prints a duration the way people say it: "42 min", "3 h 5 min", "2 d 4 h".
func HumanDuration(d time.Duration) string {
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
