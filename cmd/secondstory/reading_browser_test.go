package main

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// The reading experience of the served sample knowledge base, in Chromium at a phone's width (390 px), a small
// laptop's (1024 px) and a laptop's (1366 px).

const (
	failover = "/incidents/2023-03-14-orders-db-failover/" // a long postmortem: every section, a timeline, five action items
	dnsTTL   = "/incidents/2026-07-21-dns-ttl-migration/"  // a timeline that runs into the next day
)

// open sizes the window (a phone below 500 px) and loads path.
func open(t *testing.T, ctx context.Context, host string, width, height int64, path string) {
	t.Helper()
	mobile := func(m *emulation.SetDeviceMetricsOverrideParams, touch *emulation.SetTouchEmulationEnabledParams) {
		m.Mobile, touch.Enabled = width < 500, width < 500
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, height, mobile), chromedp.Navigate("http://"+host+path)); err != nil {
		t.Fatal(err)
	}
}

// eval runs a script and decodes its JSON result into a value of type T.
func eval[T any](t *testing.T, ctx context.Context, script string) T {
	t.Helper()
	s := do(t, ctx, chromedp.Evaluate[string]("JSON.stringify((function(){"+script+"})())"))
	var v T
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("%s: %v", s, err)
	}
	return v
}

// TestBrowserIncidentSections: the incident page tells the story first (summary and impact before the timeline),
// has one heading per section (the frontmatter's timeline, factors and action items sit in the author's sections
// of the same name), and every heading id is unique.
func TestBrowserIncidentSections(t *testing.T) {
	ctx := browser(t)
	host := serveSite(t, "../../content")
	w := watchPage(ctx)
	for _, path := range []string{failover, "/incidents/2025-01-09-psp-webhook-backlog/", "/incidents/2021-11-22-sms-retry-storm/"} {
		open(t, ctx, host, 1366, 900, path)
		type section struct {
			Heading                  string
			Timeline, Table, Factors bool
		}
		got := eval[[]section](t, ctx, `return Array.from(document.querySelectorAll(".pm-body .pm-section > h2"), h => ({
			Heading: h.firstChild.textContent.trim(),
			Timeline: !!h.parentNode.querySelector(".timeline-list"),
			Table: !!h.parentNode.querySelector("table.pm-actions"),
			Factors: !!h.parentNode.querySelector(".factor-list, .factor-chips, a[href*='factors/']")}))`)
		var headings []string
		count := map[string]int{}
		where := map[string]int{}
		for i, s := range got {
			headings = append(headings, s.Heading)
			count[s.Heading]++
			if s.Timeline {
				where["timeline"] = i + 1
			}
			if s.Table {
				where["actions"] = i + 1
			}
		}
		for h, n := range count {
			if n > 1 {
				t.Errorf("%s: %d headings %q: %q", path, n, h, headings)
			}
		}
		for _, h := range headings {
			if h == "Timeline narrative" && count["Timeline"] > 0 || h == "Contributing factors" && count["Factors"] > 0 {
				t.Errorf("%s: two headings for one section: %q", path, headings)
			}
		}
		if len(got) < 5 || got[0].Heading != "Summary" || got[1].Heading != "Impact" {
			t.Errorf("%s: the story does not come first: %q", path, headings)
		}
		if where["timeline"] < 3 {
			t.Errorf("%s: the timeline is in section %d of %q, want after the summary and impact", path, where["timeline"], headings)
		}
		if i := where["actions"]; i == 0 || got[i-1].Heading != "Action items" {
			t.Errorf("%s: the action items table is not in the author's Action items section: %q", path, headings)
		}
		if i := slices.Index(headings, "Contributing factors"); i < 0 || !got[i].Factors {
			t.Errorf("%s: no contributing factors section with the factors: %q", path, headings)
		}
		ids := eval[[]string](t, ctx, `return Array.from(document.querySelectorAll("[id]"), e => e.id)`)
		seen := map[string]bool{}
		for _, id := range ids {
			if seen[id] {
				t.Errorf("%s: id %q is used twice", path, id)
			}
			seen[id] = true
		}
	}
	// The related incidents and the pages that link here never repeat an incident; the metadata lines up in two
	// columns.
	open(t, ctx, host, 1366, 900, failover)
	page := eval[struct {
		Related    []string
		LabelLefts []float64
		ValueLefts []float64
	}](t, ctx, `const lists = Array.from(document.querySelectorAll(".connections h2"), h => [h.textContent, h.nextElementSibling]);
		const urls = lists.filter(([h]) => h !== "Similar incidents").flatMap(([, ul]) => Array.from(ul.querySelectorAll("a"), a => a.pathname));
		return {Related: urls,
			LabelLefts: Array.from(document.querySelectorAll(".facts dt"), e => e.getBoundingClientRect().left),
			ValueLefts: Array.from(document.querySelectorAll(".facts dd"), e => e.getBoundingClientRect().left)}`)
	if len(page.Related) < 2 || len(slices.Compact(slices.Sorted(slices.Values(page.Related)))) != len(page.Related) {
		t.Errorf("related incidents and backlinks repeat an incident: %q", page.Related)
	}
	for _, col := range [][]float64{page.LabelLefts, page.ValueLefts} {
		if len(col) < 4 || slices.Min(col) != slices.Max(col) {
			t.Errorf("the metadata does not line up: left edges %v", col)
		}
	}
	// The timeline of the psp incident is in the author's "Timeline narrative" section, under one heading.
	open(t, ctx, host, 1366, 900, "/incidents/2025-01-09-psp-webhook-backlog/")
	if h := do(t, ctx, chromedp.Evaluate[string](`document.querySelector(".timeline-list").closest("section").querySelector("h2").textContent`)); h != "Timeline narrative" {
		t.Errorf("the frontmatter's timeline is under %q, want the author's Timeline narrative", h)
	}
	w.check(t, host)
}

