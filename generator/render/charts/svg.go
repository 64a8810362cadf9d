package charts

import (
	"encoding/xml"
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// doc accumulates one figure. Everything written through it is escaped, so
// the result can be handed to html/template as template.HTML.
type doc struct {
	s       *spec
	open    string // <figure …>
	caption string // <figcaption>…</figcaption>, known only once drawn
	b       strings.Builder
}

func newDoc(s *spec) *doc { return &doc{s: s} }

// esc escapes text and attribute values alike (it escapes quotes too) and
// replaces characters XML cannot carry.
func esc(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s)) // a strings.Builder never fails
	return b.String()
}

// num formats a coordinate. One decimal is plenty at viewBox scale and
// keeps dense charts small; non-finite input must never reach the SVG.
func num(v float64) string {
	if !finite(v) {
		return "0"
	}
	return trimZeros(strconv.FormatFloat(math.Round(v*10)/10, 'f', 1, 64))
}

func (d *doc) printf(format string, args ...any) { fmt.Fprintf(&d.b, format, args...) }

func (d *doc) title() string { return d.s.title() }

func (s *spec) title() string {
	if s.Title != "" {
		return s.Title
	}
	return "Chart"
}

// begin opens the figure and the svg; desc is the short text alternative
// announced together with the title.
func (d *doc) begin(w, h float64, desc string, extraClass string) {
	id := esc(d.s.id)
	class := "chart chart-type-" + d.s.kind
	if extraClass != "" {
		class += " " + extraClass
	}
	d.open = fmt.Sprintf(`<figure class="%s" id="%s">`, class, id)
	d.printf(`<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg" viewBox="0 0 %s %s" width="100%%" preserveAspectRatio="xMidYMid meet" font-size="%d" font-family="system-ui, -apple-system, Segoe UI, sans-serif" role="img" aria-labelledby="%s-title %s-desc">`,
		num(w), num(h), fontSize, id, id)
	d.printf(`<title id="%s-title">%s</title><desc id="%s-desc">%s</desc>`, id, esc(d.title()), id, esc(desc))
}

// endSVG closes the svg and prepares the caption; note explains how to
// read the chart (log scale, what whiskers mean). The caption goes first
// in the figure so the title sits above the chart and is read first.
func (d *doc) endSVG(note string) {
	d.b.WriteString(`</svg>`)
	d.caption = `<figcaption>` + esc(d.title())
	if note != "" {
		d.caption += ` <span class="chart-note">` + esc(note) + `</span>`
	}
	d.caption += `</figcaption>`
}

// cell is a table cell; url makes its text a link.
type cell struct{ text, url string }

// table writes the text equivalent. The first column is a row header.
func (d *doc) table(caption string, head []string, rows [][]cell) {
	d.printf(`<table class="chart-table"><caption>%s</caption><thead><tr>`, esc(caption))
	for _, h := range head {
		d.printf(`<th scope="col">%s</th>`, esc(h))
	}
	d.b.WriteString(`</tr></thead><tbody>`)
	for _, r := range rows {
		d.b.WriteString(`<tr>`)
		for i, c := range r {
			tag := "td"
			if i == 0 {
				tag = `th scope="row"`
			}
			d.printf(`<%s>`, tag)
			if u := safeURL(c.url); u != "" {
				d.printf(`<a href="%s">%s</a>`, esc(u), esc(c.text))
			} else {
				d.b.WriteString(esc(c.text))
			}
			if i == 0 {
				tag = "th"
			}
			d.printf(`</%s>`, tag)
		}
		d.b.WriteString(`</tr>`)
	}
	d.b.WriteString(`</tbody></table>`)
}

func (d *doc) end() template.HTML {
	return html(d.open + d.caption + d.b.String() + `</figure>`)
}

// empty renders the small placeholder used whenever there is nothing to
// plot, so a new knowledge base gets a friendly figure instead of a panic.
func (s *spec) empty() template.HTML {
	d := newDoc(s)
	const h = 80
	d.begin(s.w, h, "No data yet.", "chart-empty")
	d.printf(`<rect class="chart-empty-frame" x="1" y="1" width="%s" height="%s" rx="6"/>`, num(s.w-2), num(h-2))
	d.printf(`<text class="chart-label chart-empty-text" x="%s" y="%s" text-anchor="middle">No data yet</text>`,
		num(s.w/2), num(h/2+fontSize/3))
	d.endSVG("")
	return d.end()
}

func (d *doc) line(class string, x1, y1, x2, y2 float64) {
	d.printf(`<line class="%s" x1="%s" y1="%s" x2="%s" y2="%s"/>`, class, num(x1), num(y1), num(x2), num(y2))
}

// textPx estimates the rendered width of s.
func textPx(s string) float64 { return float64(utf8.RuneCountInString(s)) * charW }

func maxTextPx(labels []string) float64 {
	w := 0.0
	for _, l := range labels {
		w = math.Max(w, textPx(l))
	}
	return w
}

// truncate shortens s to fit maxPx, ending with an ellipsis; ok reports
// whether it had to.
func truncate(s string, maxPx float64) (string, bool) {
	n := int(math.Floor(maxPx / charW))
	if utf8.RuneCountInString(s) <= n {
		return s, false
	}
	if n < 2 {
		return "…", true
	}
	r := []rune(s)
	return strings.TrimRight(string(r[:n-1]), " ") + "…", true
}

