// Package imap is the IMAP client layer of the mail connector: connecting
// (TLS, STARTTLS), authenticating (PLAIN, LOGIN, XOAUTH2 with an OAuth2
// token source for Microsoft 365 or Gmail), selecting folders, finding new
// UIDs, fetching messages without side effects (BODY.PEEK), flagging,
// moving, and waiting for new mail with IDLE.
//
// Every call that talks to the server is guarded: if the server stays
// silent for Config.Timeout, or the context ends, the connection is closed
// and the call returns an error for which IsConnectionError is true. After
// such an error the Client is unusable; dial a new one.
//
// It knows nothing of NATS, events or checkpoints, and imports no meldpunt
// package.
package imap

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"golang.org/x/oauth2"
)

// Security is how the connection is protected.
type Security string

const (
	// SecurityTLS is implicit TLS, usually on port 993.
	SecurityTLS Security = "tls"
	// SecurityStartTLS upgrades a plain connection with STARTTLS
	// (RFC 9051 section 6.2.1), usually on port 143.
	SecurityStartTLS Security = "starttls"
	// SecurityNone sends everything, passwords included, in the clear: for
	// tests against a local server only.
	SecurityNone Security = "none"
)

// Authentication methods.
const (
	AuthPlain   = "plain"   // SASL PLAIN (RFC 4616)
	AuthLogin   = "login"   // the IMAP LOGIN command
	AuthXOAUTH2 = "xoauth2" // SASL XOAUTH2 with a bearer token (Microsoft 365, Gmail)
)

// Auth says how to log in. An empty Method means PLAIN when the server
// offers it, and the LOGIN command otherwise.
type Auth struct {
	Method   string
	Username string
	Password string
	// TokenSource gives the bearer token for XOAUTH2; see
	// MicrosoftTokenSource.
	TokenSource oauth2.TokenSource
}

// Config is where and how to connect.
type Config struct {
	Host string
	// Port defaults to 993 for SecurityTLS and 143 otherwise.
	Port int
	// Security defaults to SecurityTLS.
	Security  Security
	Auth      Auth
	TLSConfig *tls.Config
	// Timeout bounds dialling, and how long the server may stay silent
	// while a command waits for it. Default DefaultTimeout.
	Timeout time.Duration
}

// DefaultTimeout is Config.Timeout when it is zero.
const DefaultTimeout = 60 * time.Second

// Client is one logged-in IMAP connection. Its methods must not be called
// concurrently.
type Client struct {
	cli     *imapclient.Client
	conn    *watchedConn
	log     *slog.Logger
	timeout time.Duration
	caps    imap.CapSet

	// changes holds a token when the server reported EXISTS since the
	// last look: a message may have arrived.
	changes chan struct{}
	broken  atomic.Bool // the connection is gone
	closed  atomic.Bool // Close was called

	selected string
	readOnly bool
}

// Dial connects, upgrades to TLS if asked, and logs in.
func Dial(ctx context.Context, cfg Config, log *slog.Logger) (*Client, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	addr := net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port))

	// Keep-alive probes notice a peer that vanished without closing the
	// connection, which a long IDLE would otherwise never see.
	dialer := &net.Dialer{
		Timeout:         cfg.Timeout,
		KeepAliveConfig: net.KeepAliveConfig{Enable: true, Idle: 30 * time.Second, Interval: 10 * time.Second, Count: 3},
	}
	raw, err := dialer.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("imap: dial %s: %w: %w", addr, ErrConnection, err)
	}
	c := &Client{
		conn:    newWatchedConn(raw),
		log:     log,
		timeout: cfg.Timeout,
		changes: make(chan struct{}, 1),
	}
	if err := c.open(ctx, cfg); err != nil {
		c.conn.Close()
		return nil, fmt.Errorf("imap: %s: %w", addr, err)
	}
	return c, nil
}

