package search

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func day(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

// fixtureDocs is a small, hand-written set of realistic postmortems. The
// relevance tests depend on their wording; change them together.
func fixtureDocs() []Document {
	return []Document{
		{
			ID: "orders-db-failover", URL: "incidents/orders-db-failover/",
			Title:    "Orders database failover stalled checkout",
			Summary:  "A planned primary failover of the orders database took 47 minutes instead of 2 because the replica was far behind.",
			Body:     "During routine maintenance we promoted the replica of the orders cluster. Replication lag had grown to 40 minutes after a bulk backfill, so the promotion waited for the replica to catch up. Checkout requests queued in the connection pool and timed out. Nobody had a runbook for aborting a promotion.",
			Timeline: "09:02 failover started. 09:10 checkout error rate at 30%. 09:49 replica caught up and promotion completed.",
			Actions:  "Alert on replication lag above 60 seconds. Write a runbook for aborting a promotion.",
			Tags:     []string{"database", "failover"}, Factors: []string{"Replication lag", "Missing runbook"},
			Services: []string{"orders", "checkout"}, Severity: "SEV1", Status: "published",
			Date: day("2024-03-12"), DurationMinutes: 47,
		},
		{
			ID: "dns-resolver-outage", URL: "incidents/dns-resolver-outage/",
			Title:    "Internal DNS resolver outage broke service discovery",
			Summary:  "A configuration push removed the upstream forwarders from the internal resolvers, so internal names stopped resolving.",
			Body:     "The resolver fleet was reconfigured by an automated change that dropped the forwarders block. Cached records kept most services alive until their TTL expired, then lookups of internal names returned SERVFAIL. Payments and the API gateway could not find their dependencies.",
			Timeline: "14:00 config change applied. 14:05 first SERVFAIL responses. 14:31 change reverted.",
			Actions:  "Validate resolver configuration before rollout. Add a canary resolver.",
			Tags:     []string{"DNS", "networking"}, Factors: []string{"Config Change", "Single point of failure"},
			Services: []string{"payments", "api-gateway"}, Severity: "SEV1", Status: "published",
			Date: day("2023-11-02"), DurationMinutes: 31,
		},
		{
			ID: "payments-timeouts", URL: "incidents/payments-timeouts/",
			Title:    "Payment provider timeouts during Black Friday",
			Summary:  "Our card payment provider slowed down under peak load and our clients retried aggressively, making it worse.",
			Body:     "At peak the provider's p99 latency rose above our 2 second client timeout. Every timeout triggered three immediate retries without backoff, which tripled the load on an already struggling provider. The circuit breaker was configured but disabled in production.",
			Timeline: "18:00 latency alerts. 18:12 retry storm identified. 18:40 circuit breaker enabled.",
			Actions:  "Add exponential backoff with jitter. Enable the circuit breaker in production.",
			Tags:     []string{"payments", "third-party"}, Factors: []string{"Capacity", "Retry storm"},
			Services: []string{"payments"}, Severity: "SEV2", Status: "published",
			Date: day("2022-11-25"), DurationMinutes: 40,
		},
		{
			ID: "cert-expiry", URL: "incidents/cert-expiry/",
			Title:    "Expired TLS certificate on the public API",
			Summary:  "The public API certificate expired on a Sunday; clients failed the TLS handshake for three hours.",
			Body:     "The certificate was renewed by hand every year and the reminder went to a mailbox nobody read. Monitoring checked that the endpoint answered, not that the certificate was valid.",
			Timeline: "03:00 certificate expired. 06:10 customer reports. 06:55 new certificate deployed.",
			Actions:  "Automate certificate renewal. Alert thirty days before expiry.",
			Tags:     []string{"tls", "certificates"}, Factors: []string{"Missing alert", "Manual process"},
			Services: []string{"api-gateway"}, Severity: "SEV2", Status: "published",
			Date: day("2021-06-30"), DurationMinutes: 235,
		},
		{
			ID: "kafka-consumer-lag", URL: "incidents/kafka-consumer-lag/",
			Title:    "Kafka consumer lag delayed order emails",
			Summary:  "Order confirmation emails arrived up to two hours late after a consumer group rebalanced continuously.",
			Body:     "A new consumer version took longer than the session timeout to process large batches, so the broker kept evicting it and the group rebalanced in a loop. Messages piled up on the topic.",
			Timeline: "10:00 deploy. 10:20 lag alert. 12:05 max poll records lowered.",
			Actions:  "Load test consumers with production batch sizes.",
			Tags:     []string{"kafka", "queues"}, Factors: []string{"Capacity"},
			Services: []string{"notifications", "orders"}, Severity: "SEV3", Status: "published",
			Date: day("2024-08-19"), DurationMinutes: 125,
		},
		{
			ID: "search-deploy-rollback", URL: "incidents/search-deploy-rollback/",
			Title:    "Bad deploy of the search service rolled back",
			Summary:  "A release with a broken query parser returned empty results for every search until it was rolled back.",
			Body:     "The new parser treated every query as a phrase. Unit tests covered single words only. The deploy pipeline had no smoke test against real queries.",
			Timeline: "11:00 release. 11:25 support tickets. 11:31 rollback.",
			Actions:  "Add a smoke test with real queries to the pipeline.",
			Tags:     []string{"deploy"}, Factors: []string{"Insufficient testing"},
			Services: []string{"search"}, Severity: "SEV3", Status: "published",
			Date: day("2025-01-15"), DurationMinutes: 31,
		},
		{
			ID: "billing-disk-full", URL: "incidents/billing-disk-full/",
			Title:    "Log volume filled the disk on the billing hosts",
			Summary:  "Debug logging left on after an investigation filled the root disk on every billing host.",
			Body:     "With the disk full, the billing database client could not write its local spool, and the database connection library crashed on start. Invoices were delayed. The database itself was healthy; the database driver could not start without a writable spool directory.",
			Timeline: "02:00 disk usage alert missed. 07:30 invoices delayed. 08:15 logs rotated.",
			Actions:  "Cap log volume size. Alert on disk usage above 80%.",
			Tags:     []string{"disk", "logging"}, Factors: []string{"Missing alert"},
			Services: []string{"billing"}, Severity: "SEV2", Status: "published",
			Date: day("2020-02-10"), DurationMinutes: 375,
		},
		{
			ID: "cdn-stale-prices", URL: "incidents/cdn-stale-prices/",
			Title:    "CDN cache purge failed and served stale prices",
			Summary:  "A price change was not visible for six hours because a CDN purge request silently failed.",
			Body:     "The purge API returned success for a request with a malformed path. Customers saw stale prices and some orders were placed at the old price.",
			Timeline: "09:00 prices updated. 15:00 customer complaint. 15:10 full purge.",
			Actions:  "Verify purges by fetching the page after purging.",
			Tags:     []string{"cdn", "caching"}, Factors: []string{"Config Change"},
			Services: []string{"storefront"}, Severity: "SEV3", Status: "published",
			Date: day("2023-05-05"), DurationMinutes: 360,
		},
		{
			ID: "status-page-injection", URL: "incidents/status-page-injection/",
			Title:    "Status page rendered raw HTML from incident notes",
			Summary:  "Incident notes containing markup were rendered unescaped on the public status page.",
			Body:     "An engineer pasted a log line containing <script>alert('x')</script> into the incident notes and the status page executed it. Notes were inserted with innerHTML.",
			Timeline: "16:00 notes posted. 16:20 reported by a customer. 16:45 template fixed.",
			Actions:  "Escape all user input in the status page templates.",
			Tags:     []string{"security"}, Factors: []string{"Insufficient testing"},
			Services: []string{"status-page"}, Severity: "SEV4", Status: "published",
			Date: day("2022-01-20"), DurationMinutes: 45,
		},
		{
			ID: "recommendations-memory-leak", URL: "incidents/recommendations-memory-leak/",
			Title:    "Memory leak in the recommendations service",
			Summary:  "Recommendation pods were killed for exceeding their memory limit every few hours.",
			Body:     "A cache keyed by session id was never evicted. Pods restarted when they hit the limit, dropping in-flight requests.",
			Timeline: "Ongoing for four days until the cache was bounded.",
			Actions:  "Bound every in-process cache. Alert on pod restarts.",
			Tags:     []string{"memory"}, Factors: []string{"Insufficient testing"},
			Services: []string{"recommendations"}, Severity: "SEV3", Status: "published",
			Date: day("2019-09-09"), DurationMinutes: 0,
		},
		{
			ID: "auth-clock-skew", URL: "incidents/auth-clock-skew/",
			Title:    "Clock skew broke token validation",
			Summary:  "Tokens were rejected as not yet valid because NTP had stopped on the auth hosts.",
			Body:     "The NTP daemon failed after an OS upgrade and the clocks drifted by four minutes. Freshly issued tokens carried an issue time in the future from the validator's point of view.",
			Timeline: "08:00 login failures. 08:40 clock drift found. 08:50 NTP restarted.",
			Actions:  "Monitor clock offset on every host.",
			Tags:     []string{"time", "auth"}, Factors: []string{"Single point of failure"},
			Services: []string{"auth"}, Severity: "SEV2", Status: "published",
			Date: day("2025-07-04"), DurationMinutes: 50,
		},
		{
			ID: "eu-region-outage", URL: "incidents/eu-region-outage/",
			Title:    "Cloud region outage took down eu-west",
			Summary:  "A provider networking failure in eu-west took orders, payments and checkout offline for European customers.",
			Body:     "We ran only in one region. The provider's networking failure lasted two hours and we had no way to fail over traffic to another region.",
			Timeline: "07:00 provider incident. 07:05 our alerts. 09:02 provider recovered.",
			Actions:  "Plan a second region for checkout.",
			Tags:     []string{"cloud", "networking"}, Factors: []string{"Single point of failure", "Capacity"},
			Services: []string{"orders", "payments", "checkout"}, Severity: "SEV1", Status: "published",
			Date: day("2026-01-08"), DurationMinutes: 122,
		},
	}
}

// buildFixture builds the fixture index in a temp dir and opens it
// read-only, as `serve --no-build` would.
func buildFixture(t testing.TB) (*Index, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "idx")
	mustBuild(t, dir, fixtureDocs())
	ix, err := Open(dir)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = ix.Close() })
	return ix, dir
}

// mustBuild builds docs into dir, failing the test if it cannot.
func mustBuild(t testing.TB, dir string, docs []Document) {
	t.Helper()
	if err := Build(dir, docs); err != nil {
		t.Fatalf("Build: %v", err)
	}
}

func mustSearch(t testing.TB, ix *Index, req Request) *Result {
	t.Helper()
	res, err := ix.Search(context.Background(), req)
	if err != nil {
		t.Fatalf("Search(%+v): %v", req, err)
	}
	// Every hit must carry its stored fields, whatever the query shape.
	for _, h := range res.Hits {
		if h.URL == "" || h.Title == "" || h.Date == "" {
			t.Errorf("Search(%+v): incomplete hit %+v", req, h)
		}
	}
	return res
}

func hitURLs(res *Result) []string {
	out := make([]string, len(res.Hits))
	for i, h := range res.Hits {
		out[i] = h.URL
	}
	return out
}

// fragmentHTML joins the HTML of a hit's fragments.
func fragmentHTML(h Hit) string {
	var parts []string
	for _, f := range h.Fragments {
		parts = append(parts, f.HTML)
	}
	return strings.Join(parts, "\n")
}
