package main

// Vocabulary for the corpus. Everything here is fixed text so that output
// depends only on the flags. Templates use {key} placeholders that
// (*docWriter).fill expands; see render.go for the list of keys.
//
// None of these strings may contain the phrases the project's linter flags
// (see bannedPhrases); TestVocabularyIsClean enforces that, so only the
// deliberate lint-noise sentences ever carry them.

type service struct {
	id, name, team string
}

// Ordered by popularity: the sampler gives earlier entries more incidents.
var services = []service{
	{"checkout-api", "Checkout API", "Payments"},
	{"api-gateway", "API gateway", "Platform"},
	{"auth-service", "Auth service", "Identity"},
	{"search-api", "Search API", "Search"},
	{"payments-gateway", "Payments gateway", "Payments"},
	{"web-frontend", "Web frontend", "Web"},
	{"notification-service", "Notification service", "Messaging"},
	{"k8s-control-plane", "Kubernetes control plane", "Platform"},
	{"order-router", "Order router", "Fulfilment"},
	{"edge-proxy", "Edge proxy", "Traffic"},
	{"catalog-service", "Catalog service", "Catalog"},
	{"billing-worker", "Billing worker", "Billing"},
	{"metrics-pipeline", "Metrics pipeline", "Observability"},
	{"mobile-bff", "Mobile BFF", "Mobile"},
	{"session-store", "Session store", "Identity"},
	{"search-indexer", "Search indexer", "Search"},
	{"inventory-sync", "Inventory sync", "Fulfilment"},
	{"email-sender", "Email sender", "Messaging"},
	{"ci-runners", "CI runners", "Developer Productivity"},
	{"internal-dns", "Internal DNS", "Traffic"},
	{"pricing-engine", "Pricing engine", "Catalog"},
	{"log-shipping", "Log shipping", "Observability"},
	{"user-profile", "User profile service", "Identity"},
	{"feature-flags", "Feature flag service", "Platform"},
	{"invoice-service", "Invoice service", "Billing"},
	{"push-gateway", "Push gateway", "Messaging"},
	{"object-storage", "Object storage", "Storage"},
	{"warehouse-etl", "Warehouse ETL", "Data"},
	{"artifact-registry", "Artifact registry", "Developer Productivity"},
	{"shipping-quotes", "Shipping quotes", "Fulfilment"},
}

// Ticket prefixes per team, so tickets look like they come from real trackers.
var teamTicketPrefix = map[string]string{
	"Payments": "PAY", "Platform": "PLAT", "Identity": "IAM", "Search": "SRCH",
	"Web": "WEB", "Messaging": "MSG", "Fulfilment": "FUL", "Traffic": "NET",
	"Catalog": "CAT", "Billing": "BILL", "Observability": "OBS", "Mobile": "MOB",
	"Developer Productivity": "DEVX", "Storage": "STOR", "Data": "DATA", "SRE": "SRE",
}

// Ordered by popularity (Zipf-sampled).
var tags = []string{
	"latency", "availability", "deploy", "config", "database", "customer-facing",
	"kubernetes", "networking", "capacity", "alerting", "timeouts", "retries",
	"dns", "cache", "queue", "third-party", "auth", "observability", "on-call",
	"certificates", "storage", "memory", "failover", "feature-flag", "migration",
	"rate-limiting", "load-balancer", "internal", "batch", "cron", "billing",
	"search", "mobile", "ci-cd", "cdn", "cpu", "disk", "security", "backup",
	"data-loss",
}

// Responders and authors. Deliberately international; a few non-ASCII
// names exercise UTF-8 handling downstream.
var people = []string{
	"Priya Raman", "Tomás Ortega", "Mei Lin", "Daniel Okafor", "Sarah Kim",
	"Lukas Weber", "Aisha Bello", "Marco Rossi", "Hannah Schmidt", "Kenji Watanabe",
	"Olivia Brown", "Rahul Mehta", "Sofia Petrova", "Chen Wei", "Emma Johansson",
	"Diego Fernández", "Fatima Zahra", "Noah Williams", "Anya Kowalski", "Samuel Mensah",
	"Grace Liu", "Pedro Alves", "Ingrid Larsen", "Yusuf Demir", "Chloé Martin",
	"Arjun Nair", "Laura García", "Tobias Müller", "Nadia Haddad", "Ethan Clarke",
	"Zoë Fischer", "Kwame Asante", "Isabel Costa", "Ravi Shankar", "Elena Novak",
	"Oscar Lindqvist", "Amara Nwosu", "Felix Wagner", "Julia Santos", "Hiroshi Tanaka",
	"Maya Patel", "Søren Madsen", "Leila Karimi", "Ben Carter", "Valentina Greco",
	"Jonas Berg", "Ama Owusu", "Lucas Moreau", "Sana Qureshi", "Patrick Doyle",
	"Ivana Horvat", "Mateo Ruiz", "Keiko Sato", "Victor Dubois", "Nora Eriksen",
	"Omar Farouk", "Rebecca Stone", "Dmitri Volkov", "Alice Nguyen", "Tariq Hassan",
}

var regions = []string{
	"us-east-1", "us-east-1", "us-west-2", "eu-west-1", "eu-west-1", "eu-central-1",
	"ap-southeast-2", "ap-northeast-1", "sa-east-1",
}

var stores = []string{
	"the primary Postgres cluster", "the Redis cache tier", "the Kafka brokers",
	"the Elasticsearch cluster", "the MySQL replica set", "etcd",
	"the Cassandra ring", "the RabbitMQ cluster", "the Memcached pool",
	"the object store", "the DynamoDB table", "the ZooKeeper ensemble",
}

