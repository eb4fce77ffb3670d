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
