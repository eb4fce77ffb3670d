-- +goose Up
-- Key lifecycle (issue 12). A token may be paused (paused_at) and keep
-- its key. A rotation with grace keeps the replaced key's hash beside the
-- new one until the next rotation (at most one old key): it works until
-- grace_ends_at and is refused as expired after, which is why the hash
-- stays after the grace, so that late uses can be shown. The old key's
-- use and its refused attempts are written by the last-used batcher.
ALTER TABLE api_tokens ADD COLUMN paused_at TIMESTAMPTZ;
ALTER TABLE api_tokens ADD COLUMN old_key_hash TEXT;
ALTER TABLE api_tokens ADD COLUMN old_key_hint TEXT NOT NULL DEFAULT '';
ALTER TABLE api_tokens ADD COLUMN grace_ends_at TIMESTAMPTZ;
ALTER TABLE api_tokens ADD COLUMN old_key_last_used_at TIMESTAMPTZ;
ALTER TABLE api_tokens ADD COLUMN old_key_requests BIGINT NOT NULL DEFAULT 0;
ALTER TABLE api_tokens ADD COLUMN old_key_refused_at TIMESTAMPTZ;
ALTER TABLE api_tokens ADD COLUMN old_key_refused BIGINT NOT NULL DEFAULT 0;

CREATE UNIQUE INDEX api_tokens_old_key_hash_key ON api_tokens (old_key_hash);
-- The expiring-soon banner and filter, and the paused filter.
CREATE INDEX api_tokens_expires_at_idx ON api_tokens (expires_at);
CREATE INDEX api_tokens_paused_idx ON api_tokens (paused_at) WHERE paused_at IS NOT NULL;

-- The last distinct client addresses and agents a token was used from
-- (a few per token, pruned by the batcher that writes them).
CREATE TABLE api_token_clients (
    token_id      BIGINT NOT NULL REFERENCES api_tokens (id) ON DELETE CASCADE,
    address       TEXT NOT NULL,
    user_agent    TEXT NOT NULL,
    first_seen_at TIMESTAMPTZ NOT NULL,
    last_seen_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (token_id, address, user_agent)
);

-- +goose Down
DROP TABLE api_token_clients;
DROP INDEX api_tokens_paused_idx;
DROP INDEX api_tokens_expires_at_idx;
DROP INDEX api_tokens_old_key_hash_key;
ALTER TABLE api_tokens DROP COLUMN old_key_refused;
ALTER TABLE api_tokens DROP COLUMN old_key_refused_at;
ALTER TABLE api_tokens DROP COLUMN old_key_requests;
ALTER TABLE api_tokens DROP COLUMN old_key_last_used_at;
ALTER TABLE api_tokens DROP COLUMN grace_ends_at;
ALTER TABLE api_tokens DROP COLUMN old_key_hint;
ALTER TABLE api_tokens DROP COLUMN old_key_hash;
ALTER TABLE api_tokens DROP COLUMN paused_at;
