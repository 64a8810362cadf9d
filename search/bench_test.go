package search

import (
	"context"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
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

// Synthetic corpus for benchmarks. Everything derives from a fixed seed,
// so runs are comparable.

// benchVocab is ordered by how common a word should be: function words
// first (as in real prose, where the analyzer drops them), then incident
// vocabulary. Zipf sampling over this order gives realistic frequencies.
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

var (
	benchTags     = numbered("tag", 40)
	benchFactors  = numbered("Factor", 60)
	benchServices = numbered("svc", 30)
	benchSevs     = []string{"SEV1", "SEV2", "SEV3", "SEV4"}
)

func numbered(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s-%02d", prefix, i)
	}
	return out
}

// syntheticDocs returns n documents of roughly bodyWords+150 words each
// (titles, summary, timeline, actions add about 150).
func syntheticDocs(n, bodyWords int) []Document {
	r := rand.New(rand.NewPCG(1, 2))
	// Zipf gives a realistic mix of very common and rare words.
	z := rand.NewZipf(r, 1.1, 2, uint64(len(benchVocab)-1))
	words := func(k int) string {
		var sb strings.Builder
		for i := 0; i < k; i++ {
			if i > 0 {
				sb.WriteByte(' ')
			}
			sb.WriteString(benchVocab[z.Uint64()])
		}
		return sb.String()
	}
	pick := func(from []string, lo, hi int) []string {
		k := lo + r.IntN(hi-lo+1)
		idx := r.Perm(len(from))[:k]
		out := make([]string, k)
		for i, j := range idx {
			out[i] = from[j]
		}
		return out
	}
	start := time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC)
	days := int(time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC).Sub(start).Hours() / 24)
	docs := make([]Document, n)
	for i := range docs {
		id := fmt.Sprintf("incident-%05d", i)
		docs[i] = Document{
			ID: id, URL: "incidents/" + id + "/",
			Title:    words(6),
			Summary:  words(30),
			Body:     words(bodyWords),
			Timeline: words(80),
			Actions:  words(30),
			Tags:     pick(benchTags, 3, 3), Factors: pick(benchFactors, 2, 4), Services: pick(benchServices, 1, 3),
			Severity: benchSevs[r.IntN(len(benchSevs))], Status: "published",
			Date:            start.AddDate(0, 0, r.IntN(days+1)),
			DurationMinutes: float64(r.IntN(600)),
		}
	}
	return docs
}

func benchN(b *testing.B) int {
	if s := os.Getenv("SECONDSTORY_BENCH_N"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			b.Fatalf("SECONDSTORY_BENCH_N=%q", s)
		}
		return n
	}
	return 1000
}

func dirSize(b *testing.B, dir string) int64 {
	var total int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			fi, err := d.Info()
			if err != nil {
				return err
			}
			total += fi.Size()
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return total
}

// benchIndex builds n synthetic docs once per benchmark and opens them.
func benchIndex(b *testing.B, n int) *Index {
	b.Helper()
	dir := filepath.Join(b.TempDir(), "idx")
	mustBuild(b, dir, syntheticDocs(n, 1000))
	ix, err := Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ix.Close() })
	return ix
}

// BenchmarkBuild builds a full index of SECONDSTORY_BENCH_N (default 1000)
// documents of about 1,150 words each. ns/op is wall time; cpu-ms/op is
// the process's CPU time, which shows how well both cores are used;
// peak-heap-MB is the most heap in use during the build, documents
// included (sampled every 10 ms).
func BenchmarkBuild(b *testing.B) {
	n := benchN(b)
	docs := syntheticDocs(n, 1000)
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
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "docs/s")
	b.ReportMetric(float64(size)/(1<<20), "MB-on-disk")
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
			if ms.HeapAlloc > peak.Load() {
				peak.Store(ms.HeapAlloc)
			}
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

// BenchmarkSync changes one document's body in an index of
// SECONDSTORY_BENCH_N documents and syncs it, nobody holding the index
// open: Sync opens and closes it every time.
func BenchmarkSync(b *testing.B) {
	benchSync(b, func(string) *Index { return nil })
}

// BenchmarkSyncWritable is BenchmarkSync with the index held open with
// OpenWritable, as `serve --watch` holds it: a save in watch mode, which
// Sync(dir) passes to that Index. Each save's writes by bleve's persister
// are waited for, untimed, so that cpu-ms/op counts them, as in a preview
// where saves are seconds apart (back to back, bleve would persist many
// at once). At 10,000 documents, use -benchtime=100x: from the 101st
// change on, Sync also merges the index (compact.go), a second of work.
func BenchmarkSyncWritable(b *testing.B) {
	benchSync(b, func(dir string) *Index {
		w, err := OpenWritable(dir)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { w.Close() })
		return w
	})
}

// benchSync builds an index, calls open with its folder (untimed), then
// times a Sync after each edit of one body; cpu-ms/op is the CPU time of
// the whole process (bleve's background work included) per Sync.
func benchSync(b *testing.B, open func(dir string) *Index) {
	n := benchN(b)
	docs := syntheticDocs(n, 1000)
	dir := filepath.Join(b.TempDir(), "idx")
	mustBuild(b, dir, docs)
	w := open(dir)
	body := docs[n/2].Body
	cpu0 := processCPU()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		docs[n/2].Body = body + " edit " + strconv.Itoa(i)
		st, err := Sync(dir, docs)
		if err != nil {
			b.Fatal(err)
		}
		if st.Updated != 1 || st.Rebuilt {
			b.Fatalf("stats %+v", st)
		}
		if w != nil {
			b.StopTimer()
			w.waitPersisted()
			b.StartTimer()
		}
	}
	b.StopTimer()
	reportCPU(b, cpu0)
}

