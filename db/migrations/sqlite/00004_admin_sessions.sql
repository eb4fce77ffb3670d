-- +goose Up
-- One row per signed-in browser, so that an admin can see their sessions
-- and sign out everywhere. id is the SHA-256 of the random session id the
-- (signed, encrypted) cookie carries.
CREATE TABLE admin_sessions (
    id           TEXT PRIMARY KEY,
    admin_id     INTEGER NOT NULL REFERENCES admin_users (id) ON DELETE CASCADE,
    created_at   DATETIME NOT NULL,
    last_seen_at DATETIME NOT NULL,
    ip           TEXT NOT NULL DEFAULT '',
    user_agent   TEXT NOT NULL DEFAULT '',
    revoked_at   DATETIME
);

CREATE INDEX admin_sessions_admin_id_idx ON admin_sessions (admin_id);

-- +goose Down
DROP TABLE admin_sessions;
