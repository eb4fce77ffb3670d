package handlers

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tokenadmin/tokenadmin/db/dbtest"
)

// roleExists reports whether a role with this name was created.
func (a *testApp) roleExists(name string) bool {
	a.t.Helper()
	roles, err := a.store.Roles(context.Background())
	if err != nil {
		a.t.Fatal(err)
	}
	for _, r := range roles {
		if r.Name == name {
			return true
		}
	}
	return false
}

// TestCSRFPlantedCookieIsRefused is the sibling-subdomain forgery: a site
// on another subdomain of the same registrable domain can set cookies for
// this host and make the victim's browser post a form to it, which the
// browser labels Sec-Fetch-Site: same-site. A token the attacker chose,
// planted as a cookie and repeated in the form, must not pass.
func TestCSRFPlantedCookieIsRefused(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("ada@example.com", "super-admin")
	victim := app.login("ada@example.com")
	u, _ := url.Parse(app.srv.URL + "/admin/")
	victim.hc.Jar.SetCookies(u, []*http.Cookie{{Name: "_csrf", Value: "planted-by-evil", Path: "/admin"}})

	for _, site := range []string{"same-site", ""} {
		res := victim.postRaw("/admin/settings/roles", url.Values{"name": {"Forged"}, "_csrf": {"planted-by-evil"}}, "Sec-Fetch-Site", site)
		if res.StatusCode < 400 {
			t.Fatalf("planted cookie with Sec-Fetch-Site %q: got %d, want a refusal", site, res.StatusCode)
		}
		res = victim.postRaw("/admin/settings/roles", url.Values{"name": {"Forged"}}, "X-CSRF-Token", "planted-by-evil", "Sec-Fetch-Site", site)
		if res.StatusCode < 400 {
			t.Fatalf("planted cookie in the header with Sec-Fetch-Site %q: got %d, want a refusal", site, res.StatusCode)
		}
	}
	if app.roleExists("Forged") {
		t.Fatal("a forged request created a role")
	}
}

// TestCSRFRefusesOtherSites: for state changes, a browser's word that the
// request comes from another site, or even a sibling subdomain, is final,
// whatever token it carries; without that header the Origin must be ours.
func TestCSRFRefusesOtherSites(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("ada@example.com", "super-admin")
	c := app.login("ada@example.com")
	for _, h := range [][]string{
		{"Sec-Fetch-Site", "same-site"},
		{"Sec-Fetch-Site", "cross-site"},
		{"Origin", "https://evil.example"},
		{"Origin", "null"},
		{"Origin", "http://sibling." + strings.TrimPrefix(app.srv.URL, "http://")},
	} {
		res := c.post("/admin/settings/roles", url.Values{"name": {"Forged"}}, h...)
		wantStatus(t, res, http.StatusForbidden)
	}
	if app.roleExists("Forged") {
		t.Fatal("a refused request created a role")
	}
	// Our own origin, as a browser sends it, passes with the token.
	wantStatus(t, c.post("/admin/settings/roles", url.Values{"name": {"Ours"}}, "Sec-Fetch-Site", "same-origin", "Origin", app.srv.URL), http.StatusSeeOther)
	// Safe methods are never refused: links from other sites still work.
	wantStatus(t, c.get("/admin/settings/roles", "Sec-Fetch-Site", "cross-site"), http.StatusOK)
}

// TestCSRFTokenIsBoundToTheSession: one browser's token is worthless in
// another's session, and a token from before sign-in is worthless after.
func TestCSRFTokenIsBoundToTheSession(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("ada@example.com", "super-admin")
	app.seedAdmin("eve@example.com", "author")
	eve := app.login("eve@example.com")
	ada := app.login("ada@example.com")
	res := ada.post("/admin/settings/roles", url.Values{"name": {"Forged"}, "_csrf": {eve.csrf()}})
	wantStatus(t, res, http.StatusForbidden)

	// The anonymous login form has a token of its own, which signs in...
	c := app.newClient()
	before := c.csrf()
	wantStatus(t, c.post("/admin/login", url.Values{"email": {"ada@example.com"}, "password": {testPassword}, "_csrf": {before}}), http.StatusSeeOther)
	// ...and is dead once signed in.
	wantStatus(t, c.post("/admin/settings/roles", url.Values{"name": {"Forged"}, "_csrf": {before}}), http.StatusForbidden)
	if app.roleExists("Forged") {
		t.Fatal("a request with another session's token created a role")
	}
	// A visitor without any session cannot post the sign-in form blind.
	wantStatus(t, app.newClient().postRaw("/admin/login", url.Values{"email": {"ada@example.com"}, "password": {testPassword}, "_csrf": {before}}), http.StatusForbidden)
}

// TestSecureCookiesUseHostPrefix: with secure cookies the session cookie
// is __Host-, which a sibling subdomain cannot set or overwrite.
func TestSecureCookiesUseHostPrefix(t *testing.T) {
	app := newTestAppWith(t, dbtest.SQLite(t), func(o *Options) { o.CookieSecure = true })
	app.seedAdmin("ada@example.com", "super-admin")
	res := app.newClient().get("/admin/login")
	wantStatus(t, res, http.StatusOK)
	var found *http.Cookie
	for _, ck := range res.Cookies() {
		if strings.Contains(ck.Name, "tokenadmin_session") {
			found = ck
		}
	}
	if found == nil {
		t.Fatalf("no session cookie for an anonymous visitor; Set-Cookie: %q", res.Header.Values("Set-Cookie"))
	}
	if found.Name != "__Host-tokenadmin_session" || found.Path != "/" || !found.Secure || found.Domain != "" || !found.HttpOnly {
		t.Errorf("session cookie %+v, want __Host-tokenadmin_session, Path=/, Secure, HttpOnly, no Domain", found)
	}
	for _, ck := range res.Cookies() {
		if ck.Name == "_csrf" {
			t.Error("a separate CSRF cookie is still set")
		}
	}
}
