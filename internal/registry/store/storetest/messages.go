package storetest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/meldpunt/meldpunt/internal/registry/store"
)

func testMigrateTwice(t *testing.T, s store.Store) {
	insert(t, s, message("ev-migrate", "gemeente"))
	for range 2 {
		if err := s.Migrate(ctx(t)); err != nil {
			t.Fatalf("Migrate again: %v", err)
		}
	}
	if st := stats(t, s); st.Messages != 1 {
		t.Errorf("after Migrate: %d messages, want 1", st.Messages)
	}
}

func testPing(t *testing.T, s store.Store) {
	if err := s.Ping(ctx(t)); err != nil {
		t.Errorf("Ping: %v", err)
	}
}

func testInsertMessagesRoundTrip(t *testing.T, s store.Store) {
	caseID, ref := newCase(t, s, "gemeente")
	var contactID int64
	inTx(t, s, func(tx store.Tx) {
		var err error
		if contactID, err = tx.UpsertContact(ctx(t), "gemeente", store.Contact{Email: "a@example.org"}); err != nil {
			t.Fatalf("UpsertContact: %v", err)
		}
	})
	full := inCase(message("ev-full", "gemeente"), caseID, at(1))
	full.ContactID = contactID
	minimal := &store.Message{EventID: "ev-minimal", Channel: "counter", Domain: "gemeente", EventTime: at(5), CaseID: caseID}
	alone := message("ev-alone", "gemeente") // no case
	ms := []*store.Message{full, minimal, alone}
	ids := insert(t, s, ms...)
	if ids[0] == 0 || !slices.IsSorted(ids) || len(slices.Compact(slices.Clone(ids))) != len(ids) {
		t.Errorf("message ids %v: want set, distinct and growing in the order given", ids)
	}

	d := getCase(t, s, ref)
	if len(d.Messages) != 2 {
		t.Fatalf("GetCase: %d messages, want 2", len(d.Messages))
	}
	diff(t, "full message", normalize(d.Messages[0]), wantMessage(full, ids[0], caseID))
	got := normalize(d.Messages[1])
	if got.StoredAt.IsZero() || got.StoredAt.Location() != time.UTC {
		t.Errorf("minimal message: StoredAt = %v, want now in UTC", got.StoredAt)
	}
	want := wantMessage(minimal, ids[1], caseID)
	want.StoredAt = got.StoredAt
	diff(t, "minimal message", got, want)
	if st := stats(t, s); st.Messages != 3 {
		t.Errorf("%d messages, want 3", st.Messages)
	}
}

func testClaimEvents(t *testing.T, s store.Store) {
	insert(t, s, message("ev-committed", "gemeente"))
	inTx(t, s, func(tx store.Tx) {
		stored, err := tx.ClaimEvents(ctx(t), nil)
		if err != nil || len(stored) != 0 {
			t.Errorf("ClaimEvents(nil) = %v, %v", stored, err)
		}
		stored, err = tx.ClaimEvents(ctx(t), []string{"ev-new", "ev-committed", "ev-new", "ev-committed"})
		if err != nil {
			t.Fatal(err)
		}
		diff(t, "claim", trueKeys(stored), []string{"ev-committed"})
		if err := tx.InsertMessages(ctx(t), []*store.Message{message("ev-new", "gemeente")}); err != nil {
			t.Fatal(err)
		}
		// Claimed again in the same transaction, after the insert.
		stored, err = tx.ClaimEvents(ctx(t), []string{"ev-other", "ev-new"})
		if err != nil {
			t.Fatal(err)
		}
		diff(t, "claim after insert", trueKeys(stored), []string{"ev-new"})
	})
}

