package handlers

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tokenadmin/tokenadmin/apitoken"
)

func TestSessionsListAndSignOutEverywhere(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("ada@example.com", "super-admin")
	laptop := app.login("ada@example.com")
	phone := app.login("ada@example.com")
	third := app.login("ada@example.com")

	page := laptop.get("/admin/account")
	wantStatus(t, page, http.StatusOK)
	doc := page.doc(t)
	if n := doc.Find(`[data-testid="session-row"]`).Length(); n != 3 {
		t.Fatalf("sessions listed: %d, want 3", n)
	}
	if n := doc.Find(`[data-testid="session-row"][data-current]`).Length(); n != 1 {
		t.Errorf("current sessions marked: %d", n)
	}

	// Sign one other browser out.
	id, _ := doc.Find(`[data-testid="session-row"]:not([data-current]) form`).First().Attr("action")
	wantRedirect(t, laptop.post(id, nil), "/admin/account")
	signedOut := 0
	for _, c := range []*client{phone, third} {
		if c.get("/admin/settings/roles").StatusCode == http.StatusSeeOther {
			signedOut++
		}
	}
	if signedOut != 1 {
		t.Fatalf("%d browsers signed out by one revoke, want 1", signedOut)
	}

	// Everywhere else: both others out, this one still in.
	fourth := app.login("ada@example.com")
	wantRedirect(t, laptop.post("/admin/account/sessions/revoke-others", nil), "/admin/account")
	for _, c := range []*client{phone, third, fourth} {
		wantRedirect(t, c.get("/admin/settings/roles"), "/admin/login?next=%2Fadmin%2Fsettings%2Froles")
	}
	wantStatus(t, laptop.get("/admin/settings/roles"), http.StatusOK)
	if n := laptop.get("/admin/account").doc(t).Find(`[data-testid="session-row"]`).Length(); n != 1 {
		t.Errorf("sessions after signing out everywhere else: %d", n)
	}

	// Another admin cannot revoke ada's sessions by id.
	app.seedAdmin("eve@example.com", "super-admin")
	eve := app.login("eve@example.com")
	res := eve.post(id, nil)
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("revoking someone else's session: %d, want 404", res.StatusCode)
	}
}

func TestSignOutRevokesTheStoredSession(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("ada@example.com", "super-admin")
	c := app.login("ada@example.com")
	// Keep a copy of the signed-in cookie, as a thief would.
	var stolen []*http.Cookie
	for _, ck := range c.hc.Jar.Cookies(mustURL(app.srv.URL + "/admin/")) {
		stolen = append(stolen, ck)
	}
	c.post("/admin/logout", nil)
	replay := app.newClient()
	replay.hc.Jar.SetCookies(mustURL(app.srv.URL+"/admin/"), stolen)
	wantRedirect(t, replay.get("/admin/settings/roles"), "/admin/login?next=%2Fadmin%2Fsettings%2Froles")
}

func TestFullAccessNeedsRecentPassword(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("ada@example.com", "super-admin")
	c := app.login("ada@example.com")

	// Fresh sign-in: no password needed.
	if doc := c.get("/admin/settings/api-tokens/create").doc(t); doc.Find(`[data-testid="reauth"]`).Length() != 0 {
		t.Error("fresh sign-in asked for the password")
	}
	id, _ := createToken(t, c, tokenForm("Fresh", "full-access", "7"))

	app.advance(16 * time.Minute)
	if doc := c.get("/admin/settings/api-tokens/create").doc(t); doc.Find(`input[name="current_password"]`).Length() != 1 {
		t.Error("stale sign-in: no password field on the form")
	}
	res := c.post("/admin/settings/api-tokens", tokenForm("Stale", "full-access", "7"))
	wantStatus(t, res, http.StatusUnprocessableEntity)
	doc := res.doc(t)
	if doc.Find(`[data-testid="field-error"][data-field="current_password"]`).Length() != 1 {
		t.Error("no password error")
	}
	if got, _ := doc.Find(`input[name="name"]`).Attr("value"); got != "Stale" {
		t.Errorf("input lost: %q", got)
	}
	// Read-only tokens need no password.
	createToken(t, c, tokenForm("Reader", "read-only", "7"))
	// Wrong password: still refused, nothing created.
	f := tokenForm("Stale", "full-access", "7")
	f.Set("current_password", "not my password")
	wantStatus(t, c.post("/admin/settings/api-tokens", f), http.StatusUnprocessableEntity)
	if _, total, _ := app.store.Tokens(context.Background(), apitoken.ListQuery{}); total != 2 {
		t.Fatalf("tokens: %d, want 2", total)
	}

	// Regenerating a full-access token asks too; the right password opens
	// a new 15-minute window.
	res = c.post("/admin/settings/api-tokens/"+itoa(id)+"/regenerate", nil)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if !strings.Contains(res.body, "current_password") {
		t.Error("regenerate refusal does not ask for the password")
	}
	res = c.post("/admin/settings/api-tokens/"+itoa(id)+"/regenerate", url.Values{"current_password": {testPassword}})
	wantStatus(t, res, http.StatusCreated)
	f.Set("current_password", "")
	f.Set("name", "After reauth")
	createToken(t, c, f)
}