var metrics = []string{
	"p99 latency", "the 5xx error rate", "queue depth", "CPU saturation",
	"memory usage", "connection count", "consumer lag", "disk usage",
	"GC pause time", "request rate", "replication lag", "open file descriptors",
	"the checkout success rate", "login success rate", "time to first byte",
}

var tools = []string{
	"PagerDuty", "Alertmanager", "Datadog", "Grafana", "the synthetic checks",
	"Sentry", "the status page monitor", "Opsgenie",
}

var flagNames = []string{
	"async_checkout", "new_pricing_path", "batch_writes", "edge_compression",
	"smart_retries", "v2_search_ranking", "lazy_session_load", "grpc_transport",
	"bulk_notifications", "regional_routing",
}

var hosts = []string{
	"db-prod-07", "ip-10-0-12-34", "cache-14", "kafka-broker-3", "worker-b-112",
	"es-data-09", "lb-edge-02", "node-pool-c-41", "etcd-2", "runner-88",
}

// A title-ish symptom; combined with services and triggers into titles.
var symptoms = []string{
	"elevated error rates", "latency spike", "outage", "partial outage",
	"degraded performance", "stale results", "delayed emails",
	"duplicate notifications", "login errors", "checkout errors",
	"data inconsistency", "queue backlog", "missing metrics", "slow page loads",
	"request timeouts", "dropped events", "payment declines", "intermittent 502s",
	"connection resets", "high memory usage",
}

// trigger: what set the incident off. title is used in titles, prose in the
// body (may contain placeholders), mitigations are the plausible fixes.
type trigger struct {
	title, prose string
	mitigations  []string
}

var triggers = []trigger{
	{"config change", "a configuration change to {svc} was pushed to all regions at once",
		[]string{"reverting the config change", "pinning the previous config version"}},
	{"deploy", "a routine deploy of {svc} version {ver} went out",
		[]string{"rolling back to the previous release", "halting the rollout and rolling back"}},
	{"database failover", "an unplanned failover of {store} took place",
		[]string{"promoting the healthy replica", "pointing clients at the new primary"}},
	{"certificate expiry", "an intermediate certificate used by {svc} expired",
		[]string{"deploying a renewed certificate", "reissuing the certificate chain"}},
	{"traffic surge", "a marketing campaign drove traffic to {n} times the usual peak",
		[]string{"scaling out {svc}", "enabling load shedding at the edge"}},
	{"schema migration", "a schema migration took a long-running lock on a hot table",
		[]string{"cancelling the migration", "terminating the blocking query"}},
	{"library upgrade", "an upgrade of a shared HTTP client library changed its retry defaults",
		[]string{"pinning the previous library version", "rolling back to the previous release"}},
	{"node pool upgrade", "a node pool upgrade drained nodes faster than pods could reschedule",
		[]string{"pausing the node pool upgrade", "adding capacity to the old node pool"}},
	{"flag rollout", "the {flag} feature flag was enabled for all customers",
		[]string{"disabling the {flag} flag", "rolling the flag back to internal users only"}},
	{"provider maintenance", "scheduled maintenance by our cloud provider started in {region}",
		[]string{"draining traffic from {region}", "failing over to a second region"}},
	{"DNS change", "a DNS record for an internal endpoint was changed",
		[]string{"restoring the previous DNS record", "flushing resolver caches"}},
	{"credential rotation", "an automated credential rotation for {store} ran",
		[]string{"restoring the previous credentials", "restarting clients to load the new secret"}},
	{"batch job overlap", "two runs of the nightly batch job overlapped",
		[]string{"stopping the duplicate job", "pausing the scheduler"}},
	{"log level change", "a debug log level was left enabled in production",
		[]string{"lowering the log level", "dropping debug logs at the shipper"}},
	{"cache flush", "a full cache flush ran during routine maintenance",
		[]string{"warming the cache gradually", "rate limiting cache misses"}},
	{"network partition", "a network partition split two availability zones",
		[]string{"moving traffic to the healthy zone", "removing the partitioned zone from the pool"}},
	{"disk filling up", "the data volume on {host} filled up",
		[]string{"freeing disk space on {host}", "expanding the volume"}},
	{"vendor outage", "our upstream provider for {svc2} had an outage",
		[]string{"failing over to the secondary provider", "queueing requests until the provider recovered"}},
	{"memory leak", "a slow memory leak in the new release of {svc} built up over several days",
		[]string{"restarting pods on a rolling schedule", "rolling back to the previous release"}},
	{"quota limit", "an API quota at our cloud provider was reached",
		[]string{"requesting a quota increase", "spreading requests across two accounts"}},
}

// factor is a contributing factor. gist is an incident-specific sentence
// (template); desc is a general explanation for its factors/ page.
type factor struct {
	name    string
	aliases []string
	gist    string
	desc    string
}

