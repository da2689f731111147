// Package pgtest gives tests an isolated schema in a real PostgreSQL server,
// so that they can run in parallel against one database.
//
// The server is MELDPUNT_TEST_DATABASE_URL, or DefaultURL. When it cannot be
// reached the test is skipped, unless CI=true (or 1): then a missing server
// fails the test, as a silent skip would hide that nothing was tested.
//
// It imports no meldpunt package.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/meldpunt/meldpunt/internal/testutil/ci"
)

// DefaultURL is the server used when MELDPUNT_TEST_DATABASE_URL is not set.
const DefaultURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// EnvURL names the environment variable with the test server's URL.
const EnvURL = "MELDPUNT_TEST_DATABASE_URL"

// ServerURL is the test server: MELDPUNT_TEST_DATABASE_URL, or
// DefaultURL when that is not set.
func ServerURL() string {
	if u := os.Getenv(EnvURL); u != "" {
		return u
	}
	return DefaultURL
}

// DSN creates a schema with a random name, drops it (with everything in it)
// when the test ends, and returns a connection string whose search_path is
// that schema. Close what uses the DSN before the test ends: cleanups run
// last-registered first, so a Close registered after DSN returns is fine.
func DSN(t testing.TB) string {
	t.Helper()
	base := ServerURL()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		ci.Missing(t, "pgtest: PostgreSQL not reachable (set %s; default %s): %v", EnvURL, DefaultURL, err)
	}
	defer conn.Close(ctx)

	var b [8]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand documents it)
	schema := "test_" + hex.EncodeToString(b[:])
	ident := pgx.Identifier{schema}.Sanitize()
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+ident); err != nil {
		t.Fatalf("pgtest: create schema %s: %v", schema, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("pgtest: drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+ident+" CASCADE"); err != nil {
			t.Errorf("pgtest: drop schema %s: %v", schema, err)
		}
	})
	return withSearchPath(base, schema)
}

// withSearchPath adds search_path to a URL or key=value connection string;
// pgx sends parameters it does not know as run-time parameters.
func withSearchPath(dsn, schema string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err == nil {
			q := u.Query()
			q.Set("search_path", schema)
			u.RawQuery = q.Encode()
			return u.String()
		}
	}
	return dsn + " search_path=" + schema
}
