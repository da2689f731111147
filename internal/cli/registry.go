// Package cli holds the commands of the meldpunt binaries, so that the
// mains under cmd/ stay wiring only and the commands can be tested.
package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/meldpunt/meldpunt/internal/auth"
	"github.com/meldpunt/meldpunt/internal/bus"
	"github.com/meldpunt/meldpunt/internal/config"
	"github.com/meldpunt/meldpunt/internal/intake"
	"github.com/meldpunt/meldpunt/internal/registry"
	"github.com/meldpunt/meldpunt/internal/registry/api"
	"github.com/meldpunt/meldpunt/internal/registry/casework"
	"github.com/meldpunt/meldpunt/internal/registry/deadline"
	"github.com/meldpunt/meldpunt/internal/registry/privacy"
	"github.com/meldpunt/meldpunt/internal/registry/routing"
	"github.com/meldpunt/meldpunt/internal/registry/store"
	"github.com/meldpunt/meldpunt/internal/registry/store/postgres"
	"github.com/meldpunt/meldpunt/internal/registry/store/sqlite"
	"github.com/meldpunt/meldpunt/internal/web"
)

// Env is what a command gets from its process.
type Env struct {
	Stdout, Stderr io.Writer
	Getenv         func(string) string
}

// OSEnv is the environment of the running process.
func OSEnv() Env { return Env{Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv} }

const registryUsage = `usage: registry [-config FILE] <command> [flags]

commands:
  serve          consume case events, store them and serve the HTTP API
  migrate        apply database migrations and exit
  stats [--json] print what the store holds
  reroute --since YYYY-MM-DD
                 apply the routing rules again to open cases no person
                 has touched yet (after the rules changed)
  user add|list|passwd|disable|enable
                 manage the staff's local accounts (registry user help)
  token add|list|revoke
                 manage API tokens of users and integrations
                 (registry token help)
  purge [--dry-run]
                 purge the personal data of cases closed longer ago than
                 [retention] allows, as serve does daily (--dry-run: only
                 report what would be purged)
  nats-accounts [-nkeys DIR] [-admin]
                 print the NATS users of the meldpunt processes, each
                 allowed only what it needs (registry nats-accounts -h)

settings: -config FILE (TOML, see configs/registry.toml) and the environment
variables MELDPUNT_DATABASE_URL, MELDPUNT_NATS_URL, MELDPUNT_HTTP_ADDR,
MELDPUNT_NATS_LISTEN and MELDPUNT_DATA_DIR.
`

