package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserImportedCollection imports the build tests' collection of postmortems as teams keep them (no
// frontmatter, images in a shared media folder) with `secondstory import`, builds and serves the knowledge base,
// and opens an incident page in Chromium: its image loads from the shared folder's copy, and its action items,
// read from a task list in its body, are in the page's table.
func TestBrowserImportedCollection(t *testing.T) {
	ctx := browser(t)
	kb := filepath.Join(t.TempDir(), "kb")
	if code, _, errOut := cliRun(t, "import", filepath.Join("..", "..", "generator", "build", "testdata", "adopt"), "--into", kb); code != exitOK {
		t.Fatalf("import: exit %d\n%s", code, errOut)
	}
	host := serveSite(t, kb)
	w := watchPage(ctx)
	if err := chromedp.Do(ctx, chromedp.Navigate("http://"+host+"/incidents/2019-04-11-checkout-unavailable/")); err != nil {
		t.Fatal(err)
	}
	if h1 := do(t, ctx, chromedp.Text("article.postmortem h1")); h1 != "Checkout unavailable" {
		t.Errorf("h1 %q", h1)
	}
	img := do(t, ctx, chromedp.Evaluate[[]any](`(() => { const i = document.querySelector(".prose img");
		return i ? [i.getAttribute("src"), i.complete && i.naturalWidth > 0, i.naturalWidth] : ["", false, 0]; })()`))
	if src, _ := img[0].(string); !strings.HasSuffix(src, "files/incidents/media/checkout-latency.png") || img[1] != true {
		t.Errorf("the image: %v (src, loaded, width)", img)
	}
	rows := do(t, ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("section.pm-actions tbody tr"), r => r.innerText.replace(/\s+/g, " ").trim())`))
	want := []string{"Restore the 10 s timeout", "Alert on checkout error rate, not only on latency", "Load-test the gateway client against production latencies"}
	if len(rows) != len(want) {
		t.Fatalf("action item rows: %q", rows)
	}
	for i, w := range want {
		if !strings.HasPrefix(rows[i], w) {
			t.Errorf("row %d: %q, want it to start with %q", i, rows[i], w)
		}
	}
	if !strings.Contains(strings.ToLower(rows[0]), "done") || !strings.Contains(rows[1], "Priya") || !strings.Contains(rows[1], "PAY-311") {
		t.Errorf("rows: %q", rows)
	}
	w.check(t, host)
}
