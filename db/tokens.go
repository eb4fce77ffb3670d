package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/tokenadmin/tokenadmin/apitoken"
	"github.com/tokenadmin/tokenadmin/ratelimit"
)

// tokenRow is an api_tokens row as scanned.
type tokenRow struct {
	ID          int64         `db:"id"`
	Name        string        `db:"name"`
	Description string        `db:"description"`
	Type        string        `db:"type"`
	Hash        string        `db:"access_key_hash"`
	KeyHint     string        `db:"key_hint"`
	ExpiresAt   sql.NullTime  `db:"expires_at"`
	LastUsedAt  sql.NullTime  `db:"last_used_at"`
	CreatedAt   time.Time     `db:"created_at"`
	UpdatedAt   time.Time     `db:"updated_at"`
	CreatedBy   sql.NullInt64 `db:"created_by"`
	AllowedIPs  string        `db:"allowed_ips"`
	RateLimit   string        `db:"rate_limit"`
	QuotaLimit  sql.NullInt64 `db:"quota_limit"`
	QuotaRefill string        `db:"quota_refill"`
	QuotaUsed   int64         `db:"quota_used"`
	QuotaPeriod int64         `db:"quota_period"`
	Total       sql.NullInt64 `db:"total"`

	PausedAt      sql.NullTime   `db:"paused_at"`
	OldHash       sql.NullString `db:"old_key_hash"`
	OldHint       string         `db:"old_key_hint"`
	GraceEndsAt   sql.NullTime   `db:"grace_ends_at"`
	OldLastUsedAt sql.NullTime   `db:"old_key_last_used_at"`
	OldRequests   int64          `db:"old_key_requests"`
	OldRefusedAt  sql.NullTime   `db:"old_key_refused_at"`
	OldRefused    int64          `db:"old_key_refused"`
}

const tokenColumns = `id, name, description, type, access_key_hash, key_hint, expires_at, last_used_at, created_at, updated_at, created_by, ` +
	`allowed_ips, rate_limit, quota_limit, quota_refill, quota_used, quota_period, ` +
	`paused_at, old_key_hash, old_key_hint, grace_ends_at, old_key_last_used_at, old_key_requests, old_key_refused_at, old_key_refused`

// guardrailValues are the guardrails as the columns hold them:
// allowed_ips, rate_limit, quota_limit, quota_refill.
func guardrailValues(g apitoken.Guardrails) []any {
	rate := ""
	if g.RateLimit != nil {
		rate = g.RateLimit.String()
	}
	var limit any
	refill := ""
	if g.Quota != nil {
		limit, refill = g.Quota.Limit, string(g.Quota.Refill)
	}
	return []any{g.AllowedIPs.Text(), rate, limit, refill}
}

// guardrails reads the guardrail columns back. What was written was
// checked, so a value that does not parse (edited by hand) is dropped
// from the list, or leaves the key without that limit, rather than
// locking every request out.
func (r tokenRow) guardrails() apitoken.Guardrails {
	var g apitoken.Guardrails
	if r.AllowedIPs != "" {
		g.AllowedIPs, _ = apitoken.ParseAllowList(strings.Split(r.AllowedIPs, "\n"))
	}
	if r.RateLimit != "" {
		if rate, err := ratelimit.ParseRate(r.RateLimit); err == nil {
			g.RateLimit = &rate
		}
	}
	if r.QuotaLimit.Valid {
		g.Quota = &apitoken.Quota{Limit: r.QuotaLimit.Int64, Refill: apitoken.Refill(r.QuotaRefill)}
	}
	return g
}

func nullTimePtr(n sql.NullTime) *time.Time {
	if !n.Valid {
		return nil
	}
	t := n.Time.UTC()
	return &t
}

// hashes are the token's key hashes: the current one and, while kept,
// the old one, both of which caches must forget when the token changes.
func (r tokenRow) hashes() []string {
	if r.OldHash.Valid && r.OldHash.String != "" {
		return []string{r.Hash, r.OldHash.String}
	}
	return []string{r.Hash}
}

