-- +goose Up
-- name_key is the name trimmed and lower-cased in Go (Unicode-aware, which
-- SQLite's lower() is not): it carries the case-insensitive uniqueness and
-- the name search and sort.
CREATE TABLE api_tokens (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    name            TEXT NOT NULL CHECK (name <> ''),
    name_key        TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    type            TEXT NOT NULL CHECK (type IN ('read-only', 'full-access', 'custom')),
    access_key_hash TEXT NOT NULL,
    key_hint        TEXT NOT NULL,
    expires_at      DATETIME,
    last_used_at    DATETIME,
    created_at      DATETIME NOT NULL,
    updated_at      DATETIME NOT NULL,
    created_by      INTEGER REFERENCES admin_users (id) ON DELETE SET NULL
);

CREATE UNIQUE INDEX api_tokens_access_key_hash_key ON api_tokens (access_key_hash);
CREATE UNIQUE INDEX api_tokens_name_key_key ON api_tokens (name_key);
CREATE INDEX api_tokens_created_at_idx ON api_tokens (created_at);
CREATE INDEX api_tokens_last_used_at_idx ON api_tokens (last_used_at);

CREATE TABLE api_token_permissions (
    token_id INTEGER NOT NULL REFERENCES api_tokens (id) ON DELETE CASCADE,
    action   TEXT NOT NULL CHECK (action <> ''),
    PRIMARY KEY (token_id, action)
);

-- +goose Down
DROP TABLE api_token_permissions;
DROP TABLE api_tokens;
