package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserSearchSampleSite types a symptom into the search box of the served sample knowledge base, sees
// results as it types, clicks a facet and sees the list narrow, with the filter kept in the URL.
func TestBrowserSearchSampleSite(t *testing.T) {
	ctx := browser(t)
	host := serveSite(t, "../../content")
	w := watchPage(ctx)
	if err := chromedp.Do(ctx, chromedp.Navigate("http://"+host+"/search/")); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, chromedp.SendKeys("#search-q", "retry"))
	poll(t, ctx, `document.querySelectorAll(".ss-hit").length > 1 && location.search.indexOf("q=retry") >= 0`)
	if mode := do(t, ctx, chromedp.Text("#ss-mode")); !strings.Contains(mode, "server") {
		t.Errorf("search mode %q, want the server's full-text search", mode)
	}
	before := do(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll(".ss-hit").length`))
	do(t, ctx, chromedp.Evaluate[chromedp.Void](`document.querySelector('.ss-facet-group[data-key="severity"] .ss-facet').click()`))
	poll(t, ctx, `location.search.indexOf("severity=") >= 0 && document.querySelector(".ss-facet-active") !== null`)
	after := do(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll(".ss-hit").length`))
	if after == 0 || after >= before {
		t.Errorf("the facet did not narrow the list: %d hits before, %d after", before, after)
	}
	w.check(t, host)
}

func poll(t *testing.T, ctx context.Context, cond string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](cond, chromedp.WithPollingTimeout(15*time.Second))); err != nil {
		page, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href + "\n" + document.body.innerText.slice(0, 2000)`))
		t.Fatalf("waiting for %s: %v\n%s", cond, err, page)
	}
}
