package charts

import (
	"encoding/xml"
	"errors"
	"html/template"
	"io"
	"math"
	"strconv"
	"strings"
	"testing"
)

// elem is one parsed element with its direct text.
type elem struct {
	name  string
	attrs map[string]string
	text  string
}

func (e elem) hasClass(c string) bool {
	for _, f := range strings.Fields(e.attrs["class"]) {
		if f == c {
			return true
		}
	}
	return false
}

// parse checks that a chart is well-formed XML with no NaN or Inf in it
// and returns its elements in document order.
func parse(t *testing.T, h template.HTML) []elem {
	t.Helper()
	s := string(h)
	for _, bad := range []string{"NaN", "+Inf", "-Inf", `"Inf`} {
		if strings.Contains(s, bad) {
			t.Fatalf("output contains %q:\n%s", bad, s)
		}
	}
	dec := xml.NewDecoder(strings.NewReader(s))
	var all []elem
	var stack []int
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("not valid XML: %v\n%s", err, s)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			e := elem{name: tok.Name.Local, attrs: map[string]string{}}
			for _, a := range tok.Attr {
				e.attrs[a.Name.Local] = a.Value
			}
			all = append(all, e)
			stack = append(stack, len(all)-1)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				all[stack[len(stack)-1]].text += string(tok)
			}
		}
	}
	if len(stack) != 0 {
		t.Fatalf("unclosed elements")
	}
	return all
}

// checkFigure parses a chart and checks the structure every chart shares.
func checkFigure(t *testing.T, h template.HTML) []elem {
	t.Helper()
	els := parse(t, h)
	if len(els) == 0 || els[0].name != "figure" || !els[0].hasClass("chart") {
		t.Fatalf("does not start with <figure class=chart>: %.200s", h)
	}
	ids := map[string]string{}
	for _, e := range els {
		if id, ok := e.attrs["id"]; ok {
			if _, dup := ids[id]; dup {
				t.Errorf("duplicate id %q", id)
			}
			ids[id] = e.name
		}
	}
	svg := find(els, "svg", "")
	if len(svg) != 1 {
		t.Fatalf("want one <svg>, got %d", len(svg))
	}
	a := svg[0].attrs
	if a["role"] != "img" || a["width"] != "100%" || len(strings.Fields(a["viewBox"])) != 4 {
		t.Errorf("svg attributes: %v", a)
	}
	refs := strings.Fields(a["aria-labelledby"])
	if len(refs) != 2 || ids[refs[0]] != "title" || ids[refs[1]] != "desc" {
		t.Errorf("aria-labelledby %q should point to a <title> and a <desc>; ids: %v", a["aria-labelledby"], ids)
	}
	if len(find(els, "figcaption", "")) != 1 {
		t.Errorf("want one <figcaption>")
	}
	if !els[0].hasClass("chart-empty") && len(find(els, "table", "chart-table")) != 1 {
		t.Errorf("want one <table class=chart-table>")
	}
	return els
}

// find returns elements by name and (optionally) class.
func find(els []elem, name, class string) []elem {
	var out []elem
	for _, e := range els {
		if e.name == name && (class == "" || e.hasClass(class)) {
			out = append(out, e)
		}
	}
	return out
}

func attrFloat(t *testing.T, e elem, name string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(e.attrs[name], 64)
	if err != nil {
		t.Fatalf("%s=%q: %v", name, e.attrs[name], err)
	}
	return v
}

// tableRows returns the body rows of the data table as text cells.
func tableRows(els []elem) [][]string {
	var rows [][]string
	inBody := false
	for _, e := range els {
		switch e.name {
		case "tbody":
			inBody = true
		case "tr":
			if inBody {
				rows = append(rows, nil)
			}
		case "th", "td", "a":
			if inBody && len(rows) > 0 && e.name != "a" {
				rows[len(rows)-1] = append(rows[len(rows)-1], e.text)
			} else if inBody && e.name == "a" {
				r := rows[len(rows)-1]
				r[len(r)-1] += e.text
			}
		}
	}
	return rows
}