// text writes a label, truncated to maxPx (0: no limit) with the full text
// kept as a <title> tooltip. attrs are extra raw attributes.
func (d *doc) text(x, y float64, anchor, class, s string, maxPx float64, attrs string) {
	shown, cut := s, false
	if maxPx > 0 {
		shown, cut = truncate(s, maxPx)
	}
	d.printf(`<text class="%s" x="%s" y="%s"`, class, num(x), num(y))
	if anchor != "" && anchor != "start" {
		d.printf(` text-anchor="%s"`, anchor)
	}
	d.b.WriteString(attrs)
	d.b.WriteString(`>`)
	if cut {
		d.printf(`<title>%s</title>`, esc(s))
	}
	d.printf(`%s</text>`, esc(shown))
}

// link wraps content written by fn in an SVG link when url is usable.
func (d *doc) link(url string, fn func()) {
	u := safeURL(url)
	if u == "" {
		fn()
		return
	}
	d.printf(`<a class="chart-link" href="%s">`, esc(u))
	fn()
	d.b.WriteString(`</a>`)
}

// safeURL accepts relative URLs and http(s)/mailto ones, percent-encoding
// what does not belong in a URL; anything else (javascript:, data:) is
// dropped, following html/template's rules.
func safeURL(u string) string {
	u = strings.TrimSpace(u)
	if u == "" {
		return ""
	}
	if i := strings.IndexAny(u, ":/?#"); i >= 0 && u[i] == ':' {
		switch strings.ToLower(u[:i]) {
		case "http", "https", "mailto":
		default:
			return ""
		}
	}
	var b strings.Builder
	for i := 0; i < len(u); i++ {
		c := u[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			strings.IndexByte("-._~:/?#[]@!$&'()*+,;=%", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// valueAxisY draws horizontal grid lines with tick labels left of the plot.
// A label that would touch the one drawn before it is left out (its grid line
// stays), so labels never overlap however the ticks fall.
func (d *doc) valueAxisY(sc scale, ticks []float64, left, right float64, format func(float64) string) {
	prev, lastY := "", math.Inf(1)
	for _, t := range ticks {
		y := sc.at(t)
		d.line("chart-grid", left, y, right, y)
		if l := format(t); l != prev && math.Abs(lastY-y) >= fontSize+1 {
			d.text(left-6, y+fontSize/3, "end", "chart-label chart-tick", l, 0, "")
			prev, lastY = l, y
		}
	}
}

// valueAxisX draws vertical grid lines with tick labels under the plot.
func (d *doc) valueAxisX(sc scale, ticks []float64, top, bottom float64, format func(float64) string) {
	prev, lastRight := "", math.Inf(-1)
	for _, t := range ticks {
		x := sc.at(t)
		d.line("chart-grid", x, top, x, bottom)
		l := format(t)
		if w := textPx(l); l != prev && x-w/2 >= lastRight+charW {
			d.text(x, bottom+fontSize+4, "middle", "chart-label chart-tick", l, 0, "")
			prev, lastRight = l, x+w/2
		}
	}
}

// axisTitles writes XLabel centred under the plot and YLabel rotated left
// of it.
func (d *doc) axisTitles(left, top, right, bottom, h float64) {
	if d.s.XLabel != "" {
		d.text((left+right)/2, h-6, "middle", "chart-label chart-axis-label", d.s.XLabel, right-left, "")
	}
	if d.s.YLabel != "" {
		mid := (top + bottom) / 2
		d.text(-mid, fontSize+2, "middle", "chart-label chart-axis-label", d.s.YLabel, bottom-top, ` transform="rotate(-90)"`)
	}
}

// categoryStep picks how many categories share one label so that at most
// maxLabels (fewer if they would collide) are shown. Steps are 1, 2, 3, 4,
// 6 or multiples of 12 so monthly axes land on quarters and years.
func categoryStep(n int, plotW, labelPx float64) int {
	if n <= 0 {
		return 1
	}
	allowed := maxLabels
	if fit := int(plotW / (labelPx + 10)); fit < allowed {
		allowed = max(fit, 1)
	}
	raw := (n + allowed - 1) / allowed
	for _, s := range []int{1, 2, 3, 4, 6, 12} {
		if raw <= s {
			return s
		}
	}
	return (raw + 11) / 12 * 12
}

// categoryLabels labels every step-th category counting back from the last,
// so the most recent period is always labelled.
func (d *doc) categoryLabels(labels []string, center func(int) float64, band, y float64) {
	n := len(labels)
	labelPx := math.Min(maxTextPx(labels), 12*charW)
	step := categoryStep(n, band*float64(n), labelPx)
	room := math.Max(band*float64(step)-6, 3*charW)
	for i := n - 1; i >= 0; i -= step {
		d.text(center(i), y, "middle", "chart-label chart-tick", labels[i], room, "")
	}
}

// legendItem is one entry of a series legend.
type legendItem struct{ label, class string }

// legend lays out swatches left to right from x, wrapping before maxX, and
// returns the height used. With draw false it only measures, so the plot
// can be placed below it.
func (d *doc) legend(items []legendItem, x, y, maxX float64, draw bool) float64 {
	const rowH, sw, maxLabelPx = 18.0, 10.0, 22 * charW
	cx, cy := x, y
	for _, it := range items {
		label, _ := truncate(it.label, maxLabelPx)
		w := sw + 4 + textPx(label) + 14
		if cx > x && cx+w > maxX {
			cx, cy = x, cy+rowH
		}
		if draw {
			d.printf(`<rect class="chart-swatch %s" x="%s" y="%s" width="%s" height="%s"/>`,
				it.class, num(cx), num(cy), num(sw), num(sw))
			d.text(cx+sw+4, cy+sw-1, "start", "chart-label chart-legend", it.label, maxLabelPx, "")
		}
		cx += w
	}
	return cy - y + rowH
}
