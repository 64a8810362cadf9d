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

bench:
	@echo "bench: see the performance issue"

clean:
	rm -rf bin
