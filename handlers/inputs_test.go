package handlers

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/tokenadmin/tokenadmin/audit"
	"github.com/tokenadmin/tokenadmin/db"
	"github.com/tokenadmin/tokenadmin/db/dbtest"
)

// TestFlashesDoNotPileUp: a client that never follows redirects used to
// collect one flash per save in its session cookie, until the 47th role
// save answered 500 (securecookie: the value is too long). Only the
// latest few are kept.
func TestFlashesDoNotPileUp(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("ada@example.com", "super-admin")
	c := app.login("ada@example.com")
	res := c.post("/admin/settings/roles", url.Values{"name": {"Ops"}})
	wantStatus(t, res, http.StatusSeeOther)
	path := res.Header.Get("Location")
	for i := range 60 {
		res := c.post(path, url.Values{"name": {"Ops"}, "description": {"save " + strconv.Itoa(i+1)}})
		wantStatus(t, res, http.StatusSeeOther)
	}
	if n := len(c.cookie(sessionCookie)); n > 2048 {
		t.Errorf("session cookie is %d bytes after 60 saves", n)
	}
	page := c.get(path)
	wantStatus(t, page, http.StatusOK)
	flashes := page.doc(t).Find(`[data-testid="flash"]`)
	if flashes.Length() == 0 || flashes.Length() > maxFlashes {
		t.Fatalf("%d flashes shown, want 1 to %d", flashes.Length(), maxFlashes)
	}
	// The newest is kept.
	if got := flashes.Last().Text(); !strings.Contains(got, "Ops") {
		t.Errorf("last flash %q", got)
	}
}

// TestBadBytesInAdminInputAre400: invalid UTF-8 and NUL bytes in a form or
// query are refused with a clear 400 before they reach the database
// (PostgreSQL answered such text with an error, hence a 500).
func TestBadBytesInAdminInputAre400(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		app := newTestAppWithStore(t, d)
		app.seedAdmin("ada@example.com", "super-admin")
		c := app.login("ada@example.com")
		for _, bad := range []string{"\xff", "a\x00b", "\xc0\x80", "\xed\xa0\x80"} {
			res := c.post("/admin/settings/roles", url.Values{"name": {"Ops" + bad}})
			wantStatus(t, res, http.StatusBadRequest)
			if !strings.Contains(res.body, "UTF-8") {
				t.Errorf("%q: the 400 does not say what is wrong", bad)
			}
			res = c.post("/admin/settings/api-tokens", tokenForm("T", "custom", "7", "api::article.article.find"+bad))
			wantStatus(t, res, http.StatusBadRequest)
			for _, p := range []string{"/admin/settings/api-tokens?q=", "/admin/settings/audit-logs?actor=", "/admin/settings/api-tokens?sort="} {
				wantStatus(t, c.get(p+url.QueryEscape(bad)), http.StatusBadRequest)
			}
			// Sign-in too, before any throttling or audit.
			res = app.newClient().post("/admin/login", url.Values{"email": {"ada@example.com" + bad}, "password": {testPassword}})
			wantStatus(t, res, http.StatusBadRequest)
		}
		if app.roleExists("Ops") {
			t.Error("a role was created from bad bytes")
		}
		if n := app.auditCount(audit.SignInFailed); n != 0 {
			t.Errorf("%d failed sign-ins audited for refused input", n)
		}
	})
}

// TestOverlongInputIsRefusedBeforeUse: a 400 KB email is refused before
// it keys the throttle or is written to the (append-only) audit log, and
// search strings are cut before they reach the database.
func TestOverlongInputIsRefusedBeforeUse(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("ada@example.com", "super-admin")
	huge := strings.Repeat("a", 400_000) + "@example.com"
	c := app.newClient()
	for range 30 {
		res := c.post("/admin/login", url.Values{"email": {huge}, "password": {"whatever it is"}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		if strings.Contains(res.body, strings.Repeat("a", 300)) {
			t.Fatal("the overlong email is echoed back")
		}
	}
	if n := app.auditCount(audit.SignInFailed); n != 0 {
		t.Errorf("%d audit rows for an overlong email", n)
	}
	if app.passwords.Stats().Checks != 0 {
		t.Error("a password was checked for an overlong email")
	}
	// The right account still signs in from the same browser: nothing was
	// counted against the address.
	wantStatus(t, c.post("/admin/login", url.Values{"email": {"ada@example.com"}, "password": {testPassword}}), http.StatusSeeOther)
	admin := app.login("ada@example.com")
	wantStatus(t, admin.get("/admin/settings/api-tokens?q="+strings.Repeat("x", 5000)), http.StatusOK)
	wantStatus(t, admin.get("/admin/settings/audit-logs?actor="+strings.Repeat("x", 5000)), http.StatusOK)
	// A user agent is kept to a bound wherever it is stored.
	ua := strings.Repeat("U", 10_000)
	long := app.newClient()
	long.csrf()
	wantStatus(t, long.post("/admin/login", url.Values{"email": {"ada@example.com"}, "password": {testPassword}}, "User-Agent", ua), http.StatusSeeOther)
	events, _, _ := app.store.AuditEvents(t.Context(), audit.Query{Action: audit.SignIn, Limit: 1})
	if len(events) != 1 || len(events[0].UserAgent) > maxAuditUserAgent {
		t.Errorf("audit user agent kept %d bytes", len(events[0].UserAgent))
	}
	id, _ := strconv.ParseInt(events[0].TargetID, 10, 64)
	sessions, _ := app.store.AdminSessions(t.Context(), id)
	if len(sessions) == 0 {
		t.Fatal("no sessions to check")
	}
	for _, s := range sessions {
		if len(s.UserAgent) > maxAuditUserAgent {
			t.Errorf("session user agent kept %d bytes", len(s.UserAgent))
		}
	}
}
