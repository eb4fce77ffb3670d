package db

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"maps"
	"slices"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/tokenadmin/tokenadmin/apitoken"
)

// RecordUsage writes one batch of the usage recorder in one transaction:
// last-used times, the day's request counts (added to the day's row) and
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

// TokensUsage returns the daily counts of tokens ids from day from on,
// by token, in day order; days without requests are absent.
func (d *DB) TokensUsage(ctx context.Context, ids []int64, from int64) (map[int64][]apitoken.DayUsage, error) {
	out := map[int64][]apitoken.DayUsage{}
	if len(ids) == 0 {
		return out, nil
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
