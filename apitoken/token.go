package apitoken

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tokenadmin/tokenadmin/validate"
)

// Type is what kind of access a token grants.
type Type string

// Token types, as Strapi names them.
const (
	ReadOnly   Type = "read-only"
	FullAccess Type = "full-access"
	Custom     Type = "custom"
)

// Types lists the token types in display order.
var Types = []Type{ReadOnly, FullAccess, Custom}

// Label is the type as people read it.
func (t Type) Label() string {
	switch t {
	case ReadOnly:
		return "Read-only"
	case FullAccess:
		return "Full access"
	case Custom:
		return "Custom"
	}
	return string(t)
}

// Duration is how long a new (or re-timed) token lives.
type Duration string

// The durations a token may be given.
const (
	Days7     Duration = "7"
	Days30    Duration = "30"
	Days90    Duration = "90"
	Unlimited Duration = "unlimited"
)

// Durations lists the durations in display order.
var Durations = []Duration{Days7, Days30, Days90, Unlimited}

// Label is the duration as people read it.
func (d Duration) Label() string {
	switch d {
	case Days7:
		return "7 days"
	case Days30:
		return "30 days"
	case Days90:
		return "90 days"
	case Unlimited:
		return "Unlimited"
	}
	return string(d)
}

// ExpiresAt is when a token given duration d at now expires; nil means
// never.
func (d Duration) ExpiresAt(now time.Time) *time.Time {
	var days int
	switch d {
	case Days7:
		days = 7
	case Days30:
		days = 30
	case Days90:
		days = 90
	default:
		return nil
	}
	t := now.UTC().Add(time.Duration(days) * 24 * time.Hour)
	return &t
}

// Token is an API token as stored: never its key, only the key's hint.
type Token struct {
	ID          int64
	Name        string
	Description string
	Type        Type
	Permissions []string // custom tokens only; sorted
	KeyHint     string
	ExpiresAt   *time.Time
	LastUsedAt  *time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time
	CreatedBy   *int64
	Guardrails
	// QuotaUse is the quota spent as last written (the store's view: each
	// instance adds what it counted since its last batch).
	QuotaUse QuotaUse

	// Paused tokens keep their key, permissions and history, but their
	// key is refused ("Token disabled") until they are resumed.
	Paused bool
	// OldKey is the key the last rotation replaced, while it is kept (at
	// most one per token); nil when there is none.
	OldKey *OldKey
	// ViaOldKey is set on a token found by its old key's hash: the
	// verifier then applies the old key's grace.
	ViaOldKey bool
}

// QuotaRemaining is what is left of the token's quota at at as the
// store knows it (nil without a quota).
func (t Token) QuotaRemaining(at time.Time) *int64 {
	if t.Quota == nil {
		return nil
	}
	r := max(0, t.Quota.Limit-t.QuotaUse.UsedAt(t.Quota.Refill, at))
	return &r
}

// Expired reports whether the token can no longer be used at now.
func (t Token) Expired(now time.Time) bool {
	return t.ExpiresAt != nil && !now.Before(*t.ExpiresAt)
}

// ExpiresWithin reports whether an unexpired token expires within d of now.
func (t Token) ExpiresWithin(now time.Time, d time.Duration) bool {
	return t.ExpiresAt != nil && !t.Expired(now) && t.ExpiresAt.Sub(now) <= d
}

// ExpiringSoon reports whether an admin should be warned that t expires:
// within a week, or within the last third of its lifetime when that is
// shorter, so that a new 7-day token is not "expiring soon" from its first
// day.
func (t Token) ExpiringSoon(now time.Time) bool {
	if t.ExpiresAt == nil {
		return false
	}
	window := 7 * 24 * time.Hour
	if third := t.ExpiresAt.Sub(t.CreatedAt) / 3; third < window {
		window = third
	}
	return t.ExpiresWithin(now, window)
}

// IsReadAction reports whether action is one a read-only token may call:
// Strapi's rule, by the action's name.
func IsReadAction(action string) bool {
	return strings.HasSuffix(action, ".find") || strings.HasSuffix(action, ".findOne")
}

// CanWrite reports whether a token of type t with permissions perms may
// change content: full access, or custom with any action that is not a
// read.
func CanWrite(t Type, perms []string) bool {
	return WritePowerGrows("", nil, t, perms)
}

// WritePowerGrows reports whether changing a token from type from with
// permissions fromPerms to type to with toPerms lets its key make a
// change it could not make before: a switch to full access, or any write
// action added. A new token comes from nothing (from ""). Such changes
// ask for the admin's password when the last one is old.
func WritePowerGrows(from Type, fromPerms []string, to Type, toPerms []string) bool {
	switch {
	case to == FullAccess:
		return from != FullAccess
	case to != Custom, from == FullAccess:
		return false
	}
	for _, p := range toPerms {
		if !IsReadAction(p) && !(from == Custom && slices.Contains(fromPerms, p)) {
			return true
		}
	}
	return false
}

