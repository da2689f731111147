package store

import (
	"context"
	"errors"
	"time"
)

// ErrConflict is returned when a username, or the name of an active token,
// is taken already.
var ErrConflict = errors.New("already exists")

// Accounts stores who may use the staff UI and the API: local users, API
// tokens and browser sessions. It stores what it is given; checking names,
// roles and domains, hashing passwords and secrets, and deciding whether a
// token or session is still valid is the job of package auth.
//
// Secrets are never stored: a token and a session are found by the SHA-256
// of their secret (lower-case hex), a password is an argon2id hash.
type Accounts interface {
	// CreateUser adds a user. ErrConflict when the username is taken.
	// Zero CreatedAt and UpdatedAt mean now.
	CreateUser(ctx context.Context, u User) error
	// UpdateUser sets the display name, e-mail, roles, domains, department
	// and Disabled of the user u.Username (not the password, not
	// CreatedAt). A zero UpdatedAt means now. ErrNotFound when there is no
	// such user.
	UpdateUser(ctx context.Context, u User) error
	// SetPassword replaces the user's password hash (empty: no local
	// password). ErrNotFound when there is no such user.
	SetPassword(ctx context.Context, username, passwordHash string, at time.Time) error
	// GetUser returns one user. ErrNotFound when there is no such user.
	GetUser(ctx context.Context, username string) (User, error)
	// ListUsers returns every user, disabled ones included, by username.
	ListUsers(ctx context.Context) ([]User, error)

	// CreateToken stores a token and sets t.ID. A token with a Username
	// belongs to that user (ErrNotFound when there is no such user); one
	// without is an integration's. ErrConflict when the user (or, for
	// integration tokens, the integrations) already has an active (not
	// revoked) token with that name, or the hash is stored already. A zero
	// CreatedAt means now.
	CreateToken(ctx context.Context, t *Token) error
	// TokenByHash returns the token whose secret has this SHA-256, revoked
	// and expired ones included: the caller decides. For a token that is
	// not revoked it records now as LastUsedAt, at most once a minute (an
	// older LastUsedAt is left alone within the minute), and returns the
	// token as it then is. ErrNotFound when no token has that hash.
	TokenByHash(ctx context.Context, hash string, now time.Time) (Token, error)
	// ListTokens returns every token, revoked and expired ones included,
	// oldest first.
	ListTokens(ctx context.Context) ([]Token, error)
	// RevokeToken revokes a token at the given time; revoking a revoked
	// token again changes nothing. ErrNotFound when there is no token with
	// that id.
	RevokeToken(ctx context.Context, id int64, at time.Time) error

	// CreateSession stores a session of an existing user (ErrNotFound when
	// there is no such user). ErrConflict when its IDHash is stored
	// already.
	CreateSession(ctx context.Context, s Session) error
	// SessionByHash returns the session whose id has this SHA-256, expired
	// or not. ErrNotFound when there is none.
	SessionByHash(ctx context.Context, idHash string) (Session, error)
	// TouchSession sets the session's LastSeenAt. A session that is gone is
	// no error.
	TouchSession(ctx context.Context, idHash string, at time.Time) error
	// DeleteSession removes a session. A session that is gone is no error.
	DeleteSession(ctx context.Context, idHash string) error
	// DeleteUserSessions removes every session of a user (after a password
	// change or when the user is disabled) and reports how many there were.
	DeleteUserSessions(ctx context.Context, username string) (int64, error)
	// DeleteExpiredSessions removes the sessions that expire at or before
	// now, or were last seen before lastSeenBefore (idle too long), and
	// reports how many there were.
	DeleteExpiredSessions(ctx context.Context, now, lastSeenBefore time.Time) (int64, error)
}

// User is a member of staff, or an administrator, with a local account or
// one known through OpenID Connect (no password).
type User struct {
	Username    string
	DisplayName string
	Email       string
	// PasswordHash is an argon2id hash in PHC string format; empty when
	// the user has no local password (signs in through OpenID Connect).
	PasswordHash string
	// Roles and Domains are what the user may do, and in which domains
	// (package auth names them). Never nil when read from a store.
	Roles   []string
	Domains []string
	// Department is the department code of the user's own department (or
	// empty).
	Department string
	// Disabled users cannot sign in, and their tokens and sessions no
	// longer work. Users are disabled, never deleted: the case timeline
	// names them.
	Disabled  bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Token is an API token of a user, or of an integration (another system
// that uses the API).
type Token struct {
	ID   int64
	Name string
	// Username is the user the token acts for; empty for an integration
	// token.
	Username string
	// Roles, Domains and Department are the grants of an integration
	// token. A user token may narrow its user's grants with them (empty:
	// the user's). Never nil when read from a store.
	Roles      []string
	Domains    []string
	Department string
	// Hash is the SHA-256 of the secret, lower-case hex. The secret itself
	// is shown once, when the token is made, and never stored.
	Hash       string
	CreatedAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
	// ExpiresAt ends the token (nil: it does not expire).
	ExpiresAt *time.Time
}

// Session is a signed-in browser.
type Session struct {
	// IDHash is the SHA-256 of the session id in the cookie, lower-case
	// hex.
	IDHash   string
	Username string
	// CSRF is the token that forms and scripts of this session must send
	// back with every request that changes something.
	CSRF      string
	CreatedAt time.Time
	// ExpiresAt ends the session however active it is.
	ExpiresAt  time.Time
	LastSeenAt time.Time
}
