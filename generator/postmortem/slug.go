package postmortem

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxSlug bounds a slug's length in bytes: a slug is a folder name in the site, and file systems refuse names
// much past 255 bytes.
const MaxSlug = 100

// Slugify makes a stable URL segment from a name: lower case, letters and digits of any script kept (so
// "Datenbank-Ausfall" and "Zeitachse für Ausfälle" stay readable), every other run of characters one dash. It
// returns "" for a name with no letter or digit.
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

// shorten cuts a slug to at most MaxSlug bytes at a dash (or a rune boundary), so a long file name still gives a
// usable, stable URL.
func shorten(slug string) string {
	if len(slug) <= MaxSlug {
		return slug
	}
	cut := MaxSlug
	for cut > 0 && !utf8.RuneStart(slug[cut]) {
		cut--
	}
	if i := strings.LastIndexByte(slug[:cut], '-'); i > MaxSlug/2 {
		cut = i
	}
	return strings.TrimRight(slug[:cut], "-")
}
