package build_test

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/secondstory/secondstory/generator/build"
	"github.com/secondstory/secondstory/generator/diag"
	"github.com/secondstory/secondstory/generator/internal/sitetest"
	"github.com/secondstory/secondstory/themes"
)

// Files of the sample knowledge base the edits below reach.
const (
	failover = "incidents/2023-03-14-orders-db-failover.md"
	routing  = "incidents/2021-02-08-routing-config-push.md"
	kafka    = "incidents/2022-01-19-kafka-broker-disk-full.md" // TOML frontmatter
	geocode  = "incidents/2026-03-03-geocoding-quota-exhausted.md"
	printer  = "incidents/2026-11-09-label-printer-firmware.md" // a draft
	psp      = "incidents/2025-01-09-psp-webhook-backlog.md"
	// the newest published incident
	offlineSync = "incidents/2026-10-12-driver-app-offline-sync.md"
	jwks        = "incidents/2024-05-27-jwks-key-rotation.md" // others link to it
	bundle      = "incidents/2024-02-19-tracking-replica-lag"
	config      = "secondstory.yaml"
)

// edit is one change an author makes to the knowledge base between two builds of a live preview.
type edit struct {
	name string
	do   func(t *testing.T, src string)
	// When max >= 0, the session must have rendered between min and max pages (Result.Written).
	min, max int
	fails    bool              // the edit leaves a content error: both builds fail with the same diagnostics
	moved    map[string]string // the session's Result.Moved
	rule     string            // a finding of this rule the build must report
	check    func(t *testing.T, out string)
}

func replace(file, old, new string) func(t *testing.T, src string) {
	return func(t *testing.T, src string) { sitetest.Edit(t, src, file, old, new) }
}

func write(file, content string) func(t *testing.T, src string) {
	return func(t *testing.T, src string) { sitetest.WriteTree(t, src, map[string]string{file: content}) }
}

func remove(file string) func(t *testing.T, src string) {
	return func(t *testing.T, src string) {
		if err := os.RemoveAll(filepath.Join(src, filepath.FromSlash(file))); err != nil {
			t.Fatal(err)
		}
	}
}

func rename(from, to string) func(t *testing.T, src string) {
	return func(t *testing.T, src string) {
		p := filepath.Join(src, filepath.FromSlash(to))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(filepath.Join(src, filepath.FromSlash(from)), p); err != nil {
			t.Fatal(err)
		}
	}
}

func all(fns ...func(t *testing.T, src string)) func(t *testing.T, src string) {
	return func(t *testing.T, src string) {
		for _, f := range fns {
			f(t, src)
		}
	}
}

func contains(file, want string) func(t *testing.T, out string) {
	return func(t *testing.T, out string) {
		t.Helper()
		if got := sitetest.ReadFile(t, filepath.Join(out, filepath.FromSlash(file))); !strings.Contains(got, want) {
			t.Errorf("%s lacks %q", file, want)
		}
	}
}

func absent(file string) func(t *testing.T, out string) {
	return func(t *testing.T, out string) {
		t.Helper()
		if _, err := os.Stat(filepath.Join(out, filepath.FromSlash(file))); err == nil {
			t.Errorf("%s is still in the site", file)
		}
	}
}

// free is "no bound" for max.
const free = -1