func (r tokenRow) token(perms []string) apitoken.Token {
	t := apitoken.Token{
		ID: r.ID, Name: r.Name, Description: r.Description, Type: apitoken.Type(r.Type),
		KeyHint: r.KeyHint, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
		Permissions: perms, Guardrails: r.guardrails(),
		QuotaUse: apitoken.QuotaUse{Used: r.QuotaUsed, Period: r.QuotaPeriod},
	}
	if r.ExpiresAt.Valid {
		e := r.ExpiresAt.Time.UTC()
		t.ExpiresAt = &e
	}
	if r.LastUsedAt.Valid {
		u := r.LastUsedAt.Time.UTC()
		t.LastUsedAt = &u
	}
	if r.CreatedBy.Valid {
		id := r.CreatedBy.Int64
		t.CreatedBy = &id
	}
	t.Paused = r.PausedAt.Valid
	if r.OldHash.Valid && r.GraceEndsAt.Valid {
		t.OldKey = &apitoken.OldKey{
			Hint: r.OldHint, GraceEndsAt: r.GraceEndsAt.Time.UTC(),
			LastUsedAt: nullTimePtr(r.OldLastUsedAt), Requests: r.OldRequests,
			RefusedAt: nullTimePtr(r.OldRefusedAt), Refused: r.OldRefused,
		}
	}
	return t
}

// nameKey is what makes two names "the same": trimmed and lower-cased.
func nameKey(name string) string { return strings.ToLower(strings.TrimSpace(name)) }

// tokenErr maps store errors onto the domain's token errors.
func tokenErr(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, sql.ErrNoRows), errors.Is(err, ErrNotFound):
		return fmt.Errorf("db: %s: %w", op, apitoken.ErrNotFound)
	case isUniqueViolation(err):
		// The only unique value a caller can choose is the name; the hash
		// is 256 random bits.
		return fmt.Errorf("db: %s: %w: %w", op, apitoken.ErrNameTaken, err)
	}
	return fmt.Errorf("db: %s: %w", op, err)
}

