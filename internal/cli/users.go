package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/meldpunt/meldpunt/internal/auth"
	"github.com/meldpunt/meldpunt/internal/config"
	"github.com/meldpunt/meldpunt/internal/registry/store"
)

const userUsage = `usage:
  registry user add --username U --role ROLE [--domain D[,D]] [--name "Display Name"]
                    [--email E] [--department CODE] [--password-file F]
  registry user list
  registry user passwd U [--password-file F]
  registry user disable U
  registry user enable U

roles: onthaal, behandelaar, beheerder (each includes the ones before it).
domains: gemeente, sociaalhuis. Without --password-file a strong password is
generated and printed once. A password change or disabling ends the user's
sessions; a disabled user's tokens stop working.
`

const tokenUsage = `usage:
  registry token add --name N --user U [--role R] [--domain D[,D]] [--days N]
  registry token add --name N --role R --domain D[,D] [--department CODE] [--days N]
  registry token list
  registry token revoke ID

A token with --user acts as that user (--role and --domain narrow it); one
without is an integration's and needs --role and --domain. The token is
printed once, alone on standard output, and never stored: keep it in the
secret store of whatever uses it. --days ends it after N days (default: never).
`

// listFlag collects a repeatable, comma-separated flag.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(s string) error {
	*l = append(*l, auth.SplitList(s)...)
	return nil
}

// parseArgs parses flags anywhere among the arguments (`passwd U
// --password-file F` as well as `passwd --password-file F U`) and returns
// the others.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return rest, nil
		}
		rest = append(rest, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// openAccounts opens and migrates the configured store (a first `registry
// user add` may come before any `registry serve`) and returns the accounts
// service on it.
func openAccounts(ctx context.Context, cfg config.Registry, env Env, log *slog.Logger) (*auth.Service, func(), error) {
	st, name, err := openStore(ctx, cfg, env, log)
	if err != nil {
		return nil, nil, err
	}
	if err := st.Migrate(ctx); err != nil {
		st.Close()
		return nil, nil, fmt.Errorf("migrate %s: %w", name, err)
	}
	svc, err := auth.New(st, auth.Options{Log: log})
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return svc, func() { st.Close() }, nil
}

// readPasswordFile returns the password in path, without the line break
// an editor or echo leaves at its end.
func readPasswordFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("read password: %w", err)
	}
	return strings.TrimRight(string(b), "\r\n"), nil
}

// newPassword reads the password file, or generates a password when there
// is none; generated reports which.
func newPassword(path string) (password string, generated bool, err error) {
	if path == "" {
		return auth.GeneratePassword(), true, nil
	}
	p, err := readPasswordFile(path)
	return p, false, err
}

// badUsage prints usage and returns the error (a usageError).
func badUsage(w io.Writer, usage, format string, args ...any) error {
	fmt.Fprint(w, usage)
	return usageError{fmt.Errorf(format, args...)}
}

