package db

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/tokenadmin/tokenadmin/apitoken"
)

// RecordUsage writes one batch of the usage recorder in one transaction:
// last-used times, the lifecycle news of issue 12 (old-key uses and
// refusals, clients), the day's request counts (added to the day's row) and
// the quota spent (added to the period's count, or starting it when the
// period is newer than the stored one). It returns the quota use of each
// spending token as it now stands, every instance's batches included.
// Rows are written in token order so that two instances flushing at once
// cannot deadlock on PostgreSQL.
func (d *DB) RecordUsage(ctx context.Context, b apitoken.UsageBatch) (map[int64]apitoken.QuotaUse, error) {
	uses := map[int64]apitoken.QuotaUse{}
	err := d.inTx(ctx, func(tx *sqlx.Tx) error {
		touch := d.Rebind(`UPDATE api_tokens SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)`)
		for _, id := range slices.Sorted(maps.Keys(b.LastUsed)) {
			at := b.LastUsed[id].UTC().Truncate(time.Microsecond)
			if _, err := tx.ExecContext(ctx, touch, at, id, at); err != nil {
				return err
			}
		}
		if err := d.writeLifecycle(ctx, tx, b.Lifecycle); err != nil {
			return err
		}
		spend := d.Rebind(`UPDATE api_tokens SET
			quota_used = CASE WHEN quota_period = ? THEN quota_used + ? WHEN quota_period < ? THEN CAST(? AS BIGINT) ELSE quota_used END,
			quota_period = CASE WHEN quota_period < ? THEN CAST(? AS BIGINT) ELSE quota_period END
			WHERE id = ? RETURNING quota_used, quota_period`)
		keys := slices.SortedFunc(maps.Keys(b.QuotaSpent), func(a, b apitoken.QuotaKey) int {
			return cmp.Or(cmp.Compare(a.Token, b.Token), cmp.Compare(a.Period, b.Period))
		})
		for _, k := range keys {
			n := b.QuotaSpent[k]
			var use apitoken.QuotaUse
			err := tx.QueryRowxContext(ctx, spend, k.Period, n, k.Period, n, k.Period, k.Period, k.Token).Scan(&use.Used, &use.Period)
			if errors.Is(err, sql.ErrNoRows) {
				continue // deleted meanwhile
			}
			if err != nil {
				return err
			}
			uses[k.Token] = use
		}
		// A token deleted since its requests were counted has no row to
		// count against: its counts are dropped rather than failing the
		// batch on the foreign key.
		count := d.Rebind(`INSERT INTO api_token_usage (token_id, day, ok, refused, blocked, limited, other)
			SELECT ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM api_tokens WHERE id = ?)
			ON CONFLICT (token_id, day) DO UPDATE SET ok = api_token_usage.ok + excluded.ok,
				refused = api_token_usage.refused + excluded.refused, blocked = api_token_usage.blocked + excluded.blocked,
				limited = api_token_usage.limited + excluded.limited, other = api_token_usage.other + excluded.other`)
		ukeys := slices.SortedFunc(maps.Keys(b.Counts), func(a, b apitoken.UsageKey) int {
			return cmp.Or(cmp.Compare(a.Token, b.Token), cmp.Compare(a.Day, b.Day))
		})
		for _, k := range ukeys {
			c := b.Counts[k]
			if _, err := tx.ExecContext(ctx, count, k.Token, k.Day, c.OK, c.Refused, c.Blocked, c.Limited, c.Other, k.Token); err != nil {
				return err
			}
		}
		if b.PruneBefore != 0 {
			if _, err := tx.ExecContext(ctx, d.Rebind(`DELETE FROM api_token_usage WHERE day < ?`), b.PruneBefore); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, wrap("record usage", err)
	}
	return uses, nil
}

func mapKeys[K comparable, V any](m map[K]V) func(func(K) bool) {
	return func(yield func(K) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// QuotaUse reads token id's quota use as last written.
func (d *DB) QuotaUse(ctx context.Context, id int64) (apitoken.QuotaUse, error) {
	var use apitoken.QuotaUse
	err := d.QueryRowxContext(ctx, d.Rebind(`SELECT quota_used, quota_period FROM api_tokens WHERE id = ?`), id).Scan(&use.Used, &use.Period)
	return use, tokenErr("quota use", err)
}

type usageRow struct {
	Token   int64 `db:"token_id"`
	Day     int64 `db:"day"`
	OK      int64 `db:"ok"`
	Refused int64 `db:"refused"`
	Blocked int64 `db:"blocked"`
	Limited int64 `db:"limited"`
	Other   int64 `db:"other"`
}

// MaxUsageTokens bounds one TokensUsage call: a page of the list or one
// token's page asks for far fewer, and nothing may read the whole table.
const MaxUsageTokens = 1000

// TokensUsage returns the daily counts of tokens ids from day from on,
// by token, in day order; days without requests are absent. It reads at
// most one row per token and day (the primary key) for at most
// MaxUsageTokens tokens, and the daily rollup keeps apitoken.UsageDays
// days, so a call reads at most a page's worth of rows.
func (d *DB) TokensUsage(ctx context.Context, ids []int64, from int64) (map[int64][]apitoken.DayUsage, error) {
	out := map[int64][]apitoken.DayUsage{}
	if len(ids) == 0 {
		return out, nil
	}
	if len(ids) > MaxUsageTokens {
		return nil, fmt.Errorf("db: token usage: %d tokens asked, at most %d", len(ids), MaxUsageTokens)
	}
	q, args, err := sqlx.In(`SELECT token_id, day, ok, refused, blocked, limited, other FROM api_token_usage
		WHERE token_id IN (?) AND day >= ? ORDER BY token_id, day`, ids, from)
	if err != nil {
		return nil, wrap("token usage", err)
	}
	var rows []usageRow
	if err := d.SelectContext(ctx, &rows, d.Rebind(q), args...); err != nil {
		return nil, wrap("token usage", err)
	}
	for _, r := range rows {
		out[r.Token] = append(out[r.Token], apitoken.DayUsage{Day: r.Day, Counts: apitoken.Counts{
			OK: r.OK, Refused: r.Refused, Blocked: r.Blocked, Limited: r.Limited, Other: r.Other}})
	}
	return out, nil
}

// WriteUsage writes one batch of last uses and lifecycle news (old key
// uses, attempts with an old key after its grace, each token's attempts
// one audit event, and the clients each token was used from, pruned to
// the last apitoken.MaxClients) in one transaction, without counts or
// quotas. RecordUsage writes the same with them; this is the write of a
// batch whose counts are kept elsewhere. Tokens deleted meanwhile are
// skipped.
func (d *DB) WriteUsage(ctx context.Context, batch map[int64]apitoken.Usage) error {
	if len(batch) == 0 {
		return nil
	}
	err := d.inTx(ctx, func(tx *sqlx.Tx) error {
		touch := d.Rebind(`UPDATE api_tokens SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)`)
		for _, id := range slices.Sorted(maps.Keys(batch)) {
			if u := batch[id]; !u.LastUsed.IsZero() {
				at := utc(u.LastUsed)
				if _, err := tx.ExecContext(ctx, touch, at, id, at); err != nil {
					return err
				}
			}
		}
		return d.writeLifecycle(ctx, tx, batch)
	})
	return wrap("write usage", err)
}

// writeLifecycle writes what a batch saw of old keys and clients, in
// token order (two instances flushing at once lock rows in the same order
// and cannot deadlock each other).
func (d *DB) writeLifecycle(ctx context.Context, tx *sqlx.Tx, batch map[int64]apitoken.Usage) error {
	oldUse := d.Rebind(`UPDATE api_tokens SET old_key_requests = old_key_requests + ?,
		old_key_last_used_at = CASE WHEN old_key_last_used_at IS NULL OR old_key_last_used_at < ? THEN ? ELSE old_key_last_used_at END
		WHERE id = ? AND old_key_hash IS NOT NULL`)
	refused := d.Rebind(`UPDATE api_tokens SET old_key_refused = old_key_refused + ?,
		old_key_refused_at = CASE WHEN old_key_refused_at IS NULL OR old_key_refused_at < ? THEN ? ELSE old_key_refused_at END
		WHERE id = ? AND old_key_hash IS NOT NULL`)
	for _, id := range slices.Sorted(maps.Keys(batch)) {
		u := batch[id]
		if u.OldKeyRequests > 0 {
			at := utc(u.OldKeyLastUsed)
			if _, err := tx.ExecContext(ctx, oldUse, u.OldKeyRequests, at, at, id); err != nil {
				return err
			}
		}
		if u.Refused > 0 {
			if err := d.writeRefused(ctx, tx, refused, id, u); err != nil {
				return err
			}
		}
		if len(u.Clients) > 0 {
			if err := d.writeClients(ctx, tx, id, u.Clients); err != nil {
				return err
			}
		}
	}
	return nil
}

func utc(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// writeRefused counts the attempts with token id's old key after its
// grace and records them in the audit log, one event for the batch.
func (d *DB) writeRefused(ctx context.Context, tx *sqlx.Tx, q string, id int64, u apitoken.Usage) error {
	at := utc(u.RefusedAt)
	res, err := tx.ExecContext(ctx, q, u.Refused, at, at, id)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return err // deleted or rotated away meanwhile: nothing to show it on
	}
	var name string
	if err := tx.GetContext(ctx, &name, d.Rebind(`SELECT name FROM api_tokens WHERE id = ?`), id); err != nil {
		return err
	}
	return d.recordAudit(ctx, tx, apitoken.RefusedEvent(id, name, u))
}

// writeClients upserts the clients token id was seen from, keeping the
// earliest first and latest last time, then forgets all but the
// apitoken.MaxClients most recent.
func (d *DB) writeClients(ctx context.Context, tx *sqlx.Tx, id int64, clients []apitoken.Client) error {
	var exists int
	if err := tx.GetContext(ctx, &exists, d.Rebind(`SELECT COUNT(*) FROM api_tokens WHERE id = ?`), id); err != nil || exists == 0 {
		return err
	}
	upsert := d.Rebind(`INSERT INTO api_token_clients (token_id, address, user_agent, first_seen_at, last_seen_at)
		VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (token_id, address, user_agent) DO UPDATE SET
			first_seen_at = CASE WHEN excluded.first_seen_at < api_token_clients.first_seen_at THEN excluded.first_seen_at ELSE api_token_clients.first_seen_at END,
			last_seen_at = CASE WHEN excluded.last_seen_at > api_token_clients.last_seen_at THEN excluded.last_seen_at ELSE api_token_clients.last_seen_at END`)
	for _, c := range clients {
		if _, err := tx.ExecContext(ctx, upsert, id, c.Address, c.UserAgent, utc(c.FirstSeen), utc(c.LastSeen)); err != nil {
			return err
		}
	}
	_, err := tx.ExecContext(ctx, d.Rebind(`DELETE FROM api_token_clients WHERE token_id = ? AND NOT EXISTS (
		SELECT 1 FROM (SELECT address, user_agent FROM api_token_clients WHERE token_id = ? ORDER BY last_seen_at DESC, address, user_agent LIMIT ?) AS keep
		WHERE keep.address = api_token_clients.address AND keep.user_agent = api_token_clients.user_agent)`),
		id, id, apitoken.MaxClients)
	return err
}

// TokenClients returns the last clients token id was used from, most
// recent first.
func (d *DB) TokenClients(ctx context.Context, id int64) ([]apitoken.Client, error) {
	var rows []struct {
		Address   string    `db:"address"`
		UserAgent string    `db:"user_agent"`
		FirstSeen time.Time `db:"first_seen_at"`
		LastSeen  time.Time `db:"last_seen_at"`
	}
	err := d.SelectContext(ctx, &rows, d.Rebind(`SELECT address, user_agent, first_seen_at, last_seen_at FROM api_token_clients
		WHERE token_id = ? ORDER BY last_seen_at DESC, address, user_agent LIMIT ?`), id, apitoken.MaxClients)
	if err != nil {
		return nil, wrap("token clients", err)
	}
	out := make([]apitoken.Client, 0, len(rows))
	for _, r := range rows {
		out = append(out, apitoken.Client{Address: r.Address, UserAgent: r.UserAgent, FirstSeen: r.FirstSeen.UTC(), LastSeen: r.LastSeen.UTC()})
	}
	return out, nil
}
