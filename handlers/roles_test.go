package handlers

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/tokenadmin/tokenadmin/access"
	"github.com/tokenadmin/tokenadmin/db/dbtest"
)

// TestRoleMatrixTogglesOnePermission: the single-action endpoint (for
// scripts and htmx callers) grants and revokes one action.
func TestRoleMatrixTogglesOnePermission(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("ada@example.com", "super-admin")
	c := app.login("ada@example.com")
	editor, _ := app.store.RoleBySlug(context.Background(), access.Editor)
	path := "/admin/settings/roles/" + itoa(editor.ID)

	page := c.get(path)
	wantStatus(t, page, http.StatusOK)
	box := page.doc(t).Find(`input[name="permissions"][value="admin::api-tokens.create"]`)
	if box.Length() != 1 {
		t.Fatal("matrix has no checkbox for admin::api-tokens.create")
	}
	if _, checked := box.Attr("checked"); checked {
		t.Fatal("editor's create box is ticked before we tick it")
	}
	// One Save for the whole page: no box saves itself.
	if doc := page.doc(t); doc.Find(`[data-testid="permission-matrix"] [hx-post]`).Length() != 0 || doc.Find(`[data-testid="save-role"]`).Length() != 1 {
		t.Error("the role page mixes boxes that save themselves with a Save button")
	}

	// What htmx sends when the box is ticked: its hx-vals plus its value.
	res := c.post(path+"/permissions", url.Values{"action": {"admin::api-tokens.create"}, "permissions": {"admin::api-tokens.create"}}, "HX-Request", "true")
	wantStatus(t, res, http.StatusOK)
	if strings.Contains(res.body, "<html") {
		t.Error("htmx toggle answered with a whole page")
	}
	doc := res.doc(t)
	if _, checked := doc.Find(`input[value="admin::api-tokens.create"]`).Attr("checked"); !checked {
		t.Error("answer does not show the box ticked")
	}
	if doc.Find(`#flashes[hx-swap-oob] [data-testid="flash"]`).Length() != 1 {
		t.Error("answer carries no out-of-band flash")
	}
	editor, _ = app.store.RoleBySlug(context.Background(), access.Editor)
	if !slices.Contains(editor.Permissions, access.TokensCreate) || !slices.Contains(editor.Permissions, access.TokensRead) {
		t.Fatalf("editor permissions after tick: %v", editor.Permissions)
	}

	// Unticked: the box's value is no longer sent.
	res = c.post(path+"/permissions", url.Values{"action": {"admin::api-tokens.read"}}, "HX-Request", "true")
	wantStatus(t, res, http.StatusOK)
	editor, _ = app.store.RoleBySlug(context.Background(), access.Editor)
	if slices.Contains(editor.Permissions, access.TokensRead) {
		t.Fatalf("read still granted after untick: %v", editor.Permissions)
	}

	res = c.post(path+"/permissions", url.Values{"action": {"admin::everything"}}, "HX-Request", "true")
	wantStatus(t, res, http.StatusBadRequest)
}

