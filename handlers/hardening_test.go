package handlers

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/tokenadmin/tokenadmin/apitoken"
	"github.com/tokenadmin/tokenadmin/content"
	"github.com/tokenadmin/tokenadmin/db"
	"github.com/tokenadmin/tokenadmin/db/dbtest"
)

// TestConcurrentRegenerateLeavesOneKey regenerates one token from two
// sessions at once: afterwards exactly one of the two new keys works.
func TestConcurrentRegenerateLeavesOneKey(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("ada@example.com", "super-admin")
	app.seedAdmin("bob@example.com", "super-admin")
	a, b := app.login("ada@example.com"), app.login("bob@example.com")
	id, first := createToken(t, a, tokenForm("Shared", "read-only", "7"))
	for round := range 5 {
		var wg sync.WaitGroup
		keys := make([]string, 2)
		for i, c := range []*client{a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res := c.post("/admin/settings/api-tokens/"+itoa(id)+"/regenerate", nil)
				if res.StatusCode == http.StatusCreated {
					keys[i] = res.doc(t).Find(`[data-testid="token-value"]`).Text()
				}
			}()
		}
		wg.Wait()
		working := 0
		for _, k := range append(keys, first) {
			if k != "" && app.api("GET", "/api/articles", "Bearer "+k, "").status == http.StatusOK {
				working++
			}
		}
		if working != 1 {
			t.Fatalf("round %d: %d keys work after two concurrent regenerations, want exactly 1", round, working)
		}
		first = ""
	}
}

// TestNoSecretsInLogs runs a whole admin and API session and searches the
// log for every secret that passed through: the key, the password, the
// session cookie and the CSRF token.
func TestNoSecretsInLogs(t *testing.T) {
	app := newTestApp(t)
	c := app.newClient()
	password := "a very secret password 42"
	reg := c.post("/admin/register", url.Values{"name": {"Ada"}, "email": {"ada@example.com"}, "password": {password}})
	wantStatus(t, reg, http.StatusSeeOther)
	c.post("/admin/logout", nil)
	c.post("/admin/login", url.Values{"email": {"ada@example.com"}, "password": {"wrong " + password}})
	wantStatus(t, c.post("/admin/login", url.Values{"email": {"ada@example.com"}, "password": {password}}), http.StatusSeeOther)
	id, key := createToken(t, c, tokenForm("Logged?", "full-access", "7"))
	res := c.post("/admin/settings/api-tokens/"+itoa(id)+"/regenerate", nil)
	newKey := res.doc(t).Find(`[data-testid="token-value"]`).Text()
	app.api("GET", "/api/articles", "Bearer "+newKey, "")
	app.api("GET", "/api/articles?access_token="+newKey, "", "")
	app.api("GET", "/api/articles", "Bearer "+key, "")
	app.api("GET", "/api/articles", "Token "+newKey, "")
	app.api("POST", "/api/articles", "Bearer "+newKey, `{"data":{"title":"`+newKey+`"`)

	logs := app.logs.String()
	secrets := map[string]string{
		"key": key[4:], "new key": newKey[4:], "password": password,
		"session cookie": c.cookie(sessionCookie), "CSRF token": c.csrf(),
	}
	for what, s := range secrets {
		if s == "" {
			t.Fatalf("no %s captured", what)
		}
		if strings.Contains(logs, s) {
			t.Errorf("the %s reached the log", what)
		}
	}
	if !strings.Contains(logs, "sign-in failed") || !strings.Contains(logs, "api token created") {
		t.Fatal("the log did not capture the session (the test would pass vacuously)")
	}
}