// Allows reports whether a token of type t with permissions perms may
// perform action. It is the one place that decides it, for the REST API,
// GraphQL and the accordion alike.
func Allows(t Type, perms []string, action string) bool {
	switch t {
	case FullAccess:
		return true
	case ReadOnly:
		return IsReadAction(action)
	case Custom:
		return slices.Contains(perms, action)
	}
	return false
}

// CanWrite reports whether the token's key may change content.
func (t Token) CanWrite() bool { return CanWrite(t.Type, t.Permissions) }

// Allows reports whether the token may perform action.
func (t Token) Allows(action string) bool { return Allows(t.Type, t.Permissions, action) }

// Limits on what a token's fields may hold.
const (
	MaxNameLen        = 100
	MaxDescriptionLen = 500
)

// Input is a token as submitted by the form or the CLI, before checking.
type Input struct {
	Name        string
	Description string
	Type        string
	Duration    string // "" on an edit that keeps the current expiry
	Permissions []string
	GuardInput
}

// Clean is a checked Input.
type Clean struct {
	Name        string
	Description string
	Type        Type
	Duration    Duration // "" keeps the current expiry (edit only)
	Permissions []string // sorted, deduplicated; empty unless custom
	Guardrails
}

// Validate trims and checks in. known reports whether an action exists in
// the content-type registry. requireDuration is true when creating. Every
// problem is reported against its field; nothing is dropped silently.
func Validate(in Input, known func(string) bool, requireDuration bool) (Clean, validate.Errors) {
	errs := validate.Errors{}
	c := Clean{
		Name:        strings.TrimSpace(in.Name),
		Description: strings.TrimSpace(in.Description),
		Type:        Type(in.Type),
		Duration:    Duration(in.Duration),
	}
	errs.Check(c.Name != "", "name", "Name is required.")
	errs.Check(utf8.RuneCountInString(c.Name) <= MaxNameLen, "name", "Name must be at most 100 characters.")
	errs.Check(utf8.ValidString(c.Name), "name", "Name must be valid text.")
	errs.Check(utf8.RuneCountInString(c.Description) <= MaxDescriptionLen, "description", "Description must be at most 500 characters.")
	errs.Check(slices.Contains(Types, c.Type), "type", "Choose a type: read-only, full access or custom.")
	if c.Duration != "" || requireDuration {
		errs.Check(slices.Contains(Durations, c.Duration), "duration", "Choose a duration: 7, 30 or 90 days, or unlimited.")
	}
	perms := slices.Clone(in.Permissions)
	slices.Sort(perms)
	perms = slices.Compact(perms)
	perms = slices.DeleteFunc(perms, func(p string) bool { return p == "" })
	if len(perms) > 0 && c.Type != Custom && c.Type != "" {
		errs.Add("permissions", "Only custom tokens take permissions; read-only and full access are fixed.")
	}
	var unknown []string
	for _, p := range perms {
		if !known(p) {
			unknown = append(unknown, p)
		}
	}
	if len(unknown) > 0 {
		errs.Add("permissions", "Unknown permissions: "+strings.Join(unknown, ", ")+".")
	}
	if c.Type == Custom {
		c.Permissions = perms
	}
	c.Guardrails = validateGuardrails(in.GuardInput, errs)
	return c, errs
}

// ListQuery selects a page of the token list: by position (Offset), or,
// cheaper at any depth, by seeking from a row of the page beside it
// (After or Before, cursors that a Page hands out).
type ListQuery struct {
	Search string // case-insensitive substring of the name
	Sort   string // SortName, SortCreated or SortLastUsed
	Desc   bool
	Limit  int
	Offset int
	After  string // the page that follows the row with this cursor
	Before string // the page that precedes the row with this cursor
	Filter ListFilter
}

// ListFilter narrows the token list to the tokens an admin is looking
// for; the zero value lets every token through.
type ListFilter struct {
	// Paused keeps only paused tokens.
	Paused bool
	// ExpiringBy, when set, keeps only tokens that have not expired at
	// Now and expire by then (the "expiring within 7 days" banner).
	ExpiringBy *time.Time
	// Expired keeps only tokens that have expired at Now.
	Expired bool
	// NeverUsed keeps only tokens whose key was never used.
	NeverUsed bool
	// Type, when set, keeps only tokens of that type.
	Type Type
	Now  time.Time
}

// Narrows reports whether the filter leaves out any token.
func (f ListFilter) Narrows() bool {
	return f.Paused || f.ExpiringBy != nil || f.Expired || f.NeverUsed || f.Type != ""
}

// ExpiringWithin is the filter of tokens that expire within d of now.
func ExpiringWithin(now time.Time, d time.Duration) ListFilter {
	by := now.UTC().Add(d)
	return ListFilter{ExpiringBy: &by, Now: now.UTC()}
}

// Sort columns of the token list.
const (
	SortName     = "name"
	SortCreated  = "created"
	SortLastUsed = "last_used"
)

// PageSize is how many tokens the admin list shows at once.
const PageSize = 25
