package handlers

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/tokenadmin/tokenadmin/audit"
	"github.com/tokenadmin/tokenadmin/db"
	"github.com/tokenadmin/tokenadmin/db/dbtest"
)

// TestChangeOwnPassword: an admin changes their own password on the
// Account page: each bad field is marked on the field (aria-invalid,
// aria-describedby, focus) with nothing typed sent back, a wrong current
// password is refused and audited, and a change lets the new password in,
// keeps the old one out, signs the other browsers out but not this one,
// and is audited without the password.
func TestChangeOwnPassword(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		app := newTestAppWithStore(t, d)
		app.seedAdmin("ada@example.com", "author")
		laptop := app.login("ada@example.com")
		phone := app.login("ada@example.com")
		const next = "a much longer new secret"

		form := func(current, newPw, confirm string) url.Values {
			return url.Values{"current_password": {current}, "new_password": {newPw}, "confirm_password": {confirm}}
		}
		for _, tc := range []struct {
			name       string
			form       url.Values
			status     int
			field, msg string
		}{
			{"no current password", form("", next, next), http.StatusUnprocessableEntity, "current_password", "Enter your current password."},
			{"too short", form(testPassword, "short", "short"), http.StatusUnprocessableEntity, "new_password", "Password must be at least 10 characters."},
			{"the same again", form(testPassword, testPassword, testPassword), http.StatusUnprocessableEntity, "new_password", "The new password must differ from the current one."},
			{"typed differently", form(testPassword, next, next+"!"), http.StatusUnprocessableEntity, "confirm_password", "The two new passwords differ."},
			{"wrong current password", form("not my password at all", next, next), http.StatusUnprocessableEntity, "current_password", "Wrong password."},
		} {
			res := laptop.post("/admin/account/password", tc.form)
			wantStatus(t, res, tc.status)
			doc := res.doc(t)
			input := doc.Find("#field-" + tc.field)
			if got := strings.TrimSpace(doc.Find("#error-" + tc.field).Text()); got != tc.msg {
				t.Errorf("%s: error %q, want %q", tc.name, got, tc.msg)
			}
			if v, _ := input.Attr("aria-invalid"); v != "true" {
				t.Errorf("%s: aria-invalid=%q on %s", tc.name, v, tc.field)
			}
			if v, _ := input.Attr("aria-describedby"); !strings.Contains(v, "error-"+tc.field) {
				t.Errorf("%s: aria-describedby=%q", tc.name, v)
			}
			// app.js focuses the page's first invalid field on load.
			if got := doc.Find(`[aria-invalid="true"]`).First().AttrOr("id", ""); got != "field-"+tc.field {
				t.Errorf("%s: focus goes to %q, not %s", tc.name, got, tc.field)
			}
			if n := doc.Find(`[data-testid="change-password-form"] [aria-invalid]`).Length(); n != 1 {
				t.Errorf("%s: %d fields marked invalid, want 1", tc.name, n)
			}
			if strings.Contains(res.body, testPassword) || strings.Contains(res.body, next) {
				t.Errorf("%s: a typed password was sent back", tc.name)
			}
		}
		if n := countEvents(t, app, audit.ReauthFailed); n != 1 {
			t.Errorf("wrong current password audited %d times, want 1", n)
		}

		wantRedirect(t, laptop.post("/admin/account/password", form(testPassword, next, next)), "/admin/account")
		page := laptop.get("/admin/account")
		wantStatus(t, page, http.StatusOK)
		if !strings.Contains(page.body, "Your password is changed. 1 other session was signed out.") {
			t.Errorf("no confirmation after the change:\n%s", page.body)
		}
		wantRedirect(t, phone.get("/admin/account"), "/admin/login?next=%2Fadmin%2Faccount")

		old := app.newClient().post("/admin/login", url.Values{"email": {"ada@example.com"}, "password": {testPassword}})
		wantStatus(t, old, http.StatusUnauthorized)
		fresh := app.newClient().post("/admin/login", url.Values{"email": {"ada@example.com"}, "password": {next}})
		wantStatus(t, fresh, http.StatusSeeOther)

		events, _, err := app.store.AuditEvents(context.Background(), audit.Query{Action: audit.UserPasswordChange})
		if err != nil || len(events) != 1 {
			t.Fatalf("password change audited %d times (%v), want 1", len(events), err)
		}
		ev := events[0]
		if ev.ActorEmail != "ada@example.com" || ev.TargetName != "ada@example.com" {
			t.Errorf("audit record: actor %q target %q", ev.ActorEmail, ev.TargetName)
		}
		for _, ch := range ev.Changes {
			for _, v := range []any{ch.Before, ch.After} {
				if s, _ := v.(string); strings.Contains(s, next) || strings.Contains(s, "argon2") {
					t.Errorf("the audit record holds the password or its hash: %+v", ch)
				}
			}
		}
	})
}

