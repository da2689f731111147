package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/meldpunt/meldpunt/internal/registry/store"
	"github.com/meldpunt/meldpunt/internal/registry/store/postgres"
	"github.com/meldpunt/meldpunt/internal/registry/store/storetest"
	"github.com/meldpunt/meldpunt/internal/testutil/pgtest"
)

func open(t *testing.T, dsn string) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(t.Context(), dsn, nil)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		return open(t, pgtest.DSN(t))
	})
}

func TestStoreShared(t *testing.T) {
	storetest.RunShared(t, func(t *testing.T, n int) []store.Store {
		dsn := pgtest.DSN(t)
		var stores []store.Store
		for range n {
			stores = append(stores, open(t, dsn))
		}
		return stores
	})
}

func TestOpenUnreachable(t *testing.T) {
	t.Parallel()
	_, err := postgres.Open(t.Context(), "postgres://postgres@127.0.0.1:1/test?sslmode=disable&connect_timeout=2", nil)
	if err == nil {
		t.Fatal("Open: no error")
	}
	if !postgres.IsTransient(err) {
		t.Errorf("IsTransient(%v) = false, want true", err)
	}
}

func TestIsTransient(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{&pgconn.PgError{Code: "40001"}, true},
		{&pgconn.PgError{Code: "40P01"}, true},
		{&pgconn.PgError{Code: "08006"}, true},
		{&pgconn.PgError{Code: "57P01"}, true},
		{fmt.Errorf("commit: %w", &pgconn.PgError{Code: "40001"}), true},
		{&pgconn.PgError{Code: "23505"}, false}, // unique_violation
		{&pgconn.PgError{Code: "22021"}, false}, // character_not_in_repertoire
		{&pgconn.PgError{Code: "42P01"}, false}, // undefined_table
		{context.DeadlineExceeded, true},
		{store.ErrNotFound, false},
		{errors.New("other"), false},
	} {
		if got := postgres.IsTransient(tc.err); got != tc.want {
			t.Errorf("IsTransient(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

// TestSchemaIsolation: two stores in two schemas of one database see
// nothing of each other, so nothing in the driver names a schema.
func TestSchemaIsolation(t *testing.T) {
	t.Parallel()
	a, b := open(t, pgtest.DSN(t)), open(t, pgtest.DSN(t))
	for _, s := range []*postgres.Store{a, b} {
		if err := s.Migrate(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	tx, err := a.Begin(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.CreateCases(t.Context(), []store.NewCase{{Prefix: "MP", Year: 2026, Domain: "gemeente"}}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(t.Context()); err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		s    *postgres.Store
		want int64
	}{"a": {a, 1}, "b": {b, 0}} {
		st, err := tc.s.Stats(t.Context())
		if err != nil || st.Cases != tc.want {
			t.Errorf("store %s: %d cases, %v; want %d", name, st.Cases, err, tc.want)
		}
	}
}

// TestBulkInsertMessages: the ceiling stores the same rows as
// InsertMessages, and skips event ids that are stored already.
func TestBulkInsertMessages(t *testing.T) {
	t.Parallel()
	dsnBulk, dsnTx := pgtest.DSN(t), pgtest.DSN(t)
	bulk, viaTx := open(t, dsnBulk), open(t, dsnTx)
	messages := func() []*store.Message {
		at := time.Date(2026, 12, 4, 10, 15, 0, 123456789, time.FixedZone("CET", 3600))
		return []*store.Message{
			{EventID: "ev-1", Channel: "email", Domain: "gemeente", Subject: "nul\x00byte", Text: "invalid \xff",
				References: []string{"<a@x>"}, SentAt: &at, EventTime: at, StoredAt: at, Event: []byte("{\x00}")},
			{EventID: "ev-2", Channel: "facebook", Domain: "sociaalhuis", EventTime: at, StoredAt: at},
		}
	}
	for _, s := range []*postgres.Store{bulk, viaTx} {
		if err := s.Migrate(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := bulk.BulkInsertMessages(t.Context(), messages()); err != nil || n != 2 {
		t.Fatalf("BulkInsertMessages = %d, %v; want 2", n, err)
	}
	again := append(messages()[1:], &store.Message{EventID: "ev-3", Channel: "email", Domain: "gemeente", StoredAt: time.Now()})
	if n, err := bulk.BulkInsertMessages(t.Context(), again); err != nil || n != 1 {
		t.Errorf("BulkInsertMessages again = %d, %v; want 1", n, err)
	}
	if _, err := bulk.BulkInsertMessages(t.Context(), []*store.Message{{EventID: "ev-4"}}); err == nil {
		t.Error("BulkInsertMessages without domain and channel: no error")
	}

	tx, err := viaTx.Begin(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(t.Context()) //nolint:errcheck
	if err := tx.InsertMessages(t.Context(), messages()); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(t.Context()); err != nil {
		t.Fatal(err)
	}
	rows := func(dsn string) []string {
		conn, err := pgx.Connect(t.Context(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(t.Context())
		r, err := conn.Query(t.Context(), `SELECT (to_jsonb(m) - 'id')::text FROM messages m WHERE event_id IN ('ev-1', 'ev-2') ORDER BY event_id`)
		if err != nil {
			t.Fatal(err)
		}
		got, err := pgx.CollectRows(r, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	bulkRows, txRows := rows(dsnBulk), rows(dsnTx)
	if len(bulkRows) != 2 || !reflect.DeepEqual(bulkRows, txRows) {
		t.Errorf("rows differ:\nbulk %q\n  tx %q", bulkRows, txRows)
	}
}

// TestBulkInsertCaseRows: the all-rows ceiling stores what the registry
// stores for new questions: a contact, a case, the message and its timeline.
func TestBulkInsertCaseRows(t *testing.T) {
	t.Parallel()
	s := open(t, pgtest.DSN(t))
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 4, 10, 15, 0, 0, time.UTC)
	var ms []*store.Message
	for _, id := range []string{"ev-1", "ev-2", "ev-3"} {
		ms = append(ms, &store.Message{EventID: id, Channel: "email", Domain: "gemeente", ExternalID: "<" + id + "@x>",
			SenderName: "An " + id, SenderEmail: id + "@example.be", Subject: "Vraag " + id, EventTime: at, StoredAt: at, Event: []byte(`{}`)})
	}
	if n, err := s.BulkInsertCaseRows(t.Context(), ms, "MP", 2026); err != nil || n != 3 {
		t.Fatalf("BulkInsertCaseRows = %d, %v", n, err)
	}
	st, err := s.Stats(t.Context())
	if err != nil || st.Messages != 3 || st.Cases != 3 {
		t.Fatalf("stats %+v, %v", st, err)
	}
	c, err := s.GetCase(t.Context(), "MP-2026-000002")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Messages) != 1 || c.Messages[0].EventID != "ev-2" || len(c.Timeline) != 1 || c.ContactID == 0 || c.Messages[0].ContactID != c.ContactID {
		t.Errorf("case %+v with %d messages, %d timeline entries", c.Case, len(c.Messages), len(c.Timeline))
	}
}
