package main

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
)

// Frontmatter writers. YAML and TOML are written by hand: it is much faster
// than reflection-based encoders and lets the output look like what people
// type (plain scalars, flow lists, native dates). Each writer ends with the
// closing delimiter line followed by an empty line.

// quoteDQ writes s as a double-quoted string valid in YAML, TOML and JSON.
func quoteDQ(b *bytes.Buffer, s string) {
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\n':
			b.WriteString(`\n`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if c < 0x20 || c == 0x7f {
				b.WriteString(`\u00`)
				b.WriteByte("0123456789abcdef"[c>>4])
				b.WriteByte("0123456789abcdef"[c&15])
			} else {
				b.WriteByte(c)
			}
		}
	}
	b.WriteByte('"')
}

// yamlPlainOK reports whether s can be written as a YAML plain scalar that
// every YAML 1.1/1.2 parser reads back as the same string.
func yamlPlainOK(s string, flow bool) bool {
	if s == "" || s[0] == ' ' || s[len(s)-1] == ' ' || s[len(s)-1] == ':' {
		return false
	}
	// YAML 1.1 booleans and null; the length check avoids lower-casing
	// every scalar.
	if len(s) <= 5 {
		switch strings.ToLower(s) {
		case "true", "false", "yes", "no", "on", "off", "null", "y", "n", "~":
			return false
		}
	}
	c := s[0]
	letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
	if !letter && !isIncidentSlug(s) {
		return false
	}
	if strings.Contains(s, ": ") || strings.Contains(s, " #") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == 0x7f || c == '"' || c == '\\' {
			return false
		}
		if flow && strings.IndexByte(",[]{}#:", c) >= 0 {
			return false
		}
	}
	return true
}

// isIncidentSlug matches "2024-03-05-something": starts with a digit but is
// never resolved as a number or timestamp.
func isIncidentSlug(s string) bool {
	if len(s) < 12 || s[4] != '-' || s[7] != '-' || s[10] != '-' {
		return false
	}
	c := s[11]
	return c >= 'a' && c <= 'z'
}

func yamlScalar(b *bytes.Buffer, s string, flow bool) {
	if yamlPlainOK(s, flow) {
		b.WriteString(s)
	} else {
		quoteDQ(b, s)
	}
}

func (d *docWriter) yamlList(key string, xs []string, flow bool) {
	b := &d.out
	b.WriteString(key)
	if flow {
		b.WriteString(": [")
		for i, x := range xs {
			if i > 0 {
				b.WriteString(", ")
			}
			yamlScalar(b, x, true)
		}
		b.WriteString("]\n")
		return
	}
	b.WriteString(":\n")
	for _, x := range xs {
		b.WriteString("  - ")
		yamlScalar(b, x, false)
		b.WriteByte('\n')
	}
}

func (d *docWriter) yamlKV(indent, key, val string) {
	b := &d.out
	b.WriteString(indent)
	b.WriteString(key)
	b.WriteString(": ")
	yamlScalar(b, val, false)
	b.WriteByte('\n')
}

// yamlRaw writes a value that must stay unquoted (dates, timestamps).
func (d *docWriter) yamlRaw(indent, key, val string) {
	d.out.WriteString(indent + key + ": " + val + "\n")
}

// isTimestamp tells RFC 3339 values (written native) from "HH:MM" ones
// (which must be quoted in YAML and TOML).
func isTimestamp(s string) bool { return len(s) > 10 && s[10] == 'T' }

func (d *docWriter) writeYAML() {
	fm, b := &d.fm, &d.out
	flow := d.chance(0.6)
	b.WriteString("---\n")
	d.yamlKV("", "title", fm.Title)
	if fm.Slug != "" {
		d.yamlKV("", "slug", fm.Slug)
	}
	d.yamlRaw("", "date", fm.Date)
	d.yamlKV("", "severity", fm.Severity)
	if fm.Status != "" {
		d.yamlKV("", "status", fm.Status)
	}
	if d.chance(0.15) {
		// A folded block, as people write long summaries.
		b.WriteString("summary: >-\n")
		col := 0
		for w := range strings.FieldsSeq(fm.Summary) {
			if col > 0 && col+1+len(w) > 78 {
				b.WriteByte('\n')
				col = 0
			}
			if col == 0 {
				b.WriteString("  ")
				col = 2
			} else {
				b.WriteByte(' ')
				col++
			}
			b.WriteString(w)
			col += len(w)
		}
		b.WriteByte('\n')
	} else {
		d.yamlKV("", "summary", fm.Summary)
	}
	d.yamlList("authors", fm.Authors, flow)
	d.yamlList("teams", fm.Teams, flow)
	d.yamlList("services", fm.Services, flow)
	d.yamlList("tags", fm.Tags, flow)
	if len(fm.factorMaps) > 0 {
		b.WriteString("contributing_factors:\n")
		for _, f := range fm.factorMaps {
			d.yamlKV("  - ", "name", f.Name)
			d.yamlKV("    ", "description", f.Description)
		}
	} else {
		d.yamlList("contributing_factors", fm.factorNames, false)
	}
	d.yamlRaw("", "started_at", fm.StartedAt)
	if fm.DetectedAt != "" {
		d.yamlRaw("", "detected_at", fm.DetectedAt)
	}
	if fm.MitigatedAt != "" {
		d.yamlRaw("", "mitigated_at", fm.MitigatedAt)
	}
	d.yamlRaw("", "resolved_at", fm.ResolvedAt)
	b.WriteString("timeline:\n")
	for _, e := range fm.Timeline {
		if isTimestamp(e.At) {
			d.yamlRaw("  - ", "at", e.At)
		} else {
			b.WriteString("  - at: \"" + e.At + "\"\n")
		}
		d.yamlKV("    ", "text", e.Text)
		if e.Actor != "" {
			d.yamlKV("    ", "actor", e.Actor)
		}
	}
	b.WriteString("action_items:\n")
	for _, a := range fm.Actions {
		d.yamlKV("  - ", "title", a.Title)
		d.yamlKV("    ", "owner", a.Owner)
		d.yamlRaw("    ", "due", a.Due)
		d.yamlKV("    ", "status", a.Status)
		d.yamlKV("    ", "ticket", a.Ticket)
	}
	if len(fm.Related) > 0 {
		d.yamlList("related", fm.Related, flow)
	}
	if len(fm.Links) > 0 {
		b.WriteString("links:\n")
		for _, l := range fm.Links {
			d.yamlKV("  - ", "title", l.Title)
			d.yamlKV("    ", "url", l.URL)
		}
	}
	if fm.Onboarding {
		b.WriteString("onboarding: true\n")
	}
	d.writeExtras(": ")
	b.WriteString("---\n\n")
}

