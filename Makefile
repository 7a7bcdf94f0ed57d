# liveblog: the single entry point for building, running and testing.
# `make run` starts the demo newsroom; `make test` runs the whole suite.

GO      ?= go
DATA    ?= ./data
ADDR    ?= 127.0.0.1:8080
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X github.com/liveblog/liveblog.Version=$(VERSION)

.PHONY: run build test test-short bench lint fmt clean audit

## run: build bin/liveblog and serve the demo newsroom on http://$(ADDR) with its data in $(DATA).
## The binary runs directly rather than under `go run`, which exits 1 on Ctrl+C whatever the
## program does, so make would report an error for a clean stop.
run: build
	bin/liveblog demo --addr $(ADDR) --data $(DATA)

## build: build the liveblog binary as bin/liveblog, the path the README and docs use
build:
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/liveblog ./cmd/liveblog

## test: the whole suite under the race detector (browser, PostgreSQL and NATS tests skip with a note
## when absent, fail on CI), then again without it the tests whose memory figures it distorts
test:
	$(GO) vet ./...
	@bash scripts/test-backends
	@$(GO) test -race -count=1 -timeout 15m ./... && $(GO) test -count=1 -run '$(NORACE_TESTS)' ./http; \
		status=$$?; bash scripts/test-backends; exit $$status

# Tests that check memory figures, which the race detector changes (sync.Pool drops what it
# holds); under -race they skip those checks (http/race_on_test.go).
NORACE_TESTS := ^TestDeskBodyLimits$$

## test-short: the quick suite without the browser and multi-node tests
test-short:
	$(GO) test -count=1 -short ./...

## bench: Go micro-benchmarks: stream frames and fan-out, page rendering, the stores' hot queries,
## the reader page and changes handlers. The idle-reader benchmark opens a fixed number of streams.
bench:
	$(GO) test -run '^$$' -bench . -skip 'IdleReader' -benchmem ./...
	$(GO) test -run '^$$' -bench 'IdleReader' -benchtime=5000x ./stream/

## bench-load: the load scenarios S1-S7 against a liveblog serve process (about 11 minutes; needs wrk
## and nginx for S6; BENCHMARKS.md says how to read the table it prints). LOADFLAGS="-scenarios s2" picks some.
bench-load: build
	$(GO) build -o bin/liveblog-load ./cmd/liveblog-load
	bin/liveblog-load run --bin bin/liveblog $(LOADFLAGS)

## bench-load-quick: the same scenarios with 1,000 readers and short runs, as a smoke check (about 3 minutes)
bench-load-quick: build
	$(GO) build -o bin/liveblog-load ./cmd/liveblog-load
	bin/liveblog-load run --bin bin/liveblog -quick $(LOADFLAGS)
.PHONY: bench-load bench-load-quick

## reliability: the long crash, chaos and takedown tests (RELIABILITY.md); about 10 minutes, and
## the two-node takedown needs PostgreSQL. The quick versions run in `make test`.
reliability:
	LIVEBLOG_CRASH_LONG=1 LIVEBLOG_CHAOS_LONG=1 LIVEBLOG_TAKEDOWN_LONG=1 \
		$(GO) test -count=1 -timeout 60m -v -run '^(TestCrash|TestChaos|TestTakedown)$$' ./cmd/liveblog
.PHONY: reliability

## security: the long security tests (SECURITY.md): every XSS payload through every field and page in
## Chromium, 10,000 idle connections and slowhttptest's attacks on a liveblog serve process (needs
## slowhttptest), and five minutes of each fuzz target; about 40 minutes. Quick versions run in `make test`.
security:
	LIVEBLOG_SECURITY_LONG=1 $(GO) test -count=1 -timeout 60m -v -run '^TestStoredXSS$$' ./http
	LIVEBLOG_SECURITY_LONG=1 $(GO) test -count=1 -timeout 20m -v -run '^(TestIdleConnections|TestSlowHTTP)$$' ./cmd/liveblog
	$(GO) test -run '^$$' -fuzz '^FuzzRenderPost$$' -fuzztime 5m ./render
	$(GO) test -run '^$$' -fuzz '^FuzzSafeURL$$' -fuzztime 5m ./render
	$(GO) test -run '^$$' -fuzz '^FuzzAppendFrame$$' -fuzztime 5m ./stream
	$(GO) test -run '^$$' -fuzz '^FuzzPosition$$' -fuzztime 5m ./http
	$(GO) test -run '^$$' -fuzz '^FuzzParseCursor$$' -fuzztime 5m .
	$(GO) test -run '^$$' -fuzz '^FuzzQuery$$' -fuzztime 5m ./http
.PHONY: security

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
