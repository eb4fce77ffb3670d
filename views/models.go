// Package views holds the templ components of the admin and the view
// models they are drawn from. Components are pure functions of their view
// model; nothing here queries a store or reads a request.
package views

import (
	"context"
	"strings"
	"time"

	"github.com/tokenadmin/tokenadmin/validate"
)

// RequestInfo is what every page's chrome needs from the request: the
// CSRF token, who is signed in, the navigation they may see and pending
// flash messages. Handlers put it in the context once; components read it
// through Info.
type RequestInfo struct {
	CSRFToken string
	Admin     *AdminView
	Nav       []NavItem
	// BaseURL is where this admin (and its content API) is reached, for
	// examples to paste: the public URL when set, else the request's host.
	BaseURL string
	// AccountActive marks the Account link as the page shown.
	AccountActive bool
	Flashes       []Flash
	AssetVersion  string
	Now           time.Time
}

// AdminView is the signed-in admin as the chrome shows them.
type AdminView struct {
	Name     string
	Email    string
	RoleName string
}

// NavItem is one link of the settings navigation.
type NavItem struct {
	Label  string
	Href   string
	Active bool
}

// Flash kinds.
const (
	FlashSuccess = "success"
	FlashError   = "error"
)

// Flash is a one-shot message shown at the top of the next page.
type Flash struct {
	Kind    string
	Message string
}

type infoKey struct{}

// WithInfo returns ctx carrying info for the components rendered with it.
func WithInfo(ctx context.Context, info RequestInfo) context.Context {
	return context.WithValue(ctx, infoKey{}, info)
}

// Info returns the request info put in ctx by WithInfo, or the zero value
// (a component rendered alone, say in a test, still renders).
func Info(ctx context.Context) RequestInfo {
	info, _ := ctx.Value(infoKey{}).(RequestInfo)
	return info
}

func now(ctx context.Context) time.Time {
	if t := Info(ctx).Now; !t.IsZero() {
		return t
	}
	return time.Now()
}

// AuthForm is the sign-up or sign-in form with what the user typed (never
// the password) and what was wrong with it.
type AuthForm struct {
	Email     string
	Name      string
	Next      string
	Errors    validate.Errors
	FormError string // a message about the whole form, e.g. bad credentials
}

// ErrorPageView is an error shown as a page in the admin's look.
type ErrorPageView struct {
	Status  int
	Title   string
	Message string
	Path    string // the path that failed, to offer the way back nearest to it
}

// Back is the link the error page offers: the list the failed page
// belongs to (a token that is gone leads back to the tokens), else the
// admin's home.
func (v ErrorPageView) Back() (href, label string) {
	for _, s := range []struct{ prefix, label string }{
		{TokensURL, "Back to API tokens"},
		{"/admin/settings/roles", "Back to roles"},
		{"/admin/settings/users", "Back to users"},
		{AuditURL, "Back to the audit log"},
		{"/admin/account", "Back to your account"},
	} {
		if v.Path == s.prefix || strings.HasPrefix(v.Path, s.prefix+"/") {
			return s.prefix, s.label
		}
	}
	return "/admin", "Back to the admin"
}

// RoleRowView is one line of the roles list.
type RoleRowView struct {
	ID          int64
	Name        string
	Description string
	AdminCount  int
	Locked      bool
}

// RolesPageView is the roles list.
type RolesPageView struct {
	Roles     []RoleRowView
	CanCreate bool
}

// PermissionItemView is one checkbox of the role permission matrix.
type PermissionItemView struct {
	Action   string
	Verb     string
	Checked  bool
	Disabled bool // the viewer may not grant it (their own role lacks it)
}

// PermissionGroupView is one row of the matrix: a resource and its actions.
type PermissionGroupView struct {
	Name  string
	Items []PermissionItemView
}

// RoleFormView is the role create or edit form.
type RoleFormView struct {
	ID          int64 // 0 while creating
	Name        string
	Description string
	Groups      []PermissionGroupView
	Errors      validate.Errors
	Locked      bool // the super-admin role: shown, never editable
	ReadOnly    bool // the viewer lacks roles.update, or it is their own role
	OwnRole     bool // the viewer's own role, whose actions they may not change
	Saved       bool
}

// RoleOption is a role in a <select>.
type RoleOption struct {
	ID   int64
	Name string
	// Disabled: shown because someone holds it, but the viewer may not
	// give it.
	Disabled bool
}

// UserRowView is one admin in the users list.
type UserRowView struct {
	ID          int64
	Email       string
	Name        string
	RoleID      int64
	RoleName    string
	Active      bool
	LastLoginAt *time.Time
	IsSelf      bool
	// CanChange: the viewer may change this admin's role and status.
	CanChange bool
	// Roles are the options of this admin's role picker: those the viewer
	// may give, and the one the admin holds.
	Roles []RoleOption
}

// UsersPageView is the users list.
type UsersPageView struct {
	Users     []UserRowView
	Roles     []RoleOption
	CanCreate bool
	CanUpdate bool
}

// UserFormView is the create-admin form.
type UserFormView struct {
	Email  string
	Name   string
	RoleID int64
	Roles  []RoleOption
	Errors validate.Errors
}
