package registry_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/meldpunt/meldpunt/internal/bus"
	"github.com/meldpunt/meldpunt/internal/registry"
	"github.com/meldpunt/meldpunt/internal/registry/store"
	"github.com/meldpunt/meldpunt/internal/registry/store/postgres"
	"github.com/meldpunt/meldpunt/internal/registry/store/sqlite"
	"github.com/meldpunt/meldpunt/internal/testutil/natstest"
	"github.com/meldpunt/meldpunt/internal/testutil/pgtest"
)

// storeKinds are the stores every registry test runs against.
var storeKinds = []string{"postgres", "sqlite"}

func testLogger(t testing.TB) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) { w.t.Log(string(p)); return len(p), nil }

// openStore opens a migrated store of the given kind, isolated for this test.
func openStore(t testing.TB, kind string) (store.Store, string) {
	t.Helper()
	ctx := context.Background()
	var (
		st  store.Store
		dsn string
		err error
	)
	switch kind {
	case "postgres":
		dsn = pgtest.DSN(t)
		st, err = postgres.Open(ctx, dsn, testLogger(t))
	case "sqlite":
		dsn = filepath.Join(t.TempDir(), "meldpunt.db")
		st, err = sqlite.Open(ctx, dsn, testLogger(t))
	default:
		t.Fatalf("unknown store kind %q", kind)
	}
	if err != nil {
		t.Fatalf("open %s store: %v", kind, err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return st, dsn
}

// harness is a real NATS server, a real store and a registry consuming.
type harness struct {
	t       testing.TB
	nats    *natstest.Server
	bus     *bus.Bus
	store   store.Store
	dsn     string
	metrics *registry.Metrics
}

func newHarness(t testing.TB, kind string) *harness {
	t.Helper()
	srv := natstest.Start(t)
	b := natstest.Connect(t, srv)
	st, dsn := openStore(t, kind)
	return &harness{t: t, nats: srv, bus: b, store: st, dsn: dsn}
}

// run starts a registry until the test ends.
func (h *harness) run(cfg registry.Config) {
	h.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	// Long enough that a batch on a busy machine is not redelivered (which
	// the duplicate counts would show), short enough for a stuck test.
	cons, err := h.bus.Consumer(ctx, bus.ConsumerConfig{AckWait: 30 * time.Second})
	if err != nil {
		h.t.Fatalf("consumer: %v", err)
	}
	h.metrics = registry.NewMetrics(prometheus.NewRegistry())
	r := registry.New(h.store, h.bus, cfg, h.metrics, testLogger(h.t))
	done := make(chan struct{})
	go func() {
		defer close(done)
		r.Run(ctx, cons)
	}()
	h.t.Cleanup(func() { cancel(); <-done })
}

// waitFor polls the store until cond holds. The deadline is a safety net
// against a hung test, not a performance limit.
func (h *harness) waitFor(what string, cond func(store.Stats) bool) store.Stats {
	h.t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for {
		s, err := h.store.Stats(context.Background())
		if err != nil {
			h.t.Fatalf("stats: %v", err)
		}
		if cond(s) {
			return s
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("gave up waiting for %s; store holds %+v", what, s)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func label(i int) string { return fmt.Sprintf("%06d", i) }
