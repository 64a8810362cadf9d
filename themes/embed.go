// Package themes holds the default theme, embedded in the binary, and lets a knowledge base override it file by file.
package themes

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"syscall"
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
	return overlay{top: themeDir(dir), base: Default()}
}

type overlay struct{ top, base fs.FS }

func (o overlay) Open(name string) (fs.File, error) {
	f, err := o.top.Open(name)
	if err == nil {
		if st, serr := f.Stat(); serr == nil && !st.IsDir() {
			return f, nil
		}
		f.Close()
	} else if !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, syscall.ENOTDIR) {
		return nil, err // a link out of the theme, a device or a FIFO, a file too large: said, not replaced
	}
	return o.base.Open(name)
}

// MaxFile bounds the size of a theme's file.
const MaxFile = 64 << 20

// themeDir is a theme folder read the way the build reads a source folder: a symbolic link is followed only inside
// the folder, and only folders and regular files up to MaxFile are opened (a FIFO would block the build, a link to
// /dev/zero would fill its memory, a link to /etc/passwd would publish it).
type themeDir string

func (d themeDir) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	root, err := os.OpenRoot(string(d))
	if err != nil {
		return nil, err
	}
	defer root.Close()
	// O_NONBLOCK: opening a FIFO does not wait for a writer; it is refused below.
	f, err := root.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	switch {
	case err != nil:
	case !st.IsDir() && !st.Mode().IsRegular():
		err = &fs.PathError{Op: "open", Path: name, Err: errors.New("not a regular file: not read")}
	case st.Mode().IsRegular() && st.Size() > MaxFile:
		err = &fs.PathError{Op: "open", Path: name, Err: fmt.Errorf("%d bytes, over the limit of %d MB", st.Size(), MaxFile>>20)}
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
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
