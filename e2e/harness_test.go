// Package e2e drives the whole admin app in headless Chromium: a real
// server on a fresh SQLite database, a real browser, assertions through the
// DOM and, where it matters, the store.
//
// Run with TOKENADMIN_REQUIRE_BROWSER=1 go test ./e2e/ so that a missing
// Chromium fails instead of skipping.
package e2e

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/tokenadmin/tokenadmin/access"
	"github.com/tokenadmin/tokenadmin/account"
	"github.com/tokenadmin/tokenadmin/apitoken"
	"github.com/tokenadmin/tokenadmin/audit"
	"github.com/tokenadmin/tokenadmin/browsertest"
	"github.com/tokenadmin/tokenadmin/content"
	"github.com/tokenadmin/tokenadmin/db"
	"github.com/tokenadmin/tokenadmin/db/dbtest"
	"github.com/tokenadmin/tokenadmin/handlers"
)

// password is what seeded admins sign in with.
const password = "correct horse battery"

// tokensURL is the API Tokens list.
const tokensURL = "/admin/settings/api-tokens"

// app is one test's server, store and browser tab.
type app struct {
	t      *testing.T
	srv    *httptest.Server
	store  *db.DB
	tokens *apitoken.Service
	hasher *apitoken.Hasher
	ctx    context.Context // the browser tab
	skew   *atomic.Int64   // how far the server's clock is ahead of the real one, in ns
}

// advance moves the server's clock forward by d.
func (a *app) advance(d time.Duration) { a.skew.Add(int64(d)) }

// logBuffer collects the server's log, shown only when the test fails.
type logBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// newApp starts a server on a fresh SQLite database and a browser for t.
// Both stop when t ends.
func newApp(t *testing.T) *app {
	t.Helper()
	return newAppWith(t, nil)
}

// newAppWith is newApp with the server's options changed by opt.
func newAppWith(t *testing.T, opt func(*handlers.Options)) *app {
	t.Helper()
	store := dbtest.SQLite(t)
	registry := content.Default()
	hasher := apitoken.NewHasher([]byte("e2e-token-hash-key-e2e-token-key"))
	skew := &atomic.Int64{}
	now := func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }
	tokens := apitoken.NewService(store, hasher, registry.KnownAction, now)
	logs := &logBuffer{}
	o := handlers.Options{
		Store:          store,
		Tokens:         tokens,
		Registry:       registry,
		Logger:         slog.New(slog.NewTextHandler(logs, nil)),
		SessionAuthKey: []byte("e2e-session-auth-key-0123456789a"),
		SessionEncKey:  []byte("e2e-session-enc-key-0123456789ab"),
		Now:            now,
	}
	if opt != nil {
		opt(&o)
	}
	e := handlers.NewServer(o)
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server log:\n%s", logs.String())
		}
	})
	return &app{t: t, srv: srv, store: store, tokens: tokens, hasher: hasher, ctx: browsertest.New(t), skew: skew}
}

// url is path on the test server.
func (a *app) url(path string) string { return a.srv.URL + path }

// run runs browser actions, failing the test on the first error.
func (a *app) run(actions ...chromedp.Action) {
	a.t.Helper()
	browsertest.Run(a.t, a.ctx, actions...)
}

// shot saves a screenshot of the page as it is now.
func (a *app) shot(name string) {
	a.t.Helper()
	browsertest.Screenshot(a.t, a.ctx, name)
}

// open navigates to path and waits for sel.
func (a *app) open(path, sel string) {
	a.t.Helper()
	a.run(chromedp.Navigate(a.url(path)), chromedp.WaitVisible(sel, chromedp.ByQuery))
}

// eval evaluates a JavaScript expression in the page into res.
func (a *app) eval(expr string, res any) {
	a.t.Helper()
	a.run(chromedp.Evaluate(expr, res))
}

// isTrue evaluates a JavaScript boolean expression.
func (a *app) isTrue(expr string) bool {
	a.t.Helper()
	var ok bool
	a.eval(expr, &ok)
	return ok
}

