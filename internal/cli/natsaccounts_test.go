package cli_test

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/meldpunt/meldpunt/internal/bus"
	"github.com/meldpunt/meldpunt/internal/cli"
)

var updateNATSConfig = flag.Bool("update", false, "rewrite configs/nats/accounts.conf from `registry nats-accounts`")

// natsAccountsConf runs `registry nats-accounts args...` and returns what
// it printed.
func natsAccountsConf(t *testing.T, args ...string) string {
	t.Helper()
	var out, errOut strings.Builder
	code := cli.Registry(context.Background(), append([]string{"nats-accounts"}, args...),
		cli.Env{Stdout: &out, Stderr: &errOut, Getenv: func(string) string { return "" }})
	if code != 0 {
		t.Fatalf("registry nats-accounts %v: exit %d\n%s", args, code, errOut.String())
	}
	return out.String()
}

// natsPasswords are passwords for every user of the generated accounts, in
// the environment variables it names.
func natsPasswords() map[string]string {
	env := map[string]string{}
	for _, name := range []string{"REGISTRY", "INGEST_MAIL", "INGEST_FACEBOOK", "INGEST_ELOKET", "ADMIN"} {
		env["MELDPUNT_NATS_PASSWORD_"+name] = "secret-" + strings.ToLower(name)
	}
	return env
}

// TestNATSAccountsGolden keeps configs/nats/accounts.conf the output of
// `registry nats-accounts`: the permissions in the example configuration
// are those of the code. Regenerate with -update.
func TestNATSAccountsGolden(t *testing.T) {
	t.Parallel()
	got := natsAccountsConf(t)
	path := filepath.Join("..", "..", "configs", "nats", "accounts.conf")
	if *updateNATSConfig {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("%s is not what `registry nats-accounts` prints; run go test ./internal/cli -run TestNATSAccountsGolden -update\ngot:\n%s", path, got)
	}
}

// TestNATSExampleConfigs loads configs/nats/*.conf as nats-server does and
// checks the account, its users and their permissions.
func TestNATSExampleConfigs(t *testing.T) {
	for k, v := range natsPasswords() {
		t.Setenv(k, v) // nats-server reads the passwords from its environment
	}
	files, err := filepath.Glob(filepath.Join("..", "..", "configs", "nats", "*.conf"))
	if err != nil || len(files) != 5 {
		t.Fatalf("configs/nats holds %v, want accounts.conf, server.conf and three cluster nodes (%v)", files, err)
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			opts, err := server.ProcessConfigFile(path)
			if err != nil {
				t.Fatalf("nats-server cannot load it: %v", err)
			}
			checkMeldpuntUsers(t, opts, bus.Roles())
			if strings.HasPrefix(filepath.Base(path), "cluster-node-") && (opts.Cluster.Name != "meldpunt" || len(opts.Routes) != 3) {
				t.Errorf("cluster %q with %d routes, want meldpunt with 3", opts.Cluster.Name, len(opts.Routes))
			}
			if filepath.Base(path) != "accounts.conf" && !opts.JetStream {
				t.Error("JetStream is not enabled")
			}
		})
	}
}

// checkMeldpuntUsers checks that opts has the account MELDPUNT with
// JetStream and a user for every role with exactly the role's permissions.
func checkMeldpuntUsers(t *testing.T, opts *server.Options, roles []bus.Role) {
	t.Helper()
	var found bool
	for _, acc := range opts.Accounts {
		if acc.Name == "MELDPUNT" {
			found = true
		}
	}
	if !found {
		t.Fatal("no account MELDPUNT")
	}
	users := map[string]*server.User{}
	for _, u := range opts.Users {
		users[u.Username] = u
	}
	for _, r := range roles {
		u := users[string(r)]
		if u == nil {
			t.Errorf("no user %s", r)
			continue
		}
		if u.Account == nil || u.Account.Name != "MELDPUNT" || u.Password == "" || u.Permissions == nil {
			t.Errorf("user %s: account %v, password set %v, permissions %v", r, u.Account, u.Password != "", u.Permissions)
			continue
		}
		want, err := r.Permissions()
		if err != nil {
			t.Fatal(err)
		}
		if got, wantPub := u.Permissions.Publish.Allow, subjects(want.Publish); !slices.Equal(got, wantPub) {
			t.Errorf("user %s may publish to %v, want %v", r, got, wantPub)
		}
		if got, wantSub := u.Permissions.Subscribe.Allow, subjects(want.Subscribe); !slices.Equal(got, wantSub) {
			t.Errorf("user %s may subscribe to %v, want %v", r, got, wantSub)
		}
	}
}

