package db

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/tokenadmin/tokenadmin/audit"
)

// The audit log is append-only: this file has RecordAudit and
// AuditEvents and nothing that updates or deletes, and the migration's
// triggers refuse both.

// auditRow is an audit_events row as scanned.
type auditRow struct {
	ID         int64         `db:"id"`
	At         time.Time     `db:"at"`
	ActorID    sql.NullInt64 `db:"actor_id"`
	ActorEmail string        `db:"actor_email"`
	Action     string        `db:"action"`
	TargetType string        `db:"target_type"`
	TargetID   string        `db:"target_id"`
	TargetName string        `db:"target_name"`
	Changes    string        `db:"changes"`
	IP         string        `db:"ip"`
	UserAgent  string        `db:"user_agent"`
}

// auditChange is how a change is kept in the changes JSON column.
type auditChange struct {
	Field  string `json:"field"`
	Before any    `json:"before"`
	After  any    `json:"after"`
}

const auditColumns = `id, at, actor_id, actor_email, action, target_type, target_id, target_name, changes, ip, user_agent`

// errNoRecord is a change asked for without the audit event to store
// with it: a bug in the caller, refused so that no change goes unrecorded.
var errNoRecord = errors.New("change without an audit event")

// RecordAudit appends ev to the audit log on its own, for events that
// change nothing (sign-ins, refusals); changes write theirs in their own
// transaction. ev.ID is ignored.
func (d *DB) RecordAudit(ctx context.Context, ev audit.Event) error {
	return wrap("record audit", d.recordAudit(ctx, d.DB, ev))
}

// recordAudit appends ev through q, a transaction or the pool. Every event
// goes through audit.Bounded and audit.Clean first: no field is longer
// than its bound or invalid text, and nothing that may be key material is
// ever written.
func (d *DB) recordAudit(ctx context.Context, q sqlx.ExecerContext, ev audit.Event) error {
	if ev.Action == "" {
		return errors.New("audit event without an action")
	}
	ev = audit.Bounded(ev)
	clean := audit.Clean(ev.Changes)
	changes := make([]auditChange, len(clean))
	for i, c := range clean {
		changes[i] = auditChange(c)
	}
	js, err := json.Marshal(changes)
	if err != nil {
		return fmt.Errorf("audit event changes: %w", err)
	}
	at := ev.At
	if at.IsZero() {
		at = now()
	}
	_, err = q.ExecContext(ctx, d.Rebind(`INSERT INTO audit_events
		(at, actor_id, actor_email, action, target_type, target_id, target_name, changes, ip, user_agent)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		at.UTC().Truncate(time.Microsecond), ev.ActorID, ev.ActorEmail, ev.Action,
		ev.TargetType, ev.TargetID, ev.TargetName, string(js), ev.IP, ev.UserAgent)
	return err
}

// AuditEvents returns one page of the events q selects, newest first, and
// how many it selects in all. From is inclusive, To exclusive.
func (d *DB) AuditEvents(ctx context.Context, q audit.Query) ([]audit.Event, int, error) {
	var conds []string
	var args []any
	if q.Actor != "" {
		conds = append(conds, `lower(actor_email) LIKE ? ESCAPE '\'`)
		args = append(args, "%"+likeEscaper.Replace(strings.ToLower(q.Actor))+"%")
	}
	if q.Action != "" {
		conds, args = append(conds, `action = ?`), append(args, q.Action)
	}
	if q.TokenID != "" {
		conds, args = append(conds, `target_type = ? AND target_id = ?`), append(args, audit.TargetToken, q.TokenID)
	}
	if q.From != nil {
		conds, args = append(conds, `at >= ?`), append(args, q.From.UTC().Truncate(time.Microsecond))
	}
	if q.To != nil {
		conds, args = append(conds, `at < ?`), append(args, q.To.UTC().Truncate(time.Microsecond))
	}
	where := ""
	if len(conds) > 0 {
		where = ` WHERE ` + strings.Join(conds, ` AND `)
	}
	limit := q.Limit
	if limit <= 0 {
		limit = audit.PageSize
	}
	var total int
	if err := d.GetContext(ctx, &total, d.Rebind(`SELECT COUNT(*) FROM audit_events`+where), args...); err != nil {
		return nil, 0, wrap("count audit events", err)
	}
	var rows []auditRow
	err := d.SelectContext(ctx, &rows, d.Rebind(`SELECT `+auditColumns+` FROM audit_events`+where+
		` ORDER BY at DESC, id DESC LIMIT ? OFFSET ?`), append(args, limit, max(q.Offset, 0))...)
	if err != nil {
		return nil, 0, wrap("list audit events", err)
	}
	out := make([]audit.Event, len(rows))
	for i, r := range rows {
		ev, err := r.event()
		if err != nil {
			return nil, 0, wrap("list audit events", err)
		}
		out[i] = ev
	}
	return out, total, nil
}

func (r auditRow) event() (audit.Event, error) {
	ev := audit.Event{
		ID: r.ID, At: r.At.UTC(), ActorEmail: r.ActorEmail, Action: r.Action,
		TargetType: r.TargetType, TargetID: r.TargetID, TargetName: r.TargetName, IP: r.IP, UserAgent: r.UserAgent,
	}
	if r.ActorID.Valid {
		id := r.ActorID.Int64
		ev.ActorID = &id
	}
	var changes []auditChange
	if err := json.Unmarshal([]byte(r.Changes), &changes); err != nil {
		return ev, fmt.Errorf("event %d changes: %w", r.ID, err)
	}
	for _, c := range changes {
		ev.Changes = append(ev.Changes, audit.Change(c))
	}
	return ev, nil
}
