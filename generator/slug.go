package generator

import (
	"strconv"
	"strings"
	"unicode"

	"github.com/yuin/goldmark/ast"
)

// Slugify makes a stable URL segment from a name: lower case, letters and digits of any script kept (so
// "Datenbank-Ausfall" and "Zeitachse für Ausfälle" stay readable), every other run of characters one dash.
func Slugify(s string) string {
	if isSlug(s) {
		return s // most tags, services and factor references are written as slugs already
	}
	var b strings.Builder
	b.Grow(len(s))
	dash := false
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
			continue
		}
		dash = true
	}
	return b.String()
}

// isSlug reports whether s is lower-case ASCII letters and digits joined by single dashes: its own slug.
func isSlug(s string) bool {
	if s == "" || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		case c == '-' && s[i-1] != '-':
		default:
			return false
		}
	}
	return true
}

// headingIDs implements goldmark's parser.IDs with Slugify, because goldmark's default drops non-ASCII letters.
type headingIDs struct{ seen map[string]int }

func newHeadingIDs() *headingIDs { return &headingIDs{seen: map[string]int{}} }

func (ids *headingIDs) Generate(value []byte, _ ast.NodeKind) []byte {
	return ids.generate(string(value))
}

func (ids *headingIDs) generate(value string) []byte {
	id := Slugify(value)
	if id == "" {
		id = "section"
	}
	base := id
	for n := ids.seen[base]; ids.seen[id] > 0; n++ {
		id = base + "-" + strconv.Itoa(n)
	}
	ids.seen[base]++
	ids.seen[id]++
	return []byte(id)
}

func (ids *headingIDs) Put(value []byte) { ids.seen[string(value)]++ }
