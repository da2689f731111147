package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

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
	if _, _, err := tx.CreateCase(t.Context(), store.NewCase{Prefix: "MP", Year: 2026, Domain: "gemeente"}); err != nil {
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
