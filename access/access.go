// Package access decides who may do what in the admin: the catalogue of
// admin actions, roles, admin accounts and the one check, Can, that every
// handler asks before it acts.
package access

import (
	"slices"
	"time"
)

// Action is an admin permission such as "admin::api-tokens.read".
type Action string

// The admin actions. Token actions follow Strapi's names; the API Tokens
// page itself needs TokensRead.
const (
	TokensRead       Action = "admin::api-tokens.read"
	TokensCreate     Action = "admin::api-tokens.create"
	TokensUpdate     Action = "admin::api-tokens.update"
	TokensRegenerate Action = "admin::api-tokens.regenerate"
	TokensDelete     Action = "admin::api-tokens.delete"

	RolesRead   Action = "admin::roles.read"
	RolesCreate Action = "admin::roles.create"
	RolesUpdate Action = "admin::roles.update"

	UsersRead   Action = "admin::users.read"
	UsersCreate Action = "admin::users.create"
	UsersUpdate Action = "admin::users.update"

	AuditLogsRead Action = "admin::audit-logs.read"
)

// ActionInfo describes an action for the role editor.
type ActionInfo struct {
	Action Action
	Group  string // the resource, e.g. "API tokens"
	Verb   string // what it allows, e.g. "Read"
}

var catalogue = []ActionInfo{
	{TokensRead, "API tokens", "Read"},
	{TokensCreate, "API tokens", "Create"},
	{TokensUpdate, "API tokens", "Update"},
	{TokensRegenerate, "API tokens", "Regenerate"},
	{TokensDelete, "API tokens", "Delete"},
	{RolesRead, "Roles", "Read"},
	{RolesCreate, "Roles", "Create"},
	{RolesUpdate, "Roles", "Update"},
	{UsersRead, "Users", "Read"},
	{UsersCreate, "Users", "Create"},
	{UsersUpdate, "Users", "Update"},
	{AuditLogsRead, "Audit log", "Read"},
}

// Catalogue returns every admin action in display order.
func Catalogue() []ActionInfo { return slices.Clone(catalogue) }

// Describe is a in words, e.g. "API tokens: Read", as the role editor
// shows it; ok is false for an action outside the catalogue.
func Describe(a Action) (words string, ok bool) {
	i := slices.IndexFunc(catalogue, func(i ActionInfo) bool { return i.Action == a })
	if i < 0 {
		return "", false
	}
	return catalogue[i].Group + ": " + catalogue[i].Verb, true
}

// Known reports whether a is an action of the catalogue.
func Known(a Action) bool {
	return slices.ContainsFunc(catalogue, func(i ActionInfo) bool { return i.Action == a })
}

// Role slugs seeded by the first migration.
const (
	SuperAdmin = "super-admin"
	Editor     = "editor"
	Author     = "author"
)

// Role is a named set of actions. The super-admin role holds every action
// implicitly and cannot be edited, so a super admin can never lock
// everyone out.
type Role struct {
	ID          int64
	Slug        string
	Name        string
	Description string
	Permissions []Action
	AdminCount  int
}

// IsSuperAdmin reports whether r is the built-in all-powerful role.
func (r Role) IsSuperAdmin() bool { return r.Slug == SuperAdmin }

// Has reports whether the role grants a.
func (r Role) Has(a Action) bool {
	return r.IsSuperAdmin() || slices.Contains(r.Permissions, a)
}

// Admin is a person who signs in to the admin.
type Admin struct {
	ID          int64
	Email       string
	Name        string
	Role        Role
	Active      bool
	LastLoginAt *time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Can is the single server-side permission check: a deactivated admin may
// do nothing, whatever the role says.
func Can(a Admin, act Action) bool {
	return a.ID != 0 && a.Active && a.Role.Has(act)
}

// Session is one signed-in browser of an admin.
type Session struct {
	ID         string // the SHA-256 of the cookie's session id, in hex
	AdminID    int64
	CreatedAt  time.Time
	LastSeenAt time.Time
	IP         string
	UserAgent  string
}
