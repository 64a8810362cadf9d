package search

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// engineerDocs are written for the ways engineers search: pasted errors
// and config lines, identifiers that live only in action items or the
// timeline, look-alikes that must rank below them.
func engineerDocs() []Document {
	return []Document{
		{
			ID: "pg-refused", URL: "incidents/pg-refused/", Title: "Checkout lost its Postgres connections",
			Summary:  "The checkout service could not reach its database after a failover.",
			Body:     "The logs filled with dial tcp 10.2.3.4:5432: connect: connection refused while the old primary was fenced. The standby had max_standby_streaming_delay = -1 set, so replay never paused.",
			Timeline: "09:12 oncall paged\n09:20 db-7.eu-west.internal promoted by the failover script",
			Actions:  "Alert on replica replay lag · dba · OPS-4106\nPin the driver to v2.3.17 · checkout · OPS-4110",
			Tags:     []string{"postgres"}, Services: []string{"checkout"}, Severity: "SEV1", Date: day("2025-03-01"),
		},
		{
			ID: "pg-lookalike", URL: "incidents/pg-lookalike/", Title: "Connection storms against the orders database",
			Summary:  "Orders opened too many connections to the database host db-8.eu-west.internal.",
			Body:     "Connections were refused by the pooler on port 5432 when the pool of connections was exhausted; the dial timeout was 10 seconds. Upgrading to v2.3.18 fixed the leak.",
			Timeline: "10:00 dial errors rising\n10:30 pooler restarted",
			Actions:  "Cap connections per pod · orders · OPS-4107",
			Tags:     []string{"postgres"}, Services: []string{"orders"}, Severity: "SEV2", Date: day("2025-04-01"),
		},
		{
			ID: "edge-reset", URL: "incidents/edge-reset/", Title: "Edge proxies reset client connections",
			Summary:  "Clients saw ERR_CONN_RESET and HTTP 503 from the edge after a config push.",
			Body:     "Windows agents reported 0x80004005 when uploads were cut. The proxy build 1.24.3 had a keep-alive bug. We use “smart quotes” in notes, and someone pasted &rdquo;entities&ldquo; and <b>markup</b> too.",
			Timeline: "11:00 config push\n11:05 503s at the edge",
			Actions:  "Roll back proxy builds automatically · edge · NET-77",
			Tags:     []string{"edge"}, Services: []string{"proxy"}, Severity: "SEV2", Date: day("2025-05-01"),
		},
		{
			ID: "retry-storm", URL: "incidents/retry-storm/", Title: "Retries amplified a Kubernetes API slowdown",
			Summary:  "Controllers retried without backoff and the control plane timed out.",
			Body:     "Timeouts in the Kubernetes API server made every controller retry immediately. The connection pool exhausted quickly once retries piled up.",
			Timeline: "12:00 apiserver latency alert\n12:40 controllers scaled down",
			Actions:  "Add backoff to controller retries · platform · OPS-5000",
			Tags:     []string{"kubernetes"}, Services: []string{"platform"}, Severity: "SEV3", Date: day("2025-06-01"),
		},
		{
			ID: "pool-words", URL: "incidents/pool-words/", Title: "Batch jobs starved the worker pools",
			Summary:  "Worker pools ran out of threads; a connection to the queue was lost and exhaustion followed.",
			Body:     "The batch pool grew until every connection was busy. Exhausted workers stopped acking, so the pool of connections exhausted the broker's limit.",
			Timeline: "13:00 queue depth alert",
			Actions:  "Separate batch and interactive pools · jobs · OPS-5001",
			Tags:     []string{"queues"}, Services: []string{"jobs"}, Severity: "SEV3", Date: day("2025-07-01"),
		},
	}
}

func buildDocs(t testing.TB, docs []Document) *Index {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "idx")
	mustBuild(t, dir, docs)
	ix, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	return ix
}

// top runs q and returns the hits, failing on an error.
func top(t *testing.T, ix *Index, q string) []Hit {
	t.Helper()
	return mustSearch(t, ix, Request{Query: q, Size: 20}).Hits
}

