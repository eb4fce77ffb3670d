package handlers

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tokenadmin/tokenadmin/db/dbtest"
)

func TestFirstAdminRegistration(t *testing.T) {
	app := newTestApp(t)
	c := app.newClient()

	wantRedirect(t, c.get("/admin"), "/admin/register")
	wantRedirect(t, c.get("/admin/login"), "/admin/register")
	page := c.get("/admin/register")
	wantStatus(t, page, http.StatusOK)
	if page.doc(t).Find(`form[data-testid="register-form"] input[name="_csrf"]`).Length() != 1 {
		t.Fatal("register form has no _csrf input")
	}

	// Bad input: 422, the error beside its field, what was typed kept.
	res := c.post("/admin/register", url.Values{"name": {"Ada"}, "email": {"ada@example.com"}, "password": {"short"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	doc := res.doc(t)
	if got := doc.Find(`[data-testid="field-error"][data-field="password"]`).Text(); !strings.Contains(got, "at least 10") {
		t.Errorf("password error: got %q", got)
	}
	if got, _ := doc.Find(`input[name="email"]`).Attr("value"); got != "ada@example.com" {
		t.Errorf("email kept: got %q, want ada@example.com", got)
	}
	if got, _ := doc.Find(`input[name="password"]`).Attr("value"); got != "" {
		t.Errorf("password must never be echoed back, got %q", got)
	}
	if n, _ := app.store.CountAdmins(context.Background()); n != 0 {
		t.Fatalf("admins after invalid sign-up: got %d, want 0", n)
	}

	res = c.post("/admin/register", url.Values{"name": {"Ada"}, "email": {" Ada@Example.com "}, "password": {testPassword}})
	wantRedirect(t, res, "/admin/settings/api-tokens")
	if c.cookie(sessionCookie) == "" {
		t.Fatal("no session cookie after sign-up")
	}
	page = c.get("/admin/settings/api-tokens")
	wantStatus(t, page, http.StatusOK)
	if got := page.doc(t).Find(`[data-testid="current-admin"]`).Text(); !strings.Contains(got, "Ada") || !strings.Contains(got, "Super Admin") {
		t.Errorf("shell shows %q, want Ada · Super Admin", got)
	}

	// Closed for good: the page, and a crafted POST from another browser.
	wantStatus(t, c.get("/admin/register"), http.StatusNotFound)
	other := app.newClient()
	res = other.post("/admin/register", url.Values{"name": {"Eve"}, "email": {"eve@example.com"}, "password": {testPassword}})
	wantStatus(t, res, http.StatusNotFound)
	if n, _ := app.store.CountAdmins(context.Background()); n != 1 {
		t.Fatalf("admins: got %d, want 1", n)
	}
	wantRedirect(t, other.get("/admin"), "/admin/login")
}

func TestConcurrentRegistrationCreatesOneAdmin(t *testing.T) {
	app := newTestApp(t)
	var wg sync.WaitGroup
	codes := make([]int, 4)
	clients := make([]*client, len(codes))
	for i := range clients {
		clients[i] = app.newClient()
		clients[i].csrf()
	}
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res := clients[i].post("/admin/register", url.Values{"name": {"A"}, "email": {string(rune('a'+i)) + "@example.com"}, "password": {testPassword}})
			codes[i] = res.StatusCode
		}()
	}
	wg.Wait()
	wins := 0
	for _, code := range codes {
		switch code {
		case http.StatusSeeOther:
			wins++
		case http.StatusNotFound, http.StatusServiceUnavailable:
			// Too late, or every hashing slot was taken.
		default:
			t.Errorf("unexpected status %d", code)
		}
	}
	if n, _ := app.store.CountAdmins(context.Background()); wins != 1 || n != 1 {
		t.Fatalf("got %d successful sign-ups and %d admins, want 1 and 1", wins, n)
	}
}

func TestLoginFailuresLookTheSame(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("ada@example.com", "super-admin")
	deactivated := app.seedAdmin("bob@example.com", "editor")
	if _, err := app.store.SetAdminActive(context.Background(), deactivated.ID, false, dbtest.AdminChange()); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ name, email, password string }{
		{"unknown email", "nobody@example.com", testPassword},
		{"wrong password", "ada@example.com", "wrong password!"},
		{"deactivated", "bob@example.com", testPassword},
	}
	var messages []string
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := app.newClient()
			res := c.post("/admin/login", url.Values{"email": {tc.email}, "password": {tc.password}})
			wantStatus(t, res, http.StatusUnauthorized)
			doc := res.doc(t)
			messages = append(messages, doc.Find(`[data-testid="form-error"]`).Text())
			if got, _ := doc.Find(`input[name="email"]`).Attr("value"); got != tc.email {
				t.Errorf("email kept: got %q, want %q", got, tc.email)
			}
			if c.cookie(sessionCookie) != "" && c.get("/admin/settings/api-tokens").StatusCode == http.StatusOK {
				t.Error("a failed sign-in opened a session")
			}
		})
	}
	for _, m := range messages {
		if m != badCredentials {
			t.Errorf("message %q, want %q for every failure", m, badCredentials)
		}
	}
	if strings.Contains(app.logs.String(), testPassword) || strings.Contains(app.logs.String(), "wrong password!") {
		t.Error("a password reached the log")
	}
}

