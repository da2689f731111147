package storetest

import (
	"sync"
	"testing"
	"time"

	"github.com/meldpunt/meldpunt/internal/registry/store"
)

func testSharedMigrateConcurrently(t *testing.T, stores []store.Store) {
	c := ctx(t)
	errs := make([]error, len(stores))
	var wg sync.WaitGroup
	for i, s := range stores {
		wg.Go(func() { errs[i] = s.Migrate(c) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("store %d: Migrate: %v", i, err)
		}
	}
	for i, s := range stores {
		if _, err := s.Stats(c); err != nil {
			t.Errorf("store %d: Stats after Migrate: %v", i, err)
		}
	}
}

func migrateAll(t *testing.T, stores []store.Store) {
	t.Helper()
	for _, s := range stores {
		if err := s.Migrate(ctx(t)); err != nil {
			t.Fatalf("Migrate: %v", err)
		}
	}
}

func testSharedCreateCases(t *testing.T, stores []store.Store) {
	migrateAll(t, stores)
	createCasesConcurrently(t, append(stores, stores...)) // two goroutines per process
}

func testSharedClaimEvents(t *testing.T, stores []store.Store) {
	migrateAll(t, stores)
	claimConcurrently(t, append(stores, stores...))
}

func testSharedUpsertContacts(t *testing.T, stores []store.Store) {
	migrateAll(t, stores)
	upsertContactsConcurrently(t, append(stores, stores...))
}

// testSharedReadWhileWriting: one process's open write transaction does not
// block another's reads, which see only committed data.
func testSharedReadWhileWriting(t *testing.T, stores []store.Store) {
	migrateAll(t, stores)
	writer, reader := stores[0], stores[1]
	insert(t, writer, message("ev-committed", "gemeente"))
	_, ref := newCase(t, writer, "gemeente")

	c := ctx(t)
	tx, err := writer.Begin(c)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(c) //nolint:errcheck
	insertTx(t, tx, message("ev-open", "gemeente"))
	newCaseTx(t, tx, "gemeente")

	done := make(chan struct{})
	go func() {
		defer close(done)
		if st, err := reader.Stats(c); err != nil || st.Messages != 1 {
			t.Errorf("Stats during a write = %d messages, %v; want 1", st.Messages, err)
		}
		if _, err := reader.GetCase(c, ref); err != nil {
			t.Errorf("GetCase during a write: %v", err)
		}
		if _, err := reader.ListCases(c, store.CaseFilter{}); err != nil {
			t.Errorf("ListCases during a write: %v", err)
		}
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Error("reads wait for the other process's write transaction")
		_ = tx.Rollback(c)
		<-done
		return
	}
	if err := tx.Commit(c); err != nil {
		t.Fatal(err)
	}
	if st := stats(t, reader); st.Messages != 2 {
		t.Errorf("after commit: %d messages, want 2", st.Messages)
	}
}
