# liveblog: the single entry point for building, running and testing.
# `make run` starts the demo newsroom; `make test` runs the whole suite.

GO      ?= go
DATA    ?= ./data
ADDR    ?= 127.0.0.1:8080
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X github.com/liveblog/liveblog.Version=$(VERSION)

.PHONY: run build test test-short bench lint fmt clean audit

## run: serve the demo newsroom on http://$(ADDR) with its data in $(DATA)
run:
	$(GO) run ./cmd/liveblog demo --addr $(ADDR) --data $(DATA)

## build: build the liveblog binary into ./bin
build:
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/liveblog ./cmd/liveblog

## test: the whole suite (browser, PostgreSQL and NATS tests skip with a note when absent, fail on CI)
test:
	$(GO) vet ./...
	@bash scripts/test-backends
	@$(GO) test -count=1 -timeout 15m ./...; status=$$?; bash scripts/test-backends; exit $$status

## test-short: the quick suite without the browser and multi-node tests
test-short:
	$(GO) test -count=1 -short ./...

## bench: Go micro-benchmarks (the load scenarios are documented in BENCHMARKS.md)
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

## audit: axe-core and Lighthouse figures for reader pages of a running demo (`make run` first);
## needs Node 18.16+ and Chromium; URL="..." picks the pages. After it, `go test ./http -run TestAxe` runs axe too.
audit:
	cd tools && npm ci --no-audit --no-fund && node audit.mjs $(URL)

## lint: formatting and vet
lint:
	@test -z "$$(gofmt -l .)" || (gofmt -l . && echo "gofmt: files above need formatting" && exit 1)
	$(GO) vet ./...

fmt:
	gofmt -w .

clean:
	rm -rf bin
