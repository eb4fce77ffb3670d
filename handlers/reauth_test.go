package handlers

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tokenadmin/tokenadmin/apitoken"
	"github.com/tokenadmin/tokenadmin/audit"
)

// auditCount counts the audit rows of one action.
func (a *testApp) auditCount(action string) int {
	a.t.Helper()
	_, n, err := a.store.AuditEvents(context.Background(), audit.Query{Action: action, Limit: 1})
	if err != nil {
		a.t.Fatal(err)
	}
	return n
}

// TestPasswordPromptIsThrottledAndAudited: the password asked again
// before a risky change is a password guess like any other: counted
// before it is checked, throttled with sign-in's limits, and recorded
// in the audit log whether right or wrong.
func TestPasswordPromptIsThrottledAndAudited(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("ada@example.com", "super-admin")
	c := app.login("ada@example.com")
	app.advance(16 * time.Minute)
	checks := app.passwords.Stats().Checks

	f := tokenForm("Stale", "full-access", "7")
	f.Set("current_password", "not my password")
	for i := range DefaultThrottle.Pair.Free {
		res := c.post("/admin/settings/api-tokens", f)
		wantStatus(t, res, http.StatusUnprocessableEntity)
		if got := res.doc(t).Find(`[data-testid="field-error"][data-field="current_password"]`).Text(); !strings.Contains(got, "Wrong password") {
			t.Fatalf("wrong password %d: field error %q", i+1, got)
		}
	}
	// The next failure costs a wait, and the prompt says so.
	res := c.post("/admin/settings/api-tokens", f)
	wantStatus(t, res, http.StatusTooManyRequests)
	if res.Header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	// During the wait even the right password is refused unchecked.
	f.Set("current_password", testPassword)
	res = c.post("/admin/settings/api-tokens", f)
	wantStatus(t, res, http.StatusTooManyRequests)
	if got := res.doc(t).Find(`[data-testid="field-error"][data-field="current_password"]`).Text(); !strings.Contains(got, "Too many") {
		t.Errorf("throttled prompt says %q", got)
	}
	if got, want := app.passwords.Stats().Checks-checks, int64(DefaultThrottle.Pair.Free+1); got != want {
		t.Errorf("%d passwords checked, want %d", got, want)
	}
	if got, want := app.auditCount(audit.ReauthFailed), DefaultThrottle.Pair.Free+1; got != want {
		t.Errorf("%d failed prompts in the audit log, want %d", got, want)
	}
	if _, total, _ := app.store.Tokens(context.Background(), apitoken.ListQuery{}); total != 0 {
		t.Fatalf("%d tokens created by refused prompts", total)
	}

	app.advance(time.Minute)
	createToken(t, c, f)
	if got := app.auditCount(audit.Reauth); got != 1 {
		t.Errorf("%d right answers in the audit log, want 1", got)
	}
}

// TestPasswordPromptWhenBusy: with every hashing slot taken the prompt
// answers 503 at once and nothing is created or counted.
func TestPasswordPromptWhenBusy(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("ada@example.com", "super-admin")
	c := app.login("ada@example.com")
	app.advance(16 * time.Minute)
	a, _ := app.passwords.Slot()
	b, _ := app.passwords.Slot()
	f := tokenForm("Busy", "full-access", "7")
	f.Set("current_password", testPassword)
	res := c.post("/admin/settings/api-tokens", f)
	wantStatus(t, res, http.StatusServiceUnavailable)
	if got, _ := res.doc(t).Find(`input[name="name"]`).Attr("value"); got != "Busy" {
		t.Errorf("input lost on 503: %q", got)
	}
	a.Release()
	b.Release()
	createToken(t, c, f)
}

// TestWritePowerNeedsRecentPassword: not only full access but any change
// that lets a key write what it could not (a custom token with create,
// update or delete, an edit adding one) asks for the password when the
// last one was typed over 15 minutes ago; reading, narrowing and keeping
// do not.
func TestWritePowerNeedsRecentPassword(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("ada@example.com", "super-admin")
	c := app.login("ada@example.com")
	const (
		find   = "api::article.article.find"
		create = "api::article.article.create"
		del    = "api::category.category.delete"
	)
	writer, _ := createToken(t, c, tokenForm("Writer", "custom", "7", find, create))
	full, _ := createToken(t, c, tokenForm("Full", "full-access", "7"))
	reader, _ := createToken(t, c, tokenForm("Reader", "custom", "7", find))
	app.advance(16 * time.Minute)

	asks := func(res response) bool {
		t.Helper()
		if res.StatusCode != http.StatusUnprocessableEntity {
			return false
		}
		return res.doc(t).Find(`[data-testid="field-error"][data-field="current_password"]`).Length() == 1
	}
	// Create.
	if res := c.post("/admin/settings/api-tokens", tokenForm("All writes", "custom", "7", find, create, del)); !asks(res) {
		t.Fatalf("custom token with write actions created from a stale sign-in: %d", res.StatusCode)
	}
	createToken(t, c, tokenForm("Only reads", "custom", "7", find, "api::article.article.findOne"))

	// Edit.
	edit := func(id int64, typ string, perms ...string) response {
		return c.post("/admin/settings/api-tokens/"+itoa(id), tokenForm("T"+itoa(id), typ, "", perms...))
	}
	if res := edit(reader, "custom", find, del); !asks(res) {
		t.Fatalf("adding a write action without the password: %d", res.StatusCode)
	}
	if res := edit(writer, "full-access"); !asks(res) {
		t.Fatalf("switching to full access without the password: %d", res.StatusCode)
	}
	wantStatus(t, edit(writer, "custom", find, create, "api::article.article.findOne"), http.StatusSeeOther) // a read added
	wantStatus(t, edit(full, "custom", create, del), http.StatusSeeOther)                                    // narrowed
	wantStatus(t, edit(reader, "read-only"), http.StatusSeeOther)

	// Regenerate: a new key that can write asks too.
	res := c.post("/admin/settings/api-tokens/"+itoa(writer)+"/regenerate", nil)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.body, "current_password") {
		t.Fatalf("regenerating a writing token without the password: %d", res.StatusCode)
	}
	wantStatus(t, c.post("/admin/settings/api-tokens/"+itoa(reader)+"/regenerate", nil), http.StatusCreated)
	if _, total, _ := app.store.Tokens(context.Background(), apitoken.ListQuery{Search: "All writes"}); total != 0 {
		t.Fatal("a refused create stored its token")
	}
	if tok, _ := app.store.TokenByID(context.Background(), reader); tok.Type != apitoken.ReadOnly {
		t.Fatalf("reader: %+v", tok)
	}

	// With the password, all of it goes through, and the window reopens.
	f := tokenForm("All writes", "custom", "7", find, create, del)
	f.Set("current_password", testPassword)
	createToken(t, c, f)
	wantStatus(t, edit(writer, "full-access"), http.StatusSeeOther)
}
