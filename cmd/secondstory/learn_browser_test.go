package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// TestBrowserLearnProgress ticks a step of /learn/ on the sample site and checks that the tick, the count and the
// storage (keyed by the incident's slug) survive a reload, and that unticking forgets it again.
func TestBrowserLearnProgress(t *testing.T) {
	ctx := browser(t)
	host := serveSite(t, "../../content")
	w := watchPage(ctx)
	if err := chromedp.Do(ctx, chromedp.Navigate("http://"+host+"/learn/"), chromedp.WaitVisible("#step-2 .learn-box")); err != nil {
		t.Fatal(err)
	}
	n := do(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll(".learn-step").length`))
	if n < 2 {
		t.Fatalf("%d steps on the sample path, want at least 2", n)
	}
	count := func() string { return do(t, ctx, chromedp.Text(".learn-count")) }
	if got, want := count(), fmt.Sprintf("0 of %d read", n); got != want {
		t.Errorf("before ticking: %q, want %q", got, want)
	}
	slug := do(t, ctx, chromedp.AttributeValue("#step-2", "data-slug")).Value
	if slug == "" {
		t.Fatal("step 2 has no data-slug")
	}

	do(t, ctx, chromedp.Click("#step-2 .learn-box"))
	if got, want := count(), fmt.Sprintf("1 of %d read", n); got != want {
		t.Errorf("after ticking: %q, want %q", got, want)
	}

	if err := chromedp.Do(ctx, chromedp.Reload(), chromedp.WaitVisible("#step-2 .learn-box")); err != nil {
		t.Fatal(err)
	}
	checked := do(t, ctx, chromedp.Evaluate[[]bool](`Array.from(document.querySelectorAll(".learn-box"), b => b.checked)`))
	want := make([]bool, n)
	want[1] = true
	if !slices.Equal(checked, want) {
		t.Errorf("after reload: boxes %v, want %v", checked, want)
	}
	if got, want := count(), fmt.Sprintf("1 of %d read", n); got != want {
		t.Errorf("after reload: %q, want %q", got, want)
	}
	if cls := do(t, ctx, chromedp.AttributeValue("#step-2", "class")).Value; !strings.Contains(cls, "is-read") {
		t.Errorf("step 2 after reload has class %q, want is-read", cls)
	}
	if stored := do(t, ctx, chromedp.Evaluate[string](`JSON.stringify(localStorage)`)); !strings.Contains(stored, slug) {
		t.Errorf("localStorage %s does not name %s", stored, slug)
	}

	do(t, ctx, chromedp.Click("#step-2 .learn-box"))
	if err := chromedp.Do(ctx, chromedp.Reload(), chromedp.WaitVisible("#step-2 .learn-box")); err != nil {
		t.Fatal(err)
	}
	if got, want := count(), fmt.Sprintf("0 of %d read", n); got != want {
		t.Errorf("after unticking and reloading: %q, want %q", got, want)
	}
	w.check(t, host)
}

// TestBrowserLearnWithoutJS: with scripts off the path is a plain reading list, with no dead check boxes.
func TestBrowserLearnWithoutJS(t *testing.T) {
	ctx := browser(t)
	host := serveSite(t, "../../content")
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate("http://"+host+"/learn/"), chromedp.WaitVisible("#step-1 h3 a")); err != nil {
		t.Fatal(err)
	}
	if title := do(t, ctx, chromedp.Text("#step-1 h3 a")); title == "" {
		t.Error("step 1 has no title")
	}
	shown := do(t, ctx, chromedp.Evaluate[[]string](
		`Array.from(document.querySelectorAll(".learn-check, .learn-progress"), e => e.getClientRects().length ? e.className : "").filter(Boolean)`))
	if len(shown) > 0 {
		t.Errorf("without JavaScript these are visible: %v", shown)
	}
}
