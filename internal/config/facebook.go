package config

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Facebook is the configuration of `ingest-facebook`.
type Facebook struct {
	NATS NATS `toml:"nats"`
	// HTTP serves /healthz, /metrics and the webhook.
	HTTP HTTP `toml:"http"`
	// GraphURL is the Graph API's base URL (tests and proxies override it).
	GraphURL   string `toml:"graph_url"`
	APIVersion string `toml:"api_version"`
	AppID      string `toml:"app_id"`
	AppSecret  Secret `toml:"app_secret"`
	// PollInterval: Messenger keeps only the 20 newest messages of a
	// conversation readable, so poll often.
	PollInterval time.Duration `toml:"poll_interval"`
	// Overlap is re-read at every poll below the high-water marks.
	Overlap time.Duration `toml:"overlap"`
	// CommentDays: comments are looked for on posts of the last N days.
	CommentDays int `toml:"comment_days"`
	// AttachmentLimit: larger attachments keep only their link and metadata.
	AttachmentLimit int64         `toml:"attachment_limit"`
	Timeout         time.Duration `toml:"timeout"`
	// ConversationsRate caps calls to the conversations API per second
	// (Facebook's guidance: under 2). -1 lifts the cap: only for a local
	// test server.
	ConversationsRate float64 `toml:"conversations_rate"`
	Pages             []Page  `toml:"page"`
	Webhook           Webhook `toml:"webhook"`
	Log               Log     `toml:"log"`
}

// Page is one Facebook page to capture.
type Page struct {
	ID     string `toml:"id"`
	Inbox  string `toml:"inbox"`
	Domain string `toml:"domain"`
	// Token is the page access token; when it is a file, a new token is
	// picked up as soon as the file changes.
	Token Secret `toml:"token"`
}

// Webhook configures the optional push endpoint.
type Webhook struct {
	Enabled     bool   `toml:"enabled"`
	Path        string `toml:"path"`
	VerifyToken Secret `toml:"verify_token"`
}

// FacebookDefaults returns the defaults of ingest-facebook.
func FacebookDefaults() Facebook {
	return Facebook{
		NATS:              NATS{Replicas: 1, DuplicateWindow: 48 * time.Hour, StreamMaxAge: 30 * 24 * time.Hour},
		HTTP:              HTTP{Addr: "127.0.0.1:9102"},
		GraphURL:          "https://graph.facebook.com/",
		APIVersion:        "v21.0",
		PollInterval:      30 * time.Second,
		Overlap:           10 * time.Minute,
		CommentDays:       14,
		AttachmentLimit:   25 << 20,
		Timeout:           30 * time.Second,
		ConversationsRate: 1.8,
		Webhook:           Webhook{Path: "/webhook"},
		Log:               Log{Level: "info", Format: "text"},
	}
}

// LoadFacebook reads an ingest-facebook configuration file, applies
// MELDPUNT_NATS_URL and MELDPUNT_HTTP_ADDR and validates everything.
func LoadFacebook(path string, getenv func(string) string) (Facebook, error) {
	cfg := FacebookDefaults()
	if err := decodeFile(path, &cfg); err != nil {
		return cfg, err
	}
	applyConnectorEnv(&cfg.NATS, &cfg.HTTP, getenv)
	if !strings.HasSuffix(cfg.GraphURL, "/") {
		cfg.GraphURL += "/"
	}
	if err := cfg.Validate(); err != nil {
		return cfg, fmt.Errorf("config %s: %w", orDefault(path), err)
	}
	return cfg, nil
}

var (
	versionRE = regexp.MustCompile(`^v\d+\.\d+$`)
	pageIDRE  = regexp.MustCompile(`^\d{1,30}$`)
)

// Validate checks the settings and reports every problem at once.
func (c Facebook) Validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	checkConnector(bad, c.NATS, c.HTTP)
	if !isHTTPURL(c.GraphURL) {
		bad("graph_url %q: want an http(s) URL", c.GraphURL)
	}
	if !versionRE.MatchString(c.APIVersion) {
		bad("api_version %q: want a pinned version such as v21.0", c.APIVersion)
	}
	if c.AppID == "" {
		bad("app_id is required")
	}
	if !c.AppSecret.IsSet() {
		bad("app_secret must name a file or an environment variable")
	}
	if c.PollInterval < time.Second {
		bad("poll_interval %s: want at least 1s", c.PollInterval)
	}
	if c.Overlap < 0 {
		bad("overlap must not be negative")
	}
	if c.CommentDays < 1 || c.CommentDays > 365 {
		bad("comment_days %d: want 1 to 365", c.CommentDays)
	}
	if c.AttachmentLimit < 1<<10 {
		bad("attachment_limit %d: want at least 1 KiB", c.AttachmentLimit)
	}
	if c.ConversationsRate != -1 && (c.ConversationsRate <= 0 || c.ConversationsRate > 2) {
		bad("conversations_rate %g: want more than 0 and at most 2 calls/s (or -1 against a local test server)", c.ConversationsRate)
	}
	if c.Timeout < time.Second {
		bad("timeout %s: want at least 1s", c.Timeout)
	}
	if len(c.Pages) == 0 {
		bad("no [[page]] configured")
	}
	seen := map[string]bool{}
	for i, p := range c.Pages {
		name := fmt.Sprintf("page[%d]", i)
		if p.ID != "" {
			name = fmt.Sprintf("page %s", p.ID)
		}
		if !pageIDRE.MatchString(p.ID) {
			bad("%s: id %q: want the numeric page id", name, p.ID)
		}
		if seen[p.ID] {
			bad("%s: configured twice", name)
		}
		seen[p.ID] = true
		checkInbox(bad, name, p.Inbox, p.Domain, nil)
		if !p.Token.IsSet() {
			bad("%s: token must name a file or an environment variable", name)
		}
	}
	if c.Webhook.Enabled {
		if !strings.HasPrefix(c.Webhook.Path, "/") {
			bad("webhook.path %q: want an absolute path", c.Webhook.Path)
		}
		if !c.Webhook.VerifyToken.IsSet() {
			bad("webhook.verify_token must name a file or an environment variable")
		}
	}
	return errors.Join(errs...)
}
