package e2e

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/tokenadmin/tokenadmin/access"
)

// TestFoundationFlow walks a fresh install: sign-up of the first super
// admin (with a failed attempt first), the admin shell, granting and
// revoking a role permission with htmx, and signing out.
func TestFoundationFlow(t *testing.T) {
	a := newApp(t)

	// A fresh install sends /admin to the sign-up.
	a.open("/admin", `[data-testid="register-page"]`)
	if p := a.path(); p != "/admin/register" {
		t.Fatalf("/admin led to %s, want /admin/register", p)
	}
	a.shot("register")

	// A too-short password is a field error; the email is kept.
	a.register("Grace Hopper", "grace@example.com", "short")
	a.run(chromedp.WaitVisible(`[data-testid="field-error"][data-field="password"]`, chromedp.ByQuery))
	a.shot("register-short-password")
	if got := a.value(`#field-email`); got != "grace@example.com" {
		t.Errorf("email after a failed sign-up = %q, want it kept", got)
	}
	if got := a.value(`#field-name`); got != "Grace Hopper" {
		t.Errorf("name after a failed sign-up = %q, want it kept", got)
	}
	if n, _ := a.store.CountAdmins(context.Background()); n != 0 {
		t.Fatalf("a rejected sign-up created %d admin(s)", n)
	}

	// The real sign-up lands on the API Tokens page in the admin shell.
	a.register("Grace Hopper", "grace@example.com", "a long enough password")
	a.run(chromedp.WaitVisible(`[data-testid="admin-shell"]`, chromedp.ByQuery))
	a.waitPath(tokensURL)
	a.waitFlash("Welcome, Grace Hopper")
	a.shot("tokens-after-register")
	var nav []string
	a.eval(`[...document.querySelectorAll('[data-testid="settings-nav"] a')].map(e => e.textContent.trim())`, &nav)
	for _, want := range []string{"API Tokens", "Roles", "Users"} {
		if !slices.Contains(nav, want) {
			t.Errorf("settings nav %q lacks %q", nav, want)
		}
	}
	if got := a.text(`[data-testid="settings-nav"] a[aria-current="page"]`); got != "API Tokens" {
		t.Errorf("current nav item = %q, want API Tokens", got)
	}
	if got := a.text(`[data-testid="current-admin"]`); !strings.Contains(got, "Grace Hopper") {
		t.Errorf("signed-in admin shows as %q", got)
	}

	// Settings → Roles → Editor.
	editor, err := a.store.RoleBySlug(context.Background(), access.Editor)
	if err != nil {
		t.Fatal(err)
	}
	a.run(
		chromedp.Click(`[data-testid="settings-nav"] a[href="/admin/settings/roles"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="roles-table"]`, chromedp.ByQuery),
	)
	a.waitPath("/admin/settings/roles")
	a.shot("roles")
	editorURL := "/admin/settings/roles/" + strconv.FormatInt(editor.ID, 10)
	a.run(
		chromedp.Click(fmt.Sprintf(`[data-testid="role-row"][data-role-id="%d"] a`, editor.ID), chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="permission-matrix"]`, chromedp.ByQuery),
	)
	a.waitPath(editorURL)
	a.shot("editor-role")

	box := fmt.Sprintf(`[data-testid="role-permission"][data-action=%q] input[type="checkbox"]`, access.TokensCreate)
	if n := a.count(box); n != 1 {
		t.Fatalf("%d checkboxes match %s, want 1 (is the data-action hook rendered?)", n, box)
	}
	if a.checked(box) {
		t.Fatalf("the editor role already has %s", access.TokensCreate)
	}

	// Tick, then Save: one save for the whole page, as in Strapi.
	a.run(chromedp.Click(box, chromedp.ByQuery))
	if perms := a.rolePermissions(access.Editor); slices.Contains(perms, access.TokensCreate) {
		t.Errorf("ticking saved %s before Save was pressed", access.TokensCreate)
	}
	a.run(chromedp.Click(`[data-testid="save-role"]`, chromedp.ByQuery), chromedp.WaitVisible(`[data-testid="flash"]`, chromedp.ByQuery))
	if got := a.text(`[data-testid="flash"]`); !strings.Contains(got, "saved") {
		t.Errorf("flash after Save: %q", got)
	}
	a.shot("editor-role-granted")
	if p := a.path(); p != editorURL {
		t.Errorf("saving led to %s", p)
	}
	a.run(chromedp.Reload(), chromedp.WaitVisible(box, chromedp.ByQuery))
	if !a.checked(box) {
		t.Errorf("%s unticked after saving and reloading", access.TokensCreate)
	}
	if perms := a.rolePermissions(access.Editor); !slices.Contains(perms, access.TokensCreate) {
		t.Errorf("store: editor permissions %v lack %s", perms, access.TokensCreate)
	}

	// Untick, then Save: revoked, the other actions kept.
	a.run(chromedp.Click(box, chromedp.ByQuery), chromedp.Click(`[data-testid="save-role"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="flash"]`, chromedp.ByQuery))
	a.shot("editor-role-revoked")
	a.run(chromedp.Reload(), chromedp.WaitVisible(box, chromedp.ByQuery))
	if a.checked(box) {
		t.Errorf("%s still ticked after revoking and reloading", access.TokensCreate)
	}
	if perms := a.rolePermissions(access.Editor); slices.Contains(perms, access.TokensCreate) {
		t.Errorf("store: editor permissions %v still hold %s", perms, access.TokensCreate)
	}
	if perms := a.rolePermissions(access.Editor); !slices.Contains(perms, access.TokensRead) {
		t.Errorf("store: editor lost %s while toggling another action: %v", access.TokensRead, perms)
	}

	// Sign out: the login page says so, and settings pages need signing in.
	a.logout()
	a.waitFlash("signed out")
	a.shot("signed-out")
	a.open("/admin/settings/roles", `[data-testid="login-page"]`)
	if p := a.path(); p != "/admin/login" {
		t.Errorf("/admin/settings/roles when signed out led to %s, want /admin/login", p)
	}
	if a.count(`[data-testid="admin-shell"]`) != 0 {
		t.Error("the admin shell shows after signing out")
	}
	a.shot("roles-signed-out")
}

// rolePermissions reads a role's actions from the store.
func (a *app) rolePermissions(slug string) []access.Action {
	a.t.Helper()
	r, err := a.store.RoleBySlug(context.Background(), slug)
	if err != nil {
		a.t.Fatal(err)
	}
	return r.Permissions
}
