package search

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
)

func TestEmptyQueryReturnsAllNewestFirst(t *testing.T) {
	ix, _ := buildFixture(t)
	res := mustSearch(t, ix, Request{Size: 100})
	if res.Total != 12 || len(res.Hits) != 12 {
		t.Fatalf("total %d, %d hits; want 12", res.Total, len(res.Hits))
	}
	for i := 1; i < len(res.Hits); i++ {
		if res.Hits[i-1].Date < res.Hits[i].Date {
			t.Errorf("hit %d (%s) is older than hit %d (%s)", i-1, res.Hits[i-1].Date, i, res.Hits[i].Date)
		}
	}
	first := res.Hits[0]
	want := Hit{URL: "incidents/eu-region-outage/", Title: "Cloud region outage took down eu-west", Date: "2026-01-08", Severity: "SEV1"}
	if first.URL != want.URL || first.Title != want.Title || first.Date != want.Date || first.Severity != want.Severity {
		t.Errorf("first hit = %+v, want %+v", first, want)
	}
	if !strings.HasPrefix(first.Summary, "A provider networking failure") {
		t.Errorf("summary not returned: %q", first.Summary)
	}
	if len(first.Fragments) != 0 {
		t.Errorf("match-all hit has fragments %q", first.Fragments)
	}
}

func TestPagination(t *testing.T) {
	ix, _ := buildFixture(t)
	all := hitURLs(mustSearch(t, ix, Request{Size: 100}))
	var paged []string
	for page := 1; page <= 3; page++ {
		res := mustSearch(t, ix, Request{Page: page, Size: 5})
		if res.Total != 12 {
			t.Fatalf("page %d total %d", page, res.Total)
		}
		paged = append(paged, hitURLs(res)...)
	}
	if !slices.Equal(all, paged) {
		t.Errorf("pages 1-3 of 5 = %v, want %v", paged, all)
	}
	if _, err := ix.Search(context.Background(), Request{Page: 1 << 30, Size: 5}); !errors.Is(err, ErrBadQuery) {
		t.Errorf("page 1<<30: err = %v, want ErrBadQuery", err)
	}
	for _, page := range []int{4, 1000} {
		res := mustSearch(t, ix, Request{Page: page, Size: 5})
		if len(res.Hits) != 0 || res.Total != 12 {
			t.Errorf("page %d: %d hits, total %d; want 0 hits, total 12", page, len(res.Hits), res.Total)
		}
		if got := res.Facets["severity"]; len(got) == 0 {
			t.Errorf("page %d: facets missing past the end", page)
		}
	}
}

func TestDefaults(t *testing.T) {
	ix, _ := buildFixture(t)
	res := mustSearch(t, ix, Request{})
	if len(res.Hits) != DefaultSize {
		t.Errorf("zero Size gave %d hits, want %d", len(res.Hits), DefaultSize)
	}
	if res.Hits == nil || res.Facets == nil {
		t.Error("Hits/Facets must be non-nil so JSON has [] and {}")
	}
	for _, fk := range facetKeys {
		if res.Facets[fk.key] == nil {
			t.Errorf("facet %s is nil", fk.key)
		}
	}
}

func TestFilters(t *testing.T) {
	ix, _ := buildFixture(t)
	f := func(kv ...string) map[string][]string {
		m := map[string][]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = append(m[kv[i]], kv[i+1])
		}
		return m
	}
	tests := []struct {
		name    string
		query   string
		filters map[string][]string
		want    []string // sorted newest first
	}{
		{"one tag", "", f("tag", "networking"), []string{"incidents/eu-region-outage/", "incidents/dns-resolver-outage/"}},
		{"OR within key", "", f("tag", "kafka", "tag", "tls"), []string{"incidents/kafka-consumer-lag/", "incidents/cert-expiry/"}},
		{"AND across keys", "", f("tag", "networking", "severity", "SEV1", "year", "2026"), []string{"incidents/eu-region-outage/"}},
		{"AND with nothing in common", "", f("tag", "kafka", "service", "billing"), nil},
		{"case-insensitive value", "", f("factor", "config change"), []string{"incidents/dns-resolver-outage/", "incidents/cdn-stale-prices/"}},
		{"display-case value", "", f("tag", "DNS"), []string{"incidents/dns-resolver-outage/"}},
		{"service", "", f("service", "checkout"), []string{"incidents/eu-region-outage/", "incidents/orders-db-failover/"}},
		{"filter plus query", "outage", f("service", "payments"), []string{"incidents/dns-resolver-outage/", "incidents/eu-region-outage/"}},
		{"stop-word query with filter matches nothing", "the", f("tag", "networking"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := mustSearch(t, ix, Request{Query: tt.query, Filters: tt.filters, Size: 100})
			got := hitURLs(res)
			if tt.query != "" {
				slices.Sort(got)
				tt.want = slices.Sorted(slices.Values(tt.want))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
			if res.Total != uint64(len(tt.want)) {
				t.Errorf("total %d, want %d", res.Total, len(tt.want))
			}
		})
	}
}