// Ordered by popularity: the sampler is Zipf-like over this order, so the
// head gets most incidents and the tail stays rare.
var factors = []factor{
	{"Config drift", []string{"Configuration drift"},
		"The {svc} configuration on {n} hosts had drifted from the version in the repository, so the change behaved differently there than in staging.",
		"Configuration that is edited in place slowly diverges from what the repository says. Each manual tweak makes sense locally, but over months the real state becomes unknown, and changes tested against the documented state behave differently in production."},
	{"Retry storm", []string{"Retry amplification"},
		"Clients of {svc} retried failed calls immediately and without a budget, multiplying load by roughly {n} times at the moment the service was weakest.",
		"Retries are a good default for transient errors, but when every layer retries independently the load multiplies. A small slowdown turns into a surge of repeated requests that keeps the struggling service from recovering."},
	{"Missing alert", nil,
		"There was no alert on {metric} for {svc}, so the first signal came from customers rather than from monitoring.",
		"A failure mode nobody has seen before rarely has an alert. Detection then depends on customers, support staff or someone glancing at a dashboard, which adds minutes or hours to every incident of that kind."},
	{"Timeout misconfiguration", nil,
		"The client timeout towards {svc2} was {ms} ms, longer than the caller's own deadline, so threads waited on requests that could no longer succeed.",
		"Timeouts are usually set once and forgotten. When a caller waits longer than its own caller is prepared to wait, work piles up for requests that have already been abandoned, and resources run out upstream."},
	{"Unclear ownership", nil,
		"Nobody was sure which team owned {svc2}; the service catalogue listed a team that had been reorganised a year earlier.",
		"Systems outlive the org chart. When a component has no clear owner, alerts go to the wrong place, fixes stall in review, and responders lose time finding someone who knows how it works."},
	{"Observability gap", nil,
		"{svcname} emitted no metrics for the code path that was failing, so responders had to infer its behaviour from logs.",
		"Instrumentation tends to cover the paths that have failed before. New or rarely used paths run dark, and when they fail responders have to reconstruct what happened from indirect evidence."},
	{"Alert fatigue", nil,
		"The alert that did fire had paged {n} times in the previous month without a real problem behind it, so it was treated as noise at first.",
		"An alert that fires often without consequence teaches people to ignore it. The cost shows up later, when the same alert is the first and only sign of a real problem."},
	{"Insufficient capacity headroom", nil,
		"{svcname} was running at {pct}% of its provisioned capacity before the incident started, leaving little room to absorb a spike.",
		"Running close to capacity is efficient on a normal day and fragile on an unusual one. Headroom is the buffer that turns a traffic spike or a lost node into a non-event."},
	{"Stale runbook", []string{"Outdated runbook"},
		"The runbook for {svc} still described the setup from before the migration to {store}, and two of its steps no longer applied.",
		"Runbooks are written once and consulted rarely. The system changes underneath them, and during an incident responders follow steps that no longer match reality."},
	{"Noisy neighbour", []string{"Noisy neighbor"},
		"{svcname} shared nodes with a batch workload that saturated disk I/O, and its own latency rose with no change on our side.",
		"Shared infrastructure lets one workload degrade another. The affected service shows symptoms without any change of its own, which sends responders looking in the wrong place."},
	{"Connection pool exhaustion", nil,
		"The connection pool to {store} was capped at {n} connections per instance, and slow queries held every connection open.",
		"Connection pools protect a database until requests slow down. Then connections are held longer, the pool empties, and callers queue or fail even though the database itself has spare capacity."},
	{"Hidden coupling", nil,
		"{svcname} depended on {svc2} through a shared cache key that neither team knew the other was using.",
		"Dependencies that do not appear in any diagram, such as shared caches, tables or conventions, mean that a change in one place breaks something that looked unrelated."},
	{"Partial rollout", nil,
		"The change reached {pct}% of hosts before the rollout paused, leaving two versions running side by side with incompatible expectations.",
		"Gradual rollouts reduce the blast radius but create a period in which old and new versions run together. Any incompatibility between them only shows up in that mixed state."},
	{"Expired certificate", []string{"Certificate expiry"},
		"A certificate on the {svc} endpoint expired on a weekend; the renewal reminder went to a mailbox nobody monitored any more.",
		"Certificates expire on a schedule that is years long, longer than most people stay in a role. Renewal depends on reminders and automation that quietly stop working as teams change."},
	{"Deploy during peak traffic", nil,
		"The change was deployed at {start} UTC, close to the daily peak for {region}, when any regression affects the most customers.",
		"Deploying at peak is sometimes necessary and often convenient, because that is when people are at work. It also means every regression lands on the largest possible audience."},
	{"Feature flag interaction", nil,
		"The {flag} flag changed the request path in a way nobody had tested together with the caching flag that was already enabled.",
		"Flags are tested one at a time, but run in combinations. Two flags that are safe individually can produce a code path that no test exercised."},
	{"Thundering herd", nil,
		"When {store} came back, every client reconnected at the same moment and the sudden load took it down again.",
		"Many clients reacting to the same event at the same moment create a synchronised spike. Recovery itself becomes the next incident unless reconnects are spread out."},
	{"Cache stampede", nil,
		"A popular cache entry for {svc} expired and thousands of requests tried to rebuild it at once against {store}.",
		"When a hot cache entry expires, every request that misses tries to recompute it. The backing store sees a burst it was never sized for."},
	{"Single point of failure", nil,
		"{svcname} ran a single instance of its scheduler, and when {host} went away nothing took over.",
		"A component without redundancy turns any failure of its host into an outage. These often survive because they were meant to be temporary."},
	{"Knowledge silo", nil,
		"Only {person} knew how the {svc} failover worked, and they were on leave that week.",
		"When understanding of a system lives in one person, incidents wait for that person. The knowledge rarely gets written down because that person is always busy."},
	{"Misleading metric", nil,
		"The dashboard showed average latency, which stayed flat while p99 latency for {svc} rose above {ms} ms.",
		"Averages and aggregates hide tails and outliers. A dashboard can look healthy while a meaningful share of users has a very bad experience."},
	{"Memory leak", nil,
		"{svcname} leaked a small amount of memory per request; pods were being recycled by deploys often enough to hide it until the deploy freeze.",
		"Leaks are often masked by frequent restarts. When deploys slow down, for a holiday freeze for example, the process finally lives long enough to run out of memory."},
	{"Unbounded queue growth", nil,
		"The work queue between {svc} and {svc2} had no size limit, so the backlog grew to {big} messages before anyone noticed.",
		"A queue without bounds turns overload into delay instead of errors. The system looks healthy while latency grows silently until the backlog is hours long."},
	{"Missing rate limit", nil,
		"There was no per-client rate limit on {svc}, so one misbehaving integration was able to consume most of its capacity.",
		"Without limits, a single caller can starve everyone else. Well-behaved clients bear the cost of one badly behaved one."},
	{"Dashboard blind spot", nil,
		"The {svc} dashboard had no panel for {region}, which is where every failing request came from.",
		"Dashboards show what their authors expected to matter. Regions, tenants or code paths added later are easy to leave out, and failures there go unseen."},
	{"Manual toil", nil,
		"Recovering {svc} needed {n} manual steps, each run by hand from a terminal, which slowed mitigation and invited slips.",
		"Repetitive manual procedures are slow and error-prone under pressure. Each step is easy on its own, but a long sequence at three in the morning is not."},
	{"Handoff gap", nil,
		"The incident spanned a shift change, and context about what had already been tried did not carry over to the next on-call.",
		"Context is lost at boundaries: between shifts, teams and time zones. The next responder repeats work or misses what was already ruled out."},
	{"Third party outage", []string{"Vendor outage"},
		"Our provider for {svc2} had a regional outage, and we had no fallback path configured.",
		"External providers fail too. When a dependency has no fallback, its outage becomes ours, and we can only wait."},
	{"Silent dependency upgrade", nil,
		"A transitive dependency of {svc} was upgraded by an automated pull request, changing a default that the service relied on.",
		"Automated dependency updates keep software current, but a minor version can change defaults or behaviour in ways the changelog does not make prominent."},
	{"Replication lag", nil,
		"Replicas of {store} were {mins} minutes behind the primary, so reads returned stale data after the write path recovered.",
		"Replicas trade freshness for scale. When lag grows, reads served from replicas contradict recent writes, which confuses users and other services alike."},
	{"Disk space exhaustion", nil,
		"The data volume on {host} reached 100% after log retention was raised, and {store} stopped accepting writes.",
		"Disks fill slowly and then all at once. Retention changes, forgotten temporary files and growth in data volume combine until a write fails."},
	{"Environment parity gap", nil,
		"Staging ran a single replica of {store}, so the failover path exercised in production had never run before the change shipped.",
		"Test environments are smaller and simpler than production. Behaviour that only appears at production scale or topology is not caught before release."},
	{"Paging misroute", nil,
		"The first page went to the {team} rotation, which had handed over {svc2} to another team months earlier.",
		"Alert routing reflects ownership at the time the alert was written. As ownership moves, pages reach people who can no longer act on them."},
	{"Capacity planning gap", nil,
		"Growth of {pct}% since the last capacity review had not been reflected in the {svc} node count.",
		"Capacity plans are snapshots. Growth, new features and seasonal traffic move the real need away from the plan between reviews."},
	{"Clock skew", nil,
		"The clock on {host} had drifted by {mins} seconds, enough to make token validation in {svc} reject fresh credentials.",
		"Distributed systems assume clocks roughly agree. When time sync breaks on one host, time-based logic such as tokens, leases and TTLs misbehaves in confusing ways."},
	{"Schema migration lock", nil,
		"The migration added an index without the concurrent option, holding a lock on a table that {svc} writes to on every request.",
		"Some schema changes take locks that block normal traffic. On a busy table, a migration that took seconds in staging can stall production for minutes."},
	{"Secret rotation gap", nil,
		"The rotated credential for {store} was picked up by {n} services but not by {svc}, which cached secrets until restart.",
		"Rotating secrets is good hygiene, but every consumer must pick up the new value. Services that cache secrets until restart break when the old one is revoked."},
	{"Rollback not possible", nil,
		"The release included a one-way data migration, so rolling {svc} back to the previous version was not an option.",
		"Rollback is the fastest mitigation only when it is available. Data migrations and protocol changes can make the old version incompatible with the new state."},
	{"Insufficient test coverage", nil,
		"The code path that broke had no integration test against a real instance of {store}; unit tests mocked the behaviour that changed.",
		"Tests cover what their authors thought of. Mocks encode assumptions about dependencies, and when the dependency changes the tests keep passing."},
	{"Hot partition", nil,
		"One tenant accounted for {pct}% of writes to a single partition of {store}, which throttled every request routed there.",
		"Evenly distributed keys are an assumption, not a guarantee. A single large customer or a popular item can concentrate load on one shard."},
	{"Cron overlap", nil,
		"The nightly job for {svc} took longer than its schedule interval, and a second run started before the first finished.",
		"Scheduled jobs are written for their typical run time. As data grows, runs overlap and compete for the same locks and rows."},
	{"Load balancer health check mismatch", nil,
		"The load balancer health check hit an endpoint that returned 200 even when {svc} could not reach {store}.",
		"A health check that tests only whether a process is alive keeps routing traffic to instances that cannot do useful work."},
	{"Circuit breaker misconfiguration", nil,
		"The circuit breaker in front of {svc2} opened after {n} errors but stayed open for {mins} minutes, long after the dependency recovered.",
		"Circuit breakers protect callers, but thresholds and recovery windows tuned for one traffic pattern can cut off a healthy dependency for far too long."},
	{"Hard coded limit", nil,
		"A limit of {n} items per batch was hard coded in {svc} years ago, and today's traffic exceeded it for the first time.",
		"Constants chosen for yesterday's scale sit quietly in code until traffic grows past them. They are hard to find because nothing documents them as limits."},
	{"Implicit default", nil,
		"{svcname} relied on the default value of a setting that the new version of {store} changed.",
		"Defaults are part of the contract even when nobody writes them down. When a dependency changes a default, everything relying on it changes behaviour."},
	{"Quota limit reached", nil,
		"The cloud provider quota for {svc} was reached during scale-out, and new instances stayed pending.",
		"Provider quotas are invisible until they are hit, often exactly when scaling out is the mitigation."},
	{"Backup restore untested", nil,
		"Backups of {store} existed, but the restore procedure had not been run in over a year and took {n} hours instead of the expected one.",
		"A backup is only as good as the last successful restore. Restore procedures decay with the systems around them."},
	{"Split brain", nil,
		"During the network partition both nodes of {store} believed they were primary and accepted writes.",
		"When a cluster cannot tell a dead peer from an unreachable one, two nodes may both act as leader, and the data diverges."},
	{"Ambiguous runbook step", nil,
		"The runbook step said to restart the service but did not say which of the {n} deployments named {svc} it meant.",
		"Runbook steps that are obvious to the author can be read several ways by a responder under pressure."},
	{"Incomplete failover automation", nil,
		"Failover of {store} was automated for the primary but not for the connection strings in {svc}, which still pointed at the old host.",
		"Automation that covers most of a procedure leaves the rest to people who rarely perform it. The manual remainder is where failovers stall."},
	{"Garbage collection pause", nil,
		"Heap growth in {svc} led to stop-the-world pauses of over {ms} ms, long enough for the load balancer to mark instances unhealthy.",
		"Long garbage collection pauses look like an unresponsive service from the outside, triggering health checks and retries that add more load."},
	{"Dependency version skew", nil,
		"{svcname} and {svc2} ran different major versions of the shared protobuf schema, and one field was interpreted differently.",
		"Services that share a library or schema upgrade at different times. For a while the versions disagree, and messages are read in ways neither side expects."},
	{"Access control drift", nil,
		"A role used by {svc} had lost a permission during an access review, and the code path using it only ran at month end.",
		"Permissions are tightened and loosened over time without a full picture of who uses them. Rarely used paths are the first to break."},
	{"Time zone assumption", nil,
		"A job in {svc} assumed the server ran in UTC; after a base image change it ran in local time and processed the wrong day.",
		"Code that assumes a time zone works until the environment changes. Daylight saving transitions and new regions expose it."},
	{"Integer overflow", nil,
		"An identifier column in {store} was a 32-bit integer and reached its maximum value, rejecting new rows.",
		"Counters and identifiers sized for early growth eventually hit their limits. The failure is sudden, after years of working correctly."},
	{"Production access pressure", nil,
		"Responders needed production access that took {mins} minutes to approve, because the break-glass process required two approvers who were both offline.",
		"Controls on production access are important, but when the path to access is slow during an incident, mitigation waits on paperwork."},
	{"Long lived branch", nil,
		"The change had lived on a branch for {n} weeks and merged with a conflict resolution that nobody reviewed closely.",
		"Branches that live long accumulate divergence. Merges become large, and the risky part of the change hides in conflict resolution."},
	{"Status page lag", nil,
		"The public status page was updated {mins} minutes after the internal declaration, and support received {n} tickets in the meantime.",
		"Customers look at the status page first. When it lags the internal picture, support queues fill and trust erodes."},
	{"Log volume spike", nil,
		"A verbose log line in a hot path of {svc} produced {big} lines per minute and saturated the log shippers.",
		"Logging is cheap per line and expensive in aggregate. One chatty line in a hot path can overwhelm pipelines shared by every service."},
	{"Network MTU mismatch", nil,
		"A tunnel between {region} and the database network used a smaller MTU, so large responses from {store} were silently dropped.",
		"When packet sizes differ along a path and fragmentation is blocked, small requests work while large ones hang, which is hard to diagnose."},
}

