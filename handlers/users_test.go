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
