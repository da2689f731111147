// Package config loads the registry's configuration: a TOML file for the
// settings, MELDPUNT_* environment variables for deployment settings, and
// secrets read from files or environment variables named in the file.
//
// Libraries never read the environment themselves: Load takes a getenv
// function, and cmd/ passes os.Getenv. This package imports no other
// meldpunt package.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// Environment variables for deployment settings.
const (
	EnvDatabaseURL = "MELDPUNT_DATABASE_URL"
	EnvNATSURL     = "MELDPUNT_NATS_URL"
	EnvHTTPAddr    = "MELDPUNT_HTTP_ADDR"
	EnvNATSListen  = "MELDPUNT_NATS_LISTEN"
	EnvDataDir     = "MELDPUNT_DATA_DIR"
)

// Registry is the configuration of `registry`.
type Registry struct {
	// DataDir holds the embedded mode's files: SQLite database and NATS store.
	DataDir   string    `toml:"data_dir"`
	HTTP      HTTP      `toml:"http"`
	NATS      NATS      `toml:"nats"`
	Database  Database  `toml:"database"`
	Cases     Cases     `toml:"cases"`
	Consumer  Consumer  `toml:"consumer"`
	Log       Log       `toml:"log"`
	Auth      Auth      `toml:"auth"`
	Retention Retention `toml:"retention"`
}

// HTTP is the listener of the staff UI, the API and the health endpoints.
type HTTP struct {
	Addr string `toml:"addr"`
	// InsecureCookies leaves Secure off the session cookie, for a web UI
	// reached over plain HTTP on another address than localhost (browsers
	// accept Secure cookies from http://localhost). Never for a server
	// reached over a network: put TLS in front instead.
	InsecureCookies bool `toml:"insecure_cookies"`
	// TrustedProxies are the reverse proxies in front of the web UI
	// (addresses or CIDR ranges, e.g. "127.0.0.1"): from them the client's
	// address is read from X-Forwarded-For, for the login rate limit.
	TrustedProxies []string `toml:"trusted_proxies"`
}

// TrustedProxyPrefixes are TrustedProxies as prefixes (an address is a
// prefix of its full length). Validate has checked them.
func (h HTTP) TrustedProxyPrefixes() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range h.TrustedProxies {
		if p, err := parseProxy(s); err == nil {
			out = append(out, p)
		}
	}
	return out
}