// Registry runs the registry command line and returns the exit code.
func Registry(ctx context.Context, args []string, env Env) int {
	fs := flag.NewFlagSet("registry", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() { fmt.Fprint(env.Stderr, registryUsage) }
	configPath := fs.String("config", "", "configuration file (TOML)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	rest := fs.Args()
	if len(rest) == 0 {
		fs.Usage()
		return 2
	}
	cmd, cmdArgs := rest[0], rest[1:]
	if cmd == "nats-accounts" { // needs no configuration
		return natsAccounts(cmdArgs, env)
	}
	sub := flag.NewFlagSet("registry "+cmd, flag.ContinueOnError)
	sub.SetOutput(env.Stderr)
	subConfig := sub.String("config", "", "configuration file (TOML)")
	asJSON := false
	if cmd == "stats" {
		sub.BoolVar(&asJSON, "json", false, "print JSON")
	}
	dryRun := false
	if cmd == "purge" {
		sub.BoolVar(&dryRun, "dry-run", false, "report what would be purged, change nothing")
	}
	since := ""
	if cmd == "reroute" {
		sub.StringVar(&since, "since", "", "cases opened from this date (YYYY-MM-DD)")
	}
	if err := sub.Parse(cmdArgs); err != nil {
		return 2
	}
	if *subConfig != "" {
		*configPath = *subConfig
	}
	cfg, err := config.Load(*configPath, env.Getenv)
	if err != nil {
		fmt.Fprintln(env.Stderr, "registry:", err)
		return 2
	}
	log := newLogger(env.Stderr, cfg.Log)
	switch cmd {
	case "serve":
		err = serve(ctx, cfg, env, log)
	case "migrate":
		err = migrate(ctx, cfg, env, log)
	case "stats":
		err = stats(ctx, cfg, env, log, asJSON)
	case "reroute":
		err = reroute(ctx, cfg, env, log, since)
	case "purge":
		err = purge(ctx, cfg, env, log, dryRun)
	case "user":
		err = userCommand(ctx, cfg, env, log, sub.Args())
	case "token":
		err = tokenCommand(ctx, cfg, env, log, sub.Args())
	default:
		fmt.Fprintf(env.Stderr, "registry: unknown command %q\n\n", cmd)
		fs.Usage()
		return 2
	}
	if err != nil {
		fmt.Fprintln(env.Stderr, "registry "+cmd+":", err)
		return 1
	}
	return 0
}

func newLogger(w io.Writer, c config.Log) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(c.Level)) // validated by config
	opts := &slog.HandlerOptions{Level: level}
	if c.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// openStore opens the configured store: PostgreSQL when a URL is set,
// otherwise SQLite under the data directory.
func openStore(ctx context.Context, cfg config.Registry, env Env, log *slog.Logger) (store.Store, string, error) {
	dsn, err := cfg.DatabaseURL(env.Getenv)
	if err != nil {
		return nil, "", err
	}
	if dsn != "" {
		st, err := postgres.Open(ctx, dsn, log)
		if err != nil {
			return nil, "", fmt.Errorf("open PostgreSQL: %w", err)
		}
		return st, "postgresql", nil
	}
	path := cfg.SQLitePath()
	st, err := sqlite.Open(ctx, path, log)
	if err != nil {
		return nil, "", fmt.Errorf("open SQLite %s: %w", path, err)
	}
	return st, "sqlite " + path, nil
}

func migrate(ctx context.Context, cfg config.Registry, env Env, log *slog.Logger) error {
	st, name, err := openStore(ctx, cfg, env, log)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		return fmt.Errorf("migrate %s: %w", name, err)
	}
	fmt.Fprintf(env.Stdout, "%s is up to date\n", name)
	return nil
}

func stats(ctx context.Context, cfg config.Registry, env Env, log *slog.Logger, asJSON bool) error {
	st, name, err := openStore(ctx, cfg, env, log)
	if err != nil {
		return err
	}
	defer st.Close()
	s, err := st.Stats(ctx)
	if err != nil {
		return fmt.Errorf("read stats from %s (run `registry migrate` on a new database): %w", name, err)
	}
	if s.ByChannel == nil {
		s.ByChannel = map[string]int64{}
	}
	if asJSON {
		enc := json.NewEncoder(env.Stdout)
		return enc.Encode(s)
	}
	fmt.Fprintf(env.Stdout, "store:       %s\nmessages:    %d\ncases:       %d\nquarantined: %d\nobjects:     %d\n",
		name, s.Messages, s.Cases, s.Quarantined, s.Blobs)
	channels := make([]string, 0, len(s.ByChannel))
	for c := range s.ByChannel {
		channels = append(channels, c)
	}
	sort.Strings(channels)
	for _, c := range channels {
		fmt.Fprintf(env.Stdout, "  %-10s %d\n", c, s.ByChannel[c])
	}
	return nil
}

func reroute(ctx context.Context, cfg config.Registry, env Env, log *slog.Logger, since string) error {
	day, err := time.Parse(time.DateOnly, since)
	if err != nil {
		return fmt.Errorf("--since %q: want YYYY-MM-DD", since)
	}
	if cfg.Cases.RoutingFile == "" {
		return errors.New("no [cases] routing_file configured: there are no rules to apply")
	}
	rules, err := routing.Load(cfg.Cases.RoutingFile)
	if err != nil {
		return fmt.Errorf("routing rules: %w", err)
	}
	deadlines, err := loadDeadlines(cfg)
	if err != nil {
		return err
	}
	st, name, err := openStore(ctx, cfg, env, log)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		return fmt.Errorf("migrate %s: %w", name, err)
	}
	loc, _ := time.LoadLocation(cfg.Cases.TimeZone) // validated by config
	n, err := registry.Reroute(ctx, st, rules, deadlines, time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, loc), loc)
	if err != nil {
		return fmt.Errorf("reroute: %w", err)
	}
	fmt.Fprintf(env.Stdout, "%d cases routed again\n", n)
	return nil
}