// FuzzTokenFormBinding feeds arbitrary form bodies through the token
// form's binding and validation: it must never panic, and whatever it
// accepts must satisfy the token rules.
func FuzzTokenFormBinding(f *testing.F) {
	f.Add("name=CI&type=custom&duration=30&permissions=api%3A%3Aarticle.article.find")
	f.Add("name=%20%20&type=read-only&duration=7")
	f.Add("name=" + strings.Repeat("x", 101) + "&type=full-access&duration=unlimited")
	f.Add("name=a&type=custom&duration=90&permissions=&permissions=api%3A%3Anope.nope.find&permissions=api%3A%3Aarticle.article.find")
	f.Add("name=%ff%fe&description=%00&type=custom&duration=7")
	f.Add("%zz=1&name")
	registry := content.Default()
	e := echo.New()
	f.Fuzz(func(t *testing.T, body string) {
		req := httptest.NewRequest(http.MethodPost, "/admin/settings/api-tokens", strings.NewReader(body))
		req.Header.Set(echo.HeaderContentType, echo.MIMEApplicationForm)
		c := e.NewContext(req, httptest.NewRecorder())
		in := tokenInput(c)
		clean, errs := apitoken.Validate(in, registry.KnownAction, true)
		if !errs.Valid() {
			return
		}
		if clean.Name == "" || utf8.RuneCountInString(clean.Name) > apitoken.MaxNameLen || clean.Name != strings.TrimSpace(clean.Name) {
			t.Fatalf("accepted name %q", clean.Name)
		}
		if utf8.RuneCountInString(clean.Description) > apitoken.MaxDescriptionLen {
			t.Fatalf("accepted a %d-rune description", utf8.RuneCountInString(clean.Description))
		}
		if clean.Type != apitoken.Custom && len(clean.Permissions) > 0 {
			t.Fatalf("%s token with permissions %v", clean.Type, clean.Permissions)
		}
		for i, p := range clean.Permissions {
			if !registry.KnownAction(p) || (i > 0 && clean.Permissions[i-1] >= p) {
				t.Fatalf("permissions not known, sorted and unique: %v", clean.Permissions)
			}
		}
		if clean.Duration.ExpiresAt(fuzzNow) == nil && clean.Duration != apitoken.Unlimited {
			t.Fatalf("accepted duration %q", clean.Duration)
		}
	})
}

var fuzzNow = time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)

// TestSessionWorksOnAnotherInstance signs in on one server and uses the
// same cookie on a second server of the same deployment (same secret-
// derived keys, same database): a load balancer may send any request to
// either.
func TestSessionWorksOnAnotherInstance(t *testing.T) {
	a := newTestApp(t)
	a.seedAdmin("ada@example.com", "super-admin")
	b := newTestAppWithStore(t, a.store)
	c := a.login("ada@example.com")
	onB := b.newClient()
	onB.hc.Jar = c.hc.Jar
	// The jar keys cookies by host; both servers listen on 127.0.0.1.
	wantStatus(t, onB.get("/admin/settings/roles"), http.StatusOK)
	res := onB.post("/admin/settings/roles", url.Values{"name": {"Made on B"}})
	wantStatus(t, res, http.StatusSeeOther)
	// Signing out on B ends the session on A too.
	onB.post("/admin/logout", nil)
	wantStatus(t, c.get("/admin/settings/roles"), http.StatusSeeOther)
}

// TestOddUserAgentsDoNotBreakSignIn sends a user agent with invalid UTF-8
// and a multi-byte character across the length limit: sign-in, its
// session row and its audit event must still be written (PostgreSQL
// refuses invalid text).
func TestOddUserAgentsDoNotBreakSignIn(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		app := newTestAppWithStore(t, d)
		app.seedAdmin("ada@example.com", "super-admin")
		for _, ua := range []string{"bad \xff\xfe bytes", strings.Repeat("a", 299) + "é and more"} {
			c := app.newClient()
			res := c.post("/admin/login", url.Values{"email": {"ada@example.com"}, "password": {testPassword}}, "User-Agent", ua)
			wantStatus(t, res, http.StatusSeeOther)
			wantStatus(t, c.get("/admin/account"), http.StatusOK)
		}
	})
}
