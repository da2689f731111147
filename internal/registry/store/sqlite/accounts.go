package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/meldpunt/meldpunt/internal/registry/store"
	"github.com/meldpunt/meldpunt/internal/registry/store/internal/driverutil"
)

// The accounts methods write outside a Tx, each in one statement on the
// write connection: they queue behind an open Tx of this Store like Begin.

// accountError makes the constraint violations of the accounts tables the
// store's errors: a duplicate is ErrConflict, a missing user ErrNotFound.
func accountError(err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return fmt.Errorf("%w (%v)", store.ErrConflict, err)
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return fmt.Errorf("no such user: %w", store.ErrNotFound)
		}
	}
	return err
}

// jsonList is a list as stored: a JSON array of cleaned strings.
func jsonList(l []string) string {
	c := make([]string, len(l))
	for i, s := range l {
		c[i] = driverutil.Clean(s)
	}
	b, _ := json.Marshal(c) // strings always marshal
	return string(b)
}

// listColumn scans a JSON array of strings; never nil.
type listColumn struct{ l *[]string }

func (c listColumn) Scan(v any) error {
	s, ok := v.(string)
	if !ok {
		return fmt.Errorf("list column holds %T, want text", v)
	}
	*c.l = []string{}
	return json.Unmarshal([]byte(s), c.l)
}

// nullText is s as a query argument: NULL for "".
func nullText(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (s *Store) CreateUser(ctx context.Context, u store.User) error {
	created := at(u.CreatedAt)
	updated := created
	if !u.UpdatedAt.IsZero() {
		updated = at(u.UpdatedAt)
	}
	_, err := s.write.ExecContext(ctx, `
		INSERT INTO users (username, display_name, email, password_hash, roles, domains, department, disabled,
			created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		driverutil.Clean(u.Username), driverutil.Clean(u.DisplayName), driverutil.Clean(u.Email),
		driverutil.Clean(u.PasswordHash), jsonList(u.Roles), jsonList(u.Domains), driverutil.Clean(u.Department),
		u.Disabled, formatTime(created), formatTime(updated))
	if err != nil {
		return fmt.Errorf("create user %q: %w", u.Username, accountError(err))
	}
	return nil
}

// updated fails with ErrNotFound when res changed no row.
func updated(res sql.Result, format string, args ...any) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), err)
	}
	if n == 0 {
		return errNotFound(format, args...)
	}
	return nil
}

func (s *Store) UpdateUser(ctx context.Context, u store.User) error {
	res, err := s.write.ExecContext(ctx, `
		UPDATE users SET display_name = ?, email = ?, roles = ?, domains = ?, department = ?, disabled = ?,
			updated_at = ?
		WHERE username = ?`,
		driverutil.Clean(u.DisplayName), driverutil.Clean(u.Email), jsonList(u.Roles), jsonList(u.Domains),
		driverutil.Clean(u.Department), u.Disabled, formatTime(at(u.UpdatedAt)), u.Username)
	if err != nil {
		return fmt.Errorf("update user %q: %w", u.Username, err)
	}
	return updated(res, "update user %q", u.Username)
}

func (s *Store) SetPassword(ctx context.Context, username, passwordHash string, when time.Time) error {
	res, err := s.write.ExecContext(ctx, `UPDATE users SET password_hash = ?, updated_at = ? WHERE username = ?`,
		driverutil.Clean(passwordHash), formatTime(at(when)), username)
	if err != nil {
		return fmt.Errorf("set password of %q: %w", username, err)
	}
	return updated(res, "set password of %q", username)
}

const userColumns = `username, display_name, email, password_hash, roles, domains, department, disabled,
	created_at, updated_at`

func scanUser(row interface{ Scan(...any) error }) (store.User, error) {
	var u store.User
	err := row.Scan(&u.Username, &u.DisplayName, &u.Email, &u.PasswordHash, listColumn{&u.Roles},
		listColumn{&u.Domains}, &u.Department, &u.Disabled, timeColumn{&u.CreatedAt}, timeColumn{&u.UpdatedAt})
	return u, err
}

func (s *Store) GetUser(ctx context.Context, username string) (store.User, error) {
	u, err := scanUser(s.read.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE username = ?`, username))
	if errors.Is(err, sql.ErrNoRows) {
		return store.User{}, errNotFound("get user %q", username)
	}
	if err != nil {
		return store.User{}, fmt.Errorf("get user %q: %w", username, err)
	}
	return u, nil
}

func (s *Store) ListUsers(ctx context.Context) ([]store.User, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+userColumns+` FROM users ORDER BY username`)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	var users []store.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("list users: %w", err)
		}
		users = append(users, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return users, nil
}

func (s *Store) CreateToken(ctx context.Context, t *store.Token) error {
	err := s.write.QueryRowContext(ctx, `
		INSERT INTO api_tokens (name, username, roles, domains, department, hash, created_at, last_used_at,
			revoked_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		RETURNING id`,
		driverutil.Clean(t.Name), nullText(t.Username), jsonList(t.Roles), jsonList(t.Domains),
		driverutil.Clean(t.Department), t.Hash, formatTime(at(t.CreatedAt)), nullTime(t.LastUsedAt),
		nullTime(t.RevokedAt), nullTime(t.ExpiresAt)).Scan(&t.ID)
	if err != nil {
		return fmt.Errorf("create token %q: %w", t.Name, accountError(err))
	}
	return nil
}