// Sentence pools per body section. Placeholders are listed in render.go.
var summaryPool = []string{
	"On {day}, {svcname} had {symptom} for {dur} after {trigger}.",
	"Between {start} and {mitigated} UTC, about {pct}% of requests to {svc} returned errors or timed out.",
	"The incident began when {trigger}, and it took {total} before everything was fully healthy again.",
	"The {team} on-call was paged at {detected} UTC, and impact ended after {mitigation}.",
	"Customers in {region} saw {symptom} while other regions stayed healthy.",
	"No data was lost, but roughly {big} requests needed to be retried by clients.",
	"The incident was declared {sev} {mins} minutes after the first alert, once it was apparent that {svc2} was affected as well.",
	"This review describes what happened, why the decisions made during the response were reasonable with what we knew, and what we are changing.",
	"Most of the customer impact fell in the first {dur}; the remaining time was spent on cleanup and verification.",
	"The immediate trigger was small, but several long-standing conditions combined to make the impact larger than it looked at first.",
	"Responders from {team} and SRE worked the incident together, with {person} as incident commander.",
	"Impact was limited to {svc} and its direct callers; other services degraded gracefully.",
}

var impactPool = []string{
	"Roughly {pct}% of requests to {svc} returned 5xx errors at the peak of the incident.",
	"About {big} customer sessions were affected, concentrated in {region}.",
	"{Metric} rose from a baseline of {ms2} ms to over {ms} ms.",
	"Support received {n} tickets mentioning {symptom} during the incident and {n2} more the following day.",
	"An estimated {big} events were delayed; none were lost, because producers buffered them on disk.",
	"Internal users of {svc2} were affected for a further {mins} minutes while caches refilled.",
	"The incident consumed about {pct}% of the quarterly error budget for {svc}.",
	"Checkout conversion dropped by {smallpct} percentage points for the duration of the incident.",
	"Mobile clients retried automatically, which hid part of the impact from users but doubled load on {svc}.",
	"We estimate revenue impact at under {smallpct}% of the daily total, mostly from abandoned checkouts.",
	"Batch jobs depending on {svc} were delayed by {mins} minutes and caught up without manual intervention.",
	"No customer data was exposed or corrupted; we verified this by comparing row counts in {store} before and after.",
	"Partner integrations calling {svc} saw timeouts, and {n} partners contacted us directly.",
	"Synthetic checks from {n} locations reported failures for {dur}.",
	"The status page showed a degraded state for {total}.",
	"Error rates in {region} were about {n} times higher than in other regions.",
	"Latency-sensitive callers such as {svc2} shed load and served cached responses, which reduced visible impact.",
	"A smaller number of requests succeeded but took more than {ms} ms, long enough for some clients to give up.",
}

