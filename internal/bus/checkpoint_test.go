package bus_test

import (
	"errors"
	"testing"

	"github.com/meldpunt/meldpunt/internal/bus"
	"github.com/meldpunt/meldpunt/internal/testutil/natstest"
)

func TestCheckpoints(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := natstest.Connect(t, natstest.Start(t))
	key := bus.CheckpointKey("imap", "gemeentebestuur", "INBOX")

	if _, _, err := b.GetCheckpoint(ctx, key); !errors.Is(err, bus.ErrNoCheckpoint) {
		t.Fatalf("GetCheckpoint before any put = %v, want ErrNoCheckpoint", err)
	}
	rev1, err := b.PutCheckpoint(ctx, key, []byte(`{"uidvalidity":1,"uid":10}`), 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.PutCheckpoint(ctx, key, []byte(`{"uid":1}`), 0); !errors.Is(err, bus.ErrCheckpointConflict) {
		t.Errorf("creating an existing checkpoint = %v, want ErrCheckpointConflict", err)
	}

	rev2, err := b.PutCheckpoint(ctx, key, []byte(`{"uidvalidity":1,"uid":20}`), rev1)
	if err != nil {
		t.Fatal(err)
	}
	if rev2 <= rev1 {
		t.Errorf("revision after update = %d, want more than %d", rev2, rev1)
	}
	// A second process still holding rev1 must not move the checkpoint back.
	if _, err := b.PutCheckpoint(ctx, key, []byte(`{"uidvalidity":1,"uid":15}`), rev1); !errors.Is(err, bus.ErrCheckpointConflict) {
		t.Errorf("update at a stale revision = %v, want ErrCheckpointConflict", err)
	}
	// An update of a checkpoint that was never created is a conflict too.
	if _, err := b.PutCheckpoint(ctx, bus.CheckpointKey("imap", "other"), []byte("x"), 3); !errors.Is(err, bus.ErrCheckpointConflict) {
		t.Errorf("update of an absent checkpoint = %v, want ErrCheckpointConflict", err)
	}

	value, rev, err := b.GetCheckpoint(ctx, key)
	if err != nil || string(value) != `{"uidvalidity":1,"uid":20}` || rev != rev2 {
		t.Errorf("GetCheckpoint = %s, %d, %v; want uid 20 at revision %d", value, rev, err, rev2)
	}

	if _, err := b.PutCheckpoint(ctx, "not a key", []byte("x"), 0); err == nil || errors.Is(err, bus.ErrCheckpointConflict) {
		t.Errorf("PutCheckpoint with an invalid key = %v, want an invalid key error", err)
	}
}
