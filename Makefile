# secondstory — the two commands a newcomer needs are `make serve` and `make test`.
GO      ?= go
BIN     := bin/secondstory
VERSION := $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)
ADDR    ?= 127.0.0.1:8080

.PHONY: build serve test fmt-check vet bench corpus clean

build:
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/secondstory

# Builds the sample knowledge base in content/ and serves it with search at http://$(ADDR)/.
serve: build
	./$(BIN) serve --source content --out public --addr $(ADDR)

test: fmt-check vet
	$(GO) test ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

# Builds generated corpora of 1,000 and 10,000 postmortems and prints wall time, peak memory and per-stage times,
# then a warm rebuild and a rebuild after one changed file; then the Go benchmarks of the hot functions, and the
# preview and one-file rebuilds at 10,000 (BenchmarkRebuild: per-stage times). The previous run's site is removed
# before the corpus is generated, not just before the build: freeing its 20,000 files keeps the file system busy for
# seconds after rm returns (ext4 with online discard here), and the full build would pay for it.
BENCH_DIR ?= /tmp/secondstory-bench
BENCH_NS  ?= 1000 10000
bench: build
	$(GO) build -o bin/secondstory-gencorpus ./cmd/secondstory-gencorpus
	@mkdir -p $(BENCH_DIR)
	@for n in $(BENCH_NS); do \
	  src=$(BENCH_DIR)/corpus-$$n; out=$(BENCH_DIR)/site-$$n; \
	  rm -rf $$out $$out.bleve $(BENCH_DIR)/.site-$$n.cache; sync; \
	  ./bin/secondstory-gencorpus -n $$n -out $$src >/dev/null || exit 1; \
	  echo "== $$n postmortems: full build"; \
	  ./$(BIN) build --quiet --timings --source $$src --out $$out || exit 1; \
	  echo "== $$n postmortems: rebuild, nothing changed"; \
	  ./$(BIN) build --quiet --timings --source $$src --out $$out || exit 1; \
	  f=$$(find $$src/incidents -name '*.md' | sort | head -n 1); echo "" >> $$f; \
	  echo "== $$n postmortems: rebuild, one file changed"; \
	  ./$(BIN) build --quiet --timings --source $$src --out $$out || exit 1; \
	done
	$(GO) test -run '^$$' -bench . -benchtime 3x ./generator/... ./search/
	@echo "== 10000 postmortems: preview rebuilds after a body or a title edit, build after one changed file"
	SECONDSTORY_BENCH_N=10000 $(GO) test -run '^$$' -bench 'Rebuild/.*/(watch|cold)' -benchtime 10x ./generator/

clean:
	rm -rf bin