// themeFile is a file of the default theme.
func themeFile(t *testing.T, name string) string {
	t.Helper()
	data, err := fs.ReadFile(themes.Default(), name)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestIncrementalEqualsCleanBuild edits a copy of the sample knowledge base every way an author can and, after
// each edit, compares the live preview's build (a Session: memos kept, the site updated in place, unchanged pages
// kept) with a clean one-off build of the same content and options, byte for byte, with the same diagnostics.
// Each edit reaches a different input of the incremental layer: a frontmatter field, a body, a link, a file
// renamed, added or deleted, the factor catalogue, the configuration, a custom theme, a static file, a bundle's
// image.
func TestIncrementalEqualsCleanBuild(t *testing.T) {
	mem := sitetest.MemDir(t) // a clean site per edit: fast to write and free in memory
	src := filepath.Join(mem, "kb")
	sitetest.CopyTree(t, sitetest.Sample(), src)
	out := filepath.Join(mem, "public")
	opts := build.Options{Source: src, Out: out, Now: sitetest.SampleNow}
	s, err := build.NewSession(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// A second session is told, as the preview's watcher tells it, which paths changed: it looks at those only.
	hopts := opts
	hopts.Out = filepath.Join(mem, "hinted")
	h, err := build.NewSession(hopts)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	if _, err := h.Build(); err != nil {
		t.Fatal(err)
	}
	first, err := s.Build()
	if err != nil {
		t.Fatal(err)
	}
	if first.Written == 0 {
		t.Fatal("the first build rendered no page")
	}

	incidentLayout := themeFile(t, "layouts/incident.html")
	style := themeFile(t, "static/style.css")
	newIncident := "---\ntitle: \"Label printers offline after a network change\"\ndate: 2026-10-30\nseverity: SEV3\n" +
		"summary: \"Printers lost their VLAN.\"\nservices: [label-printing, warehouse-network]\ntags: [network]\n" +
		"contributing_factors: [Config drift, Unclear ownership]\nrelated: [2023-03-14-orders-db-failover]\n" +
		"started_at: 2026-10-30T06:00:00Z\nresolved_at: 2026-10-30T07:00:00Z\n" +
		"action_items:\n  - {title: Document the VLAN, owner: Network team, status: open}\n---\n" +
		"## What happened\n\nThe printers moved VLAN. See [[2021-02-08-routing-config-push]] and [[factor:config-drift]].\n"

	const headless = "incidents/2026-10-20-cache-stampede.md"
	headlessIncident := "# Cache stampede on the tracking API\n\nEvery cache key expired at once and the database took the load.\n\n" +
		"## Timeline\n\n| Time | Event |\n|---|---|\n| 10:02 | Cache keys expire |\n| 10:05 | Database saturated |\n\n" +
		"## Contributing factors\n\n- Config drift: TTLs differ between regions\n\n" +
		"## Action items\n\n- [ ] Add jitter to the TTLs\n- Alert on the hit rate\n"

	saved := map[string]string{}
	// A body edit renders the incident's page again, /learn/ and the pages of its services (their reading guides
	// weigh each incident by its body's length and headings): the failover names five services, routing four.
	const bodyEdit = 1 + 1 + 5
	edits := []edit{
		{name: "nothing", min: 0, max: 0},
		{name: "body text", do: replace(failover, "## What went well\n", "## What went well\n\nAn added sentence.\n"), min: 1, max: bodyEdit},
		{name: "body text again (nothing else changed)", do: replace(failover, "An added sentence.", "A changed sentence."), min: 1, max: bodyEdit},
		{name: "nothing after a body edit", min: 0, max: 0},
		{name: "a file touched (its times change, not its bytes)", do: func(t *testing.T, src string) {
			later := time.Now().Add(time.Minute)
			if err := os.Chtimes(filepath.Join(src, failover), later, later); err != nil {
				t.Fatal(err)
			}
		}, min: 0, max: 0},
		{name: "body: blaming words (lint warnings)", do: replace(failover, "A changed sentence.", "A changed sentence. Bob should have known better."), min: 1, max: bodyEdit,
			rule: "blameless/named-subject"},
		{name: "body: a link to another incident (backlinks)", do: replace(failover, "A changed sentence.", "A sentence, as in [[2022-01-19-kafka-broker-disk-full]]."), min: 2, max: free,
			check: contains("incidents/2022-01-19-kafka-broker-disk-full/index.html", `href="../../incidents/2023-03-14-orders-db-failover/"`)},
		{name: "body: the link removed", do: replace(failover, "A sentence, as in [[2022-01-19-kafka-broker-disk-full]].", "A sentence."), min: 2, max: free},
		{name: "body: a wiki link to a factor", do: replace(failover, "A sentence.", "A sentence about [[factor:alert-fatigue|alert fatigue]]."), min: 1, max: free,
			check: contains("incidents/2023-03-14-orders-db-failover/index.html", `href="../../factors/alert-fatigue/"`)},
		{name: "body: a broken link (error)", do: replace(failover, "A sentence about", "See [[no-such-incident]]. A sentence about"), fails: true},
		{name: "body: the broken link fixed", do: replace(failover, "See [[no-such-incident]]. ", ""), min: 1, max: free},
		{name: "title (rows, link labels, similar lists)", do: replace(failover, `title: "Orders database failover took an hour instead of a minute"`, `title: "Orders database failover: an hour, not a minute"`), min: 2, max: free},
		{name: "slug, breaking the links to it (error)", do: replace(geocode, "slug: geocoding-quota-exhausted", "slug: geocoding-quota"), fails: true},
		{name: "slug, with the links to it", do: all(
			replace(psp, "related: [2021-11-22-sms-retry-storm, geocoding-quota-exhausted]", "related: [2021-11-22-sms-retry-storm, geocoding-quota]"),
			replace(psp, "[[geocoding-quota-exhausted]]", "[[geocoding-quota]]"),
		), min: 2, max: free, moved: map[string]string{"incidents/geocoding-quota-exhausted/": "incidents/geocoding-quota/"}},
		{name: "summary", do: replace(failover, `summary: "A disk controller`, `summary: "A failing disk controller`), min: 1, max: free},
		{name: "severity", do: replace(failover, "severity: SEV1", "severity: SEV2"), min: 1, max: free},
		{name: "severity: an unknown level (error)", do: replace(failover, "severity: SEV2", "severity: SEV9"), fails: true},
		{name: "severity fixed", do: replace(failover, "severity: SEV9", "severity: SEV1"), min: 1, max: free},
		{name: "date (the same year)", do: replace(failover, "date: 2023-03-14", "date: 2023-03-15"), min: 1, max: free},
		{name: "date (another year)", do: replace(failover, "date: 2023-03-15", "date: 2024-03-14"), min: 1, max: free},
		{name: "authors", do: replace(failover, "authors: [Noah Fischer, Ingrid Halvorsen]", "authors: [Noah Fischer, Ingrid Halvorsen, Jonas Weber]"), min: 1, max: free},
		{name: "services: one added", do: replace(failover, "services: [orders-db,", "services: [tracking-db, orders-db,"), min: 1, max: free,
			check: contains("services/tracking-db/index.html", "Orders database failover")},
		{name: "services: one removed", do: replace(failover, "services: [tracking-db, orders-db,", "services: [orders-db,"), min: 1, max: free,
			check: absent("services/tracking-db/index.html")},
		{name: "teams", do: replace(failover, "teams: [database-reliability, sre, checkout-team]", "teams: [database-reliability, sre]"), min: 1, max: free},
		{name: "tags: a new tag (TOML)", do: replace(kafka, `tags = ["kafka",`, `tags = ["a-new-tag", "kafka",`), min: 1, max: free,
			check: contains("tags/a-new-tag/index.html", "Kafka")},
		{name: "tags: one removed", do: replace(failover, "tags: [postgres, failover,", "tags: [postgres,"), min: 1, max: free},
		{name: "contributing factors: one added", do: replace(failover, "  - Knowledge silo\n", "  - Knowledge silo\n  - Alert fatigue\n"), min: 1, max: free},
		{name: "contributing factors: one removed", do: replace(failover, "  - Manual toil\n", ""), min: 1, max: free},
		{name: "contributing factors: one renamed (a new factor)", do: replace(failover, "  - Knowledge silo\n", "  - Knowledge hoarding\n"), min: 1, max: free,
			check: contains("factors/knowledge-hoarding/index.html", "Knowledge hoarding")},
		{name: "contributing factors: another spelling of a factor", do: replace(failover, "  - Knowledge hoarding\n", "  - knowledge silo\n"), min: 1, max: free,
			check: absent("factors/knowledge-hoarding/index.html")},
		{name: "contributing factors: one with a description in the frontmatter", do: replace(failover, "  - Config drift\n", "  - {name: Shadow tooling, description: Tools nobody owns.}\n  - Config drift\n"), min: 1, max: free,
			check: contains("factors/shadow-tooling/index.html", "Tools nobody owns.")},
		{name: "contributing factors: that description edited", do: replace(failover, "Tools nobody owns.", "Tools that nobody owns."), min: 1, max: free,
			check: contains("factors/shadow-tooling/index.html", "Tools that nobody owns.")},
		{name: "started_at", do: replace(failover, "started_at: 2023-03-14T08:12:00Z", "started_at: 2023-03-14T08:02:00Z"), min: 1, max: free},
		{name: "detected_at", do: replace(failover, "detected_at: 2023-03-14T08:15:00Z", "detected_at: 2023-03-14T08:45:00Z"), min: 1, max: free},
		{name: "mitigated_at", do: replace(failover, "mitigated_at: 2023-03-14T09:14:00Z", "mitigated_at: 2023-03-14T09:44:00Z"), min: 1, max: free},
		{name: "resolved_at", do: replace(failover, "resolved_at: 2023-03-14T11:30:00Z", "resolved_at: 2023-03-14T13:30:00Z"), min: 1, max: free},
		{name: "resolved_at removed", do: replace(failover, "resolved_at: 2023-03-14T13:30:00Z\n", ""), min: 1, max: free},
		{name: "timeline: an entry's text", do: replace(failover, "Disk controller starts stalling", "The disk controller starts stalling"), min: 1, max: free},
		{name: "timeline: an entry added", do: replace(failover, "timeline:\n", "timeline:\n  - at: 2023-03-14T08:00:00Z\n    actor: Noah\n    text: \"Starts the on-call shift.\"\n"), min: 1, max: free},
		{name: "action items: a status", do: replace(failover, "    status: in-progress", "    status: done"), min: 1, max: free},
		{name: "action items: one added", do: replace(failover, "action_items:\n", "action_items:\n  - title: \"A new follow-up\"\n    owner: Noah Fischer\n    due: 2026-01-31\n    status: open\n"), min: 1, max: free,
			check: contains("actions/index.html", "A new follow-up")},
		{name: "related: one added", do: replace(failover, "related: [2022-06-30-payments-migration-table-lock,", "related: [2025-01-09-psp-webhook-backlog, 2022-06-30-payments-migration-table-lock,"), min: 2, max: free,
			check: contains("incidents/2025-01-09-psp-webhook-backlog/index.html", `href="../../incidents/2023-03-14-orders-db-failover/"`)},
		{name: "related: one removed", do: replace(failover, "related: [2025-01-09-psp-webhook-backlog, ", "related: ["), min: 2, max: free},
		{name: "links", do: replace(failover, `title: "Postgres HA design"`, `title: "Postgres high availability design"`), min: 1, max: free,
			check: contains("incidents/2023-03-14-orders-db-failover/index.html", "Postgres high availability design")},
		{name: "onboarding: false", do: replace(failover, "onboarding: true", "onboarding: false"), min: 1, max: free},
		{name: "an unknown extra key", do: replace(failover, "onboarding: false\n", "onboarding: false\nregion: eu-central\n"), min: 0, max: free,
			check: contains("incidents.json", "eu-central")},
		{name: "status: draft", do: replace(routing, "status: published", "status: draft"), min: 1, max: free,
			check: contains("incidents/2021-02-08-routing-config-push/index.html", "draft-banner")},
		{name: "a draft's body", do: replace(routing, "\n## ", "\nA draft's new paragraph.\n\n## "), min: 1, max: bodyEdit - 1},
		{name: "status: published again", do: replace(routing, "status: draft", "status: published"), min: 1, max: free},
		{name: "a file renamed to a new slug (git mv)", do: rename(geocode, "incidents/2026/2026-03-03-geocoding-quota.md"), min: 0, max: free},
		{name: "a file renamed, its slug from the file name", do: rename(printer, "incidents/2026-11-09-label-printer-firmware-bug.md"), min: 1, max: free,
			moved: map[string]string{"incidents/2026-11-09-label-printer-firmware/": "incidents/2026-11-09-label-printer-firmware-bug/"},
			check: absent("incidents/2026-11-09-label-printer-firmware/index.html")},
		{name: "a file others link to renamed (error)", do: rename("incidents/2024-11-22-admin-console-bulk-cancel.md", "incidents/2024-11-22-admin-console-mass-cancel.md"), fails: true},
		{name: "the links to the renamed file updated", do: all(
			replace("incidents/2022-11-22-cdn-purge-origin-overload.md", `"2024-11-22-admin-console-bulk-cancel"`, `"2024-11-22-admin-console-mass-cancel"`),
			replace("incidents/2022-11-22-cdn-purge-origin-overload.md", "[[2024-11-22-admin-console-bulk-cancel]]", "[[2024-11-22-admin-console-mass-cancel]]"),
		), min: 2, max: free, moved: map[string]string{"incidents/2024-11-22-admin-console-bulk-cancel/": "incidents/2024-11-22-admin-console-mass-cancel/"}},
		{name: "a new file", do: write("incidents/2026-10-30-label-printer-vlan.md", newIncident), min: 1, max: free,
			check: contains("incidents/2021-02-08-routing-config-push/index.html", "Label printers offline")},
		{name: "a deleted file (a draft)", do: remove("incidents/2026-11-09-label-printer-firmware-bug.md"), min: 1, max: free,
			check: absent("incidents/2026-11-09-label-printer-firmware-bug/index.html")},
		{name: "a deleted file that others link to (error)", do: func(t *testing.T, src string) {
			saved[jwks] = sitetest.ReadFile(t, filepath.Join(src, jwks))
			remove(jwks)(t, src)
		}, fails: true},
		{name: "the deleted file back", do: func(t *testing.T, src string) { write(jwks, saved[jwks])(t, src) }, min: 1, max: free},
		{name: "a deleted file", do: remove("incidents/2026-10-30-label-printer-vlan.md"), min: 1, max: free,
			check: absent("incidents/2026-10-30-label-printer-vlan/index.html")},
		// A postmortem as teams keep them: no frontmatter; its title, date, timeline, action items and factors are
		// inferred from its name, its heading and its sections.
		{name: "headless: a new file", do: write(headless, headlessIncident), min: 1, max: free,
			check: contains("actions/index.html", "Add jitter to the TTLs")},
		{name: "headless: the title heading changed", do: replace(headless, "# Cache stampede on the tracking API", "# Cache stampede on the tracking service"), min: 2, max: free,
			check: contains("incidents/index.html", "Cache stampede on the tracking service")},
		{name: "headless: an action item ticked", do: replace(headless, "- [ ] Add jitter to the TTLs", "- [x] Add jitter to the TTLs"), min: 1, max: free,
			check: contains("incidents/2026-10-20-cache-stampede/index.html", "1 of 2 done")},
		{name: "headless: a timeline row added", do: replace(headless, "| 10:05 | Database saturated |", "| 10:05 | Database saturated |\n| 10:40 | Hit rate back to 95 % |"), min: 1, max: free,
			check: contains("incidents/2026-10-20-cache-stampede/index.html", "Hit rate back to 95 %")},
		{name: "headless: a factor item that names no factor", do: replace(headless, "- Config drift: TTLs differ between regions", "- TTLs differ between regions"), min: 1, max: free},
		{name: "headless: a factor item that names a factor", do: replace(headless, "- TTLs differ between regions", "- Retry storm: clients retried at once"), min: 1, max: free,
			check: contains("incidents/2026-10-20-cache-stampede/index.html", `href="../../factors/retry-storm/"`)},
		{name: "headless: the catalogue's alias for an item", do: all(
			replace(headless, "- Retry storm: clients retried at once", "- Stampede of retries: clients retried at once"),
			replace("factors/retry-storm.md", `aliases: ["Thundering herd"]`, `aliases: ["Thundering herd", "stampede of retries"]`),
		), min: 1, max: free, check: contains("incidents/2026-10-20-cache-stampede/index.html", `href="../../factors/retry-storm/"`)},
		{name: "headless: the date in the file name (renamed)", do: rename(headless, "incidents/2026-10-21-cache-stampede.md"), min: 1, max: free,
			moved: map[string]string{"incidents/2026-10-20-cache-stampede/": "incidents/2026-10-21-cache-stampede/"}},
		{name: "headless: the date removed (error)", do: rename("incidents/2026-10-21-cache-stampede.md", "incidents/cache-stampede.md"), fails: true},
		{name: "headless: removed", do: remove("incidents/cache-stampede.md"), min: 1, max: free},
		{name: "a factor description", do: replace("factors/alert-fatigue.md", "\n---\n", "\n---\nA rewritten first sentence.\n\n"), min: 1, max: free,
			check: contains("factors/alert-fatigue/index.html", "A rewritten first sentence.")},
		{name: "a factor's title", do: replace("factors/alert-fatigue.md", "title: Alert fatigue", "title: Alert Fatigue"), min: 1, max: free},
		{name: "a new factor file", do: write("factors/knowledge-silo-2.md", "---\ntitle: Tribal knowledge\n---\nWhat only a few know.\n"), min: 1, max: free,
			check: contains("factors/knowledge-silo-2/index.html", "What only a few know.")},
		{name: "a factor file deleted", do: remove("factors/knowledge-silo-2.md"), min: 1, max: free},
		{name: "config: title", do: replace(config, `title: "Northwind Logistics — Incident Library"`, `title: "Northwind — Incidents"`), min: 1, max: free,
			check: contains("index.html", "Northwind — Incidents")},
		{name: "config: severities", do: replace(config, "  - id: SEV4\n", "  - id: SEV0\n    description: \"Worse than everything.\"\n  - id: SEV4\n"), min: 1, max: free,
			check: contains("severities/sev0/index.html", "Worse than everything.")},
		{name: "config: timezone", do: replace(config, "timezone: Europe/Berlin", "timezone: America/New_York"), min: 1, max: free},
		{name: "config: lint.disable", do: func(t *testing.T, src string) {
			sitetest.Edit(t, src, config, "timezone:", "lint:\n  disable: [counterfactual, no-such-rule]\ntimezone:")
		}, min: 0, max: free},
		{name: "config: check.disable", do: replace(config, "lint:\n", "check:\n  disable: [no-action-items]\nlint:\n"), min: 0, max: free},
		{name: "theme: a custom theme folder", do: all(
			write("theme/layouts/incident.html", strings.Replace(incidentLayout, `<article class="postmortem"`, `<p class="house-style">House style</p><article class="postmortem"`, 1)),
			write("theme/static/extra.css", ".house-style{color:teal}\n"),
			replace(config, "timezone:", "theme: theme\ntimezone:"),
		), min: 1, max: free, check: contains("incidents/2023-03-14-orders-db-failover/index.html", "House style")},
		{name: "theme: a layout edited", do: replace("theme/layouts/incident.html", "House style</p>", "House style, edited</p>"), min: 1, max: free,
			check: contains("incidents/2023-03-14-orders-db-failover/index.html", "House style, edited")},
		// Pages record what rendering read, so a theme that reads what the default theme does not still gets exact
		// incremental builds: here every incident page lists the three newest titles.
		{name: "theme: incident pages list the newest titles", do: replace("theme/layouts/incident.html", "House style, edited</p>",
			`House style, edited</p><ul class="newest">{{range first 3 .Site.Incidents}}<li>{{.Title}}</li>{{end}}</ul>`), min: 1, max: free,
			check: contains("incidents/2021-02-08-routing-config-push/index.html", "<li>Delivered parcels reverted to &#39;out for delivery&#39; by offline sync</li>")},
		{name: "theme: the newest incident retitled (every incident page reads it)", do: replace(offlineSync,
			`title: "Delivered parcels reverted to 'out for delivery' by offline sync"`, `title: "Offline sync reverted delivered parcels"`), min: 15, max: free,
			check: contains("incidents/2021-02-08-routing-config-push/index.html", "<li>Offline sync reverted delivered parcels</li>")},
		{name: "theme: its CSS edited", do: write("theme/static/extra.css", ".house-style{color:navy}\n"), min: 0, max: free,
			check: contains("assets/extra.css", "navy")},
		{name: "theme: style.css overridden", do: write("theme/static/style.css", style+"\n.house-style{font-weight:bold}\n"), min: 0, max: free,
			check: contains("assets/style.css", "font-weight:bold")},
		{name: "theme: removed", do: all(replace(config, "theme: theme\n", ""), remove("theme")), min: 1, max: free,
			check: absent("assets/extra.css")},
		{name: "static: a file added", do: write("static/robots.txt", "User-agent: *\n"), min: 0, max: 0,
			check: contains("robots.txt", "User-agent")},
		{name: "static: a file changed", do: write("static/robots.txt", "User-agent: *\nDisallow: /\n"), min: 0, max: 0,
			check: contains("robots.txt", "Disallow")},
		{name: "static: a file in a folder", do: write("static/img/logo.svg", "<svg/>"), min: 0, max: 0},
		{name: "static: a file removed", do: remove("static/robots.txt"), min: 0, max: 0,
			check: absent("robots.txt")},
		{name: "a page bundle's body", do: replace(bundle+"/index.md", "\n## ", "\nA new paragraph in the bundle.\n\n## "), min: 1, max: free,
			check: contains("incidents/2024-02-19-tracking-replica-lag/index.html", "A new paragraph in the bundle.")},
		{name: "the knowledge base's own template (its prompts are checked)", do: all(
			write("templates/postmortem.md", "---\ntitle: {{quote .Title}}\ndate: {{.Date}}\n---\n_Describe the house style._\n"),
			replace(failover, "## What went well\n", "## What went well\n\n_Describe the house style._\n"),
		), min: 1, max: free, rule: "check/template-prompts"},
		{name: "a page bundle's image changed", do: write(bundle+"/replication-topology.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"><title>changed</title></svg>"), min: 0, max: 0,
			check: contains("incidents/2024-02-19-tracking-replica-lag/replication-topology.svg", "changed")},
		{name: "a page bundle's image added", do: write(bundle+"/extra.png", "not really a png"), min: 0, max: 0,
			check: contains("incidents/2024-02-19-tracking-replica-lag/extra.png", "not really")},
		{name: "a page bundle's image removed", do: remove(bundle + "/extra.png"), min: 0, max: 0,
			check: absent("incidents/2024-02-19-tracking-replica-lag/extra.png")},
		{name: "config: removed (the defaults)", do: remove(config), min: 1, max: free},
		{name: "config: back", do: write(config, "title: Back\ntimezone: Europe/Berlin\n"), min: 1, max: free},
		{name: "nothing at the end", min: 0, max: 0},
	}

	for i, e := range edits {
		srcBefore := sitetest.Tree(t, src)
		if e.do != nil {
			e.do(t, src)
		}
		changed := sitetest.Changed(sitetest.Tree(t, src), srcBefore)
		hres, herr := h.Build(changed...)
		var before map[string][]byte
		if e.fails {
			before = sitetest.Tree(t, out)
		}
		res, err := s.Build()
		clean := filepath.Join(mem, fmt.Sprintf("clean-%d", i))
		copts := opts
		copts.Out, copts.Preview = clean, true
		want, cerr := build.Build(copts)
		t.Run(e.name, func(t *testing.T) {
			var ce *diag.ContentError
			if e.fails {
				if !errors.As(err, &ce) || !errors.As(cerr, &ce) {
					t.Fatalf("want content errors from both builds, got session %v, clean %v", err, cerr)
				}
				if !slices.Equal(res.Diagnostics, want.Diagnostics) {
					t.Errorf("diagnostics\n%s\nwant (a clean build's)\n%s", lines(res.Diagnostics), lines(want.Diagnostics))
				}
				if d := sitetest.Diff(sitetest.Tree(t, out), before); len(d) > 0 {
					t.Errorf("the failed build changed the site: %v", d)
				}
				return
			}
			if err != nil || cerr != nil {
				t.Fatalf("session build: %v; clean build: %v", err, cerr)
			}
			if !slices.Equal(res.Diagnostics, want.Diagnostics) {
				t.Errorf("diagnostics\n%s\nwant (a clean build's)\n%s", lines(res.Diagnostics), lines(want.Diagnostics))
			}
			sitetest.SameTree(t, out, clean)
			if herr != nil {
				t.Fatalf("hinted session (told %v): %v", changed, herr)
			}
			if !slices.Equal(hres.Diagnostics, want.Diagnostics) {
				t.Errorf("hinted session (told %v): diagnostics\n%s\nwant\n%s", changed, lines(hres.Diagnostics), lines(want.Diagnostics))
			}
			sitetest.SameTree(t, hopts.Out, clean)
			if res.Files != want.Files {
				t.Errorf("session counts %d files, a clean build %d", res.Files, want.Files)
			}
			if e.max >= 0 && (res.Written < e.min || res.Written > e.max) {
				t.Errorf("%d pages rendered, want %d to %d", res.Written, e.min, e.max)
			}
			if e.moved != nil && !mapsEqual(res.Moved, e.moved) {
				t.Errorf("moved %v, want %v", res.Moved, e.moved)
			}
			if e.check != nil {
				e.check(t, out)
			}
			if e.rule != "" && !slices.ContainsFunc(res.Diagnostics, func(d diag.Diagnostic) bool { return d.Rule == e.rule }) {
				t.Errorf("no %s finding in\n%s", e.rule, lines(res.Diagnostics))
			}
			t.Logf("%d of %d pages rendered", res.Written, want.Written)
		})
		os.RemoveAll(clean)
		os.RemoveAll(clean + ".bleve")
	}
}

func lines(l diag.List) string {
	var b strings.Builder
	for _, d := range l {
		b.WriteString("  " + d.String() + "\n")
	}
	return b.String()
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