var timelineNotePool = []string{
	"The gap between the first symptom and the page was {mins} minutes, most of it spent waiting for the alert's evaluation window.",
	"Entries are reconstructed from the incident channel, deploy logs and the paging history.",
	"Most of the time between detection and mitigation went to narrowing the problem down to {svc}.",
	"The first mitigation attempt did not help, which in hindsight was a useful signal that {store} was not the problem.",
	"Communication with support ran in parallel from the moment the incident was declared.",
	"Several responders joined in the first few minutes, and {person} took over coordination so the others could investigate.",
	"The long tail after mitigation was verification: we waited for {metric} to stay at baseline for a full hour before resolving.",
	"Nothing in the deploy history for {svc2} lined up with the start of the errors, which pointed the investigation back at {svc}.",
}

var whyPool = []string{
	"At the time, the change looked low risk: the same pattern had shipped {n} times in the previous quarter without trouble.",
	"The runbook for {svc} recommended restarting the service first, and that advice had worked in every previous page {person} had seen.",
	"The alert that fired pointed at {svc2}, so the first {mins} minutes went to investigating that service, which was a reasonable reading of the dashboard at that moment.",
	"Nothing in the deploy pipeline flagged the change, and the canary stage reported healthy because it received only {smallpct}% of traffic.",
	"From the responder's point of view, {metric} looked normal, because the dashboard averaged over all regions and hid the spike in {region}.",
	"The team had been asked to reduce cloud spend that quarter, and running with less headroom was a deliberate, reviewed trade-off.",
	"The timeout of {ms} ms had been chosen years earlier when {svc2} was much faster, and nobody on the current team knew where the number came from.",
	"Rolling back looked riskier than rolling forward, because the release also contained a data migration.",
	"The on-call engineer was {n} hours into a shift that had already included two unrelated pages.",
	"{person} asked in the team channel whether the change needed a maintenance window, and the consensus, based on how similar changes had behaved, was that it did not.",
	"Our deploy tooling reported success as soon as new pods passed their readiness check, which only verified that the process was listening on its port.",
	"The client library documented its retry behaviour, but the default had changed in a minor release and the changelog entry was easy to miss.",
	"Paging thresholds for {svc} had been raised after a noisy month, so the first alert arrived later than it did before that change.",
	"Every signal available in the first ten minutes was consistent with a problem in {store}, and the responders followed that evidence.",
	"The configuration change had been reviewed and approved by two engineers, and the diff looked correct; the problem was in a value inherited from a file the diff did not show.",
	"In previous incidents, the same symptom had been caused by a noisy neighbour, so checking node health first was a sensible place to start.",
	"The migration had run in staging in under a minute, and staging is where we expect to see lock contention if there is any.",
	"Escalating to {team} felt premature, because the errors were intermittent and had recovered on their own twice in the past week.",
	"The decision to keep the feature flag on for one more hour was made to collect data for the fix, with the impact understood to be small at that time.",
	"{person} chose to scale out before investigating further, which is what our incident guidance recommends when customer impact is ongoing.",
	"Because {svc} had never failed in this way before, there was no dashboard panel for it, and responders worked from raw logs.",
	"The dependency between {svc} and {svc2} was not in the service catalogue, so nobody considered it during the change review.",
	"Responders were aware of the deploy but ruled it out early, because the first errors appeared in a region the deploy had not reached yet.",
	"The maintenance was scheduled for a quiet period according to traffic data from the previous year; this year's traffic pattern had shifted by several hours.",
	"The metric everyone watched was the one that had always mattered, and it stayed green for most of the incident.",
	"Each individual decision was consistent with our process and with the information visible at that moment; the trouble came from how they combined.",
	"{team} had been planning to replace the component involved, and smaller fixes to it had been deprioritised in favour of the migration.",
	"We asked the responders what they were looking at and why; their reasoning made sense given the tools in front of them.",
	"The alert text described a symptom but not its likely causes, so responders had to build the picture from scratch.",
	"Automated remediation restarted the failing pods, which masked the problem for {mins} minutes and made the pattern harder to see.",
	"Load tests had been run against {svc} at {n} times normal traffic, but they did not include the request mix that triggered this incident.",
	"Reverting the change required a full pipeline run of about {mins} minutes, so the team first tried a faster, targeted fix.",
	"The team knew the component was fragile and had a ticket open for it; it had been weighed against other work and scheduled for next quarter.",
	"The last time this happened, restarting {store} fixed it within minutes, and that memory shaped the first half hour of the response.",
}

