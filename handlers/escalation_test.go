package handlers

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/tokenadmin/tokenadmin/access"
	"github.com/tokenadmin/tokenadmin/audit"
	"github.com/tokenadmin/tokenadmin/db"
	"github.com/tokenadmin/tokenadmin/db/dbtest"
)

// managerActions is a delegated admin one step short of super admin: it
// may manage users and roles, and read tokens, nothing else.
var managerActions = []access.Action{
	access.UsersRead, access.UsersCreate, access.UsersUpdate,
	access.RolesRead, access.RolesCreate, access.RolesUpdate, access.TokensRead,
}

// TestNobodyGrantsWhatTheyDoNotHold is the escalation matrix: a manager
// whose role may manage users and roles tries every way to reach super
// admin, or an action its role lacks. Each is 403, changes nothing and is
// audited; what lies within its reach still works.
func TestNobodyGrantsWhatTheyDoNotHold(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		app := newTestAppWithStore(t, d)
		ada := app.seedAdmin("ada@example.com", access.SuperAdmin)
		ed := app.seedAdmin("ed@example.com", access.Editor)
		manager, err := d.CreateRole(ctx, access.RoleInput{Name: "Manager", Permissions: managerActions}, dbtest.RoleChange())
		if err != nil {
			t.Fatal(err)
		}
		mia := app.seedAdmin("mia@example.com", access.Editor)
		if _, err := d.SetAdminRole(ctx, mia.ID, manager.ID, dbtest.AdminChange()); err != nil {
			t.Fatal(err)
		}
		super, _ := d.RoleBySlug(ctx, access.SuperAdmin)
		editor, _ := d.RoleBySlug(ctx, access.Editor)
		author, _ := d.RoleBySlug(ctx, access.Author)
		c := app.login("mia@example.com")
		denied := app.auditCount(audit.Denied)

		refused := func(what, path string, form url.Values) {
			t.Helper()
			res := c.post(path, form)
			wantStatus(t, res, http.StatusForbidden)
			if !strings.Contains(res.body, `data-testid="error-page"`) {
				t.Errorf("%s: the 403 is not the error page", what)
			}
			denied++
			if got := app.auditCount(audit.Denied); got != denied {
				t.Errorf("%s: %d refusals in the audit log, want %d", what, got, denied)
			}
		}
		refused("create a super admin", "/admin/settings/users",
			url.Values{"email": {"evil@example.com"}, "name": {"Evil"}, "password": {testPassword}, "role": {itoa(super.ID)}})
		refused("promote an editor to super admin", "/admin/settings/users/"+itoa(ed.ID)+"/role", url.Values{"role": {itoa(super.ID)}})
		refused("promote oneself", "/admin/settings/users/"+itoa(mia.ID)+"/role", url.Values{"role": {itoa(super.ID)}})
		refused("demote the super admin", "/admin/settings/users/"+itoa(ada.ID)+"/role", url.Values{"role": {itoa(author.ID)}})
		refused("deactivate the super admin", "/admin/settings/users/"+itoa(ada.ID)+"/deactivate", nil)
		refused("grant its own role an action", "/admin/settings/roles/"+itoa(manager.ID)+"/permissions",
			url.Values{"action": {string(access.TokensCreate)}, "permissions": {string(access.TokensCreate)}})
		refused("drop an action of its own role", "/admin/settings/roles/"+itoa(manager.ID)+"/permissions",
			url.Values{"action": {string(access.TokensRead)}})
		refused("rewrite its own role", "/admin/settings/roles/"+itoa(manager.ID),
			url.Values{"name": {"Manager"}, "permissions": append(actionStrings(managerActions), string(access.AuditLogsRead))})
		refused("grant another role an action it lacks", "/admin/settings/roles/"+itoa(editor.ID)+"/permissions",
			url.Values{"action": {string(access.TokensDelete)}, "permissions": {string(access.TokensDelete)}})
		refused("give a role an action it lacks", "/admin/settings/roles/"+itoa(editor.ID),
			url.Values{"name": {"Editor"}, "permissions": {string(access.TokensRead), string(access.AuditLogsRead)}})
		refused("create a role beyond its own", "/admin/settings/roles",
			url.Values{"name": {"Auditor"}, "permissions": {string(access.AuditLogsRead)}})

		// Nothing changed.
		if a, _ := d.AdminByID(ctx, ada.ID); !a.Active || !a.Role.IsSuperAdmin() {
			t.Errorf("super admin after the attempts: %+v", a)
		}
		if e, _ := d.AdminByID(ctx, ed.ID); e.Role.Slug != access.Editor {
			t.Errorf("editor after the attempts: %s", e.Role.Slug)
		}
		if m, _ := d.AdminByID(ctx, mia.ID); m.Role.ID != manager.ID {
			t.Errorf("manager after the attempts: %s", m.Role.Slug)
		}
		if r, _ := d.RoleByID(ctx, manager.ID); !slices.Equal(sortedActions(r.Permissions), sortedActions(managerActions)) {
			t.Errorf("manager role after the attempts: %v", r.Permissions)
		}
		if r, _ := d.RoleByID(ctx, editor.ID); !slices.Equal(r.Permissions, []access.Action{access.TokensRead}) {
			t.Errorf("editor role after the attempts: %v", r.Permissions)
		}
		if _, _, err := d.AdminCredentials(ctx, "evil@example.com"); err == nil {
			t.Error("a super admin was created")
		}
		if app.roleExists("Auditor") {
			t.Error("a role beyond reach was created")
		}
		// The refusal says who tried what on whom, and why.
		evs, _, _ := d.AuditEvents(ctx, audit.Query{Action: audit.Denied, Limit: 50})
		var first audit.Event
		for _, ev := range evs {
			if ev.TargetName == "evil@example.com" {
				first = ev
			}
		}
		if first.ActorEmail != "mia@example.com" || first.TargetType != audit.TargetAdmin || len(first.Changes) != 2 ||
			first.Changes[0].After != audit.UserCreate || !strings.Contains(first.Changes[1].After.(string), "super admin") {
			t.Errorf("refusal record: %+v", first)
		}

		// Within reach: a user of a role it holds all of, a role change
		// between such roles, a role made of its own actions, an action it
		// holds granted to another role.
		wantRedirect(t, c.post("/admin/settings/users",
			url.Values{"email": {"new@example.com"}, "name": {"New"}, "password": {testPassword}, "role": {itoa(editor.ID)}}), "/admin/settings/users")
		wantRedirect(t, c.post("/admin/settings/users/"+itoa(ed.ID)+"/role", url.Values{"role": {itoa(author.ID)}}), "/admin/settings/users")
		res := c.post("/admin/settings/roles", url.Values{"name": {"Helpers"}, "permissions": {string(access.UsersRead)}})
		wantStatus(t, res, http.StatusSeeOther)
		wantStatus(t, c.post("/admin/settings/roles/"+itoa(editor.ID)+"/permissions",
			url.Values{"action": {string(access.UsersRead)}, "permissions": {string(access.UsersRead)}}), http.StatusSeeOther)
		if got := app.auditCount(audit.Denied); got != denied {
			t.Errorf("allowed changes recorded as refusals: %d, want %d", got, denied)
		}
	})
}