func loadDeadlines(cfg config.Registry) (*deadline.Policy, error) {
	if cfg.Cases.DeadlinesFile == "" {
		return deadline.DefaultPolicy(), nil
	}
	data, err := os.ReadFile(cfg.Cases.DeadlinesFile)
	if err != nil {
		return nil, fmt.Errorf("deadlines: %w", err)
	}
	p, err := deadline.ParsePolicy(data)
	if err != nil {
		return nil, fmt.Errorf("deadlines %s: %w", cfg.Cases.DeadlinesFile, err)
	}
	return p, nil
}

func serve(ctx context.Context, cfg config.Registry, env Env, log *slog.Logger) error {
	// Rules first: a rules file that does not parse stops the start.
	var err error
	var rules *routing.Rules
	if cfg.Cases.RoutingFile != "" {
		if rules, err = routing.Load(cfg.Cases.RoutingFile); err != nil {
			return fmt.Errorf("routing rules: %w", err)
		}
		log.Info("routing rules loaded", "file", cfg.Cases.RoutingFile, "departments", len(rules.Departments()))
	}
	deadlines, err := loadDeadlines(cfg)
	if err != nil {
		return err
	}
	st, name, err := openStore(ctx, cfg, env, log)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		return fmt.Errorf("migrate %s: %w", name, err)
	}
	log.Info("store ready", "store", name)

	natsURL := cfg.NATS.URL
	if natsURL == "" {
		emb, err := startEmbeddedNATS(ctx, cfg, log)
		if err != nil {
			return err
		}
		defer emb.Shutdown()
		natsURL = emb.ClientURL()
	}
	password, err := cfg.NATS.Password.Resolve(env.Getenv)
	if err != nil {
		return fmt.Errorf("nats.password: %w", err)
	}
	token, err := cfg.NATS.Token.Resolve(env.Getenv)
	if err != nil {
		return fmt.Errorf("nats.token: %w", err)
	}
	b, err := bus.Connect(ctx, bus.Config{
		URL: natsURL, Name: "meldpunt-registry",
		User: cfg.NATS.User, Password: password, Token: token,
		CredsFile: cfg.NATS.CredsFile, NKeySeedFile: cfg.NATS.NKeySeedFile,
		InboxPrefix: bus.RoleRegistry.InboxPrefix(),
		CAFile:      cfg.NATS.CAFile, CertFile: cfg.NATS.CertFile, KeyFile: cfg.NATS.KeyFile,
		Replicas: cfg.NATS.Replicas, DuplicateWindow: cfg.NATS.DuplicateWindow,
		StreamMaxAge: cfg.NATS.StreamMaxAge,
	}, log)
	if err != nil {
		return fmt.Errorf("connect to NATS: %w", err)
	}
	defer b.Close()
	if err := b.Ensure(ctx); err != nil {
		return fmt.Errorf("set up JetStream: %w", err)
	}
	if err := b.EnsureSources(ctx); err != nil {
		return fmt.Errorf("set up JetStream: %w", err)
	}
	cons, err := b.Consumer(ctx, bus.ConsumerConfig{Durable: cfg.Consumer.Durable, AckWait: cfg.Consumer.AckWait})
	if err != nil {
		return fmt.Errorf("set up consumer: %w", err)
	}

	loc, _ := time.LoadLocation(cfg.Cases.TimeZone) // validated by config
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	metrics := registry.NewMetrics(reg)
	deadlineGauge := func(pick func(store.Deadlines) int64) func() float64 {
		return func() float64 {
			ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			now := time.Now()
			d, err := st.CountDeadlines(ctx, now, now.Add(api.DueSoon))
			if err != nil {
				log.Warn("count deadlines for /metrics", "error", err)
				return math.NaN()
			}
			return float64(pick(d))
		}
	}
	reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "meldpunt_cases_overdue",
			Help: "Open cases whose answer is overdue."}, deadlineGauge(func(d store.Deadlines) int64 { return d.Overdue })),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "meldpunt_cases_due_soon",
			Help: "Open cases whose answer is due within 72 hours."}, deadlineGauge(func(d store.Deadlines) int64 { return d.DueSoon })),
	)
	r := registry.New(st, b, registry.Config{
		CasePrefix: cfg.Cases.Prefix, Location: loc, BatchSize: cfg.Consumer.BatchSize,
		FetchWait: cfg.Consumer.FetchWait, MaxDeliveries: cfg.Consumer.MaxDeliveries,
		MaxBatchBytes: cfg.Consumer.MaxBatchBytes, Routing: rules, Deadlines: deadlines,
		RepeatWindow:          days(cfg.Cases.RepeatWindowDays),
		RelatedWindow:         days(cfg.Cases.RelatedWindowDays),
		SuggestComplaintAfter: days(cfg.Cases.SuggestComplaintAfterDays),
	}, metrics, log)

	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, req *http.Request) {
		ctx, cancel := context.WithTimeout(req.Context(), 3*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		// Which part is not ready, not why: the errors name hosts and
		// users, and the endpoint is reachable without signing in. The
		// log says why.
		var problems []string
		if err := st.Ping(ctx); err != nil {
			log.Warn("readyz: the store does not answer", "error", err)
			problems = append(problems, "store: not ready")
		}
		if err := b.Ready(ctx); err != nil {
			log.Warn("readyz: NATS does not answer", "error", err)
			problems = append(problems, "nats: not ready")
		}
		if len(problems) > 0 {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, strings.Join(problems, "\n"))
			return
		}
		fmt.Fprintln(w, "ready")
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	authSvc, err := auth.New(st, auth.Options{InsecureCookie: cfg.HTTP.InsecureCookies, Log: log})
	if err != nil {
		return fmt.Errorf("set up sign-in: %w", err)
	}
	if cfg.Auth.OIDC.Enabled() {
		oidcLogin, err := newOIDCLogin(ctx, cfg.Auth.OIDC, env, authSvc)
		if err != nil {
			return fmt.Errorf("set up sign-in through OpenID Connect: %w", err)
		}
		oidcLogin.Register(mux)
		log.Info("sign-in through OpenID Connect", "issuer", cfg.Auth.OIDC.Issuer)
	}
	cwOpts := casework.Options{Location: loc, Deadlines: deadlines, CasePrefix: cfg.Cases.Prefix}
	if rules != nil {
		cwOpts.Departments = rules.Departments()
	}
	cw := casework.New(st, cwOpts)
	ib := intake.New(b) // front-desk registrations, quarantine retries, source reports
	api.New(st, cw, log).WithIntake(ib).WithRepublisher(ib).WithSources(ib).Register(mux)
	ui, err := web.New(web.Options{Store: st, Casework: cw, Auth: authSvc, Log: log, InsecureCookies: cfg.HTTP.InsecureCookies,
		OIDC: cfg.Auth.OIDC.Enabled(), Intake: ib, Republisher: ib, Sources: ib,
		ClientIP: web.ForwardedClientIP(cfg.HTTP.TrustedProxyPrefixes())})
	if err != nil {
		return err
	}
	ui.Register(mux)

	ln, err := net.Listen("tcp", cfg.HTTP.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s (set MELDPUNT_HTTP_ADDR to choose another address): %w", cfg.HTTP.Addr, err)
	}
	srv := &http.Server{Handler: http.MaxBytesHandler(auth.Middleware(authSvc)(mux), maxRequestBody), ReadHeaderTimeout: 10 * time.Second}
	log.Info("http listening", "addr", ln.Addr().String())

	var wg sync.WaitGroup
	httpErr := make(chan error, 1)
	wg.Go(func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			httpErr <- err
		}
	})
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	wg.Go(func() {
		if err := r.Run(runCtx, cons); err != nil {
			log.Error("consume loop stopped", "error", err)
		}
	})
	wg.Go(func() { privacy.NewJob(st, retention(cfg), log, nil).Run(runCtx) })
	wg.Go(func() { registry.KeepSearchIndex(runCtx, st, 5*time.Second, log) })
	log.Info("registry running", "nats", natsURL, "durable", cfg.Consumer.Durable)

	var runErr error
	select {
	case <-ctx.Done():
		log.Info("shutting down")
	case runErr = <-httpErr:
		runErr = fmt.Errorf("http server: %w", runErr)
	}
	stop()
	shutCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil {
		log.Warn("http shutdown", "error", err)
	}
	wg.Wait()
	return runErr
}

