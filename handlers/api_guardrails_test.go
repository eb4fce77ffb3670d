package handlers

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tokenadmin/tokenadmin/apitoken"
	"github.com/tokenadmin/tokenadmin/db"
	"github.com/tokenadmin/tokenadmin/db/dbtest"
)

// mintGuarded creates a full-access token with guardrails g.
func (a *testApp) mintGuarded(name string, g apitoken.GuardInput) (apitoken.Token, string) {
	a.t.Helper()
	tok, key, errs, err := a.tokens.Create(context.Background(), testActor, apitoken.Input{
		Name: name, Type: "full-access", Duration: "unlimited", GuardInput: g})
	if err != nil || !errs.Valid() {
		a.t.Fatalf("mint %s: %v %v", name, err, errs)
	}
	return tok, key
}

// apiFrom is api with extra request headers.
func (a *testApp) apiFrom(path, key string, headers ...string) apiResult {
	a.t.Helper()
	req, _ := http.NewRequest("GET", a.srv.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+key)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return apiResult{status: res.StatusCode, header: res.Header, raw: string(b)}
}

func wantAPIError(t *testing.T, what string, r apiResult, status int, name, msg string) {
	t.Helper()
	if r.status != status || !strings.Contains(r.raw, `"name":"`+name+`"`) || !strings.Contains(r.raw, `"message":"`+msg+`"`) ||
		!strings.HasPrefix(r.raw, `{"data":null,"error":{`) {
		t.Errorf("%s: got %d %s, want %d %s %q", what, r.status, r.raw, status, name, msg)
	}
}

