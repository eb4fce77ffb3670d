package handlers

import (
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tokenadmin/tokenadmin/db/dbtest"
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
			for i := range DefaultThrottle.Pair.Free {
				if res := attempt("wrong password"); res.StatusCode != http.StatusUnauthorized {
					t.Fatalf("failure %d: %d", i+1, res.StatusCode)
				}
			}
			res := attempt("wrong password")
			if res.StatusCode != http.StatusTooManyRequests {
				t.Fatalf("failure %d: %d, want 429", DefaultThrottle.Pair.Free+1, res.StatusCode)
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
	for i := range DefaultThrottle.Network.Free + 1 {
		// A different account each time, and a made-up forwarded address:
		// neither escapes the per-address count by default.
		last = c.post("/admin/login", url.Values{"email": {"user" + strconv.Itoa(i) + "@example.com"}, "password": {"nope nope nope"}},
			"X-Forwarded-For", "203.0.113."+strconv.Itoa(i))
	}
	if last.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("after %d failures from one address: %d, want 429", DefaultThrottle.Network.Free+1, last.StatusCode)
	}
	if strings.Contains(app.logs.String(), "203.0.113.") {
		t.Error("an untrusted X-Forwarded-For reached the log as the client address")
	}
}

// newTestAppBehindProxy trusts X-Forwarded-For from the test client, so a
// test can choose the address each request comes from.
func newTestAppBehindProxy(t *testing.T) *testApp {
	t.Helper()
	return newTestAppWith(t, dbtest.SQLite(t), func(o *Options) {
		_, loopback, _ := net.ParseCIDR("127.0.0.0/8")
		o.TrustedProxies = []*net.IPNet{loopback}
	})
}

