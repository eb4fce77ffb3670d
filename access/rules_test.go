package access

import (
	"errors"
	"testing"
)

func TestEscalationRules(t *testing.T) {
	super := Role{ID: 1, Slug: SuperAdmin, Name: "Super Admin"}
	editor := Role{ID: 2, Slug: Editor, Name: "Editor", Permissions: []Action{TokensRead}}
	// One step short of everything: may manage users and roles, not tokens.
	manager := Role{ID: 4, Slug: "manager", Name: "Manager", Permissions: []Action{UsersRead, UsersCreate, UsersUpdate, RolesRead, RolesCreate, RolesUpdate, TokensRead}}
	ops := Role{ID: 5, Slug: "ops", Name: "Ops", Permissions: []Action{TokensRead, TokensCreate}}
	ada := Admin{ID: 1, Active: true, Role: super}
	mia := Admin{ID: 2, Active: true, Role: manager}
	ed := Admin{ID: 3, Active: true, Role: editor}
	zed := Admin{ID: 4, Active: true, Role: super}

	for _, tt := range []struct {
		name string
		err  error
		deny bool
	}{
		// Giving roles, to new or existing admins.
		{"super gives super", MayAssignRole(ada, super), false},
		{"manager gives super", MayAssignRole(mia, super), true},
		{"manager gives editor (held)", MayAssignRole(mia, editor), false},
		{"manager gives own role", MayAssignRole(mia, manager), false},
		{"manager gives ops (create not held)", MayAssignRole(mia, ops), true},
		{"super gives ops", MayAssignRole(ada, ops), false},
		// Changing admins.
		{"manager changes editor", MayChangeAdmin(mia, ed), false},
		{"manager changes super", MayChangeAdmin(mia, ada), true},
		{"super changes super", MayChangeAdmin(zed, ada), false},
		{"anyone changes self", MayChangeAdmin(mia, mia), true},
		{"super changes self", MayChangeAdmin(ada, ada), true},
		// Role actions.
		{"manager adds a held action to editor", MaySetPermissions(mia, editor, []Action{TokensRead, UsersRead}), false},
		{"manager adds an action not held", MaySetPermissions(mia, editor, []Action{TokensRead, TokensCreate}), true},
		{"manager removes an action not held", MaySetPermissions(mia, ops, []Action{TokensRead}), false},
		{"manager adds to own role", MaySetPermissions(mia, manager, append([]Action{AuditLogsRead}, manager.Permissions...)), true},
		{"manager removes from own role", MaySetPermissions(mia, manager, manager.Permissions[1:]), true},
		{"manager keeps own role's actions", MaySetPermissions(mia, manager, manager.Permissions), false},
		{"manager creates a role within reach", MaySetPermissions(mia, Role{}, []Action{UsersRead, TokensRead}), false},
		{"manager creates a role beyond reach", MaySetPermissions(mia, Role{}, []Action{UsersRead, AuditLogsRead}), true},
		{"super creates any role", MaySetPermissions(ada, Role{}, []Action{AuditLogsRead, TokensDelete}), false},
	} {
		if denied := errors.Is(tt.err, ErrDenied); denied != tt.deny {
			t.Errorf("%s: got %v, want denied=%v", tt.name, tt.err, tt.deny)
		}
		var d *Denied
		if tt.deny && (!errors.As(tt.err, &d) || d.Reason == "") {
			t.Errorf("%s: refusal %v carries no reason", tt.name, tt.err)
		}
	}
}
