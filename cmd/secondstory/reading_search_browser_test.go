package main

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// hitView is a search result as the page shows it.
type hitView struct {
	Title, Date, Why string
	Sev              []string // the badge's classes
	Fragments        []string // text, as read
	FragmentHTML     []string
	Marks            []string
}

const hitsJS = `return Array.from(document.querySelectorAll("#ss-results .ss-hit"), h => ({
	Title: h.querySelector(".ss-hit-title").textContent,
	Date: (h.querySelector(".ss-hit-meta time") || {}).textContent || "",
	Why: (h.querySelector(".ss-why") || {}).textContent || "",
	Sev: Array.from((h.querySelector(".ss-hit-meta .sev") || {classList: []}).classList),
	Fragments: Array.from(h.querySelectorAll(".ss-fragment"), f => f.textContent),
	FragmentHTML: Array.from(h.querySelectorAll(".ss-fragment"), f => f.innerHTML),
	Marks: Array.from(h.querySelectorAll("mark"), m => m.textContent)}))`

// searchFor types q into the search page's box (as a reader would, or pastes it) and waits for the results of it.
func searchFor(t *testing.T, ctx context.Context, host, q string) []hitView {
	t.Helper()
	open(t, ctx, host, 1366, 900, "/search/")
	do(t, ctx, chromedp.Evaluate[chromedp.Void](`(() => { const b = document.getElementById("search-q"); b.value = `+jsString(q)+`;
		b.dispatchEvent(new Event("input", {bubbles: true})); })()`))
	poll(t, ctx, `document.getElementById("ss-total").textContent.includes("for \u201c" + `+jsString(strings.TrimSpace(q))+` + "\u201d")`)
	if e := do(t, ctx, chromedp.Evaluate[string](`(document.querySelector(".ss-error") || {}).textContent || ""`)); e != "" {
		t.Errorf("search for %q: %s", q, e)
	}
	return eval[[]hitView](t, ctx, hitsJS)
}

func jsString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return `"` + r.Replace(s) + `"`
}

// TestBrowserSearch: search the way engineers search, on the served sample knowledge base. A pasted error
// message, a config line, the first letters of a word, a ticket id, a half-typed quote; the exact phrase first;
// every hit says where it matched and shows it, as text; dates and severities as on the rest of the site.
func TestBrowserSearch(t *testing.T) {
	ctx := browser(t)
	host := serveSite(t, "../../content")
	w := watchPage(ctx)
	first := func(q, wantTitle, wantIn, wantMark string) hitView {
		t.Helper()
		hits := searchFor(t, ctx, host, q)
		if len(hits) == 0 {
			t.Fatalf("%q: no hits", q)
		}
		h := hits[0]
		if !strings.HasPrefix(h.Title, wantTitle) || !strings.Contains(h.Why, wantIn) {
			t.Errorf("%q: first hit %q, %q; want %q, matched in %s", q, h.Title, h.Why, wantTitle, wantIn)
		}
		if !strings.Contains(strings.Join(h.Fragments, "\n"), wantMark) {
			t.Errorf("%q: the first hit's fragments do not show %q: %q", q, wantMark, h.Fragments)
		}
		return h
	}

	// Pasted text: an error message with colons and an address, a config line with = and a minus.
	h := first("dial tcp 10.2.3.4:5432: connect: connection refused", "Orders database failover", "text",
		"dial tcp 10.2.3.4:5432: connect: connection refused")
	if !strings.Contains(h.Fragments[0], "connection refused") {
		t.Errorf("the fragment with the pasted message is not shown first: %q", h.Fragments)
	}
	if !regexp.MustCompile(`^\d{1,2} [A-Z][a-z]{2} \d{4}$`).MatchString(h.Date) || !strings.Contains(strings.Join(h.Sev, " "), "sev-sev1") {
		t.Errorf("hit date %q and badge %q, want the site's date format and a severity badge", h.Date, h.Sev)
	}
	first("max_standby_streaming_delay = -1", "Stale parcel status", "timeline", "max_standby_streaming_delay = -1")

	// An identifier that appears only in the action items.
	if hits := searchFor(t, ctx, host, "OPS-4106"); len(hits) != 1 || !strings.Contains(hits[0].Why, "action items") ||
		!strings.Contains(strings.Join(hits[0].Fragments, ""), "OPS-4106") {
		t.Errorf("OPS-4106: %d hits, first %+v; want only the incident whose action item it is", len(hits), hits)
	}

	// As you type, the last word matches as a prefix.
	for prefix, want := range map[string]string{"retr": "retr", "kube": "kube", "timeo": "timeout"} {
		hits := searchFor(t, ctx, host, prefix)
		found := false
		for _, h := range hits {
			for _, m := range h.Marks {
				found = found || strings.HasPrefix(strings.ToLower(m), want) && len(m) > len(prefix)
			}
		}
		if !found {
			t.Errorf("%q: no hit shows a word starting with %q: %+v", prefix, want, hits)
		}
	}

	// A half-typed quote is text, not an error.
	if hits := searchFor(t, ctx, host, `"connection ref`); len(hits) == 0 {
		t.Error(`"connection ref: no hits`)
	}

	// Hits with the exact phrase come first, even above a hit that scores higher on the words alone.
	hits := searchFor(t, ctx, host, "load shedding")
	phrase := 0
	for i, h := range hits {
		if strings.Contains(strings.ToLower(strings.Join(h.Fragments, " ")), "load shedding") {
			if phrase != i {
				t.Errorf("load shedding: hit %d (%s) has the phrase but comes after one without", i+1, h.Title)
			}
			phrase++
		}
	}
	type apiHit struct {
		Title string
		Score float64
	}
	api := eval[[]apiHit](t, ctx, `const x = new XMLHttpRequest(); x.open("GET", "/api/search?q=load+shedding&size=20", false); x.send();
		return JSON.parse(x.responseText).hits.map(h => ({Title: h.title, Score: h.score}))`)
	if phrase < 2 || phrase >= len(api) || api[phrase].Score <= api[phrase-1].Score {
		t.Errorf("load shedding: %d phrase hits of %d; the ranking does not show phrase first: %+v", phrase, len(api), api)
	}

	// Text, never entities: typographic quotes and apostrophes read as characters.
	h = first("latent condition", "Orders database failover", "text", "“latent condition”")
	for i, f := range h.Fragments {
		if strings.Contains(f, "&") || strings.Contains(h.FragmentHTML[i], "&amp;") {
			t.Errorf("a fragment shows an entity: %q (%q)", f, h.FragmentHTML[i])
		}
	}
	w.check(t, host)
}