func TestFiltersDoNotChangeRanking(t *testing.T) {
	ix, _ := buildFixture(t)
	plain := mustSearch(t, ix, Request{Query: "payments timeouts outage"})
	filtered := mustSearch(t, ix, Request{Query: "payments timeouts outage", Filters: map[string][]string{"service": {"payments"}}})
	var kept []Hit
	for _, h := range plain.Hits {
		for _, g := range filtered.Hits {
			if g.URL == h.URL {
				kept = append(kept, h)
				if d := g.Score - h.Score; d > 1e-4 || d < -1e-4 {
					t.Errorf("%s: score %f with filter, %f without", h.URL, g.Score, h.Score)
				}
			}
		}
	}
	if len(kept) != len(filtered.Hits) || len(kept) < 2 {
		t.Fatalf("filtered hits %v not a subset of %v", hitURLs(filtered), hitURLs(plain))
	}
	for i := range kept {
		if kept[i].URL != filtered.Hits[i].URL {
			t.Errorf("order changed: %v vs %v", hitURLs(&Result{Hits: kept}), hitURLs(filtered))
			break
		}
	}
}

func facetMap(ts []FacetTerm) map[string]int {
	m := map[string]int{}
	for _, t := range ts {
		m[t.Term] = t.Count
	}
	return m
}

func TestFacetCounts(t *testing.T) {
	ix, _ := buildFixture(t)
	res := mustSearch(t, ix, Request{})
	want := map[string]map[string]int{
		"severity": {"SEV1": 3, "SEV2": 4, "SEV3": 4, "SEV4": 1},
		"year":     {"2026": 1, "2025": 2, "2024": 2, "2023": 2, "2022": 2, "2021": 1, "2020": 1, "2019": 1},
	}
	for key, w := range want {
		if got := facetMap(res.Facets[key]); !mapsEqual(got, w) {
			t.Errorf("facet %s = %v, want %v", key, got, w)
		}
	}
	factors := facetMap(res.Facets["factor"])
	for term, n := range map[string]int{"Insufficient testing": 3, "Single point of failure": 3, "Capacity": 3, "Config Change": 2, "Missing alert": 2, "Retry storm": 1} {
		if factors[term] != n {
			t.Errorf("factor %q = %d, want %d", term, factors[term], n)
		}
	}
	if got := facetMap(res.Facets["tag"])["DNS"]; got != 1 {
		t.Errorf("tag facet keeps display case: DNS = %d, want 1", got)
	}
	if got := facetMap(res.Facets["service"])["payments"]; got != 3 {
		t.Errorf("service payments = %d, want 3", got)
	}
	// Ordering: years newest first, severities in order, others by count.
	if y := res.Facets["year"]; y[0].Term != "2026" || y[len(y)-1].Term != "2019" {
		t.Errorf("year order %v", y)
	}
	if s := res.Facets["severity"]; s[0].Term != "SEV1" || s[3].Term != "SEV4" {
		t.Errorf("severity order %v", s)
	}
	f := res.Facets["factor"]
	for i := 1; i < len(f); i++ {
		if f[i-1].Count < f[i].Count {
			t.Errorf("factor facet not by count: %v", f)
		}
	}

	// Facets follow the query.
	res = mustSearch(t, ix, Request{Query: "outage"})
	if got := facetMap(res.Facets["severity"]); !mapsEqual(got, map[string]int{"SEV1": 2}) {
		t.Errorf("severity facet for 'outage' = %v", got)
	}
}

