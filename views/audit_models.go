package views

import (
	"net/url"
	"strconv"
	"time"
)

// AuditURL is the audit log page.
const AuditURL = "/admin/settings/audit-logs"

// AuditFilterView is the log's filter as typed: every field a query
// parameter of AuditURL.
type AuditFilterView struct {
	Actor   string // actor
	Action  string // action
	TokenID string // token
	From    string // from, YYYY-MM-DD
	To      string // to, YYYY-MM-DD, inclusive
}

// Active reports whether any filter is set.
func (f AuditFilterView) Active() bool { return f != AuditFilterView{} }

// URL is the log filtered by f, at page n.
func (f AuditFilterView) URL(page int) string {
	q := url.Values{}
	for k, v := range map[string]string{"actor": f.Actor, "action": f.Action, "token": f.TokenID, "from": f.From, "to": f.To} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if page > 1 {
		q.Set("page", strconv.Itoa(page))
	}
	if len(q) == 0 {
		return AuditURL
	}
	return AuditURL + "?" + q.Encode()
}

// AuditChangeView is one field of an event, its values already text.
type AuditChangeView struct {
	Field  string
	Before string
	After  string
}

// AuditRowView is one event of the log.
type AuditRowView struct {
	ID     int64
	At     time.Time
	Actor  string // the actor's email, or what was typed at a failed sign-in
	Action string // the code, e.g. token.delete
	// ActionLabel is the action in words, e.g. "Deleted token".
	ActionLabel string
	TargetType  string
	TargetID    string
	TargetName  string
	Changes     []AuditChangeView
	IP          string
	UserAgent   string
}

// AuditPageView is one page of the audit log with its filter.
type AuditPageView struct {
	Rows    []AuditRowView
	Total   int
	Page    int
	Pages   int
	Filter  AuditFilterView
	Actions []AuditActionView // for the action filter
}

// AuditActionView is one choice of the action filter.
type AuditActionView struct {
	Code  string // the query value
	Label string // what the reader sees
}
