-- +goose Up
-- The token list at a million rows: an index in the exact order of every
-- sort the table offers (every SQLite index ends with the rowid, here id).
-- Never-used tokens sort last in both directions: ascending they count as
-- used at the end of time, descending before its start (the store's ORDER
-- BY uses these very expressions). The name search stays a scan of the
-- name index that stops at a page of matches, bounded by the count.
DROP INDEX api_tokens_created_at_idx;
CREATE INDEX api_tokens_created_at_id_idx ON api_tokens (created_at, id);

DROP INDEX api_tokens_last_used_at_idx;
CREATE INDEX api_tokens_last_used_asc_idx ON api_tokens (COALESCE(last_used_at, '9999-12-31'), id);
CREATE INDEX api_tokens_last_used_desc_idx ON api_tokens (COALESCE(last_used_at, ''), id);

-- +goose Down
DROP INDEX api_tokens_last_used_desc_idx;
DROP INDEX api_tokens_last_used_asc_idx;
CREATE INDEX api_tokens_last_used_at_idx ON api_tokens (last_used_at);
DROP INDEX api_tokens_created_at_id_idx;
CREATE INDEX api_tokens_created_at_idx ON api_tokens (created_at);