func TestRoleCreateAndUpdate(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("ada@example.com", "super-admin")
	c := app.login("ada@example.com")

	res := c.post("/admin/settings/roles", url.Values{"name": {"  "}, "description": {"keeps this"}, "permissions": {"admin::api-tokens.read", "admin::bogus"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	doc := res.doc(t)
	for _, f := range []string{"name", "permissions"} {
		if doc.Find(`[data-testid="field-error"][data-field="`+f+`"]`).Length() != 1 {
			t.Errorf("no field error for %s", f)
		}
	}
	if got, _ := doc.Find(`input[name="description"]`).Attr("value"); got != "keeps this" {
		t.Errorf("description kept: got %q", got)
	}
	if _, checked := doc.Find(`input[value="admin::api-tokens.read"]`).Attr("checked"); !checked {
		t.Error("ticked permission lost on re-render")
	}

	res = c.post("/admin/settings/roles", url.Values{"name": {"Auditor"}, "permissions": {"admin::api-tokens.read", "admin::users.read"}})
	wantStatus(t, res, http.StatusSeeOther)
	loc := res.Header.Get("Location")
	auditor, err := app.store.RoleBySlug(context.Background(), "auditor")
	if err != nil || loc != "/admin/settings/roles/"+itoa(auditor.ID) {
		t.Fatalf("created role: %v, redirected to %q", err, loc)
	}

	res = c.post("/admin/settings/roles", url.Values{"name": {"AUDITOR"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if got := res.doc(t).Find(`[data-field="name"]`).Text(); !strings.Contains(got, "already exists") {
		t.Errorf("duplicate name error: got %q", got)
	}

	res = c.post(loc, url.Values{"name": {"Auditor"}, "description": {"Reads things"}, "permissions": {"admin::roles.read"}})
	wantRedirect(t, res, loc)
	auditor, _ = app.store.RoleBySlug(context.Background(), "auditor")
	if !slices.Equal(auditor.Permissions, []access.Action{access.RolesRead}) || auditor.Description != "Reads things" {
		t.Fatalf("after update: %+v", auditor)
	}
}

func TestSuperAdminRoleIsLocked(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("ada@example.com", "super-admin")
	c := app.login("ada@example.com")
	super, _ := app.store.RoleBySlug(context.Background(), access.SuperAdmin)
	path := "/admin/settings/roles/" + itoa(super.ID)
	page := c.get(path)
	wantStatus(t, page, http.StatusOK)
	doc := page.doc(t)
	if n := doc.Find(`input[name="permissions"]:not([disabled])`).Length(); n != 0 {
		t.Errorf("%d editable permission boxes on the super admin role", n)
	}
	if doc.Find(`[data-testid="save-role"]`).Length() != 0 {
		t.Error("super admin role has a Save button")
	}
	wantStatus(t, c.post(path, url.Values{"name": {"Renamed"}}), http.StatusForbidden)
	wantStatus(t, c.post(path+"/permissions", url.Values{"action": {"admin::roles.read"}}), http.StatusForbidden)
	super, _ = app.store.RoleBySlug(context.Background(), access.SuperAdmin)
	if super.Name != "Super Admin" {
		t.Fatalf("super admin role renamed to %q", super.Name)
	}
}

// TestRoutesRefuseRolesWithoutTheAction checks the server-side rule: each
// route answers 403 to a role without its action and changes nothing.
func TestRoutesRefuseRolesWithoutTheAction(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("ada@example.com", "super-admin")
	bob := app.seedAdmin("bob@example.com", "editor")
	app.seedAdmin("al@example.com", "author")
	editorRole, _ := app.store.RoleBySlug(context.Background(), access.Editor)
	author := app.login("al@example.com")
	editor := app.login("bob@example.com")

	gets := []string{
		"/admin/settings/roles", "/admin/settings/roles/create", "/admin/settings/roles/" + itoa(editorRole.ID),
		"/admin/settings/users", "/admin/settings/users/create",
	}
	for _, p := range gets {
		wantStatus(t, author.get(p), http.StatusForbidden)
		wantStatus(t, editor.get(p), http.StatusForbidden)
	}
	wantStatus(t, author.get("/admin/settings/api-tokens"), http.StatusForbidden)
	wantStatus(t, editor.get("/admin/settings/api-tokens"), http.StatusOK)

	rolePath := "/admin/settings/roles/" + itoa(editorRole.ID)
	posts := []struct {
		path string
		form url.Values
	}{
		{"/admin/settings/roles", url.Values{"name": {"Sneaky"}}},
		{rolePath, url.Values{"name": {"Editor"}, "permissions": {"admin::roles.update"}}},
		{rolePath + "/permissions", url.Values{"action": {"admin::users.update"}, "permissions": {"admin::users.update"}}},
		{"/admin/settings/users", url.Values{"email": {"x@example.com"}, "name": {"X"}, "password": {testPassword}, "role": {itoa(editorRole.ID)}}},
		{"/admin/settings/users/" + itoa(bob.ID) + "/deactivate", nil},
	}
	for _, p := range posts {
		res := author.post(p.path, p.form)
		wantStatus(t, res, http.StatusForbidden)
		if !strings.Contains(res.body, `data-testid="error-page"`) {
			t.Errorf("403 on %s is not the error page", p.path)
		}
	}
	editorRole, _ = app.store.RoleBySlug(context.Background(), access.Editor)
	if !slices.Equal(editorRole.Permissions, []access.Action{access.TokensRead}) {
		t.Errorf("editor permissions changed by refused requests: %v", editorRole.Permissions)
	}
	if n, _ := app.store.CountAdmins(context.Background()); n != 3 {
		t.Errorf("admins: got %d, want 3", n)
	}
	if b, _ := app.store.AdminByID(context.Background(), bob.ID); !b.Active {
		t.Error("refused request deactivated bob")
	}
	if _, err := app.store.RoleBySlug(context.Background(), "sneaky"); err == nil {
		t.Error("refused request created a role")
	}

	// The editor's navigation shows only what the role opens.
	nav := editor.get("/admin/settings/api-tokens").doc(t).Find(`[data-testid="settings-nav"] a`)
	if nav.Length() != 1 || strings.TrimSpace(nav.Text()) != "API Tokens" {
		t.Errorf("editor nav: %d links %q", nav.Length(), nav.Text())
	}
}

func TestGrantedPermissionOpensPageAtOnce(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("ada@example.com", "super-admin")
	app.seedAdmin("al@example.com", "author")
	author := app.login("al@example.com")
	wantStatus(t, author.get("/admin/settings/roles"), http.StatusForbidden)
	role, _ := app.store.RoleBySlug(context.Background(), access.Author)
	if _, err := app.store.SetRolePermission(context.Background(), role.ID, access.RolesRead, true, dbtest.RoleChange()); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, author.get("/admin/settings/roles"), http.StatusOK)
	// Read without update: the role page is shown, but read-only.
	doc := author.get("/admin/settings/roles/" + itoa(role.ID)).doc(t)
	if doc.Find(`[data-testid="save-role"]`).Length() != 0 || doc.Find(`input[name="permissions"]:not([disabled])`).Length() != 0 {
		t.Error("role page is editable without roles.update")
	}
}
