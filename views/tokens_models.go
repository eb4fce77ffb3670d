package views

import (
	"slices"
	"strconv"
	"time"

	"github.com/tokenadmin/tokenadmin/apitoken"
	"github.com/tokenadmin/tokenadmin/validate"
)

// TokenRowView is one token in the table: never its key.
type TokenRowView struct {
	ID   int64
	Name string
	// KeyHint is what the store keeps to recognise a key (tka_…IqDv),
	// never the key.
	KeyHint      string
	Description  string
	Type         string
	TypeLabel    string
	CreatedAt    time.Time
	LastUsedAt   *time.Time
	ExpiresAt    *time.Time
	Expired      bool
	ExpiringSoon bool
	Paused       bool
	Usage        UsageView      // requests per day, for the sparkline
	Quota        *QuotaLeftView // nil without a quota
}

// QuotaLeftView is what remains of a token's quota.
type QuotaLeftView struct {
	Left, Limit int64
	Refill      string // "", "daily" or "monthly"
}

// Text is e.g. "812 / 1,000 left".
func (q QuotaLeftView) Text() string {
	return formatCount(q.Left) + " / " + formatCount(q.Limit) + " left"
}

// Title says when the quota refills, for the tooltip.
func (q QuotaLeftView) Title() string {
	switch q.Refill {
	case "daily":
		return "Quota refills every day at 00:00 UTC"
	case "monthly":
		return "Quota refills on the 1st of each month, 00:00 UTC"
	}
	return "Quota never refills"
}

// TokensPageView is the tokens list with its search, sort and page.
type TokensPageView struct {
	Rows []TokenRowView
	// Total is how many tokens the list holds: exactly, or, past what is
	// cheap to count, about (TotalAbout) or more than (TotalAtLeast) that.
	Total        int
	TotalAbout   bool
	TotalAtLeast bool
	Page         int
	Pages        int // 0 when the total is only a lower bound
	// The cursors of the first and last rows reach the pages beside this
	// one by seeking, as cheap on page 20,000 as on page 2.
	HasPrev, HasNext        bool
	FirstCursor, LastCursor string
	Search                  string
	Sort                    string // name | created | last_used
	Desc                    bool
	Filter                  string // "", FilterPaused or FilterExpiring
	// Expiring is how many tokens expire within 7 days (more than that
	// when ExpiringMore), for the banner.
	Expiring     int
	ExpiringMore bool
	CanCreate    bool
	CanUpdate    bool
	CanDelete    bool
}

// SortURL is the list URL that sorts by column, flipping the direction
// when it is already the sort column.
func (v TokensPageView) SortURL(column string) string {
	desc := false
	if v.Sort == column {
		desc = !v.Desc
	}
	return v.listURL(column, desc, v.Search, 1)
}

// PageURL is the list URL of page n with the current search and sort.
func (v TokensPageView) PageURL(n int) string { return v.listURL(v.Sort, v.Desc, v.Search, n) }

// PrevURL is the page before this one: page 1 plainly, any other by
// seeking back from this page's first row.
func (v TokensPageView) PrevURL() string {
	if v.Page <= 2 || v.FirstCursor == "" {
		return v.PageURL(v.Page - 1)
	}
	return v.PageURL(v.Page-1) + "&before=" + urlQueryEscape(v.FirstCursor)
}

// NextURL is the page after this one, found by seeking past this page's
// last row.
func (v TokensPageView) NextURL() string {
	if v.LastCursor == "" {
		return v.PageURL(v.Page + 1)
	}
	return v.PageURL(v.Page+1) + "&after=" + urlQueryEscape(v.LastCursor)
}

// Summary is the page and count line under the table, e.g. "Page 3 of
// about 40,000 · about 1,000,000 tokens".
func (v TokensPageView) Summary() string {
	about := ""
	if v.TotalAbout {
		about = "about "
	}
	switch {
	case v.TotalAtLeast:
		return "Page " + Thousands(v.Page) + " · more than " + Thousands(v.Total) + " tokens"
	case v.Pages > 0:
		return "Page " + Thousands(v.Page) + " of " + about + Thousands(v.Pages) + " · " + about + Thousands(v.Total) + " tokens"
	}
	return "Page " + Thousands(v.Page) + " · " + about + Thousands(v.Total) + " tokens"
}

// Thousands writes n with comma separators: 1,000,000.
func Thousands(n int) string {
	s := strconv.Itoa(n)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		return "-" + s
	}
	return s
}

// List filters (the filter query parameter).
const (
	FilterPaused    = "paused"
	FilterExpiring  = "expiring"
	FilterExpired   = "expired"
	FilterNeverUsed = "never-used"
)

// Filters are the list's filters with their labels, in display order: by
// state, then by type (the type's own value).
var Filters = func() []struct{ Value, Label string } {
	out := []struct{ Value, Label string }{
		{"", "All tokens"},
		{FilterExpiring, "Expiring within 7 days"},
		{FilterExpired, "Expired"},
		{FilterNeverUsed, "Never used"},
		{FilterPaused, "Paused"},
	}
	for _, t := range apitoken.Types {
		out = append(out, struct{ Value, Label string }{string(t), t.Label()})
	}
	return out
}()

// ExpiringURL lists the tokens that expire within 7 days; ExpiredURL
// those that have expired.
const (
	ExpiringURL = TokensURL + "?sort=name&filter=" + FilterExpiring
	ExpiredURL  = TokensURL + "?sort=name&filter=" + FilterExpired
)