func TestAPIAllowList(t *testing.T) {
	app := newTestApp(t)
	_, elsewhere := app.mintGuarded("elsewhere", apitoken.GuardInput{AllowedIPs: []string{"10.0.0.0/8", "2001:db8::/32"}})
	_, here := app.mintGuarded("here", apitoken.GuardInput{AllowedIPs: []string{"192.0.2.0/24", "127.0.0.1"}})
	plain := app.mintKey("plain", "read-only", "7")

	r := app.apiFrom("/api/articles", elsewhere)
	wantAPIError(t, "outside the list", r, http.StatusForbidden, "ForbiddenError", "This token cannot be used from this address")
	if r.header.Get("RateLimit") != "" {
		t.Errorf("a key without a rate limit got RateLimit %q", r.header.Get("RateLimit"))
	}
	// X-Forwarded-For from a proxy nobody trusts is ignored.
	r = app.apiFrom("/api/articles", elsewhere, "X-Forwarded-For", "10.1.2.3", "X-Real-IP", "10.1.2.3")
	wantAPIError(t, "forged X-Forwarded-For", r, http.StatusForbidden, "ForbiddenError", "This token cannot be used from this address")
	if r := app.apiFrom("/api/articles", here); r.status != http.StatusOK {
		t.Errorf("inside the list: %d %s", r.status, r.raw)
	}
	if r := app.apiFrom("/api/articles", plain, "X-Forwarded-For", "203.0.113.9"); r.status != http.StatusOK {
		t.Errorf("no list: %d", r.status)
	}
	// The refused attempt is counted against the token.
	tok, _ := app.store.TokenByHash(context.Background(), app.hasher.Hash(elsewhere))
	if err := app.usage.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	usage, err := app.store.TokensUsage(context.Background(), []int64{tok.ID}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if u := usage[tok.ID]; len(u) != 1 || u[0].Blocked != 2 || u[0].Total() != 2 {
		t.Errorf("usage of the refused key: %+v, want 2 blocked", u)
	}
}

func TestAPIAllowListBehindTrustedProxy(t *testing.T) {
	_, loopback, _ := net.ParseCIDR("127.0.0.0/8")
	app := newTestAppWith(t, dbtest.SQLite(t), func(o *Options) { o.TrustedProxies = []*net.IPNet{loopback} })
	_, key := app.mintGuarded("office", apitoken.GuardInput{AllowedIPs: []string{"203.0.113.0/24"}})
	if r := app.apiFrom("/api/articles", key, "X-Forwarded-For", "203.0.113.9"); r.status != http.StatusOK {
		t.Errorf("client in the list through the trusted proxy: %d %s", r.status, r.raw)
	}
	// The proxy's own address is not the client's.
	if r := app.apiFrom("/api/articles", key); r.status != http.StatusForbidden {
		t.Errorf("no X-Forwarded-For: %d, want 403", r.status)
	}
	// A client cannot prepend an address of its choice: the proxy appends
	// the real one, which is what counts.
	if r := app.apiFrom("/api/articles", key, "X-Forwarded-For", "203.0.113.9, 198.51.100.1"); r.status != http.StatusForbidden {
		t.Errorf("spoofed first hop: %d, want 403", r.status)
	}
	if r := app.apiFrom("/api/articles", key, "X-Forwarded-For", "garbage"); r.status != http.StatusForbidden {
		t.Errorf("unparsable client address: %d, want 403", r.status)
	}
}

func TestAPIRateLimit(t *testing.T) {
	app := newTestApp(t)
	_, key := app.mintGuarded("limited", apitoken.GuardInput{RateLimit: "2/m"})
	for i, want := range []string{`"token";r=1;t=30`, `"token";r=0;t=60`} {
		r := app.apiFrom("/api/articles", key)
		if r.status != http.StatusOK {
			t.Fatalf("request %d: %d", i+1, r.status)
		}
		if got := r.header.Get("RateLimit-Policy"); got != `"token";q=2;w=60` {
			t.Errorf("request %d: RateLimit-Policy %q", i+1, got)
		}
		if got := r.header.Get("RateLimit"); got != want {
			t.Errorf("request %d: RateLimit %q, want %q", i+1, got, want)
		}
	}
	r := app.apiFrom("/api/articles", key)
	wantAPIError(t, "over the limit", r, http.StatusTooManyRequests, "RateLimitError", "Too many requests")
	if got := r.header.Get("Retry-After"); got != "30" {
		t.Errorf("Retry-After: %q, want 30", got)
	}
	if got := r.header.Get("RateLimit"); got != `"token";r=0;t=60` || r.header.Get("RateLimit-Policy") == "" {
		t.Errorf("429 headers: RateLimit %q", got)
	}
	app.advance(30 * time.Second)
	// Every answer of a limited key carries the headers: a 404 too.
	r = app.apiFrom("/api/articles/nope", key)
	if r.status != http.StatusNotFound || r.header.Get("RateLimit") != `"token";r=0;t=60` || r.header.Get("RateLimit-Policy") == "" {
		t.Errorf("after 30 s: %d RateLimit %q", r.status, r.header.Get("RateLimit"))
	}
	// A key without a rate limit has no such headers.
	plain := app.mintKey("plain", "read-only", "7")
	if r := app.apiFrom("/api/articles", plain); r.header.Get("RateLimit") != "" || r.header.Get("RateLimit-Policy") != "" {
		t.Errorf("plain key: RateLimit %q", r.header.Get("RateLimit"))
	}
}

// Abuse: a burst of parallel requests gets exactly the burst through.
func TestAPIRateLimitParallelBurst(t *testing.T) {
	app := newTestApp(t)
	_, key := app.mintGuarded("burst", apitoken.GuardInput{RateLimit: "5/m"})
	var mu sync.Mutex
	statuses := map[int]int{}
	var wg sync.WaitGroup
	for range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := app.apiFrom("/api/articles", key)
			mu.Lock()
			statuses[r.status]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if statuses[200] != 5 || statuses[429] != 35 {
		t.Errorf("40 parallel requests at 5/m: %v, want 5×200 and 35×429", statuses)
	}
}

func TestAPIExpiredLimitedKeyCarriesHeaders(t *testing.T) {
	app := newTestApp(t)
	tok, key, _, _ := app.tokens.Create(context.Background(), testActor, apitoken.Input{
		Name: "short", Type: "read-only", Duration: "7", GuardInput: apitoken.GuardInput{RateLimit: "10/s"}})
	app.advance(8 * 24 * time.Hour)
	r := app.apiFrom("/api/articles", key)
	wantAPIError(t, "expired", r, http.StatusUnauthorized, "UnauthorizedError", "Token expired")
	if r.header.Get("RateLimit-Policy") != `"token";q=10;w=1` || r.header.Get("RateLimit") != `"token";r=10;t=0` {
		t.Errorf("expired limited key: policy %q, RateLimit %q", r.header.Get("RateLimit-Policy"), r.header.Get("RateLimit"))
	}
	app.usage.Flush(context.Background())
	u, _ := app.store.TokensUsage(context.Background(), []int64{tok.ID}, 0)
	if len(u[tok.ID]) != 1 || u[tok.ID][0].Refused != 1 {
		t.Errorf("usage: %+v, want 1 refused", u[tok.ID])
	}
}

func TestAPIQuota(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		app := newTestAppWithStore(t, d)
		// Noon, so that midnight is a known distance away.
		app.mu.Lock()
		app.clock = time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
		app.mu.Unlock()
		_, key := app.mintGuarded("metered", apitoken.GuardInput{Quota: "3", QuotaRefill: "daily"})
		self := app.api("GET", "/api/token", "Bearer "+key, "")
		q := self.body["data"].(map[string]any)["quota"].(map[string]any)
		if q["limit"] != 3.0 || q["remaining"] != 2.0 || q["refill"] != "daily" {
			t.Errorf("GET /api/token quota: %v, want 3, 2 remaining (this request spent one), daily", q)
		}
		for i := 0; i < 2; i++ {
			if r := app.apiFrom("/api/articles", key); r.status != http.StatusOK {
				t.Fatalf("request %d: %d", i+2, r.status)
			}
		}
		r := app.apiFrom("/api/articles", key)
		wantAPIError(t, "quota spent", r, http.StatusTooManyRequests, "RateLimitError", "Quota exhausted")
		if got := r.header.Get("Retry-After"); got != "43200" {
			t.Errorf("Retry-After: %q, want 43200 (midnight UTC)", got)
		}
		// Spent is written with the batch, and survives the instance: a
		// new recorder (a restart) still refuses.
		if err := app.usage.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		restarted := newTestAppWithStore(t, d)
		restarted.mu.Lock()
		restarted.clock = app.now()
		restarted.mu.Unlock()
		if r := restarted.apiFrom("/api/articles", key); r.status != http.StatusTooManyRequests {
			t.Errorf("after a restart: %d, want 429", r.status)
		}
		app.advance(12 * time.Hour)
		if r := app.apiFrom("/api/articles", key); r.status != http.StatusOK {
			t.Errorf("after the daily refill: %d", r.status)
		}
	})
}

