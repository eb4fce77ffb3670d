package e2e

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/tokenadmin/tokenadmin/access"
	"github.com/tokenadmin/tokenadmin/db/dbtest"
)

// TestDelegatedAdminSeesOnlyWhatTheyMayGive: an admin whose role manages
// users and roles, but is not super admin, is never offered the Super
// Admin role, nor a super admin to change, nor an action their role lacks;
// what they may do works in place.
func TestDelegatedAdminSeesOnlyWhatTheyMayGive(t *testing.T) {
	a := newApp(t)
	ctx := context.Background()
	ada := a.seedAdmin("Ada Admin", "ada@example.com", access.SuperAdmin)
	ed := a.seedAdmin("Ed Editor", "ed@example.com", access.Editor)
	manager, err := a.store.CreateRole(ctx, access.RoleInput{Name: "Manager", Permissions: []access.Action{
		access.UsersRead, access.UsersCreate, access.UsersUpdate, access.RolesRead, access.RolesUpdate, access.TokensRead,
	}}, dbtest.RoleChange())
	if err != nil {
		t.Fatal(err)
	}
	mia := a.seedAdmin("Mia Manager", "mia@example.com", access.Editor)
	if _, err := a.store.SetAdminRole(ctx, mia.ID, manager.ID, dbtest.AdminChange()); err != nil {
		t.Fatal(err)
	}
	a.login("mia@example.com", password)

	row := func(id int64) string { return fmt.Sprintf(`[data-testid="user-row"][data-user-id="%d"]`, id) }
	a.open("/admin/settings/users", `[data-testid="users-table"]`)
	a.shot("users")
	if n := a.count(row(ada.ID) + ` select, ` + row(ada.ID) + ` [data-testid="user-toggle-active"]`); n != 0 {
		t.Error("the super admin's row can be changed by a manager")
	}
	var options []string
	a.eval(fmt.Sprintf(`[...document.querySelectorAll(%q)].map(o => o.textContent.trim())`, row(ed.ID)+` select option`), &options)
	if slices.Contains(options, "Super Admin") || !slices.Contains(options, "Author") {
		t.Errorf("the editor's role picker offers %q", options)
	}

	// Within reach: the editor becomes an author, in place.
	author, _ := a.store.RoleBySlug(ctx, access.Author)
	a.pick(row(ed.ID)+` select[name="role"]`, strconv.FormatInt(author.ID, 10))
	a.run(chromedp.Click(row(ed.ID)+` [data-testid="user-role-save"]`, chromedp.ByQuery))
	a.waitFlash("Role changed")
	if got, _ := a.store.AdminByID(ctx, ed.ID); got.Role.Slug != access.Author {
		t.Fatalf("the editor's role after the change: %s", got.Role.Slug)
	}

	a.open("/admin/settings/users/create", `[data-testid="user-form"]`)
	a.eval(`[...document.querySelectorAll('#field-role option')].map(o => o.textContent.trim())`, &options)
	if slices.Contains(options, "Super Admin") || !slices.Contains(options, "Editor") {
		t.Errorf("the new-admin form offers %q", options)
	}

	// A role they may edit: actions their role lacks cannot be ticked.
	editor, _ := a.store.RoleBySlug(ctx, access.Editor)
	a.open(fmt.Sprintf("/admin/settings/roles/%d", editor.ID), `[data-testid="permission-matrix"]`)
	a.shot("editor-role")
	box := func(act access.Action) string {
		return fmt.Sprintf(`input[name="permissions"][value=%q]`, string(act))
	}
	if !a.isTrue(fmt.Sprintf(`document.querySelector(%q).disabled`, box(access.AuditLogsRead))) {
		t.Error("an action the manager lacks can be ticked")
	}
	a.run(chromedp.Click(box(access.UsersRead), chromedp.ByQuery), chromedp.Click(`[data-testid="save-role"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="flash"]`, chromedp.ByQuery))
	if r, _ := a.store.RoleByID(ctx, editor.ID); !slices.Contains(r.Permissions, access.UsersRead) {
		t.Errorf("editor role after ticking users.read and saving: %v", r.Permissions)
	}

	// Their own role: shown, not editable.
	a.open(fmt.Sprintf("/admin/settings/roles/%d", manager.ID), `[data-testid="permission-matrix"]`)
	if n := a.count(`[data-testid="permission-matrix"] input[name="permissions"]:not([disabled])`); n != 0 {
		t.Errorf("%d boxes of the manager's own role can be changed", n)
	}
}
