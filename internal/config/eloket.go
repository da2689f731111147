package config

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Eloket is the configuration of `ingest-eloket`.
type Eloket struct {
	NATS    NATS           `toml:"nats"`
	HTTP    HTTP           `toml:"http"`
	Sources []EloketSource `toml:"source"`
	// AttachmentLimit: larger files keep only their link and a note.
	AttachmentLimit int64 `toml:"attachment_limit"`
	Log             Log   `toml:"log"`
}

// EloketSource is one e-loket to capture, with one of three profiles.
type EloketSource struct {
	Inbox        string        `toml:"inbox"`
	Domain       string        `toml:"domain"`
	Profile      string        `toml:"profile"` // open311, json, webhook
	PollInterval time.Duration `toml:"poll_interval"`
	// Overlap is re-read below the cursor at every poll.
	Overlap time.Duration `toml:"overlap"`
	Timeout time.Duration `toml:"timeout"`
	// Since is where a first run starts (YYYY-MM-DD); default 2 years ago.
	Since   string        `toml:"since"`
	Open311 Open311Source `toml:"open311"`
	JSON    JSONSource    `toml:"json"`
	Webhook EloketHook    `toml:"webhook"`
}

// Open311Source is a GeoReport v2 server.
type Open311Source struct {
	BaseURL        string `toml:"base_url"`
	JurisdictionID string `toml:"jurisdiction_id"`
	APIKey         Secret `toml:"api_key"`
	Format         string `toml:"format"` // json (default) or xml
	PageSize       int    `toml:"page_size"`
}

// JSONSource is any REST API that lists submissions.
type JSONSource struct {
	URL    string            `toml:"url"`
	Auth   EloketAuth        `toml:"auth"`
	Cursor EloketCursor      `toml:"cursor"`
	Map    map[string]string `toml:"mapping"`
}

// EloketAuth is how to sign in to a JSON API.
type EloketAuth struct {
	Kind     string `toml:"kind"` // "", bearer, basic, header
	Token    Secret `toml:"token"`
	User     string `toml:"user"`
	Password Secret `toml:"password"`
	Header   string `toml:"header"`
	Value    Secret `toml:"value"`
}

// EloketCursor says how to ask a JSON API for what is new.
type EloketCursor struct {
	Param         string `toml:"param"`
	Kind          string `toml:"kind"` // timestamp, id, page
	PageSizeParam string `toml:"page_size_param"`
	PageSize      int    `toml:"page_size"`
}

// EloketHook is an endpoint the e-loket posts submissions to.
type EloketHook struct {
	Path            string            `toml:"path"`
	Secret          Secret            `toml:"secret"`
	SignatureHeader string            `toml:"signature_header"`
	BearerToken     Secret            `toml:"bearer_token"`
	Map             map[string]string `toml:"mapping"`
}

// EloketDefaults returns the defaults of ingest-eloket.
func EloketDefaults() Eloket {
	return Eloket{
		NATS:            NATS{Replicas: 1, DuplicateWindow: 48 * time.Hour, StreamMaxAge: 30 * 24 * time.Hour},
		HTTP:            HTTP{Addr: "127.0.0.1:9103"},
		AttachmentLimit: 25 << 20,
		Log:             Log{Level: "info", Format: "text"},
	}
}

// LoadEloket reads an ingest-eloket configuration file, applies
// MELDPUNT_NATS_URL and MELDPUNT_HTTP_ADDR, fills in per-source defaults and
// validates everything.
func LoadEloket(path string, getenv func(string) string) (Eloket, error) {
	cfg := EloketDefaults()
	if err := decodeFile(path, &cfg); err != nil {
		return cfg, err
	}
	applyConnectorEnv(&cfg.NATS, &cfg.HTTP, getenv)
	for i := range cfg.Sources {
		s := &cfg.Sources[i]
		if s.PollInterval == 0 {
			s.PollInterval = time.Minute
		}
		if s.Overlap == 0 {
			s.Overlap = time.Hour
		}
		if s.Timeout == 0 {
			s.Timeout = 30 * time.Second
		}
		if s.Open311.Format == "" {
			s.Open311.Format = "json"
		}
		if s.Webhook.Path == "" {
			s.Webhook.Path = "/webhook/" + s.Inbox
		}
	}
	if err := cfg.Validate(); err != nil {
		return cfg, fmt.Errorf("config %s: %w", orDefault(path), err)
	}
	return cfg, nil
}

// Validate checks the settings and reports every problem at once.
func (c Eloket) Validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	checkConnector(bad, c.NATS, c.HTTP)
	if c.AttachmentLimit < 1<<10 {
		bad("attachment_limit %d: want at least 1 KiB", c.AttachmentLimit)
	}
	if len(c.Sources) == 0 {
		bad("no [[source]] configured")
	}
	seen := map[string]bool{}
	for i, s := range c.Sources {
		p := itemName("source", i, s.Inbox)
		checkInbox(bad, p, s.Inbox, s.Domain, seen)
		if s.PollInterval < time.Second {
			bad("%s: poll_interval %s: want at least 1s", p, s.PollInterval)
		}
		checkSince(bad, p, s.Since)
		switch s.Profile {
		case "open311":
			if !isHTTPURL(s.Open311.BaseURL) {
				bad("%s: open311.base_url %q: want an http(s) URL", p, s.Open311.BaseURL)
			}
			if s.Open311.Format != "json" && s.Open311.Format != "xml" {
				bad("%s: open311.format %q: want json or xml", p, s.Open311.Format)
			}
		case "json":
			if !isHTTPURL(s.JSON.URL) {
				bad("%s: json.url %q: want an http(s) URL", p, s.JSON.URL)
			}
			if len(s.JSON.Map) == 0 {
				bad("%s: json.mapping is required (at least id and timestamp)", p)
			}
		case "webhook":
			if !strings.HasPrefix(s.Webhook.Path, "/") {
				bad("%s: webhook.path %q: want an absolute path", p, s.Webhook.Path)
			}
			if !s.Webhook.Secret.IsSet() && !s.Webhook.BearerToken.IsSet() {
				bad("%s: webhook needs a secret (HMAC signature) or a bearer_token", p)
			}
			if len(s.Webhook.Map) == 0 {
				bad("%s: webhook.mapping is required (at least id and timestamp)", p)
			}
		default:
			bad("%s: profile %q: want open311, json or webhook", p, s.Profile)
		}
	}
	return errors.Join(errs...)
}