var factorNotePool = []string{
	"This condition had been present for months and had not caused visible problems until this incident.",
	"Several people knew about it informally, but it was not written down anywhere a responder would find it during an incident.",
	"On its own it was harmless; together with the other factors it made the impact larger and the diagnosis slower.",
	"It is a recurring theme in our incident reviews, and we link this incident to the factor page so the pattern stays visible.",
	"We found the same condition in {n} other services while reviewing this incident.",
	"The work to address it is tracked in the action items below.",
	"None of this was visible from the dashboards the responders were using at the time.",
	"It took the review, not the response, to see how much this contributed.",
	"The team that owns {svc2} confirmed that they had seen similar behaviour during load tests but had not connected it to production risk.",
	"This is a property of the system, not of any single decision made during the incident.",
	"Better tooling might surface it earlier next time, which is part of why we are adding an alert.",
	"Discussing it with other teams showed that their services carry the same risk.",
}

var wentWellPool = []string{
	"The incident channel was opened within {mins2} minutes and roles were assigned quickly.",
	"{person} recognised the pattern from a previous incident and suggested checking {store} early.",
	"Rollback tooling worked as designed and took under {mins2} minutes.",
	"Customer support had a status update template within the first half hour.",
	"The feature flag made it possible to disable the new code path without a deploy.",
	"Alerting on {metric} fired within {mins2} minutes of the first errors.",
	"Responders shared what they were looking at in the channel, which kept people from duplicating work.",
	"The incident commander handed over cleanly at the shift change, with a written summary of what had been ruled out.",
	"{svc2} degraded gracefully and served cached data instead of failing outright.",
	"The decision to scale out first bought time for the investigation.",
	"Engineers from {team} joined without being paged once they saw the channel.",
	"Rate limits at the edge kept the incident from spreading to other services.",
	"The review meeting had wide attendance, and the discussion focused on how the system behaved.",
	"Logs for the failing requests were retained long enough to reconstruct the sequence afterwards.",
	"Runbook steps for draining {region} were accurate and worked on the first try.",
}

