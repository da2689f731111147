package sqlite

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/meldpunt/meldpunt/internal/registry/store"
	"github.com/meldpunt/meldpunt/internal/registry/store/storetest"
)

func openT(t *testing.T, path string, busyTimeout time.Duration) *Store {
	t.Helper()
	s, err := open(t.Context(), path, nil, busyTimeout)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		return openT(t, filepath.Join(t.TempDir(), "meldpunt.db"), BusyTimeout)
	})
}

func TestStoreShared(t *testing.T) {
	storetest.RunShared(t, func(t *testing.T, n int) []store.Store {
		path := filepath.Join(t.TempDir(), "meldpunt.db")
		var stores []store.Store
		for range n {
			stores = append(stores, openT(t, path, BusyTimeout))
		}
		return stores
	})
}

func TestOpenCreatesDirectoryInWALMode(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "var", "sub dir", "meldpunt.db")
	s := openT(t, path, BusyTimeout)
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database file: %v", err)
	}
	for _, tc := range []struct {
		db     string
		pragma string
		want   string
	}{
		{"write", "journal_mode", "wal"},
		{"write", "foreign_keys", "1"},
		{"write", "synchronous", "1"}, // NORMAL
		{"write", "busy_timeout", "10000"},
		{"read", "journal_mode", "wal"},
		{"read", "foreign_keys", "1"},
		{"read", "query_only", "1"},
	} {
		db := s.write
		if tc.db == "read" {
			db = s.read
		}
		var got string
		if err := db.QueryRowContext(t.Context(), "PRAGMA "+tc.pragma).Scan(&got); err != nil {
			t.Fatalf("PRAGMA %s: %v", tc.pragma, err)
		}
		if got != tc.want {
			t.Errorf("%s: PRAGMA %s = %s, want %s", tc.db, tc.pragma, got, tc.want)
		}
	}
}

func TestOpenInvalidPath(t *testing.T) {
	t.Parallel()
	for _, path := range []string{"", "a.db?mode=ro", "file:a.db"} {
		if s, err := Open(t.Context(), path, nil); err == nil {
			s.Close()
			t.Errorf("Open(%q): no error", path)
		}
	}
}

// TestBusyIsTransient: a writer that waits longer than the busy timeout for
// another process's writer gets an error that IsTransient reports, and a
// retry after the other committed succeeds.
func TestBusyIsTransient(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "meldpunt.db")
	holder := openT(t, path, BusyTimeout)
	if err := holder.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	waiter := openT(t, path, 50*time.Millisecond)

	tx, err := holder.Begin(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	_, err = waiter.Begin(t.Context())
	if err == nil {
		t.Fatal("Begin while another process writes: no error")
	}
	if !waiter.IsTransient(err) {
		t.Errorf("IsTransient(%v) = false, want true", err)
	}
	if err := tx.Commit(t.Context()); err != nil {
		t.Fatal(err)
	}
	tx2, err := waiter.Begin(t.Context())
	if err != nil {
		t.Fatalf("Begin after the other committed: %v", err)
	}
	if err := tx2.Rollback(t.Context()); err != nil {
		t.Fatal(err)
	}
}

func TestIsTransient(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{nil, false},
		{context.DeadlineExceeded, true},
		{fmt.Errorf("x: %w", context.Canceled), true},
		{store.ErrNotFound, false},
		{errors.New("other"), false},
	} {
		if got := IsTransient(tc.err); got != tc.want {
			t.Errorf("IsTransient(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

func TestTimeFormatSorts(t *testing.T) {
	t.Parallel()
	times := []time.Time{
		time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		time.Date(2026, 1, 2, 3, 4, 5, 1000, time.UTC),
		time.Date(2026, 1, 2, 3, 4, 5, 100000000, time.UTC),
		time.Date(2026, 1, 2, 4, 4, 5, 500000000, time.FixedZone("CET", 3600)), // 03:04:05.5 UTC
		time.Date(2026, 1, 2, 3, 4, 6, 0, time.UTC),
	}
	for i := 1; i < len(times); i++ {
		a, b := formatTime(times[i-1]), formatTime(times[i])
		if times[i-1].Before(times[i]) != (a < b) {
			t.Errorf("%s and %s sort as text unlike as times", a, b)
		}
	}
	for _, tm := range times {
		var got time.Time
		if err := (timeColumn{&got}).Scan(formatTime(tm)); err != nil {
			t.Fatal(err)
		}
		if !got.Equal(tm) || got.Location() != time.UTC {
			t.Errorf("round trip of %v = %v", tm, got)
		}
	}
}