func TestAPISelfDescription(t *testing.T) {
	app := newTestApp(t)
	tok, key := app.mintGuarded("described", apitoken.GuardInput{AllowedIPs: []string{"127.0.0.0/8", "::1"}, RateLimit: "100/s"})
	r := app.api("GET", "/api/token", "Bearer "+key, "")
	if r.status != http.StatusOK {
		t.Fatalf("GET /api/token: %d %s", r.status, r.raw)
	}
	data := r.body["data"].(map[string]any)
	if data["id"] != float64(tok.ID) || data["name"] != "described" || data["type"] != "full-access" || data["paused"] != false {
		t.Errorf("data: %v", data)
	}
	if ips := data["allowedIps"].([]any); len(ips) != 2 || ips[0] != "127.0.0.0/8" || ips[1] != "::1/128" {
		t.Errorf("allowedIps: %v", ips)
	}
	if rl := data["rateLimit"].(map[string]any); rl["limit"] != 100.0 || rl["window"] != "second" || rl["value"] != "100/s" {
		t.Errorf("rateLimit: %v", rl)
	}
	if data["quota"] != nil || data["expiresAt"] != nil {
		t.Errorf("quota %v, expiresAt %v: want null", data["quota"], data["expiresAt"])
	}
	for _, secret := range []string{key, app.hasher.Hash(key), "access_key_hash", "hash"} {
		if strings.Contains(r.raw, secret) {
			t.Errorf("GET /api/token reveals %q", secret)
		}
	}
	plain := app.mintKey("plain", "read-only", "7")
	if r := app.api("GET", "/api/token", "Bearer "+plain, ""); r.status != 200 || r.body["data"].(map[string]any)["rateLimit"] != nil ||
		len(r.body["data"].(map[string]any)["allowedIps"].([]any)) != 0 {
		t.Errorf("plain key: %d %s", r.status, r.raw)
	}
	wantAPIError(t, "bad key", app.api("GET", "/api/token", "Bearer tka_nope", ""), 401, "UnauthorizedError", "Missing or invalid credentials")
	wantAPIError(t, "no key", app.api("GET", "/api/token", "", ""), 401, "UnauthorizedError", "Missing or invalid credentials")
}

func TestAPIUsageCountedByOutcome(t *testing.T) {
	app := newTestApp(t)
	tok, key, _, _ := app.tokens.Create(context.Background(), testActor, apitoken.Input{
		Name: "counted", Type: "read-only", Duration: "7", GuardInput: apitoken.GuardInput{RateLimit: "4/m"}})
	app.api("GET", "/api/articles", "Bearer "+key, "")                        // ok
	app.api("GET", "/api/articles/none", "Bearer "+key, "")                   // 404: other
	app.api("POST", "/api/articles", "Bearer "+key, `{"data":{"title":"x"}}`) // 403: refused
	app.api("GET", "/api/articles?filters[nope][$eq]=1", "Bearer "+key, "")   // 400: other
	app.api("GET", "/api/articles", "Bearer "+key, "")                        // 429: limited
	if err := app.usage.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	u, err := app.store.TokensUsage(context.Background(), []int64{tok.ID}, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := apitoken.Counts{OK: 1, Refused: 1, Limited: 1, Other: 2}
	if len(u[tok.ID]) != 1 || u[tok.ID][0].Counts != want || u[tok.ID][0].Day != apitoken.Day(app.now()) {
		t.Errorf("usage: %+v, want today %+v", u[tok.ID], want)
	}
}
