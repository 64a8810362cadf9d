# secondstory — the two commands a newcomer needs are `make serve` and `make test`.
GO      ?= go
BIN     := bin/secondstory
VERSION := $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)
ADDR    ?= 127.0.0.1:8080

.PHONY: build serve test fmt-check vet bench pgo corpus clean hostile-mem

build:
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/secondstory

# Builds the sample knowledge base in content/ and serves it with search at http://$(ADDR)/.
serve: build
	./$(BIN) serve --source content --out public --addr $(ADDR)

# Every test, then each fuzz target for a bounded time on top of its corpus in testdata/fuzz.
FUZZTIME ?= 10s
test: fmt-check vet
	$(GO) test ./...
	$(GO) test -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime $(FUZZTIME) ./generator/postmortem/
	$(GO) test -run '^$$' -fuzz '^FuzzQuery$$' -fuzztime $(FUZZTIME) ./search/

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

# cmd/secondstory-bench first: for 1,000 and 10,000 generated postmortems, a full build, a rebuild with nothing
# changed and one after a changed file (each a fresh process: wall time, CPU, peak memory, the stages of --timings),
# and search p50/p99 on the built index. Then the Go benchmarks: the preview's rebuild after a save at 10,000
# (BenchmarkSession: nothing, a body, a title, a tag), search (build, update, queries), the lint; the table last.
BENCH_DIR ?= /tmp/secondstory-bench
BENCH_NS  ?= 1000,10000
# The Go benchmarks measure the code as the binary has it: optimised with the binary's profile (see pgo below).
PGO       := $(CURDIR)/cmd/secondstory/default.pgo
bench: build
	$(GO) build -o bin/secondstory-gencorpus ./cmd/secondstory-gencorpus
	@mkdir -p $(BENCH_DIR)
	$(GO) run ./cmd/secondstory-bench -bin $(BIN) -gencorpus bin/secondstory-gencorpus -dir $(BENCH_DIR) -n $(BENCH_NS) \
	  -table $(BENCH_DIR)/table.md
	@echo "== 10000 postmortems: the preview's rebuild after a save (no debounce)"
	SECONDSTORY_BENCH_N=10000 $(GO) test -pgo=$(PGO) -run '^$$' -bench 'Session' -benchtime 10x ./generator/build/
	$(GO) test -pgo=$(PGO) -run '^$$' -bench . -benchtime 3x ./search/ ./generator/lint/
	@echo "== make bench: builds and searches of generated corpora ($(BENCH_DIR)/table.md)"
	@cat $(BENCH_DIR)/table.md

# cmd/secondstory/default.pgo is the CPU profile go build optimises the binary with (profile-guided optimisation).
# This target records it again, from a full build and preview rebuilds of 10,000 generated postmortems and from
# search queries; run it when the hot paths have changed a lot.
pgo:
	@mkdir -p $(BENCH_DIR)
	SECONDSTORY_BENCH_N=10000 $(GO) test -run '^$$' -bench '^BenchmarkBuild$$' -benchtime 2x \
	  -o $(BENCH_DIR)/build.test -cpuprofile $(BENCH_DIR)/build.pprof ./generator/build/
	SECONDSTORY_BENCH_N=10000 $(GO) test -run '^$$' -bench 'Session' -benchtime 5x \
	  -o $(BENCH_DIR)/build.test -cpuprofile $(BENCH_DIR)/session.pprof ./generator/build/
	$(GO) test -run '^$$' -bench 'Query' -o $(BENCH_DIR)/search.test -cpuprofile $(BENCH_DIR)/search.pprof ./search/
	$(GO) tool pprof -proto $(BENCH_DIR)/build.pprof $(BENCH_DIR)/session.pprof $(BENCH_DIR)/search.pprof > cmd/secondstory/default.pgo

# The peak memory of a build and a check of every hostile input of the reliability tests at once (links out of the
# source and to devices, FIFOs, files past max_file_mb, frontmatter built to explode a parser, names without a URL,
# control characters in file names, collisions, a 10,000-entry timeline), written by generator/build's
# TestHostileFixtures. Both must end with exit 1 (content errors) within seconds.
HOSTILE_DIR ?= /tmp/secondstory-hostile
hostile-mem: build
	rm -rf $(HOSTILE_DIR)
	SECONDSTORY_HOSTILE_KB=$(HOSTILE_DIR) $(GO) test -count=1 -run '^TestHostileFixtures$$' ./generator/build/
	/usr/bin/time -f 'build: exit %x, peak %M KB, %e s' ./$(BIN) build --quiet --source $(HOSTILE_DIR)/kb --out $(HOSTILE_DIR)/public 2>&1 | tail -2; true
	/usr/bin/time -f 'check: exit %x, peak %M KB, %e s' ./$(BIN) check --source $(HOSTILE_DIR)/kb 2>&1 >/dev/null | tail -1; true

clean:
	rm -rf bin