// userCommand runs `registry user ...`.
func userCommand(ctx context.Context, cfg config.Registry, env Env, log *slog.Logger, args []string) error {
	if len(args) == 0 {
		return badUsage(env.Stderr, userUsage, "missing subcommand")
	}
	sub := args[0]
	fs := flag.NewFlagSet("registry user "+sub, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() { fmt.Fprint(env.Stderr, userUsage) }
	var roles, domains listFlag
	var username, name, email, department, passwordFile string
	switch sub {
	case "add":
		fs.StringVar(&username, "username", "", "username (a-z, 0-9, . _ @ -)")
		fs.StringVar(&name, "name", "", "display name")
		fs.StringVar(&email, "email", "", "e-mail address")
		fs.Var(&roles, "role", "role: onthaal, behandelaar or beheerder")
		fs.Var(&domains, "domain", "domains, comma-separated: gemeente, sociaalhuis")
		fs.StringVar(&department, "department", "", "department code")
		fs.StringVar(&passwordFile, "password-file", "", "file holding the password (default: generate one)")
	case "passwd":
		fs.StringVar(&passwordFile, "password-file", "", "file holding the password (default: generate one)")
	case "list", "disable", "enable":
	case "help", "-h", "-help", "--help":
		fmt.Fprint(env.Stdout, userUsage)
		return nil
	default:
		return badUsage(env.Stderr, userUsage, "unknown subcommand %q", sub)
	}
	rest, err := parseArgs(fs, args[1:])
	if errors.Is(err, flag.ErrHelp) {
		return nil // usage printed
	}
	if err != nil {
		return usageError{err}
	}
	wantArgs := 0
	if sub == "passwd" || sub == "disable" || sub == "enable" {
		wantArgs = 1
	}
	if len(rest) != wantArgs {
		return badUsage(env.Stderr, userUsage, "%s: want %d argument(s), got %q", sub, wantArgs, rest)
	}

	svc, closeStore, err := openAccounts(ctx, cfg, env, log)
	if err != nil {
		return err
	}
	defer closeStore()
	switch sub {
	case "add":
		password, generated, err := newPassword(passwordFile)
		if err != nil {
			return err
		}
		u, err := svc.AddUser(ctx, store.User{Username: username, DisplayName: name, Email: email,
			Roles: roles, Domains: domains, Department: department}, password)
		if err != nil {
			return fmt.Errorf("add user: %w", err)
		}
		fmt.Fprintf(env.Stdout, "user %s added: %s in %s\n", u.Username, strings.Join(u.Roles, ","), orNone(u.Domains))
		if generated {
			fmt.Fprintf(env.Stdout, "password (shown only now): %s\n", password)
		}
	case "list":
		users, err := svc.ListUsers(ctx)
		if err != nil {
			return fmt.Errorf("list users: %w", err)
		}
		tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "USERNAME\tNAME\tROLES\tDOMAINS\tDEPARTMENT\tPASSWORD\tSTATUS")
		for _, u := range users {
			status, local := "active", "yes"
			if u.Disabled {
				status = "disabled"
			}
			if u.PasswordHash == "" {
				local = "no"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", u.Username, orDash(u.DisplayName), strings.Join(u.Roles, ","),
				orNone(u.Domains), orDash(u.Department), local, status)
		}
		return tw.Flush()
	case "passwd":
		password, generated, err := newPassword(passwordFile)
		if err != nil {
			return err
		}
		if err := svc.SetPassword(ctx, rest[0], password); err != nil {
			return fmt.Errorf("set password: %w", err)
		}
		fmt.Fprintf(env.Stdout, "password of %s changed; their sessions are ended\n", auth.NormalizeUsername(rest[0]))
		if generated {
			fmt.Fprintf(env.Stdout, "password (shown only now): %s\n", password)
		}
	case "disable":
		if err := svc.DisableUser(ctx, rest[0]); err != nil {
			return fmt.Errorf("disable user: %w", err)
		}
		fmt.Fprintf(env.Stdout, "user %s disabled; their sessions are ended and their tokens no longer work\n", auth.NormalizeUsername(rest[0]))
	case "enable":
		u, err := svc.GetUser(ctx, rest[0])
		if err != nil {
			return fmt.Errorf("enable user: %w", err)
		}
		u.Disabled = false
		if err := svc.UpdateUser(ctx, u); err != nil {
			return fmt.Errorf("enable user: %w", err)
		}
		fmt.Fprintf(env.Stdout, "user %s enabled\n", u.Username)
	}
	return nil
}

