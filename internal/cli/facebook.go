package cli

import (
	"context"
	"flag"
	"fmt"

	"github.com/meldpunt/meldpunt/internal/bus"
	"github.com/meldpunt/meldpunt/internal/caseevent"
	"github.com/meldpunt/meldpunt/internal/config"
	"github.com/meldpunt/meldpunt/internal/ingest"
	"github.com/meldpunt/meldpunt/internal/ingest/facebook"
	"github.com/meldpunt/meldpunt/internal/ingest/facebook/graph"
	"github.com/meldpunt/meldpunt/internal/ingest/facebook/webhook"
)

const facebookUsage = `usage: ingest-facebook [-config FILE]

Captures the configured Facebook pages (Messenger conversations, visitor
posts and comments) through the Graph API, and, when enabled, receives
webhooks. Settings: -config FILE (TOML, see configs/ingest-facebook.toml),
MELDPUNT_NATS_URL and MELDPUNT_HTTP_ADDR.
`

// IngestFacebook runs the Facebook connector and returns the exit code.
func IngestFacebook(ctx context.Context, args []string, env Env) int {
	fs := flag.NewFlagSet("ingest-facebook", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() { fmt.Fprint(env.Stderr, facebookUsage) }
	configPath := fs.String("config", "", "configuration file (TOML)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 && fs.Arg(0) != "serve" {
		fs.Usage()
		return 2
	}
	cfg, err := config.LoadFacebook(*configPath, env.Getenv)
	if err != nil {
		fmt.Fprintln(env.Stderr, "ingest-facebook:", err)
		return 2
	}
	if err := facebookServe(ctx, cfg, env); err != nil {
		fmt.Fprintln(env.Stderr, "ingest-facebook:", err)
		return 1
	}
	return 0
}

func facebookServe(ctx context.Context, cfg config.Facebook, env Env) error {
	log := newLogger(env.Stderr, cfg.Log)
	appSecret, err := cfg.AppSecret.Resolve(env.Getenv)
	if err != nil {
		return fmt.Errorf("app_secret: %w", err)
	}
	var sources []facebook.Source
	for _, p := range cfg.Pages {
		client, err := graph.New(graph.Config{
			BaseURL: cfg.GraphURL, Version: cfg.APIVersion, AppID: cfg.AppID, AppSecret: appSecret, Timeout: cfg.Timeout,
			ConversationsRate: cfg.ConversationsRate,
		})
		if err != nil {
			return fmt.Errorf("page %s: %w", p.ID, err)
		}
		secret := p.Token
		origin := "the environment variable " + secret.Env
		if secret.File != "" {
			origin = "the file " + secret.File
		}
		sources = append(sources, facebook.Source{
			Page:        facebook.Page{ID: p.ID, Inbox: p.Inbox, Domain: caseevent.Domain(p.Domain)},
			Graph:       client,
			Token:       func() (string, error) { return secret.Resolve(env.Getenv) },
			TokenOrigin: origin,
		})
	}
	b, err := connectorBus(ctx, cfg.NATS, bus.RoleIngestFacebook, "meldpunt-ingest-facebook", env, log)
	if err != nil {
		return err
	}
	defer b.Close()
	health := ingest.NewHealth()
	metrics := ingest.NewMetrics("facebook")
	poller := facebook.NewPoller(b, health, metrics, facebook.Options{
		PollInterval: cfg.PollInterval, Overlap: cfg.Overlap, CommentDays: cfg.CommentDays, AttachmentLimit: cfg.AttachmentLimit,
	}, log)

	var routes []ingest.Route
	if cfg.Webhook.Enabled {
		verify, err := cfg.Webhook.VerifyToken.Resolve(env.Getenv)
		if err != nil {
			return fmt.Errorf("webhook.verify_token: %w", err)
		}
		routes = append(routes, ingest.Route{Pattern: cfg.Webhook.Path, Handler: webhook.New(webhook.Config{
			VerifyToken: func() string { return verify },
			AppSecret:   func() string { return appSecret },
		}, poller.Pushed(sources), log)})
	}
	log.Info("ingest-facebook running", "pages", len(sources), "webhook", cfg.Webhook.Enabled)
	return runConnector(ctx, cfg.HTTP.Addr, health, metrics,
		ingest.NewReporter(b, ingest.ReportConfig{Connector: "facebook", Channel: caseevent.ChannelFacebook}, health, log), log,
		func(ctx context.Context) { poller.Run(ctx, sources) }, routes...)
}