func startEmbeddedNATS(ctx context.Context, cfg config.Registry, log *slog.Logger) (*bus.Embedded, error) {
	host, portStr, _ := net.SplitHostPort(cfg.NATS.EmbeddedListen) // validated by config
	var port int
	if _, err := fmt.Sscan(portStr, &port); err != nil {
		return nil, fmt.Errorf("nats.embedded_listen %q: bad port", cfg.NATS.EmbeddedListen)
	}
	if port == 0 {
		port = -1 // a free port
	}
	emb, err := bus.StartEmbedded(ctx, bus.EmbeddedConfig{
		Host: host, Port: port, StoreDir: cfg.NATSStoreDir(), ServerName: "meldpunt-embedded",
	}, log)
	if errors.Is(err, bus.ErrPortInUse) {
		return nil, fmt.Errorf("cannot start the embedded NATS server: %s is already in use. "+
			"To use the NATS server that listens there, set MELDPUNT_NATS_URL=nats://%s; "+
			"to run the embedded server on another address, set MELDPUNT_NATS_LISTEN (for example 127.0.0.1:4223): %w",
			cfg.NATS.EmbeddedListen, cfg.NATS.EmbeddedListen, err)
	}
	if err != nil {
		return nil, fmt.Errorf("start the embedded NATS server: %w", err)
	}
	log.Info("embedded NATS server started", "url", emb.ClientURL(), "store", cfg.NATSStoreDir())
	return emb, nil
}

