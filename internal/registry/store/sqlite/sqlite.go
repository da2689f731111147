// Package sqlite is the SQLite driver of the registry store, the embedded
// default, over database/sql and modernc.org/sqlite (pure Go). It owns the
// SQLite schema (migrations/*.sql, embedded) and all SQL that runs against it.
//
// The database is in WAL mode, so readers never wait for the writer: other
// processes (`registry stats`) can read while `registry serve` writes. Write
// transactions begin IMMEDIATE, taking the write lock at once, and wait up
// to the busy timeout for another process's writer. Within a process there
// is one write connection, so write transactions queue in Go instead of
// spinning on the lock.
//
// It must not import the registry, bus or web packages.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/meldpunt/meldpunt/internal/registry/store"
	"github.com/meldpunt/meldpunt/internal/registry/store/internal/driverutil"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// BusyTimeout is how long a write waits for another process's writer before
// it fails with SQLITE_BUSY (which IsTransient reports).
const BusyTimeout = 10 * time.Second

// readConns is how many connections read at once.
const readConns = 4

// Store is a registry store in one SQLite file.
type Store struct {
	write *sql.DB // one connection, write transactions (BEGIN IMMEDIATE)
	read  *sql.DB // query_only connections for the Store's read methods
	log   *slog.Logger
}

var _ store.Store = (*Store)(nil)

// Open opens (creating it, and its directory, if needed) the database file
// at path. It does not migrate: call Migrate.
func Open(ctx context.Context, path string, log *slog.Logger) (*Store, error) {
	return open(ctx, path, log, BusyTimeout)
}

func open(ctx context.Context, path string, log *slog.Logger, busyTimeout time.Duration) (*Store, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	// The driver takes everything after '?' as parameters, and a "file:"
	// name as a URI; neither can be part of a plain path.
	if path == "" || strings.ContainsRune(path, '?') || strings.HasPrefix(path, "file:") {
		return nil, fmt.Errorf("open sqlite database: invalid path %q", path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("open sqlite database: %w", err)
	}
	params := func(extra ...string) string {
		q := url.Values{}
		q.Add("_pragma", "busy_timeout("+strconv.FormatInt(busyTimeout.Milliseconds(), 10)+")")
		q.Add("_pragma", "foreign_keys(1)")
		q.Add("_pragma", "synchronous(NORMAL)")
		for _, e := range extra {
			k, v, _ := strings.Cut(e, "=")
			q.Add(k, v)
		}
		return path + "?" + q.Encode()
	}

	write, err := sql.Open("sqlite", params("_pragma=journal_mode(WAL)", "_txlock=immediate"))
	if err != nil {
		return nil, fmt.Errorf("open sqlite database %s: %w", path, err)
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxIdleTime(0)
	// Connecting creates the file and switches it to WAL before any reader
	// opens it.
	if err := write.PingContext(ctx); err != nil {
		write.Close()
		return nil, fmt.Errorf("open sqlite database %s: %w", path, err)
	}
	read, err := sql.Open("sqlite", params("_pragma=query_only(1)"))
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("open sqlite database %s: %w", path, err)
	}
	read.SetMaxOpenConns(readConns)
	read.SetMaxIdleConns(readConns)
	if err := read.PingContext(ctx); err != nil {
		write.Close()
		read.Close()
		return nil, fmt.Errorf("open sqlite database %s: %w", path, err)
	}
	return &Store{write: write, read: read, log: log}, nil
}

// Close closes the database.
func (s *Store) Close() error {
	return errors.Join(s.read.Close(), s.write.Close())
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.read.PingContext(ctx); err != nil {
		return fmt.Errorf("ping database: %w", err)
	}
	return nil
}

// Migrate applies the embedded migrations that are not applied yet, in one
// write transaction: a second process waits for the first and then finds
// nothing left to do.
func (s *Store) Migrate(ctx context.Context) error {
	ms, err := driverutil.ReadMigrations(migrationFS, "migrations")
	if err != nil {
		return err
	}
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrate: begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after commit
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY,
		name TEXT NOT NULL,
		applied_at TEXT NOT NULL
	) STRICT`); err != nil {
		return fmt.Errorf("migrate: create schema_migrations: %w", err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return fmt.Errorf("migrate: read applied versions: %w", err)
	}
	done := map[int]bool{}
	latestApplied := 0
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return fmt.Errorf("migrate: read applied versions: %w", err)
		}
		done[v] = true
		latestApplied = max(latestApplied, v)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("migrate: read applied versions: %w", err)
	}
	var ran []driverutil.Migration
	for _, m := range ms {
		if done[m.Version] {
			continue
		}
		if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
			return fmt.Errorf("migrate: apply %s: %w", m.Name, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
			m.Version, m.Name, formatTime(at(time.Time{}))); err != nil {
			return fmt.Errorf("migrate: record %s: %w", m.Name, err)
		}
		ran = append(ran, m)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migrate: commit: %w", err)
	}
	for _, m := range ran {
		s.log.Info("applied migration", "version", m.Version, "name", m.Name)
	}
	if latest := ms[len(ms)-1].Version; latestApplied > latest {
		s.log.Warn("database schema is newer than this program", "version", latestApplied, "known", latest)
	}
	return nil
}

// Begin starts a write transaction (BEGIN IMMEDIATE). It waits while another
// transaction of this Store is open.
func (s *Store) Begin(ctx context.Context) (store.Tx, error) {
	t, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	return &tx{tx: t}, nil
}

// readTx runs f in a read transaction, which sees one snapshot.
func (s *Store) readTx(ctx context.Context, f func(*sql.Tx) error) error {
	t, err := s.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("begin read: %w", err)
	}
	defer t.Rollback() //nolint:errcheck // read-only: nothing to lose
	return f(t)
}

// IsTransient reports whether err is worth retrying in a new transaction.
func (s *Store) IsTransient(err error) bool { return IsTransient(err) }

// IsTransient reports whether err, from this driver, is worth retrying in a
// new transaction: the database was busy or locked (another process held
// the write lock longer than the busy timeout), or the context was
// cancelled or timed out.
func IsTransient(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff { // the primary code of an extended one
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return true
		}
	}
	return false
}

// querier is what a database and a transaction have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

var (
	_ querier = (*sql.DB)(nil)
	_ querier = (*sql.Tx)(nil)
)

// errNotFound wraps store.ErrNotFound with what was looked for.
func errNotFound(format string, args ...any) error {
	return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), store.ErrNotFound)
}