func TestStackedBarsSegments(t *testing.T) {
	c := Chart{ID: "s", Title: "By month"}
	cats := []string{"2024-01", "2024-02", "2024-03"}
	full := []Series{{Name: "SEV1", Class: "sev1", Values: []float64{1, 2, 3}}, {Name: "SEV2", Class: "sev2", Values: []float64{4, 5, 6}}}
	els := checkFigure(t, StackedBars(c, cats, full))
	if n := len(find(els, "rect", "chart-bar")); n != 6 {
		t.Errorf("3 categories × 2 series: got %d bar rects, want 6", n)
	}
	if n := len(find(els, "rect", "chart-sev2")); n != 3+1 { // 3 bars + legend swatch
		t.Errorf("chart-sev2 rects: got %d, want 4", n)
	}
	if n := len(find(els, "rect", "chart-swatch")); n != 2 {
		t.Errorf("legend swatches: got %d, want 2", n)
	}
	rows := tableRows(els)
	if len(rows) != 3 || strings.Join(rows[2], "|") != "2024-03|3|6|9" {
		t.Errorf("table rows: %q", rows)
	}

	// Zero, negative, NaN and missing values are not drawn; the table shows
	// what was given.
	sparse := []Series{{Name: "SEV1", Class: "sev1", Values: []float64{0, -1, math.NaN()}}, {Name: "SEV2", Class: "sev2", Values: []float64{4}}}
	els = checkFigure(t, StackedBars(c, cats, sparse))
	if n := len(find(els, "rect", "chart-bar")); n != 1 {
		t.Errorf("sparse: got %d bar rects, want 1", n)
	}
	if got := strings.Join(tableRows(els)[2], "|"); got != "2024-03|–|–|0" {
		t.Errorf("sparse table row: %q", got)
	}

	// All zero is data (a quiet quarter), not "no data": axes, no bars.
	zero := []Series{{Name: "SEV1", Values: []float64{0, 0, 0}}}
	h := StackedBars(c, cats, zero)
	els = checkFigure(t, h)
	if n := len(find(els, "rect", "chart-bar")); n != 0 || strings.Contains(string(h), "No data yet") {
		t.Errorf("all-zero: %d bars", n)
	}
	// Unnamed, unclassed series fall back to the generic palette.
	if len(find(els, "rect", "chart-s1")) != 1 {
		t.Errorf("default series class chart-s1 missing")
	}
}

func TestStackedBarsDense(t *testing.T) {
	cats := months(2000*12, 10000)
	vals := make([]float64, len(cats))
	for i := range vals {
		vals[i] = float64(i%7 + 1)
	}
	els := checkFigure(t, StackedBars(Chart{ID: "d"}, cats, []Series{{Values: vals}}))
	bars := find(els, "rect", "chart-bar")
	if len(bars) != len(cats) {
		t.Fatalf("got %d bars, want %d", len(bars), len(cats))
	}
	for _, b := range bars {
		if attrFloat(t, b, "width") < 1 || attrFloat(t, b, "height") < 1 {
			t.Fatalf("bar thinner than 1px: %v", b.attrs)
		}
	}
	labels := 0
	for _, e := range find(els, "text", "chart-tick") {
		if e.attrs["text-anchor"] == "middle" { // category labels; value ticks are right-aligned
			labels++
		}
	}
	if labels == 0 || labels > maxLabels {
		t.Errorf("category labels shown: %d, want 1..%d", labels, maxLabels)
	}
}