// days is n days as a duration.
func days(n int) time.Duration { return time.Duration(n) * 24 * time.Hour }

// newOIDCLogin is the sign-in through the configured OpenID Connect
// provider. A provider that cannot be reached now is tried again at the
// first sign-in.
func newOIDCLogin(ctx context.Context, c config.OIDC, env Env, svc *auth.Service) (*auth.OIDC, error) {
	secret, err := c.ClientSecret.Resolve(env.Getenv)
	if err != nil {
		return nil, fmt.Errorf("auth.oidc.client_secret: %w", err)
	}
	roles := make(map[string]auth.Role, len(c.Roles))
	for value, role := range c.Roles {
		roles[value] = auth.Role(role)
	}
	return auth.NewOIDC(ctx, svc, auth.OIDCConfig{
		Issuer: c.Issuer, ClientID: c.ClientID, ClientSecret: secret, RedirectURL: c.RedirectURL,
		Scopes: c.Scopes, UsernameClaim: c.UsernameClaim, Roles: roles, Domains: c.Domains,
		DepartmentClaim: c.DepartmentClaim, Departments: c.Departments,
		HTTPClient: &http.Client{Timeout: 30 * time.Second},
	})
}

// maxRequestBody bounds every request body, before anything reads it (the
// CSRF check of a form reads the whole form): a front-desk registration
// takes at most 50 MiB of files.
const maxRequestBody = 64 << 20
