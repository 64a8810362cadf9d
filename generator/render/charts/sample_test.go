package charts

import (
	"fmt"
	"html/template"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
)

// lognormal returns n deterministic, heavy-tailed durations in minutes
// around median, like real times to resolve.
func lognormal(seed uint64, n int, median, sigma float64) []float64 {
	r := rand.New(rand.NewPCG(seed, 7))
	out := make([]float64, n)
	for i := range out {
		out[i] = math.Round(median*math.Exp(r.NormFloat64()*sigma)*10) / 10
	}
	return out
}

func months(from, n int) []string {
	out := make([]string, n)
	for i := range out {
		m := from + i
		out[i] = fmt.Sprintf("%d-%02d", m/12, m%12+1)
	}
	return out
}

func sampleStacked(n int) (Chart, []string, []Series) {
	r := rand.New(rand.NewPCG(3, 4))
	cats := months(2023*12, n)
	series := []Series{{Name: "SEV1", Class: "sev1"}, {Name: "SEV2", Class: "sev2"}, {Name: "SEV3", Class: "sev3"}, {Name: "SEV4", Class: "sev4"}}
	for si := range series {
		for range cats {
			series[si].Values = append(series[si].Values, float64(r.IntN(2+si*3)))
		}
	}
	return Chart{ID: "by-month", Title: "Incidents per month by severity", YLabel: "Incidents"}, cats, series
}

func sampleHBars() (Chart, []Bar) {
	return Chart{ID: "factors", Title: "Top contributing factors", XLabel: "Incidents"}, []Bar{
		{Label: "Config change", URL: "../factors/config-change/", Value: 41},
		{Label: "Capacity", URL: "../factors/capacity/", Value: 27},
		{Label: "Dependency failure in a third-party identity provider during peak traffic", URL: "../factors/dependency failure/", Value: 19},
		{Label: "Missing alert", URL: "../factors/missing-alert/", Value: 12},
		{Label: "<script>alert(1)</script>", Value: 3},
		{Label: "Certificate expiry", URL: "javascript:alert(1)", Value: 1},
	}
}

func sampleBoxes() (Chart, []Group) {
	var groups []Group
	for i, y := range []string{"2020", "2021", "2022", "2023", "2024"} {
		groups = append(groups, Group{Label: y, Values: lognormal(uint64(10+i), 40+i*25, 90/float64(i+1)+30, 1.2)})
	}
	return Chart{ID: "ttr", Title: "Time to resolve by year", YLabel: "Time to resolve", Format: FormatDuration}, groups
}

func sampleLine() (Chart, []Point) {
	return Chart{ID: "actions", Title: "Action items completed", YLabel: "Completed", Unit: "%"}, []Point{
		{"2023 Q1", 42}, {"2023 Q2", 48.5}, {"2023 Q3", 55}, {"2023 Q4", math.NaN()},
		{"2024 Q1", 61}, {"2024 Q2", 66.7}, {"2024 Q3", 72}, {"2024 Q4", 70},
	}
}

func sampleHistogram() (Chart, []float64) {
	return Chart{ID: "ttr-hist", Title: "Time to resolve, all incidents", XLabel: "Time to resolve", YLabel: "Incidents", Format: FormatDuration},
		lognormal(1, 10000, 60, 1.4)
}

// TestSample writes every kind of chart into one standalone page when
// CHARTS_SAMPLE names a file, for looking at in a browser; the dark and
// print variants force those media rules on. Skipped otherwise.
func TestSample(t *testing.T) {
	path := os.Getenv("CHARTS_SAMPLE")
	if path == "" {
		t.Skip("set CHARTS_SAMPLE=/tmp/charts.html to write a sample page")
	}
	var figs []template.HTML
	c, cats, series := sampleStacked(24)
	figs = append(figs, StackedBars(c, cats, series))
	c, cats, series = sampleStacked(120)
	c.ID, c.Title = "dense", "Dense: 120 months"
	figs = append(figs, StackedBars(c, cats, series))
	hc, bars := sampleHBars()
	figs = append(figs, HBars(hc, bars))
	bc, groups := sampleBoxes()
	figs = append(figs, BoxPlots(bc, groups, true))
	bc.ID, bc.Title = "ttr-linear", "Time to resolve by year (linear)"
	figs = append(figs, BoxPlots(bc, groups, false))
	lc, points := sampleLine()
	figs = append(figs, Line(lc, points))
	xc, values := sampleHistogram()
	figs = append(figs, Histogram(xc, values, 24, true))
	xc.ID, xc.Title = "ttr-hist-lin", "Time to resolve, linear bins"
	figs = append(figs, Histogram(xc, lognormal(2, 300, 30, 0.5), 20, false))
	figs = append(figs, Histogram(Chart{ID: "empty", Title: "Nothing yet"}, nil, 0, false))

	css := ""
	for _, f := range []string{"../../themes/default/static/style.css", "../../themes/default/static/charts.css"} {
		b, err := os.ReadFile(f)
		if err == nil {
			css += string(b) + "\n"
		}
	}
	write := func(p, css string) {
		var b strings.Builder
		b.WriteString("<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>charts</title><style>" + css + "</style><body><main class=\"wrap\">")
		for _, f := range figs {
			b.WriteString(string(f))
		}
		b.WriteString("</main></body></html>")
		if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(path, css)
	base := strings.TrimSuffix(path, ".html")
	write(base+"-dark.html", strings.ReplaceAll(css, "@media (prefers-color-scheme: dark)", "@media all"))
	write(base+"-print.html", strings.ReplaceAll(css, "@media print", "@media all"))
}