const tokenColumns = `id, name, coalesce(username, ''), roles, domains, department, hash, created_at,
	last_used_at, revoked_at, expires_at`

func scanToken(row interface{ Scan(...any) error }) (store.Token, error) {
	var t store.Token
	err := row.Scan(&t.ID, &t.Name, &t.Username, listColumn{&t.Roles}, listColumn{&t.Domains}, &t.Department,
		&t.Hash, timeColumn{&t.CreatedAt}, nullTimeColumn{&t.LastUsedAt}, nullTimeColumn{&t.RevokedAt},
		nullTimeColumn{&t.ExpiresAt})
	return t, err
}

// TokenByHash reads first and writes only when LastUsedAt is due, so that
// a busy API client costs one write a minute, not one a request.
func (s *Store) TokenByHash(ctx context.Context, hash string, now time.Time) (store.Token, error) {
	t, err := scanToken(s.read.QueryRowContext(ctx, `SELECT `+tokenColumns+` FROM api_tokens WHERE hash = ?`, hash))
	if errors.Is(err, sql.ErrNoRows) {
		return store.Token{}, errNotFound("find token")
	}
	if err != nil {
		return store.Token{}, fmt.Errorf("find token: %w", err)
	}
	now = driverutil.Time(now)
	cutoff := now.Add(-time.Minute)
	if t.RevokedAt != nil || (t.LastUsedAt != nil && t.LastUsedAt.After(cutoff)) {
		return t, nil
	}
	res, err := s.write.ExecContext(ctx, `
		UPDATE api_tokens SET last_used_at = ?
		WHERE id = ? AND revoked_at IS NULL AND (last_used_at IS NULL OR last_used_at <= ?)`,
		formatTime(now), t.ID, formatTime(cutoff))
	if err != nil {
		return store.Token{}, fmt.Errorf("record use of token %d: %w", t.ID, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 1 {
		t.LastUsedAt = &now
	}
	return t, nil
}

func (s *Store) ListTokens(ctx context.Context) ([]store.Token, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+tokenColumns+` FROM api_tokens ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	defer rows.Close()
	var tokens []store.Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, fmt.Errorf("list tokens: %w", err)
		}
		tokens = append(tokens, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	return tokens, nil
}

func (s *Store) RevokeToken(ctx context.Context, id int64, when time.Time) error {
	// coalesce keeps the first revocation, and the row counts as changed
	// either way, which tells whether the token exists.
	res, err := s.write.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?`,
		formatTime(at(when)), id)
	if err != nil {
		return fmt.Errorf("revoke token %d: %w", id, err)
	}
	return updated(res, "revoke token %d", id)
}

func (s *Store) CreateSession(ctx context.Context, ss store.Session) error {
	created := at(ss.CreatedAt)
	lastSeen := created
	if !ss.LastSeenAt.IsZero() {
		lastSeen = at(ss.LastSeenAt)
	}
	_, err := s.write.ExecContext(ctx, `
		INSERT INTO sessions (id_hash, username, csrf, created_at, expires_at, last_seen_at)
		VALUES (?, ?, ?, ?, ?, ?)`,
		ss.IDHash, ss.Username, driverutil.Clean(ss.CSRF), formatTime(created), formatTime(ss.ExpiresAt),
		formatTime(lastSeen))
	if err != nil {
		return fmt.Errorf("create session of %q: %w", ss.Username, accountError(err))
	}
	return nil
}

func (s *Store) SessionByHash(ctx context.Context, idHash string) (store.Session, error) {
	var ss store.Session
	err := s.read.QueryRowContext(ctx, `
		SELECT id_hash, username, csrf, created_at, expires_at, last_seen_at FROM sessions WHERE id_hash = ?`,
		idHash).Scan(&ss.IDHash, &ss.Username, &ss.CSRF, timeColumn{&ss.CreatedAt}, timeColumn{&ss.ExpiresAt},
		timeColumn{&ss.LastSeenAt})
	if errors.Is(err, sql.ErrNoRows) {
		return store.Session{}, errNotFound("find session")
	}
	if err != nil {
		return store.Session{}, fmt.Errorf("find session: %w", err)
	}
	return ss, nil
}

func (s *Store) TouchSession(ctx context.Context, idHash string, when time.Time) error {
	if _, err := s.write.ExecContext(ctx, `UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?`,
		formatTime(at(when)), idHash); err != nil {
		return fmt.Errorf("touch session: %w", err)
	}
	return nil
}

func (s *Store) DeleteSession(ctx context.Context, idHash string) error {
	if _, err := s.write.ExecContext(ctx, `DELETE FROM sessions WHERE id_hash = ?`, idHash); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

func (s *Store) DeleteUserSessions(ctx context.Context, username string) (int64, error) {
	res, err := s.write.ExecContext(ctx, `DELETE FROM sessions WHERE username = ?`, username)
	if err != nil {
		return 0, fmt.Errorf("delete sessions of %q: %w", username, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("delete sessions of %q: %w", username, err)
	}
	return n, nil
}

func (s *Store) DeleteExpiredSessions(ctx context.Context, now, lastSeenBefore time.Time) (int64, error) {
	res, err := s.write.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at <= ? OR last_seen_at < ?`,
		formatTime(now), formatTime(lastSeenBefore))
	if err != nil {
		return 0, fmt.Errorf("delete expired sessions: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("delete expired sessions: %w", err)
	}
	return n, nil
}
