package charts

import (
	"flag"
	"html/template"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.html from the current output")

// TestGolden pins one small chart of each kind, so any change to the markup
// shows up in review as a diff. Regenerate with: go test -run TestGolden -update
func TestGolden(t *testing.T) {
	hc, bars := sampleHBars()
	lc, points := sampleLine()
	cases := map[string]template.HTML{
		"stacked": StackedBars(Chart{ID: "g-stacked", Title: "Incidents per quarter", YLabel: "Incidents"},
			[]string{"2024 Q1", "2024 Q2", "2024 Q3"},
			[]Series{{Name: "SEV1", Class: "sev1", Values: []float64{1, 0, 2}}, {Name: "SEV2", Class: "sev2", Values: []float64{3, 4, 5}}}),
		"hbars": HBars(hc, bars),
		"boxplot": BoxPlots(Chart{ID: "g-box", Title: "Time to resolve", YLabel: "Minutes", Format: FormatDuration}, []Group{
			{Label: "2023", Values: []float64{5, 12, 30, 45, 60, 90, 240, 2000}},
			{Label: "2024", Values: []float64{3, 8, 20, 25, 40, 55, 70}},
		}, true),
		"line":      Line(lc, points),
		"histogram": Histogram(Chart{ID: "g-hist", Title: "Time to resolve", XLabel: "Duration", Format: FormatDuration}, []float64{1, 3, 8, 15, 15, 40, 90, 600, 2000}, 8, true),
		"empty":     Histogram(Chart{ID: "g-empty", Title: "Nothing yet"}, nil, 0, false),
	}
	for name, got := range cases {
		path := filepath.Join("testdata", name+".golden.html")
		if *update {
			if err := os.MkdirAll("testdata", 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(string(got)+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test -run TestGolden -update)", err)
		}
		if string(want) != string(got)+"\n" {
			t.Errorf("%s differs from %s; if the change is intended, run go test -run TestGolden -update", name, path)
		}
		checkFigure(t, got)
	}
}
