package handlers

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tokenadmin/tokenadmin/access"
)

func TestCreateAdmin(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("ada@example.com", "super-admin")
	c := app.login("ada@example.com")
	editor, _ := app.store.RoleBySlug(context.Background(), access.Editor)

	page := c.get("/admin/settings/users/create")
	wantStatus(t, page, http.StatusOK)

	res := c.post("/admin/settings/users", url.Values{"email": {"not-an-email"}, "name": {"Bob"}, "password": {"short"}, "role": {itoa(editor.ID)}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	doc := res.doc(t)
	for _, f := range []string{"email", "password"} {
		if doc.Find(`[data-testid="field-error"][data-field="`+f+`"]`).Length() != 1 {
			t.Errorf("no field error for %s", f)
		}
	}
	if got, _ := doc.Find(`input[name="name"]`).Attr("value"); got != "Bob" {
		t.Errorf("name kept: got %q", got)
	}
	if got, _ := doc.Find(`select[name="role"] option[selected]`).Attr("value"); got != itoa(editor.ID) {
		t.Errorf("role kept: got %q", got)
	}

	res = c.post("/admin/settings/users", url.Values{"email": {"bob@example.com"}, "name": {"Bob"}, "password": {testPassword}, "role": {itoa(editor.ID)}})
	wantRedirect(t, res, "/admin/settings/users")
	list := c.get("/admin/settings/users")
	if !strings.Contains(list.doc(t).Find(`[data-testid="flash"]`).Text(), "Bob can now sign in") {
		t.Error("no success flash after creating an admin")
	}
	if list.doc(t).Find(`[data-testid="user-row"]`).Length() != 2 {
		t.Error("users table does not list both admins")
	}
	wantStatus(t, app.login("bob@example.com").get("/admin/settings/api-tokens"), http.StatusOK)

	res = c.post("/admin/settings/users", url.Values{"email": {"BOB@example.com"}, "name": {"Bob 2"}, "password": {testPassword}, "role": {itoa(editor.ID)}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if got := res.doc(t).Find(`[data-field="email"]`).Text(); !strings.Contains(got, "already exists") {
		t.Errorf("duplicate email error: got %q", got)
	}
	res = c.post("/admin/settings/users", url.Values{"email": {"cy@example.com"}, "name": {"Cy"}, "password": {testPassword}, "role": {"999999"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
}

func TestChangeRoleWithHTMX(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("ada@example.com", "super-admin")
	bob := app.seedAdmin("bob@example.com", "editor")
	c := app.login("ada@example.com")
	author, _ := app.store.RoleBySlug(context.Background(), access.Author)

	res := c.post("/admin/settings/users/"+itoa(bob.ID)+"/role", url.Values{"role": {itoa(author.ID)}}, "HX-Request", "true")
	wantStatus(t, res, http.StatusOK)
	doc := res.doc(t)
	if doc.Find(`tr[data-testid="user-row"][data-user-id="`+itoa(bob.ID)+`"]`).Length() != 1 {
		t.Fatalf("htmx answer is not bob's row: %s", res.body)
	}
	if got, _ := doc.Find(`select[name="role"] option[selected]`).Attr("value"); got != itoa(author.ID) {
		t.Errorf("row shows role %q, want %d", got, author.ID)
	}
	b, _ := app.store.AdminByID(context.Background(), bob.ID)
	if b.Role.Slug != access.Author {
		t.Fatalf("bob's role: got %s", b.Role.Slug)
	}
}

func TestAdminsCannotLockThemselvesOut(t *testing.T) {
	app := newTestApp(t)
	ada := app.seedAdmin("ada@example.com", "super-admin")
	c := app.login("ada@example.com")
	editor, _ := app.store.RoleBySlug(context.Background(), access.Editor)
	wantStatus(t, c.post("/admin/settings/users/"+itoa(ada.ID)+"/deactivate", nil), http.StatusForbidden)
	wantStatus(t, c.post("/admin/settings/users/"+itoa(ada.ID)+"/role", url.Values{"role": {itoa(editor.ID)}}), http.StatusForbidden)
	a, _ := app.store.AdminByID(context.Background(), ada.ID)
	if !a.Active || a.Role.Slug != access.SuperAdmin {
		t.Fatalf("ada changed herself: %+v", a)
	}

	// Another super admin cannot remove the last active super admin either.
	other := app.seedAdmin("zed@example.com", "super-admin")
	z := app.login("zed@example.com")
	wantRedirect(t, z.post("/admin/settings/users/"+itoa(ada.ID)+"/deactivate", nil), "/admin/settings/users")
	res := c.get("/admin/settings/users")
	_ = res
	page := z.get("/admin/settings/users")
	_ = page
	wantStatus(t, c.post("/admin/settings/users/"+itoa(other.ID)+"/deactivate", nil), http.StatusSeeOther)
	if o, _ := app.store.AdminByID(context.Background(), other.ID); !o.Active {
		t.Fatal("ada, already deactivated, deactivated zed")
	}
}

// TestUserChangesAskFirst: on the users page neither a role nor an
// account's status changes on a single click. The role picker waits for
// its Change button; Deactivate opens a confirmation (a dialog, or the
// page it links to), which names the admin and what happens; the page
// itself is refused to whoever may not change that admin.
func TestUserChangesAskFirst(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("ada@example.com", "super-admin")
	bob := app.seedAdmin("bob@example.com", "editor")
	c := app.login("ada@example.com")

	doc := c.get("/admin/settings/users").doc(t)
	row := doc.Find(`tr[data-testid="user-row"][data-user-id="` + itoa(bob.ID) + `"]`)
	form := row.Find(`select[name="role"]`).Closest("form")
	if _, auto := form.Attr("hx-trigger"); auto || row.Find(`[hx-trigger*="change"]`).Length() != 0 {
		t.Error("choosing a role saves it at once")
	}
	if form.Find(`[data-testid="user-role-save"]`).Length() != 1 {
		t.Error("no Change button beside the role picker")
	}
	deactivate := row.Find(`a[data-testid="user-toggle-active"]`)
	if href, _ := deactivate.Attr("href"); href != "/admin/settings/users/"+itoa(bob.ID)+"/deactivate" {
		t.Fatalf("Deactivate is not a link to its confirmation: %q", href)
	}
	if deactivate.HasClass("btn-danger") {
		t.Error("Deactivate is loud red on every row")
	}
	dialog := row.Find(`dialog[data-testid="deactivate-dialog"]`)
	if !strings.Contains(dialog.Text(), "Deactivate bob?") || dialog.Find(`[data-testid="deactivate-confirm"]`).Length() != 1 {
		t.Errorf("the dialog does not ask: %q", dialog.Text())
	}

	page := c.get("/admin/settings/users/" + itoa(bob.ID) + "/deactivate")
	wantStatus(t, page, http.StatusOK)
	if !strings.Contains(page.body, "bob@example.com is signed out everywhere") {
		t.Errorf("the confirmation page does not say what happens:\n%s", page.body)
	}
	if b, _ := app.store.AdminByID(context.Background(), bob.ID); !b.Active {
		t.Fatal("opening the confirmation deactivated the admin")
	}
	wantStatus(t, c.get("/admin/settings/users/987654/deactivate"), http.StatusNotFound)

	// The rules refuse the page as they refuse the change: nobody
	// deactivates themselves; a role without users.update gets nothing.
	ada, _, _ := app.store.AdminCredentials(context.Background(), "ada@example.com")
	if res := c.get("/admin/settings/users/" + itoa(ada.ID) + "/deactivate"); res.StatusCode != http.StatusForbidden {
		t.Errorf("the confirmation to deactivate oneself: %d, want 403", res.StatusCode)
	}
	app.seedAdmin("mia@example.com", "editor")
	if res := app.login("mia@example.com").get("/admin/settings/users/" + itoa(bob.ID) + "/deactivate"); res.StatusCode != http.StatusForbidden {
		t.Errorf("an editor without users.update opened the confirmation: %d, want 403", res.StatusCode)
	}
}