func subjects(grants []bus.Grant) []string {
	var out []string
	for _, g := range grants {
		out = append(out, g.Subject)
	}
	return out
}

// TestNATSAccountsNKeys: with -nkeys the command creates a seed per user
// (private to its owner), reuses it the next time, and lists a second key
// of a user, for a replacement without downtime.
func TestNATSAccountsNKeys(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "nkeys")
	first := natsAccountsConf(t, "-nkeys", dir, "-admin")
	for _, name := range []string{"registry", "ingest-mail", "ingest-facebook", "ingest-eloket", "admin"} {
		fi, err := os.Stat(filepath.Join(dir, name+".nk"))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s.nk has mode %v, want 0600", name, fi.Mode().Perm())
		}
	}
	if n := strings.Count(first, "nkey: "); n != 5 || strings.Contains(first, "password") {
		t.Errorf("%d nkey users (want 5) or a password:\n%s", n, first)
	}
	if again := natsAccountsConf(t, "-nkeys", dir, "-admin"); again != first {
		t.Error("a second run does not reuse the seeds")
	}
	seed, err := os.ReadFile(filepath.Join(dir, "ingest-facebook.nk"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(dir, "ingest-facebook.nk"), filepath.Join(dir, "ingest-facebook.old.nk")); err != nil {
		t.Fatal(err)
	}
	rotated := natsAccountsConf(t, "-nkeys", dir, "-admin")
	if n := strings.Count(rotated, "nkey: "); n != 6 {
		t.Errorf("after moving ingest-facebook.nk aside: %d nkey users, want 6 (old and new key)", n)
	}
	if fresh, _ := os.ReadFile(filepath.Join(dir, "ingest-facebook.nk")); string(fresh) == string(seed) {
		t.Error("no new seed for ingest-facebook")
	}
	opts := loadNATSConfig(t, rotated)
	if len(opts.Nkeys) != 6 {
		t.Errorf("nats-server loads %d nkey users, want 6", len(opts.Nkeys))
	}
	for _, u := range opts.Nkeys {
		if u.Account == nil || u.Account.Name != "MELDPUNT" {
			t.Errorf("nkey user %s is not in the account MELDPUNT", u.Nkey)
		}
	}
}

// loadNATSConfig loads accounts text as nats-server does.
func loadNATSConfig(t *testing.T, accounts string) *server.Options {
	t.Helper()
	path := filepath.Join(t.TempDir(), "accounts.conf")
	if err := os.WriteFile(path, []byte(accounts), 0o600); err != nil {
		t.Fatal(err)
	}
	opts, err := server.ProcessConfigFile(path)
	if err != nil {
		t.Fatalf("nats-server cannot load the accounts: %v", err)
	}
	return opts
}

func TestNATSAccountsUsage(t *testing.T) {
	t.Parallel()
	var errOut strings.Builder
	code := cli.Registry(context.Background(), []string{"nats-accounts", "extra"}, cli.Env{Stdout: &errOut, Stderr: &errOut, Getenv: func(string) string { return "" }})
	if code != 2 || !strings.Contains(errOut.String(), "usage: registry nats-accounts") {
		t.Errorf("exit %d, output %q", code, errOut.String())
	}
}