// CreateToken stores a new token, its permissions and its audit event in
// one transaction.
func (d *DB) CreateToken(ctx context.Context, t apitoken.NewToken, describe apitoken.Describe) (apitoken.Token, error) {
	var tok apitoken.Token
	err := d.inTx(ctx, func(tx *sqlx.Tx) error {
		now := t.Now.UTC().Truncate(time.Microsecond)
		var id int64
		err := tx.GetContext(ctx, &id, d.Rebind(`
			INSERT INTO api_tokens (name, name_key, description, type, access_key_hash, key_hint, expires_at, created_at, updated_at, created_by,
				allowed_ips, rate_limit, quota_limit, quota_refill)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
			append([]any{t.Name, nameKey(t.Name), t.Description, string(t.Type), t.Hash, t.Hint, utcPtr(t.ExpiresAt), now, now, t.CreatedBy},
				guardrailValues(t.Guardrails)...)...)
		if err != nil {
			return err
		}
		// Deduplicated as UpdateToken does: a repeated action would break
		// the primary key and be reported as ErrNameTaken.
		if err := d.insertTokenPermissions(ctx, tx, id, slices.Compact(slices.Sorted(slices.Values(t.Permissions)))); err != nil {
			return err
		}
		if tok, _, err = d.tokenWhere(ctx, tx, "id = ?", id); err != nil {
			return err
		}
		return d.recordTokenChange(ctx, tx, describe, nil, &tok)
	})
	return tok, tokenErr("create token", err)
}

// recordTokenChange appends the audit event of a token change inside its
// transaction.
func (d *DB) recordTokenChange(ctx context.Context, tx *sqlx.Tx, describe apitoken.Describe, before, after *apitoken.Token) error {
	if describe == nil {
		return errNoRecord
	}
	return d.recordAudit(ctx, tx, describe(before, after))
}

func utcPtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC().Truncate(time.Microsecond)
}

func (d *DB) insertTokenPermissions(ctx context.Context, tx *sqlx.Tx, id int64, perms []string) error {
	q := d.Rebind(`INSERT INTO api_token_permissions (token_id, action) VALUES (?, ?)`)
	for _, p := range perms {
		if _, err := tx.ExecContext(ctx, q, id, p); err != nil {
			return err
		}
	}
	return nil
}

// TokenByID returns one token with its permissions.
func (d *DB) TokenByID(ctx context.Context, id int64) (apitoken.Token, error) {
	t, _, err := d.tokenWhere(ctx, d.DB, "id = ?", id)
	return t, tokenErr("token by id", err)
}

// TokenByHash returns the token whose key hashes to hash. It is what
// verifying a key the cache has not seen costs, so it is one prepared
// statement: the unique index on access_key_hash finds the row, and the
// permissions come in the same answer, one row each (the primary key of
// api_token_permissions finds them).
func (d *DB) TokenByHash(ctx context.Context, hash string) (apitoken.Token, error) {
	var rows []tokenPermissionRow
	err := d.prepared(ctx, tokenByHashSQL(d), func(s *sqlx.Stmt) error {
		return s.SelectContext(ctx, &rows, hash, hash)
	})
	if err == nil && len(rows) == 0 {
		err = sql.ErrNoRows
	}
	if err != nil {
		return apitoken.Token{}, tokenErr("token by hash", err)
	}
	var perms []string
	for _, r := range rows {
		if r.Action.Valid {
			perms = append(perms, r.Action.String)
		}
	}
	t := rows[0].token(perms)
	// The old key of a rotation finds its token too; the verifier decides
	// by its grace whether it still works.
	t.ViaOldKey = rows[0].Hash != hash
	return t, nil
}

// tokenPermissionRow is a token row joined with one of its permissions
// (none: Action is NULL).
type tokenPermissionRow struct {
	tokenRow
	Action sql.NullString `db:"action"`
}

func tokenByHashSQL(d *DB) string {
	return d.Rebind(`SELECT ` + tokenColumns + `, p.action FROM api_tokens t
		LEFT JOIN api_token_permissions p ON p.token_id = t.id
		WHERE t.access_key_hash = ? OR t.old_key_hash = ? ORDER BY p.action`)
}

func (d *DB) tokenWhere(ctx context.Context, q sqlx.QueryerContext, where string, arg any) (apitoken.Token, []string, error) {
	var r tokenRow
	if err := sqlx.GetContext(ctx, q, &r, d.Rebind(`SELECT `+tokenColumns+` FROM api_tokens WHERE `+where), arg); err != nil {
		return apitoken.Token{}, nil, err
	}
	perms, err := d.tokenPermissions(ctx, q, []int64{r.ID})
	if err != nil {
		return apitoken.Token{}, nil, err
	}
	return r.token(perms[r.ID]), r.hashes(), nil
}

// tokenPermissions loads the permissions of tokens ids, sorted.
func (d *DB) tokenPermissions(ctx context.Context, q sqlx.QueryerContext, ids []int64) (map[int64][]string, error) {
	out := map[int64][]string{}
	if len(ids) == 0 {
		return out, nil
	}
	query, args, err := sqlx.In(`SELECT token_id, action FROM api_token_permissions WHERE token_id IN (?) ORDER BY token_id, action`, ids)
	if err != nil {
		return nil, err
	}
	rows, err := q.QueryxContext(ctx, d.Rebind(query), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var action string
		if err := rows.Scan(&id, &action); err != nil {
			return nil, err
		}
		out[id] = append(out[id], action)
	}
	return out, rows.Err()
}

// UpdateToken applies an edit in one transaction: fields, expiry when
// asked, the permission set replaced exactly (emptied unless custom), the
// revocation notice for the key and the audit event.
func (d *DB) UpdateToken(ctx context.Context, id int64, c apitoken.Change, describe apitoken.Describe) (apitoken.Token, []string, error) {
	var before, after apitoken.Token
	var hash []string
	err := d.inTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		if before, hash, err = d.tokenWhere(ctx, tx, "id = ?", id); err != nil {
			return err
		}
		now := c.Now.UTC().Truncate(time.Microsecond)
		set := `name = ?, name_key = ?, description = ?, type = ?, updated_at = ?, allowed_ips = ?, rate_limit = ?, quota_limit = ?, quota_refill = ?`
		args := append([]any{c.Name, nameKey(c.Name), c.Description, string(c.Type), now}, guardrailValues(c.Guardrails)...)
		if c.ResetExpiry {
			set += `, expires_at = ?`
			args = append(args, utcPtr(c.ExpiresAt))
		}
		if c.ResetQuota {
			set += `, quota_used = 0, quota_period = 0`
		}
		if _, err = tx.ExecContext(ctx, d.Rebind(`UPDATE api_tokens SET `+set+` WHERE id = ?`), append(args, id)...); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, d.Rebind(`DELETE FROM api_token_permissions WHERE token_id = ?`), id); err != nil {
			return err
		}
		perms := c.Permissions
		if c.Type != apitoken.Custom {
			perms = nil
		}
		if err := d.insertTokenPermissions(ctx, tx, id, slices.Compact(slices.Sorted(slices.Values(perms)))); err != nil {
			return err
		}
		if err := d.notifyTokenChange(ctx, tx, hash...); err != nil {
			return err
		}
		if after, _, err = d.tokenWhere(ctx, tx, "id = ?", id); err != nil {
			return err
		}
		return d.recordTokenChange(ctx, tx, describe, &before, &after)
	})
	if err != nil {
		return apitoken.Token{}, nil, tokenErr("update token", err)
	}
	return after, hash, nil
}

// RegenerateToken replaces a token's key hash and hint at once, dropping
// any old key still kept, and returns the hashes that stopped working;
// the revocation notice and the audit event share its transaction.
func (d *DB) RegenerateToken(ctx context.Context, id int64, hash, hint string, at time.Time, describe apitoken.Describe) (apitoken.Token, []string, error) {
	return d.RotateToken(ctx, id, apitoken.Rotation{Hash: hash, Hint: hint, Now: at}, describe)
}

// RotateToken gives a token a new key. With a grace end the replaced key
// becomes the token's old key, working until then; it replaces any old
// key kept before, whose grace ends with it (at most one old key per
// token). Without one the replaced key stops at once. The hashes whose
// meaning changed are returned, announced and recorded as revoked in the
// transaction that also writes the audit event.
func (d *DB) RotateToken(ctx context.Context, id int64, r apitoken.Rotation, describe apitoken.Describe) (apitoken.Token, []string, error) {
	var before, after apitoken.Token
	var old []string
	err := d.inTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		if before, old, err = d.tokenWhere(ctx, tx, "id = ?", id); err != nil {
			return err
		}
		now := r.Now.UTC().Truncate(time.Microsecond)
		if r.GraceEndsAt == nil {
			err = mustAffect(tx.ExecContext(ctx, d.Rebind(`UPDATE api_tokens SET access_key_hash = ?, key_hint = ?, updated_at = ?,
				old_key_hash = NULL, old_key_hint = '', grace_ends_at = NULL, old_key_last_used_at = NULL, old_key_requests = 0,
				old_key_refused_at = NULL, old_key_refused = 0 WHERE id = ?`),
				r.Hash, r.Hint, now, id))
		} else {
			err = mustAffect(tx.ExecContext(ctx, d.Rebind(`UPDATE api_tokens SET old_key_hash = access_key_hash, old_key_hint = key_hint,
				access_key_hash = ?, key_hint = ?, updated_at = ?, grace_ends_at = ?, old_key_last_used_at = NULL, old_key_requests = 0,
				old_key_refused_at = NULL, old_key_refused = 0 WHERE id = ?`),
				r.Hash, r.Hint, now, utcPtr(r.GraceEndsAt), id))
		}
		if err != nil {
			return err
		}
		if err := d.notifyTokenChange(ctx, tx, old...); err != nil {
			return err
		}
		if after, _, err = d.tokenWhere(ctx, tx, "id = ?", id); err != nil {
			return err
		}
		return d.recordTokenChange(ctx, tx, describe, &before, &after)
	})
	if err != nil {
		return apitoken.Token{}, nil, tokenErr("rotate token", err)
	}
	return after, old, nil
}

// DeleteToken removes a token and its permissions, returning it as it was
// and its hash; the revocation notice and the audit event share its
// transaction.
func (d *DB) DeleteToken(ctx context.Context, id int64, describe apitoken.Describe) (apitoken.Token, []string, error) {
	var before apitoken.Token
	var hash []string
	err := d.inTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		if before, hash, err = d.tokenWhere(ctx, tx, "id = ?", id); err != nil {
			return err
		}
		if err := mustAffect(tx.ExecContext(ctx, d.Rebind(`DELETE FROM api_tokens WHERE id = ?`), id)); err != nil {
			return err
		}
		if err := d.notifyTokenChange(ctx, tx, hash...); err != nil {
			return err
		}
		return d.recordTokenChange(ctx, tx, describe, &before, nil)
	})
	if err != nil {
		return apitoken.Token{}, nil, tokenErr("delete token", err)
	}
	return before, hash, nil
}

// TouchTokens records last use, one statement per token, in one
// transaction: the batch a verifier flushes every so often rather than a
// write per request. A time never moves backwards. Rows are updated in id
// order: each UPDATE holds its row lock until the commit, so two
// instances flushing the same tokens in map order could deadlock on
// PostgreSQL.
func (d *DB) TouchTokens(ctx context.Context, used map[int64]time.Time) error {
	if len(used) == 0 {
		return nil
	}
	err := d.inTx(ctx, func(tx *sqlx.Tx) error {
		q := d.Rebind(`UPDATE api_tokens SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)`)
		for _, id := range slices.Sorted(maps.Keys(used)) {
			at := used[id].UTC().Truncate(time.Microsecond)
			if _, err := tx.ExecContext(ctx, q, at, id, at); err != nil {
				return err
			}
		}
		return nil
	})
	return wrap("touch tokens", err)
}

// SetTokenPaused pauses (paused) or resumes a token, keeping its key,
// permissions and history. Both keys' hashes are announced so that every
// instance re-reads the token; a token already in the asked state is
// left as it is and reported with changed false (no audit event).
func (d *DB) SetTokenPaused(ctx context.Context, id int64, paused bool, at time.Time, describe apitoken.Describe) (apitoken.Token, []string, bool, error) {
	var before, after apitoken.Token
	var hashes []string
	changed := false
	err := d.inTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		if before, hashes, err = d.tokenWhere(ctx, tx, "id = ?", id); err != nil {
			return err
		}
		if before.Paused == paused {
			after = before
			return nil
		}
		changed = true
		now := at.UTC().Truncate(time.Microsecond)
		var pausedAt any
		if paused {
			pausedAt = now
		}
		if err := mustAffect(tx.ExecContext(ctx, d.Rebind(`UPDATE api_tokens SET paused_at = ?, updated_at = ? WHERE id = ?`), pausedAt, now, id)); err != nil {
			return err
		}
		if err := d.notifyTokenChange(ctx, tx, hashes...); err != nil {
			return err
		}
		if after, _, err = d.tokenWhere(ctx, tx, "id = ?", id); err != nil {
			return err
		}
		return d.recordTokenChange(ctx, tx, describe, &before, &after)
	})
	if err != nil {
		return apitoken.Token{}, nil, false, tokenErr("pause token", err)
	}
	if !changed {
		hashes = nil
	}
	return after, hashes, changed, nil
}

// EndGrace ends the grace of a token's old key at at: from then on the
// old key is refused as expired, on every instance. A token whose old key
// no longer works (or that has none) is ErrNoGrace.
func (d *DB) EndGrace(ctx context.Context, id int64, at time.Time, describe apitoken.Describe) (apitoken.Token, []string, error) {
	var before, after apitoken.Token
	var hashes []string
	err := d.inTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		if before, hashes, err = d.tokenWhere(ctx, tx, "id = ?", id); err != nil {
			return err
		}
		now := at.UTC().Truncate(time.Microsecond)
		if !before.InGrace(now) {
			return apitoken.ErrNoGrace
		}
		if err := mustAffect(tx.ExecContext(ctx, d.Rebind(`UPDATE api_tokens SET grace_ends_at = ?, updated_at = ? WHERE id = ?`), now, now, id)); err != nil {
			return err
		}
		if err := d.notifyTokenChange(ctx, tx, hashes[1:]...); err != nil {
			return err
		}
		if after, _, err = d.tokenWhere(ctx, tx, "id = ?", id); err != nil {
			return err
		}
		return d.recordTokenChange(ctx, tx, describe, &before, &after)
	})
	if errors.Is(err, apitoken.ErrNoGrace) {
		return apitoken.Token{}, nil, err
	}
	if err != nil {
		return apitoken.Token{}, nil, tokenErr("end grace", err)
	}
	return after, hashes[1:], nil
}