// rect is an element's box, from getBoundingClientRect.
type rect struct{ Top, Bottom, Left, Right, Width, Height float64 }

const rectJS = `function rectOf(e) { if (!e) return null; const r = e.getBoundingClientRect();
	return {Top: r.top, Bottom: r.bottom, Left: r.left, Right: r.right, Width: r.width, Height: r.height}; }
	function shown(e) { return !!e && e.checkVisibility({visibilityProperty: true}) && e.getClientRects().length > 0; }`

// TestBrowserTableOfContents: a long incident page has an "On this page" list beside the text on a wide screen,
// which stays in view while the page scrolls and marks the section being read; on a phone it is folded above the
// text, opens on a tap, and folds again once a section is chosen.
func TestBrowserTableOfContents(t *testing.T) {
	ctx := browser(t)
	host := serveSite(t, "../../content")
	w := watchPage(ctx)

	open(t, ctx, host, 1366, 900, failover)
	toc := eval[struct {
		Open        bool
		Links       []string
		Missing     []string
		TOC, Body   rect
		BodyWidth   float64
		ProseWidths []float64
	}](t, ctx, rectJS+`
		const links = Array.from(document.querySelectorAll("#toc a"));
		return {Open: document.getElementById("toc").open, Links: links.map(a => a.textContent),
			Missing: links.filter(a => !document.getElementById(decodeURIComponent(a.hash.slice(1)))).map(a => a.hash),
			TOC: rectOf(document.querySelector(".toc")), Body: rectOf(document.querySelector(".pm-body")),
			ProseWidths: Array.from(document.querySelectorAll(".pm-body .prose, .pm-body .timeline-list, .pm-body .table-wrap"), e => e.getBoundingClientRect().width)}`)
	if !toc.Open || len(toc.Links) < 8 || toc.Links[0] != "Summary" || !slices.Contains(toc.Links, "Action items") {
		t.Errorf("wide screen: table of contents open %v, links %q", toc.Open, toc.Links)
	}
	if len(toc.Missing) > 0 {
		t.Errorf("links of the table of contents lead nowhere: %q", toc.Missing)
	}
	if toc.TOC.Left < toc.Body.Right {
		t.Errorf("the table of contents (%v) is not beside the text (%v)", toc.TOC, toc.Body)
	}
	for _, pw := range toc.ProseWidths {
		if pw < toc.Body.Width-1 || pw > toc.Body.Width+1 {
			t.Errorf("prose, timeline and tables do not share one column: widths %v, column %v", toc.ProseWidths, toc.Body.Width)
			break
		}
	}
	do(t, ctx, chromedp.Evaluate[chromedp.Void](`document.getElementById("action-items").scrollIntoView()`))
	poll(t, ctx, `(document.querySelector("#toc a[aria-current]") || {}).textContent === "Action items"`)
	if r := eval[rect](t, ctx, rectJS+`return rectOf(document.querySelector(".toc"))`); r.Top < 0 || r.Top > 100 {
		t.Errorf("scrolled to the action items, the table of contents is at %v: not sticky", r)
	}

	open(t, ctx, host, 390, 844, failover)
	folded := func() bool {
		return !do(t, ctx, chromedp.Evaluate[bool](rectJS+`shown(document.querySelector("#toc ol"))`))
	}
	if !folded() {
		t.Error("phone: the table of contents is not folded")
	}
	do(t, ctx, chromedp.Click("#toc summary"))
	if folded() {
		t.Error("phone: a tap does not open the table of contents")
	}
	do(t, ctx, chromedp.Click(`#toc a[href="#impact"]`))
	poll(t, ctx, `location.hash === "#impact" && !document.getElementById("toc").open`)
	w.check(t, host)
}