// waitTrue waits until a JavaScript expression is truthy.
func (a *app) waitTrue(what, expr string) {
	a.t.Helper()
	runCtx, cancel := context.WithTimeout(a.ctx, browsertest.ActionTimeout)
	defer cancel()
	if err := chromedp.Run(runCtx, chromedp.Poll(expr, nil, chromedp.WithPollingInterval(25*time.Millisecond))); err != nil {
		a.t.Fatalf("waiting for %s (%s): %v", what, expr, err)
	}
}

// path is the page's location.pathname.
func (a *app) path() string {
	a.t.Helper()
	var p string
	a.eval(`location.pathname`, &p)
	return p
}

// waitPath waits until the page's path is want.
func (a *app) waitPath(want string) {
	a.t.Helper()
	a.waitTrue("path "+want, fmt.Sprintf(`location.pathname === %q`, want))
}

// text is the trimmed text content of the first element matching sel.
func (a *app) text(sel string) string {
	a.t.Helper()
	var s string
	a.eval(fmt.Sprintf(`(document.querySelector(%q) || {textContent: ""}).textContent.trim()`, sel), &s)
	return s
}

// value is the value of the form control matching sel.
func (a *app) value(sel string) string {
	a.t.Helper()
	var s string
	a.run(chromedp.Value(sel, &s, chromedp.ByQuery))
	return s
}

// count is how many elements match sel.
func (a *app) count(sel string) int {
	a.t.Helper()
	var n int
	a.eval(fmt.Sprintf(`document.querySelectorAll(%q).length`, sel), &n)
	return n
}

// checked reports whether the checkbox matching sel is ticked.
func (a *app) checked(sel string) bool {
	a.t.Helper()
	return a.isTrue(fmt.Sprintf(`document.querySelector(%q).checked`, sel))
}

// pick chooses value in the <select> matching sel and fires change, as
// choosing it with the mouse would.
func (a *app) pick(sel, value string) {
	a.t.Helper()
	a.run(
		chromedp.SetValue(sel, value, chromedp.ByQuery),
		chromedp.Evaluate(fmt.Sprintf(`document.querySelector(%q).dispatchEvent(new Event('change', {bubbles: true}))`, sel), nil),
	)
	if got := a.value(sel); got != value {
		a.t.Fatalf("%s: value %q after choosing %q (no such option?)", sel, got, value)
	}
}

// setValue sets the value of the form control matching sel from script:
// no key events, so maxlength does not apply. (chromedp.SetValue refuses
// an empty value.)
func (a *app) setValue(sel, value string) {
	a.t.Helper()
	a.run(
		chromedp.WaitVisible(sel, chromedp.ByQuery),
		chromedp.Evaluate(fmt.Sprintf(`document.querySelector(%q).value = %q`, sel, value), nil),
	)
}

// fill replaces the text of the input matching sel by typing value.
func (a *app) fill(sel, value string) {
	a.t.Helper()
	a.setValue(sel, "")
	a.run(chromedp.SendKeys(sel, value, chromedp.ByQuery))
}

// waitFlash waits for a flash message containing substr.
func (a *app) waitFlash(substr string) {
	a.t.Helper()
	a.waitTrue("flash "+substr, fmt.Sprintf(
		`[...document.querySelectorAll('[data-testid="flash"]')].some(e => e.offsetParent !== null && e.textContent.includes(%q))`, substr))
}

// register fills and submits the first-admin sign-up form.
func (a *app) register(name, email, pw string) {
	a.t.Helper()
	a.run(chromedp.WaitVisible(`[data-testid="register-form"]`, chromedp.ByQuery))
	a.fill(`#field-name`, name)
	a.fill(`#field-email`, email)
	a.fill(`#field-password`, pw)
	a.run(chromedp.Click(`[data-testid="register-form"] button[type="submit"]`, chromedp.ByQuery))
}

// login signs in through the login form and waits for the admin shell.
func (a *app) login(email, pw string) {
	a.t.Helper()
	a.open("/admin/login", `[data-testid="login-form"]`)
	a.run(
		chromedp.SendKeys(`#field-email`, email, chromedp.ByQuery),
		chromedp.SendKeys(`#field-password`, pw, chromedp.ByQuery),
		chromedp.Click(`[data-testid="login-form"] button[type="submit"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="admin-shell"]`, chromedp.ByQuery),
	)
}