// trueKeys are the sorted keys of m with value true.
func trueKeys(m map[string]bool) []string {
	var keys []string
	for k, v := range m {
		if v {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

// testClaimEventsWaitsForOtherTx: while one transaction holds a claim,
// another claiming the same event waits, and then finds it stored if the
// first committed, or free if it rolled back.
func testClaimEventsWaitsForOtherTx(t *testing.T, s store.Store) {
	for _, commit := range []bool{true, false} {
		t.Run(fmt.Sprintf("commit=%v", commit), func(t *testing.T) {
			c := ctx(t)
			before := stats(t, s).Messages
			m := message(fmt.Sprintf("ev-wait-%v", commit), "gemeente")
			first, err := s.Begin(c)
			if err != nil {
				t.Fatal(err)
			}
			defer first.Rollback(c) //nolint:errcheck
			insertTx(t, first, m)
			type result struct {
				stored bool
				err    error
			}
			second := make(chan result, 1)
			go func() {
				var stored map[string]bool
				err := inTxErr(c, s, func(tx store.Tx) error {
					var err error
					if stored, err = tx.ClaimEvents(c, []string{"ev-unrelated", m.EventID}); err != nil || stored[m.EventID] {
						return err
					}
					return tx.InsertMessages(c, []*store.Message{message(m.EventID, "gemeente")})
				})
				second <- result{stored[m.EventID], err}
			}()
			select {
			case r := <-second:
				t.Fatalf("second transaction finished (%v, %v) while the first was open", r.stored, r.err)
			case <-time.After(100 * time.Millisecond):
			}
			if commit {
				err = first.Commit(c)
			} else {
				err = first.Rollback(c)
			}
			if err != nil {
				t.Fatal(err)
			}
			r := <-second
			if r.err != nil || r.stored != commit {
				t.Errorf("second ClaimEvents: stored %v, %v; want %v", r.stored, r.err, commit)
			}
			if st := stats(t, s); st.Messages != before+1 {
				t.Errorf("%d messages, want %d", st.Messages, before+1)
			}
		})
	}
}

func testClaimEventsConcurrent(t *testing.T, s store.Store) {
	claimConcurrently(t, []store.Store{s, s, s, s})
}

// claimConcurrently has one goroutine per store write batches of events
// that overlap the other goroutines' batches, in other orders, as
// registries do with redelivered messages: claim, insert what is not
// stored, commit, without retries. Each event must be inserted exactly
// once, and no transaction may fail (a deadlock would).
func claimConcurrently(t *testing.T, stores []store.Store) {
	const events, batch = 12, 5
	c := ctx(t)
	inserted := make([][]string, len(stores))
	errs := make([]error, len(stores))
	var wg sync.WaitGroup
	for w, s := range stores {
		wg.Go(func() {
			// Worker w goes through the events from event 3w on, backwards
			// for odd w, in overlapping batches.
			var ids []string
			for e := range events {
				ids = append(ids, fmt.Sprintf("ev-conc-%02d", (3*w+e)%events))
			}
			if w%2 == 1 {
				slices.Reverse(ids)
			}
			for from := 0; from < events; from += batch - 2 {
				part := ids[from:min(from+batch, events)]
				errs[w] = inTxErr(c, s, func(tx store.Tx) error {
					stored, err := tx.ClaimEvents(c, part)
					if err != nil {
						return err
					}
					var ms []*store.Message
					for _, id := range part {
						if !stored[id] {
							ms = append(ms, message(id, "gemeente"))
						}
					}
					if err := tx.InsertMessages(c, ms); err != nil {
						return err
					}
					for _, m := range ms {
						inserted[w] = append(inserted[w], m.EventID)
					}
					return nil
				})
				if errs[w] != nil {
					return
				}
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("claim and insert: %v", err)
	}
	count := map[string]int{}
	for _, ids := range inserted {
		for _, id := range ids {
			count[id]++
		}
	}
	for e := range events {
		if id := fmt.Sprintf("ev-conc-%02d", e); count[id] != 1 {
			t.Errorf("%s inserted %d times, want once", id, count[id])
		}
	}
	if st := stats(t, stores[0]); st.Messages != events {
		t.Errorf("%d messages, want %d", st.Messages, events)
	}
}

func testInsertMessagesDuplicate(t *testing.T, s store.Store) {
	m := message("ev-dup", "gemeente")
	insert(t, s, m)
	wantDuplicate := func(what string, tx store.Tx, ms ...*store.Message) {
		t.Helper()
		err := tx.InsertMessages(ctx(t), ms)
		if !errors.Is(err, store.ErrDuplicateEvent) {
			t.Errorf("%s: InsertMessages: %v, want ErrDuplicateEvent", what, err)
		} else if s.IsTransient(err) {
			t.Errorf("%s: IsTransient(%v) = true", what, err)
		}
	}
	for _, tc := range []struct {
		name string
		f    func(tx store.Tx)
	}{
		{"stored before", func(tx store.Tx) {
			again := message("ev-dup", "gemeente")
			again.Subject = "changed"
			wantDuplicate("stored before", tx, message("ev-dup-new", "gemeente"), again)
		}},
		{"same transaction", func(tx store.Tx) {
			insertTx(t, tx, message("ev-dup-tx", "gemeente"))
			wantDuplicate("same transaction", tx, message("ev-dup-tx", "gemeente"))
		}},
		{"same call", func(tx store.Tx) {
			wantDuplicate("same call", tx, message("ev-dup-call", "gemeente"), message("ev-dup-call", "gemeente"))
		}},
	} {
		tx, err := s.Begin(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		tc.f(tx)
		if err := tx.Rollback(ctx(t)); err != nil {
			t.Fatalf("%s: Rollback: %v", tc.name, err)
		}
	}
	// The duplicates wrote nothing: not their messages, not their subject.
	if st := stats(t, s); st.Messages != 1 {
		t.Errorf("%d messages, want 1", st.Messages)
	}
	caseID, ref := newCase(t, s, "gemeente")
	insert(t, s, inCase(message("ev-dup-other", "gemeente"), caseID, at(1)))
	if d := getCase(t, s, ref); len(d.Messages) != 1 || d.Messages[0].Subject != m.Subject {
		t.Errorf("after duplicates: %+v", d.Messages)
	}
}

func testInsertMessagesRequiredFields(t *testing.T, s store.Store) {
	for _, tc := range []struct {
		name   string
		change func(m *store.Message)
	}{
		{"no event id", func(m *store.Message) { m.EventID = "" }},
		{"no domain", func(m *store.Message) { m.Domain = "" }},
		{"no channel", func(m *store.Message) { m.Channel = "" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := message("ev-required", "gemeente")
			tc.change(m)
			tx, err := s.Begin(ctx(t))
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback(ctx(t)) //nolint:errcheck
			if err := tx.InsertMessages(ctx(t), []*store.Message{message("ev-fine", "gemeente"), m}); err == nil {
				t.Error("InsertMessages: no error")
			} else if s.IsTransient(err) {
				t.Errorf("IsTransient(%v) = true, want false", err)
			}
		})
	}
}

func testInsertMessagesCleansText(t *testing.T, s store.Store) {
	caseID, ref := newCase(t, s, "gemeente")
	m := inCase(message("ev-dirty\x00", "gemeente"), caseID, at(1))
	m.Subject = "nul\x00byte"
	m.Text = "invalid \xff utf-8"
	m.References = []string{"<a\x00@x>"}
	m.Attachments = []store.Attachment{{Name: "f\xffo.txt", SHA256: sum(nil)}}
	m.Event = []byte("exact \x00 bytes \xff")
	id := insert(t, s, m)[0]
	got := getCase(t, s, ref).Messages[0]
	want := wantMessage(m, id, caseID)
	want.EventID = "ev-dirty"
	want.ExternalID = "<ev-dirty@example.org>"
	want.Subject = "nulbyte"
	want.Text = "invalid \uFFFD utf-8"
	want.References = []string{"<a@x>"}
	want.Attachments = []store.Attachment{{Name: "f\uFFFDo.txt", SHA256: sum(nil)}}
	diff(t, "cleaned message", normalize(got), want)

	// The cleaned event id still deduplicates, under the name the caller
	// knows it by.
	tx, err := s.Begin(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx(t)) //nolint:errcheck
	stored, err := tx.ClaimEvents(ctx(t), []string{"ev-dirty\x00", "ev-dirty"})
	if err != nil {
		t.Fatal(err)
	}
	diff(t, "claim", trueKeys(stored), []string{"ev-dirty", "ev-dirty\x00"})
	if err := tx.InsertMessages(ctx(t), []*store.Message{message("ev-dirty\x00", "gemeente")}); !errors.Is(err, store.ErrDuplicateEvent) {
		t.Errorf("InsertMessages again: %v, want ErrDuplicateEvent", err)
	}
}

// testInsertMessagesTimeline: a message with a case adds a timeline entry
// at its StoredAt and moves the case's UpdatedAt forward, never back, both
// for a case created in the same transaction and for an older one.
func testInsertMessagesTimeline(t *testing.T, s store.Store) {
	var (
		fresh store.CaseRef
		ms    []*store.Message
	)
	inTx(t, s, func(tx store.Tx) {
		fresh = newCaseTx(t, tx, "gemeente") // opened at(0)
		ms = []*store.Message{
			inCase(message("ev-a", "gemeente"), fresh.ID, at(10)),
			inCase(message("ev-b", "gemeente"), fresh.ID, at(5)),
			message("ev-no-case", "gemeente"),
		}
		insertTx(t, tx, ms...)
	})
	olderID, olderRef := newCase(t, s, "gemeente")
	late := inCase(message("ev-late", "gemeente"), olderID, at(-5)) // before the case opened
	insert(t, s, late)
	cID := insert(t, s, inCase(message("ev-c", "gemeente"), fresh.ID, at(7)))[0] // an older message arriving late

	d := getCase(t, s, fresh.Ref)
	if want := stored(at(10)); !d.UpdatedAt.Equal(want) || d.UpdatedAt.Location() != time.UTC {
		t.Errorf("UpdatedAt = %v, want %v in UTC (never moves back)", d.UpdatedAt, want)
	}
	var got []store.TimelineEntry
	for _, e := range d.Timeline {
		e.ID = 0
		got = append(got, e)
	}
	diff(t, "timeline", got, []store.TimelineEntry{
		{At: stored(at(5)), Kind: "message", MessageID: ms[1].ID},
		{At: stored(at(7)), Kind: "message", MessageID: cID},
		{At: stored(at(10)), Kind: "message", MessageID: ms[0].ID},
	})
	older := getCase(t, s, olderRef)
	if want := stored(at(0)); !older.UpdatedAt.Equal(want) {
		t.Errorf("case with a message from before it opened: UpdatedAt = %v, want %v", older.UpdatedAt, want)
	}
	if len(older.Timeline) != 1 || older.Timeline[0].MessageID != late.ID {
		t.Errorf("timeline = %+v, want one entry for message %d", older.Timeline, late.ID)
	}

	tx, err := s.Begin(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx(t)) //nolint:errcheck
	err = tx.InsertMessages(ctx(t), []*store.Message{inCase(message("ev-missing-case", "gemeente"), fresh.ID+1000, at(0))})
	wantNotFound(t, "InsertMessages into a missing case", err)
}

// testInsertMessagesOtherDomain: a message is never filed in a case of
// another domain, whether that case is new in the transaction or not.
func testInsertMessagesOtherDomain(t *testing.T, s store.Store) {
	oldID, ref := newCase(t, s, "sociaalhuis")
	for _, fresh := range []bool{false, true} {
		tx, err := s.Begin(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		caseID := oldID
		if fresh {
			caseID = newCaseTx(t, tx, "sociaalhuis").ID
		}
		m := inCase(message(fmt.Sprint("ev-other-", fresh), "gemeente"), caseID, at(0))
		wantNotFound(t, fmt.Sprintf("InsertMessages across domains (new case %v)", fresh), tx.InsertMessages(ctx(t), []*store.Message{m}))
		if err := tx.Rollback(ctx(t)); err != nil {
			t.Fatal(err)
		}
	}
	if d := getCase(t, s, ref); len(d.Messages) != 0 || len(d.Timeline) != 0 {
		t.Errorf("case in another domain got %d messages, %d timeline entries", len(d.Messages), len(d.Timeline))
	}
}

func testRollbackLeavesNothing(t *testing.T, s store.Store) {
	c := ctx(t)
	tx, err := s.Begin(c)
	if err != nil {
		t.Fatal(err)
	}
	contactID, err := tx.UpsertContact(c, "gemeente", store.Contact{Email: "x@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	cs, err := tx.CreateCases(c, []store.NewCase{{Prefix: "MP", Year: 2026, Domain: "gemeente", ContactID: contactID}})
	if err != nil {
		t.Fatal(err)
	}
	insertTx(t, tx, inCase(message("ev-rollback", "gemeente"), cs[0].ID, at(0)))
	if err := tx.PutBlobs(c, []store.Blob{{SHA256: sum([]byte("b")), Data: []byte("b")}}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Quarantine(c, []store.QuarantineItem{{Key: "q", Reason: "test"}}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(c); err != nil {
		t.Fatalf("Rollback: %v", err)
	}
	if err := tx.Rollback(c); err != nil {
		t.Errorf("second Rollback: %v", err)
	}

	diff(t, "stats after rollback", stats(t, s), store.Stats{ByChannel: map[string]int64{}})
	_, err = s.GetCase(c, cs[0].Ref)
	wantNotFound(t, "GetCase after rollback", err)
	if q, err := s.ListQuarantine(c, 0); err != nil || len(q) != 0 {
		t.Errorf("ListQuarantine after rollback = %v, %v", q, err)
	}
	// The contact is gone too: a new one is created (it may reuse the id).
	inTx(t, s, func(tx store.Tx) {
		if _, err := tx.UpsertContact(c, "gemeente", store.Contact{Email: "x@example.org"}); err != nil {
			t.Fatal(err)
		}
	})
	// And the message can be inserted again.
	insert(t, s, message("ev-rollback", "gemeente"))
}

func testCommitThenRollback(t *testing.T, s store.Store) {
	c := ctx(t)
	tx, err := s.Begin(c)
	if err != nil {
		t.Fatal(err)
	}
	insertTx(t, tx, message("ev-commit", "gemeente"))
	if err := tx.Commit(c); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(c); err != nil {
		t.Errorf("Rollback after Commit: %v", err)
	}
	if err := tx.InsertMessages(c, []*store.Message{message("ev-after-commit", "gemeente")}); err == nil {
		t.Error("InsertMessages after Commit: no error")
	}
	if st := stats(t, s); st.Messages != 1 {
		t.Errorf("%d messages, want 1", st.Messages)
	}
	// The store is still usable: a closed Tx must not hold the write lock.
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = inTxErr(c, s, func(tx store.Tx) error { return nil })
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Begin after Commit and Rollback blocks")
	}
}