func TestLoginEmptyFieldsAre422(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("ada@example.com", "super-admin")
	res := app.newClient().post("/admin/login", url.Values{"email": {""}, "password": {""}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	doc := res.doc(t)
	for _, f := range []string{"email", "password"} {
		if doc.Find(`[data-testid="field-error"][data-field="`+f+`"]`).Length() != 1 {
			t.Errorf("no field error for %s", f)
		}
	}
}

func TestLoginRenewsSessionAndReturnsToPage(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("ada@example.com", "super-admin")
	c := app.newClient()

	wantRedirect(t, c.get("/admin/settings/roles?x=1"), "/admin/login?next=%2Fadmin%2Fsettings%2Froles%3Fx%3D1")
	page := c.get("/admin/login?next=%2Fadmin%2Fsettings%2Froles%3Fx%3D1")
	next, _ := page.doc(t).Find(`input[name="next"]`).Attr("value")
	if next != "/admin/settings/roles?x=1" {
		t.Fatalf("next field: got %q", next)
	}
	before := c.cookie(sessionCookie)
	csrfBefore := c.csrf()
	res := c.post("/admin/login", url.Values{"email": {"ADA@example.com"}, "password": {testPassword}, "next": {next}})
	wantRedirect(t, res, "/admin/settings/roles?x=1")
	after := c.cookie(sessionCookie)
	if after == "" || after == before {
		t.Fatal("session cookie did not change at sign-in (session fixation)")
	}
	if c.csrf() == csrfBefore {
		t.Error("CSRF token did not change at sign-in")
	}
	wantStatus(t, c.get("/admin/settings/roles"), http.StatusOK)

	a, _, err := app.store.AdminCredentials(context.Background(), "ada@example.com")
	if err != nil || a.LastLoginAt == nil {
		t.Errorf("last login not recorded: %v %v", a.LastLoginAt, err)
	}
}

func TestLoginNeverRedirectsOffSite(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("ada@example.com", "super-admin")
	for _, next := range []string{"//evil.example/x", "https://evil.example/", "/\\evil.example", "evil", "/\r\nSet-Cookie:x", "http:/evil.example"} {
		c := app.newClient()
		res := c.post("/admin/login", url.Values{"email": {"ada@example.com"}, "password": {testPassword}, "next": {next}})
		if loc := res.Header.Get("Location"); !strings.HasPrefix(loc, "/admin/settings") {
			t.Errorf("next=%q redirected to %q", next, loc)
		}
	}
}

func TestLogout(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("ada@example.com", "super-admin")
	c := app.login("ada@example.com")
	wantRedirect(t, c.post("/admin/logout", nil), "/admin/login")
	res := c.get("/admin/login")
	wantStatus(t, res, http.StatusOK)
	if got := res.doc(t).Find(`[data-testid="flash"]`).Text(); !strings.Contains(got, "signed out") {
		t.Errorf("flash after sign-out: got %q", got)
	}
	wantRedirect(t, c.get("/admin/settings/roles"), "/admin/login?next=%2Fadmin%2Fsettings%2Froles")
}

func TestCSRF(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("ada@example.com", "super-admin")
	c := app.login("ada@example.com")

	// No token at all.
	res := c.postRaw("/admin/settings/roles", url.Values{"name": {"Ops"}})
	wantStatus(t, res, http.StatusBadRequest)
	// A wrong token.
	res = c.postRaw("/admin/settings/roles", url.Values{"name": {"Ops"}, "_csrf": {"forged"}})
	wantStatus(t, res, http.StatusForbidden)
	// A browser says the request comes from another site, token or not.
	res = c.post("/admin/settings/roles", url.Values{"name": {"Ops"}}, "Sec-Fetch-Site", "cross-site")
	wantStatus(t, res, http.StatusForbidden)
	if !strings.Contains(res.body, `data-testid="error-page"`) {
		t.Error("CSRF refusal is not shown as an error page")
	}
	roles, _ := app.store.Roles(context.Background())
	for _, r := range roles {
		if r.Name == "Ops" {
			t.Fatal("a refused request created a role")
		}
	}
	// The htmx header works as the form field does.
	res = c.postRaw("/admin/settings/roles", url.Values{"name": {"Ops"}}, "X-CSRF-Token", c.csrf())
	wantStatus(t, res, http.StatusSeeOther)
}

func TestDeactivatedAdminIsSignedOutAtOnce(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("ada@example.com", "super-admin")
	bob := app.seedAdmin("bob@example.com", "editor")
	super := app.login("ada@example.com")
	editor := app.login("bob@example.com")
	wantStatus(t, editor.get("/admin/settings/api-tokens"), http.StatusOK)

	wantRedirect(t, super.post("/admin/settings/users/"+itoa(bob.ID)+"/deactivate", nil), "/admin/settings/users")
	wantRedirect(t, editor.get("/admin/settings/api-tokens"), "/admin/login?next=%2Fadmin%2Fsettings%2Fapi-tokens")
	res := editor.get("/admin/login")
	if got := res.doc(t).Find(`[data-testid="flash"]`).Text(); !strings.Contains(got, "no longer active") {
		t.Errorf("flash: got %q", got)
	}
}

func TestSessionTimeouts(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("ada@example.com", "super-admin")

	t.Run("idle", func(t *testing.T) {
		c := app.login("ada@example.com")
		app.advance(DefaultSessionIdle - time.Minute)
		wantStatus(t, c.get("/admin/settings/roles"), http.StatusOK)
		// Using it moved the idle clock.
		app.advance(DefaultSessionIdle - time.Minute)
		wantStatus(t, c.get("/admin/settings/roles"), http.StatusOK)
		app.advance(DefaultSessionIdle + time.Minute)
		wantRedirect(t, c.get("/admin/settings/roles"), "/admin/login?next=%2Fadmin%2Fsettings%2Froles")
	})
	t.Run("absolute", func(t *testing.T) {
		c := app.login("ada@example.com")
		for elapsed := time.Duration(0); elapsed < DefaultSessionMaxAge-time.Hour; elapsed += time.Hour {
			app.advance(time.Hour)
			wantStatus(t, c.get("/admin/settings/roles"), http.StatusOK)
		}
		app.advance(2 * time.Hour)
		wantRedirect(t, c.get("/admin/settings/roles"), "/admin/login?next=%2Fadmin%2Fsettings%2Froles")
	})
}

func TestAdminHomeLandsOnFirstAllowedPage(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("ada@example.com", "super-admin")
	app.seedAdmin("ed@example.com", "editor")
	app.seedAdmin("al@example.com", "author")
	wantRedirect(t, app.login("ed@example.com").get("/admin"), "/admin/settings/api-tokens")
	author := app.login("al@example.com")
	wantRedirect(t, author.get("/admin"), "/admin/welcome")
	res := author.get("/admin/welcome")
	wantStatus(t, res, http.StatusOK)
	if n := res.doc(t).Find(`[data-testid="settings-nav"] a`).Length(); n != 0 {
		t.Errorf("author sees %d settings links, want 0", n)
	}
}

func itoa(id int64) string { return strconvFormat(id) }
