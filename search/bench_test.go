package search

import (
	"context"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// A deterministic synthetic corpus for benchmarks: incident vocabulary
// first (as common as in real postmortems), then a long tail of made-up
// words, Zipf-distributed; sentences; identifiers of every kind sprinkled
// in; timelines and action items in the generator's format. Everything
// derives from a fixed seed, so runs are comparable.

var benchVocab = strings.Fields(`
the a of to and in was were for on with after before during because while
that this it we our at by from as is be not no but all were had have
engineer team investigated noticed discovered confirmed restored reverted
applied increased decreased dropped failed succeeded delayed queued stalled
database replica primary failover latency timeout timeouts retry retries backoff
jitter circuit breaker queue consumer producer lag partition broker topic
cache eviction memory leak heap garbage collector pause cpu saturation throttling
disk full volume inode log logging rotation alert alerts paging pager oncall
runbook rollback deploy deployment release canary feature flag config configuration
change migration schema index lock deadlock contention connection pool exhaustion
dns resolver certificate tls handshake expiry load balancer ingress gateway proxy
network packet loss region zone outage degradation incident customer
checkout payment payments order orders invoice billing search recommendation
authentication token session clock skew ntp kubernetes pod node scheduler
autoscaling capacity quota limit rate limiter storage bucket object replication
backup restore snapshot corruption consistency monitoring dashboard metric
threshold error errors exception crash restart loop health check probe readiness
traffic spike peak holiday batch job cron worker thread goroutine
upstream downstream dependency vendor provider third party api endpoint response
request client server p99 slo sla budget burn escalation mitigation
root cause contributing factor detection recovery remediation follow action item
`)

// benchTail makes n pronounceable words, the rare vocabulary of real text.
func benchTail(r *rand.Rand, n int) []string {
	syl := strings.Fields("ka lo mi ter ven dra pol sen tor quin bar lex mor cal fin gor hap jus nel pri sto van wex yul zam")
	out := make([]string, n)
	for i := range out {
		var sb strings.Builder
		for k := 2 + r.IntN(3); k > 0; k-- {
			sb.WriteString(syl[r.IntN(len(syl))])
		}
		out[i] = sb.String()
	}
	return out
}

var (
	benchTags     = numbered("tag", 40)
	benchFactors  = numbered("Factor", 60)
	benchServices = numbered("svc", 30)
	benchSevs     = []string{"SEV1", "SEV2", "SEV3", "SEV4"}
	benchActors   = []string{"oncall", "sre", "db-team", "payments-lead", "incident-commander"}
	benchCodes    = []string{"ERR_CONN_RESET", "ECONNREFUSED", "HTTP 503", "0x80004005", "SQLSTATE 40001", "OOMKilled", "ETIMEDOUT"}
)

func numbered(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s-%02d", prefix, i)
	}
	return out
}

