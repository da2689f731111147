package storetest

import (
	"fmt"
	"testing"

	"github.com/meldpunt/meldpunt/internal/registry/store"
)

func testQuarantine(t *testing.T, s store.Store) {
	item := func(i int) store.QuarantineItem {
		return store.QuarantineItem{
			Key:        fmt.Sprint("meldpunt.intake.email.gemeentebestuur/", i),
			Subject:    "meldpunt.intake.email.gemeentebestuur",
			EventID:    fmt.Sprint("ev-", i),
			StreamSeq:  uint64(1000 + i),
			Deliveries: i + 1,
			Reason:     "invalid event: missing id",
			Payload:    []byte(fmt.Sprintf(`{"n":%d,"bad":"\u0000"}`, i)),
			At:         at(i),
		}
	}
	inTx(t, s, func(tx store.Tx) {
		if err := tx.Quarantine(ctx(t), []store.QuarantineItem{item(0)}); err != nil {
			t.Fatalf("Quarantine: %v", err)
		}
	})
	// A redelivery of item 0, with another reason: ignored, in the same
	// call as a new item, and twice in one call.
	inTx(t, s, func(tx store.Tx) {
		again := item(0)
		again.Reason, again.Deliveries = "other", 9
		if err := tx.Quarantine(ctx(t), []store.QuarantineItem{again, item(1), item(2), again}); err != nil {
			t.Fatalf("Quarantine: %v", err)
		}
		if err := tx.Quarantine(ctx(t), []store.QuarantineItem{item(1)}); err != nil {
			t.Fatalf("Quarantine again in one tx: %v", err)
		}
		if err := tx.Quarantine(ctx(t), nil); err != nil {
			t.Fatalf("Quarantine(nil): %v", err)
		}
	})
	inTx(t, s, func(tx store.Tx) {
		if err := tx.Quarantine(ctx(t), []store.QuarantineItem{item(1)}); err != nil {
			t.Fatalf("Quarantine again: %v", err)
		}
	})

	got, err := s.ListQuarantine(ctx(t), 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("ListQuarantine: %d items, want 3", len(got))
	}
	for i, q := range got {
		want := item(2 - i)
		want.ID, want.At = q.ID, stored(want.At)
		diff(t, fmt.Sprint("item ", i), q, want)
	}
	if !(got[0].ID > got[1].ID && got[1].ID > got[2].ID) {
		t.Errorf("ListQuarantine not newest first: ids %d %d %d", got[0].ID, got[1].ID, got[2].ID)
	}
	if got, err := s.ListQuarantine(ctx(t), 2); err != nil || len(got) != 2 || got[0].Key != item(2).Key {
		t.Errorf("ListQuarantine(2) = %d items, %v", len(got), err)
	}
	if st := stats(t, s); st.Quarantined != 3 {
		t.Errorf("Stats: %d quarantined, want 3", st.Quarantined)
	}

	tx, err := s.Begin(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx(t)) //nolint:errcheck
	if err := tx.Quarantine(ctx(t), []store.QuarantineItem{item(5), {Reason: "no key"}}); err == nil {
		t.Error("Quarantine without key: no error")
	}
}
