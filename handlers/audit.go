package handlers

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/tokenadmin/tokenadmin/access"
	"github.com/tokenadmin/tokenadmin/account"
	"github.com/tokenadmin/tokenadmin/apitoken"
	"github.com/tokenadmin/tokenadmin/audit"
	"github.com/tokenadmin/tokenadmin/views"
)

// maxAuditUserAgent is how much of a user agent the log keeps.
const maxAuditUserAgent = 300

// audit records ev with who did it (the signed-in admin, unless ev names
// an actor itself, as a failed sign-in does), when and from where. Every
// change goes through audit.Clean first. Recording never fails the
// request: the change it describes has already happened, so a failed
// write is logged instead.
func (s *server) audit(c echo.Context, ev audit.Event) {
	if me, ok := currentAdmin(c); ok && ev.ActorID == nil && ev.ActorEmail == "" {
		id := me.ID
		ev.ActorID, ev.ActorEmail = &id, me.Email
	}
	ev.At = s.now()
	ev.IP = clientIP(c)
	ev.UserAgent = userAgent(c)
	ev.Changes = audit.Clean(ev.Changes)
	// The client going away must not lose the record of what it did.
	ctx := context.WithoutCancel(c.Request().Context())
	if err := s.store.RecordAudit(ctx, ev); err != nil {
		s.log.Error("audit: record event", "action", ev.Action, "target_type", ev.TargetType, "target_id", ev.TargetID, "error", err)
	}
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

// tokenAudit is what the log records of a token: never its key or hint.
func tokenAudit(t apitoken.Token) map[string]any {
	expires := "never"
	if t.ExpiresAt != nil {
		expires = t.ExpiresAt.UTC().Format(time.RFC3339)
	}
	return map[string]any{
		"name": t.Name, "description": t.Description, "type": string(t.Type),
		"permissions": append([]string{}, t.Permissions...), "expiresAt": expires,
	}
}

// tokenEvent is an event about token t.
func tokenEvent(action string, t apitoken.Token, changes []audit.Change) audit.Event {
	return audit.Event{Action: action, TargetType: audit.TargetToken, TargetID: strconv.FormatInt(t.ID, 10), TargetName: t.Name, Changes: changes}
}

// roleAudit is what the log records of a role.
func roleAudit(name, description string, perms []access.Action) map[string]any {
	return map[string]any{"name": name, "description": description, "permissions": actionStrings(perms)}
}

// actionStrings is perms as sorted strings.
func actionStrings(perms []access.Action) []string {
	out := make([]string, len(perms))
	for i, p := range perms {
		out[i] = string(p)
	}
	slices.Sort(out)
	return out
}

// roleEvent is an event about role id.
func roleEvent(action string, id int64, name string, changes []audit.Change) audit.Event {
	return audit.Event{Action: action, TargetType: audit.TargetRole, TargetID: strconv.FormatInt(id, 10), TargetName: name, Changes: changes}
}

// adminEvent is an event about admin id.
func adminEvent(action string, id int64, email string, changes []audit.Change) audit.Event {
	return audit.Event{Action: action, TargetType: audit.TargetAdmin, TargetID: strconv.FormatInt(id, 10), TargetName: email, Changes: changes}
}

// adminForAudit loads admin id as it is now, before or after a change, for
// the log; a failure only costs the record some detail.
func (s *server) adminForAudit(c echo.Context, id int64) access.Admin {
	a, _ := s.store.AdminByID(c.Request().Context(), id)
	return a
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
		Filter: f, Actions: audit.Actions,
	}
	for _, ev := range events {
		r := views.AuditRowView{
			ID: ev.ID, At: ev.At, Actor: ev.ActorEmail, Action: ev.Action,
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
