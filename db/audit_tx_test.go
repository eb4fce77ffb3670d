package db_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/tokenadmin/tokenadmin/access"
	"github.com/tokenadmin/tokenadmin/apitoken"
	"github.com/tokenadmin/tokenadmin/audit"
	"github.com/tokenadmin/tokenadmin/db"
	"github.com/tokenadmin/tokenadmin/db/dbtest"
)

// unwritable is an audit event the database refuses: its actor is an
// admin that does not exist (the foreign key), as a write that fails for
// any reason would.
func unwritable() audit.Event {
	ghost := int64(987654)
	return audit.Event{At: time.Now(), ActorID: &ghost, ActorEmail: "ghost", Action: "test.unwritable"}
}

func failingToken(_, _ *apitoken.Token) audit.Event { return unwritable() }

func failingAdmin() access.AdminChange {
	return access.AdminChange{Describe: func(_, _ *access.Admin) audit.Event { return unwritable() }}
}

func failingRole() access.RoleChange {
	return access.RoleChange{Describe: func(_, _ *access.Role) audit.Event { return unwritable() }}
}

func auditTotal(t *testing.T, d *db.DB) int {
	t.Helper()
	_, n, err := d.AuditEvents(t.Context(), audit.Query{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestAuditWriteFailureRollsBackTheChange: the audit row is written in the
// change's own transaction, so when it cannot be written the change is
// not made either; and a change without an event is refused.
func TestAuditWriteFailureRollsBackTheChange(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := t.Context()
		if _, err := d.CreateFirstAdmin(ctx, newAdmin("first@example.com"), "h", dbtest.AdminChange()); err != nil {
			t.Fatal(err)
		}
		ed, err := d.CreateAdmin(ctx, newAdmin("ed@example.com"), "h", role(t, d, access.Editor).ID, dbtest.AdminChange())
		if err != nil {
			t.Fatal(err)
		}
		if err := d.CreateSession(ctx, access.Session{ID: "s1", AdminID: ed.ID, CreatedAt: time.Now(), LastSeenAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
		tok := mustCreateToken(t, d, customTok("Kept", "api::a.find"))
		r, err := d.CreateRole(ctx, access.RoleInput{Name: "Ops", Permissions: []access.Action{access.TokensRead}}, dbtest.RoleChange())
		if err != nil {
			t.Fatal(err)
		}
		records := auditTotal(t, d)

		mustFail := func(what string, err error) {
			t.Helper()
			if err == nil {
				t.Errorf("%s: got nil error with an unwritable audit event", what)
			}
		}
		// Tokens.
		_, err = d.CreateToken(ctx, newTok("Never"), failingToken)
		mustFail("create token", err)
		_, _, err = d.UpdateToken(ctx, tok.ID, apitoken.Change{Clean: apitoken.Clean{Name: "Renamed", Type: apitoken.ReadOnly}, Now: time.Now()}, failingToken)
		mustFail("update token", err)
		_, _, err = d.RegenerateToken(ctx, tok.ID, tokHash(), "tka_…zzzz", time.Now(), failingToken)
		mustFail("regenerate token", err)
		_, _, err = d.DeleteToken(ctx, tok.ID, failingToken)
		mustFail("delete token", err)
		_, _, err = d.DeleteToken(ctx, tok.ID, nil)
		mustFail("delete token without an event", err)
		if got := mustTokenByID(t, d, tok.ID); got.Name != "Kept" || got.KeyHint != tok.KeyHint || got.Type != apitoken.Custom || !slices.Equal(got.Permissions, tok.Permissions) {
			t.Errorf("token after failed changes: %+v, want %+v", got, tok)
		}
		if _, total, _ := d.Tokens(ctx, apitoken.ListQuery{}); total != 1 {
			t.Errorf("%d tokens, want 1", total)
		}
		// Revocations are part of the rolled-back transactions too.
		var revoked int
		if err := d.GetContext(ctx, &revoked, `SELECT COUNT(*) FROM api_token_revocations`); err != nil || revoked != 0 {
			t.Errorf("%d revocations recorded by rolled-back changes (%v)", revoked, err)
		}

		// Admins.
		_, err = d.CreateAdmin(ctx, newAdmin("never@example.com"), "h", role(t, d, access.Author).ID, failingAdmin())
		mustFail("create admin", err)
		_, err = d.SetAdminRole(ctx, ed.ID, role(t, d, access.Author).ID, failingAdmin())
		mustFail("set admin role", err)
		_, err = d.SetAdminActive(ctx, ed.ID, false, failingAdmin())
		mustFail("deactivate admin", err)
		_, err = d.SetAdminActive(ctx, ed.ID, false, access.AdminChange{})
		mustFail("deactivate admin without an event", err)
		if got, _ := d.AdminByID(ctx, ed.ID); !got.Active || got.Role.Slug != access.Editor {
			t.Errorf("admin after failed changes: %+v", got)
		}
		if active, _ := d.SessionActive(ctx, "s1", ed.ID); !active {
			t.Error("a failed deactivation ended the admin's session")
		}
		if _, _, err := d.AdminCredentials(ctx, "never@example.com"); !errors.Is(err, access.ErrAdminNotFound) {
			t.Errorf("a failed create left an admin: %v", err)
		}

		// Roles.
		_, err = d.CreateRole(ctx, access.RoleInput{Name: "Never"}, failingRole())
		mustFail("create role", err)
		_, err = d.UpdateRole(ctx, r.ID, access.RoleInput{Name: "Renamed"}, failingRole())
		mustFail("update role", err)
		_, err = d.SetRolePermission(ctx, r.ID, access.UsersCreate, true, failingRole())
		mustFail("set role permission", err)
		if got, _ := d.RoleByID(ctx, r.ID); got.Name != "Ops" || !slices.Equal(got.Permissions, []access.Action{access.TokensRead}) {
			t.Errorf("role after failed changes: %+v", got)
		}
		if _, err := d.RoleBySlug(ctx, "never"); !errors.Is(err, access.ErrRoleNotFound) {
			t.Errorf("a failed create left a role: %v", err)
		}
		if got := auditTotal(t, d); got != records {
			t.Errorf("audit rows went from %d to %d through failed changes", records, got)
		}
	})
}

// TestChangesWriteTheirEvent: each change appends exactly the event its
// Describe returned, with the rows as they were before and after.
func TestChangesWriteTheirEvent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := t.Context()
		var seen [][2]string
		describe := func(before, after *apitoken.Token) audit.Event {
			b, a := "", ""
			if before != nil {
				b = before.Name
			}
			if after != nil {
				a = after.Name
			}
			seen = append(seen, [2]string{b, a})
			return audit.Event{At: time.Now(), ActorEmail: "cli:tester", Action: "test." + b + "→" + a}
		}
		tok, err := d.CreateToken(ctx, newTok("A"), describe)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := d.UpdateToken(ctx, tok.ID, apitoken.Change{Clean: apitoken.Clean{Name: "B", Type: apitoken.ReadOnly}, Now: time.Now()}, describe); err != nil {
			t.Fatal(err)
		}
		if _, _, err := d.RegenerateToken(ctx, tok.ID, tokHash(), "tka_…zzzz", time.Now(), describe); err != nil {
			t.Fatal(err)
		}
		if _, _, err := d.DeleteToken(ctx, tok.ID, describe); err != nil {
			t.Fatal(err)
		}
		want := [][2]string{{"", "A"}, {"A", "B"}, {"B", "B"}, {"B", ""}}
		if !slices.Equal(seen, want) {
			t.Errorf("Describe saw %v, want %v", seen, want)
		}
		evs, n, err := d.AuditEvents(ctx, audit.Query{Actor: "cli:tester"})
		if err != nil || n != 4 || evs[0].Action != "test.B→" || evs[3].Action != "test.→A" {
			t.Errorf("events: %v %d %+v", err, n, evs)
		}
	})
}
