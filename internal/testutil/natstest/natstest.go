// Package natstest starts real, in-process NATS servers with JetStream for
// tests, on a random port with a temporary store, and connects buses to them.
//
// It imports internal/bus and internal/caseevent and nothing else of
// meldpunt; only tests use it.
package natstest

import (
	"context"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/meldpunt/meldpunt/internal/bus"
	"github.com/meldpunt/meldpunt/internal/caseevent"
)

const startTimeout = 30 * time.Second

// Server is an embedded NATS server owned by one test.
type Server struct {
	mu  sync.Mutex
	cfg bus.EmbeddedConfig
	srv *bus.Embedded // nil while stopped
	url string
}

// Start starts a server on a random port with its store in t.TempDir. It is
// shut down when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	s := &Server{cfg: bus.EmbeddedConfig{
		Host:     "127.0.0.1",
		Port:     -1,
		StoreDir: t.TempDir(),
	}}
	s.start(t)
	// The port is fixed from now on, so that Restart comes back on it.
	s.cfg.Port = port(t, s.url)
	t.Cleanup(s.Stop)
	return s
}

// URL is the client URL; it stays the same across restarts.
func (s *Server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.url
}

// Restart shuts the server down and starts it again on the same port with
// the same store, as after a crash or an upgrade. Connected clients
// reconnect on their own.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	s.Stop()
	s.start(t)
}

// Stop shuts the server down and waits until it is down. Stopping a stopped
// server does nothing; Restart starts it again.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv != nil {
		s.srv.Shutdown()
		s.srv = nil
	}
}

func (s *Server) start(t testing.TB) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv != nil {
		t.Fatal("natstest: server already running")
	}
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	// The port was just freed by Stop; give the kernel a moment if needed.
	var err error
	for {
		s.srv, err = bus.StartEmbedded(ctx, s.cfg, slog.New(slog.DiscardHandler))
		if err == nil || ctx.Err() != nil || s.cfg.Port < 0 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("natstest: start server: %v", err)
	}
	s.url = s.srv.ClientURL()
}

func port(t testing.TB, clientURL string) int {
	t.Helper()
	u, err := url.Parse(clientURL)
	if err != nil {
		t.Fatalf("natstest: parse %s: %v", clientURL, err)
	}
	_, p, err := net.SplitHostPort(u.Host)
	if err != nil {
		t.Fatalf("natstest: parse %s: %v", clientURL, err)
	}
	n, err := strconv.Atoi(p)
	if err != nil {
		t.Fatalf("natstest: parse %s: %v", clientURL, err)
	}
	return n
}

// Connect connects a bus to s and runs Ensure. The bus is closed when the
// test ends, before the server stops.
func Connect(t testing.TB, s *Server) *bus.Bus {
	t.Helper()
	return ConnectConfig(t, s, bus.Config{})
}

// ConnectConfig is Connect with settings of cfg other than the URL (which
// is s's).
func ConnectConfig(t testing.TB, s *Server, cfg bus.Config) *bus.Bus {
	t.Helper()
	cfg.URL = s.URL()
	if cfg.Name == "" {
		cfg.Name = t.Name()
	}
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	b, err := bus.Connect(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("natstest: %v", err)
	}
	t.Cleanup(func() {
		if err := b.Close(); err != nil {
			t.Logf("natstest: close bus: %v", err)
		}
	})
	if err := b.Ensure(ctx); err != nil {
		t.Fatalf("natstest: %v", err)
	}
	return b
}

// StreamCount is how many events the intake stream holds.
func StreamCount(t testing.TB, b *bus.Bus) uint64 {
	t.Helper()
	st, err := b.JetStream().Stream(context.Background(), bus.StreamName)
	if err != nil {
		t.Fatalf("natstest: intake stream: %v", err)
	}
	info, err := st.Info(context.Background())
	if err != nil {
		t.Fatalf("natstest: intake stream info: %v", err)
	}
	return info.State.Msgs
}

// WaitStream waits until the intake stream holds at least n events. The
// deadline only keeps a broken test from hanging; describe tells what the
// test was waiting on.
func WaitStream(t testing.TB, b *bus.Bus, n uint64, describe func() string) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for StreamCount(t, b) < n {
		if time.Now().After(deadline) {
			t.Fatalf("stream holds %d events, waited for %d; %s", StreamCount(t, b), n, describe())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// StreamEvents reads the whole intake stream and returns its events by id,
// failing the test on an event that is not valid or on an id seen twice
// (the stream should have dropped it).
func StreamEvents(t testing.TB, b *bus.Bus) map[string]caseevent.Event {
	t.Helper()
	ctx := context.Background()
	cons, err := b.JetStream().OrderedConsumer(ctx, bus.StreamName, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	info, err := cons.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]caseevent.Event{}
	for n := info.NumPending; n > 0; {
		batch, err := cons.Fetch(int(min(n, 1000)), jetstream.FetchMaxWait(5*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		for m := range batch.Messages() {
			ev, err := caseevent.Parse(m.Data())
			if err != nil {
				t.Fatalf("invalid event on the stream: %v", err)
			}
			if _, dup := out[ev.ID]; dup {
				t.Errorf("event %s twice on the stream", ev.ID)
			}
			out[ev.ID] = ev
			n--
		}
	}
	return out
}
