package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/meldpunt/meldpunt/internal/registry/store"
	"github.com/meldpunt/meldpunt/internal/registry/store/internal/driverutil"
)

// accountError makes the constraint violations of the accounts tables the
// store's errors: a duplicate is ErrConflict, a missing user ErrNotFound.
func accountError(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "23505": // unique_violation
			return fmt.Errorf("%w (%s)", store.ErrConflict, pgErr.ConstraintName)
		case "23503": // foreign_key_violation
			return fmt.Errorf("no such user: %w", store.ErrNotFound)
		}
	}
	return err
}

// cleanList is a list as stored: cleaned text, never NULL.
func cleanList(l []string) []string {
	c := make([]string, len(l))
	for i, s := range l {
		c[i] = driverutil.Clean(s)
	}
	return c
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
	_, err := s.pool.Exec(ctx, `
		INSERT INTO users (username, display_name, email, password_hash, roles, domains, department, disabled,
			created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		driverutil.Clean(u.Username), driverutil.Clean(u.DisplayName), driverutil.Clean(u.Email),
		driverutil.Clean(u.PasswordHash), cleanList(u.Roles), cleanList(u.Domains), driverutil.Clean(u.Department),
		u.Disabled, created, updated)
	if err != nil {
		return fmt.Errorf("create user %q: %w", u.Username, accountError(err))
	}
	return nil
}

func (s *Store) UpdateUser(ctx context.Context, u store.User) error {
	tag, err := s.pool.Exec(ctx, `
		UPDATE users SET display_name = $2, email = $3, roles = $4, domains = $5, department = $6, disabled = $7,
			updated_at = $8
		WHERE username = $1`,
		u.Username, driverutil.Clean(u.DisplayName), driverutil.Clean(u.Email), cleanList(u.Roles),
		cleanList(u.Domains), driverutil.Clean(u.Department), u.Disabled, at(u.UpdatedAt))
	if err != nil {
		return fmt.Errorf("update user %q: %w", u.Username, err)
	}
	if tag.RowsAffected() == 0 {
		return errNotFound("update user %q", u.Username)
	}
	return nil
}

func (s *Store) SetPassword(ctx context.Context, username, passwordHash string, when time.Time) error {
	tag, err := s.pool.Exec(ctx, `UPDATE users SET password_hash = $2, updated_at = $3 WHERE username = $1`,
		username, driverutil.Clean(passwordHash), at(when))
	if err != nil {
		return fmt.Errorf("set password of %q: %w", username, err)
	}
	if tag.RowsAffected() == 0 {
		return errNotFound("set password of %q", username)
	}
	return nil
}

const userColumns = `username, display_name, email, password_hash, roles, domains, department, disabled,
	created_at, updated_at`

func scanUser(row pgx.CollectableRow) (store.User, error) {
	var u store.User
	err := row.Scan(&u.Username, &u.DisplayName, &u.Email, &u.PasswordHash, &u.Roles, &u.Domains, &u.Department,
		&u.Disabled, &u.CreatedAt, &u.UpdatedAt)
	u.CreatedAt, u.UpdatedAt = u.CreatedAt.UTC(), u.UpdatedAt.UTC()
	u.Roles, u.Domains = nonNilList(u.Roles), nonNilList(u.Domains)
	return u, err
}

func nonNilList(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

func (s *Store) GetUser(ctx context.Context, username string) (store.User, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+userColumns+` FROM users WHERE username = $1`, username)
	if err != nil {
		return store.User{}, fmt.Errorf("get user %q: %w", username, err)
	}
	u, err := pgx.CollectExactlyOneRow(rows, scanUser)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.User{}, errNotFound("get user %q", username)
	}
	if err != nil {
		return store.User{}, fmt.Errorf("get user %q: %w", username, err)
	}
	return u, nil
}

func (s *Store) ListUsers(ctx context.Context) ([]store.User, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+userColumns+` FROM users ORDER BY username`)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	users, err := pgx.CollectRows(rows, scanUser)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return users, nil
}

func (s *Store) CreateToken(ctx context.Context, t *store.Token) error {
	err := s.pool.QueryRow(ctx, `
		INSERT INTO api_tokens (name, username, roles, domains, department, hash, created_at, last_used_at,
			revoked_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
		RETURNING id`,
		driverutil.Clean(t.Name), nullText(t.Username), cleanList(t.Roles), cleanList(t.Domains),
		driverutil.Clean(t.Department), t.Hash, at(t.CreatedAt), nullTime(driverutil.TimePtr(t.LastUsedAt)),
		nullTime(driverutil.TimePtr(t.RevokedAt)), nullTime(driverutil.TimePtr(t.ExpiresAt))).Scan(&t.ID)
	if err != nil {
		return fmt.Errorf("create token %q: %w", t.Name, accountError(err))
	}
	return nil
}

const tokenColumns = `id, name, coalesce(username, ''), roles, domains, department, hash, created_at,
	last_used_at, revoked_at, expires_at`

func scanToken(row pgx.CollectableRow) (store.Token, error) {
	var t store.Token
	err := row.Scan(&t.ID, &t.Name, &t.Username, &t.Roles, &t.Domains, &t.Department, &t.Hash, &t.CreatedAt,
		&t.LastUsedAt, &t.RevokedAt, &t.ExpiresAt)
	t.CreatedAt, t.LastUsedAt, t.RevokedAt, t.ExpiresAt = t.CreatedAt.UTC(), utc(t.LastUsedAt), utc(t.RevokedAt), utc(t.ExpiresAt)
	t.Roles, t.Domains = nonNilList(t.Roles), nonNilList(t.Domains)
	return t, err
}

func (s *Store) TokenByHash(ctx context.Context, hash string, now time.Time) (store.Token, error) {
	now = driverutil.Time(now)
	// One statement: the update when it is due, else the row as it is.
	rows, err := s.pool.Query(ctx, `
		WITH touched AS (
			UPDATE api_tokens SET last_used_at = $2
			WHERE hash = $1 AND revoked_at IS NULL AND (last_used_at IS NULL OR last_used_at <= $3)
			RETURNING `+tokenColumns+`
		)
		SELECT * FROM touched
		UNION ALL
		SELECT `+tokenColumns+` FROM api_tokens WHERE hash = $1 AND NOT EXISTS (SELECT FROM touched)`,
		hash, now, now.Add(-time.Minute))
	if err != nil {
		return store.Token{}, fmt.Errorf("find token: %w", err)
	}
	t, err := pgx.CollectExactlyOneRow(rows, scanToken)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Token{}, errNotFound("find token")
	}
	if err != nil {
		return store.Token{}, fmt.Errorf("find token: %w", err)
	}
	return t, nil
}

func (s *Store) ListTokens(ctx context.Context) ([]store.Token, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+tokenColumns+` FROM api_tokens ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	tokens, err := pgx.CollectRows(rows, scanToken)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	return tokens, nil
}

func (s *Store) RevokeToken(ctx context.Context, id int64, when time.Time) error {
	var found bool
	err := s.pool.QueryRow(ctx, `
		WITH revoked AS (
			UPDATE api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL RETURNING id
		)
		SELECT EXISTS (SELECT FROM api_tokens WHERE id = $1)`, id, at(when)).Scan(&found)
	if err != nil {
		return fmt.Errorf("revoke token %d: %w", id, err)
	}
	if !found {
		return errNotFound("revoke token %d", id)
	}
	return nil
}

func (s *Store) CreateSession(ctx context.Context, ss store.Session) error {
	created := at(ss.CreatedAt)
	lastSeen := created
	if !ss.LastSeenAt.IsZero() {
		lastSeen = at(ss.LastSeenAt)
	}
	_, err := s.pool.Exec(ctx, `
		INSERT INTO sessions (id_hash, username, csrf, created_at, expires_at, last_seen_at)
		VALUES ($1, $2, $3, $4, $5, $6)`,
		ss.IDHash, ss.Username, driverutil.Clean(ss.CSRF), created, driverutil.Time(ss.ExpiresAt), lastSeen)
	if err != nil {
		return fmt.Errorf("create session of %q: %w", ss.Username, accountError(err))
	}
	return nil
}

func (s *Store) SessionByHash(ctx context.Context, idHash string) (store.Session, error) {
	var ss store.Session
	err := s.pool.QueryRow(ctx, `
		SELECT id_hash, username, csrf, created_at, expires_at, last_seen_at FROM sessions WHERE id_hash = $1`,
		idHash).Scan(&ss.IDHash, &ss.Username, &ss.CSRF, &ss.CreatedAt, &ss.ExpiresAt, &ss.LastSeenAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Session{}, errNotFound("find session")
	}
	if err != nil {
		return store.Session{}, fmt.Errorf("find session: %w", err)
	}
	ss.CreatedAt, ss.ExpiresAt, ss.LastSeenAt = ss.CreatedAt.UTC(), ss.ExpiresAt.UTC(), ss.LastSeenAt.UTC()
	return ss, nil
}

func (s *Store) TouchSession(ctx context.Context, idHash string, when time.Time) error {
	if _, err := s.pool.Exec(ctx, `UPDATE sessions SET last_seen_at = $2 WHERE id_hash = $1`, idHash, at(when)); err != nil {
		return fmt.Errorf("touch session: %w", err)
	}
	return nil
}

func (s *Store) DeleteSession(ctx context.Context, idHash string) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM sessions WHERE id_hash = $1`, idHash); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

func (s *Store) DeleteUserSessions(ctx context.Context, username string) (int64, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM sessions WHERE username = $1`, username)
	if err != nil {
		return 0, fmt.Errorf("delete sessions of %q: %w", username, err)
	}
	return tag.RowsAffected(), nil
}

func (s *Store) DeleteExpiredSessions(ctx context.Context, now, lastSeenBefore time.Time) (int64, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at < $2`,
		driverutil.Time(now), driverutil.Time(lastSeenBefore))
	if err != nil {
		return 0, fmt.Errorf("delete expired sessions: %w", err)
	}
	return tag.RowsAffected(), nil
}