var luckyPool = []string{
	"The incident started outside the peak for {region}, so fewer customers were affected than the same failure at midday.",
	"{person} happened to be looking at the {svc} dashboard for an unrelated reason and noticed the spike before the alert fired.",
	"The backup of {store} from the previous night had completed {mins2} minutes before the failure.",
	"A load test planned for that afternoon had been postponed, so it did not add to the load during the incident.",
	"The engineer who wrote the affected code was online and able to join within minutes.",
	"A partner who depends on {svc} had paused their integration that week for unrelated maintenance.",
	"The bug only affected a code path used by a small share of traffic.",
	"The retry queue in {svc2} had enough disk to buffer everything until recovery.",
	"The failure happened on a weekday, when most of the people who know {svc} were at work.",
	"Our cloud provider's support responded within minutes, which is not something we can count on.",
	"The data written during the incident could be replayed from the event log.",
	"Nobody was in the middle of another risky change when the incident started.",
}

var timelineStart = []string{
	"First errors from {svc} appear in the logs",
	"{Metric} on {svc} moves away from its baseline",
	"{Trigger}",
	"Requests to {svc} start timing out in {region}",
	"{svcname} begins returning intermittent errors",
}

var timelineDetect = []string{
	"Alert fires for {metric} on {svc}",
	"{Tool} pages the {team} on-call",
	"Customer support escalates reports of {symptom}",
	"Synthetic checks for {svc} fail in {region}",
	"{person} notices {metric} rising on the {svc} dashboard",
}

var timelineInvestigate = []string{
	"Incident channel opened; {person} takes the incident commander role",
	"{person} confirms {store} is healthy",
	"Responders check recent deploys of {svc2}",
	"Status page updated: investigating {symptom}",
	"{person} joins to help with {store}",
	"Dashboards show the errors concentrated in {region}",
	"Incident declared {sev}",
	"First mitigation attempt: restarting {svc} pods; no improvement",
	"Responders correlate the errors with the change to {svc}",
	"On-call for {svc2} paged",
	"Traffic to {svc} shifted away from the worst hosts",
	"Customer support briefed with a holding statement",
	"Logs show connection errors towards {store}",
	"{person} proposes {mitigation}",
}

var timelineMitigate = []string{
	"Mitigation started: {mitigation}",
	"{Mitigation} in progress",
}

var timelineMitigated = []string{
	"Error rate back near baseline after {mitigation}",
	"{Metric} recovering; customer impact ends",
	"Impact mitigated; monitoring for recurrence",
}

var timelineResolve = []string{
	"{Metric} at baseline for an hour; incident resolved",
	"Status page updated to resolved",
	"Backlog drained; incident closed",
	"Incident resolved; follow-up review scheduled",
}

var actionPool = []string{
	"Add an alert on {metric} for {svc}",
	"Document the failover procedure for {store}",
	"Lower the DNS TTL for internal endpoints to 60 seconds",
	"Add a canary stage for config changes to {svc}",
	"Set per-client connection pool limits in {svc}",
	"Add jitter and a retry budget to the {svc} client",
	"Automate certificate renewal for {svc}",
	"Run a restore drill for {store}",
	"Load test {svc} at {n} times current peak",
	"Move {svc} configuration into the config repository",
	"Assign an owning team for {svc2}",
	"Update the {svc} runbook with the steps used in this incident",
	"Add a circuit breaker between {svc} and {svc2}",
	"Alert on disk usage above 80% on {store} hosts",
	"Make the readiness check for {svc} verify its dependencies",
	"Add a dashboard panel for {region}",
	"Review timeouts on all callers of {svc2}",
	"Add an integration test against a real {store}",
	"Route {svc2} alerts to the current owning team",
	"Write a runbook entry for {symptom} on {svc}",
	"Cap the queue between {svc} and {svc2}",
	"Add a rate limit per API key on {svc}",
	"Stagger client reconnects after failover",
	"Add headroom alerts for {svc} capacity",
	"Remove the hard coded batch limit in {svc}",
	"Schedule a game day for {svc} failover",
	"Automate the rollback of {svc} config changes",
	"Track the {flag} flag interactions in the flag catalogue",
	"Publish status page updates from the incident tool",
	"Pair with other teams on their exposure to the same issue",
}

