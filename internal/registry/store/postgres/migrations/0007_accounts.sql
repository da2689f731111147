-- Accounts: local users, API tokens and browser sessions (package auth).
-- Secrets are never stored: tokens and sessions are found by the SHA-256 of
-- their secret (hex), passwords are argon2id hashes (PHC strings). Users are
-- disabled, never deleted: the case timeline names them.

CREATE TABLE users (
    username text PRIMARY KEY CHECK (username <> ''),
    display_name text NOT NULL DEFAULT '',
    email text NOT NULL DEFAULT '',
    password_hash text NOT NULL DEFAULT '', -- empty: no local password
    roles text[] NOT NULL DEFAULT '{}',
    domains text[] NOT NULL DEFAULT '{}',
    department text NOT NULL DEFAULT '',
    disabled boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);

CREATE TABLE api_tokens (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL CHECK (name <> ''),
    username text REFERENCES users (username), -- NULL: an integration's token
    roles text[] NOT NULL DEFAULT '{}',
    domains text[] NOT NULL DEFAULT '{}',
    department text NOT NULL DEFAULT '',
    hash text NOT NULL UNIQUE CHECK (hash <> ''),
    created_at timestamptz NOT NULL,
    last_used_at timestamptz,
    revoked_at timestamptz,
    expires_at timestamptz
);
-- An active token's name is unique per user, and among integrations.
CREATE UNIQUE INDEX api_tokens_name_idx ON api_tokens (coalesce(username, ''), name) WHERE revoked_at IS NULL;

CREATE TABLE sessions (
    id_hash text PRIMARY KEY CHECK (id_hash <> ''),
    username text NOT NULL REFERENCES users (username),
    csrf text NOT NULL CHECK (csrf <> ''),
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL
);
CREATE INDEX sessions_username_idx ON sessions (username);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);
CREATE INDEX sessions_last_seen_idx ON sessions (last_seen_at);
