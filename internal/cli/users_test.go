package cli_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/meldpunt/meldpunt/internal/auth"
	"github.com/meldpunt/meldpunt/internal/cli"
	"github.com/meldpunt/meldpunt/internal/registry/store"
	"github.com/meldpunt/meldpunt/internal/registry/store/postgres"
	"github.com/meldpunt/meldpunt/internal/registry/store/sqlite"
	"github.com/meldpunt/meldpunt/internal/testutil/pgtest"
)

// accountsSetup is a configured store for `registry user` and `registry
// token`: the environment that selects it, and a way to open it beside the
// commands.
type accountsSetup struct {
	env  map[string]string
	open func(t *testing.T) store.Store
}

func sqliteSetup(t *testing.T) accountsSetup {
	dir := t.TempDir()
	return accountsSetup{
		env: map[string]string{"MELDPUNT_DATA_DIR": dir},
		open: func(t *testing.T) store.Store {
			st, err := sqlite.Open(t.Context(), filepath.Join(dir, "meldpunt.db"), quietLogger())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			return st
		},
	}
}

func postgresSetup(t *testing.T) accountsSetup {
	dsn := pgtest.DSN(t)
	return accountsSetup{
		env: map[string]string{"MELDPUNT_DATABASE_URL": dsn, "MELDPUNT_DATA_DIR": t.TempDir()},
		open: func(t *testing.T) store.Store {
			st, err := postgres.Open(t.Context(), dsn, quietLogger())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			return st
		},
	}
}

// registry runs `registry args...` in the setup's environment.
func (s accountsSetup) registry(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut strings.Builder
	env := cli.Env{Stdout: &out, Stderr: &errOut, Getenv: func(k string) string { return s.env[k] }}
	code = cli.Registry(context.Background(), args, env)
	return code, out.String(), errOut.String()
}

// ok runs a command that must succeed and returns its output.
func (s accountsSetup) ok(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errOut := s.registry(t, args...)
	if code != 0 {
		t.Fatalf("registry %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

// fails runs a command that must fail with an error containing want.
func (s accountsSetup) fails(t *testing.T, want string, args ...string) {
	t.Helper()
	code, out, errOut := s.registry(t, args...)
	if code == 0 || !strings.Contains(errOut, want) {
		t.Errorf("registry %s: exit %d, want failure with %q\n%s%s", strings.Join(args, " "), code, want, out, errOut)
	}
}

func writeFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "wachtwoord")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

var generatedRE = regexp.MustCompile(`password \(shown only now\): (\S+)\n`)

func TestUserCommands(t *testing.T) {
	t.Parallel()
	for name, setup := range map[string]func(*testing.T) accountsSetup{"sqlite": sqliteSetup, "postgres": postgresSetup} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			testUserCommands(t, setup(t))
		})
	}
}

func testUserCommands(t *testing.T, s accountsSetup) {
	out := s.ok(t, "user", "add", "--username", "An.Peeters", "--name", "An Peeters", "--role", "behandelaar",
		"--domain", "gemeente,sociaalhuis", "--department", "burgerzaken")
	m := generatedRE.FindStringSubmatch(out)
	if m == nil || !strings.Contains(out, "user an.peeters added: behandelaar in gemeente,sociaalhuis") {
		t.Fatalf("user add printed %q; want the user and a generated password", out)
	}
	generated := m[1]
	out = s.ok(t, "user", "add", "--username", "bert", "--role", "onthaal", "--domain", "gemeente",
		"--password-file", writeFile(t, "bert zijn wachtwoord\n"))
	if strings.Contains(out, "password") {
		t.Errorf("user add with a password file printed a password: %q", out)
	}
	s.fails(t, "already exists", "user", "add", "--username", "AN.PEETERS", "--role", "onthaal")
	s.fails(t, "unknown role", "user", "add", "--username", "x", "--role", "admin")
	s.fails(t, "needs a role", "user", "add", "--username", "x")
	s.fails(t, "at least 12", "user", "add", "--username", "x", "--role", "onthaal", "--password-file", writeFile(t, "kort\n"))
	s.fails(t, "unknown subcommand", "user", "remove", "bert")
	s.fails(t, "want 1 argument", "user", "disable")

	st := s.open(t)
	svc, err := auth.New(st, auth.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	p, err := svc.Login(ctx, "an.peeters", generated, "192.0.2.1")
	if err != nil || !p.HasRole(auth.RoleBehandelaar) || !p.CanSeeDomain(auth.DomainSociaalhuis) || p.Department != "burgerzaken" {
		t.Errorf("Login with the generated password = %+v, %v", p, err)
	}
	if _, err := svc.Login(ctx, "bert", "bert zijn wachtwoord", "192.0.2.1"); err != nil {
		t.Errorf("Login with the password from the file: %v", err)
	}

	list := s.ok(t, "user", "list")
	for _, want := range []string{"an.peeters", "An Peeters", "behandelaar", "gemeente,sociaalhuis", "burgerzaken", "bert", "active"} {
		if !strings.Contains(list, want) {
			t.Errorf("user list lacks %q:\n%s", want, list)
		}
	}

	// passwd: flags after the username too; the old sessions end.
	session, err := svc.NewSession(ctx, "an.peeters")
	if err != nil {
		t.Fatal(err)
	}
	s.ok(t, "user", "passwd", "An.Peeters", "--password-file", writeFile(t, "een nieuw wachtwoord\r\n"))
	if _, err := svc.Login(ctx, "an.peeters", "een nieuw wachtwoord", "192.0.2.1"); err != nil {
		t.Errorf("Login with the new password: %v", err)
	}
	if _, err := svc.Login(ctx, "an.peeters", generated, "192.0.2.1"); !errors.Is(err, auth.ErrInvalidCredentials) {
		t.Errorf("Login with the old password: %v", err)
	}
	if _, _, err := svc.SessionPrincipal(ctx, session.Value); !errors.Is(err, auth.ErrUnauthenticated) {
		t.Errorf("session after passwd: %v, want ended", err)
	}
	if out := s.ok(t, "user", "passwd", "bert"); generatedRE.FindStringSubmatch(out) == nil {
		t.Errorf("passwd without file printed %q, want a generated password", out)
	}
	s.fails(t, "not found", "user", "passwd", "niemand")

	s.ok(t, "user", "disable", "bert")
	if !strings.Contains(s.ok(t, "user", "list"), "disabled") {
		t.Error("user list does not show bert disabled")
	}
	u, err := st.GetUser(ctx, "bert")
	if err != nil || !u.Disabled {
		t.Errorf("bert after disable: %+v, %v", u, err)
	}
	s.ok(t, "user", "enable", "bert")
	if u, err := st.GetUser(ctx, "bert"); err != nil || u.Disabled || u.Roles[0] != "onthaal" {
		t.Errorf("bert after enable: %+v, %v", u, err)
	}
}

func TestTokenCommands(t *testing.T) {
	t.Parallel()
	for name, setup := range map[string]func(*testing.T) accountsSetup{"sqlite": sqliteSetup, "postgres": postgresSetup} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			testTokenCommands(t, setup(t))
		})
	}
}