// syntheticDocs returns n documents whose bodies have about bodyWords
// words; title, summary, timeline and actions add about 200 more.
func syntheticDocs(n, bodyWords int) []Document {
	r := rand.New(rand.NewPCG(1, 2))
	vocab := append(slices.Clone(benchVocab), benchTail(r, 8000)...)
	z := rand.NewZipf(r, 1.1, 4, uint64(len(vocab)-1))
	ident := func() string {
		switch r.IntN(6) {
		case 0:
			return fmt.Sprintf("db-%d.%s.internal", r.IntN(40), []string{"eu-west", "us-east", "ap-south"}[r.IntN(3)])
		case 1:
			return fmt.Sprintf("v%d.%d.%d", r.IntN(4), r.IntN(30), r.IntN(50))
		case 2:
			return fmt.Sprintf("10.%d.%d.%d:%d", r.IntN(255), r.IntN(255), r.IntN(255), 1000+r.IntN(9000))
		case 3:
			return fmt.Sprintf("OPS-%d", 1000+r.IntN(9000))
		default:
			return benchCodes[r.IntN(len(benchCodes))]
		}
	}
	// Each document draws its own working vocabulary, which it then
	// repeats: real postmortems keep returning to their few topics.
	var local []string
	sentences := func(words int) string {
		var sb strings.Builder
		for w := 0; w < words; {
			k := min(8+r.IntN(13), words-w)
			for i := 0; i < k; i++ {
				word := local[r.IntN(len(local))]
				if i == 0 {
					word = strings.ToUpper(word[:1]) + word[1:]
				} else if r.IntN(60) == 0 {
					word = ident()
				}
				if i > 0 {
					sb.WriteByte(' ')
				}
				sb.WriteString(word)
			}
			w += k
			sb.WriteString(". ")
			if r.IntN(6) == 0 {
				sb.WriteString("\n\n")
			}
		}
		return strings.TrimSpace(sb.String())
	}
	pick := func(from []string, lo, hi int) []string {
		idx := r.Perm(len(from))[:lo+r.IntN(hi-lo+1)]
		out := make([]string, len(idx))
		for i, j := range idx {
			out[i] = from[j]
		}
		return out
	}
	start := time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC)
	docs := make([]Document, n)
	for i := range docs {
		id := fmt.Sprintf("incident-%05d", i)
		local = local[:0]
		for range 1200 {
			local = append(local, vocab[z.Uint64()])
		}
		var tl, acts []string
		for k, m := 0, 8+r.IntN(8); k < m; k++ {
			tl = append(tl, fmt.Sprintf("%02d:%02d %s %s", r.IntN(24), r.IntN(60), benchActors[r.IntN(len(benchActors))], strings.TrimSuffix(sentences(8), ".")))
		}
		for k, m := 0, 3+r.IntN(4); k < m; k++ {
			acts = append(acts, fmt.Sprintf("%s · %s · OPS-%d", strings.TrimSuffix(sentences(6), "."), benchActors[r.IntN(len(benchActors))], 1000+r.IntN(9000)))
		}
		docs[i] = Document{
			ID: id, URL: "incidents/" + id + "/",
			Title: strings.TrimSuffix(sentences(6), "."), Summary: sentences(30), Body: sentences(bodyWords),
			Timeline: strings.Join(tl, "\n"), Actions: strings.Join(acts, "\n"),
			Tags: pick(benchTags, 2, 4), Factors: pick(benchFactors, 1, 3), Services: pick(benchServices, 1, 3),
			Severity: benchSevs[r.IntN(len(benchSevs))], Status: "published",
			Date:            start.AddDate(0, 0, r.IntN(4380)),
			DurationMinutes: float64(r.IntN(600)),
		}
	}
	return docs
}

// benchDocs is the corpus of SECONDSTORY_CORPUS (corpusDocs) if set,
// else benchN synthetic documents.
func benchDocs(b *testing.B) []Document {
	if dir := os.Getenv("SECONDSTORY_CORPUS"); dir != "" {
		return corpusDocs(b, dir)
	}
	return syntheticDocs(benchN(b), benchBodyWords)
}

// benchN is SECONDSTORY_BENCH_N, else 10,000: the size the targets are for.
func benchN(b *testing.B) int {
	if s := os.Getenv("SECONDSTORY_BENCH_N"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			b.Fatalf("SECONDSTORY_BENCH_N=%q", s)
		}
		return n
	}
	return 10000
}

const benchBodyWords = 1150

func dirSize(b *testing.B, dir string) int64 {
	var total int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			var fi fs.FileInfo
			if fi, err = d.Info(); err == nil {
				total += fi.Size()
			}
		}
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	return total
}

// BenchmarkBuild builds a whole index of SECONDSTORY_BENCH_N documents
// (default 10,000) of about 1,150 body words, with and without term
// vectors on the body. ns/op is wall time; cpu-ms/op is the process's CPU
// time (both cores); peak-heap-MB is the most heap in use, documents
// included. Run with -benchtime=1x.
func BenchmarkBuild(b *testing.B) {
	docs := benchDocs(b)
	for _, tv := range []bool{true, false} {
		b.Run(fmt.Sprintf("body-term-vectors=%v", tv), func(b *testing.B) {
			defer func(was bool) { bodyTermVectors = was }(bodyTermVectors)
			bodyTermVectors = tv
			root := b.TempDir()
			var size int64
			runtime.GC()
			peak := sampleHeap()
			cpu0 := processCPU()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				dir := filepath.Join(root, strconv.Itoa(i))
				mustBuild(b, dir, docs)
				b.StopTimer()
				size = dirSize(b, dir)
				if err := os.RemoveAll(dir); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
			b.StopTimer()
			reportCPU(b, cpu0)
			b.ReportMetric(float64(peak()>>20), "peak-heap-MB")
			b.ReportMetric(float64(size)/(1<<20), "MB-on-disk")
		})
	}
}

