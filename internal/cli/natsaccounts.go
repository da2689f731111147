package cli

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/nats-io/nkeys"

	"github.com/meldpunt/meldpunt/internal/bus"
)

const natsAccountsUsage = `usage: registry nats-accounts [-nkeys DIR] [-admin]

Prints the accounts block of a nats-server configuration: the account
MELDPUNT with JetStream and one user per meldpunt process, each allowed
only the subjects it needs. Include it in the configuration of every NATS
node (configs/nats/server.conf); see docs/operations.md, "Least privilege".

Without -nkeys the users log in with a password that nats-server reads from
its environment: MELDPUNT_NATS_PASSWORD_REGISTRY, ..._INGEST_MAIL,
..._INGEST_FACEBOOK and ..._INGEST_ELOKET (better: their bcrypt hashes).

  -nkeys DIR  the users log in with NKeys instead: DIR/<user>.nk holds the
              seed (nkey_seed_file in the process's [nats] section); missing
              seeds are created. Every DIR/<user>.*.nk is accepted too, so
              a key can be replaced without downtime.
  -admin      add the user admin, allowed everything in the account, for
              operators (the nats command line tool); password from
              MELDPUNT_NATS_PASSWORD_ADMIN, or DIR/admin.nk with -nkeys.
`

// natsAccountName is the NATS account that holds meldpunt's stream,
// buckets and users.
const natsAccountName = "MELDPUNT"

// natsAdminUser has every permission in the account.
const natsAdminUser = "admin"

// natsAccounts runs `registry nats-accounts` and returns the exit code.
func natsAccounts(args []string, env Env) int {
	fs := flag.NewFlagSet("registry nats-accounts", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() { fmt.Fprint(env.Stderr, natsAccountsUsage) }
	nkeyDir := fs.String("nkeys", "", "directory with the users' NKey seeds (created when missing)")
	admin := fs.Bool("admin", false, "add an admin user allowed everything")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return 2
	}
	users, err := natsUsers(*nkeyDir, *admin)
	if err == nil {
		err = writeNATSAccounts(env.Stdout, users, *nkeyDir != "")
	}
	if err != nil {
		fmt.Fprintln(env.Stderr, "registry nats-accounts:", err)
		return 1
	}
	return 0
}

// natsUser is one user entry of the configuration.
type natsUser struct {
	name     string // role, or natsAdminUser
	password string // name of the environment variable with the password
	nkey     string // public NKey, instead of user name and password
	perms    *bus.Permissions
}

// natsUsers lists the users: the roles, then the admin if asked for.
func natsUsers(nkeyDir string, admin bool) ([]natsUser, error) {
	names := make([]string, 0, len(bus.Roles())+1)
	for _, r := range bus.Roles() {
		names = append(names, string(r))
	}
	if admin {
		names = append(names, natsAdminUser)
	}
	var users []natsUser
	for _, name := range names {
		var perms *bus.Permissions
		if name != natsAdminUser {
			p, err := bus.Role(name).Permissions()
			if err != nil {
				return nil, err
			}
			perms = &p
		}
		if nkeyDir == "" {
			users = append(users, natsUser{name: name, password: natsPasswordVar(name), perms: perms})
			continue
		}
		keys, err := roleNKeys(nkeyDir, name)
		if err != nil {
			return nil, err
		}
		for _, k := range keys {
			users = append(users, natsUser{name: name, nkey: k, perms: perms})
		}
	}
	return users, nil
}

