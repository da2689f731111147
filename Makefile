# meldpunt — see README.md.
GO ?= go
PKGS := ./...

.PHONY: test test-short bench lint run build fuzz dist

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