func testTokenCommands(t *testing.T, s accountsSetup) {
	s.ok(t, "user", "add", "--username", "an", "--role", "beheerder", "--domain", "gemeente")
	integration := strings.TrimSpace(s.ok(t, "token", "add", "--name", "e-loket", "--role", "onthaal", "--domain", "gemeente",
		"--department", "onthaal", "--days", "30"))
	personal := strings.TrimSpace(s.ok(t, "token", "add", "--name", "laptop", "--user", "an"))
	for _, secret := range []string{integration, personal} {
		if !regexp.MustCompile(`^mpt_[A-Za-z0-9_-]{43}$`).MatchString(secret) {
			t.Fatalf("token add printed %q, want the token alone", secret)
		}
	}
	s.fails(t, "needs a role and a domain", "token", "add", "--name", "x")
	s.fails(t, "already exists", "token", "add", "--name", "laptop", "--user", "an")
	s.fails(t, "not found", "token", "add", "--name", "x", "--user", "niemand")
	s.fails(t, "may not see domain sociaalhuis", "token", "add", "--name", "x", "--user", "an", "--domain", "sociaalhuis")

	st := s.open(t)
	svc, err := auth.New(st, auth.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	p, err := svc.AuthenticateToken(ctx, integration)
	if err != nil || p.Kind != auth.KindIntegration || p.Actor() != "integratie:e-loket" || !p.HasRole(auth.RoleOnthaal) || p.HasRole(auth.RoleBehandelaar) {
		t.Errorf("integration token = %+v, %v", p, err)
	}
	p, err = svc.AuthenticateToken(ctx, personal)
	if err != nil || p.Username != "an" || !p.HasRole(auth.RoleBeheerder) {
		t.Errorf("user token = %+v, %v", p, err)
	}

	list := s.ok(t, "token", "list")
	for _, want := range []string{"e-loket", "(integration)", "onthaal", "laptop", "(user's)", "active"} {
		if !strings.Contains(list, want) {
			t.Errorf("token list lacks %q:\n%s", want, list)
		}
	}
	if strings.Contains(list, integration) || strings.Contains(list, integration[4:]) {
		t.Error("token list shows a secret")
	}
	tokens, err := svc.ListTokens(ctx)
	if err != nil || len(tokens) != 2 || tokens[0].ExpiresAt == nil || tokens[1].ExpiresAt != nil {
		t.Fatalf("tokens %+v, %v", tokens, err)
	}

	s.ok(t, "token", "revoke", "1")
	if _, err := svc.AuthenticateToken(ctx, integration); !errors.Is(err, auth.ErrUnauthenticated) {
		t.Errorf("revoked token: %v", err)
	}
	if !strings.Contains(s.ok(t, "token", "list"), "revoked") {
		t.Error("token list does not show the revoked token")
	}
	s.fails(t, "no token 999", "token", "revoke", "999")
	s.fails(t, "want the number", "token", "revoke", "e-loket")
	s.fails(t, "unknown subcommand", "token", "delete", "2")
}
