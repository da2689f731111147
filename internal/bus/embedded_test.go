package bus_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/meldpunt/meldpunt/internal/bus"
	"github.com/meldpunt/meldpunt/internal/caseevent"
	"github.com/meldpunt/meldpunt/internal/testutil/natstest"
)

func TestStartEmbeddedPortInUse(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port

	_, err = bus.StartEmbedded(testContext(t), bus.EmbeddedConfig{Host: "127.0.0.1", Port: port, StoreDir: t.TempDir()}, slog.New(slog.DiscardHandler))
	if !errors.Is(err, bus.ErrPortInUse) {
		t.Fatalf("StartEmbedded on a taken port = %v, want ErrPortInUse", err)
	}
	if addr := "127.0.0.1:" + strconv.Itoa(port); !strings.Contains(err.Error(), addr) || !strings.Contains(err.Error(), "MELDPUNT_NATS_URL") {
		t.Errorf("error %q should name %s and MELDPUNT_NATS_URL", err, addr)
	}
}

func TestStartEmbeddedReportsServerFailure(t *testing.T) {
	t.Parallel()
	// A store "directory" that is a file: JetStream cannot start. The server
	// reports that through its logger's Fatalf and would never be ready.
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := bus.StartEmbedded(testContext(t), bus.EmbeddedConfig{Port: -1, StoreDir: file}, nil)
	if err == nil || !strings.Contains(err.Error(), "JetStream") {
		t.Fatalf("StartEmbedded with a file as store dir = %v, want a JetStream error", err)
	}
}

func TestConnectGivesUpWhenContextEnds(t *testing.T) {
	t.Parallel()
	// A port nothing listens on.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "nats://" + l.Addr().String()
	l.Close()

	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	if _, err := bus.Connect(ctx, bus.Config{URL: url}, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Connect without a server = %v, want context.DeadlineExceeded", err)
	}
}

func TestConnectWaitsForServer(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	srv := natstest.Start(t)
	srv.Stop()

	// The connection is retried until the server is there.
	done := make(chan error, 1)
	go func() {
		b, err := bus.Connect(ctx, bus.Config{URL: srv.URL()}, nil)
		if err == nil {
			err = b.Close()
		}
		done <- err
	}()
	time.Sleep(200 * time.Millisecond)
	srv.Restart(t)
	if err := <-done; err != nil {
		t.Fatalf("Connect while the server starts: %v", err)
	}
}

func TestSurvivesServerRestart(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	srv := natstest.Start(t)
	b := natstest.Connect(t, srv)

	first, err := b.PublishEvent(ctx, testEvent("gemeentebestuur", "<before@example.org>"))
	if err != nil {
		t.Fatal(err)
	}
	key := bus.CheckpointKey("imap", "gemeentebestuur")
	rev, err := b.PutCheckpoint(ctx, key, []byte("10"), 0)
	if err != nil {
		t.Fatal(err)
	}

	srv.Restart(t)

	// Same bus, no new Connect: it reconnects, and what was stored is there.
	second, err := b.PublishEvent(ctx, testEvent("gemeentebestuur", "<after@example.org>"))
	if err != nil {
		t.Fatalf("publish after restart: %v", err)
	}
	// Duplicate may be set: an attempt cut short by the disconnect can have
	// been stored before the retry.
	if second.Seq != first.Seq+1 {
		t.Errorf("publish after restart = %+v, want seq %d", second, first.Seq+1)
	}
	dup, err := b.PublishEvent(ctx, testEvent("gemeentebestuur", "<before@example.org>"))
	if err != nil || !dup.Duplicate {
		t.Errorf("republish after restart = %+v, %v; want a duplicate (dedup survives restarts)", dup, err)
	}
	if value, got, err := b.GetCheckpoint(ctx, key); err != nil || string(value) != "10" || got != rev {
		t.Errorf("checkpoint after restart = %q at %d, %v; want 10 at %d", value, got, err, rev)
	}
	if err := b.Ready(ctx); err != nil {
		t.Errorf("Ready after restart: %v", err)
	}

	// A batch in flight while the server restarts is complete afterwards.
	var evs []caseevent.Event
	for i := range 500 {
		evs = append(evs, testEvent("klachten", fmt.Sprintf("<%d@example.org>", i)))
	}
	published := make(chan error, 1)
	go func() {
		_, err := b.PublishEvents(ctx, evs)
		published <- err
	}()
	srv.Restart(t)
	if err := <-published; err != nil {
		t.Fatalf("batch during restart: %v", err)
	}
	waitReady(t, b)
	if n := streamInfo(t, b).State.Msgs; n != 502 {
		t.Errorf("stream holds %d messages, want 502", n)
	}
}

// waitReady waits until b is reconnected and the stream answers. A request
// sent at the moment of a disconnect can be lost, so each try is short.
func waitReady(t *testing.T, b *bus.Bus) {
	t.Helper()
	ctx := testContext(t)
	for {
		tryCtx, cancel := context.WithTimeout(ctx, time.Second)
		err := b.Ready(tryCtx)
		cancel()
		if err == nil {
			return
		}
		if ctx.Err() != nil {
			t.Fatalf("bus not ready: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
