package bus_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/meldpunt/meldpunt/internal/bus"
	"github.com/meldpunt/meldpunt/internal/caseevent"
	"github.com/meldpunt/meldpunt/internal/testutil/natstest"
)

func TestPublishEventDeduplicates(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := natstest.Connect(t, natstest.Start(t))
	ev := testEvent("gemeentebestuur", "<dup@example.org>")

	first, err := b.PublishEvent(ctx, ev)
	if err != nil {
		t.Fatal(err)
	}
	if first.EventID != ev.ID || first.Seq == 0 || first.Duplicate {
		t.Errorf("first publish = %+v, want a new message", first)
	}
	second, err := b.PublishEvent(ctx, ev)
	if err != nil {
		t.Fatal(err)
	}
	if !second.Duplicate || second.Seq != first.Seq {
		t.Errorf("second publish = %+v, want a duplicate of seq %d", second, first.Seq)
	}
	if n := streamInfo(t, b).State.Msgs; n != 1 {
		t.Errorf("stream holds %d messages, want 1", n)
	}

	// What was stored is the event, on its subject, with its id.
	msg, err := b.JetStream().Stream(ctx, bus.StreamName)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := msg.GetMsg(ctx, first.Seq)
	if err != nil {
		t.Fatal(err)
	}
	if want := "meldpunt.intake.email.gemeentebestuur"; raw.Subject != want {
		t.Errorf("subject = %q, want %q", raw.Subject, want)
	}
	if got := raw.Header.Get("Nats-Msg-Id"); got != ev.ID {
		t.Errorf("Nats-Msg-Id = %q, want %q", got, ev.ID)
	}
	got, err := caseevent.Parse(raw.Data)
	if err != nil {
		t.Fatalf("stored event does not parse: %v", err)
	}
	if got.ID != ev.ID || got.Data.Text != ev.Data.Text {
		t.Errorf("stored event = %+v, want %+v", got, ev)
	}
}

func TestPublishEventsBatch(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := natstest.Connect(t, natstest.Start(t))

	// 300 events; every tenth repeats the id of the one before it, and the
	// first 20 were already published.
	var evs []caseevent.Event
	for i := range 300 {
		n := i
		if i%10 == 9 {
			n = i - 1
		}
		evs = append(evs, testEvent("klachten", fmt.Sprintf("<%d@example.org>", n)))
	}
	for _, ev := range evs[:20] {
		if _, err := b.PublishEvent(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}

	results, err := b.PublishEvents(ctx, evs)
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != len(evs) {
		t.Fatalf("%d results for %d events", len(results), len(evs))
	}
	seqs := map[string]uint64{}
	for i, r := range results {
		wantDup := i < 20 || i%10 == 9
		if r.EventID != evs[i].ID || r.Seq == 0 || r.Duplicate != wantDup {
			t.Errorf("result %d = %+v, want id %s, a sequence and duplicate %v", i, r, evs[i].ID, wantDup)
		}
		if prev, ok := seqs[r.EventID]; ok && prev != r.Seq {
			t.Errorf("result %d: id %s got seq %d and %d", i, r.EventID, prev, r.Seq)
		}
		seqs[r.EventID] = r.Seq
	}
	if n := streamInfo(t, b).State.Msgs; n != 270 {
		t.Errorf("stream holds %d messages, want 270", n)
	}
}

func TestPublishEventsReportsFailedIDs(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := natstest.Connect(t, natstest.Start(t))

	big := testEvent("gemeentebestuur", "<big@example.org>")
	big.Data.Text = strings.Repeat("x", bus.MaxMessageSize)
	noID := testEvent("gemeentebestuur", "<noid@example.org>")
	noID.ID = ""
	evs := []caseevent.Event{testEvent("gemeentebestuur", "<a@example.org>"), big, noID, testEvent("gemeentebestuur", "<b@example.org>")}

	results, err := b.PublishEvents(ctx, evs)
	if err == nil {
		t.Fatal("PublishEvents with a too large event succeeded")
	}
	if !errors.Is(err, bus.ErrMessageTooLarge) {
		t.Errorf("error %q does not wrap ErrMessageTooLarge", err)
	}
	if !strings.Contains(err.Error(), "2 of 4 failed") || !strings.Contains(err.Error(), big.ID) {
		t.Errorf("error %q does not say which events failed", err)
	}
	for _, i := range []int{0, 3} {
		if results[i].Seq == 0 {
			t.Errorf("result %d = %+v, want published", i, results[i])
		}
	}
	for _, i := range []int{1, 2} {
		if results[i].Seq != 0 {
			t.Errorf("result %d = %+v, want failed (seq 0)", i, results[i])
		}
	}
	if n := streamInfo(t, b).State.Msgs; n != 2 {
		t.Errorf("stream holds %d messages, want 2", n)
	}
}

func TestPublishTooLarge(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := natstest.Connect(t, natstest.Start(t))

	ev := testEvent("gemeentebestuur", "<big@example.org>")
	ev.Data.HTML = strings.Repeat("<p>", bus.MaxMessageSize/3+1)
	_, err := b.PublishEvent(ctx, ev)
	if !errors.Is(err, bus.ErrMessageTooLarge) {
		t.Fatalf("PublishEvent of a %d byte body = %v, want ErrMessageTooLarge", len(ev.Data.HTML), err)
	}
	if !strings.Contains(err.Error(), "object store") || !strings.Contains(err.Error(), ev.ID) {
		t.Errorf("error %q should name the event and say where large content goes", err)
	}

	// Exactly the limit passes the client's own check, but not with the
	// header on top: the refusal from NATS comes back as the same error.
	_, err = b.PublishRaw(ctx, "meldpunt.intake.email.x", "raw-1", make([]byte, bus.MaxMessageSize))
	if !errors.Is(err, bus.ErrMessageTooLarge) {
		t.Fatalf("PublishRaw of exactly MaxMessageSize with a header = %v, want ErrMessageTooLarge", err)
	}
	if n := streamInfo(t, b).State.Msgs; n != 0 {
		t.Errorf("stream holds %d messages, want 0", n)
	}
}

func TestPublishRaw(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b := natstest.Connect(t, natstest.Start(t))

	for i := range 2 {
		r, err := b.PublishRaw(ctx, "meldpunt.intake.email.x", "", []byte("not json"))
		if err != nil || r.Duplicate || r.Seq != uint64(i+1) {
			t.Errorf("PublishRaw without id #%d = %+v, %v; want seq %d", i, r, err, i+1)
		}
	}
	if r, err := b.PublishRaw(ctx, "meldpunt.intake.email.x", "garbage-1", []byte{0xff}); err != nil || r.Duplicate {
		t.Errorf("PublishRaw with id = %+v, %v", r, err)
	}
	if r, err := b.PublishRaw(ctx, "meldpunt.intake.email.x", "garbage-1", []byte{0xff}); err != nil || !r.Duplicate {
		t.Errorf("PublishRaw with the same id = %+v, %v; want a duplicate", r, err)
	}
	if _, err := b.PublishRaw(ctx, "elsewhere.x", "", []byte("x")); err == nil {
		t.Error("PublishRaw outside the stream's subjects succeeded")
	}
}