func TestEngineerQueries(t *testing.T) {
	ix := buildDocs(t, append(engineerDocs(), fixtureDocs()...))
	tests := []struct {
		name, query, first string
		matched            string // must be in the first hit's Matched, with a fragment if a fragment field
	}{
		{"pasted error", "dial tcp 10.2.3.4:5432: connect: connection refused", "incidents/pg-refused/", "body"},
		{"config line", "max_standby_streaming_delay = -1", "incidents/pg-refused/", "body"},
		{"quotes and equals", `error="connection refused" port=5432`, "incidents/pg-refused/", "body"},
		{"unfinished quote", `"connection refused" 10.2.3.4 "tcp`, "incidents/pg-refused/", "body"},
		{"ticket only in actions", "OPS-4106", "incidents/pg-refused/", "actions"},
		{"ticket, lower case", "ops-4107", "incidents/pg-lookalike/", "actions"},
		{"hostname only in timeline", "db-7.eu-west.internal", "incidents/pg-refused/", "timeline"},
		{"error code", "ERR_CONN_RESET", "incidents/edge-reset/", "summary"},
		{"status code", "HTTP 503", "incidents/edge-reset/", "summary"},
		{"hex code", "0x80004005", "incidents/edge-reset/", "body"},
		{"version", "v2.3.17", "incidents/pg-refused/", "actions"},
		{"dotted version", "1.24.3", "incidents/edge-reset/", "body"},
		{"version without its v", "2.3.17", "incidents/pg-refused/", "identifier"},
		{"version with a v the text lacks", "v1.24.3", "incidents/edge-reset/", "identifier"},
		{"prefix retr", "retr", "incidents/retry-storm/", "title"},
		{"prefix kube", "kube", "incidents/retry-storm/", "title"},
		{"prefix timeo", "apiserver timeo", "incidents/retry-storm/", "body"},
		{"exact phrase first", "connection pool exhausted", "incidents/retry-storm/", "body"},
		{"field syntax still works", "service:checkout postgres", "incidents/pg-refused/", "service"},
		{"tag syntax", "tag:kubernetes", "incidents/retry-storm/", "tag"},
		{"factor phrase", `factor:"config change" edge`, "incidents/edge-reset/", "summary"},
		{"severity", "severity:sev1 postgres", "incidents/pg-refused/", "severity"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hits := top(t, ix, tt.query)
			if len(hits) == 0 || hits[0].URL != tt.first {
				t.Fatalf("%q: hits %v, want %s first", tt.query, hitURLs(&Result{Hits: hits}), tt.first)
			}
			h := hits[0]
			if !slices.Contains(h.Matched, tt.matched) {
				t.Errorf("%q: matched %v, want %s", tt.query, h.Matched, tt.matched)
			}
			if slices.Contains(fragmentFields, tt.matched) && !slices.ContainsFunc(h.Fragments, func(f Fragment) bool {
				return f.Field == tt.matched && strings.Contains(f.HTML, "<mark>")
			}) {
				t.Errorf("%q: no %s fragment in %+v", tt.query, tt.matched, h.Fragments)
			}
			for _, m := range h.Matched {
				if slices.Contains(fragmentFields, m) && !slices.ContainsFunc(h.Fragments, func(f Fragment) bool { return f.Field == m }) {
					t.Errorf("%q: matched %s but no fragment from it: %+v", tt.query, m, h.Fragments)
				}
			}
		})
	}
}

// An identifier is found whole: its look-alike (OPS-4107 for OPS-4106)
// may match on the pieces, but ranks below.
func TestIdentifierBeatsLookalike(t *testing.T) {
	ix := buildDocs(t, engineerDocs())
	for q, want := range map[string]string{
		"OPS-4106": "incidents/pg-refused/", "OPS-4107": "incidents/pg-lookalike/",
		"db-8.eu-west.internal": "incidents/pg-lookalike/", "v2.3.18": "incidents/pg-lookalike/",
	} {
		hits := top(t, ix, q)
		if len(hits) == 0 || hits[0].URL != want {
			t.Errorf("%s: %v, want %s first", q, hitURLs(&Result{Hits: hits}), want)
		}
		if len(hits) > 1 && hits[1].Score > hits[0].Score/2 {
			t.Errorf("%s: the look-alike scores %.3g, close to %.3g", q, hits[1].Score, hits[0].Score)
		}
	}
}