func TestCategoryStep(t *testing.T) {
	for _, tc := range []struct {
		n    int
		want int
	}{{1, 1}, {12, 1}, {13, 2}, {24, 2}, {36, 3}, {48, 4}, {60, 6}, {120, 12}, {10000, 840}} {
		if got := categoryStep(tc.n, 10000, 50); got != tc.want {
			t.Errorf("categoryStep(%d) = %d, want %d", tc.n, got, tc.want)
		}
	}
	// Narrow plots show fewer labels than maxLabels.
	if got := categoryStep(12, 240, 50); got != 3 {
		t.Errorf("narrow: got %d, want 3", got)
	}
}

func TestHBars(t *testing.T) {
	c, bars := sampleHBars()
	h := HBars(c, bars)
	els := checkFigure(t, h)
	if n := len(find(els, "rect", "chart-bar")); n != len(bars) {
		t.Errorf("got %d bars, want %d", n, len(bars))
	}
	links := find(els, "a", "chart-link")
	if len(links) != 4 {
		t.Errorf("got %d label links, want 4 (javascript: and empty URLs dropped)", len(links))
	}
	if got := links[2].attrs["href"]; got != "../factors/dependency%20failure/" {
		t.Errorf("href not normalised: %q", got)
	}
	if strings.Contains(string(h), "javascript:") {
		t.Errorf("javascript: URL leaked")
	}
	// The long label is truncated in the SVG, whole in its tooltip and table.
	long := bars[2].Label
	truncated := false
	for _, e := range find(els, "text", "chart-category") {
		if strings.HasSuffix(e.text, "…") {
			truncated = true
		}
	}
	if !truncated || !strings.Contains(string(h), "<title>"+long+"</title>") || tableRows(els)[2][0] != long {
		t.Errorf("long label: truncated=%v, full label in title and table expected", truncated)
	}

	// Too many bars: the first maxHBars are drawn, all are in the table.
	many := make([]Bar, 300)
	for i := range many {
		many[i] = Bar{Label: "factor " + strconv.Itoa(i), Value: float64(300 - i)}
	}
	h = HBars(Chart{ID: "many"}, many)
	els = checkFigure(t, h)
	if n := len(find(els, "rect", "chart-bar")); n != maxHBars {
		t.Errorf("got %d bars, want %d", n, maxHBars)
	}
	if n := len(tableRows(els)); n != 300 || !strings.Contains(string(h), "Showing the first 50 of 300") {
		t.Errorf("table rows %d, want 300, and a caption note", n)
	}

	// A bar of 1 next to 10,000 still shows, and zero draws nothing wide.
	els = checkFigure(t, HBars(Chart{}, []Bar{{Label: "big", Value: 10000}, {Label: "small", Value: 1}, {Label: "zero"}, {Label: "nan", Value: math.NaN()}}))
	for _, b := range find(els, "rect", "chart-bar")[:2] {
		if attrFloat(t, b, "width") < 1 {
			t.Errorf("non-zero bar narrower than 1px: %v", b.attrs)
		}
	}
}

func TestBoxPlots(t *testing.T) {
	c, groups := sampleBoxes()
	for _, log := range []bool{false, true} {
		els := checkFigure(t, BoxPlots(c, groups, log))
		if n := len(find(els, "rect", "chart-box")); n != len(groups) {
			t.Errorf("log=%v: %d boxes, want %d", log, n, len(groups))
		}
		if n := len(find(els, "line", "chart-median")); n != len(groups) {
			t.Errorf("log=%v: %d medians, want %d", log, n, len(groups))
		}
	}

	// Single values, empty groups and junk: nothing breaks. Groups of fewer than five values are dots, not boxes.
	odd := []Group{{Label: "one", Values: []float64{42}}, {Label: "none"}, {Label: "junk", Values: []float64{math.NaN(), math.Inf(1), 0, -5}}}
	for _, log := range []bool{false, true} {
		h := BoxPlots(Chart{ID: "odd", Format: FormatDuration}, odd, log)
		els := checkFigure(t, h)
		wantDots := 3
		if log {
			wantDots = 1 // 0 and -5 cannot be drawn on a log scale
			if !strings.Contains(string(h), "Left out as zero, negative or not a number: 4 values.") {
				t.Errorf("log: missing note about left-out values")
			}
		}
		if n := len(find(els, "rect", "chart-box")); n != 0 {
			t.Errorf("log=%v: %d boxes for groups of one and two values", log, n)
		}
		if n := len(find(els, "circle", "chart-value-dot")); n != wantDots {
			t.Errorf("log=%v: %d dots, want %d", log, n, wantDots)
		}
		if !strings.Contains(string(h), "fewer than 5 values show each value as a filled dot") {
			t.Errorf("log=%v: the caption does not explain the dots", log)
		}
		rows := tableRows(els)
		if strings.Join(rows[0], "|") != "one|1|42 min|42 min|42 min|42 min|42 min|0" || rows[1][1] != "0" || rows[1][4] != "–" {
			t.Errorf("log=%v: table %q", log, rows)
		}
	}
}

