package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/meldpunt/meldpunt/internal/bus"
	"github.com/meldpunt/meldpunt/internal/caseevent"
	"github.com/meldpunt/meldpunt/internal/config"
	"github.com/meldpunt/meldpunt/internal/ingest"
	"github.com/meldpunt/meldpunt/internal/ingest/imap"
	"github.com/meldpunt/meldpunt/internal/ingest/mailevent"
	"github.com/meldpunt/meldpunt/internal/ingest/mailimport"
	"github.com/meldpunt/meldpunt/internal/ingest/mailsync"
)

const mailUsage = `usage: ingest-mail [-config FILE] [serve]
       ingest-mail [-config FILE] import --inbox NAME --domain gemeente|sociaalhuis [--direction outgoing] PATH...

serve   capture the configured mailboxes (IMAP) until stopped
import  publish .eml files, mbox files and Maildir folders (backfilling archives);
        importing again is safe: the registry registers every message once

settings: -config FILE (TOML, see configs/ingest-mail.toml), MELDPUNT_NATS_URL
and MELDPUNT_HTTP_ADDR.
`

// IngestMail runs the mail connector's command line and returns the exit code.
func IngestMail(ctx context.Context, args []string, env Env) int {
	fs := flag.NewFlagSet("ingest-mail", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() { fmt.Fprint(env.Stderr, mailUsage) }
	configPath := fs.String("config", "", "configuration file (TOML)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	rest := fs.Args()
	cmd := "serve"
	if len(rest) > 0 {
		cmd, rest = rest[0], rest[1:]
	}
	var err error
	switch cmd {
	case "serve":
		err = mailServe(ctx, *configPath, env)
	case "import":
		err = mailImport(ctx, *configPath, rest, env)
	default:
		fmt.Fprintf(env.Stderr, "ingest-mail: unknown command %q\n\n", cmd)
		fs.Usage()
		return 2
	}
	var usage usageError
	if errors.As(err, &usage) {
		fmt.Fprintln(env.Stderr, "ingest-mail "+cmd+":", err)
		return 2
	}
	if err != nil {
		fmt.Fprintln(env.Stderr, "ingest-mail "+cmd+":", err)
		return 1
	}
	return 0
}

type usageError struct{ error }

// caseRefPattern is the configured pattern, or the registry's own
// (MP-YYYY-NNNNNN, tolerant of case and spaces).
func caseRefPattern(configured string) *regexp.Regexp {
	if configured == "" {
		return caseevent.CaseRefPattern("MP")
	}
	return regexp.MustCompile(configured) // validated by config
}

// runConnector runs a connector's work until ctx ends, with its HTTP
// listener (health, metrics, and routes such as webhooks) beside it. When
// the listener fails — its address taken — the work stops too, and the
// error is returned. Work in hand is finished by run before it returns.
// rep reports the sources' health to the registry meanwhile, and that the
// connector stopped.
func runConnector(ctx context.Context, addr string, h *ingest.Health, m *ingest.Metrics, rep *ingest.Reporter, log *slog.Logger,
	run func(ctx context.Context), routes ...ingest.Route) error {
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	httpCtx, stopHTTP := context.WithCancel(context.WithoutCancel(ctx))
	defer stopHTTP()
	httpErr := make(chan error, 1)
	go func() {
		err := ingest.Serve(httpCtx, addr, h, m, log, nil, routes...)
		if err != nil {
			stop()
		}
		httpErr <- err
	}()
	reported := make(chan struct{})
	go func() {
		defer close(reported)
		rep.Run(runCtx)
	}()
	run(runCtx)
	stop() // the reporter writes its last report
	<-reported
	stopHTTP()
	return <-httpErr
}

// connectorBus connects a connector to NATS as role and checks that the
// registry set up the stream and buckets: a connector creates nothing.
func connectorBus(ctx context.Context, n config.NATS, role bus.Role, name string, env Env, log *slog.Logger) (*bus.Bus, error) {
	password, err := n.Password.Resolve(env.Getenv)
	if err != nil {
		return nil, fmt.Errorf("nats.password: %w", err)
	}
	token, err := n.Token.Resolve(env.Getenv)
	if err != nil {
		return nil, fmt.Errorf("nats.token: %w", err)
	}
	b, err := bus.Connect(ctx, bus.Config{
		URL: n.URL, Name: name, User: n.User, Password: password, Token: token,
		CredsFile: n.CredsFile, NKeySeedFile: n.NKeySeedFile, InboxPrefix: role.InboxPrefix(),
		CAFile: n.CAFile, CertFile: n.CertFile, KeyFile: n.KeyFile,
	}, log)
	if err != nil {
		return nil, fmt.Errorf("connect to NATS: %w", err)
	}
	if err := b.Lookup(ctx); err != nil {
		b.Close()
		return nil, fmt.Errorf("JetStream: %w", err)
	}
	return b, nil
}

func mailServe(ctx context.Context, path string, env Env) error {
	cfg, err := config.LoadMail(path, env.Getenv, true)
	if err != nil {
		return usageError{err}
	}
	log := newLogger(env.Stderr, cfg.Log)
	mailboxes, err := resolveMailboxes(ctx, cfg, env)
	if err != nil {
		return usageError{err}
	}
	b, err := connectorBus(ctx, cfg.NATS, bus.RoleIngestMail, "meldpunt-ingest-mail", env, log)
	if err != nil {
		return err
	}
	defer b.Close()
	health := ingest.NewHealth()
	metrics := ingest.NewMetrics("mail")
	syncer := mailsync.New(b, health, metrics, mailsync.Options{
		MaxMessageSize: cfg.MaxMessageSize, CaseRef: caseRefPattern(cfg.CaseRefPattern),
		PollInterval: cfg.PollInterval,
	}, log)
	log.Info("ingest-mail running", "mailboxes", len(mailboxes))
	if err := runConnector(ctx, cfg.HTTP.Addr, health, metrics,
		ingest.NewReporter(b, ingest.ReportConfig{Connector: "mail", Channel: caseevent.ChannelEmail}, health, log), log,
		func(ctx context.Context) { syncer.Run(ctx, mailboxes) }); err != nil {
		return err
	}
	log.Info("ingest-mail stopped")
	return nil
}

func resolveMailboxes(ctx context.Context, cfg config.Mail, env Env) ([]mailsync.Mailbox, error) {
	var out []mailsync.Mailbox
	var errs []error
	for _, m := range cfg.Mailboxes {
		mb := mailsync.Mailbox{
			Inbox: m.Inbox, Domain: caseevent.Domain(m.Domain),
			IMAP: imap.Config{Host: m.Host, Port: m.Port, Security: imap.Security(m.Security),
				Auth: imap.Auth{Method: m.Auth.Method, Username: m.Auth.Username}},
			After: m.After, FlagKeyword: m.FlagKeyword, MoveTo: m.MoveTo,
		}
		if m.Since != "" {
			mb.Since, _ = time.Parse(time.DateOnly, m.Since) // validated by config
		}
		for _, f := range m.Folders {
			mb.Folders = append(mb.Folders, mailsync.Folder{Name: f, Direction: caseevent.DirectionIncoming})
		}
		for _, f := range m.SentFolders {
			mb.Folders = append(mb.Folders, mailsync.Folder{Name: f, Direction: caseevent.DirectionOutgoing})
		}
		switch m.Auth.Method {
		case "xoauth2":
			if m.Auth.Token.IsSet() {
				mb.IMAP.Auth.TokenSource = secretTokenSource{secret: m.Auth.Token, getenv: env.Getenv}
				break
			}
			secret, err := m.Auth.ClientSecret.Resolve(env.Getenv)
			if err != nil {
				errs = append(errs, fmt.Errorf("mailbox %q: auth.client_secret: %w", m.Inbox, err))
				continue
			}
			if m.Auth.TokenURL != "" {
				mb.IMAP.Auth.TokenSource = imap.ClientCredentialsTokenSource(ctx, m.Auth.TokenURL, m.Auth.ClientID, secret, imap.MicrosoftIMAPScope)
			} else {
				mb.IMAP.Auth.TokenSource = imap.MicrosoftTokenSource(ctx, m.Auth.Tenant, m.Auth.ClientID, secret)
			}
		default:
			pw, err := m.Auth.Password.Resolve(env.Getenv)
			if err != nil {
				errs = append(errs, fmt.Errorf("mailbox %q: auth.password: %w", m.Inbox, err))
				continue
			}
			mb.IMAP.Auth.Password = pw
		}
		out = append(out, mb)
	}
	return out, errors.Join(errs...)
}

func mailImport(ctx context.Context, path string, args []string, env Env) error {
	fs := flag.NewFlagSet("ingest-mail import", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	inbox := fs.String("inbox", "", "inbox name the messages belong to (e.g. gemeentebestuur)")
	domain := fs.String("domain", "", "gemeente or sociaalhuis")
	direction := fs.String("direction", "incoming", "incoming, or outgoing for an export of a sent folder")
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	var problems []string
	if *inbox == "" || caseevent.SafeToken(*inbox) != *inbox {
		problems = append(problems, "--inbox NAME is required (lower-case letters, digits, '-' or '_')")
	}
	if *domain != string(caseevent.DomainGemeente) && *domain != string(caseevent.DomainSociaalhuis) {
		problems = append(problems, "--domain must be gemeente or sociaalhuis")
	}
	if *direction != string(caseevent.DirectionIncoming) && *direction != string(caseevent.DirectionOutgoing) {
		problems = append(problems, "--direction must be incoming or outgoing")
	}
	if fs.NArg() == 0 {
		problems = append(problems, "name at least one .eml file, mbox file or Maildir folder")
	}
	if len(problems) > 0 {
		return usageError{errors.New(strings.Join(problems, "; "))}
	}
	cfg, err := config.LoadMail(path, env.Getenv, false)
	if err != nil {
		return usageError{err}
	}
	log := newLogger(env.Stderr, cfg.Log)
	b, err := connectorBus(ctx, cfg.NATS, bus.RoleIngestMail, "meldpunt-ingest-mail-import", env, log)
	if err != nil {
		return err
	}
	defer b.Close()
	sum, err := mailimport.Import(ctx, b, fs.Args(), mailimport.Options{
		Source:         mailevent.Source{Inbox: *inbox, Domain: caseevent.Domain(*domain), Direction: caseevent.Direction(*direction)},
		Build:          mailevent.Options{CaseRef: caseRefPattern(cfg.CaseRefPattern)},
		MaxMessageSize: cfg.MaxMessageSize,
		Progress:       env.Stderr,
	})
	fmt.Fprintln(env.Stdout, sum.String())
	for _, f := range sum.Failed {
		fmt.Fprintf(env.Stderr, "  %s: %s\n", f.Where, f.Err)
	}
	if more := sum.Errors - len(sum.Failed); more > 0 {
		fmt.Fprintf(env.Stderr, "  ... and %d more\n", more)
	}
	if err != nil {
		return err
	}
	if sum.Errors > 0 {
		return fmt.Errorf("%d messages or files could not be imported (listed above)", sum.Errors)
	}
	return nil
}

// secretTokenSource reads a bearer token from its file or variable at every
// login, so that a token refreshed by another program is always current.
type secretTokenSource struct {
	secret config.Secret
	getenv func(string) string
}

func (s secretTokenSource) Token() (*oauth2.Token, error) {
	v, err := s.secret.Resolve(s.getenv)
	if err != nil {
		return nil, fmt.Errorf("read the XOAUTH2 token: %w", err)
	}
	return &oauth2.Token{AccessToken: v, TokenType: "Bearer"}, nil
}
