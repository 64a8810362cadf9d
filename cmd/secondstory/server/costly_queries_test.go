package server

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/secondstory/secondstory/search"
)

func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestCostlyQueryFlood: a flood of costly queries against the search API of an index of 2,000 incidents — regexps
// that match everything, leading and many wildcards, fuzzy short words, too many expanding terms — is refused with
// 400 before any runs, each in milliseconds, and costs little CPU and no lasting memory; the bounded forms still
// answer. (Before: /.*/ cost about 6 CPU-seconds before the 5 s timeout answered 503, and a flood raised the memory
// to 673 MB that was not returned.)
func TestCostlyQueryFlood(t *testing.T) {
	if testing.Short() {
		t.Skip("builds an index of 2,000 documents")
	}
	words := strings.Fields("connection refused replica lag failover timeout kubernetes certificate expired queue backlog retry storm cache stampede dns resolver disk full deploy rollback canary")
	docs := make([]search.Document, 2000)
	for i := range docs {
		var body strings.Builder
		for j := range 200 {
			body.WriteString(words[(i*7+j*13)%len(words)])
			fmt.Fprintf(&body, "%d ", (i+j)%97)
		}
		docs[i] = search.Document{ID: fmt.Sprintf("d%d", i), URL: fmt.Sprintf("incidents/d%d/", i), Title: fmt.Sprintf("Incident %d %s", i, words[i%len(words)]),
			Body: body.String(), Date: time.Date(2024, 1, 1+i%28, 0, 0, 0, 0, time.UTC)}
	}
	index := filepath.Join(t.TempDir(), "public.bleve")
	if err := search.Build(index, docs); err != nil {
		t.Fatal(err)
	}
	dir, _ := site(t)
	ix, err := NewReopener(index)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	addr := serve(t, Options{Dir: dir, Index: ix}, Limits{})
	get := func(q string) (int, time.Duration) {
		start := time.Now()
		resp, err := http.Get("http://" + addr + "/api/search?q=" + url.QueryEscape(q))
		if err != nil {
			t.Error(err)
			return 0, 0
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode, time.Since(start)
	}
	costly := []string{"/.*/", "/.+/", "/(.*)*/", "/[a-z]*/", "/a.*/", "/" + strings.Repeat("(a|b)", 30) + "/", "*a*", "*tion", "?onnection",
		"c*", "co*n*e*", "connection~3", "ab~2", "con* rep* fai* tim* dep*", strings.Repeat("x", 2000)}
	// A paste of 100 words is not refused: its first 64 words are searched (a long error message is pasted whole).
	var mu sync.Mutex
	counts := map[int]int{}
	var slowest time.Duration
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	cpu0 := processCPU()
	var wg sync.WaitGroup
	for c := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 25 {
				q := costly[(c+i)%len(costly)]
				status, took := get(q)
				mu.Lock()
				counts[status]++
				slowest = max(slowest, took)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	cpu := processCPU() - cpu0
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	t.Logf("500 costly queries: %v, slowest %v, %v CPU, heap %d → %d MB", counts, slowest, cpu, before.HeapInuse>>20, after.HeapInuse>>20)
	if counts[400] != 500 {
		t.Errorf("statuses %v: every costly query must be refused with 400", counts)
	}
	if slowest > 2*time.Second {
		t.Errorf("the slowest refusal took %v", slowest)
	}
	if cpu > 10*time.Second {
		t.Errorf("the flood cost %v of CPU", cpu)
	}
	if grown := int64(after.HeapInuse) - int64(before.HeapInuse); grown > 64<<20 {
		t.Errorf("the heap grew by %d MB and stayed", grown>>20)
	}
	for _, q := range []string{"*", "conn*", "/connect.*/", "connection~2", "replica lag", `"retry storm"`, "tag:x OR failover"} {
		if status, took := get(q); status != 200 || took > 5*time.Second {
			t.Errorf("%q: %d in %v", q, status, took)
		}
	}
}
