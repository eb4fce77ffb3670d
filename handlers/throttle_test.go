package handlers

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestSignInThrottlePerAccount(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("ada@example.com", "super-admin")
	for _, email := range []string{"ada@example.com", "nobody@example.com"} {
		t.Run(email, func(t *testing.T) {
			c := app.newClient()
			attempt := func(pw string) response {
				return c.post("/admin/login", url.Values{"email": {email}, "password": {pw}})
			}
			for i := range DefaultAccountThrottle.Free {
				if res := attempt("wrong password"); res.StatusCode != http.StatusUnauthorized {
					t.Fatalf("failure %d: %d", i+1, res.StatusCode)
				}
			}
			res := attempt("wrong password")
			if res.StatusCode != http.StatusTooManyRequests {
				t.Fatalf("failure %d: %d, want 429", DefaultAccountThrottle.Free+1, res.StatusCode)
			}
			first, _ := strconv.Atoi(res.Header.Get("Retry-After"))
			if first < 1 || !strings.Contains(res.doc(t).Find(`[data-testid="form-error"]`).Text(), "Too many failed sign-ins") {
				t.Errorf("429 answer: Retry-After %q, %s", res.Header.Get("Retry-After"), res.body[:200])
			}
			// Even the right password waits.
			if res := attempt(testPassword); res.StatusCode != http.StatusTooManyRequests {
				t.Errorf("right password while blocked: %d", res.StatusCode)
			}
			// The wait grows.
			app.advance(time.Duration(first+1) * time.Second)
			res = attempt("wrong again!")
			second, _ := strconv.Atoi(res.Header.Get("Retry-After"))
			if res.StatusCode != http.StatusTooManyRequests || second <= first {
				t.Errorf("next failure: %d, Retry-After %d after %d", res.StatusCode, second, first)
			}
			app.advance(time.Duration(second+1) * time.Second)
			if email == "ada@example.com" {
				if res := attempt(testPassword); res.StatusCode != http.StatusSeeOther {
					t.Errorf("right password after the wait: %d", res.StatusCode)
				}
			}
		})
	}
}

func TestSignInThrottlePerAddressIgnoresForwardedFor(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("ada@example.com", "super-admin")
	c := app.newClient()
	var last response
	for i := range DefaultAddressThrottle.Free + 1 {
		// A different account each time, and a made-up forwarded address:
		// neither escapes the per-address count by default.
		last = c.post("/admin/login", url.Values{"email": {"user" + strconv.Itoa(i) + "@example.com"}, "password": {"nope nope nope"}},
			"X-Forwarded-For", "203.0.113."+strconv.Itoa(i))
	}
	if last.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("after %d failures from one address: %d, want 429", DefaultAddressThrottle.Free+1, last.StatusCode)
	}
	if strings.Contains(app.logs.String(), "203.0.113.") {
		t.Error("an untrusted X-Forwarded-For reached the log as the client address")
	}
}
