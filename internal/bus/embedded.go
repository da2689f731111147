package bus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// ErrPortInUse is returned by StartEmbedded when its address is taken.
var ErrPortInUse = errors.New("nats port in use")

// EmbeddedConfig configures the in-process NATS server.
type EmbeddedConfig struct {
	Host       string // default 127.0.0.1
	Port       int    // -1 picks a free port; 0 means the NATS default 4222
	StoreDir   string // JetStream storage; required
	ServerName string // optional; shown in monitoring and logs
}

// Embedded is a nats-server with JetStream running in this process.
type Embedded struct {
	srv *server.Server
}

// StartEmbedded starts a NATS server with JetStream in this process and
// waits until it accepts connections or ctx ends.
func StartEmbedded(ctx context.Context, cfg EmbeddedConfig, log *slog.Logger) (*Embedded, error) {
	if cfg.StoreDir == "" {
		return nil, errors.New("start embedded nats: no store dir")
	}
	if cfg.Host == "" {
		cfg.Host = "127.0.0.1"
	}
	if cfg.Port == 0 {
		cfg.Port = server.DEFAULT_PORT
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}

	// nats-server reports a taken port through its logger's Fatalf and then
	// never becomes ready; find out first, with a clear message.
	if cfg.Port > 0 {
		addr := net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port))
		l, err := net.Listen("tcp", addr)
		if err != nil {
			return nil, portInUse(addr, err)
		}
		l.Close()
	}

	opts := &server.Options{
		ServerName: cfg.ServerName,
		Host:       cfg.Host,
		Port:       cfg.Port,
		JetStream:  true,
		StoreDir:   cfg.StoreDir,
		NoSigs:     true, // signals belong to the process that embeds it
	}
	srv, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("start embedded nats: %w", err)
	}
	logger := &serverLogger{log: log, fatal: make(chan string, 1)}
	srv.SetLoggerV2(logger, false, false, false)

	srv.Start()
	for !srv.ReadyForConnections(100 * time.Millisecond) {
		select {
		case msg := <-logger.fatal:
			srv.Shutdown()
			srv.WaitForShutdown()
			if strings.Contains(msg, "Error listening on port") {
				return nil, portInUse(net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port)), errors.New(msg))
			}
			return nil, fmt.Errorf("start embedded nats: %s", msg)
		case <-ctx.Done():
			srv.Shutdown()
			srv.WaitForShutdown()
			return nil, fmt.Errorf("start embedded nats: %w", ctx.Err())
		default:
		}
	}
	e := &Embedded{srv: srv}
	log.Info("embedded nats started", "url", e.ClientURL())
	return e, nil
}

func portInUse(addr string, err error) error {
	return fmt.Errorf("%w: %s is already taken (%v); set MELDPUNT_NATS_URL to use a running NATS server, or choose another port", ErrPortInUse, addr, err)
}

// ClientURL is the URL clients connect to.
func (e *Embedded) ClientURL() string { return e.srv.ClientURL() }

// Shutdown stops the server and waits until it has stopped: JetStream is
// flushed to disk and the port is free again.
func (e *Embedded) Shutdown() {
	e.srv.Shutdown()
	e.srv.WaitForShutdown()
}

// serverLogger passes nats-server's log to slog. Its notices (a startup
// banner among them) go to debug. A fatal error is logged and handed to
// StartEmbedded instead of ending the process.
type serverLogger struct {
	log   *slog.Logger
	once  sync.Once
	fatal chan string
}

func (l *serverLogger) Noticef(format string, v ...any) { l.log.Debug(fmt.Sprintf(format, v...)) }
func (l *serverLogger) Warnf(format string, v ...any)   { l.log.Warn(fmt.Sprintf(format, v...)) }
func (l *serverLogger) Errorf(format string, v ...any)  { l.log.Error(fmt.Sprintf(format, v...)) }
func (l *serverLogger) Debugf(format string, v ...any)  { l.log.Debug(fmt.Sprintf(format, v...)) }
func (l *serverLogger) Tracef(format string, v ...any)  { l.log.Debug(fmt.Sprintf(format, v...)) }

func (l *serverLogger) Fatalf(format string, v ...any) {
	msg := fmt.Sprintf(format, v...)
	l.log.Error(msg)
	l.once.Do(func() { l.fatal <- msg })
}
