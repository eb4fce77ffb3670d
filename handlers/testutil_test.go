package handlers

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/tokenadmin/tokenadmin/access"
	"github.com/tokenadmin/tokenadmin/account"
	"github.com/tokenadmin/tokenadmin/apitoken"
	"github.com/tokenadmin/tokenadmin/audit"
	"github.com/tokenadmin/tokenadmin/content"
	"github.com/tokenadmin/tokenadmin/db"
	"github.com/tokenadmin/tokenadmin/db/dbtest"
)

// testApp is a running server on a fresh SQLite database with a clock the
// test can move.
type testApp struct {
	t     *testing.T
	srv   *httptest.Server
	store *db.DB
	logs  *syncBuffer

	tokens    *apitoken.Service
	hasher    *apitoken.Hasher
	usage     *apitoken.UsageRecorder
	passwords *account.Passwords

	mu    sync.Mutex
	clock time.Time
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newTestApp(t *testing.T) *testApp {
	t.Helper()
	return newTestAppWithStore(t, dbtest.SQLite(t))
}

func newTestAppWithStore(t *testing.T, store *db.DB) *testApp {
	t.Helper()
	return newTestAppWith(t, store, nil)
}

// newTestAppWith is newTestAppWithStore with the server's options changed
// by opt before it starts.
func newTestAppWith(t *testing.T, store *db.DB, opt func(*Options)) *testApp {
	t.Helper()
	a := &testApp{t: t, store: store, logs: &syncBuffer{}, clock: time.Now().UTC()}
	registry := content.Default()
	if err := store.SyncContentTypes(context.Background(), registry.Types()); err != nil {
		t.Fatal(err)
	}
	a.hasher = apitoken.NewHasher([]byte("token-hash-key-token-hash-key-32"))
	a.tokens = apitoken.NewService(store, a.hasher, registry.KnownAction, a.now)
	a.usage = apitoken.NewUsageRecorder(store)
	// As in production: verification goes through the cache, and the
	// service's changes invalidate it.
	cache, err := apitoken.NewCachedLookup(store, 1000)
	if err != nil {
		t.Fatal(err)
	}
	a.tokens.Revoked = cache.Invalidate
	a.passwords = account.NewPasswords(2)
	o := Options{
		Store:          store,
		Tokens:         a.tokens,
		Registry:       registry,
		Verifier:       apitoken.NewVerifier(cache, a.hasher, a.usage, a.now),
		Guardrails:     apitoken.NewGuard(nil, a.usage, a.now),
		Entries:        store,
		Logger:         slog.New(slog.NewTextHandler(a.logs, nil)),
		SessionAuthKey: []byte("0123456789abcdef0123456789abcdef"),
		SessionEncKey:  []byte("fedcba9876543210fedcba9876543210"),
		Now:            a.now,
		Passwords:      a.passwords,
	}
	if opt != nil {
		opt(&o)
	}
	a.srv = httptest.NewServer(NewServer(o))
	t.Cleanup(a.srv.Close)
	return a
}

func (a *testApp) now() time.Time {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.clock
}

func (a *testApp) advance(d time.Duration) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.clock = a.clock.Add(d)
}

// client is one browser: its own cookie jar, never following redirects so
// tests can assert them.
type client struct {
	app *testApp
	hc  *http.Client
	// token is the CSRF token of the last page this browser was shown;
	// "" once it may have changed (sign-in, sign-out).
	mu    sync.Mutex
	token string
}