// natsPasswordVar names the environment variable of nats-server that holds
// a user's password: MELDPUNT_NATS_PASSWORD_INGEST_FACEBOOK.
func natsPasswordVar(name string) string {
	return "MELDPUNT_NATS_PASSWORD_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

// roleNKeys returns the public keys of DIR/<name>.nk, creating it with a
// new user seed when missing, and of every DIR/<name>.*.nk.
func roleNKeys(dir, name string) ([]string, error) {
	main := filepath.Join(dir, name+".nk")
	if _, err := os.Stat(main); errors.Is(err, fs.ErrNotExist) {
		if err := createNKeySeed(main); err != nil {
			return nil, err
		}
	}
	more, err := filepath.Glob(filepath.Join(dir, name+".*.nk"))
	if err != nil {
		return nil, fmt.Errorf("list nkey seeds: %w", err)
	}
	sort.Strings(more)
	var keys []string
	for _, path := range append([]string{main}, more...) {
		k, err := nkeyPublic(path)
		if err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	return keys, nil
}

func createNKeySeed(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("create nkey seed: %w", err)
	}
	kp, err := nkeys.CreateUser()
	if err != nil {
		return fmt.Errorf("create nkey seed %s: %w", path, err)
	}
	seed, err := kp.Seed()
	if err != nil {
		return fmt.Errorf("create nkey seed %s: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("create nkey seed: %w", err)
	}
	if _, err := f.Write(append(seed, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("write nkey seed %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write nkey seed %s: %w", path, err)
	}
	return nil
}

// nkeyPublic reads a user seed file and returns its public key.
func nkeyPublic(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("read nkey seed: %w", err)
	}
	kp, err := nkeys.ParseDecoratedNKey(bytes.TrimSpace(data))
	if err != nil {
		return "", fmt.Errorf("nkey seed %s: %w", path, err)
	}
	defer kp.Wipe()
	pub, err := kp.PublicKey()
	if err != nil {
		return "", fmt.Errorf("nkey seed %s: %w", path, err)
	}
	if !nkeys.IsValidPublicUserKey(pub) {
		return "", fmt.Errorf("nkey seed %s: not a user seed (it starts with SU)", path)
	}
	return pub, nil
}

// userComments says what each user is for, in the generated file.
func userComment(name string) string {
	switch bus.Role(name) {
	case bus.RoleRegistry:
		return "registry: creates the stream and buckets, consumes case events, reads objects; publishes front-desk registrations"
	case bus.RoleIngestMail:
		return "ingest-mail (serve and import): e-mail events, objects, checkpoints mail.*"
	case bus.RoleIngestFacebook:
		return "ingest-facebook: Facebook events, objects, checkpoints facebook.*"
	case bus.RoleIngestEloket:
		return "ingest-eloket: e-loket events, objects, checkpoints eloket.*"
	}
	return name + ": operators (nats command line tool); everything in the account"
}

// writeNATSAccounts writes the accounts block in nats-server's
// configuration syntax.
func writeNATSAccounts(w io.Writer, users []natsUser, nkeyMode bool) error {
	var b strings.Builder
	b.WriteString("# meldpunt's NATS account and users, generated by `registry nats-accounts")
	if nkeyMode {
		b.WriteString(" -nkeys DIR")
	}
	b.WriteString("`.\n")
	b.WriteString("# Include it in the configuration of every NATS node. Each meldpunt process\n")
	b.WriteString("# connects as its own user, which may use only the subjects listed; everything\n")
	b.WriteString("# else is denied. Generate it again after an upgrade of meldpunt.\n")
	if !nkeyMode {
		b.WriteString("#\n# Passwords come from nats-server's environment (a bcrypt hash is best):\n")
		for _, u := range users {
			fmt.Fprintf(&b, "#   %s\n", u.password)
		}
	}
	fmt.Fprintf(&b, "accounts {\n  %s {\n    jetstream: enabled\n    users: [\n", natsAccountName)
	for _, u := range users {
		fmt.Fprintf(&b, "      # %s\n      {\n", userComment(u.name))
		if u.nkey != "" {
			fmt.Fprintf(&b, "        nkey: %q\n", u.nkey)
		} else {
			fmt.Fprintf(&b, "        user: %q\n        password: $%s\n", u.name, u.password)
		}
		if u.perms != nil {
			b.WriteString("        permissions: {\n")
			writeGrants(&b, "publish", u.perms.Publish)
			writeGrants(&b, "subscribe", u.perms.Subscribe)
			b.WriteString("        }\n")
		}
		b.WriteString("      }\n")
	}
	b.WriteString("    ]\n  }\n}\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func writeGrants(b *strings.Builder, kind string, grants []bus.Grant) {
	width := 0
	for _, g := range grants {
		width = max(width, len(g.Subject)+2)
	}
	fmt.Fprintf(b, "          %s: { allow: [\n", kind)
	for _, g := range grants {
		fmt.Fprintf(b, "            %-*s  # %s\n", width, fmt.Sprintf("%q", g.Subject), g.Reason)
	}
	b.WriteString("          ] }\n")
}