func TestMultiSelectFacets(t *testing.T) {
	ix, _ := buildFixture(t)
	res := mustSearch(t, ix, Request{Filters: map[string][]string{"tag": {"networking"}}})
	if res.Total != 2 {
		t.Fatalf("total %d", res.Total)
	}
	// The tag facet ignores the tag filter, so other tags can be OR-ed in...
	tags := facetMap(res.Facets["tag"])
	if tags["networking"] != 2 || tags["kafka"] != 1 || tags["DNS"] != 1 {
		t.Errorf("tag facet under a tag filter = %v", tags)
	}
	// ...while other facets count only the filtered results.
	if got := facetMap(res.Facets["severity"]); !mapsEqual(got, map[string]int{"SEV1": 2}) {
		t.Errorf("severity facet = %v, want only SEV1:2", got)
	}
	if got := facetMap(res.Facets["year"]); !mapsEqual(got, map[string]int{"2026": 1, "2023": 1}) {
		t.Errorf("year facet = %v", got)
	}
	// An active value that matches nothing still appears, so it can be removed.
	res = mustSearch(t, ix, Request{Query: "kafka", Filters: map[string][]string{"severity": {"SEV9"}}})
	if res.Total != 0 || facetMap(res.Facets["severity"])["SEV9"] != 0 || !slices.ContainsFunc(res.Facets["severity"], func(t FacetTerm) bool { return t.Term == "SEV9" }) {
		t.Errorf("active filter missing from facets: %+v", res.Facets["severity"])
	}
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func TestHighlightEscapesSource(t *testing.T) {
	ix, _ := buildFixture(t)
	res := mustSearch(t, ix, Request{Query: "script"})
	if len(res.Hits) != 1 || res.Hits[0].URL != "incidents/status-page-injection/" {
		t.Fatalf("hits %v", hitURLs(res))
	}
	frags := fragmentHTML(res.Hits[0])
	if !strings.Contains(frags, "<mark>script</mark>") {
		t.Errorf("no <mark> around the match: %q", frags)
	}
	if !strings.Contains(frags, "&lt;") || strings.Contains(frags, "<script") {
		t.Errorf("source HTML not escaped: %q", frags)
	}
	// Only <mark> tags may appear unescaped.
	stripped := strings.NewReplacer("<mark>", "", "</mark>", "").Replace(frags)
	if strings.ContainsAny(stripped, "<>") {
		t.Errorf("unexpected markup in fragments: %q", frags)
	}
}

func TestHighlightFields(t *testing.T) {
	ix, _ := buildFixture(t)
	// "SERVFAIL" is in body and timeline only, not in the summary.
	res := mustSearch(t, ix, Request{Query: "servfail"})
	if len(res.Hits) != 1 {
		t.Fatalf("hits %v", hitURLs(res))
	}
	frags := res.Hits[0].Fragments
	if len(frags) != 2 || frags[0].Field != "timeline" || frags[1].Field != "body" {
		t.Fatalf("fragments %+v, want timeline and body", frags)
	}
	for _, f := range frags {
		if !strings.Contains(f.HTML, "<mark>SERVFAIL</mark>") {
			t.Errorf("fragment without the match: %q", f.HTML)
		}
	}
	if m := res.Hits[0].Matched; !slices.Equal(m, []string{"body", "timeline"}) {
		t.Errorf("matched %v, want body and timeline", m)
	}
}

func TestBadRequests(t *testing.T) {
	ix, _ := buildFixture(t)
	tests := []Request{
		{Query: "title:("},
		{Query: strings.Repeat("a", MaxQueryLen+1)},
		{Query: "\xff\xfe"},
		{Query: "word~3"},
		{Query: "/[unclosed/"},
		{Query: "/a{1000}/"},
		{Query: "/" + strings.Repeat("a", maxRegexpLen+1) + "/"},
		{Query: "a*b*c*d*e*f"},
		{Query: "a* b* c* d* e*"},
		{Query: "**"},
		{Query: "+"},
		{Query: "~^/"},
		{Query: "/.*/"},
		{Query: "*timeout"},
		{Query: "ti*"},
		{Query: "ab~2"},
		{Page: maxWindow/10 + 1},
		{Query: strings.Repeat("tag:x ", maxClauses+1)},
		{Size: MaxSize + 1},
		{Size: -1},
		{Page: -1},
		{Filters: map[string][]string{"colour": {"red"}}},
		{Filters: map[string][]string{"tag": {strings.Repeat("x", maxFilterLen+1)}}},
		{Filters: map[string][]string{"tag": make([]string, maxFilterVals+1)}},
	}
	for _, req := range tests {
		_, err := ix.Search(context.Background(), req)
		if !errors.Is(err, ErrBadQuery) {
			q := req.Query
			if len(q) > 40 {
				q = q[:40] + "..."
			}
			t.Errorf("query %q size %d page %d filters %d: err = %v, want ErrBadQuery", q, req.Size, req.Page, len(req.Filters), err)
		}
	}
	// The limits themselves are fine.
	if _, err := ix.Search(context.Background(), Request{Query: strings.Repeat("é", MaxQueryLen), Size: MaxSize}); err != nil {
		t.Errorf("query at the limit: %v", err)
	}
}

func TestSearchAfterClose(t *testing.T) {
	ix, _ := buildFixture(t)
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := ix.Search(context.Background(), Request{}); !errors.Is(err, ErrClosed) {
		t.Errorf("err = %v, want ErrClosed", err)
	}
	if err := ix.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestConcurrentSearch(t *testing.T) {
	ix, _ := buildFixture(t)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for j := 0; j < 20; j++ {
				res, err := ix.Search(context.Background(), Request{Query: []string{"outage", "database", "timeouts", ""}[(i+j)%4]})
				if err != nil {
					errs <- err
					return
				}
				if res.Total == 0 {
					errs <- errors.New("no results")
					return
				}
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestCancelledContext(t *testing.T) {
	ix, _ := buildFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ix.Search(ctx, Request{Query: "outage"}); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func TestPastedTextIsSearchedAsWords(t *testing.T) {
	ix, _ := buildFixture(t)
	for _, q := range []string{`<script>alert('x')</script>`, `notes < innerHTML`, `(innerHTML)`, `https://status.example.com/notes?id=1 innerHTML`} {
		res, err := ix.Search(context.Background(), Request{Query: q})
		if err != nil {
			t.Errorf("%q: %v", q, err)
			continue
		}
		if len(res.Hits) == 0 || res.Hits[0].URL != "incidents/status-page-injection/" {
			t.Errorf("%q: hits %v", q, hitURLs(res))
		}
	}
}