// sampleHeap samples the heap in use until the returned function is
// called, which returns the peak.
func sampleHeap() func() uint64 {
	var peak atomic.Uint64
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		var ms runtime.MemStats
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&ms)
			peak.Store(max(peak.Load(), ms.HeapAlloc))
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 {
		close(stop)
		<-done
		return peak.Load()
	}
}

// BenchmarkUpdate is a save in the live preview: one changed document
// upserted into a writable index of SECONDSTORY_BENCH_N documents. ms/op
// percentiles are the time Update takes; bleve's persister and merger
// work after it returns, in the background (cpu-ms/op counts them).
func BenchmarkUpdate(b *testing.B) {
	docs := benchDocs(b)
	n := len(docs)
	dir := filepath.Join(b.TempDir(), "idx")
	mustBuild(b, dir, docs)
	ix, err := OpenWritable(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer ix.Close()
	d := docs[n/2]
	body := d.Body
	lat := make([]time.Duration, 0, b.N)
	cpu0 := processCPU()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		d.Body = body + " quokkaedit " + strconv.Itoa(i)
		t0 := time.Now()
		if err := ix.Update([]Document{d}, nil); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
		// Saves are seconds apart: let the persister keep up, untimed.
		b.StopTimer()
		time.Sleep(20 * time.Millisecond)
		b.StartTimer()
	}
	b.StopTimer()
	reportCPU(b, cpu0)
	reportPercentiles(b, lat)
	if res := mustSearch(b, ix, Request{Query: "quokkaedit"}); res.Total != 1 {
		b.Fatalf("after updates: %d hits for the edit", res.Total)
	}
}

// benchQueries is the query mix of BenchmarkQuery, by kind.
type benchQuery struct {
	kind string
	req  Request
}

var benchQueries = []benchQuery{
	{"two-words+facets", Request{Query: "database latency"}},
	{"phrase", Request{Query: `"circuit breaker"`}},
	{"pasted-phrase", Request{Query: "connection pool exhaustion during peak traffic"}},
	{"field", Request{Query: "title:failover"}},
	{"filters", Request{Query: "timeout", Filters: map[string][]string{"year": {"2020", "2021"}, "severity": {"SEV1", "SEV2"}}}},
	{"empty", Request{}},
}

// BenchmarkQuery runs each kind of query of the mix against one index of
// SECONDSTORY_BENCH_N documents, with facets, fragments and 10 hits, and
// reports latency percentiles.
func BenchmarkQuery(b *testing.B) {
	dir := filepath.Join(b.TempDir(), "idx")
	docs := benchDocs(b)
	mustBuild(b, dir, docs)
	ix, err := Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer ix.Close()
	// The identifier and the prefix come from the corpus.
	mid := docs[len(docs)/2]
	queries := append(slices.Clone(benchQueries),
		benchQuery{"identifier", Request{Query: identifiers(mid.Actions, nil, map[string]bool{})[0]}},
		benchQuery{"prefix", Request{Query: longestWord(mid.Title)[:4]}})
	run := func(b *testing.B, next func(i int) Request) {
		lat := make([]time.Duration, 0, b.N)
		cpu0 := processCPU()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			req := next(i)
			t0 := time.Now()
			res, err := ix.Search(context.Background(), req)
			lat = append(lat, time.Since(t0))
			if err != nil {
				b.Fatal(err)
			}
			if len(res.Hits) == 0 {
				b.Fatalf("%q: no hits", req.Query)
			}
		}
		b.StopTimer()
		reportCPU(b, cpu0)
		reportPercentiles(b, lat)
	}
	for _, bq := range queries {
		b.Run(bq.kind, func(b *testing.B) { run(b, func(int) Request { return bq.req }) })
	}
	// The mix: every kind in turn but the empty query, which no one types.
	mix := slices.DeleteFunc(slices.Clone(queries), func(q benchQuery) bool { return q.kind == "empty" })
	b.Run("mix", func(b *testing.B) { run(b, func(i int) Request { return mix[i%len(mix)].req }) })
}

func longestWord(s string) string {
	w := ""
	for _, f := range strings.Fields(s) {
		if len(f) > len(w) {
			w = f
		}
	}
	return strings.ToLower(w)
}

func reportCPU(b *testing.B, since time.Duration) {
	b.ReportMetric(float64((processCPU()-since).Microseconds())/1000/float64(b.N), "cpu-ms/op")
}

func reportPercentiles(b *testing.B, lat []time.Duration) {
	slices.Sort(lat)
	pct := func(p float64) float64 {
		return float64(lat[int(float64(len(lat)-1)*p)].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}