func TestBoxPlotsLarge(t *testing.T) {
	values := lognormal(5, 10000, 60, 1.5)
	for _, log := range []bool{false, true} {
		h := BoxPlots(Chart{ID: "big", Format: FormatDuration}, []Group{{Label: "all", Values: values}}, log)
		if len(h) > 40_000 {
			t.Errorf("log=%v: %d bytes for 10,000 values, want < 40 KB", log, len(h))
		}
		els := checkFigure(t, h)
		if n := len(find(els, "circle", "chart-outlier")); n == 0 || n > maxOutliers {
			t.Errorf("log=%v: %d outlier dots, want 1..%d", log, n, maxOutliers)
		}
	}
}

func TestSummarize(t *testing.T) {
	st := summarize([]float64{9, 1, 2, 3, 4, 5, 6, 7, 8, 100}, false)
	if st.n != 10 || st.q1 != 3.25 || st.median != 5.5 || st.q3 != 7.75 {
		t.Errorf("quartiles: %+v", st)
	}
	// Fences: 3.25 - 6.75 = -3.5 and 7.75 + 6.75 = 14.5.
	if st.whiskerLo != 1 || st.whiskerHi != 9 || len(st.outliers) != 1 || st.outliers[0] != 100 {
		t.Errorf("whiskers/outliers: %+v", st)
	}
	// In log space Q3/Q1 = 4 so the fences are Q1/8 = 1.25 and Q3×8 = 320:
	// 1.5 and 160 are inside, 0.1 and 1000 outside.
	st = summarize([]float64{0.1, 1.5, 10, 10, 20, 20, 40, 40, 160, 1000}, true)
	if st.q1 != 10 || st.q3 != 40 || st.whiskerLo != 1.5 || st.whiskerHi != 160 || len(st.outliers) != 2 {
		t.Errorf("log fences: %+v", st)
	}
	if got := sample([]float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 4); len(got) != 4 || got[0] != 1 || got[3] != 10 {
		t.Errorf("sample keeps extremes: %v", got)
	}
}

func TestLine(t *testing.T) {
	c, points := sampleLine()
	h := Line(c, points)
	els := checkFigure(t, h)
	if n := len(find(els, "circle", "chart-point")); n != 7 {
		t.Errorf("got %d points, want 7 (one is NaN)", n)
	}
	path := find(els, "path", "chart-line")
	if len(path) != 1 || strings.Count(path[0].attrs["d"], "M") != 2 {
		t.Errorf("the NaN should split the line in two: %v", path)
	}
	ticks := map[string]bool{}
	for _, e := range find(els, "text", "chart-tick") {
		ticks[e.text] = true
	}
	if !ticks["0%"] || !ticks["100%"] {
		t.Errorf("percent axis should run 0%%–100%%: %v", ticks)
	}

	els = checkFigure(t, Line(Chart{}, []Point{{"only", 3}}))
	if n := len(find(els, "circle", "chart-point")); n != 1 {
		t.Errorf("single point: %d circles", n)
	}
	many := make([]Point, 10000)
	for i := range many {
		many[i] = Point{strconv.Itoa(i), float64(i % 100)}
	}
	els = checkFigure(t, Line(Chart{}, many))
	if n := len(find(els, "circle", "chart-point")); n != 0 {
		t.Errorf("10,000 points should be drawn as a line only, got %d dots", n)
	}
}