// TestBrowserHeader: from 1024 px up the header is one row (brand, sections, search); on a phone it is the brand and
// a menu button that unfolds the sections, and the first screen of the home page shows incidents. The home page
// has one search box, and it searches as one types.
func TestBrowserHeader(t *testing.T) {
	ctx := browser(t)
	host := serveSite(t, "../../content")
	w := watchPage(ctx)
	type header struct {
		Header            rect
		Parts             []rect
		Menu, Nav         bool
		Boxes             int
		FirstRow, ScrollW float64
	}
	measure := func() header {
		return eval[header](t, ctx, rectJS+`
			const row = document.querySelector(".header-row");
			return {Header: rectOf(document.querySelector(".site-header")),
				Parts: Array.from(row.children).filter(shown).map(rectOf),
				Menu: shown(document.querySelector(".menu > summary")), Nav: shown(document.querySelector(".site-nav")),
				Boxes: Array.from(document.querySelectorAll("input[type=search]")).filter(shown).length,
				FirstRow: (rectOf(document.querySelector(".incident-row")) || {}).Top || 0,
				ScrollW: document.documentElement.scrollWidth}`)
	}
	for _, width := range []int64{1024, 1366, 1920} {
		for _, path := range []string{"/", failover, "/factors/"} {
			open(t, ctx, host, width, 900, path)
			h := measure()
			if h.Menu || !h.Nav || h.Header.Height > 80 {
				t.Errorf("%d px %s: menu button %v, sections shown %v, header %.0f px tall", width, path, h.Menu, h.Nav, h.Header.Height)
			}
			for _, p := range h.Parts[1:] {
				if p.Top >= h.Parts[0].Bottom || p.Bottom <= h.Parts[0].Top {
					t.Errorf("%d px %s: the header is not one row: %v", width, path, h.Parts)
					break
				}
			}
			if want := 1; h.Boxes != want {
				t.Errorf("%d px %s: %d search boxes, want %d", width, path, h.Boxes, want)
			}
		}
	}
	open(t, ctx, host, 390, 844, "/")
	h := measure()
	if !h.Menu || h.Nav || h.Header.Height > 70 {
		t.Errorf("phone: menu button %v, sections shown %v, header %.0f px tall", h.Menu, h.Nav, h.Header.Height)
	}
	if h.FirstRow == 0 || h.FirstRow > 844-100 {
		t.Errorf("phone: the first incident starts at %.0f px, below the first screen", h.FirstRow)
	}
	if h.Boxes != 1 || h.ScrollW > 390 {
		t.Errorf("phone: %d search boxes, page %.0f px wide", h.Boxes, h.ScrollW)
	}
	if d := do(t, ctx, chromedp.Evaluate[string](`(document.querySelector(".incident-row .row-services .nowrap") || {}).textContent`)); !strings.HasPrefix(d, "lasted ") {
		t.Errorf("a row's duration reads %q, want it labelled", d)
	}
	do(t, ctx, chromedp.Click(".menu > summary"))
	links := eval[[]string](t, ctx, rectJS+`return Array.from(document.querySelectorAll(".menu-panel nav a")).filter(shown).map(a => a.textContent)`)
	if len(links) != 6 || links[0] != "Start here" {
		t.Errorf("phone: the menu shows %q", links)
	}
	if _, err := chromedp.Run(ctx, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(".menu-panel nav a[href='factors/']"))); err != nil {
		t.Fatal(err)
	}
	if p := do(t, ctx, chromedp.Evaluate[string](`location.pathname`)); p != "/factors/" {
		t.Errorf("the menu's Factors link led to %s", p)
	}

	open(t, ctx, host, 1366, 900, "/")
	do(t, ctx, chromedp.SendKeys("#hero-q", "retr"))
	poll(t, ctx, `document.querySelectorAll(".hero-search .ss-dropdown:not([hidden]) a.ss-hit-title").length > 0`)
	w.check(t, host)
}