// Fenced code blocks dropped into some bodies. The first line is the info
// string; {stamp} expands to an RFC 3339 timestamp inside the incident.
var codeBlocks = []string{
	"console\n$ kubectl -n prod rollout undo deployment/{id}\ndeployment.apps/{id} rolled back\n$ kubectl -n prod rollout status deployment/{id}\ndeployment \"{id}\" successfully rolled out",
	"sql\nSELECT pid, state, wait_event, now() - query_start AS age\nFROM pg_stat_activity\nWHERE state <> 'idle'\nORDER BY age DESC\nLIMIT 10;",
	"console\n$ dig +short {id}.internal.example.com\n10.0.{n}.17\n$ dig +short {id}.internal.example.com @10.0.0.2\n10.0.{n2}.44",
	"text\n{stamp} ERROR {id} pool: connection pool exhausted (max={n}, waiting={big})\n{stamp} WARN  {id} http: upstream {id2} timed out after {ms}ms\n{stamp} ERROR {id} http: 503 Service Unavailable",
	"diff\n- timeout_ms: 30000\n+ timeout_ms: {ms}\n  retries: 3\n- retry_backoff: none\n+ retry_backoff: exponential_jitter",
	"console\n$ openssl s_client -connect {id}.example.com:443 </dev/null 2>/dev/null | openssl x509 -noout -enddate\nnotAfter={stamp}",
	"console\n$ kubectl -n prod top pods -l app={id}\nNAME                     CPU(cores)   MEMORY(bytes)\n{id}-7d9f8c6b5-abcde   1890m        3912Mi\n{id}-7d9f8c6b5-fghij   1875m        3998Mi",
	"yaml\nresources:\n  limits:\n    memory: 4Gi\n  requests:\n    cpu: 500m\n    memory: 2Gi\nreplicas: {n}",
	"console\n$ df -h /var/lib/data\nFilesystem      Size  Used Avail Use% Mounted on\n/dev/nvme1n1    500G  500G     0 100% /var/lib/data",
	"promql\nsum by (region) (rate(http_requests_total{job=\"{id}\",code=~\"5..\"}[5m]))\n  /\nsum by (region) (rate(http_requests_total{job=\"{id}\"}[5m]))",
	"console\n$ kafka-consumer-groups --bootstrap-server kafka:9092 --describe --group {id}\nGROUP   TOPIC    PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG\n{id}   events   0          1048212         1398422         350210",
	"console\n$ curl -s -o /dev/null -w '%{http_code} %{time_total}\\n' https://{id}.example.com/healthz\n200 {ms2}.4",
}

var codeIntroPool = []string{
	"The command used during mitigation:",
	"What responders saw at the time:",
	"The relevant part of the change:",
	"Output captured in the incident channel:",
	"{person} posted this in the incident channel:",
}

var linkTitles = []struct{ title, url string }{
	{"Grafana dashboard", "https://grafana.example.com/d/{n}/{id}"},
	{"Incident channel", "https://chat.example.com/archives/C0INC{big}"},
	{"Deploy log", "https://deploy.example.com/{id}/releases/{ver}"},
	{"Vendor status update", "https://status.vendor.example.com/incidents/{n}"},
	{"Review recording", "https://video.example.com/reviews/{n2}"},
}

// Exactly one linted phrase per sentence, so that each noisy document
// contributes one finding of a known kind.
var noisePool = []string{
	"In hindsight, the on-call engineer should have waited for the canary to finish.",
	"The reviewer could have spotted the typo in the diff.",
	"A second approver would have caught the missing flag.",
	"The deploy script failed to check the target environment.",
	"The operator forgot to drain the node before the upgrade.",
	"This was ultimately a human error during the rollout.",
	"The root cause was a wrong value in the config file.",
	"The retry loop was obviously too aggressive.",
	"The alert was clearly misconfigured.",
	"Someone simply restarted the wrong cluster.",
	"We just restarted the pods and it recovered.",
	"Of course, the staging environment did not match production.",
	"Nobody wants to blame the person who ran the command.",
	"It was a careless edit to the load balancer rules.",
}

// The phrases the project's linter flags; the generator keeps them out of
// everything except the deliberate noise sentences.
var bannedPhrases = []string{
	"should have", "could have", "would have", "failed to", "forgot to",
	"human error", "root cause", "obviously", "clearly", "simply", "just",
	"of course", "blame", "careless",
}

// Generic sentences for the factors/ pages, after the factor's own
// description and example.
var factorSignalPool = []string{
	"Responders usually notice the symptoms first and find this condition only during the review.",
	"It tends to stay invisible on dashboards until it combines with an unrelated change.",
	"Incidents involving it often take longer to diagnose than to mitigate.",
	"It is common in services that have changed hands between teams.",
	"Newer services are not immune; it appears wherever the system grows faster than its documentation.",
}

var factorHelpPool = []string{
	"Making the condition visible, with an alert or a dashboard panel, has helped more than any single fix.",
	"Teams that review it during design discussions catch it before it reaches production.",
	"Writing down the assumption, even in a short note in the runbook, shortens the next diagnosis.",
	"Game days that exercise the failure path have found instances of it in several services.",
	"Linking incidents to this page keeps the pattern visible across teams and years.",
	"It is worth asking about it during change review, without turning the question into a gate.",
}
