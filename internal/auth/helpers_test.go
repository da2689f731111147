package auth_test

import (
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/meldpunt/meldpunt/internal/auth"
	"github.com/meldpunt/meldpunt/internal/registry/store"
	"github.com/meldpunt/meldpunt/internal/registry/store/postgres"
	"github.com/meldpunt/meldpunt/internal/registry/store/sqlite"
	"github.com/meldpunt/meldpunt/internal/testutil/pgtest"
)

// forEachStore runs f against a new, migrated SQLite store and a new,
// migrated PostgreSQL store (in a schema of its own), in parallel.
func forEachStore(t *testing.T, f func(t *testing.T, st store.Store)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "meldpunt.db"), nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		if err := st.Migrate(t.Context()); err != nil {
			t.Fatal(err)
		}
		f(t, st)
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		st, err := postgres.Open(t.Context(), pgtest.DSN(t), nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		if err := st.Migrate(t.Context()); err != nil {
			t.Fatal(err)
		}
		f(t, st)
	})
}

// clock is a settable clock for Options.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// fastParams keep the tests quick.
var fastParams = auth.Params{Memory: 64, Time: 1, Threads: 1}

func newService(t *testing.T, st store.Accounts, c *clock, opts auth.Options) *auth.Service {
	t.Helper()
	if opts.Password == (auth.Params{}) {
		opts.Password = fastParams
	}
	opts.Now = c.Now
	svc, err := auth.New(st, opts)
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

const password = "lang genoeg wachtwoord"

// addUser adds an enabled user with a password.
func addUser(t *testing.T, svc *auth.Service, username string, role auth.Role, domains ...string) store.User {
	t.Helper()
	u, err := svc.AddUser(t.Context(), store.User{Username: username, DisplayName: "Naam van " + username,
		Roles: []string{string(role)}, Domains: domains}, password)
	if err != nil {
		t.Fatalf("AddUser(%s): %v", username, err)
	}
	return u
}
