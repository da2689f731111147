package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/prometheus/client_golang/prometheus/promhttp"

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
	b, err := connectorBus(ctx, cfg.NATS, "meldpunt-ingest-eloket", env, log)
	if err != nil {
		return err
	}
	defer b.Close()
	health := ingest.NewHealth()
	metrics := ingest.NewMetrics("eloket")
	runner := eloket.NewRunner(b, health, metrics, cfg.AttachmentLimit, log)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", ingest.HealthHandler(health))
	mux.Handle("GET /metrics", promhttp.HandlerFor(metrics.Registry, promhttp.HandlerOpts{}))
	for _, h := range hooks {
		mux.Handle(h.path, jsonapi.NewWebhook(h.cfg, runner.Webhook(h.source), log))
	}
	ln, err := net.Listen("tcp", cfg.HTTP.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s (set MELDPUNT_HTTP_ADDR to choose another address): %w", cfg.HTTP.Addr, err)
	}
	log.Info("http listening", "addr", ln.Addr().String(), "webhooks", len(hooks))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	httpErr := make(chan error, 1)
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			httpErr <- err
		}
		close(httpErr)
	}()
	log.Info("ingest-eloket running", "pollers", len(sources), "webhooks", len(hooks))
	runner.Run(ctx, sources)
	<-ctx.Done() // webhook-only set-ups have no pollers to wait for
	shut, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	_ = srv.Shutdown(shut) // webhooks in flight finish; best effort at exit
	if err := <-httpErr; err != nil {
		return fmt.Errorf("http: %w", err)
	}
	return nil
}