// A password change is a state change like any other: refused without
// the form's CSRF token, and only for a signed-in admin.
func TestChangePasswordNeedsCSRFAndASession(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("ada@example.com", "author")
	c := app.login("ada@example.com")
	values := url.Values{"current_password": {testPassword}, "new_password": {"another long secret"}, "confirm_password": {"another long secret"}}
	if res := c.postRaw("/admin/account/password", values); res.StatusCode != http.StatusBadRequest && res.StatusCode != http.StatusForbidden {
		t.Errorf("without CSRF token: %d, want the form refused", res.StatusCode)
	}
	anon := app.newClient()
	anon.get("/admin/login")
	res := anon.post("/admin/account/password", values)
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/admin/login") {
		t.Errorf("signed out: %d %s, want a redirect to sign in", res.StatusCode, res.Header.Get("Location"))
	}
	if ok := app.newClient().post("/admin/login", url.Values{"email": {"ada@example.com"}, "password": {testPassword}}); ok.StatusCode != http.StatusSeeOther {
		t.Errorf("the password changed anyway: sign-in with the old one got %d", ok.StatusCode)
	}
}

func countEvents(t *testing.T, app *testApp, action string) int {
	t.Helper()
	_, n, err := app.store.AuditEvents(context.Background(), audit.Query{Action: action, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// The sign-up states the password rule once: as a hint, or, once broken,
// as the error in its place, tied to the field.
func TestRegisterStatesThePasswordRuleOnce(t *testing.T) {
	app := newTestApp(t)
	c := app.newClient()
	page := c.get("/admin/register")
	wantStatus(t, page, http.StatusOK)
	if n := strings.Count(page.body, "10 characters"); n != 1 {
		t.Errorf("the empty form states the rule %d times, want 1", n)
	}
	if v, _ := page.doc(t).Find("#field-password").Attr("aria-describedby"); v != "hint-password" {
		t.Errorf("the hint is not tied to the field: %q", v)
	}
	res := c.post("/admin/register", url.Values{"name": {"Ada"}, "email": {"ada@example.com"}, "password": {"short"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if n := strings.Count(res.body, "10 characters"); n != 1 {
		t.Errorf("the refused form states the rule %d times, want 1", n)
	}
	input := res.doc(t).Find("#field-password")
	if v, _ := input.Attr("aria-describedby"); v != "error-password" {
		t.Errorf("aria-describedby %q, want the error", v)
	}
	// app.js focuses the page's first invalid field on load.
	if got := res.doc(t).Find(`[aria-invalid="true"]`).First().AttrOr("id", ""); got != "field-password" {
		t.Errorf("focus goes to %q, not the password to fix", got)
	}
}

// An error page leads back to the list the missing page belonged to.
func TestErrorPageLeadsBackToItsList(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("ada@example.com", "super-admin")
	c := app.login("ada@example.com")
	for path, want := range map[string]string{
		"/admin/settings/api-tokens/987654": "Back to API tokens",
		"/admin/settings/roles/987654":      "Back to roles",
		"/admin/no-such-page":               "Back to the admin",
	} {
		res := c.get(path)
		wantStatus(t, res, http.StatusNotFound)
		back := res.doc(t).Find(`[data-testid="error-back"]`)
		if strings.TrimSpace(back.Text()) != want {
			t.Errorf("%s: back link %q, want %q", path, back.Text(), want)
		}
	}
}

// TestChangePasswordBurst: a stolen session guessing the current password
// with 60 parallel changes gets no more password checks than the
// throttle allows a client for the account, no more than the slots' worth
// of hashes at once, no 5xx, and changes nothing.
func TestChangePasswordBurst(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("ada@example.com", "author")
	c := app.login("ada@example.com")
	before := app.passwords.Stats()
	allowance := int64(DefaultThrottle.Pair.Free + 1)
	const next = "the thief's own password"
	var wg sync.WaitGroup
	statuses := make([]int, 60)
	start := make(chan struct{})
	for i := range statuses {
		wg.Go(func() {
			<-start
			form := url.Values{"current_password": {"a guess at it"}, "new_password": {next}, "confirm_password": {next}}
			statuses[i] = c.post("/admin/account/password", form).StatusCode
		})
	}
	close(start)
	wg.Wait()
	for _, st := range statuses {
		if st != http.StatusUnprocessableEntity && st != http.StatusTooManyRequests && st != http.StatusServiceUnavailable {
			t.Fatalf("burst answer %d, want 422, 429 or 503", st)
		}
	}
	st := app.passwords.Stats()
	if got := st.Checks - before.Checks; got > allowance {
		t.Errorf("60 parallel guesses got %d password checks, want at most %d", got, allowance)
	}
	if st.Peak > 2 {
		t.Errorf("%d password hashes ran at once, want at most 2", st.Peak)
	}
	if res := app.newClient().post("/admin/login", url.Values{"email": {"ada@example.com"}, "password": {next}}); res.StatusCode == http.StatusSeeOther {
		t.Error("the burst changed the password")
	}
}
