// Package audit describes the admin's audit log: what happened, who did it,
// from where, and which fields changed. It knows nothing of HTTP or SQL;
// handlers fill events and the store appends them.
package audit

import (
	"maps"
	"reflect"
	"slices"
	"strings"
	"time"
)

// Actions recorded in the audit log.
const (
	SignIn          = "auth.sign-in"
	SignInFailed    = "auth.sign-in-failed"
	SignOut         = "auth.sign-out"
	Reauth          = "auth.reauth"
	ReauthFailed    = "auth.reauth-failed"
	TokenCreate     = "token.create"
	TokenUpdate     = "token.update"
	TokenRegenerate = "token.regenerate"
	TokenDelete     = "token.delete"
	TokenPause      = "token.pause"
	TokenResume     = "token.resume"
	TokenEndGrace   = "token.end-grace"
	// TokenOldKeyRefused is a rotated-out key used after its grace ended,
	// written with the batch of uses it was seen in (never one per
	// request).
	TokenOldKeyRefused = "token.old-key-refused"
	RoleCreate         = "role.create"
	RoleUpdate         = "role.update"
	UserCreate         = "user.create"
	UserRoleChange     = "user.role-change"
	UserDeactivate     = "user.deactivate"
	UserActivate       = "user.activate"
	// UserPasswordChange is an admin changing their own password (the
	// password is never in the record); UserPasswordReset an operator
	// setting one from the command line.
	UserPasswordChange = "user.password-change"
	UserPasswordReset  = "user.password-reset"
	SessionsRevoke     = "sessions.revoke"
	// Denied is a change the rules refused (nothing was changed): who
	// tried what on which target, and why it was refused.
	Denied = "access.denied"
)

// Actions lists every action in display order, for the log's filter.
var Actions = []string{
	SignIn, SignInFailed, SignOut, Reauth, ReauthFailed,
	TokenCreate, TokenUpdate, TokenRegenerate, TokenDelete,
	TokenPause, TokenResume, TokenEndGrace, TokenOldKeyRefused,
	RoleCreate, RoleUpdate,
	UserCreate, UserRoleChange, UserDeactivate, UserActivate, UserPasswordChange, UserPasswordReset,
	SessionsRevoke, Denied,
}

// Target types: what an event is about.
const (
	TargetAdmin = "admin"
	TargetToken = "token"
	TargetRole  = "role"
)

// Event is one record of the audit log. Records are only ever appended.
type Event struct {
	ID         int64
	At         time.Time
	ActorID    *int64 // nil for a failed sign-in, or once the admin is deleted
	ActorEmail string // kept even when the actor is gone
	Action     string
	TargetType string
	TargetID   string
	TargetName string
	Changes    []Change
	IP         string
	UserAgent  string
}

// Actor is who makes a change, as the log records them: a signed-in admin
// (ID and email, the address and browser they came from), or the command
// line (no ID; "cli:" and the operating-system user).
type Actor struct {
	ID        *int64
	Name      string
	IP        string
	UserAgent string
}

// CLIPrefix starts the name of every change made from the command line.
const CLIPrefix = "cli"

// CLI is the command line run by the operating-system user osUser.
func CLI(osUser string) Actor {
	if osUser == "" {
		return Actor{Name: CLIPrefix}
	}
	return Actor{Name: CLIPrefix + ":" + osUser}
}

// Event starts an event of action done by a at at.
func (a Actor) Event(action string, at time.Time) Event {
	return Event{At: at, ActorID: a.ID, ActorEmail: a.Name, Action: action, IP: a.IP, UserAgent: a.UserAgent}
}

// Change is one field's value before and after an event; nil is "none"
// (before a create, after a delete). Values are plain: strings, numbers,
// booleans and slices of them.
type Change struct {
	Field  string
	Before any
	After  any
}

// Query selects events for the log page, newest first.
type Query struct {
	Actor    string // a substring of the actor's email, any case
	Action   string // exactly
	TokenID  string // events about this token
	From, To *time.Time
	Limit    int
	Offset   int
}

// PageSize is how many events the log shows a page.
const PageSize = 50

// Diff returns the fields whose value differs between before and after,
// sorted by name. A field missing on one side counts as nil there, so
// Diff(nil, after) describes a create and Diff(before, nil) a delete.
func Diff(before, after map[string]any) []Change {
	keys := slices.Collect(maps.Keys(before))
	for k := range after {
		if _, ok := before[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var out []Change
	for _, k := range keys {
		b, a := before[k], after[k]
		if !reflect.DeepEqual(b, a) {
			out = append(out, Change{Field: k, Before: b, After: a})
		}
	}
	return out
}

// keyPrefix starts every API key (apitoken.Prefix); any value holding it
// may be a key.
const keyPrefix = "tka_"

// secretFields are name parts of fields that must never be recorded.
var secretFields = []string{"key", "hash", "password", "secret", "token_value"}

// Clean drops every change that might carry key material: fields whose
// name mentions a key, hash, password or secret, and values that hold
// something that looks like an API key. Handlers never pass such fields;
// this is defence in depth, applied to everything recorded.
func Clean(changes []Change) []Change {
	out := make([]Change, 0, len(changes))
	for _, c := range changes {
		name := strings.ToLower(c.Field)
		if slices.ContainsFunc(secretFields, func(s string) bool { return strings.Contains(name, s) }) {
			continue
		}
		if looksLikeKey(c.Before) || looksLikeKey(c.After) {
			continue
		}
		out = append(out, c)
	}
	return out
}

// LooksLikeKey reports whether s holds what may be an API key.
func LooksLikeKey(s string) bool { return strings.Contains(s, keyPrefix) }

// looksLikeKey looks for a key-like string anywhere inside v.
func looksLikeKey(v any) bool {
	switch v := v.(type) {
	case nil:
		return false
	case string:
		return LooksLikeKey(v)
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.String:
		return LooksLikeKey(rv.String())
	case reflect.Slice, reflect.Array:
		for i := range rv.Len() {
			if looksLikeKey(rv.Index(i).Interface()) {
				return true
			}
		}
	case reflect.Map:
		for it := rv.MapRange(); it.Next(); {
			if looksLikeKey(it.Key().Interface()) || looksLikeKey(it.Value().Interface()) {
				return true
			}
		}
	case reflect.Pointer, reflect.Interface:
		if !rv.IsNil() {
			return looksLikeKey(rv.Elem().Interface())
		}
	case reflect.Struct:
		// Structs are not plain values; refuse what cannot be inspected
		// simply, except times.
		_, isTime := v.(time.Time)
		return !isTime
	}
	return false
}