func TestHistogram(t *testing.T) {
	c, values := sampleHistogram()
	for _, log := range []bool{false, true} {
		h := Histogram(c, values, 30, log)
		if len(h) > 40_000 {
			t.Errorf("log=%v: %d bytes for 10,000 values, want < 40 KB", log, len(h))
		}
		els := checkFigure(t, h)
		rows := tableRows(els)
		total := 0
		for _, r := range rows {
			n, err := strconv.Atoi(r[1])
			if err != nil {
				t.Fatal(err)
			}
			total += n
		}
		if total != len(values) {
			t.Errorf("log=%v: bins hold %d values, want %d", log, total, len(values))
		}
		bars := find(els, "rect", "chart-bar")
		if len(bars) == 0 || len(bars) > 31 || len(rows) > 31 {
			t.Errorf("log=%v: %d bars, %d bins for a target of 30", log, len(bars), len(rows))
		}
		for _, b := range bars {
			if attrFloat(t, b, "height") < 1 || attrFloat(t, b, "width") < 1 {
				t.Errorf("log=%v: bar under 1px: %v", log, b.attrs)
			}
		}
	}

	// Edges: one value, identical values, values exactly on edges, junk.
	for name, vals := range map[string][]float64{
		"one":      {5},
		"zero":     {0},
		"same":     {7, 7, 7},
		"edges":    {0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100},
		"junk":     {math.NaN(), math.Inf(-1), 3, 1e308, -1e308},
		"tiny":     {5e-324, 1e-300, 1},
		"negative": {-50, -2, -1},
	} {
		for _, log := range []bool{false, true} {
			h := Histogram(Chart{ID: "e"}, vals, 0, log)
			els := parse(t, h)
			if strings.Contains(string(h), "No data yet") {
				continue // every value unusable on this scale
			}
			checkFigure(t, h)
			total := 0
			for _, r := range tableRows(els) {
				n, _ := strconv.Atoi(r[1])
				total += n
			}
			want, _ := finiteValues(vals, log)
			if total != len(want) {
				t.Errorf("%s log=%v: %d counted, want %d", name, log, total, len(want))
			}
		}
	}
	if h := Histogram(Chart{}, []float64{-1, 0}, 10, true); !strings.Contains(string(h), "No data yet") {
		t.Errorf("log histogram of non-positive values should be empty")
	}
}

func TestHistogramEdges(t *testing.T) {
	got := linearEdges(0, 100, 10)
	if len(got) != 11 || got[0] != 0 || got[10] != 100 || got[3] != 30 {
		t.Errorf("linearEdges(0, 100, 10) = %v", got)
	}
	got = logEdges(1, 10000, 8) // 4 decades, 2 bins each
	if len(got) != 9 || got[0] != 1 || got[2] != 10 || got[8] != 10000 {
		t.Errorf("logEdges(1, 10000, 8) = %v", got)
	}
	got = logEdges(30, 50, 20) // trimmed to the bins the data touches
	if got[0] > 30 || got[len(got)-1] < 50 || len(got) > 7 {
		t.Errorf("logEdges(30, 50, 20) = %v", got)
	}
}