// TestEscalationUIOffersOnlyWhatIsAllowed: the pages stop offering what
// the server would refuse.
func TestEscalationUIOffersOnlyWhatIsAllowed(t *testing.T) {
	app := newTestApp(t)
	ctx := context.Background()
	ada := app.seedAdmin("ada@example.com", access.SuperAdmin)
	ed := app.seedAdmin("ed@example.com", access.Editor)
	manager, err := app.store.CreateRole(ctx, access.RoleInput{Name: "Manager", Permissions: managerActions}, dbtest.RoleChange())
	if err != nil {
		t.Fatal(err)
	}
	mia := app.seedAdmin("mia@example.com", access.Editor)
	if _, err := app.store.SetAdminRole(ctx, mia.ID, manager.ID, dbtest.AdminChange()); err != nil {
		t.Fatal(err)
	}
	c := app.login("mia@example.com")

	form := c.get("/admin/settings/users/create").doc(t)
	var names []string
	form.Find(`select[name="role"] option`).Each(func(_ int, o *goquery.Selection) { names = append(names, o.Text()) })
	if slices.Contains(names, "Super Admin") || !slices.Contains(names, "Editor") || !slices.Contains(names, "Manager") {
		t.Errorf("create form offers %q, want Editor and Manager, never Super Admin", names)
	}
	list := c.get("/admin/settings/users").doc(t)
	row := func(id int64) *goquery.Selection {
		return list.Find(`[data-testid="user-row"][data-user-id="` + itoa(id) + `"]`)
	}
	if row(ada.ID).Find(`select, [data-testid="user-toggle-active"]`).Length() != 0 {
		t.Error("the super admin's row offers a role picker or deactivation to a manager")
	}
	if row(ed.ID).Find(`select[name="role"] option`).FilterFunction(func(_ int, o *goquery.Selection) bool { return o.Text() == "Super Admin" }).Length() != 0 {
		t.Error("the editor's role picker offers Super Admin to a manager")
	}
	if row(ed.ID).Find(`[data-testid="user-toggle-active"]`).Length() != 1 {
		t.Error("the editor's row lacks the deactivate button")
	}

	own := c.get("/admin/settings/roles/" + itoa(manager.ID)).doc(t)
	if own.Find(`input[name="permissions"]:not([disabled])`).Length() != 0 || own.Find(`[data-testid="save-role"]`).Length() != 0 {
		t.Error("the manager's own role is editable")
	}
	editor, _ := app.store.RoleBySlug(ctx, access.Editor)
	other := c.get("/admin/settings/roles/" + itoa(editor.ID)).doc(t)
	box := func(a access.Action) *goquery.Selection {
		return other.Find(`input[name="permissions"][value="` + string(a) + `"]`)
	}
	if _, disabled := box(access.AuditLogsRead).Attr("disabled"); !disabled {
		t.Error("an action the manager lacks can be ticked")
	}
	if _, disabled := box(access.UsersRead).Attr("disabled"); disabled {
		t.Error("an action the manager holds cannot be ticked")
	}
	// Ticked but not held: may be taken away, so it stays enabled (and a
	// no-JavaScript save keeps it).
	if _, disabled := box(access.TokensRead).Attr("disabled"); disabled {
		t.Error("a granted action is disabled and would be dropped by a save")
	}
}

func sortedActions(as []access.Action) []access.Action {
	out := slices.Clone(as)
	slices.Sort(out)
	return out
}

func actionStrings(as []access.Action) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = string(a)
	}
	return out
}
