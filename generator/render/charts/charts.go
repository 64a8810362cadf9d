// Package charts renders the /stats/ page charts at build time as inline
// SVG inside a <figure>. There is no chart library and no JavaScript, so the
// pages work on an intranet with no internet access.
//
// Every chart returns a <figure> holding the <svg> (role="img", labelled by
// its own <title> and <desc>), a <figcaption>, and a <table
// class="chart-table"> with the same data: the table is visually hidden on
// screen, read by screen readers, and shown in print. Colours come only from
// CSS classes and custom properties (themes/default/static/charts.css), so
// light, dark and print modes are the stylesheet's business.
//
// Output is valid XML, deterministic, and never contains NaN or Inf: bad
// values are dropped or shown as "–" in the table, and empty input renders a
// small "No data yet" figure.
package charts

import (
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"
)

// Chart holds what every chart kind shares.
type Chart struct {
	// ID must be unique on the page: the <title> and <desc> ids derive from
	// it. Empty means one derived from the chart kind and Title.
	ID     string
	Title  string
	XLabel string
	YLabel string
	// Unit is appended to values by the default formatter ("%" sticks to
	// the number, anything else gets a space). A percent Line chart whose
	// values lie in 0–100 shows the full 0–100 scale.
	Unit string
	// Width and Height are the viewBox size; 0 means 720×300. HBars grows
	// its height from the number of bars when Height is 0.
	Width, Height int
	// Format formats values for axis ticks, tooltips and the table, e.g.
	// FormatDuration. Nil means a %g-like format (integers exact, others to
	// 3 significant digits) plus Unit.
	Format func(float64) string
	// Counts says the values are counts: the value axis ticks whole numbers
	// only (a step below 1 would draw grid lines at half an incident).
	Counts bool
	// Minutes says the values are durations in minutes: a logarithmic axis
	// then spans and ticks round durations (1 min, 5 min, 15 min, 1 h, 6 h,
	// 1 d, 1 w) instead of powers of ten (10 min, 100 min).
	Minutes bool
}

// Series is one stack layer of StackedBars; Values[i] belongs to category i.
type Series struct {
	Name string
	// Class is the CSS class suffix: "sev1" gives class "chart-sev1". Empty
	// means "s1", "s2", … by position.
	Class  string
	Values []float64
}

// Bar is one row of HBars. URL is optional; when set the label links to it.
type Bar struct {
	Label, URL string
	Value      float64
}

// Group is one box of BoxPlots, e.g. one year of times to resolve.
type Group struct {
	Label  string
	Values []float64
}

// Point is one point of Line, e.g. one quarter's completion rate.
type Point struct {
	Label string
	Value float64
}

const (
	defaultWidth  = 720
	defaultHeight = 300
	minWidth      = 240
	minHeight     = 120
	fontSize      = 12
	// charW is an average glyph width at fontSize, deliberately generous
	// so estimated label widths err towards truncating rather than
	// overlapping.
	charW     = 7.0
	maxLabels = 12 // most category labels shown on one axis
	dash      = "–"
)

// spec is a Chart with defaults resolved.
type spec struct {
	Chart
	kind string
	id   string
	w, h float64
	f    func(float64) string
}

func (c Chart) resolve(kind string) *spec {
	s := &spec{Chart: c, kind: kind}
	s.w, s.h = float64(c.Width), float64(c.Height)
	if c.Width <= 0 {
		s.w = defaultWidth
	}
	if c.Height <= 0 {
		s.h = defaultHeight
	}
	// Below these sizes the margins alone would leave no plot area.
	s.w = math.Max(s.w, minWidth)
	s.h = math.Max(s.h, minHeight)
	s.id = sanitizeID(c.ID)
	if s.id == "" {
		s.id = "chart-" + kind
		if slug := sanitizeID(strings.ToLower(c.Title)); slug != "" {
			s.id += "-" + slug
		}
	}
	s.f = c.Format
	if s.f == nil {
		unit := c.Unit
		s.f = func(v float64) string {
			switch {
			case unit == "":
				return formatNumber(v)
			case unit == "%":
				return formatNumber(v) + "%"
			default:
				return formatNumber(v) + " " + unit
			}
		}
	}
	return s
}

// fv formats a value for display, guarding the caller's formatter against
// values it was never meant to see.
func (s *spec) fv(v float64) string {
	if !finite(v) {
		return dash
	}
	return s.f(v)
}

// formatNumber is the default value format: like %g, but with float noise
// (0.30000000000000004) and exponents avoided for everyday magnitudes.
func formatNumber(v float64) string {
	if !finite(v) {
		return dash
	}
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	a := math.Abs(v)
	if a >= 1e15 || a < 1e-4 {
		return strconv.FormatFloat(v, 'g', 3, 64)
	}
	decimals := max(0, 2-int(math.Floor(math.Log10(a))))
	return trimZeros(strconv.FormatFloat(v, 'f', decimals, 64))
}

// formatCount formats counts (histogram heights) regardless of Format,
// which is meant for the measured values, not for how many there are.
func formatCount(v float64) string { return formatNumber(v) }

// FormatDuration formats minutes as "45 min", "3.2 h" or "2.1 d", the
// precision people use when talking about outages.
func FormatDuration(minutes float64) string {
	if !finite(minutes) {
		return dash
	}
	if minutes < 0 {
		return "-" + FormatDuration(-minutes)
	}
	if m := roundTo(minutes, precisionFor(minutes)); m < 60 {
		return trimZeros(strconv.FormatFloat(m, 'f', precisionFor(minutes), 64)) + " min"
	}
	hours := minutes / 60
	if h := roundTo(hours, precisionFor(hours)); h < 24 {
		return trimZeros(strconv.FormatFloat(h, 'f', precisionFor(hours), 64)) + " h"
	}
	days := hours / 24
	return trimZeros(strconv.FormatFloat(days, 'f', precisionFor(days), 64)) + " d"
}

// precisionFor gives one decimal below 10 and none above: "3.2 h" but
// "17 h", since the decimal stops carrying information past two digits.
func precisionFor(v float64) int {
	if roundTo(v, 1) < 10 {
		return 1
	}
	return 0
}

func roundTo(v float64, decimals int) float64 {
	p := math.Pow(10, float64(decimals))
	return math.Round(v*p) / p
}

func trimZeros(s string) string {
	if strings.Contains(s, ".") {
		s = strings.TrimRight(s, "0")
		s = strings.TrimSuffix(s, ".")
	}
	if s == "-0" {
		s = "0"
	}
	return s
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// sanitizeID keeps what is safe in an id attribute and a CSS selector.
func sanitizeID(s string) string {
	var b strings.Builder
	dashPending := false
	for _, r := range s {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-'
		if !ok {
			dashPending = b.Len() > 0
			continue
		}
		if dashPending {
			b.WriteByte('-')
			dashPending = false
		}
		b.WriteRune(r)
	}
	out := b.String()
	// Ids starting with a digit are awkward in CSS selectors.
	if out != "" && (out[0] >= '0' && out[0] <= '9' || out[0] == '-') {
		out = "c" + out
	}
	return out
}

// seriesClass turns a Series.Class into a full CSS class, falling back to
// the generic palette by position.
func seriesClass(class string, i int) string {
	c := sanitizeID(class)
	if c == "" || c != class {
		c = fmt.Sprintf("s%d", i%8+1)
	}
	return "chart-" + c
}

// html marks a finished figure as safe: every piece of text and every
// attribute value was escaped while it was built.
func html(s string) template.HTML { return template.HTML(s) }
