package config

import (
	"errors"
	"fmt"
	"regexp"
	"time"
)

// Mail is the configuration of `ingest-mail`.
type Mail struct {
	NATS NATS `toml:"nats"`
	// HTTP serves /healthz and /metrics.
	HTTP      HTTP      `toml:"http"`
	Mailboxes []Mailbox `toml:"mailbox"`
	// MaxMessageSize: larger messages are registered with their headers,
	// size and a note instead of their content (default 50 MB).
	MaxMessageSize int64 `toml:"max_message_size"`
	// CaseRefPattern finds a case reference in a subject; it must match
	// the registry's prefix (default: MP-YYYY-NNNNNN in any case, with
	// spaces around the dashes).
	CaseRefPattern string        `toml:"case_ref_pattern"`
	PollInterval   time.Duration `toml:"poll_interval"`
	Log            Log           `toml:"log"`
}

// Mailbox is one IMAP mailbox to capture.
type Mailbox struct {
	Inbox    string `toml:"inbox"`
	Domain   string `toml:"domain"`
	Host     string `toml:"host"`
	Port     int    `toml:"port"`
	Security string `toml:"security"` // tls, starttls, none
	// Folders are captured as incoming mail; SentFolders as the answers
	// staff gave (direction outgoing).
	Folders     []string `toml:"folders"`
	SentFolders []string `toml:"sent_folders"`
	// Since limits the first run to mail from this date (YYYY-MM-DD);
	// empty: the whole folder.
	Since string   `toml:"since"`
	Auth  MailAuth `toml:"auth"`
	// After says what happens on the server once a message is captured:
	// keep (nothing changes), flag (set FlagKeyword) or move (to MoveTo).
	After       string `toml:"after"`
	FlagKeyword string `toml:"flag_keyword"`
	MoveTo      string `toml:"move_to"`
}

// MailAuth is how to sign in to a mailbox.
type MailAuth struct {
	Method   string `toml:"method"` // plain, login, xoauth2
	Username string `toml:"username"`
	Password Secret `toml:"password"`
	// XOAUTH2 with Microsoft 365 (client credentials).
	Tenant       string `toml:"tenant"`
	ClientID     string `toml:"client_id"`
	ClientSecret Secret `toml:"client_secret"`
	// TokenURL overrides the Microsoft token endpoint (tests, proxies).
	TokenURL string `toml:"token_url"`
	// Token is a bearer token kept fresh by something else (for example
	// Gmail with a service account's token helper); it is read again for
	// every login. Used instead of the client-credentials flow.
	Token Secret `toml:"token"`
}

// MailDefaults returns the defaults of ingest-mail.
func MailDefaults() Mail {
	return Mail{
		NATS: NATS{
			Replicas:        1,
			DuplicateWindow: 48 * time.Hour,
			StreamMaxAge:    30 * 24 * time.Hour,
		},
		HTTP:           HTTP{Addr: "127.0.0.1:9101"},
		MaxMessageSize: 50 << 20,
		PollInterval:   60 * time.Second,
		Log:            Log{Level: "info", Format: "text"},
	}
}

// LoadMail reads an ingest-mail configuration file, applies
// MELDPUNT_NATS_URL and MELDPUNT_HTTP_ADDR, fills in per-mailbox defaults
// and validates everything, reporting every problem at once.
//
// Without mailboxes the configuration is still valid when needMailboxes is
// false (for `ingest-mail import`, which needs only NATS).
func LoadMail(path string, getenv func(string) string, needMailboxes bool) (Mail, error) {
	cfg := MailDefaults()
	if err := decodeFile(path, &cfg); err != nil {
		return cfg, err
	}
	applyConnectorEnv(&cfg.NATS, &cfg.HTTP, getenv)
	for i := range cfg.Mailboxes {
		m := &cfg.Mailboxes[i]
		if len(m.Folders) == 0 {
			m.Folders = []string{"INBOX"}
		}
		if m.Security == "" {
			m.Security = "tls"
		}
		if m.Port == 0 {
			m.Port = map[string]int{"tls": 993, "starttls": 143, "none": 143}[m.Security]
		}
		if m.After == "" {
			m.After = "keep"
		}
		if m.After == "flag" && m.FlagKeyword == "" {
			m.FlagKeyword = "$Meldpunt"
		}
		if m.Auth.Method == "" {
			m.Auth.Method = "plain"
		}
	}
	err := cfg.Validate()
	if len(cfg.Mailboxes) == 0 && needMailboxes {
		err = errors.Join(err, errors.New("no [[mailbox]] configured"))
	}
	if err != nil {
		return cfg, fmt.Errorf("config %s: %w", orDefault(path), err)
	}
	return cfg, nil
}

// Validate checks the settings and reports every problem at once.
func (c Mail) Validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	checkConnector(bad, c.NATS, c.HTTP)
	if c.MaxMessageSize < 1<<20 {
		bad("max_message_size %d: want at least 1 MiB", c.MaxMessageSize)
	}
	if _, err := regexp.Compile(c.CaseRefPattern); c.CaseRefPattern != "" && err != nil {
		bad("case_ref_pattern: %v", err)
	}
	if c.PollInterval < time.Second {
		bad("poll_interval %s: want at least 1s", c.PollInterval)
	}
	seen := map[string]bool{}
	for i, m := range c.Mailboxes {
		p := itemName("mailbox", i, m.Inbox)
		checkInbox(bad, p, m.Inbox, m.Domain, seen)
		if m.Host == "" {
			bad("%s: host is required", p)
		}
		if m.Port < 1 || m.Port > 65535 {
			bad("%s: port %d", p, m.Port)
		}
		switch m.Security {
		case "tls", "starttls", "none":
		default:
			bad("%s: security %q: want tls, starttls or none", p, m.Security)
		}
		checkSince(bad, p, m.Since)
		switch m.After {
		case "keep", "flag":
		case "move":
			if m.MoveTo == "" {
				bad("%s: after = \"move\" needs move_to", p)
			}
		default:
			bad("%s: after %q: want keep, flag or move", p, m.After)
		}
		if m.Auth.Username == "" {
			bad("%s: auth.username is required", p)
		}
		switch m.Auth.Method {
		case "plain", "login":
			if !m.Auth.Password.IsSet() {
				bad("%s: auth.password must name a file or an environment variable", p)
			}
		case "xoauth2":
			clientCredentials := m.Auth.ClientID != "" && m.Auth.ClientSecret.IsSet() && (m.Auth.Tenant != "" || m.Auth.TokenURL != "")
			if clientCredentials == m.Auth.Token.IsSet() {
				bad("%s: xoauth2 needs either auth.tenant (or token_url), auth.client_id and auth.client_secret, or auth.token", p)
			}
		default:
			bad("%s: auth.method %q: want plain, login or xoauth2", p, m.Auth.Method)
		}
	}
	return errors.Join(errs...)
}
