package e2e

import (
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/tokenadmin/tokenadmin/browsertest"
)

// TestLeavingAsksFirst: leaving a form with typed, unsaved input, a form
// answered with field errors, or a revealed key asks first; an untouched
// or submitted form, and a page after the key, do not.
func TestLeavingAsksFirst(t *testing.T) {
	a := newApp(t)
	a.signInAsSuperAdmin()
	asked := func() int { return browsertest.BeforeUnloadDialogs(a.ctx) }
	leave := func(what string, wantAsked bool) {
		t.Helper()
		before := asked()
		a.open("/admin/settings/users", `[data-testid="users-table"]`)
		if got := asked() > before; got != wantAsked {
			t.Errorf("%s: asked before leaving = %v, want %v", what, got, wantAsked)
		}
	}

	a.open("/admin/settings/roles/create", `main form input[name="name"]`)
	leave("untouched form", false)

	a.open("/admin/settings/roles/create", `main form input[name="name"]`)
	a.run(chromedp.SendKeys(`main form input[name="name"]`, "Half-typed", chromedp.ByQuery))
	leave("typed, unsaved", true)

	a.open("/admin/settings/roles/create", `main form input[name="name"]`)
	before := asked()
	a.run(chromedp.SendKeys(`main form input[name="name"]`, "Reviewers", chromedp.ByQuery),
		chromedp.Click(`[data-testid="role-form"] button[type="submit"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="flash"]`, chromedp.ByQuery))
	if asked() != before {
		t.Error("saving a form asked before leaving")
	}
	leave("after saving", false)

	// A 422 keeps what was typed: still unsaved.
	a.openCreateForm()
	a.run(chromedp.Click(saveToken, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="field-error"]`, chromedp.ByQuery))
	// htmx settles the swapped form ~20 ms after showing it.
	a.waitTrue("settled", `document.querySelector('form[data-unsaved]') !== null`)
	leave("form with field errors", true)

	// The one-time key is never shown again.
	a.openCreateForm()
	a.fill(nameInput, "Leaving")
	a.saveAndReveal()
	leave("revealed key", true)
	leave("an ordinary page", false)
}
