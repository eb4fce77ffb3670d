-- +goose Up
-- Guardrails of a key (issue 13). allowed_ips holds canonical CIDRs, one
-- per line ('' = anywhere); rate_limit is "N/s" or "N/m" ('' = none);
-- quota_limit NULL means no quota. quota_used is the quota spent in the
-- period that starts at quota_period (Unix seconds; 0 when it never
-- refills), written in batches with last_used_at, never per request.
ALTER TABLE api_tokens ADD COLUMN allowed_ips TEXT NOT NULL DEFAULT '';
ALTER TABLE api_tokens ADD COLUMN rate_limit TEXT NOT NULL DEFAULT '';
ALTER TABLE api_tokens ADD COLUMN quota_limit INTEGER CHECK (quota_limit > 0);
ALTER TABLE api_tokens ADD COLUMN quota_refill TEXT NOT NULL DEFAULT '' CHECK (quota_refill IN ('', 'daily', 'monthly'));
ALTER TABLE api_tokens ADD COLUMN quota_used INTEGER NOT NULL DEFAULT 0;
ALTER TABLE api_tokens ADD COLUMN quota_period INTEGER NOT NULL DEFAULT 0;

-- Requests per token per day (day = days since 1970-01-01 UTC), by
-- outcome: ok (below 400), refused (401/403 by authentication or
-- scope), blocked (403: outside the allow-list), limited (429: rate or
-- quota), other (any other error). Each flush adds to the day's row, so
-- the table holds one row per token and day, and rows older than 30
-- days are deleted.
CREATE TABLE api_token_usage (
    token_id INTEGER NOT NULL REFERENCES api_tokens (id) ON DELETE CASCADE,
    day      INTEGER NOT NULL,
    ok       INTEGER NOT NULL DEFAULT 0,
    refused  INTEGER NOT NULL DEFAULT 0,
    blocked  INTEGER NOT NULL DEFAULT 0,
    limited  INTEGER NOT NULL DEFAULT 0,
    other    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (token_id, day)
);
CREATE INDEX api_token_usage_day_idx ON api_token_usage (day);

-- +goose Down
DROP TABLE api_token_usage;
ALTER TABLE api_tokens DROP COLUMN quota_period;
ALTER TABLE api_tokens DROP COLUMN quota_used;
ALTER TABLE api_tokens DROP COLUMN quota_refill;
ALTER TABLE api_tokens DROP COLUMN quota_limit;
ALTER TABLE api_tokens DROP COLUMN rate_limit;
ALTER TABLE api_tokens DROP COLUMN allowed_ips;
