package bus_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/meldpunt/meldpunt/internal/bus"
	"github.com/meldpunt/meldpunt/internal/testutil/natstest"
)

func TestConsumerFetchAndAck(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := natstest.Connect(t, natstest.Start(t))
	cons, err := b.Consumer(ctx, bus.ConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}

	// Nothing there: an empty result once wait has passed.
	got, err := cons.Fetch(ctx, 10, 50*time.Millisecond)
	if err != nil || len(got) != 0 {
		t.Fatalf("Fetch on an empty stream = %d messages, %v; want none", len(got), err)
	}

	var ids []string
	for i := range 5 {
		ev := testEvent("gemeentebestuur", fmt.Sprintf("<%d@example.org>", i))
		ids = append(ids, ev.ID)
		if _, err := b.PublishEvent(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	waitBacklog(t, cons, 5, 0)

	got, err = cons.Fetch(ctx, 3, time.Second)
	if err != nil || len(got) != 3 {
		t.Fatalf("Fetch(3) = %d messages, %v; want 3", len(got), err)
	}
	for i, d := range got {
		if d.MsgID != ids[i] || d.StreamSeq != uint64(i+1) || d.NumDelivered != 1 ||
			d.Subject != "meldpunt.intake.email.gemeentebestuur" || len(d.Data) == 0 || d.Timestamp.IsZero() {
			t.Errorf("delivery %d = %+v, want event %s at seq %d, first delivery", i, d, ids[i], i+1)
		}
	}
	rest, err := cons.Fetch(ctx, 10, time.Second)
	if err != nil || len(rest) != 2 {
		t.Fatalf("Fetch(10) = %d messages, %v; want the other 2", len(rest), err)
	}
	waitBacklog(t, cons, 0, 5)
	for _, d := range append(got, rest...) {
		if err := d.Ack(ctx); err != nil {
			t.Fatal(err)
		}
	}
	waitBacklog(t, cons, 0, 0)

	// A message that arrives while Fetch waits is returned at once.
	go func() {
		time.Sleep(100 * time.Millisecond)
		b.PublishEvent(ctx, testEvent("gemeentebestuur", "<late@example.org>"))
	}()
	late, err := cons.Fetch(ctx, 10, 20*time.Second)
	if err != nil || len(late) != 1 {
		t.Fatalf("Fetch while a message arrives = %d messages, %v; want 1", len(late), err)
	}
	if err := late[0].Ack(ctx); err != nil {
		t.Fatal(err)
	}

	// An ended context ends Fetch with its error.
	cancelled, cancel := context.WithCancel(ctx)
	time.AfterFunc(50*time.Millisecond, cancel)
	if _, err := cons.Fetch(cancelled, 10, 20*time.Second); !errors.Is(err, context.Canceled) {
		t.Errorf("Fetch with a cancelled context = %v, want context.Canceled", err)
	}
}

func TestConsumerRedeliversUnacked(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := natstest.Connect(t, natstest.Start(t))
	cons, err := b.Consumer(ctx, bus.ConsumerConfig{Durable: "registry-test", AckWait: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ev := testEvent("gemeentebestuur", "<redeliver@example.org>")
	if _, err := b.PublishEvent(ctx, ev); err != nil {
		t.Fatal(err)
	}

	first, err := cons.Fetch(ctx, 1, 10*time.Second)
	if err != nil || len(first) != 1 {
		t.Fatalf("Fetch = %d messages, %v; want 1", len(first), err)
	}
	// Not acknowledged: it comes back once AckWait has passed.
	var again []*bus.Delivery
	for len(again) == 0 {
		again, err = cons.Fetch(ctx, 1, 10*time.Second)
		if err != nil {
			t.Fatalf("waiting for the redelivery: %v", err)
		}
	}
	if d := again[0]; d.MsgID != ev.ID || d.StreamSeq != first[0].StreamSeq || d.NumDelivered != 2 {
		t.Errorf("redelivery = %+v, want event %s at seq %d delivered twice", d, ev.ID, first[0].StreamSeq)
	}
	if err := again[0].Ack(ctx); err != nil {
		t.Fatal(err)
	}

	// Nak with a delay and InProgress are accepted; the nak'ed message
	// comes back.
	if _, err := b.PublishEvent(ctx, testEvent("gemeentebestuur", "<nak@example.org>")); err != nil {
		t.Fatal(err)
	}
	got, err := cons.Fetch(ctx, 1, 10*time.Second)
	if err != nil || len(got) != 1 {
		t.Fatalf("Fetch = %d messages, %v; want 1", len(got), err)
	}
	if err := got[0].InProgress(); err != nil {
		t.Fatal(err)
	}
	if err := got[0].Nak(10 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	var back []*bus.Delivery
	for len(back) == 0 {
		if back, err = cons.Fetch(ctx, 1, 10*time.Second); err != nil {
			t.Fatalf("waiting for the nak'ed message: %v", err)
		}
	}
	if back[0].StreamSeq != got[0].StreamSeq || back[0].NumDelivered != 2 {
		t.Errorf("after nak = %+v, want seq %d delivered twice", back[0], got[0].StreamSeq)
	}
}

// waitBacklog waits until the backlog is as wanted: the server counts new
// messages for a consumer asynchronously.
func waitBacklog(t *testing.T, cons *bus.Consumer, wantPending uint64, wantAckPending int) {
	t.Helper()
	ctx := testContext(t)
	for {
		pending, ackPending, err := cons.Backlog(ctx)
		if err == nil && pending == wantPending && ackPending == wantAckPending {
			return
		}
		if ctx.Err() != nil {
			t.Fatalf("Backlog = %d, %d, %v; want %d, %d", pending, ackPending, err, wantPending, wantAckPending)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
