// Package themes holds the default theme, embedded in the binary, and lets a knowledge base override it file by file.
package themes

import (
	"embed"
	"errors"
	"io/fs"
	"os"
	"sort"
)

//go:embed all:default
var embedded embed.FS

// Default is the built-in theme: layouts/ (html/template) and static/ (CSS, JS, icons).
func Default() fs.FS {
	sub, err := fs.Sub(embedded, "default")
	if err != nil {
		panic(err) // the embed pattern guarantees the folder
	}
	return sub
}

// Overlay returns the default theme with the files of dir laid over it: a file present in dir wins, every other
// file comes from the default. An empty dir gives the default theme.
func Overlay(dir string) fs.FS {
	if dir == "" {
		return Default()
	}
	return overlay{top: os.DirFS(dir), base: Default()}
}

type overlay struct{ top, base fs.FS }

func (o overlay) Open(name string) (fs.File, error) {
	f, err := o.top.Open(name)
	if err == nil {
		if st, serr := f.Stat(); serr == nil && !st.IsDir() {
			return f, nil
		}
		f.Close()
	}
	return o.base.Open(name)
}

// ReadDir merges both listings, so a theme can add files as well as replace them.
func (o overlay) ReadDir(name string) ([]fs.DirEntry, error) {
	seen := map[string]fs.DirEntry{}
	top, errTop := fs.ReadDir(o.top, name)
	base, errBase := fs.ReadDir(o.base, name)
	if errTop != nil && errBase != nil {
		return nil, errors.Join(errTop, errBase)
	}
	for _, e := range base {
		seen[e.Name()] = e
	}
	for _, e := range top {
		seen[e.Name()] = e
	}
	out := make([]fs.DirEntry, 0, len(seen))
	for _, e := range seen {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name() < out[j].Name() })
	return out, nil
}
