package search

import (
	"slices"
	"testing"
)

// TestRelevance checks that queries naming an incident's distinctive words
// rank it first, and that a title match beats a body mention.
func TestRelevance(t *testing.T) {
	ix, _ := buildFixture(t)
	tests := []struct {
		query string
		first string   // expected top hit (URL)
		also  []string // must be in the results too
		none  []string // must not be in the results
	}{
		{query: "failover", first: "incidents/orders-db-failover/"},
		{query: "dns resolver", first: "incidents/dns-resolver-outage/"},
		// stemming: "timeouts" finds the body-only "timeout" in the Kafka doc
		{query: "timeouts", first: "incidents/payments-timeouts/", also: []string{"incidents/kafka-consumer-lag/"}},
		{query: "timeout", first: "incidents/payments-timeouts/"},
		{query: "expired certificate", first: "incidents/cert-expiry/"},
		{query: "kafka rebalance", first: "incidents/kafka-consumer-lag/"},
		// title match outranks a doc that says "database" four times in its body
		{query: "database", first: "incidents/orders-db-failover/", also: []string{"incidents/billing-disk-full/"}},
		{query: `"stale prices"`, first: "incidents/cdn-stale-prices/"},
		{query: `"prices stale"`, none: []string{"incidents/cdn-stale-prices/"}},
		{query: "memory leak", first: "incidents/recommendations-memory-leak/"},
		{query: "clock skew tokens", first: "incidents/auth-clock-skew/"},
		{query: "circuit breaker retry storm", first: "incidents/payments-timeouts/"},
		{query: "log volume disk", first: "incidents/billing-disk-full/"},
		{query: "region outage", first: "incidents/eu-region-outage/", also: []string{"incidents/dns-resolver-outage/"}},
		{query: "rollback smoke test", first: "incidents/search-deploy-rollback/"},
		// action items are searched too
		{query: "jitter", first: "incidents/payments-timeouts/"},
		// field queries with friendly names, case-insensitive values
		{query: "tag:dns", first: "incidents/dns-resolver-outage/"},
		{query: "tags:DNS outage", first: "incidents/dns-resolver-outage/"},
		{query: "service:payments timeouts", first: "incidents/payments-timeouts/"},
		{query: "+service:payments -tag:networking", first: "incidents/payments-timeouts/", none: []string{"incidents/dns-resolver-outage/", "incidents/eu-region-outage/"}},
		{query: "title:outage", also: []string{"incidents/dns-resolver-outage/", "incidents/eu-region-outage/"}, none: []string{"incidents/orders-db-failover/"}},
		{query: `factor:"config change"`, also: []string{"incidents/dns-resolver-outage/", "incidents/cdn-stale-prices/"}},
		// a colon in ordinary text is not a field query
		{query: "error: timeout", first: "incidents/payments-timeouts/"},
		{query: "load:2 second client", first: "incidents/payments-timeouts/"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			res := mustSearch(t, ix, Request{Query: tt.query, Size: 20})
			got := hitURLs(res)
			if tt.first != "" && (len(got) == 0 || got[0] != tt.first) {
				t.Errorf("top hit = %v, want %s first", got, tt.first)
			}
			for _, u := range tt.also {
				if !slices.Contains(got, u) {
					t.Errorf("results %v lack %s", got, u)
				}
			}
			for _, u := range tt.none {
				if slices.Contains(got, u) {
					t.Errorf("results %v contain %s", got, u)
				}
			}
		})
	}
}

// TestFieldQueries pins the exact result sets of structured queries.
func TestFieldQueries(t *testing.T) {
	ix, _ := buildFixture(t)
	tests := []struct {
		query string
		want  uint64
	}{
		{"severity:SEV1", 3},
		{"sev:sev1", 3},
		{"year:2024", 2},

		{"status:published", 12},
		{"-dns", 11},
		{"the", 0}, // stop words alone match nothing
		{"*", 12},
		{"time*", 4},
		{"nosuchwordanywhere", 0},
	}
	for _, tt := range tests {
		res := mustSearch(t, ix, Request{Query: tt.query})
		if res.Total != tt.want {
			t.Errorf("%q: total %d, want %d (%v)", tt.query, res.Total, tt.want, hitURLs(res))
		}
	}
}
