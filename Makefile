# meldpunt — see README.md.
GO ?= go
PKGS := ./...

.PHONY: test test-short bench bench-grouping lint run build fuzz dist

# The full test suite against real servers (PostgreSQL, embedded NATS).
# With CI=true a missing server fails the run instead of skipping.
test:
	$(GO) vet $(PKGS)
	$(GO) test -count=1 -timeout 30m $(PKGS)

test-short:
	$(GO) test -short -count=1 $(PKGS)

# Throughput of the registry against PostgreSQL and its ceiling; see docs/benchmarks.md.
BENCH_EVENTS ?= 20000
bench: build
	$(GO) run ./internal/registry/bench -events $(BENCH_EVENTS) -registry ./bin/registry

# What grouping adds per message with a million messages stored in PostgreSQL.
# The first run loads them into a database of their own (about 3 minutes, 3 GB);
# later runs reuse it. See docs/benchmarks.md.
GROUPING_MESSAGES ?= 1000000
bench-grouping:
	$(GO) run ./internal/registry/bench/grouping -messages $(GROUPING_MESSAGES)

lint:
	@test -z "$$(gofmt -l .)" || { echo "gofmt needed:"; gofmt -l .; exit 1; }
	$(GO) vet $(PKGS)

build:
	$(GO) build -o bin/ ./cmd/...

run:
	$(GO) run ./cmd/registry serve

FUZZTIME ?= 30s
fuzz:
	$(GO) test ./internal/caseevent -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME)
	$(GO) test ./internal/caseevent -run '^$$' -fuzz '^FuzzSafeToken$$' -fuzztime $(FUZZTIME)

# Static binaries for the servers a municipality runs (pure Go: no cgo, the
# embedded SQLite included), in dist/<os>-<arch>/, with SHA-256 sums. Each
# binary carries the commit it was built from: `go version -m dist/linux-amd64/registry`.
DIST_PLATFORMS ?= linux/amd64 linux/arm64
dist:
	rm -rf dist
	for p in $(DIST_PLATFORMS); do \
		os=$${p%/*}; arch=$${p#*/}; \
		CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(GO) build -trimpath -ldflags "-s -w" \
			-o dist/$$os-$$arch/ ./cmd/... || exit 1; \
	done
	cd dist && find . -type f ! -name SHA256SUMS | sort | xargs sha256sum > SHA256SUMS


# Search latency over 1,000,000 generated messages in PostgreSQL (loaded once into the database
# meldpunt_search_bench_<n>, reused on reruns); see docs/benchmarks.md.
.PHONY: bench-search
SEARCH_MESSAGES ?= 1000000
bench-search:
	$(GO) run ./internal/registry/bench/search -messages $(SEARCH_MESSAGES)

# End to end (issue 8): the real binaries as separate processes — Dovecot,
# the local Graph API and Open311 servers, a standalone nats-server,
# PostgreSQL, the three connectors and the registry — fed a known workload
# while faults are injected; every input must be registered exactly once.
# Needs Dovecot and PostgreSQL (as make test). e2e is the short run of
# .ci/run; e2e-long and latency give the figures in docs/benchmarks.md.
E2E = $(GO) test -tags e2e -count=1 -v ./internal/e2e
.PHONY: e2e e2e-long latency
e2e:
	$(GO) vet -tags e2e ./internal/e2e
	$(E2E) -timeout 30m -run '^(TestCount|TestEndToEnd)$$'

e2e-long:
	$(E2E) -timeout 3h -run '^TestEndToEnd$$' -args -e2e.mails 10000 -e2e.facebook 2000 -e2e.eloket 1000 \
		-e2e.duration 12m -e2e.fault-every 6s -e2e.settle 15m

latency:
	$(E2E) -timeout 30m -run '^TestLatency$$'
