package handlers

import (
	"encoding/json"
	"github.com/PuerkitoBio/goquery"
	"net/http"
	"strings"
	"testing"

	"github.com/tokenadmin/tokenadmin/db/dbtest"
	"github.com/tokenadmin/tokenadmin/static"
)

func TestHealthAndReadiness(t *testing.T) {
	store := dbtest.SQLite(t)
	app := newTestAppWithStore(t, store)
	c := app.newClient()
	wantStatus(t, c.get("/healthz"), http.StatusOK)
	wantStatus(t, c.get("/readyz"), http.StatusOK)
	store.Close()
	res := c.get("/readyz")
	wantStatus(t, res, http.StatusServiceUnavailable)
	if !strings.Contains(res.body, "unreachable") {
		t.Errorf("readyz body: %s", res.body)
	}
	// The process is still up.
	wantStatus(t, c.get("/healthz"), http.StatusOK)
}

func TestErrorPages(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("ada@example.com", "super-admin")
	// Signed out, an unknown admin page asks for sign-in first: it gives
	// away nothing about which pages exist.
	wantRedirect(t, app.newClient().get("/admin/nowhere"), "/admin/login?next=%2Fadmin%2Fnowhere")
	c := app.login("ada@example.com")

	res := c.get("/admin/nowhere")
	wantStatus(t, res, http.StatusNotFound)
	doc := res.doc(t)
	if got, _ := doc.Find(`[data-testid="error-page"]`).Attr("data-status"); got != "404" {
		t.Errorf("admin 404 is not the error page: %q", res.body)
	}
	if doc.Find(`link[rel="stylesheet"]`).Length() != 1 {
		t.Error("error page is not in the admin's look")
	}

	res = c.get("/admin/nowhere", "HX-Request", "true")
	if strings.Contains(res.body, "<html") || !strings.Contains(res.body, `data-testid="error-page"`) {
		t.Error("htmx gets a whole page for an error, want the panel alone")
	}

	// The content API never answers with HTML.
	res = c.get("/api/unknown-things")
	wantStatus(t, res, http.StatusNotFound)
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("API 404 content type %q", ct)
	}
	var body struct {
		Data  any `json:"data"`
		Error struct {
			Status  int            `json:"status"`
			Name    string         `json:"name"`
			Message string         `json:"message"`
			Details map[string]any `json:"details"`
		} `json:"error"`
	}
	if err := json.Unmarshal([]byte(res.body), &body); err != nil {
		t.Fatal(err)
	}
	if body.Data != nil || body.Error.Status != 404 || body.Error.Name != "NotFoundError" || body.Error.Details == nil {
		t.Errorf("API error shape: %s", res.body)
	}
}

func TestSecurityHeadersAndNoInlineScript(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("ada@example.com", "super-admin")
	c := app.login("ada@example.com")
	for _, p := range []string{"/admin/login", "/admin/settings/roles", "/admin/settings/users", "/admin/settings/users/create", "/admin/settings/api-tokens"} {
		cl := c
		if p == "/admin/login" {
			cl = app.newClient()
		}
		res := cl.get(p)
		wantStatus(t, res, http.StatusOK)
		h := res.Header
		csp := h.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("%s CSP: %q", p, csp)
		}
		for name, want := range map[string]string{
			"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "same-origin",
			"Cache-Control": "no-store",
		} {
			if got := h.Get(name); got != want {
				t.Errorf("%s %s: got %q, want %q", p, name, got, want)
			}
		}
		doc := res.doc(t)
		doc.Find("script").Each(func(_ int, s *goquery.Selection) {
			if src, ok := s.Attr("src"); !ok || !strings.HasPrefix(src, "/static/js/") || strings.TrimSpace(s.Text()) != "" {
				t.Errorf("%s has an inline or foreign script: src=%q", p, src)
			}
		})
		doc.Find("*").Each(func(_ int, s *goquery.Selection) {
			for _, a := range s.Nodes[0].Attr {
				if strings.HasPrefix(a.Key, "on") || a.Key == "style" || strings.HasPrefix(a.Key, "hx-on") {
					t.Errorf("%s: <%s %s> needs unsafe-inline", p, s.Nodes[0].Data, a.Key)
				}
			}
		})
		doc.Find(`form[method="post"]`).Each(func(_ int, f *goquery.Selection) {
			if f.Find(`input[name="_csrf"]`).Length() != 1 {
				action, _ := f.Attr("action")
				t.Errorf("%s: form %s has no _csrf input", p, action)
			}
		})
	}
}

func TestSessionCookieFlags(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("ada@example.com", "super-admin")
	c := app.newClient()
	res := c.post("/admin/login", map[string][]string{"email": {"ada@example.com"}, "password": {testPassword}})
	var found bool
	for _, ck := range res.Cookies() {
		if ck.Name == sessionCookie && ck.Value != "" {
			found = true
			if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/admin" {
				t.Errorf("session cookie flags: %+v", ck)
			}
			if strings.Contains(ck.Value, "ada") {
				t.Error("session cookie is readable, want encrypted")
			}
		}
	}
	if !found {
		t.Fatal("no session cookie set at sign-in")
	}
}

func TestStaticAssetsAreEmbeddedAndCached(t *testing.T) {
	app := newTestApp(t)
	c := app.newClient()
	for _, p := range []string{"/static/css/app.css", "/static/js/htmx.min.js", "/static/js/app.js"} {
		res := c.get(p + "?v=" + static.Version)
		wantStatus(t, res, http.StatusOK)
		if got := res.Header.Get("Cache-Control"); !strings.Contains(got, "immutable") {
			t.Errorf("%s versioned Cache-Control: %q", p, got)
		}
		if len(res.body) < 100 {
			t.Errorf("%s: only %d bytes", p, len(res.body))
		}
		if got := c.get(p).Header.Get("Cache-Control"); got != "no-cache" {
			t.Errorf("%s unversioned Cache-Control: %q", p, got)
		}
	}
	wantStatus(t, c.get("/static/"), http.StatusNotFound)
	wantStatus(t, c.get("/static/../go.mod"), http.StatusNotFound)
}