// TestBrowserActionItems: on a phone the action items of an incident are cards, not a table wider than the
// screen; on a laptop their dates and tickets do not wrap, a ticket links to the tracker (the sample configures
// ticket_url), and the status is a badge that says it in words.
func TestBrowserActionItems(t *testing.T) {
	ctx := browser(t)
	host := serveSite(t, "../../content")
	w := watchPage(ctx)
	type items struct {
		RowDisplay, ScrollW    string
		RowWidths              []float64
		Column                 float64
		DateLines, TicketLines []int
		Tickets, Statuses      []string
	}
	const js = rectJS + `
		const rows = Array.from(document.querySelectorAll("table.pm-actions tbody tr"));
		return {RowDisplay: getComputedStyle(rows[0]).display, ScrollW: String(document.documentElement.scrollWidth),
			RowWidths: rows.map(r => r.getBoundingClientRect().width), Column: document.querySelector(".pm-body").getBoundingClientRect().width,
			DateLines: Array.from(document.querySelectorAll("table.pm-actions time"), e => e.getClientRects().length),
			TicketLines: Array.from(document.querySelectorAll("table.pm-actions td:last-child a"), e => e.getClientRects().length),
			Tickets: Array.from(document.querySelectorAll("table.pm-actions td:last-child a"), a => a.href),
			Statuses: Array.from(document.querySelectorAll("table.pm-actions .astatus"), e => e.textContent)}`
	open(t, ctx, host, 390, 844, failover)
	phone := eval[items](t, ctx, js)
	if phone.RowDisplay != "block" || phone.ScrollW != "390" {
		t.Errorf("phone: rows are %q, page %s px wide", phone.RowDisplay, phone.ScrollW)
	}
	for _, rw := range phone.RowWidths {
		if rw > phone.Column+1 {
			t.Errorf("phone: a card is %.0f px wide in a %.0f px column", rw, phone.Column)
		}
	}
	open(t, ctx, host, 1366, 900, failover)
	wide := eval[items](t, ctx, js)
	if wide.RowDisplay != "table-row" {
		t.Errorf("laptop: rows are %q", wide.RowDisplay)
	}
	for i, n := range append(wide.DateLines, wide.TicketLines...) {
		if n != 1 {
			t.Errorf("laptop: date or ticket %d wraps onto %d lines", i, n)
		}
	}
	if len(wide.Tickets) != 5 || wide.Tickets[0] != "https://jira.northwind.internal/browse/OPS-3301" {
		t.Errorf("ticket links %q", wide.Tickets)
	}
	if want := []string{"Done", "Done", "Done", "In progress", "Open"}; !slices.Equal(wide.Statuses, want) {
		t.Errorf("statuses %q, want %q", wide.Statuses, want)
	}
	w.check(t, host)
}

// TestBrowserTimelineDays: a timeline that runs past midnight says where the next day starts.
func TestBrowserTimelineDays(t *testing.T) {
	ctx := browser(t)
	host := serveSite(t, "../../content")
	open(t, ctx, host, 1366, 900, dnsTTL)
	got := eval[[]string](t, ctx, `return Array.from(document.querySelectorAll(".timeline-list > li"),
		li => li.classList.contains("tl-day") ? "[" + li.textContent + "]" : li.querySelector("time").textContent)`)
	want := []string{"08:00", "08:15", "08:40", "08:55", "09:20", "09:45", "10:10", "10:30", "[Wed 22 Jul]", "08:30"}
	if !slices.Equal(got, want) {
		t.Errorf("timeline %q, want %q", got, want)
	}
}