// tokenCommand runs `registry token ...`.
func tokenCommand(ctx context.Context, cfg config.Registry, env Env, log *slog.Logger, args []string) error {
	if len(args) == 0 {
		return badUsage(env.Stderr, tokenUsage, "missing subcommand")
	}
	sub := args[0]
	fs := flag.NewFlagSet("registry token "+sub, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() { fmt.Fprint(env.Stderr, tokenUsage) }
	var roles, domains listFlag
	var name, username, department string
	var days int
	switch sub {
	case "add":
		fs.StringVar(&name, "name", "", "name of the token")
		fs.StringVar(&username, "user", "", "user the token acts for (default: an integration token)")
		fs.Var(&roles, "role", "role: onthaal, behandelaar or beheerder")
		fs.Var(&domains, "domain", "domains, comma-separated: gemeente, sociaalhuis")
		fs.StringVar(&department, "department", "", "department code of an integration")
		fs.IntVar(&days, "days", 0, "days until the token expires (0: never)")
	case "list", "revoke":
	case "help", "-h", "-help", "--help":
		fmt.Fprint(env.Stdout, tokenUsage)
		return nil
	default:
		return badUsage(env.Stderr, tokenUsage, "unknown subcommand %q", sub)
	}
	rest, err := parseArgs(fs, args[1:])
	if errors.Is(err, flag.ErrHelp) {
		return nil // usage printed
	}
	if err != nil {
		return usageError{err}
	}
	wantArgs := 0
	if sub == "revoke" {
		wantArgs = 1
	}
	if len(rest) != wantArgs {
		return badUsage(env.Stderr, tokenUsage, "%s: want %d argument(s), got %q", sub, wantArgs, rest)
	}
	var id int64
	if sub == "revoke" {
		if id, err = strconv.ParseInt(rest[0], 10, 64); err != nil || id <= 0 {
			return fmt.Errorf("revoke: token id %q: want the number `registry token list` shows", rest[0])
		}
	}
	if days < 0 {
		return fmt.Errorf("--days %d: want 0 (never) or more", days)
	}

	svc, closeStore, err := openAccounts(ctx, cfg, env, log)
	if err != nil {
		return err
	}
	defer closeStore()
	switch sub {
	case "add":
		nt := auth.NewToken{Name: name, Username: username, Roles: roles, Domains: domains, Department: department}
		if days > 0 {
			end := time.Now().Add(time.Duration(days) * 24 * time.Hour)
			nt.ExpiresAt = &end
		}
		secret, t, err := svc.CreateToken(ctx, nt)
		if err != nil {
			return fmt.Errorf("add token: %w", err)
		}
		owner := "integration"
		if t.Username != "" {
			owner = "user " + t.Username
		}
		fmt.Fprintf(env.Stderr, "token %d %q of %s created; it is shown only now:\n", t.ID, t.Name, owner)
		fmt.Fprintln(env.Stdout, secret)
	case "list":
		tokens, err := svc.ListTokens(ctx)
		if err != nil {
			return fmt.Errorf("list tokens: %w", err)
		}
		now := time.Now()
		tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tOWNER\tROLES\tDOMAINS\tCREATED\tLAST USED\tEXPIRES\tSTATUS")
		for _, t := range tokens {
			owner, roles, domains := "(integration)", strings.Join(t.Roles, ","), strings.Join(t.Domains, ",")
			if t.Username != "" {
				owner = t.Username
				// A user token without grants of its own has its user's.
				roles, domains = orUsers(roles), orUsers(domains)
			}
			status := "active"
			switch {
			case t.RevokedAt != nil:
				status = "revoked " + t.RevokedAt.Local().Format(time.DateOnly)
			case t.ExpiresAt != nil && !now.Before(*t.ExpiresAt):
				status = "expired"
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, owner, roles, domains, t.CreatedAt.Local().Format(time.DateOnly), day(t.LastUsedAt),
				day(t.ExpiresAt), status)
		}
		return tw.Flush()
	case "revoke":
		if err := svc.RevokeToken(ctx, id); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("revoke: no token %d", id)
			}
			return fmt.Errorf("revoke token: %w", err)
		}
		fmt.Fprintf(env.Stdout, "token %d revoked\n", id)
	}
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func orUsers(s string) string {
	if s == "" {
		return "(user's)"
	}
	return s
}

func orNone(domains []string) string {
	if len(domains) == 0 {
		return "(no domain)"
	}
	return strings.Join(domains, ",")
}

func day(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.Local().Format(time.DateOnly)
}
