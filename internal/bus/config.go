package bus

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Defaults applied by Connect to zero fields of Config.
const (
	DefaultReplicas        = 1
	DefaultDuplicateWindow = 48 * time.Hour
	DefaultStreamMaxAge    = 30 * 24 * time.Hour

	// MinDuplicateWindow is the shortest duplicate window Validate accepts:
	// a connector that crashed must be able to republish a day's events
	// without them being stored twice.
	MinDuplicateWindow = 24 * time.Hour

	// maxReplicas is the largest replication factor JetStream supports.
	maxReplicas = 5
)

// Config says how to reach NATS and how the intake stream, the object store
// and the checkpoint bucket are laid out. Zero values get the defaults above.
type Config struct {
	URL      string // comma-separated nats:// (or tls://, ws://, wss://) URLs
	Name     string // connection name shown in server monitoring
	User     string
	Password string
	Token    string

	CredsFile    string // NATS credentials file (JWT and NKey seed)
	NKeySeedFile string // file holding an NKey user seed

	// InboxPrefix replaces "_INBOX" as the prefix of reply subjects. Give
	// each process its Role's InboxPrefix: its NATS user may subscribe to
	// that prefix only, so no process can read the replies meant for another.
	InboxPrefix string

	CAFile   string // PEM file with the CA(s) that signed the server certificate
	CertFile string // client certificate for mutual TLS
	KeyFile  string // key of CertFile

	Replicas        int           // for the stream, KV and object store; default 1
	DuplicateWindow time.Duration // publish deduplication window; default 48h, at least 24h
	StreamMaxAge    time.Duration // retention of the intake stream; default 30 days
}

// Validate reports every problem with c at once. Zero values are fine: they
// stand for the defaults.
func (c Config) Validate() error {
	var errs []error
	if strings.TrimSpace(c.URL) == "" {
		errs = append(errs, errors.New("nats url is empty"))
	} else {
		for _, raw := range strings.Split(c.URL, ",") {
			if err := checkServerURL(strings.TrimSpace(raw)); err != nil {
				errs = append(errs, err)
			}
		}
	}

	if c.Password != "" && c.User == "" {
		errs = append(errs, errors.New("nats password set without a user"))
	}
	if c.User != "" && c.Password == "" {
		errs = append(errs, errors.New("nats user set without a password"))
	}
	var methods []string
	if c.User != "" || c.Password != "" {
		methods = append(methods, "user/password")
	}
	if c.Token != "" {
		methods = append(methods, "token")
	}
	if c.CredsFile != "" {
		methods = append(methods, "creds file")
	}
	if c.NKeySeedFile != "" {
		methods = append(methods, "nkey seed file")
	}
	if len(methods) > 1 {
		errs = append(errs, fmt.Errorf("nats authentication: choose one of %s", strings.Join(methods, ", ")))
	}
	if c.InboxPrefix != "" && (strings.ContainsAny(c.InboxPrefix, "*> \t\r\n") || strings.HasSuffix(c.InboxPrefix, ".") || strings.HasPrefix(c.InboxPrefix, ".")) {
		errs = append(errs, fmt.Errorf("nats inbox prefix %q: want a subject without wildcards or spaces, not starting or ending with '.'", c.InboxPrefix))
	}
	if (c.CertFile == "") != (c.KeyFile == "") {
		errs = append(errs, errors.New("nats tls: cert file and key file must be set together"))
	}

	if c.Replicas < 0 || c.Replicas > maxReplicas {
		errs = append(errs, fmt.Errorf("nats replicas %d: must be between 1 and %d", c.Replicas, maxReplicas))
	}
	if c.DuplicateWindow < 0 || (c.DuplicateWindow > 0 && c.DuplicateWindow < MinDuplicateWindow) {
		errs = append(errs, fmt.Errorf("nats duplicate window %s: must be at least %s", c.DuplicateWindow, MinDuplicateWindow))
	}
	if c.StreamMaxAge < 0 {
		errs = append(errs, fmt.Errorf("nats stream max age %s: must not be negative", c.StreamMaxAge))
	}
	d := c.withDefaults()
	if d.DuplicateWindow > 0 && d.StreamMaxAge > 0 && d.StreamMaxAge < d.DuplicateWindow {
		errs = append(errs, fmt.Errorf("nats stream max age %s is shorter than the duplicate window %s", d.StreamMaxAge, d.DuplicateWindow))
	}
	return errors.Join(errs...)
}

func checkServerURL(raw string) error {
	if raw == "" {
		return errors.New("nats url: empty entry in the list")
	}
	u, err := url.Parse(raw)
	if err != nil {
		// url.Error quotes the whole URL, password included; report it without.
		return fmt.Errorf("nats url %q: not a valid url", redactURL(raw))
	}
	switch u.Scheme {
	case "nats", "tls", "ws", "wss":
	default:
		return fmt.Errorf("nats url %q: scheme must be nats, tls, ws or wss", u.Redacted())
	}
	if u.Host == "" {
		return fmt.Errorf("nats url %q: no host", u.Redacted())
	}
	return nil
}

func (c Config) withDefaults() Config {
	if c.Replicas == 0 {
		c.Replicas = DefaultReplicas
	}
	if c.DuplicateWindow == 0 {
		c.DuplicateWindow = DefaultDuplicateWindow
	}
	if c.StreamMaxAge == 0 {
		c.StreamMaxAge = DefaultStreamMaxAge
	}
	return c
}

// redactURL hides a password in one URL; unparsable input is hidden whole
// when it might carry credentials.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		if strings.Contains(raw, "@") {
			return "(unparsable url)"
		}
		return raw
	}
	return u.Redacted()
}

// redactURLs redacts every entry of a comma-separated URL list.
func redactURLs(list string) string {
	parts := strings.Split(list, ",")
	for i, p := range parts {
		parts[i] = redactURL(strings.TrimSpace(p))
	}
	return strings.Join(parts, ",")
}
