package storetest

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/meldpunt/meldpunt/internal/registry/store"
)

func testEventMessage(t *testing.T, s store.Store) {
	if _, err := s.EventMessage(ctx(t), "ev-nog-niet"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("EventMessage of an event not stored = %v, want ErrNotFound", err)
	}
	caseID, ref := newCase(t, s, "sociaalhuis")
	ids := insert(t, s, inCase(message("ev-in-case", "sociaalhuis"), caseID, at(1)), inCase(message("ev-no-case", "gemeente"), 0, at(2)))

	tests := []struct {
		name    string
		eventID string
		want    store.EventMessage
	}{
		{"in a case", "ev-in-case", store.EventMessage{MessageID: ids[0], EventID: "ev-in-case", Domain: "sociaalhuis", CaseRef: ref, StoredAt: stored(at(1))}},
		{"without a case", "ev-no-case", store.EventMessage{MessageID: ids[1], EventID: "ev-no-case", Domain: "gemeente", StoredAt: stored(at(2))}},
	}
	for _, tc := range tests {
		got, err := s.EventMessage(ctx(t), tc.eventID)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		diff(t, tc.name, got, tc.want)
	}
}

func testQuarantineActions(t *testing.T, s store.Store) {
	item := func(name, eventID string) store.QuarantineItem {
		return store.QuarantineItem{Key: "key-" + name, Subject: "meldpunt.intake.counter.onthaal", EventID: eventID,
			StreamSeq: 7, Deliveries: 1, Reason: "invalid case event: " + name, Payload: []byte(`{"id":"` + name + `"}`), At: at(0)}
	}
	a, b, c := item("a", ""), item("b", "ev-b"), item("c", "ev-c")
	quarantine := func(qs ...store.QuarantineItem) {
		t.Helper()
		inTx(t, s, func(tx store.Tx) {
			if err := tx.Quarantine(ctx(t), qs); err != nil {
				t.Fatalf("Quarantine: %v", err)
			}
		})
	}
	quarantine(a, b, c)
	list := func(f store.QuarantineFilter) []store.QuarantineEntry {
		t.Helper()
		got, err := s.ListQuarantineEntries(ctx(t), f)
		if err != nil {
			t.Fatalf("ListQuarantineEntries(%+v): %v", f, err)
		}
		return got
	}
	keys := func(es []store.QuarantineEntry) string {
		var ks []string
		for _, e := range es {
			ks = append(ks, strings.TrimPrefix(e.Key, "key-"))
		}
		return strings.Join(ks, " ")
	}

	all := list(store.QuarantineFilter{})
	if keys(all) != "c b a" {
		t.Fatalf("ListQuarantineEntries = %q, want c b a (newest first)", keys(all))
	}
	want := store.QuarantineEntry{QuarantineItem: c, PayloadSize: int64(len(c.Payload))}
	want.ID, want.At, want.Payload = all[0].ID, stored(c.At), nil
	diff(t, "listed entry (no payload)", all[0], want)
	idA, idB, idC := all[2].ID, all[1].ID, all[0].ID
	if got := list(store.QuarantineFilter{Limit: 1, BeforeID: idC}); keys(got) != "b" {
		t.Errorf("page before c, one item = %q, want b", keys(got))
	}

	got, err := s.GetQuarantineEntry(ctx(t), idB)
	if err != nil {
		t.Fatal(err)
	}
	want = store.QuarantineEntry{QuarantineItem: b, PayloadSize: int64(len(b.Payload))}
	want.ID, want.At = idB, stored(b.At)
	diff(t, "GetQuarantineEntry", got, want)
	if _, err := s.GetQuarantineEntry(ctx(t), idC+100); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetQuarantineEntry of no item = %v, want ErrNotFound", err)
	}
	if got, err := s.OpenQuarantineByEvent(ctx(t), "ev-b"); err != nil || got.ID != idB || string(got.Payload) != string(b.Payload) {
		t.Errorf("OpenQuarantineByEvent(ev-b) = %d %q, %v", got.ID, got.Payload, err)
	}
	for _, id := range []string{"", "ev-unknown"} {
		if _, err := s.OpenQuarantineByEvent(ctx(t), id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("OpenQuarantineByEvent(%q) = %v, want ErrNotFound", id, err)
		}
	}

	// Resolving: refused without an actor or with an unknown resolution.
	for _, r := range []store.QuarantineResolution{
		{ID: idB, Resolution: store.ResolutionResolved},
		{ID: idB, Resolution: "weg", Actor: "jan"},
	} {
		if _, err := s.ResolveQuarantine(ctx(t), r); err == nil {
			t.Errorf("ResolveQuarantine(%+v): no error", r)
		}
	}
	if _, err := s.ResolveQuarantine(ctx(t), store.QuarantineResolution{ID: idC + 100, Resolution: store.ResolutionResolved, Actor: "jan"}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("ResolveQuarantine of no item = %v, want ErrNotFound", err)
	}
	resolved, err := s.ResolveQuarantine(ctx(t), store.QuarantineResolution{ID: idB, Resolution: store.ResolutionResolved,
		Actor: "jan", Note: "afzender verwittigd\x00", At: at(5)})
	if err != nil {
		t.Fatal(err)
	}
	want.ResolvedAt, want.Resolution, want.ResolvedBy, want.Note = ptr(stored(at(5))), store.ResolutionResolved, "jan", "afzender verwittigd"
	diff(t, "resolved entry", resolved, want)
	again, err := s.ResolveQuarantine(ctx(t), store.QuarantineResolution{ID: idB, Resolution: store.ResolutionRetried, Actor: "piet", At: at(6)})
	if !errors.Is(err, store.ErrResolved) {
		t.Errorf("resolving a resolved item = %v, want ErrResolved", err)
	}
	diff(t, "entry after resolving twice (unchanged)", again, want)
	if _, err := s.OpenQuarantineByEvent(ctx(t), "ev-b"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("OpenQuarantineByEvent of a resolved item = %v, want ErrNotFound", err)
	}
	// A redelivery of a resolved item is still ignored.
	quarantine(b)

	// Retrying gives up the key: the same payload failing again is a new
	// item.
	retried, err := s.ResolveQuarantine(ctx(t), store.QuarantineResolution{ID: idA, Resolution: store.ResolutionRetried, Actor: "jan", At: at(7)})
	if err != nil {
		t.Fatal(err)
	}
	if retried.Resolution != store.ResolutionRetried || retried.ResolvedAt == nil || retried.Key != a.Key+store.RetriedKeySuffix+fmt.Sprint(idA) {
		t.Errorf("retried entry = %+v", retried)
	}
	quarantine(a)
	if got := list(store.QuarantineFilter{Open: true}); keys(got) != "a c" || got[0].ID <= idC {
		t.Errorf("open items after a retried item failed again = %q, want a (new) c", keys(got))
	}
	if got := list(store.QuarantineFilter{Resolved: true}); len(got) != 2 || got[0].ID != idB || got[1].ID != idA {
		t.Errorf("resolved items = %+v, want b and the retried a", got)
	}
	if st := stats(t, s); st.Quarantined != 2 {
		t.Errorf("Stats: %d quarantined, want the 2 open items", st.Quarantined)
	}

	// Reopening undoes a retry only.
	if err := s.ReopenQuarantine(ctx(t), idA); err != nil {
		t.Fatal(err)
	}
	got, err = s.GetQuarantineEntry(ctx(t), idA)
	if err != nil || got.ResolvedAt != nil || got.Resolution != "" || got.ResolvedBy != "" || got.Key != retried.Key {
		t.Errorf("reopened entry = %+v, %v; want open, its key still given up", got, err)
	}
	for _, id := range []int64{idA, idB, idC, idC + 100} { // open, resolved, open, none
		if err := s.ReopenQuarantine(ctx(t), id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("ReopenQuarantine(%d) = %v, want ErrNotFound", id, err)
		}
	}
}