func (v TokensPageView) listURL(sort string, desc bool, search string, page int) string {
	u := TokensURL + "?sort=" + sort
	if desc {
		u += "&dir=desc"
	}
	if search != "" {
		u += "&q=" + urlQueryEscape(search)
	}
	if v.Filter != "" {
		u += "&filter=" + urlQueryEscape(v.Filter)
	}
	if page > 1 {
		u += "&page=" + strconv.Itoa(page)
	}
	return u
}

// AriaSort is the aria-sort value of column's header.
func (v TokensPageView) AriaSort(column string) string {
	switch {
	case v.Sort != column:
		return "none"
	case v.Desc:
		return "descending"
	}
	return "ascending"
}

// AccordionActionView is one action checkbox with the route it guards.
type AccordionActionView struct {
	Action      string
	Verb        string
	Method      string
	Path        string
	Description string
}

// AccordionGroupView is one content type of the permissions accordion.
type AccordionGroupView struct {
	UID         string
	DisplayName string
	Actions     []AccordionActionView
}

// TokenFormView is the create or edit form of a token, and on the edit
// page the token's facts and the one-time reveal.
type TokenFormView struct {
	ID          int64  // 0 while creating
	Title       string // the stored name, for headings: Name may hold rejected input
	Name        string
	Description string
	Type        string
	Duration    string // "" on edit: keep the expiry
	Permissions []string
	// Guardrails, as typed (AllowedIPs one CIDR per line) or as stored.
	AllowedIPs  string
	RateLimit   string
	Quota       string
	QuotaRefill string // "", "daily" or "monthly"
	Groups      []AccordionGroupView
	Orphans     []string // stored permissions whose action no longer exists
	Errors      validate.Errors

	ReadOnly      bool // the viewer lacks api-tokens.update
	NeedsReauth   bool // changes that let a key write need the password again
	CanWrite      bool // the stored token's key may change content
	CanRegenerate bool
	CanDelete     bool

	KeyHint    string
	CreatedAt  time.Time
	LastUsedAt *time.Time
	ExpiresAt  *time.Time
	Expired    bool

	// Reveal is the key, set only in the answer to create or regenerate.
	Reveal string

	// Lifecycle: pause, the old key of a rotation, where the key was used.
	Paused   bool
	CanPause bool // the viewer may pause and resume (api-tokens.update)
	OldKey   *OldKeyView
	Clients  []ClientView
	// LifetimeRule says what the lifetime policy allows ("" when it
	// allows everything).
	LifetimeRule string

	// Usage is the token's requests per day (nil on the create form).
	Usage *UsageView
}

// OldKeyView is the key a rotation replaced: while its grace lasts, a
// countdown and its use, so the admin sees the cut-over; after it, the
// attempts that were refused.
type OldKeyView struct {
	Hint        string
	GraceEndsAt time.Time
	InGrace     bool
	// Remaining is how long the grace still lasts at render time (the
	// countdown starts from it, whatever the browser's clock says).
	Remaining  time.Duration
	LastUsedAt *time.Time
	Requests   int64
	RefusedAt  *time.Time
	Refused    int64
}

// ClientView is a client address and agent a key was used from.
type ClientView struct {
	Address   string
	UserAgent string
	FirstSeen time.Time
	LastSeen  time.Time
}

// Checked reports whether action shows ticked: what the server allows for
// the chosen type, so the accordion never claims more or less.
func (f TokenFormView) Checked(action string) bool {
	switch f.Type {
	case "full-access":
		return true
	case "read-only":
		return isReadAction(action)
	}
	return slices.Contains(f.Permissions, action)
}

// Locked reports whether the permission checkboxes are read-only.
func (f TokenFormView) Locked() bool { return f.ReadOnly || f.Type != "custom" }

// GroupState is the tri-state of a group's select-all: "all", "some" or
// "none" ticked.
func (f TokenFormView) GroupState(g AccordionGroupView) string {
	n := 0
	for _, a := range g.Actions {
		if f.Checked(a.Action) {
			n++
		}
	}
	switch n {
	case 0:
		return "none"
	case len(g.Actions):
		return "all"
	}
	return "some"
}

func isReadAction(a string) bool {
	return hasSuffix(a, ".find") || hasSuffix(a, ".findOne")
}

func hasSuffix(s, suffix string) bool {
	return len(s) >= len(suffix) && s[len(s)-len(suffix):] == suffix
}

// refills are the quota_refill choices; "" never refills.
var refills = []struct{ Value, Label string }{
	{"", "Never"},
	{"daily", "Daily"},
	{"monthly", "Monthly"},
}

// TypeExplanation is the line beside the type select saying what a key of
// type t may do, in Strapi's terms.
func TypeExplanation(t string) string {
	switch t {
	case "read-only":
		return "Can read every content type (find and findOne), nothing else."
	case "full-access":
		return "Can read, create, update and delete every content type."
	case "custom":
		return "Can do exactly the actions ticked under Permissions."
	}
	return ""
}

// expiryPreview says when a token given a duration now would expire, as
// Strapi's create form does.
func expiryPreview(at *time.Time) string {
	if at == nil {
		return "Expiration date: never"
	}
	return "Expiration date: " + ShortDate(*at)
}

// keptExpiry is the preview of "keep the current expiry" on edit.
func (f TokenFormView) keptExpiry() string {
	if f.ExpiresAt == nil {
		return "Expiration date: never (kept)"
	}
	return "Expiration date: " + ShortDate(*f.ExpiresAt) + " (kept)"
}

// expiryPreview is the preview under the duration select for the duration
// chosen now.
func (f TokenFormView) expiryPreview(now time.Time) string {
	if f.ID != 0 && f.Duration == "" {
		return f.keptExpiry()
	}
	for _, d := range apitoken.Durations {
		if string(d) == f.Duration {
			return expiryPreview(d.ExpiresAt(now))
		}
	}
	return ""
}
