package db

import (
	"context"
	"time"

	"github.com/tokenadmin/tokenadmin/access"
)

type sessionRow struct {
	ID         string    `db:"id"`
	AdminID    int64     `db:"admin_id"`
	CreatedAt  time.Time `db:"created_at"`
	LastSeenAt time.Time `db:"last_seen_at"`
	IP         string    `db:"ip"`
	UserAgent  string    `db:"user_agent"`
}

// CreateSession records a new sign-in.
func (d *DB) CreateSession(ctx context.Context, s access.Session) error {
	_, err := d.ExecContext(ctx, d.Rebind(`INSERT INTO admin_sessions (id, admin_id, created_at, last_seen_at, ip, user_agent) VALUES (?, ?, ?, ?, ?, ?)`),
		s.ID, s.AdminID, s.CreatedAt.UTC().Truncate(time.Microsecond), s.LastSeenAt.UTC().Truncate(time.Microsecond), s.IP, s.UserAgent)
	return wrap("create session", err)
}

// SessionActive reports whether session id of admin exists and has not
// been signed out.
func (d *DB) SessionActive(ctx context.Context, id string, adminID int64) (bool, error) {
	var n int
	err := d.GetContext(ctx, &n, d.Rebind(`SELECT COUNT(*) FROM admin_sessions WHERE id = ? AND admin_id = ? AND revoked_at IS NULL`), id, adminID)
	return n == 1, wrap("session active", err)
}

// TouchSession moves a session's last-seen time.
func (d *DB) TouchSession(ctx context.Context, id string, at time.Time) error {
	_, err := d.ExecContext(ctx, d.Rebind(`UPDATE admin_sessions SET last_seen_at = ? WHERE id = ?`), at.UTC().Truncate(time.Microsecond), id)
	return wrap("touch session", err)
}

// AdminSessions lists an admin's open sessions, most recently seen first.
func (d *DB) AdminSessions(ctx context.Context, adminID int64) ([]access.Session, error) {
	var rows []sessionRow
	err := d.SelectContext(ctx, &rows, d.Rebind(`SELECT id, admin_id, created_at, last_seen_at, ip, user_agent FROM admin_sessions
		WHERE admin_id = ? AND revoked_at IS NULL ORDER BY last_seen_at DESC, created_at DESC`), adminID)
	if err != nil {
		return nil, wrap("admin sessions", err)
	}
	out := make([]access.Session, len(rows))
	for i, r := range rows {
		out[i] = access.Session{ID: r.ID, AdminID: r.AdminID, CreatedAt: r.CreatedAt.UTC(), LastSeenAt: r.LastSeenAt.UTC(), IP: r.IP, UserAgent: r.UserAgent}
	}
	return out, nil
}

// RevokeSessions signs out sessions of adminID: the one named by only,
// or, when only is empty, all of them except keep.
func (d *DB) RevokeSessions(ctx context.Context, adminID int64, only, keep string) (int, error) {
	q, args := `UPDATE admin_sessions SET revoked_at = ? WHERE admin_id = ? AND revoked_at IS NULL`, []any{now(), adminID}
	if only != "" {
		q, args = q+` AND id = ?`, append(args, only)
	} else if keep != "" {
		q, args = q+` AND id <> ?`, append(args, keep)
	}
	res, err := d.ExecContext(ctx, d.Rebind(q), args...)
	if err != nil {
		return 0, wrap("revoke sessions", err)
	}
	n, err := res.RowsAffected()
	return int(n), wrap("revoke sessions", err)
}
