-- +goose Up
-- The token list at a million rows: an index in the exact order of every
-- sort the table offers, read forwards or backwards for either direction,
-- and a trigram index for the name search (a substring match, which a
-- b-tree cannot serve). pg_trgm is a trusted extension: the owner of the
-- database may create it.
-- The operator class is named with the schema the extension lives in,
-- which need not be on this connection's search_path (an extension is
-- installed once per database, wherever its first creator's path pointed).
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- +goose StatementBegin
DO $$
DECLARE
    trgm_schema name;
BEGIN
    SELECT n.nspname INTO trgm_schema
    FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
    WHERE e.extname = 'pg_trgm';
    EXECUTE format('CREATE INDEX api_tokens_name_key_trgm_idx ON api_tokens USING gin (name_key %I.gin_trgm_ops)', trgm_schema);
END
$$;
-- +goose StatementEnd

-- id in the name index lets a page found by position (?page=N without a
-- cursor) walk the index alone and read only its own rows.
DROP INDEX api_tokens_name_key_key;
CREATE UNIQUE INDEX api_tokens_name_key_key ON api_tokens (name_key) INCLUDE (id);

DROP INDEX api_tokens_created_at_idx;
CREATE INDEX api_tokens_created_at_id_idx ON api_tokens (created_at, id);

-- Never-used tokens sort last in both directions: ascending they count as
-- used at +infinity, descending at -infinity (the store's ORDER BY uses
-- these very expressions).
DROP INDEX api_tokens_last_used_at_idx;
CREATE INDEX api_tokens_last_used_asc_idx ON api_tokens ((COALESCE(last_used_at, 'infinity'::timestamptz)), id);
CREATE INDEX api_tokens_last_used_desc_idx ON api_tokens ((COALESCE(last_used_at, '-infinity'::timestamptz)), id);

-- +goose Down
DROP INDEX api_tokens_last_used_desc_idx;
DROP INDEX api_tokens_last_used_asc_idx;
CREATE INDEX api_tokens_last_used_at_idx ON api_tokens (last_used_at);
DROP INDEX api_tokens_created_at_id_idx;
CREATE INDEX api_tokens_created_at_idx ON api_tokens (created_at);
DROP INDEX api_tokens_name_key_key;
CREATE UNIQUE INDEX api_tokens_name_key_key ON api_tokens (name_key);
DROP INDEX api_tokens_name_key_trgm_idx;