// BenchmarkSyncCompact is the merge that Sync leaves for later (it runs
// past 1 % of changes, or in the background): Compact after one change.
func BenchmarkSyncCompact(b *testing.B) {
	n := benchN(b)
	docs := syntheticDocs(n, 1000)
	dir := filepath.Join(b.TempDir(), "idx")
	mustBuild(b, dir, docs)
	w, err := OpenWritable(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	body := docs[n/2].Body
	var cpu time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		docs[n/2].Body = body + " edit " + strconv.Itoa(i)
		if _, err := w.Sync(docs); err != nil {
			b.Fatal(err)
		}
		cpu0 := processCPU()
		b.StartTimer()
		if err := w.Compact(context.Background()); err != nil {
			b.Fatal(err)
		}
		cpu += processCPU() - cpu0
	}
	b.StopTimer()
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/op")
}

// BenchmarkQuery runs a broad two-word query with all facets, highlighting
// and 10 hits, and reports latency percentiles.
func BenchmarkQuery(b *testing.B) {
	benchQuery(b, Request{Query: "database latency", Size: 10}, func(res *Result) {
		if len(res.Hits) != 10 || len(res.Hits[0].Fragments) == 0 {
			b.Fatalf("unexpected result: %d hits", len(res.Hits))
		}
	})
}

// BenchmarkQueryPhrase runs a phrase of two common words: bleve finds the
// documents with both words, and each one's stored body is checked for
// the phrase (phrase.go), the slowest kind of query.
func BenchmarkQueryPhrase(b *testing.B) {
	benchQuery(b, Request{Query: `"circuit breaker"`, Size: 10}, nil)
}

// BenchmarkQueryFiltered adds two filters, which costs extra facet passes.
func BenchmarkQueryFiltered(b *testing.B) {
	benchQuery(b, Request{Query: "database latency", Size: 10,
		Filters: map[string][]string{"tag": {"tag-01", "tag-02"}, "severity": {"SEV1"}}}, nil)
}

// benchQuery runs req b.N times against the benchmark index and reports CPU time and latency percentiles; check,
// when not nil, looks at every result.
func benchQuery(b *testing.B, req Request, check func(*Result)) {
	ix := benchIndex(b, benchN(b))
	ctx := context.Background()
	lat := make([]time.Duration, 0, b.N)
	cpu0 := processCPU()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		res, err := ix.Search(ctx, req)
		lat = append(lat, time.Since(t0))
		if err != nil {
			b.Fatal(err)
		}
		if check != nil {
			check(res)
		}
	}
	b.StopTimer()
	reportCPU(b, cpu0)
	reportPercentiles(b, lat)
}

func reportCPU(b *testing.B, since time.Duration) {
	b.ReportMetric(float64((processCPU()-since).Microseconds())/1000/float64(b.N), "cpu-ms/op")
}

func reportPercentiles(b *testing.B, lat []time.Duration) {
	slices.Sort(lat)
	pct := func(p float64) float64 {
		i := int(float64(len(lat)-1) * p)
		return float64(lat[i].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}

// BenchmarkAPIParallel drives the HTTP handler in-process from parallel
// goroutines and reports requests per second.
func BenchmarkAPIParallel(b *testing.B) {
	ix := benchIndex(b, benchN(b))
	h := APIHandler(NewService(ix))
	queries := []string{
		"/api/search?q=database+latency",
		"/api/search?q=timeout&tag=tag-03",
		"/api/search?q=%22connection+pool%22&page=2",
		"/api/search?severity=SEV1&year=2020",
		"/api/search?q=cache+eviction&size=20",
	}
	var next atomic.Uint64
	cpu0 := processCPU()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			target := queries[next.Add(1)%uint64(len(queries))]
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
			if rec.Code != http.StatusOK {
				b.Errorf("%s: %d %s", target, rec.Code, rec.Body.String())
				return
			}
		}
	})
	b.StopTimer()
	reportCPU(b, cpu0)
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

// BenchmarkHashDocs is the content hashing every Sync does before it
// knows what changed: SECONDSTORY_BENCH_N documents (default 1000; the
// figure that matters for a save is 10,000) of about 1,150 words each.
// cpu-ms/op counts both cores; MB/s is per wall second.
func BenchmarkHashDocs(b *testing.B) {
	docs := syntheticDocs(benchN(b), 1000)
	var size int64
	for _, d := range docs {
		size += int64(len(d.ID) + len(d.URL) + len(d.Title) + len(d.Summary) + len(d.Body) + len(d.Timeline) + len(d.Actions))
	}
	b.SetBytes(size)
	cpu0 := processCPU()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if h := hashDocs(docs); len(h) != len(docs) {
			b.Fatal(len(h))
		}
	}
	b.StopTimer()
	reportCPU(b, cpu0)
}