// writeExtras writes the non-contract keys; their syntax is the same in
// YAML and TOML apart from the separator and string quoting.
func (d *docWriter) writeExtras(sep string) {
	fm, b := &d.fm, &d.out
	if fm.Commander != "" {
		b.WriteString("incident_commander" + sep)
		if sep == ": " {
			yamlScalar(b, fm.Commander, false)
		} else {
			quoteDQ(b, fm.Commander)
		}
		b.WriteByte('\n')
	}
	if fm.Tickets != 0 {
		b.WriteString("customer_tickets" + sep + strconv.Itoa(fm.Tickets) + "\n")
	}
	if fm.ReviewDate != "" {
		b.WriteString("review_date" + sep + fm.ReviewDate + "\n")
	}
}

func (d *docWriter) tomlKV(key, val string) {
	b := &d.out
	b.WriteString(key)
	b.WriteString(" = ")
	quoteDQ(b, val)
	b.WriteByte('\n')
}

func (d *docWriter) tomlList(key string, xs []string) {
	b := &d.out
	b.WriteString(key + " = [")
	for i, x := range xs {
		if i > 0 {
			b.WriteString(", ")
		}
		quoteDQ(b, x)
	}
	b.WriteString("]\n")
}

func (d *docWriter) writeTOML() {
	fm, b := &d.fm, &d.out
	b.WriteString("+++\n")
	d.tomlKV("title", fm.Title)
	if fm.Slug != "" {
		d.tomlKV("slug", fm.Slug)
	}
	b.WriteString("date = " + fm.Date + "\n")
	d.tomlKV("severity", fm.Severity)
	if fm.Status != "" {
		d.tomlKV("status", fm.Status)
	}
	d.tomlKV("summary", fm.Summary)
	d.tomlList("authors", fm.Authors)
	d.tomlList("teams", fm.Teams)
	d.tomlList("services", fm.Services)
	d.tomlList("tags", fm.Tags)
	if len(fm.factorMaps) > 0 {
		b.WriteString("contributing_factors = [\n")
		for _, f := range fm.factorMaps {
			b.WriteString("  { name = ")
			quoteDQ(b, f.Name)
			b.WriteString(", description = ")
			quoteDQ(b, f.Description)
			b.WriteString(" },\n")
		}
		b.WriteString("]\n")
	} else {
		d.tomlList("contributing_factors", fm.factorNames)
	}
	// Offset date-times and local dates are native TOML values.
	b.WriteString("started_at = " + fm.StartedAt + "\n")
	if fm.DetectedAt != "" {
		b.WriteString("detected_at = " + fm.DetectedAt + "\n")
	}
	if fm.MitigatedAt != "" {
		b.WriteString("mitigated_at = " + fm.MitigatedAt + "\n")
	}
	b.WriteString("resolved_at = " + fm.ResolvedAt + "\n")
	if len(fm.Related) > 0 {
		d.tomlList("related", fm.Related)
	}
	if fm.Onboarding {
		b.WriteString("onboarding = true\n")
	}
	d.writeExtras(" = ")
	// Arrays of tables must follow all plain keys.
	for _, e := range fm.Timeline {
		b.WriteString("\n[[timeline]]\n")
		if isTimestamp(e.At) {
			b.WriteString("at = " + e.At + "\n")
		} else {
			d.tomlKV("at", e.At)
		}
		d.tomlKV("text", e.Text)
		if e.Actor != "" {
			d.tomlKV("actor", e.Actor)
		}
	}
	for _, a := range fm.Actions {
		b.WriteString("\n[[action_items]]\n")
		d.tomlKV("title", a.Title)
		d.tomlKV("owner", a.Owner)
		b.WriteString("due = " + a.Due + "\n")
		d.tomlKV("status", a.Status)
		d.tomlKV("ticket", a.Ticket)
	}
	for _, l := range fm.Links {
		b.WriteString("\n[[links]]\n")
		d.tomlKV("title", l.Title)
		d.tomlKV("url", l.URL)
	}
	b.WriteString("+++\n\n")
}

func (d *docWriter) writeJSON() {
	fm := &d.fm
	if len(fm.factorMaps) > 0 {
		fm.CF = fm.factorMaps
	} else {
		fm.CF = fm.factorNames
	}
	enc := json.NewEncoder(&d.out)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	// Encode cannot fail: the struct holds only strings, ints and slices.
	_ = enc.Encode(fm)
	// Encode ended the object with "}\n"; the contract wants an empty line.
	d.out.WriteByte('\n')
}
