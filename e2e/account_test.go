package e2e

import (
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/chromedp/chromedp"
)

// otherBrowser signs in over plain HTTP, as a second device would, and
// returns a client holding that session.
func (a *app) otherBrowser(email string) *http.Client {
	a.t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Get(a.url("/admin/login"))
	if err != nil {
		a.t.Fatal(err)
	}
	doc, _ := goquery.NewDocumentFromReader(res.Body)
	res.Body.Close()
	csrf, _ := doc.Find(`input[name="_csrf"]`).Attr("value")
	res, err = c.PostForm(a.url("/admin/login"), url.Values{"_csrf": {csrf}, "email": {email}, "password": {password}})
	if err != nil || res.StatusCode != http.StatusSeeOther {
		a.t.Fatalf("second device sign-in: %v %v", err, res)
	}
	res.Body.Close()
	return c
}

func TestSignOutEverywhereElse(t *testing.T) {
	a := newApp(t)
	a.signInAsSuperAdmin()
	phone := a.otherBrowser("ada@example.com")

	a.run(chromedp.Click(`[data-testid="current-admin"]`, chromedp.ByQuery), chromedp.WaitVisible(`[data-testid="sessions"]`, chromedp.ByQuery))
	a.waitPath("/admin/account")
	if n := a.count(`[data-testid="session-row"]`); n != 2 {
		t.Fatalf("sessions listed: %d, want 2", n)
	}
	a.shot("sessions")
	a.run(chromedp.Click(`[data-testid="sign-out-everywhere"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="flash"]`, chromedp.ByQuery))
	if got := a.text(`[data-testid="flash"]`); !strings.Contains(got, "signed out") {
		t.Errorf("flash %q", got)
	}
	a.shot("signed-out-elsewhere")
	if n := a.count(`[data-testid="session-row"]`); n != 1 {
		t.Errorf("sessions after signing out everywhere else: %d", n)
	}
	res, err := phone.Get(a.url("/admin/settings/roles"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/admin/login") {
		t.Errorf("the other device still signed in: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	// This browser stays signed in.
	a.open("/admin/settings/roles", `[data-testid="roles-table"]`)
}

func TestAuditLogFilters(t *testing.T) {
	a := newApp(t)
	a.signInAsSuperAdmin()
	a.openCreateForm()
	a.fill(nameInput, "Audited")
	a.pick(typeSelect, "read-only")
	a.saveAndReveal()

	a.open("/admin/settings/audit-logs", `[data-testid="audit-table"]`)
	if n := a.count(`[data-testid="audit-row"]`); n < 2 {
		t.Fatalf("audit rows: %d, want the sign-in and the create", n)
	}
	a.pick(`select[name="action"]`, "token.create")
	a.run(chromedp.Submit(`select[name="action"]`, chromedp.ByQuery), chromedp.WaitVisible(`[data-testid="audit-table"]`, chromedp.ByQuery))
	a.waitTrue("filtered", `location.search.includes('action=token.create')`)
	a.shot("filtered")
	if n := a.count(`[data-testid="audit-row"]`); n != 1 {
		t.Errorf("rows for token.create: %d, want 1", n)
	}
	if txt := a.text(`[data-testid="audit-row"]`); !strings.Contains(txt, "Audited") || strings.Contains(txt, "tka_") {
		t.Errorf("row: %q", txt)
	}
	// Words, and the exact time on screen (no tooltip needed).
	if got := a.text(`[data-testid="audit-row"] [data-testid="audit-action"]`); got != "Created token" {
		t.Errorf("action reads %q", got)
	}
	if got := a.text(`[data-testid="audit-row"] [data-testid="audit-time"] time`); !strings.HasSuffix(got, " UTC") || len(got) != len("2006-01-02 15:04 UTC") {
		t.Errorf("time reads %q", got)
	}
	// The token link narrows the log to the token; the chip widens it again.
	a.run(chromedp.Click(`[data-testid="audit-row"] [data-testid="audit-target"] a`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="audit-token-filter"]`, chromedp.ByQuery))
	a.run(chromedp.Click(`[data-testid="audit-token-filter-clear"]`, chromedp.ByQuery),
		chromedp.WaitNotPresent(`[data-testid="audit-token-filter"]`, chromedp.ByQuery))
	if n := a.count(`[data-testid="audit-row"]`); n < 2 {
		t.Errorf("after clearing the token filter: %d rows", n)
	}
}

// TestChangePasswordInTheBrowser: a refused change keeps focus on the
// field to fix, marked invalid and described by its message; a change
// signs the other device out, keeps this browser in, and the new password
// signs in. Done at phone width: the form must not widen the page.
func TestChangePasswordInTheBrowser(t *testing.T) {
	a := newApp(t)
	a.signInAsSuperAdmin()
	phone := a.otherBrowser("ada@example.com")
	a.run(chromedp.EmulateViewport(phoneWidth, 844))
	a.open("/admin/account", `[data-testid="change-password-form"]`)
	const next = "an entirely new passphrase"

	a.fill(`#field-current_password`, password)
	a.fill(`#field-new_password`, next)
	a.fill(`#field-confirm_password`, next+"x")
	a.run(chromedp.Click(`[data-testid="change-password-submit"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#error-confirm_password`, chromedp.ByQuery))
	if got := a.attr(`#field-confirm_password`, "aria-invalid"); got != "true" {
		t.Errorf("aria-invalid %q on the mismatched field", got)
	}
	if !a.isTrue(`document.activeElement && document.activeElement.id === 'field-confirm_password'`) {
		t.Error("focus is not on the field to fix after a refused change")
	}
	if got := a.attr(`#field-confirm_password`, "aria-describedby"); got != "error-confirm_password" {
		t.Errorf("aria-describedby %q", got)
	}
	if got := a.text(`#error-confirm_password`); got != "The two new passwords differ." {
		t.Errorf("error %q", got)
	}
	if !a.isTrue(`document.documentElement.scrollWidth <= 390`) {
		t.Error("the account page is wider than a 390 px phone")
	}
	a.shot("change-password-refused")

	a.fill(`#field-current_password`, password)
	a.fill(`#field-new_password`, next)
	a.fill(`#field-confirm_password`, next)
	a.run(chromedp.Click(`[data-testid="change-password-submit"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="flash"]`, chromedp.ByQuery))
	if got := a.text(`[data-testid="flash"]`); !strings.Contains(got, "Your password is changed. 1 other session was signed out.") {
		t.Errorf("flash %q", got)
	}
	a.shot("change-password-done")
	res, err := phone.Get(a.url("/admin/account"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/admin/login") {
		t.Errorf("the other device is still signed in: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	a.open("/admin/settings/roles", `[data-testid="roles-table"]`)
	a.logout()
	a.login("ada@example.com", next)
}

// TestRefusedSignUpFocusesTheField: a sign-up refused for its password
// (a page without the admin's shell) puts the focus on the password, tied
// to its message, as the signed-in forms do.
func TestRefusedSignUpFocusesTheField(t *testing.T) {
	a := newApp(t)
	a.open("/admin/register", `[data-testid="register-form"]`)
	a.register("Ada", "ada@example.com", "short")
	a.run(chromedp.WaitVisible(`#error-password`, chromedp.ByQuery))
	if !a.isTrue(`document.activeElement && document.activeElement.id === 'field-password'`) {
		t.Errorf("focus after a refused sign-up is on %s", a.focused())
	}
	if got := a.attr(`#field-password`, "aria-describedby"); got != "error-password" {
		t.Errorf("aria-describedby %q", got)
	}
}
