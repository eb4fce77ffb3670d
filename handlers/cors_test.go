package handlers

import (
	"net/http"
	"strings"
	"testing"
)

// corsRequest sends method to path from a page on origin; preflight adds
// the headers a browser sends before a bearer-authorised call.
func (a *testApp) corsRequest(method, path, origin, authorization string, preflight bool) *http.Response {
	a.t.Helper()
	req, _ := http.NewRequest(method, a.srv.URL+path, nil)
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	if preflight {
		req.Header.Set("Access-Control-Request-Method", "PUT")
		req.Header.Set("Access-Control-Request-Headers", "authorization,content-type")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	res.Body.Close()
	return res
}

func TestCORSContentAPIAllowsAnyOriginByDefault(t *testing.T) {
	app := newTestApp(t)
	key := "Bearer " + app.mintKey("rw", "full-access", "unlimited")
	const origin = "http://elsewhere.example:3000"
	for _, path := range []string{"/api/articles", "/api/articles/abc", "/graphql", "/api/nosuchtype"} {
		res := app.corsRequest(http.MethodOptions, path, origin, "", true)
		h := res.Header
		if res.StatusCode != http.StatusNoContent || h.Get("Access-Control-Allow-Origin") != "*" {
			t.Errorf("preflight %s: %d, Allow-Origin %q, want 204 and *", path, res.StatusCode, h.Get("Access-Control-Allow-Origin"))
		}
		if h.Get("Access-Control-Allow-Methods") != "GET,POST,PUT,PATCH,DELETE,HEAD,OPTIONS" ||
			h.Get("Access-Control-Allow-Headers") != "Content-Type,Authorization,Origin,Accept" ||
			h.Get("Access-Control-Max-Age") != "31536000" {
			t.Errorf("preflight %s: methods %q headers %q max-age %q", path, h.Get("Access-Control-Allow-Methods"),
				h.Get("Access-Control-Allow-Headers"), h.Get("Access-Control-Max-Age"))
		}
		if h.Get("Access-Control-Allow-Credentials") != "" {
			t.Errorf("preflight %s: credentials allowed", path)
		}
	}
	// The answers themselves, errors included, are readable from the page.
	for _, tt := range []struct {
		auth   string
		status int
	}{{key, http.StatusOK}, {"", http.StatusUnauthorized}, {"Bearer nope", http.StatusUnauthorized}} {
		res := app.corsRequest(http.MethodGet, "/api/articles", origin, tt.auth, false)
		if res.StatusCode != tt.status || res.Header.Get("Access-Control-Allow-Origin") != "*" ||
			res.Header.Get("Access-Control-Allow-Credentials") != "" {
			t.Errorf("GET with %q: %d, Allow-Origin %q, Allow-Credentials %q", tt.auth, res.StatusCode,
				res.Header.Get("Access-Control-Allow-Origin"), res.Header.Get("Access-Control-Allow-Credentials"))
		}
	}
}

func TestCORSNeverOnTheAdmin(t *testing.T) {
	app := newTestApp(t)
	for _, path := range []string{"/admin/login", "/admin/settings/api-tokens", "/healthz", "/", "/apiary"} {
		for _, preflight := range []bool{false, true} {
			method := http.MethodGet
			if preflight {
				method = http.MethodOptions
			}
			res := app.corsRequest(method, path, "http://elsewhere.example", "", preflight)
			for k := range res.Header {
				if strings.HasPrefix(k, "Access-Control-") {
					t.Errorf("%s %s: %s: %q", method, path, k, res.Header.Get(k))
				}
			}
		}
	}
}

func TestCORSOriginsNarrow(t *testing.T) {
	app := newTestAppWith(t, newTestApp(t).store, func(o *Options) {
		o.CORSOrigins = []string{"https://app.example.com", "http://127.0.0.1:5173"}
	})
	for _, origin := range []string{"https://app.example.com", "http://127.0.0.1:5173"} {
		res := app.corsRequest(http.MethodOptions, "/api/articles", origin, "", true)
		if res.StatusCode != http.StatusNoContent || res.Header.Get("Access-Control-Allow-Origin") != origin ||
			!strings.Contains(strings.Join(res.Header.Values("Vary"), ","), "Origin") {
			t.Errorf("preflight from %s: %d, Allow-Origin %q, Vary %q", origin, res.StatusCode,
				res.Header.Get("Access-Control-Allow-Origin"), res.Header.Values("Vary"))
		}
	}
	// Neither another origin, nor a sub-domain, nor a look-alike.
	for _, origin := range []string{"https://evil.example", "https://x.app.example.com", "https://app.example.com.evil", "http://app.example.com", "null"} {
		for _, preflight := range []bool{true, false} {
			method := http.MethodGet
			if preflight {
				method = http.MethodOptions
			}
			res := app.corsRequest(method, "/api/articles", origin, "", preflight)
			if got := res.Header.Get("Access-Control-Allow-Origin"); got != "" {
				t.Errorf("%s from %s: Allow-Origin %q, want none", method, origin, got)
			}
		}
	}
}
