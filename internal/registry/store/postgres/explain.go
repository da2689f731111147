package postgres

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// OpenExplained is Open for checking query plans against real data: every
// statement the store runs is explained as it runs, as EXPLAIN (ANALYZE,
// BUFFERS) would print it, and plan is called with the text (the statement
// followed by its plan), from the goroutine that ran the statement. A
// statement's plan is sent when the server is done with it, which may be
// only with the next statement or at the end of the transaction. The
// statements run as usual, so roll back what should not stay.
//
// It needs PostgreSQL's auto_explain module (contrib) and the right to
// LOAD it, which a superuser has.
func OpenExplained(ctx context.Context, dsn string, log *slog.Logger, plan func(string)) (*Store, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("parse database url: %w", err)
	}
	cfg.ConnConfig.OnNotice = func(_ *pgconn.PgConn, n *pgconn.Notice) {
		// auto_explain: "duration: 0.123 ms  plan:\nQuery Text: ...".
		if strings.HasPrefix(n.Message, "duration: ") {
			plan(n.Message)
		}
	}
	cfg.AfterConnect = func(ctx context.Context, c *pgx.Conn) error {
		_, err := c.Exec(ctx, `LOAD 'auto_explain';
			SET auto_explain.log_min_duration = 0;
			SET auto_explain.log_analyze = on;
			SET auto_explain.log_buffers = on;
			SET auto_explain.log_level = notice;
			SET client_min_messages = notice`)
		if err != nil {
			return fmt.Errorf("load auto_explain: %w", err)
		}
		return nil
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open database pool: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	return &Store{pool: pool, log: log}, nil
}
