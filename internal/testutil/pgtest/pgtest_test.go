package pgtest

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestDSNIsolatedSchema(t *testing.T) {
	t.Parallel()
	var schema string
	t.Run("use", func(t *testing.T) {
		conn, err := pgx.Connect(t.Context(), DSN(t))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(context.Background())
		if err := conn.QueryRow(t.Context(), "SELECT current_schema()").Scan(&schema); err != nil {
			t.Fatal(err)
		}
		if len(schema) != len("test_")+16 || schema[:5] != "test_" {
			t.Errorf("current_schema() = %q, want test_<16 hex digits>", schema)
		}
		if _, err := conn.Exec(t.Context(), "CREATE TABLE t (x int)"); err != nil {
			t.Fatal(err)
		}
	})
	if t.Failed() || schema == "" {
		return
	}
	conn, err := pgx.Connect(t.Context(), ServerURL())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var exists bool
	if err := conn.QueryRow(t.Context(), "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)", schema).Scan(&exists); err != nil {
		t.Fatal(err)
	}
	if exists {
		t.Errorf("schema %s still exists after the test", schema)
	}
}

func TestWithSearchPath(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, dsn, want string }{
		{"url", "postgres://u@h:5432/db?sslmode=disable", "postgres://u@h:5432/db?search_path=s&sslmode=disable"},
		{"url replaces", "postgresql://h/db?search_path=old", "postgresql://h/db?search_path=s"},
		{"key value", "host=h dbname=db", "host=h dbname=db search_path=s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := withSearchPath(tc.dsn, "s"); got != tc.want {
				t.Errorf("withSearchPath(%q) = %q, want %q", tc.dsn, got, tc.want)
			}
		})
	}
}