func parseProxy(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		return netip.ParsePrefix(s)
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// NATS says how to reach NATS. An empty URL runs the embedded server.
type NATS struct {
	URL string `toml:"url"`
	// EmbeddedListen is host:port of the embedded server (default
	// 127.0.0.1:4222; port 0 picks a free one).
	EmbeddedListen  string        `toml:"embedded_listen"`
	User            string        `toml:"user"`
	Password        Secret        `toml:"password"`
	Token           Secret        `toml:"token"`
	CredsFile       string        `toml:"creds_file"`
	NKeySeedFile    string        `toml:"nkey_seed_file"`
	CAFile          string        `toml:"ca_file"`
	CertFile        string        `toml:"cert_file"`
	KeyFile         string        `toml:"key_file"`
	Replicas        int           `toml:"replicas"`
	DuplicateWindow time.Duration `toml:"duplicate_window"`
	StreamMaxAge    time.Duration `toml:"stream_max_age"`
}

// Database says which store to use. An empty URL means SQLite under DataDir.
type Database struct {
	// URL is a postgres:// DSN. Prefer URLSecret for DSNs with a password.
	URL       string `toml:"url"`
	URLSecret Secret `toml:"url_secret"`
	// SQLitePath overrides the embedded database file.
	SQLitePath string `toml:"sqlite_path"`
}

// Cases configures case references.
type Cases struct {
	// Prefix of case references: MP gives MP-2026-000123.
	Prefix string `toml:"prefix"`
	// TimeZone decides which year a reference belongs to (default Europe/Brussels).
	TimeZone string `toml:"time_zone"`
	// RoutingFile holds the routing rules (departments, types, priorities);
	// empty: cases are not routed. See configs/routing.toml.
	RoutingFile string `toml:"routing_file"`
	// DeadlinesFile overrides the default deadlines per type and department.
	DeadlinesFile string `toml:"deadlines_file"`
	// RepeatWindowDays: a citizen who writes about the same thing within
	// this many days joins their open case as a repeat (default 60).
	RepeatWindowDays int `toml:"repeat_window_days"`
	// RelatedWindowDays: reports of different people about the same place
	// and category within this many days are related cases (default 7).
	RelatedWindowDays int `toml:"related_window_days"`
	// SuggestComplaintAfterDays: a citizen who comes back about a question
	// or report opened at least this many days ago, still unanswered, gets
	// the suggestion "klacht" on the case (default 10; staff decide).
	SuggestComplaintAfterDays int `toml:"suggest_complaint_after_days"`
}

// Consumer tunes the registry's JetStream consumer.
type Consumer struct {
	Durable       string        `toml:"durable"`
	BatchSize     int           `toml:"batch_size"`
	FetchWait     time.Duration `toml:"fetch_wait"`
	AckWait       time.Duration `toml:"ack_wait"`
	MaxDeliveries int           `toml:"max_deliveries"`
	// MaxBatchBytes bounds the attachment bytes held in memory per batch.
	MaxBatchBytes int64 `toml:"max_batch_bytes"`
}

// Log configures logging.
type Log struct {
	Level  string `toml:"level"`  // debug, info, warn, error
	Format string `toml:"format"` // text or json
}

// Secret is a value read from a file or an environment variable, never
// written in the configuration file itself.
type Secret struct {
	File string `toml:"file"`
	Env  string `toml:"env"`
}

// IsSet reports whether the secret names a source.
func (s Secret) IsSet() bool { return s.File != "" || s.Env != "" }

// Resolve reads the secret. Trailing newlines of a file are removed.
func (s Secret) Resolve(getenv func(string) string) (string, error) {
	switch {
	case s.File != "" && s.Env != "":
		return "", errors.New("set either file or env, not both")
	case s.File != "":
		b, err := os.ReadFile(s.File)
		if err != nil {
			return "", fmt.Errorf("read secret file: %w", err)
		}
		v := strings.TrimRight(string(b), "\r\n")
		if v == "" {
			return "", fmt.Errorf("secret file %s is empty", s.File)
		}
		return v, nil
	case s.Env != "":
		v := getenv(s.Env)
		if v == "" {
			return "", fmt.Errorf("environment variable %s is empty", s.Env)
		}
		return v, nil
	}
	return "", nil
}

// Defaults returns the zero-configuration settings.
func Defaults() Registry {
	return Registry{
		DataDir: "./var",
		HTTP:    HTTP{Addr: "127.0.0.1:8080"},
		NATS: NATS{
			EmbeddedListen:  "127.0.0.1:4222",
			Replicas:        1,
			DuplicateWindow: 48 * time.Hour,
			StreamMaxAge:    30 * 24 * time.Hour,
		},
		Cases: Cases{Prefix: "MP", TimeZone: "Europe/Brussels", RepeatWindowDays: 60, RelatedWindowDays: 7, SuggestComplaintAfterDays: 10},
		Consumer: Consumer{
			Durable:       "registry",
			BatchSize:     500,
			FetchWait:     time.Second,
			AckWait:       60 * time.Second,
			MaxDeliveries: 10,
			MaxBatchBytes: 64 << 20,
		},
		Log:       Log{Level: "info", Format: "text"},
		Auth:      authDefaults(),
		Retention: retentionDefaults(),
	}
}

// Load reads the TOML file at path (none when path is empty) over the
// defaults, applies the MELDPUNT_* environment variables and validates the
// result, reporting every problem at once.
func Load(path string, getenv func(string) string) (Registry, error) {
	cfg := Defaults()
	if err := decodeFile(path, &cfg); err != nil {
		return cfg, err
	}
	if v := getenv(EnvDatabaseURL); v != "" {
		cfg.Database.URL = v
	}
	if v := getenv(EnvNATSURL); v != "" {
		cfg.NATS.URL = v
	}
	if v := getenv(EnvHTTPAddr); v != "" {
		cfg.HTTP.Addr = v
	}
	if v := getenv(EnvNATSListen); v != "" {
		cfg.NATS.EmbeddedListen = v
	}
	if v := getenv(EnvDataDir); v != "" {
		cfg.DataDir = v
	}
	if err := cfg.Validate(); err != nil {
		return cfg, fmt.Errorf("config %s: %w", orDefault(path), err)
	}
	return cfg, nil
}

// decodeFile reads the TOML file at path (nothing when path is empty) into
// v, refusing settings v does not have.
func decodeFile(path string, v any) error {
	if path == "" {
		return nil
	}
	md, err := toml.DecodeFile(path, v)
	if err != nil {
		return fmt.Errorf("read config %s: %w", path, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		keys := make([]string, len(und))
		for i, k := range und {
			keys[i] = k.String()
		}
		return fmt.Errorf("read config %s: unknown settings: %s", path, strings.Join(keys, ", "))
	}
	return nil
}

func orDefault(path string) string {
	if path == "" {
		return "(defaults and environment)"
	}
	return path
}

var prefixRE = regexp.MustCompile(`^[A-Z][A-Z0-9]{0,9}$`)

// Validate checks the settings and reports every problem at once.
func (c Registry) Validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if _, _, err := net.SplitHostPort(c.HTTP.Addr); err != nil {
		bad("http.addr %q: want host:port", c.HTTP.Addr)
	}
	if c.NATS.URL == "" {
		if _, _, err := net.SplitHostPort(c.NATS.EmbeddedListen); err != nil {
			bad("nats.embedded_listen %q: want host:port", c.NATS.EmbeddedListen)
		}
	}
	if c.NATS.Replicas < 1 || c.NATS.Replicas > 5 {
		bad("nats.replicas %d: want 1 to 5", c.NATS.Replicas)
	}
	if c.NATS.DuplicateWindow < 24*time.Hour {
		bad("nats.duplicate_window %s: want at least 24h", c.NATS.DuplicateWindow)
	}
	if c.NATS.StreamMaxAge != 0 && c.NATS.StreamMaxAge < c.NATS.DuplicateWindow {
		bad("nats.stream_max_age %s: must not be shorter than the duplicate window", c.NATS.StreamMaxAge)
	}
	if c.Database.URL != "" && c.Database.URLSecret.IsSet() {
		bad("database: set url or url_secret, not both")
	}
	if c.Database.URL != "" && !strings.HasPrefix(c.Database.URL, "postgres://") && !strings.HasPrefix(c.Database.URL, "postgresql://") {
		bad("database.url: want a postgres:// URL (leave it empty for the embedded SQLite store)")
	}
	for _, s := range c.HTTP.TrustedProxies {
		if _, err := parseProxy(s); err != nil {
			bad("http.trusted_proxies %q: want an address (127.0.0.1) or a range (10.0.0.0/8)", s)
		}
	}
	if !prefixRE.MatchString(c.Cases.Prefix) {
		bad("cases.prefix %q: want 1 to 10 upper-case letters or digits, starting with a letter", c.Cases.Prefix)
	}
	for _, d := range []struct {
		name string
		days int
	}{
		{"repeat_window_days", c.Cases.RepeatWindowDays},
		{"related_window_days", c.Cases.RelatedWindowDays},
		{"suggest_complaint_after_days", c.Cases.SuggestComplaintAfterDays},
	} {
		if d.days < 1 || d.days > 3660 {
			bad("cases.%s = %d: want a number of days from 1 to 3660", d.name, d.days)
		}
	}
	if _, err := time.LoadLocation(c.Cases.TimeZone); err != nil {
		bad("cases.time_zone %q: %v", c.Cases.TimeZone, err)
	}
	if c.Consumer.Durable == "" {
		bad("consumer.durable must not be empty")
	}
	if c.Consumer.BatchSize < 1 || c.Consumer.BatchSize > 5000 {
		bad("consumer.batch_size %d: want 1 to 5000", c.Consumer.BatchSize)
	}
	if c.Consumer.FetchWait <= 0 {
		bad("consumer.fetch_wait must be positive")
	}
	if c.Consumer.AckWait < 5*time.Second {
		bad("consumer.ack_wait %s: want at least 5s", c.Consumer.AckWait)
	}
	if c.Consumer.MaxDeliveries < 1 {
		bad("consumer.max_deliveries %d: want at least 1", c.Consumer.MaxDeliveries)
	}
	if c.Consumer.MaxBatchBytes < 1<<20 {
		bad("consumer.max_batch_bytes %d: want at least 1 MiB", c.Consumer.MaxBatchBytes)
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		bad("log.level %q: want debug, info, warn or error", c.Log.Level)
	}
	switch c.Log.Format {
	case "text", "json":
	default:
		bad("log.format %q: want text or json", c.Log.Format)
	}
	errs = append(errs, c.Auth.validate()...)
	errs = append(errs, c.Retention.validate()...)
	return errors.Join(errs...)
}

// DatabaseURL returns the PostgreSQL DSN, resolving a secret, or "" for SQLite.
func (c Registry) DatabaseURL(getenv func(string) string) (string, error) {
	if c.Database.URLSecret.IsSet() {
		v, err := c.Database.URLSecret.Resolve(getenv)
		if err != nil {
			return "", fmt.Errorf("database.url_secret: %w", err)
		}
		return v, nil
	}
	return c.Database.URL, nil
}

// SQLitePath is where the embedded store lives.
func (c Registry) SQLitePath() string {
	if c.Database.SQLitePath != "" {
		return c.Database.SQLitePath
	}
	return strings.TrimRight(c.DataDir, "/") + "/meldpunt.db"
}

// NATSStoreDir is where the embedded NATS server keeps its streams.
func (c Registry) NATSStoreDir() string {
	return strings.TrimRight(c.DataDir, "/") + "/nats"
}
