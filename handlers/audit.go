package handlers

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/tokenadmin/tokenadmin/access"
	"github.com/tokenadmin/tokenadmin/account"
	"github.com/tokenadmin/tokenadmin/audit"
	"github.com/tokenadmin/tokenadmin/views"
)

// maxAuditUserAgent is how much of a user agent the log keeps.
const maxAuditUserAgent = 300

// audit records an event that goes with no change (sign-ins, sign-outs,
// password prompts) with who did it (the signed-in admin, unless ev names
// an actor itself, as a failed sign-in does), when and from where.
// Changes to tokens, admins and roles are recorded by their services, in
// the change's own transaction. Recording never fails the request: what
// it describes has already happened, so a failed write is logged instead.
func (s *server) audit(c echo.Context, ev audit.Event) {
	if me, ok := currentAdmin(c); ok && ev.ActorID == nil && ev.ActorEmail == "" {
		id := me.ID
		ev.ActorID, ev.ActorEmail = &id, me.Email
	}
	ev.At = s.now()
	ev.IP = clientIP(c)
	ev.UserAgent = userAgent(c)
	// The client going away must not lose the record of what it did.
	ctx := context.WithoutCancel(c.Request().Context())
	if err := s.store.RecordAudit(ctx, ev); err != nil {
		s.log.Error("audit: record event", "action", ev.Action, "target_type", ev.TargetType, "target_id", ev.TargetID, "error", err)
	}
}

// actor is who makes a change in this request, as the audit log records
// them: the signed-in admin, from this address and browser.
func (s *server) actor(c echo.Context) audit.Actor {
	a := audit.Actor{IP: clientIP(c), UserAgent: userAgent(c)}
	if me, ok := currentAdmin(c); ok {
		id := me.ID
		a.ID, a.Name = &id, me.Email
	}
	return a
}

// by is the signed-in admin as the access rules see them.
func (s *server) by(c echo.Context) access.Actor {
	me, _ := currentAdmin(c)
	return access.AdminActor(me, clientIP(c), userAgent(c))
}

// userAgent is the client's User-Agent as stored: valid UTF-8 (a header
// may carry any bytes, and PostgreSQL refuses invalid text) and at most
// maxAuditUserAgent bytes.
func userAgent(c echo.Context) string {
	return truncateUTF8(strings.ToValidUTF8(c.Request().UserAgent(), "\uFFFD"), maxAuditUserAgent)
}

// clientIP is the client's address as stored: an address, so short, but
// cut all the same since a proxy's header may say anything.
func clientIP(c echo.Context) string {
	return truncateUTF8(strings.ToValidUTF8(c.RealIP(), "\uFFFD"), 64)
}

// truncateUTF8 cuts s to at most n bytes without splitting a character.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// adminEvent is an event about admin id.
func adminEvent(action string, id int64, email string, changes []audit.Change) audit.Event {
	return audit.Event{Action: action, TargetType: audit.TargetAdmin, TargetID: strconv.FormatInt(id, 10), TargetName: email, Changes: changes}
}

// auditIndex is the audit log, filtered and paginated.
func (s *server) auditIndex(c echo.Context) error {
	f := views.AuditFilterView{
		Actor:   truncateUTF8(strings.TrimSpace(c.QueryParam("actor")), account.MaxEmailLength),
		Action:  truncateUTF8(strings.TrimSpace(c.QueryParam("action")), 64),
		TokenID: truncateUTF8(strings.TrimSpace(c.QueryParam("token")), 20),
	}
	q := audit.Query{Actor: f.Actor, Action: f.Action, TokenID: f.TokenID, Limit: audit.PageSize}
	// Dates are whole UTC days; "to" includes its day. A malformed date
	// is dropped rather than failing the page.
	if d, err := time.Parse(time.DateOnly, c.QueryParam("from")); err == nil {
		q.From, f.From = &d, d.Format(time.DateOnly)
	}
	if d, err := time.Parse(time.DateOnly, c.QueryParam("to")); err == nil {
		end := d.AddDate(0, 0, 1)
		q.To, f.To = &end, d.Format(time.DateOnly)
	}
	page, _ := strconv.Atoi(c.QueryParam("page"))
	page = max(page, 1)
	q.Offset = (page - 1) * q.Limit
	events, total, err := s.store.AuditEvents(c.Request().Context(), q)
	if err != nil {
		return err
	}
	v := views.AuditPageView{
		Total: total, Page: page, Pages: (total + q.Limit - 1) / q.Limit,
		Filter: f,
	}
	for _, a := range audit.Actions {
		v.Actions = append(v.Actions, views.AuditActionView{Code: a, Label: audit.Label(a)})
	}
	for _, ev := range events {
		r := views.AuditRowView{
			ID: ev.ID, At: ev.At, Actor: ev.ActorEmail, Action: ev.Action, ActionLabel: audit.Label(ev.Action),
			TargetType: ev.TargetType, TargetID: ev.TargetID, TargetName: ev.TargetName,
			IP: ev.IP, UserAgent: ev.UserAgent,
		}
		for _, ch := range ev.Changes {
			r.Changes = append(r.Changes, views.AuditChangeView{Field: ch.Field, Before: auditValue(ch.Before), After: auditValue(ch.After)})
		}
		v.Rows = append(v.Rows, r)
	}
	return s.render(c, http.StatusOK, views.AuditPage(v), views.AuditContent(v))
}

// auditValue is a recorded value as text: "—" for none.
func auditValue(v any) string {
	switch v := v.(type) {
	case nil:
		return "—"
	case string:
		if v == "" {
			return `""`
		}
		// A role's actions read as the role editor shows them.
		if words, ok := access.Describe(access.Action(v)); ok {
			return words
		}
		return v
	case bool:
		return strconv.FormatBool(v)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case []any:
		if len(v) == 0 {
			return "(none)"
		}
		parts := make([]string, len(v))
		for i, e := range v {
			parts[i] = auditValue(e)
		}
		return strings.Join(parts, ", ")
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "?"
	}
	return string(b)
}