// logout clicks Sign out and waits for the login page.
func (a *app) logout() {
	a.t.Helper()
	a.run(
		chromedp.Click(`[data-testid="logout"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="login-page"]`, chromedp.ByQuery),
	)
}

// seedAdmin creates an admin with role roleSlug straight in the store.
func (a *app) seedAdmin(name, email, roleSlug string) access.Admin {
	a.t.Helper()
	ctx := context.Background()
	hash, err := account.HashPassword(password)
	if err != nil {
		a.t.Fatal(err)
	}
	in := account.NewAdmin{Email: email, Name: name, Password: password}
	var admin access.Admin
	if roleSlug == access.SuperAdmin {
		if n, _ := a.store.CountAdmins(ctx); n == 0 {
			admin, err = a.store.CreateFirstAdmin(ctx, in, hash, dbtest.AdminChange())
			if err != nil {
				a.t.Fatalf("create admin %s: %v", email, err)
			}
			return admin
		}
	}
	role, err := a.store.RoleBySlug(ctx, roleSlug)
	if err != nil {
		a.t.Fatalf("role %s: %v", roleSlug, err)
	}
	admin, err = a.store.CreateAdmin(ctx, in, hash, role.ID, dbtest.AdminChange())
	if err != nil {
		a.t.Fatalf("create admin %s: %v", email, err)
	}
	return admin
}

// signInAsSuperAdmin seeds a super admin and signs the browser in as it.
func (a *app) signInAsSuperAdmin() access.Admin {
	a.t.Helper()
	admin := a.seedAdmin("Ada Admin", "ada@example.com", access.SuperAdmin)
	a.login("ada@example.com", password)
	return admin
}

// seedToken creates a token through the service and returns it with its
// key.
func (a *app) seedToken(name string, typ apitoken.Type, perms ...string) (apitoken.Token, string) {
	a.t.Helper()
	tok, key, errs, err := a.tokens.Create(context.Background(), audit.CLI("e2e"), apitoken.Input{
		Name: name, Type: string(typ), Duration: string(apitoken.Days30), Permissions: perms,
	})
	if err != nil || !errs.Valid() {
		a.t.Fatalf("seed token %q: %v %v", name, err, errs)
	}
	return tok, key
}

// storedToken reads a token from the store.
func (a *app) storedToken(id int64) apitoken.Token {
	a.t.Helper()
	tok, err := a.store.TokenByID(context.Background(), id)
	if err != nil {
		a.t.Fatalf("token %d: %v", id, err)
	}
	return tok
}

// tokenGone asserts the store has no token id.
func (a *app) tokenGone(id int64) {
	a.t.Helper()
	if _, err := a.store.TokenByID(context.Background(), id); !errors.Is(err, apitoken.ErrNotFound) {
		a.t.Fatalf("token %d: got err %v, want apitoken.ErrNotFound", id, err)
	}
}

// tokenCount is how many tokens the store holds.
func (a *app) tokenCount() int {
	a.t.Helper()
	_, total, err := a.store.Tokens(context.Background(), apitoken.ListQuery{Sort: apitoken.SortName, Limit: 100})
	if err != nil {
		a.t.Fatal(err)
	}
	return total
}

// sub is a for subtest t: same server and browser, t's name on
// screenshots and failures.
func (a *app) sub(t *testing.T) *app {
	c := *a
	c.t = t
	return &c
}

// awaitPromise makes chromedp.Evaluate wait for a promise's value.
func awaitPromise(p *runtime.EvaluateParams) *runtime.EvaluateParams {
	return p.WithAwaitPromise(true)
}

// attr is the value of attribute name on the first element matching sel,
// or "" when either is missing.
func (a *app) attr(sel, name string) string {
	a.t.Helper()
	var s string
	a.eval(fmt.Sprintf(`(document.querySelector(%q) || {getAttribute: () => ""}).getAttribute(%q) || ""`, sel, name), &s)
	return s
}
