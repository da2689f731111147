package cli_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/meldpunt/meldpunt/internal/registry/store/postgres"
	"github.com/meldpunt/meldpunt/internal/testutil/ci"
	"github.com/meldpunt/meldpunt/internal/testutil/eventgen"
	"github.com/meldpunt/meldpunt/internal/testutil/natstest"
	"github.com/meldpunt/meldpunt/internal/testutil/pgtest"
)

// TestDatabaseRoleWithoutSuperuser runs the registry as a PostgreSQL role
// that is no superuser and may create neither databases nor roles, owning
// only its own database, as docs/operations.md ("Database role") sets it
// up: `registry migrate` applies every migration and `registry serve`
// registers events. When the server offers TLS the registry connects with
// sslmode=require and the test checks that its connections are encrypted.
func TestDatabaseRoleWithoutSuperuser(t *testing.T) {
	if testing.Short() {
		t.Skip("creates a database")
	}
	t.Parallel()
	ctx := context.Background()
	adminURL := pgtest.ServerURL()
	admin, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		ci.Missing(t, "PostgreSQL not reachable at %s: %v", adminURL, err)
	}
	t.Cleanup(func() { admin.Close(context.Background()) })

	var b [6]byte
	_, _ = rand.Read(b[:])
	role := "meldpunt_app_" + hex.EncodeToString(b[:])
	db := "meldpunt_role_" + hex.EncodeToString(b[:])
	roleIdent, dbIdent := pgx.Identifier{role}.Sanitize(), pgx.Identifier{db}.Sanitize()
	for _, stmt := range []string{
		"CREATE ROLE " + roleIdent + " LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS",
		"CREATE DATABASE " + dbIdent + " OWNER " + roleIdent,
		"REVOKE ALL ON DATABASE " + dbIdent + " FROM PUBLIC",
	} {
		if _, err := admin.Exec(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		for _, stmt := range []string{"DROP DATABASE IF EXISTS " + dbIdent + " WITH (FORCE)", "DROP ROLE IF EXISTS " + roleIdent} {
			if _, err := admin.Exec(ctx, stmt); err != nil {
				t.Errorf("%s: %v", stmt, err)
			}
		}
	})

	var ssl string
	if err := admin.QueryRow(ctx, "SHOW ssl").Scan(&ssl); err != nil {
		t.Fatal(err)
	}
	sslmode := "disable"
	if ssl == "on" {
		sslmode = "require"
	} else {
		t.Log("the PostgreSQL server has no TLS: the role is tested without it")
	}
	u, err := url.Parse(adminURL)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.User(role)
	u.Path = "/" + db
	q := u.Query()
	q.Set("sslmode", sslmode)
	q.Set("application_name", "meldpunt-role-test")
	u.RawQuery = q.Encode()
	dsn := u.String()

	dir := t.TempDir()
	cfg := writeConfig(t, dir)
	migrate := exec.Command(registryBinary(t), "-config", cfg, "migrate")
	migrate.Dir = dir
	migrate.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "MELDPUNT_DATABASE_URL=" + dsn}
	if out, err := migrate.CombinedOutput(); err != nil {
		t.Fatalf("registry migrate as %s: %v\n%s", role, err, out)
	}

	srv := natstest.Start(t)
	b2 := natstest.Connect(t, srv)
	reg := startChild(t, "registry", dir, map[string]string{
		"MELDPUNT_NATS_URL": srv.URL(), "MELDPUNT_DATABASE_URL": dsn, "MELDPUNT_HTTP_ADDR": "127.0.0.1:0",
	}, "-config", cfg, "serve")
	reg.waitHTTP()
	const n = 50
	gen := eventgen.New(eventgen.Options{Seed: 3, TextSize: 200})
	for i := range n {
		if _, err := b2.PublishEvent(ctx, gen.Event(i)); err != nil {
			t.Fatal(err)
		}
	}
	st, err := postgres.Open(ctx, dsn, quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	waitMessages(t, st, n)

	var super, createDB, createRole bool
	if err := admin.QueryRow(ctx, "SELECT rolsuper, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = $1", role).Scan(&super, &createDB, &createRole); err != nil {
		t.Fatal(err)
	}
	if super || createDB || createRole {
		t.Errorf("role %s: superuser %v, createdb %v, createrole %v", role, super, createDB, createRole)
	}
	if sslmode == "require" {
		var conns, encrypted int
		err := admin.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE s.ssl)
			FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid) WHERE a.usename = $1`, role).Scan(&conns, &encrypted)
		if err != nil {
			t.Fatal(err)
		}
		if conns == 0 || encrypted != conns {
			t.Errorf("%d of the role's %d connections use TLS, want all", encrypted, conns)
		}
	}
	if code := reg.stop(); code != 0 {
		t.Errorf("registry exit code %d after SIGTERM", code)
	}
	checkExactlyOnce(t, st, n)
}
