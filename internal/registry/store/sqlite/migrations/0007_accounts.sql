-- Accounts: local users, API tokens and browser sessions (package auth).
-- Secrets are never stored: tokens and sessions are found by the SHA-256 of
-- their secret (hex), passwords are argon2id hashes (PHC strings). Users are
-- disabled, never deleted: the case timeline names them. The same as
-- PostgreSQL's; roles and domains are JSON arrays of strings.

CREATE TABLE users (
    username TEXT PRIMARY KEY CHECK (username <> ''),
    display_name TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL DEFAULT '', -- empty: no local password
    roles TEXT NOT NULL DEFAULT '[]',
    domains TEXT NOT NULL DEFAULT '[]',
    department TEXT NOT NULL DEFAULT '',
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL CHECK (name <> ''),
    username TEXT REFERENCES users (username), -- NULL: an integration's token
    roles TEXT NOT NULL DEFAULT '[]',
    domains TEXT NOT NULL DEFAULT '[]',
    department TEXT NOT NULL DEFAULT '',
    hash TEXT NOT NULL UNIQUE CHECK (hash <> ''),
    created_at TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at TEXT,
    expires_at TEXT
) STRICT;
-- An active token's name is unique per user, and among integrations.
CREATE UNIQUE INDEX api_tokens_name_idx ON api_tokens (coalesce(username, ''), name) WHERE revoked_at IS NULL;

CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY CHECK (id_hash <> ''),
    username TEXT NOT NULL REFERENCES users (username),
    csrf TEXT NOT NULL CHECK (csrf <> ''),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL
) STRICT;
CREATE INDEX sessions_username_idx ON sessions (username);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);
CREATE INDEX sessions_last_seen_idx ON sessions (last_seen_at);