// burst sends n sign-ins at once, each from its own browser that already
// holds a CSRF token, and returns the status codes.
func burst(t *testing.T, app *testApp, n int, email, password string, headers ...string) []response {
	t.Helper()
	clients := make([]*client, n)
	for i := range clients {
		clients[i] = app.newClient()
		clients[i].csrf()
	}
	out := make([]response, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, c := range clients {
		wg.Go(func() {
			<-start
			out[i] = c.post("/admin/login", url.Values{"email": {email}, "password": {password}}, headers...)
		})
	}
	close(start)
	wg.Wait()
	return out
}

// TestSignInBurstGetsNoMoreGuessesThanAllowed is the race of the old
// throttle: 60 wrong passwords at once must not get more password checks
// than the throttle allows one client for one account, and no more than
// the slots' worth of hashes may run at once.
func TestSignInBurstGetsNoMoreGuessesThanAllowed(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("ada@example.com", "super-admin")
	before := app.passwords.Stats()
	allowance := int64(DefaultThrottle.Pair.Free + 1)
	for _, res := range burst(t, app, 60, "ada@example.com", "wrong password!") {
		switch res.StatusCode {
		case http.StatusUnauthorized:
		case http.StatusTooManyRequests, http.StatusServiceUnavailable:
			if res.Header.Get("Retry-After") == "" {
				t.Errorf("%d without Retry-After", res.StatusCode)
			}
		default:
			t.Fatalf("burst answer %d, want 401, 429 or 503", res.StatusCode)
		}
	}
	st := app.passwords.Stats()
	if got := st.Checks - before.Checks; got > allowance {
		t.Fatalf("a burst of 60 got %d password checks, want at most %d", got, allowance)
	}
	if st.Peak > 2 {
		t.Errorf("%d password hashes ran at once, want at most 2 (the slots)", st.Peak)
	}

	// Use up what is left of the allowance one at a time, until blocked.
	c := app.newClient()
	for i := 0; ; i++ {
		res := c.post("/admin/login", url.Values{"email": {"ada@example.com"}, "password": {"wrong password!"}})
		if res.StatusCode == http.StatusTooManyRequests {
			break
		}
		if i > int(allowance) {
			t.Fatalf("no 429 after %d more failures", i)
		}
	}
	if got := app.passwords.Stats().Checks - before.Checks; got != allowance {
		t.Errorf("%d password checks before the block, want exactly %d", got, allowance)
	}
	// Now the right password, 30 times at once, on the blocked account:
	// not one gets in, and not one password is checked.
	checks := app.passwords.Stats().Checks
	for _, res := range burst(t, app, 30, "ada@example.com", testPassword) {
		if res.StatusCode == http.StatusSeeOther {
			t.Fatal("a burst on a throttled account signed in")
		}
	}
	if got := app.passwords.Stats().Checks; got != checks {
		t.Errorf("%d passwords checked for a blocked account", got-checks)
	}
}

// TestOwnerSignsInFromAnotherAddress: a stranger's wrong passwords from
// one address lock that address out of the account, not the owner.
func TestOwnerSignsInFromAnotherAddress(t *testing.T) {
	app := newTestAppBehindProxy(t)
	app.seedAdmin("ada@example.com", "super-admin")
	stranger := app.newClient()
	blocked := false
	for range 16 {
		res := stranger.post("/admin/login", url.Values{"email": {"ada@example.com"}, "password": {"guess guess guess"}}, "X-Forwarded-For", "198.51.100.9")
		blocked = blocked || res.StatusCode == http.StatusTooManyRequests
	}
	if !blocked {
		t.Fatal("16 wrong passwords from one address were never throttled")
	}
	// IPv6: another address of the stranger's /64 is the same client.
	ipv6 := app.newClient()
	for range 8 {
		ipv6.post("/admin/login", url.Values{"email": {"ada@example.com"}, "password": {"guess guess guess"}}, "X-Forwarded-For", "2001:db8:0:1::1")
	}
	res := ipv6.post("/admin/login", url.Values{"email": {"ada@example.com"}, "password": {testPassword}}, "X-Forwarded-For", "2001:db8:0:1::beef")
	wantStatus(t, res, http.StatusTooManyRequests)

	owner := app.newClient()
	res = owner.post("/admin/login", url.Values{"email": {"ada@example.com"}, "password": {testPassword}}, "X-Forwarded-For", "203.0.113.7")
	wantRedirect(t, res, "/admin/settings/api-tokens")
	// And the burst again, right after: the owner still gets in.
	for range 16 {
		stranger.post("/admin/login", url.Values{"email": {"ada@example.com"}, "password": {"guess guess guess"}}, "X-Forwarded-For", "198.51.100.9")
	}
	again := app.newClient()
	res = again.post("/admin/login", url.Values{"email": {"ada@example.com"}, "password": {testPassword}}, "X-Forwarded-For", "203.0.113.7")
	wantRedirect(t, res, "/admin/settings/api-tokens")
}

// TestSignInWhenEverySlotIsBusy: with every hashing slot taken the answer
// is an immediate 503 that costs the account nothing.
func TestSignInWhenEverySlotIsBusy(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("ada@example.com", "super-admin")
	var held []interface{ Release() }
	for range 2 {
		s, err := app.passwords.Slot()
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, s)
	}
	c := app.newClient()
	for range 10 {
		res := c.post("/admin/login", url.Values{"email": {"ada@example.com"}, "password": {"wrong password!"}})
		wantStatus(t, res, http.StatusServiceUnavailable)
		if res.Header.Get("Retry-After") == "" {
			t.Fatal("503 without Retry-After")
		}
		if got := res.doc(t).Find(`[data-testid="form-error"]`).Text(); !strings.Contains(got, "busy") {
			t.Fatalf("503 page says %q", got)
		}
	}
	for _, s := range held {
		s.Release()
	}
	for i := range DefaultThrottle.Pair.Free {
		res := c.post("/admin/login", url.Values{"email": {"ada@example.com"}, "password": {"wrong password!"}})
		if res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("failure %d after the busy spell: %d, want 401 (a refused attempt counted)", i+1, res.StatusCode)
		}
	}
}
