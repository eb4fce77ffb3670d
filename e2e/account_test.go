package e2e

import (
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/chromedp/chromedp"
)

// otherBrowser signs in over plain HTTP, as a second device would, and
// returns a client holding that session.
func (a *app) otherBrowser(email string) *http.Client {
	a.t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Get(a.url("/admin/login"))
	if err != nil {
		a.t.Fatal(err)
	}
	doc, _ := goquery.NewDocumentFromReader(res.Body)
	res.Body.Close()
	csrf, _ := doc.Find(`input[name="_csrf"]`).Attr("value")
	res, err = c.PostForm(a.url("/admin/login"), url.Values{"_csrf": {csrf}, "email": {email}, "password": {password}})
	if err != nil || res.StatusCode != http.StatusSeeOther {
		a.t.Fatalf("second device sign-in: %v %v", err, res)
	}
	res.Body.Close()
	return c
}

func TestSignOutEverywhereElse(t *testing.T) {
	a := newApp(t)
	a.signInAsSuperAdmin()
	phone := a.otherBrowser("ada@example.com")

	a.run(chromedp.Click(`[data-testid="current-admin"]`, chromedp.ByQuery), chromedp.WaitVisible(`[data-testid="sessions"]`, chromedp.ByQuery))
	a.waitPath("/admin/account")
	if n := a.count(`[data-testid="session-row"]`); n != 2 {
		t.Fatalf("sessions listed: %d, want 2", n)
	}
	a.shot("sessions")
	a.run(chromedp.Click(`[data-testid="sign-out-everywhere"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="flash"]`, chromedp.ByQuery))
	if got := a.text(`[data-testid="flash"]`); !strings.Contains(got, "signed out") {
		t.Errorf("flash %q", got)
	}
	a.shot("signed-out-elsewhere")
	if n := a.count(`[data-testid="session-row"]`); n != 1 {
		t.Errorf("sessions after signing out everywhere else: %d", n)
	}
	res, err := phone.Get(a.url("/admin/settings/roles"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/admin/login") {
		t.Errorf("the other device still signed in: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	// This browser stays signed in.
	a.open("/admin/settings/roles", `[data-testid="roles-table"]`)
}

func TestAuditLogFilters(t *testing.T) {
	a := newApp(t)
	a.signInAsSuperAdmin()
	a.openCreateForm()
	a.fill(nameInput, "Audited")
	a.pick(typeSelect, "read-only")
	a.saveAndReveal()

	a.open("/admin/settings/audit-logs", `[data-testid="audit-table"]`)
	if n := a.count(`[data-testid="audit-row"]`); n < 2 {
		t.Fatalf("audit rows: %d, want the sign-in and the create", n)
	}
	a.pick(`select[name="action"]`, "token.create")
	a.run(chromedp.Submit(`select[name="action"]`, chromedp.ByQuery), chromedp.WaitVisible(`[data-testid="audit-table"]`, chromedp.ByQuery))
	a.waitTrue("filtered", `location.search.includes('action=token.create')`)
	a.shot("filtered")
	if n := a.count(`[data-testid="audit-row"]`); n != 1 {
		t.Errorf("rows for token.create: %d, want 1", n)
	}
	if txt := a.text(`[data-testid="audit-row"]`); !strings.Contains(txt, "Audited") || strings.Contains(txt, "tka_") {
		t.Errorf("row: %q", txt)
	}
}