func (a *testApp) newClient() *client {
	jar, _ := cookiejar.New(nil)
	return &client{app: a, hc: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// response is a finished response with its body read.
type response struct {
	*http.Response
	body string
}

// doc parses the body. A table-row fragment is parsed inside a table, as
// htmx does, since the HTML parser drops rows met outside one; <template>
// contents are parsed as ordinary children so tests can see them.
func (r response) doc(t *testing.T) *goquery.Document {
	t.Helper()
	body := r.body
	if strings.HasPrefix(body, "<tr") {
		body = "<table><tbody>" + body + "</tbody></table>"
	}
	body = strings.NewReplacer("<template>", "<div data-template>", "</template>", "</div>").Replace(body)
	d, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		t.Fatalf("parse HTML: %v", err)
	}
	return d
}

// csrfInRE finds the CSRF token in a page: the hidden form field, or
// htmx's header settings on <body>.
var csrfInRE = regexp.MustCompile(`name="_csrf" value="([^"]+)"|X-CSRF-Token&#34;:&#34;([^&]+)&#34;`)

func (c *client) do(req *http.Request) response {
	c.app.t.Helper()
	res, err := c.hc.Do(req)
	if err != nil {
		c.app.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	c.mu.Lock()
	defer c.mu.Unlock()
	if m := csrfInRE.FindSubmatch(b); m != nil {
		c.token = string(m[1]) + string(m[2])
	}
	switch req.URL.Path {
	case "/admin/login", "/admin/register", "/admin/logout":
		if req.Method == http.MethodPost && res.StatusCode == http.StatusSeeOther {
			c.token = ""
		}
	}
	return response{res, string(b)}
}

func (c *client) get(path string, headers ...string) response {
	c.app.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.app.srv.URL+path, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return c.do(req)
}

// csrf returns the CSRF token of this browser's session, as its pages
// show it, fetching a page first when it has none yet.
func (c *client) csrf() string {
	c.app.t.Helper()
	if c.currentToken() == "" {
		if res := c.get("/admin/login"); c.currentToken() == "" && res.StatusCode == http.StatusSeeOther {
			c.get(res.Header.Get("Location"))
		}
	}
	tok := c.currentToken()
	if tok == "" {
		c.app.t.Fatal("no CSRF token on any page")
	}
	return tok
}

func (c *client) currentToken() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.token
}

// post submits a form with the CSRF token, as the browser's form would.
func (c *client) post(path string, form url.Values, headers ...string) response {
	c.app.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["_csrf"]; !ok {
		form.Set("_csrf", c.csrf())
	}
	return c.postRaw(path, form, headers...)
}

// postRaw submits exactly form, without adding a CSRF token.
func (c *client) postRaw(path string, form url.Values, headers ...string) response {
	c.app.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, c.app.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return c.do(req)
}

func (c *client) cookie(name string) string {
	u, _ := url.Parse(c.app.srv.URL + "/admin/")
	for _, ck := range c.hc.Jar.Cookies(u) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}

const testPassword = "correct horse battery"

// testActor makes the changes tests seed through the services, as the
// command line would.
var testActor = audit.CLI("test")

// seedAdmin creates an admin with the given role straight in the store.
func (a *testApp) seedAdmin(email, roleSlug string) access.Admin {
	a.t.Helper()
	ctx := context.Background()
	role, err := a.store.RoleBySlug(ctx, roleSlug)
	if err != nil {
		a.t.Fatalf("role %s: %v", roleSlug, err)
	}
	hash, err := account.HashPassword(testPassword)
	if err != nil {
		a.t.Fatal(err)
	}
	in := account.NewAdmin{Email: email, Name: strings.Split(email, "@")[0], Password: testPassword}
	var admin access.Admin
	if n, _ := a.store.CountAdmins(ctx); n == 0 && roleSlug == access.SuperAdmin {
		admin, err = a.store.CreateFirstAdmin(ctx, in, hash, dbtest.AdminChange())
	} else {
		admin, err = a.store.CreateAdmin(ctx, in, hash, role.ID, dbtest.AdminChange())
	}
	if err != nil {
		a.t.Fatalf("create admin %s: %v", email, err)
	}
	return admin
}

// login signs a new browser in as email and returns it.
func (a *testApp) login(email string) *client {
	a.t.Helper()
	c := a.newClient()
	res := c.post("/admin/login", url.Values{"email": {email}, "password": {testPassword}})
	if res.StatusCode != http.StatusSeeOther {
		a.t.Fatalf("login %s: got %d, want 303\n%s", email, res.StatusCode, res.body)
	}
	return c
}

func wantStatus(t *testing.T, res response, want int) {
	t.Helper()
	if res.StatusCode != want {
		body := res.body
		if len(body) > 600 {
			body = body[:600] + "…"
		}
		t.Fatalf("%s %s: got status %d, want %d\n%s", res.Request.Method, res.Request.URL.Path, res.StatusCode, want, body)
	}
}

func wantRedirect(t *testing.T, res response, want string) {
	t.Helper()
	wantStatus(t, res, http.StatusSeeOther)
	if got := res.Header.Get("Location"); got != want {
		t.Fatalf("%s %s: redirected to %q, want %q", res.Request.Method, res.Request.URL.Path, got, want)
	}
}