func TestEmpty(t *testing.T) {
	for name, h := range map[string]template.HTML{
		"stacked":        StackedBars(Chart{}, nil, nil),
		"stacked-no-cat": StackedBars(Chart{}, nil, []Series{{Values: []float64{1}}}),
		"stacked-no-ser": StackedBars(Chart{}, []string{"a"}, nil),
		"hbars":          HBars(Chart{}, nil),
		"boxplot":        BoxPlots(Chart{}, nil, true),
		"boxplot-empty":  BoxPlots(Chart{}, []Group{{Label: "x"}}, false),
		"line":           Line(Chart{}, nil),
		"line-nan":       Line(Chart{}, []Point{{"a", math.NaN()}}),
		"histogram":      Histogram(Chart{}, nil, 10, false),
		"histogram-nan":  Histogram(Chart{}, []float64{math.NaN()}, 10, false),
	} {
		els := checkFigure(t, h)
		if !els[0].hasClass("chart-empty") || !strings.Contains(string(h), "No data yet") {
			t.Errorf("%s: not the empty figure: %s", name, h)
		}
	}
}

func TestEscaping(t *testing.T) {
	evil := `<script>alert("x")</script> & 'q'`
	c := Chart{ID: `"><script>`, Title: evil, XLabel: evil, YLabel: evil, Unit: "<b>"}
	for name, h := range map[string]template.HTML{
		"stacked":   StackedBars(c, []string{evil, "b"}, []Series{{Name: evil, Class: `x" onload="y`, Values: []float64{1, 2}}}),
		"hbars":     HBars(c, []Bar{{Label: evil, URL: `a"><script>`, Value: 1}}),
		"boxplot":   BoxPlots(c, []Group{{Label: evil, Values: []float64{1, 2, 3, 100}}}, false),
		"line":      Line(c, []Point{{evil, 1}, {"b", 2}}),
		"histogram": Histogram(c, []float64{1, 2, 3}, 3, false),
		"empty":     HBars(c, nil),
	} {
		s := string(h)
		if strings.Contains(s, "<script") || strings.Contains(s, "<b>") || strings.Contains(s, "onload=") {
			t.Errorf("%s: unescaped input in output:\n%s", name, s)
		}
		if !strings.Contains(s, "&lt;script&gt;") {
			t.Errorf("%s: escaped label missing", name)
		}
		checkFigure(t, h)
	}
}

func TestIDs(t *testing.T) {
	for id, want := range map[string]string{"by-month": "by-month", "a b/c": "a-b-c", "2024": "c2024", `"><x`: "x"} {
		if got := sanitizeID(id); got != want {
			t.Errorf("sanitizeID(%q) = %q, want %q", id, got, want)
		}
	}
	h := string(HBars(Chart{Title: "Top factors!"}, []Bar{{Label: "a", Value: 1}}))
	if !strings.Contains(h, `id="chart-hbars-top-factors"`) {
		t.Errorf("derived id missing: %.120s", h)
	}
}

func TestLinearTicks(t *testing.T) {
	for _, tc := range []struct {
		lo, hi float64
		want   string
	}{
		{0, 17, "0 5 10 15 20"},
		{0, 20, "0 5 10 15 20"},
		{0, 0.3, "0 0.1 0.2 0.3"},
		{0, 0.7, "0 0.2 0.4 0.6 0.8"},
		{0, 0, "0 0.2 0.4 0.6 0.8 1"},
		{5, 5, "0 1 2 3 4 5"},
		{-3, 7, "-4 -2 0 2 4 6 8"},
		{0, 1234, "0 500 1000 1500"},
	} {
		_, _, ticks := linearTicks(tc.lo, tc.hi, 5)
		if got := strings.Join(formatAll(ticks, formatNumber), " "); got != tc.want {
			t.Errorf("linearTicks(%g, %g) = %s, want %s", tc.lo, tc.hi, got, tc.want)
		}
	}
	if _, _, ticks := linearTicks(-1e308, 1e308, 5); len(ticks) < 2 || len(ticks) > 20 {
		t.Errorf("huge range: %v", ticks)
	}
}

