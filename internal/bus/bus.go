package bus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Reconnect backoff: the first attempt after a disconnect is immediate, then
// the wait doubles from reconnectMin up to reconnectMax, with jitter so that
// many processes do not hammer a restarted server in step.
const (
	reconnectMin = 100 * time.Millisecond
	reconnectMax = 2 * time.Second

	// asyncAckTimeout bounds the wait for one asynchronous publish ack, so
	// that a lost ack becomes a (retried) error instead of a hang.
	asyncAckTimeout = 10 * time.Second
	drainTimeout    = 10 * time.Second
)

// Bus is a connection to NATS with the handles meldpunt needs. It is safe for
// concurrent use.
type Bus struct {
	cfg    Config
	log    *slog.Logger
	nc     *nats.Conn
	js     jetstream.JetStream
	closed chan struct{} // closed by the client once the connection is closed for good

	mu          sync.Mutex
	objects     jetstream.ObjectStore
	checkpoints jetstream.KeyValue
	lost        chan struct{} // closed and replaced at every disconnect
}

// Connect connects to NATS. It keeps trying to connect until ctx ends (the
// servers may still be starting) and, once connected, reconnects forever
// after a disconnect. It does not create the stream or buckets: call Ensure
// (the registry) or Lookup (connectors).
func Connect(ctx context.Context, cfg Config, log *slog.Logger) (*Bus, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("nats config: %w", err)
	}
	cfg = cfg.withDefaults()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	b := &Bus{cfg: cfg, log: log, closed: make(chan struct{}), lost: make(chan struct{})}

	connected := make(chan struct{})
	var (
		connectOnce sync.Once
		errMu       sync.Mutex
		lastErr     error
	)
	opts := []nats.Option{
		nats.Name(cfg.Name),
		nats.MaxReconnects(-1),
		nats.RetryOnFailedConnect(true),
		nats.CustomReconnectDelay(reconnectDelay),
		nats.DrainTimeout(drainTimeout),
		nats.ConnectHandler(func(nc *nats.Conn) {
			connectOnce.Do(func() { close(connected) })
			log.Info("nats connected", "url", nc.ConnectedUrlRedacted())
		}),
		nats.DisconnectErrHandler(func(nc *nats.Conn, err error) {
			b.connectionLost()
			if err != nil {
				log.Warn("nats disconnected", "error", err)
			}
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) {
			log.Info("nats reconnected", "url", nc.ConnectedUrlRedacted())
		}),
		nats.ReconnectErrHandler(func(_ *nats.Conn, err error) {
			errMu.Lock()
			lastErr = err
			errMu.Unlock()
			log.Debug("nats connect attempt failed", "error", err)
		}),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			log.Warn("nats asynchronous error", "error", err)
		}),
		nats.ClosedHandler(func(*nats.Conn) { close(b.closed) }),
	}
	authOpts, err := cfg.authOptions()
	if err != nil {
		return nil, err
	}
	opts = append(opts, authOpts...)

	nc, err := nats.Connect(cfg.URL, opts...)
	if err != nil {
		return nil, fmt.Errorf("connect to nats at %s: %w", redactURLs(cfg.URL), err)
	}
	select {
	case <-connected:
	case <-b.closed:
		return nil, fmt.Errorf("connect to nats at %s: connection closed: %w", redactURLs(cfg.URL), firstErr(nc.LastError(), lastErrOf(&errMu, &lastErr), nats.ErrConnectionClosed))
	case <-ctx.Done():
		nc.Close()
		err := ctx.Err()
		if last := lastErrOf(&errMu, &lastErr); last != nil {
			return nil, fmt.Errorf("connect to nats at %s: %w (last attempt: %v)", redactURLs(cfg.URL), err, last)
		}
		return nil, fmt.Errorf("connect to nats at %s: %w", redactURLs(cfg.URL), err)
	}

	js, err := jetstream.New(nc, jetstream.WithPublishAsyncTimeout(asyncAckTimeout))
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	b.nc = nc
	b.js = js
	return b, nil
}

func (c Config) authOptions() ([]nats.Option, error) {
	var opts []nats.Option
	if c.User != "" {
		opts = append(opts, nats.UserInfo(c.User, c.Password))
	}
	if c.Token != "" {
		opts = append(opts, nats.Token(c.Token))
	}
	if c.CredsFile != "" {
		opts = append(opts, nats.UserCredentials(c.CredsFile))
	}
	if c.NKeySeedFile != "" {
		opt, err := nats.NkeyOptionFromSeed(c.NKeySeedFile)
		if err != nil {
			return nil, fmt.Errorf("nats nkey seed file: %w", err)
		}
		opts = append(opts, opt)
	}
	if c.InboxPrefix != "" {
		opts = append(opts, nats.CustomInboxPrefix(c.InboxPrefix))
	}
	if c.CAFile != "" {
		opts = append(opts, nats.RootCAs(c.CAFile))
	}
	if c.CertFile != "" {
		opts = append(opts, nats.ClientCert(c.CertFile, c.KeyFile))
	}
	return opts, nil
}

func reconnectDelay(attempts int) time.Duration {
	d := reconnectMax
	if attempts < 6 {
		d = min(reconnectMin<<attempts, reconnectMax)
	}
	// Somewhere between half and the full delay.
	return d/2 + rand.N(d/2+1)
}

func lastErrOf(mu *sync.Mutex, err *error) error {
	mu.Lock()
	defer mu.Unlock()
	return *err
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// connectionLost wakes publishes waiting for an ack that may have gone out
// on the connection that was just lost.
func (b *Bus) connectionLost() {
	b.mu.Lock()
	defer b.mu.Unlock()
	close(b.lost)
	b.lost = make(chan struct{})
}

// lostSignal returns a channel that is closed at the next disconnect.
func (b *Bus) lostSignal() <-chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.lost
}

// Conn returns the underlying NATS connection.
func (b *Bus) Conn() *nats.Conn { return b.nc }

// JetStream returns the JetStream handle the bus uses.
func (b *Bus) JetStream() jetstream.JetStream { return b.js }

// Ready reports whether the connection is up and the intake stream answers;
// it backs /readyz.
func (b *Bus) Ready(ctx context.Context) error {
	if status := b.nc.Status(); status != nats.CONNECTED {
		return fmt.Errorf("nats connection is %s", status)
	}
	if _, err := b.js.Stream(ctx, StreamName); err != nil {
		return fmt.Errorf("nats stream %s: %w", StreamName, err)
	}
	return nil
}

// Close drains the connection: subscriptions stop, buffered publishes are
// flushed, then the connection closes. It waits until that is done.
func (b *Bus) Close() error {
	err := b.nc.Drain()
	switch {
	case errors.Is(err, nats.ErrConnectionClosed):
		return nil
	case errors.Is(err, nats.ErrConnectionReconnecting):
		// Drain closed the connection itself: nothing can be flushed.
		return nil
	case err != nil:
		b.nc.Close()
		return fmt.Errorf("drain nats connection: %w", err)
	}
	select {
	case <-b.closed:
		return nil
	case <-time.After(drainTimeout + time.Second):
		b.nc.Close()
		return errors.New("drain nats connection: timed out")
	}
}
