package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/meldpunt/meldpunt/internal/bus"
	"github.com/meldpunt/meldpunt/internal/caseevent"
	"github.com/meldpunt/meldpunt/internal/config"
	"github.com/meldpunt/meldpunt/internal/ingest"
	"github.com/meldpunt/meldpunt/internal/ingest/eloket"
	"github.com/meldpunt/meldpunt/internal/ingest/eloket/jsonapi"
	"github.com/meldpunt/meldpunt/internal/ingest/eloket/open311"
)

const eloketUsage = `usage: ingest-eloket [-config FILE]

Captures every e-loket submission: polled from Open311 (GeoReport v2)
servers or any JSON API, or received on signed webhooks. Settings: -config
FILE (TOML, see configs/ingest-eloket.toml), MELDPUNT_NATS_URL and
MELDPUNT_HTTP_ADDR.
`

// IngestEloket runs the e-loket connector and returns the exit code.
func IngestEloket(ctx context.Context, args []string, env Env) int {
	fs := flag.NewFlagSet("ingest-eloket", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() { fmt.Fprint(env.Stderr, eloketUsage) }
	configPath := fs.String("config", "", "configuration file (TOML)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 && fs.Arg(0) != "serve" {
		fs.Usage()
		return 2
	}
	cfg, err := config.LoadEloket(*configPath, env.Getenv)
	if err != nil {
		fmt.Fprintln(env.Stderr, "ingest-eloket:", err)
		return 2
	}
	sources, hooks, err := eloketSources(cfg, env)
	if err != nil {
		fmt.Fprintln(env.Stderr, "ingest-eloket:", err)
		return 2
	}
	if err := eloketServe(ctx, cfg, sources, hooks, env); err != nil {
		fmt.Fprintln(env.Stderr, "ingest-eloket:", err)
		return 1
	}
	return 0
}

type eloketHook struct {
	path   string
	source eloket.Source
	cfg    jsonapi.WebhookConfig
}

// mapping turns the [mapping] table of a source into the mapping, refusing
// names it does not know.
func mapping(m map[string]string) (jsonapi.Mapping, error) {
	var buf bytes.Buffer
	if err := toml.NewEncoder(&buf).Encode(m); err != nil {
		return jsonapi.Mapping{}, err
	}
	var out jsonapi.Mapping
	md, err := toml.Decode(buf.String(), &out)
	if err != nil {
		return out, err
	}
	if und := md.Undecoded(); len(und) > 0 {
		keys := make([]string, len(und))
		for i, k := range und {
			keys[i] = k.String()
		}
		return out, fmt.Errorf("unknown mapping settings: %s", strings.Join(keys, ", "))
	}
	return out, out.Validate()
}

func eloketSources(cfg config.Eloket, env Env) ([]eloket.Source, []eloketHook, error) {
	var (
		sources []eloket.Source
		hooks   []eloketHook
		errs    []error
	)
	secret := func(what string, s config.Secret) string {
		v, err := s.Resolve(env.Getenv)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", what, err))
		}
		return v
	}
	for _, c := range cfg.Sources {
		src := eloket.Source{Inbox: c.Inbox, Domain: caseevent.Domain(c.Domain), PollInterval: c.PollInterval, Overlap: c.Overlap,
			Since: time.Now().AddDate(-2, 0, 0)}
		if c.Since != "" {
			src.Since, _ = time.Parse(time.DateOnly, c.Since) // validated by config
		}
		p := "source " + c.Inbox
		switch c.Profile {
		case "open311":
			cl, err := open311.New(open311.Config{BaseURL: c.Open311.BaseURL, JurisdictionID: c.Open311.JurisdictionID,
				APIKey: secret(p+": open311.api_key", c.Open311.APIKey), Timeout: c.Timeout, Format: c.Open311.Format, PageSize: c.Open311.PageSize})
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", p, err))
				continue
			}
			src.Open311 = cl
			sources = append(sources, src)
		case "json":
			m, err := mapping(c.JSON.Map)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: json.mapping: %w", p, err))
				continue
			}
			a := c.JSON.Auth
			cl, err := jsonapi.NewClient(jsonapi.Config{URL: c.JSON.URL, Timeout: c.Timeout, Mapping: m,
				Auth: jsonapi.Auth{Kind: a.Kind, Token: secret(p+": json.auth.token", a.Token), User: a.User,
					Password: secret(p+": json.auth.password", a.Password), Header: a.Header, Value: secret(p+": json.auth.value", a.Value)},
				Cursor: jsonapi.Cursor{Param: c.JSON.Cursor.Param, Kind: c.JSON.Cursor.Kind, PageSizeParam: c.JSON.Cursor.PageSizeParam, PageSize: c.JSON.Cursor.PageSize},
			})
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", p, err))
				continue
			}
			src.JSON = cl
			sources = append(sources, src)
		case "webhook":
			m, err := mapping(c.Webhook.Map)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: webhook.mapping: %w", p, err))
				continue
			}
			hs, bt := secret(p+": webhook.secret", c.Webhook.Secret), secret(p+": webhook.bearer_token", c.Webhook.BearerToken)
			wc := jsonapi.WebhookConfig{SignatureHeader: c.Webhook.SignatureHeader, Mapping: m}
			if hs != "" {
				wc.Secret = func() string { return hs }
			}
			if bt != "" {
				wc.BearerToken = func() string { return bt }
			}
			hooks = append(hooks, eloketHook{path: c.Webhook.Path, source: src, cfg: wc})
		}
	}
	return sources, hooks, errors.Join(errs...)
}

func eloketServe(ctx context.Context, cfg config.Eloket, sources []eloket.Source, hooks []eloketHook, env Env) error {
	log := newLogger(env.Stderr, cfg.Log)
	b, err := connectorBus(ctx, cfg.NATS, bus.RoleIngestEloket, "meldpunt-ingest-eloket", env, log)
	if err != nil {
		return err
	}
	defer b.Close()
	health := ingest.NewHealth()
	metrics := ingest.NewMetrics("eloket")
	runner := eloket.NewRunner(b, health, metrics, cfg.AttachmentLimit, log)
	var routes []ingest.Route
	for _, h := range hooks {
		routes = append(routes, ingest.Route{Pattern: h.path, Handler: jsonapi.NewWebhook(h.cfg, runner.Webhook(h.source), log)})
	}
	log.Info("ingest-eloket running", "pollers", len(sources), "webhooks", len(hooks))
	run := func(ctx context.Context) {
		runner.Run(ctx, sources)
		<-ctx.Done() // webhook-only set-ups have no pollers to wait for
	}
	return runConnector(ctx, cfg.HTTP.Addr, health, metrics,
		ingest.NewReporter(b, ingest.ReportConfig{Connector: "eloket", Channel: caseevent.ChannelEloket}, health, log), log, run, routes...)
}
