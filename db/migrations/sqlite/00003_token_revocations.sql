-- +goose Up
-- Every change that narrows or revokes a key leaves its old hash here, in
-- the same transaction. Other processes on one SQLite file (the CLI next
-- to a running server) read it to drop cached keys; PostgreSQL instances
-- are told at once by NOTIFY and need it only as a record.
CREATE TABLE api_token_revocations (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    access_key_hash TEXT NOT NULL,
    created_at      DATETIME NOT NULL
);

CREATE INDEX api_token_revocations_created_at_idx ON api_token_revocations (created_at);

-- +goose Down
DROP TABLE api_token_revocations;