func TestLogTicks(t *testing.T) {
	for _, tc := range []struct {
		lo, hi float64
		want   string
	}{
		{1, 10000, "1 10 100 1000 10000"},
		{1, 100, "1 2 5 10 20 50 100"},
		{10, 1000, "10 20 50 100 200 500 1000"},
		{20, 45, "20 30 40"},
		{0.1, 10, "0.1 0.2 0.5 1 2 5 10"},
		{1e-3, 1e13, "0.001 0.1 10 1000 100000 10000000 1000000000 100000000000 10000000000000"},
	} {
		if got := strings.Join(formatAll(logTicks(tc.lo, tc.hi), formatNumber), " "); got != tc.want {
			t.Errorf("logTicks(%g, %g) = %s, want %s", tc.lo, tc.hi, got, tc.want)
		}
	}
	lo, hi := logDomain(3, 4500)
	if lo != 1 || hi != 10000 {
		t.Errorf("logDomain(3, 4500) = %g, %g", lo, hi)
	}
	lo, hi = logDomain(100, 100)
	if lo != 100 || hi != 1000 {
		t.Errorf("logDomain(100, 100) = %g, %g", lo, hi)
	}
}

func TestFormatDuration(t *testing.T) {
	for in, want := range map[float64]string{
		0: "0 min", 2.5: "2.5 min", 9.96: "10 min", 45: "45 min", 59.7: "1 h", 90: "1.5 h",
		192: "3.2 h", 1020: "17 h", 1439.9: "1 d", 3024: "2.1 d", 20160: "14 d", -30: "-30 min",
		math.NaN(): "–", math.Inf(1): "–",
	} {
		if got := FormatDuration(in); got != want {
			t.Errorf("FormatDuration(%g) = %q, want %q", in, got, want)
		}
	}
}

func TestFormatNumber(t *testing.T) {
	for in, want := range map[float64]string{
		0: "0", 42: "42", -7: "-7", 0.1 + 0.2: "0.3", 1.23456: "1.23", 12345.6: "12346",
		0.000123: "0.000123", 1e20: "1e+20", 2.5e-7: "2.5e-07",
	} {
		if got := formatNumber(in); got != want {
			t.Errorf("formatNumber(%g) = %q, want %q", in, got, want)
		}
	}
	c := Chart{Unit: "%"}
	if got := c.resolve("x").fv(45); got != "45%" {
		t.Errorf("percent unit: %q", got)
	}
	c.Unit = "incidents"
	if got := c.resolve("x").fv(3); got != "3 incidents" {
		t.Errorf("unit: %q", got)
	}
}

func TestSafeURL(t *testing.T) {
	for in, want := range map[string]string{
		"../factors/capacity/":   "../factors/capacity/",
		"a b/ü":                  "a%20b/%C3%BC",
		"https://wiki/x?a=1&b=2": "https://wiki/x?a=1&b=2",
		"JavaScript:alert(1)":    "",
		"data:text/html,x":       "",
		"  ":                     "",
		`x"><y`:                  "x%22%3E%3Cy",
	} {
		if got := safeURL(in); got != want {
			t.Errorf("safeURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDeterministic(t *testing.T) {
	c, groups := sampleBoxes()
	a, b := BoxPlots(c, groups, true), BoxPlots(c, groups, true)
	if a != b {
		t.Errorf("two renders differ")
	}
}

func TestSizes(t *testing.T) {
	// Tiny or zero sizes fall back to defaults or a usable minimum.
	for _, c := range []Chart{{Width: 1, Height: 1}, {Width: -5}, {Width: 4000, Height: 2000}} {
		checkFigure(t, StackedBars(c, []string{"a"}, []Series{{Values: []float64{1}}}))
		checkFigure(t, HBars(c, []Bar{{Label: "a", Value: 1}}))
	}
	els := checkFigure(t, Line(Chart{}, []Point{{"a", 1}}))
	if got := find(els, "svg", "")[0].attrs["viewBox"]; got != "0 0 720 300" {
		t.Errorf("default viewBox %q", got)
	}
}