// The exact phrase outranks documents that have only the stems of its
// words, even where those say them more often.
func TestPhraseRanksFirst(t *testing.T) {
	ix := buildDocs(t, engineerDocs())
	hits := top(t, ix, "connection pool exhausted")
	if len(hits) < 2 || hits[0].URL != "incidents/retry-storm/" {
		t.Fatalf("hits %v, want retry-storm first", hitURLs(&Result{Hits: hits}))
	}
	if !strings.Contains(fragmentHTML(hits[0]), "<mark>connection</mark> <mark>pool</mark> <mark>exhausted</mark>") {
		t.Errorf("phrase not marked: %s", fragmentHTML(hits[0]))
	}
	// Quoted, only the phrase matches.
	if got := hitURLs(mustSearch(t, ix, Request{Query: `"connection pool exhausted"`})); !slices.Equal(got, []string{"incidents/retry-storm/"}) {
		t.Errorf("quoted phrase: %v", got)
	}
}

// Fragments are text: characters, never entities, with only <mark> as
// markup.
func TestFragmentsAreText(t *testing.T) {
	ix := buildDocs(t, engineerDocs())
	hits := top(t, ix, "quotes entities markup")
	if len(hits) == 0 {
		t.Fatal("no hits")
	}
	html := fragmentHTML(hits[0])
	for _, bad := range []string{"&rdquo;", "&ldquo;", "&amp;", "<b>"} {
		if strings.Contains(html, bad) {
			t.Errorf("fragment has %q: %s", bad, html)
		}
	}
	for _, want := range []string{"“smart <mark>quotes</mark>”", "”<mark>entities</mark>“", "&lt;b&gt;<mark>markup</mark>&lt;/b&gt;"} {
		if !strings.Contains(html, want) {
			t.Errorf("fragment lacks %q: %s", want, html)
		}
	}
}

// Costly queries are refused before they run, with a message for the
// user.
func TestCostlyQueriesRefused(t *testing.T) {
	ix := buildDocs(t, engineerDocs())
	for _, q := range []string{
		"/.*/", "/.+/", "/a.*/", "/(a|b)*/", "*", "*a*", "*conn", "?onn", "co*", "a*b*c*d", "conn*i*o*n",
		"connection~3", "ab~1", "abc~2", "conn* pool* retr* time* kube*",
		strings.Repeat("+word ", maxClauses+1), "/" + strings.Repeat("a", maxRegexpLen+1) + "/",
	} {
		_, err := ix.Search(context.Background(), Request{Query: q})
		if q == "*" {
			if err != nil {
				t.Errorf("* lists everything: %v", err)
			}
			continue
		}
		if !errors.Is(err, ErrBadQuery) {
			t.Errorf("%.40q: err = %v, want ErrBadQuery", q, err)
		} else if strings.Contains(err.Error(), "bleve") {
			t.Errorf("%.40q: message is not for users: %v", q, err)
		}
	}
	// A long paste is searched by its first words, not refused.
	long := "dial tcp 10.2.3.4:5432: connect: connection refused " + strings.Repeat("retrying in 5s after backoff; ", 30)
	if hits := top(t, ix, long); len(hits) == 0 || hits[0].URL != "incidents/pg-refused/" {
		t.Errorf("long paste: %v", hitURLs(&Result{Hits: hits}))
	}
	// An unfinished quote, while typing, is words, not an error.
	if hits := top(t, ix, `"connection refu`); !slices.ContainsFunc(hits, func(h Hit) bool { return h.URL == "incidents/pg-refused/" }) {
		t.Errorf("unfinished quote: %v", hitURLs(&Result{Hits: hits}))
	}
	// Bounded forms still work.
	for _, q := range []string{"conn*", "retr?es", "replika~1", "/retr.*/", "connection~2"} {
		if _, err := ix.Search(context.Background(), Request{Query: q}); err != nil {
			t.Errorf("%s: %v", q, err)
		}
	}
}
