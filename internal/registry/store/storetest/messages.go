package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/meldpunt/meldpunt/internal/registry/store"
)

func testMigrateTwice(t *testing.T, s store.Store) {
	id := insert(t, s, message("ev-migrate", "gemeente"))
	for range 2 {
		if err := s.Migrate(ctx(t)); err != nil {
			t.Fatalf("Migrate again: %v", err)
		}
	}
	if st := stats(t, s); st.Messages != 1 {
		t.Errorf("after Migrate: %d messages, want 1 (id %d)", st.Messages, id)
	}
}

func testPing(t *testing.T, s store.Store) {
	if err := s.Ping(ctx(t)); err != nil {
		t.Errorf("Ping: %v", err)
	}
}

func testInsertMessageRoundTrip(t *testing.T, s store.Store) {
	full := message("ev-full", "gemeente")
	minimal := &store.Message{EventID: "ev-minimal", Channel: "counter", Domain: "gemeente", EventTime: at(5)}
	caseID, ref := newCase(t, s, "gemeente")
	fullID := insert(t, s, full)
	minimalID := insert(t, s, minimal)
	attach(t, s, caseID, fullID, at(0))
	attach(t, s, caseID, minimalID, at(5))

	d := getCase(t, s, ref)
	if len(d.Messages) != 2 {
		t.Fatalf("GetCase: %d messages, want 2", len(d.Messages))
	}
	diff(t, "full message", normalize(d.Messages[0]), wantMessage(full, fullID, caseID))
	got := normalize(d.Messages[1])
	if got.StoredAt.IsZero() || got.StoredAt.Location() != time.UTC {
		t.Errorf("minimal message: StoredAt = %v, want now in UTC", got.StoredAt)
	}
	want := wantMessage(minimal, minimalID, caseID)
	want.StoredAt = got.StoredAt
	diff(t, "minimal message", got, want)

	// CaseID and ContactID given at insert are stored.
	var contactID int64
	inTx(t, s, func(tx store.Tx) {
		var err error
		if contactID, err = tx.UpsertContact(ctx(t), "gemeente", store.Contact{Email: "a@example.org"}); err != nil {
			t.Fatalf("UpsertContact: %v", err)
		}
	})
	linked := message("ev-linked", "gemeente")
	linked.CaseID, linked.ContactID = caseID, contactID
	linkedID := insert(t, s, linked)
	d = getCase(t, s, ref)
	if len(d.Messages) != 3 {
		t.Fatalf("GetCase: %d messages, want 3", len(d.Messages))
	}
	diff(t, "message inserted with case and contact", normalize(d.Messages[1]), wantMessage(linked, linkedID, caseID))
}

func testInsertMessageDuplicate(t *testing.T, s store.Store) {
	m := message("ev-dup", "gemeente")
	first := insert(t, s, m)

	again := message("ev-dup", "gemeente")
	again.Subject = "changed"
	inTx(t, s, func(tx store.Tx) {
		id, inserted, err := tx.InsertMessage(ctx(t), again)
		if err != nil || inserted || id != 0 {
			t.Errorf("second InsertMessage = %d, %v, %v; want 0, false, nil", id, inserted, err)
		}
	})
	// In one transaction too.
	inTx(t, s, func(tx store.Tx) {
		m := message("ev-dup-tx", "gemeente")
		if _, inserted, err := tx.InsertMessage(ctx(t), m); err != nil || !inserted {
			t.Fatalf("InsertMessage = %v, %v", inserted, err)
		}
		if id, inserted, err := tx.InsertMessage(ctx(t), m); err != nil || inserted || id != 0 {
			t.Errorf("InsertMessage in the same tx = %d, %v, %v; want 0, false, nil", id, inserted, err)
		}
	})
	if st := stats(t, s); st.Messages != 2 {
		t.Errorf("%d messages, want 2", st.Messages)
	}
	// The duplicate wrote nothing: not its attachments, not its subject.
	caseID, ref := newCase(t, s, "gemeente")
	attach(t, s, caseID, first, at(0))
	d := getCase(t, s, ref)
	if len(d.Messages) != 1 || d.Messages[0].Subject != m.Subject || len(d.Messages[0].Attachments) != 2 {
		t.Errorf("after duplicate: %+v", d.Messages)
	}
}

// testInsertMessageConcurrentDuplicate has several transactions insert the
// same events at once, as registries do with a redelivered message.
func testInsertMessageConcurrentDuplicate(t *testing.T, s store.Store) {
	insertConcurrently(t, []store.Store{s, s, s, s})
}

// insertConcurrently inserts the same events from one goroutine per store
// and checks that each was inserted exactly once.
func insertConcurrently(t *testing.T, stores []store.Store) {
	const events = 5
	c := ctx(t)
	inserted := make([][]bool, len(stores))
	errs := make([]error, len(stores))
	var wg sync.WaitGroup
	for w, s := range stores {
		inserted[w] = make([]bool, events)
		wg.Go(func() {
			for e := range events {
				errs[w] = inTxErr(c, s, func(tx store.Tx) error {
					_, ok, err := tx.InsertMessage(c, message(fmt.Sprintf("ev-conc-%d", e), "gemeente"))
					inserted[w][e] = ok
					return err
				})
				if errs[w] != nil {
					return
				}
			}
		})
	}
	wg.Wait()
	for w, err := range errs {
		if err != nil {
			t.Fatalf("worker %d: %v", w, err)
		}
	}
	for e := range events {
		n := 0
		for w := range stores {
			if inserted[w][e] {
				n++
			}
		}
		if n != 1 {
			t.Errorf("event %d inserted %d times, want once", e, n)
		}
	}
	if st := stats(t, stores[0]); st.Messages != events {
		t.Errorf("%d messages, want %d", st.Messages, events)
	}
}