func (cfg Config) withDefaults() (Config, error) {
	if cfg.Host == "" {
		return cfg, errors.New("imap: no host")
	}
	if cfg.Security == "" {
		cfg.Security = SecurityTLS
	}
	switch cfg.Security {
	case SecurityTLS, SecurityStartTLS, SecurityNone:
	default:
		return cfg, fmt.Errorf("imap: unknown security %q (want tls, starttls or none)", cfg.Security)
	}
	if cfg.Port == 0 {
		cfg.Port = 143
		if cfg.Security == SecurityTLS {
			cfg.Port = 993
		}
	}
	if cfg.Port < 0 || cfg.Port > 65535 {
		return cfg, fmt.Errorf("imap: invalid port %d", cfg.Port)
	}
	switch cfg.Auth.Method {
	case "", AuthPlain, AuthLogin:
	case AuthXOAUTH2:
		if cfg.Auth.TokenSource == nil {
			return cfg, errors.New("imap: xoauth2 needs a token source")
		}
	default:
		return cfg, fmt.Errorf("imap: unknown auth method %q (want plain, login or xoauth2)", cfg.Auth.Method)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.TLSConfig == nil {
		cfg.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	} else {
		cfg.TLSConfig = cfg.TLSConfig.Clone()
	}
	if cfg.TLSConfig.ServerName == "" {
		cfg.TLSConfig.ServerName = cfg.Host
	}
	return cfg, nil
}

// open greets, secures and authenticates the connection.
func (c *Client) open(ctx context.Context, cfg Config) error {
	opts := &imapclient.Options{
		TLSConfig:             cfg.TLSConfig,
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{Mailbox: c.onMailboxUpdate},
	}
	var conn net.Conn = c.conn
	if cfg.Security == SecurityTLS {
		tc := tls.Client(c.conn, cfg.TLSConfig)
		hctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
		err := tc.HandshakeContext(hctx)
		cancel()
		if err != nil && isTLSRefusal(err) {
			return fmt.Errorf("tls: %w", err)
		}
		if err != nil {
			return fmt.Errorf("tls: %w: %w", ErrConnection, err)
		}
		conn = tc
	}

	switch cfg.Security {
	case SecurityStartTLS:
		var startErr error
		err := c.do(ctx, "starttls", func() error {
			c.cli, startErr = imapclient.NewStartTLS(conn, opts)
			return startErr
		})
		if err != nil && isTLSRefusal(startErr) {
			return fmt.Errorf("starttls: %w", startErr)
		}
		if err != nil {
			return err
		}
	default:
		c.cli = imapclient.New(conn, opts)
		if err := c.do(ctx, "greeting", c.cli.WaitGreeting); err != nil {
			// A server that greets with BYE is busy or going down: worth
			// another try later, as for a refused connection.
			if !errors.Is(err, ErrConnection) {
				err = fmt.Errorf("%w: %w", ErrConnection, err)
			}
			return err
		}
	}

	if err := c.authenticate(ctx, cfg.Auth); err != nil {
		return err
	}
	return c.do(ctx, "capability", func() error {
		c.caps = c.cli.Caps()
		if c.caps == nil {
			return errors.New("no capabilities")
		}
		return nil
	})
}

// isTLSRefusal tells a certificate or protocol mismatch, which a retry
// does not fix, from a lost connection.
func isTLSRefusal(err error) bool {
	var certErr *tls.CertificateVerificationError
	var recordErr tls.RecordHeaderError
	var alert tls.AlertError
	return errors.As(err, &certErr) || errors.As(err, &recordErr) || errors.As(err, &alert)
}

// onMailboxUpdate runs in go-imap's reader goroutine on unsolicited
// mailbox data; EXISTS (RFC 9051 section 7.4.1) means new mail may be
// there.
func (c *Client) onMailboxUpdate(data *imapclient.UnilateralDataMailbox) {
	if data.NumMessages == nil {
		return
	}
	select {
	case c.changes <- struct{}{}:
	default:
	}
}

// SupportsIdle reports whether the server offers IDLE (RFC 2177).
func (c *Client) SupportsIdle() bool { return c.caps.Has(imap.CapIdle) }

// Close logs out and closes the connection. Calling it again does
// nothing.
func (c *Client) Close() error {
	if c.closed.Swap(true) {
		return nil
	}
	if c.broken.Load() {
		_ = c.cli.Close() // the connection is gone already; nothing to report
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), min(c.timeout, 5*time.Second))
	defer cancel()
	err := c.do(ctx, "logout", func() error { return c.cli.Logout().Wait() })
	c.broken.Store(true)
	if cerr := c.cli.Close(); cerr != nil && err == nil && !errors.Is(cerr, net.ErrClosed) {
		c.log.Debug("imap close", "error", cerr)
	}
	if err != nil {
		return fmt.Errorf("imap: %w", err)
	}
	return nil
}

// do runs one command under the watchdog: run must send the command and
// wait for its answer. If the server stays silent for the timeout, or ctx
// ends, the connection is closed, which ends the wait.
func (c *Client) do(ctx context.Context, what string, run func() error) error {
	if c.broken.Load() {
		return fmt.Errorf("%s: %w: closed after an earlier error", what, ErrConnection)
	}
	stop := c.watch(ctx)
	err := run()
	if reason := stop(); reason != nil {
		c.broken.Store(true)
		return fmt.Errorf("%s: %w: %w", what, ErrConnection, reason)
	}
	if err == nil {
		return nil
	}
	var imapErr *imap.Error
	if errors.As(err, &imapErr) {
		return fmt.Errorf("%s: %w", what, err) // the server answered NO or BAD; the connection is fine
	}
	// Anything else from go-imap is an I/O or protocol error, after which
	// it has closed the connection.
	c.broken.Store(true)
	return fmt.Errorf("%s: %w: %w", what, ErrConnection, err)
}

// watch closes the connection when ctx ends or nothing was read for the
// timeout; the returned stop says why it did, if it did.
func (c *Client) watch(ctx context.Context) (stop func() error) {
	start := time.Now()
	done := make(chan struct{})
	var reason error
	var wg sync.WaitGroup
	wg.Go(func() {
		timer := time.NewTimer(c.timeout)
		defer timer.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				reason = ctx.Err()
			case <-timer.C:
				last := c.conn.lastRead()
				if last.Before(start) {
					last = start
				}
				if silent := time.Since(last); silent < c.timeout {
					timer.Reset(c.timeout - silent)
					continue
				}
				reason = fmt.Errorf("%w: no answer for %v", ErrTimeout, c.timeout)
			}
			c.conn.Close()
			return
		}
	})
	return func() error {
		close(done)
		wg.Wait()
		return reason
	}
}

// watchedConn records when data last arrived, so that a slow but moving
// transfer of a large message is not taken for a dead server.
type watchedConn struct {
	net.Conn
	last atomic.Int64 // unix nanoseconds
}

func newWatchedConn(c net.Conn) *watchedConn {
	w := &watchedConn{Conn: c}
	w.last.Store(time.Now().UnixNano())
	return w
}

func (w *watchedConn) Read(b []byte) (int, error) {
	n, err := w.Conn.Read(b)
	if n > 0 {
		w.last.Store(time.Now().UnixNano())
	}
	return n, err
}

func (w *watchedConn) lastRead() time.Time { return time.Unix(0, w.last.Load()) }
