package build

import (
	"os"
	"runtime/debug"
	"strconv"

	"github.com/secondstory/secondstory/generator/graph"
	"github.com/secondstory/secondstory/generator/incremental"
)

// movedPages maps the URL of every incident page of old whose URL is different in new: its slug changed, or its
// file was renamed (a file gone and one added with the same title, or exactly one of each), so a browser showing
// the old page can follow it.
func movedPages(old, new *graph.Site) map[string]string {
	if sameURLs(old, new) {
		return nil // the usual save: no file renamed, added or removed, no slug changed
	}
	before := map[string]*graph.Incident{}
	for _, p := range old.Incidents {
		before[p.Source] = p
	}
	after := map[string]*graph.Incident{}
	for _, p := range new.Incidents {
		after[p.Source] = p
	}
	moved := map[string]string{}
	var gone, added []*graph.Incident
	for src, p := range before {
		if q := after[src]; q == nil {
			gone = append(gone, p)
		} else if p.URL() != q.URL() {
			moved[p.URL()] = q.URL()
		}
	}
	for src, q := range after {
		if before[src] == nil {
			added = append(added, q)
		}
	}
	switch {
	case len(gone) == 1 && len(added) == 1:
		moved[gone[0].URL()] = added[0].URL()
	case len(gone) > 0 && len(added) > 0:
		byTitle := map[string][]*graph.Incident{}
		for _, q := range added {
			byTitle[q.Title] = append(byTitle[q.Title], q)
		}
		for _, p := range gone {
			if qs := byTitle[p.Title]; len(qs) == 1 {
				moved[p.URL()] = qs[0].URL()
			}
		}
	}
	for from, to := range moved {
		if from == to || new.Incident(slugOf(from)) != nil {
			delete(moved, from) // the old URL still has a page: nothing to follow
		}
	}
	if len(moved) == 0 {
		return nil
	}
	return moved
}

func slugOf(url string) string {
	const prefix = "incidents/"
	if len(url) > len(prefix) {
		return url[len(prefix) : len(url)-1]
	}
	return ""
}

// programID identifies the running program (its build settings and executable): another version may render
// differently, so a fingerprint made by one is not trusted by another.
func programID() string {
	var k incremental.Key
	if info, ok := debug.ReadBuildInfo(); ok {
		k.Str(info.Main.Version)
		for _, s := range info.Settings {
			k.Str(s.Key).Str(s.Value)
		}
	}
	if exe, err := os.Executable(); err == nil {
		if st, err := os.Stat(exe); err == nil {
			k.U64(uint64(st.Size())).U64(uint64(st.ModTime().UnixNano()))
		}
	}
	return strconv.FormatUint(k.Sum(), 16)
}

func sameURLs(old, new *graph.Site) bool {
	if len(old.Incidents) != len(new.Incidents) {
		return false
	}
	for i, p := range old.Incidents {
		if q := new.Incidents[i]; p.Source != q.Source || p.Slug != q.Slug {
			return false
		}
	}
	return true
}
