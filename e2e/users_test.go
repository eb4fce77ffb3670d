package e2e

import (
	"context"
	"fmt"
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/tokenadmin/tokenadmin/access"
)

// TestUserChangesAskFirstInTheBrowser: picking a role changes nothing
// until Change is pressed; Deactivate opens a dialog with the focus on
// Cancel, Cancel keeps the admin, and confirming deactivates them in
// place.
func TestUserChangesAskFirstInTheBrowser(t *testing.T) {
	a := newApp(t)
	a.signInAsSuperAdmin()
	bob := a.seedAdmin("Bob", "bob@example.com", access.Editor)
	author, err := a.store.RoleBySlug(context.Background(), access.Author)
	if err != nil {
		t.Fatal(err)
	}
	row := fmt.Sprintf(`[data-testid="user-row"][data-user-id="%d"]`, bob.ID)
	a.open("/admin/settings/users", row)
	stored := func() access.Admin {
		t.Helper()
		b, err := a.store.AdminByID(context.Background(), bob.ID)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}

	a.pick(row+` select[name="role"]`, strconv.FormatInt(author.ID, 10))
	if got := stored().Role.Slug; got != access.Editor {
		t.Fatalf("choosing a role saved it at once: %s", got)
	}
	a.run(chromedp.Click(row+` [data-testid="user-role-save"]`, chromedp.ByQuery))
	a.waitFlash("Role changed.")
	if got := stored().Role.Slug; got != access.Author {
		t.Errorf("role after Change: %s", got)
	}

	dialog := row + ` [data-testid="deactivate-dialog"]`
	a.run(chromedp.Click(row+` [data-testid="user-toggle-active"]`, chromedp.ByQuery), chromedp.WaitVisible(dialog, chromedp.ByQuery))
	if !a.isTrue(`document.activeElement && document.activeElement.matches('[data-dialog-close]')`) {
		t.Error("the dialog does not put the focus on Cancel")
	}
	a.shot("deactivate-dialog")
	a.run(chromedp.Click(dialog+` [data-dialog-close]`, chromedp.ByQuery), chromedp.WaitNotVisible(dialog, chromedp.ByQuery))
	if !stored().Active {
		t.Fatal("Cancel deactivated the admin")
	}
	a.run(chromedp.Click(row+` [data-testid="user-toggle-active"]`, chromedp.ByQuery), chromedp.WaitVisible(dialog, chromedp.ByQuery),
		chromedp.Click(dialog+` [data-testid="deactivate-confirm"]`, chromedp.ByQuery))
	a.waitFlash("Admin deactivated")
	if stored().Active {
		t.Error("confirming did not deactivate the admin")
	}
	if p := a.path(); p != "/admin/settings/users" {
		t.Errorf("deactivating led to %s", p)
	}
}