// testInsertMessageWaitsForOtherTx: while one transaction holds a new
// message, another inserting the same event waits, and then inserts
// nothing if the first committed, or the message if it rolled back.
func testInsertMessageWaitsForOtherTx(t *testing.T, s store.Store) {
	for _, commit := range []bool{true, false} {
		t.Run(fmt.Sprintf("commit=%v", commit), func(t *testing.T) {
			c := ctx(t)
			m := message(fmt.Sprintf("ev-wait-%v", commit), "gemeente")
			first, err := s.Begin(c)
			if err != nil {
				t.Fatal(err)
			}
			defer first.Rollback(c) //nolint:errcheck
			if _, ok, err := first.InsertMessage(c, m); err != nil || !ok {
				t.Fatalf("first InsertMessage = %v, %v", ok, err)
			}
			type result struct {
				ok  bool
				err error
			}
			second := make(chan result, 1)
			go func() {
				var ok bool
				err := inTxErr(c, s, func(tx store.Tx) error {
					var err error
					_, ok, err = tx.InsertMessage(c, m)
					return err
				})
				second <- result{ok, err}
			}()
			select {
			case r := <-second:
				t.Fatalf("second transaction finished (%v, %v) while the first was open", r.ok, r.err)
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
			if r.err != nil || r.ok != !commit {
				t.Errorf("second InsertMessage = %v, %v; want %v", r.ok, r.err, !commit)
			}
		})
	}
}

func testInsertMessageRequiredFields(t *testing.T, s store.Store) {
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
			if _, _, err := tx.InsertMessage(ctx(t), m); err == nil {
				t.Error("InsertMessage: no error")
			} else if s.IsTransient(err) {
				t.Errorf("IsTransient(%v) = true, want false", err)
			}
		})
	}
}

func testInsertMessageCleansText(t *testing.T, s store.Store) {
	m := message("ev-dirty\x00", "gemeente")
	m.Subject = "nul\x00byte"
	m.Text = "invalid \xff utf-8"
	m.References = []string{"<a\x00@x>"}
	m.Attachments = []store.Attachment{{Name: "f\xffo.txt", SHA256: sum(nil)}}
	m.Event = []byte("exact \x00 bytes \xff")
	id := insert(t, s, m)
	caseID, ref := newCase(t, s, "gemeente")
	attach(t, s, caseID, id, at(0))
	got := getCase(t, s, ref).Messages[0]
	want := wantMessage(m, id, caseID)
	want.EventID = "ev-dirty"
	want.ExternalID = "<ev-dirty@example.org>"
	want.Subject = "nulbyte"
	want.Text = "invalid \uFFFD utf-8"
	want.References = []string{"<a@x>"}
	want.Attachments = []store.Attachment{{Name: "f\uFFFDo.txt", SHA256: sum(nil)}}
	diff(t, "cleaned message", normalize(got), want)

	// The cleaned event id still deduplicates.
	inTx(t, s, func(tx store.Tx) {
		if _, ok, err := tx.InsertMessage(ctx(t), message("ev-dirty\x00", "gemeente")); err != nil || ok {
			t.Errorf("InsertMessage again = %v, %v; want duplicate", ok, err)
		}
	})
}

func testRollbackLeavesNothing(t *testing.T, s store.Store) {
	c := ctx(t)
	tx, err := s.Begin(c)
	if err != nil {
		t.Fatal(err)
	}
	msgID, _, err := tx.InsertMessage(c, message("ev-rollback", "gemeente"))
	if err != nil {
		t.Fatal(err)
	}
	contactID, err := tx.UpsertContact(c, "gemeente", store.Contact{Email: "x@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	caseID, ref, err := tx.CreateCase(c, store.NewCase{Prefix: "MP", Year: 2026, Domain: "gemeente", ContactID: contactID})
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.AttachMessage(c, caseID, msgID, at(0)); err != nil {
		t.Fatal(err)
	}
	if err := tx.PutBlob(c, store.Blob{SHA256: sum([]byte("b")), Data: []byte("b")}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Quarantine(c, store.QuarantineItem{Key: "q", Reason: "test"}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(c); err != nil {
		t.Fatalf("Rollback: %v", err)
	}
	if err := tx.Rollback(c); err != nil {
		t.Errorf("second Rollback: %v", err)
	}

	diff(t, "stats after rollback", stats(t, s), store.Stats{ByChannel: map[string]int64{}})
	_, err = s.GetCase(c, ref)
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
	if _, _, err := tx.InsertMessage(c, message("ev-commit", "gemeente")); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(c); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(c); err != nil {
		t.Errorf("Rollback after Commit: %v", err)
	}
	if _, _, err := tx.InsertMessage(c, message("ev-after-commit", "gemeente")); err == nil {
		t.Error("InsertMessage after Commit: no error")
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
