package bus_test

import (
	"testing"
	"time"

	"github.com/meldpunt/meldpunt/internal/bus"
	"github.com/meldpunt/meldpunt/internal/testutil/natstest"
	"github.com/nats-io/nats.go/jetstream"
)

func TestEnsureIsIdempotentAndUpdatesConfig(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	srv := natstest.Start(t)
	b := natstest.Connect(t, srv) // runs Ensure once

	if _, err := b.PublishEvent(ctx, testEvent("gemeentebestuur", "<1@example.org>")); err != nil {
		t.Fatal(err)
	}
	if _, err := b.PutCheckpoint(ctx, bus.CheckpointKey("imap", "x"), []byte("1"), 0); err != nil {
		t.Fatal(err)
	}
	// Again, as every process does at start: nothing changes, nothing is lost.
	if err := b.Ensure(ctx); err != nil {
		t.Fatalf("second Ensure: %v", err)
	}
	info := streamInfo(t, b)
	if info.State.Msgs != 1 {
		t.Errorf("stream holds %d messages after second Ensure, want 1", info.State.Msgs)
	}
	cfg := info.Config
	if cfg.Duplicates != bus.DefaultDuplicateWindow || cfg.MaxAge != bus.DefaultStreamMaxAge ||
		cfg.MaxMsgSize != bus.MaxMessageSize || cfg.Storage != jetstream.FileStorage ||
		cfg.Discard != jetstream.DiscardOld || cfg.Replicas != 1 ||
		len(cfg.Subjects) != 1 || cfg.Subjects[0] != bus.SubjectAll {
		t.Errorf("stream config = %+v, want the defaults", cfg)
	}
	created := info.Created

	// A process with other settings brings the stream in line.
	other := natstest.ConnectConfig(t, srv, bus.Config{DuplicateWindow: 72 * time.Hour, StreamMaxAge: 90 * 24 * time.Hour})
	info = streamInfo(t, other)
	if info.Config.Duplicates != 72*time.Hour || info.Config.MaxAge != 90*24*time.Hour {
		t.Errorf("after Ensure with new settings: duplicates %s, max age %s; want 72h and 2160h", info.Config.Duplicates, info.Config.MaxAge)
	}
	if info.State.Msgs != 1 || !info.Created.Equal(created) {
		t.Errorf("update recreated the stream: %d messages, created %s (was %s)", info.State.Msgs, info.Created, created)
	}
	if got, _, err := other.GetCheckpoint(ctx, bus.CheckpointKey("imap", "x")); err != nil || string(got) != "1" {
		t.Errorf("checkpoint after second Ensure = %q, %v; want 1", got, err)
	}
	if err := other.Ready(ctx); err != nil {
		t.Errorf("Ready: %v", err)
	}
}

func streamInfo(t *testing.T, b *bus.Bus) *jetstream.StreamInfo {
	t.Helper()
	ctx := testContext(t)
	s, err := b.JetStream().Stream(ctx, bus.StreamName)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return info
}
