// Package postgres is the PostgreSQL driver of the registry store, over a
// pgx connection pool. It owns the PostgreSQL schema (migrations/*.sql,
// embedded) and all SQL that runs against it.
//
// A Tx costs a fixed number of round trips per call, whatever the size of
// the batch: arrays go in as parameters (unnest), messages by COPY, and
// statements that do not wait for each other's results are pipelined
// (pgx.Batch). BulkInsertMessages is the benchmark's ceiling.
//
// Names in SQL are never schema-qualified: the store lives in the first
// schema of the connection's search_path, so one database can hold several
// stores (tests use a schema each).
//
// It must not import the registry, bus or web packages.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/meldpunt/meldpunt/internal/registry/store"
	"github.com/meldpunt/meldpunt/internal/registry/store/internal/driverutil"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Advisory lock classes (the first key of the two-key form), so our locks
// cannot meet another application's. The second key identifies the object.
const (
	lockClassMigrate int32 = 0x6d700001 // "mp" 1: migrations, per schema
	lockClassContact int32 = 0x6d700002 // "mp" 2: contact lookup keys
	lockClassIngest  int32 = 0x6d700003 // "mp" 3: registering events, per schema
	// Claimed event ids use the single-bigint key space (see ClaimEvents).
)

// Store is a registry store in PostgreSQL.
type Store struct {
	pool *pgxpool.Pool
	log  *slog.Logger
}

var _ store.Store = (*Store)(nil)

// Open connects to the database at dsn (a postgres:// URL or key=value
// string; pgx syntax, so search_path=... selects the schema) and checks that
// it answers. It does not migrate: call Migrate.
func Open(ctx context.Context, dsn string, log *slog.Logger) (*Store, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("parse database url: %w", err)
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

// Close closes every connection, waiting for those in use to be released.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("ping database: %w", err)
	}
	return nil
}

// Migrate applies the embedded migrations that are not applied yet, all in
// one transaction that holds an advisory lock for the current schema, so
// registries starting at once apply each migration exactly once. (A
// migration therefore cannot use CREATE INDEX CONCURRENTLY.)
func (s *Store) Migrate(ctx context.Context) error {
	ms, err := driverutil.ReadMigrations(migrationFS, "migrations")
	if err != nil {
		return err
	}
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		return fmt.Errorf("migrate: begin: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after commit
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, hashtext(coalesce(current_schema(), '')))`, lockClassMigrate); err != nil {
		return fmt.Errorf("migrate: lock: %w", err)
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version integer PRIMARY KEY,
		name text NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now()
	)`); err != nil {
		return fmt.Errorf("migrate: create schema_migrations: %w", err)
	}
	rows, err := tx.Query(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return fmt.Errorf("migrate: read applied versions: %w", err)
	}
	applied, err := pgx.CollectRows(rows, pgx.RowTo[int])
	if err != nil {
		return fmt.Errorf("migrate: read applied versions: %w", err)
	}
	done := make(map[int]bool, len(applied))
	for _, v := range applied {
		done[v] = true
	}
	var ran []driverutil.Migration
	for _, m := range ms {
		if done[m.Version] {
			continue
		}
		if _, err := tx.Exec(ctx, m.SQL); err != nil {
			return fmt.Errorf("migrate: apply %s: %w", m.Name, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.Version, m.Name); err != nil {
			return fmt.Errorf("migrate: record %s: %w", m.Name, err)
		}
		ran = append(ran, m)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("migrate: commit: %w", err)
	}
	for _, m := range ran {
		s.log.Info("applied migration", "version", m.Version, "name", m.Name)
	}
	if latest := ms[len(ms)-1].Version; len(applied) > 0 && maxInt(applied) > latest {
		s.log.Warn("database schema is newer than this program", "version", maxInt(applied), "known", latest)
	}
	return nil
}

func maxInt(vs []int) int {
	m := vs[0]
	for _, v := range vs[1:] {
		m = max(m, v)
	}
	return m
}

// Begin starts a READ COMMITTED write transaction. The store's correctness
// under concurrency (a statement after a lock wait sees what the holder
// committed: claimed events, contacts, case counters) relies on that level,
// so it is set explicitly.
func (s *Store) Begin(ctx context.Context) (store.Tx, error) {
	t, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted, AccessMode: pgx.ReadWrite})
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	return &tx{tx: t}, nil
}

// readTx runs f in a read-only transaction that sees one snapshot.
func (s *Store) readTx(ctx context.Context, f func(pgx.Tx) error) error {
	t, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return fmt.Errorf("begin read: %w", err)
	}
	defer t.Rollback(ctx) //nolint:errcheck // read-only: nothing to lose
	return f(t)
}

// IsTransient reports whether err is worth retrying in a new transaction.
func (s *Store) IsTransient(err error) bool { return IsTransient(err) }

// IsTransient reports whether err, from this driver, is worth retrying in a
// new transaction: serialization failures, deadlocks, lock timeouts, a
// server shutting down or a standby after fail-over, too many connections,
// lost or refused connections, and cancelled or timed out contexts.
func IsTransient(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "40001", // serialization_failure
			"40P01", // deadlock_detected
			"55P03", // lock_not_available
			"57014", // query_canceled (statement_timeout)
			"57P01", // admin_shutdown
			"57P02", // crash_shutdown
			"57P03", // cannot_connect_now
			"53300", // too_many_connections
			"25006": // read_only_sql_transaction: connected to a standby during fail-over
			return true
		}
		return pgErr.Code[:2] == "08" // connection_exception
	}
	var connectErr *pgconn.ConnectError
	if errors.As(err, &connectErr) || pgconn.Timeout(err) || pgconn.SafeToRetry(err) {
		return true
	}
	// A connection lost in the middle of a statement.
	var netErr net.Error
	return errors.As(err, &netErr) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, pgconn.ErrConnClosed)
}

// querier is what a pool and a transaction have in common.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

var (
	_ querier = (*pgxpool.Pool)(nil)
	_ querier = pgx.Tx(nil)
)

// errNotFound wraps store.ErrNotFound with what was looked for.
func errNotFound(format string, args ...any) error {
	return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), store.ErrNotFound)
}