// TestBrowserSearchFilters: active filters are shown above the results, each with a way to remove it, and a way to
// clear them all; the facet column shows a few values of each facet and says how many more there are. The
// server's page without JavaScript says the same.
func TestBrowserSearchFilters(t *testing.T) {
	ctx := browser(t)
	host := serveSite(t, "../../content")
	w := watchPage(ctx)
	type view struct {
		Active         string
		Chips          []string
		Clear          bool
		Hits           int
		FacetShown     map[string]int
		More           []string
		SevFacetBadges int
	}
	const viewJS = `const active = document.getElementById("ss-active");
		const shownIn = g => Array.from(g.querySelectorAll("li")).filter(li => li.checkVisibility()).length;
		return {Active: active && active.checkVisibility() ? active.textContent : "",
			Chips: Array.from(document.querySelectorAll("#ss-active .ss-chip"), c => c.textContent),
			Clear: !!Array.from(document.querySelectorAll("#ss-active a")).find(a => a.textContent === "clear all filters"),
			Hits: document.querySelectorAll("#ss-results .ss-hit").length,
			FacetShown: Object.fromEntries(Array.from(document.querySelectorAll(".ss-facet-group"), g => [g.dataset.key, shownIn(g)])),
			More: Array.from(document.querySelectorAll(".ss-more"), m => m.textContent),
			SevFacetBadges: document.querySelectorAll('.ss-facet-group[data-key="severity"] .ss-facet .sev').length}`
	check := func(mode string, v view) {
		t.Helper()
		if len(v.Chips) != 2 || !strings.HasPrefix(v.Chips[0], "Tag: postgres") || !strings.HasPrefix(v.Chips[1], "Severity: SEV1") || !v.Clear {
			t.Errorf("%s: active filters %q, chips %q, clear all %v", mode, v.Active, v.Chips, v.Clear)
		}
		if v.Hits == 0 {
			t.Errorf("%s: no hits", mode)
		}
		for k, n := range v.FacetShown {
			if n > 9 { // 8, and an active value beyond them
				t.Errorf("%s: facet %s shows %d values", mode, k, n)
			}
		}
		if v.SevFacetBadges == 0 {
			t.Errorf("%s: the severity facet shows no badges", mode)
		}
	}
	path := "/search/?q=database&severity=SEV1&tag=postgres"
	open(t, ctx, host, 1366, 900, path)
	poll(t, ctx, `document.querySelectorAll("#ss-results .ss-hit").length > 0 && document.querySelector("#ss-mode").textContent !== ""`)
	check("search.js", eval[view](t, ctx, viewJS))

	do(t, ctx, chromedp.Click(`#ss-active .ss-chip`))
	poll(t, ctx, `!new URLSearchParams(location.search).has("tag") && new URLSearchParams(location.search).get("severity") === "SEV1" &&
		document.querySelectorAll("#ss-active .ss-chip").length === 1`)
	do(t, ctx, chromedp.Click(`#ss-active a:last-child`))
	poll(t, ctx, `location.search === "?q=database" && document.getElementById("ss-active").hidden`)

	// A broad search: each facet shows its first values and how many more there are.
	open(t, ctx, host, 1366, 900, "/search/?q=minutes")
	poll(t, ctx, `document.querySelectorAll("#ss-results .ss-hit").length > 0`)
	if v := eval[view](t, ctx, viewJS); v.FacetShown["tag"] != 8 || len(v.More) == 0 || !strings.HasPrefix(v.More[0], "and ") {
		t.Errorf("broad search: tag facet shows %d values, more: %q", v.FacetShown["tag"], v.More)
	}

	// Without JavaScript the server's page shows the same.
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatal(err)
	}
	open(t, ctx, host, 1366, 900, path)
	check("server", eval[view](t, ctx, viewJS))
	w.check(t, host)
}
