package search

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestFragmentsFollowTheQuery checks the fragments of each kind of query:
// what matched is marked, with bleve's stemming, and nothing else.
func TestFragmentsFollowTheQuery(t *testing.T) {
	ix, _ := buildFixture(t)
	tests := []struct {
		query, url string
		marked     []string // must each be marked in some fragment
		unmarked   []string // must not be marked
	}{
		{"timeouts", "incidents/payments-timeouts/", []string{"<mark>timeout</mark>"}, nil},
		{"time*", "incidents/kafka-consumer-lag/", []string{"<mark>timeout</mark>"}, nil},
		{"replika~1", "incidents/orders-db-failover/", []string{"<mark>replica</mark>"}, nil},
		{"/prom.*/", "incidents/orders-db-failover/", []string{"<mark>promoted</mark>", "<mark>promotion</mark>"}, nil},
		{"summary:checkout", "incidents/eu-region-outage/", []string{"<mark>checkout</mark>"}, nil},
		{"failover -tag:dns", "incidents/orders-db-failover/", []string{"<mark>failover</mark>"}, []string{"<mark>dns</mark>"}},
		{`"replication lag" backfill`, "incidents/orders-db-failover/", []string{"<mark>Replication</mark> <mark>lag</mark>", "<mark>backfill</mark>"}, nil},
		{"+runbook -nothing", "incidents/orders-db-failover/", []string{"<mark>runbook</mark>"}, []string{"nothing</mark>"}},
	}
	for _, tt := range tests {
		res := mustSearch(t, ix, Request{Query: tt.query, Size: 20})
		var frags string
		for _, h := range res.Hits {
			if h.URL == tt.url {
				frags = strings.Join(h.Fragments, "\n")
			}
		}
		for _, m := range tt.marked {
			if !strings.Contains(frags, m) {
				t.Errorf("%s: %s fragments lack %s: %q", tt.query, tt.url, m, frags)
			}
		}
		for _, m := range tt.unmarked {
			if strings.Contains(frags, m) {
				t.Errorf("%s: %s fragments have %s: %q", tt.query, tt.url, m, frags)
			}
		}
	}
}

// A match at the end of a long body still gets a fragment: the whole body
// is stored.
func TestFragmentFromTheEndOfALongBody(t *testing.T) {
	long := Document{ID: "long", URL: "incidents/long/", Title: "Long", Date: day("2024-01-01"),
		Body: strings.Repeat("nothing to see here. ", 2000) + "Then the zeppelin landed."}
	dir := filepath.Join(t.TempDir(), "idx")
	mustBuild(t, dir, append(fixtureDocs(), long))
	ix, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	res := mustSearch(t, ix, Request{Query: "zeppelin"})
	if len(res.Hits) != 1 || len(res.Hits[0].Fragments) != 1 || !strings.Contains(res.Hits[0].Fragments[0], "<mark>zeppelin</mark>") {
		t.Errorf("hits %+v", res.Hits)
	}
}
