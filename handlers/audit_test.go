package handlers

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/tokenadmin/tokenadmin/access"
	"github.com/tokenadmin/tokenadmin/apitoken"
	"github.com/tokenadmin/tokenadmin/audit"
	"github.com/tokenadmin/tokenadmin/db/dbtest"
)

// auditRows returns the audit page's rows of action.
func auditRows(doc *goquery.Document, action string) *goquery.Selection {
	return doc.Find(`[data-testid="audit-table"] [data-testid="audit-row"][data-action="` + action + `"]`)
}

// auditChange returns "before → after" of field in row, or "" without it.
func auditChange(row *goquery.Selection, field string) string {
	ch := row.Find(`[data-testid="audit-change"][data-field="` + field + `"]`)
	if ch.Length() == 0 {
		return ""
	}
	return ch.Find(`[data-testid="audit-before"]`).Text() + " → " + ch.Find(`[data-testid="audit-after"]`).Text()
}

// auditTableText is every text column of audit_events, concatenated.
func (a *testApp) auditTableText() string {
	a.t.Helper()
	var rows []string
	err := a.store.SelectContext(context.Background(), &rows,
		`SELECT actor_email || '|' || action || '|' || target_type || '|' || target_id || '|' || target_name || '|' || changes || '|' || ip || '|' || user_agent FROM audit_events`)
	if err != nil {
		a.t.Fatal(err)
	}
	return strings.Join(rows, "\n")
}

// keyTraces are the strings that would show that key leaked: the key, its
// body, its hint and the hint's visible characters.
func keyTraces(key string) []string {
	return []string{key, key[len(apitoken.Prefix):], key[4:20], apitoken.Hint(key), "…" + key[len(key)-4:]}
}

func TestAuditRecordsTokenChangesWithoutKeys(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("ada@example.com", "super-admin")
	c := app.login("ada@example.com")

	id, key := createToken(t, c, tokenForm("Blog", "custom", "30", "api::article.article.find", "api::article.article.findOne"))
	res := c.post("/admin/settings/api-tokens/"+itoa(id), tokenForm("Blog 2", "custom", "", "api::article.article.find"))
	wantStatus(t, res, http.StatusSeeOther)
	res = c.post("/admin/settings/api-tokens/"+itoa(id)+"/regenerate", nil)
	wantStatus(t, res, http.StatusCreated)
	newKey := res.doc(t).Find(`[data-testid="token-value"]`).Text()
	if apitoken.Parse(newKey) != nil {
		t.Fatalf("regenerated key %q", newKey)
	}
	wantRedirect(t, c.post("/admin/settings/api-tokens/"+itoa(id)+"/delete", nil), "/admin/settings/api-tokens")

	page := c.get("/admin/settings/audit-logs")
	wantStatus(t, page, http.StatusOK)
	doc := page.doc(t)

	created := auditRows(doc, audit.TokenCreate)
	if created.Length() != 1 {
		t.Fatalf("token.create rows: %d, want 1", created.Length())
	}
	for field, want := range map[string]string{
		"name":        "— → Blog",
		"description": "— → for Blog",
		"type":        "— → custom",
		"permissions": "— → api::article.article.find, api::article.article.findOne",
	} {
		if got := auditChange(created, field); got != want {
			t.Errorf("create %s: got %q, want %q", field, got, want)
		}
	}
	if got := auditChange(created, "expiresAt"); !strings.HasPrefix(got, "— → 20") {
		t.Errorf("create expiresAt: got %q, want a date", got)
	}
	if got := created.Find(`[data-testid="audit-actor"]`).Text(); got != "ada@example.com" {
		t.Errorf("create actor: got %q", got)
	}
	if got := created.Find(`[data-testid="audit-target"]`).Text(); !strings.Contains(got, "#"+itoa(id)) || !strings.Contains(got, "Blog") {
		t.Errorf("create target: got %q", got)
	}

	updated := auditRows(doc, audit.TokenUpdate)
	if updated.Length() != 1 {
		t.Fatalf("token.update rows: %d, want 1", updated.Length())
	}
	for field, want := range map[string]string{
		"name":        "Blog → Blog 2",
		"description": "for Blog → for Blog 2",
		"permissions": "api::article.article.find, api::article.article.findOne → api::article.article.find",
	} {
		if got := auditChange(updated, field); got != want {
			t.Errorf("update %s: got %q, want %q", field, got, want)
		}
	}
	// Only what changed.
	if n := updated.Find(`[data-testid="audit-change"]`).Length(); n != 3 {
		t.Errorf("update lists %d changes, want 3: %q", n, updated.Find(`[data-testid="audit-changes"]`).Text())
	}

	regenerated := auditRows(doc, audit.TokenRegenerate)
	if regenerated.Length() != 1 {
		t.Fatalf("token.regenerate rows: %d, want 1", regenerated.Length())
	}
	if fields := regenerated.Find(`[data-testid="audit-change"]`); fields.Length() != 1 || fields.AttrOr("data-field", "") != "note" {
		t.Errorf("regenerate records %q, want only a note", regenerated.Find(`[data-testid="audit-changes"]`).Text())
	}

	deleted := auditRows(doc, audit.TokenDelete)
	if deleted.Length() != 1 {
		t.Fatalf("token.delete rows: %d, want 1", deleted.Length())
	}
	if got := auditChange(deleted, "name"); got != "Blog 2 → —" {
		t.Errorf("delete name: got %q", got)
	}
	if got := auditChange(deleted, "permissions"); got != "api::article.article.find → —" {
		t.Errorf("delete permissions: got %q", got)
	}

	// Newest first.
	actions := doc.Find(`[data-testid="audit-row"]`).Map(func(_ int, s *goquery.Selection) string { return s.AttrOr("data-action", "") })
	// (The admin's seeding, by the test's store, comes last, from long ago.)
	actions = slices.DeleteFunc(actions, func(a string) bool { return a == dbtest.Action })
	if len(actions) < 5 || actions[0] != audit.TokenDelete || actions[len(actions)-1] != audit.SignIn {
		t.Errorf("order: %q, want the delete first and the sign-in last", actions)
	}

	// Never a key, on the page or in the table.
	table := app.auditTableText()
	for _, k := range []string{key, newKey} {
		for _, trace := range keyTraces(k) {
			if strings.Contains(page.body, trace) {
				t.Errorf("the audit page holds %q of a key", trace)
			}
			if strings.Contains(table, trace) {
				t.Errorf("audit_events holds %q of a key", trace)
			}
		}
	}
	if strings.Contains(table, apitoken.Prefix) {
		t.Error("audit_events holds something key-like")
	}

	// Filters: the token's own events, and one action.
	doc = c.get("/admin/settings/audit-logs?token=" + itoa(id)).doc(t)
	if n := doc.Find(`[data-testid="audit-row"]`).Length(); n != 4 {
		t.Errorf("token filter: %d rows, want 4", n)
	}
	doc = c.get("/admin/settings/audit-logs?action=" + url.QueryEscape(audit.TokenUpdate)).doc(t)
	if n := doc.Find(`[data-testid="audit-row"]`).Length(); n != 1 {
		t.Errorf("action filter: %d rows, want 1", n)
	}
	if _, ok := doc.Find(`select[name="action"] option[value="token.update"]`).Attr("selected"); !ok {
		t.Error("action filter not kept in the form")
	}
	doc = c.get("/admin/settings/audit-logs?actor=nobody").doc(t)
	if doc.Find(`[data-testid="audit-row"]`).Length() != 0 || doc.Find(`[data-testid="audit-empty"]`).Length() != 1 {
		t.Error("actor filter matching nobody still lists events")
	}
	today := app.now().UTC().Format("2006-01-02")
	doc = c.get("/admin/settings/audit-logs?from=" + today + "&to=" + today).doc(t)
	if n := doc.Find(`[data-testid="audit-row"]`).Length(); n != 5 {
		t.Errorf("today: %d rows, want 5", n)
	}
	doc = c.get("/admin/settings/audit-logs?to=1999-12-31").doc(t)
	if n := doc.Find(`[data-testid="audit-row"]`).Length(); n != 0 {
		t.Errorf("before 2000: %d rows, want 0", n)
	}
}

func TestAuditSignIns(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("ada@example.com", "super-admin")

	bad := app.newClient()
	res := bad.post("/admin/login", url.Values{"email": {"ada@example.com"}, "password": {"wrong password"}}, "User-Agent", "Guesser/1.0")
	wantStatus(t, res, http.StatusUnauthorized)
	res = bad.post("/admin/login", url.Values{"email": {"Nobody@Example.com"}, "password": {"x"}}, "User-Agent", "Guesser/1.0")
	wantStatus(t, res, http.StatusUnauthorized)

	c := app.newClient()
	res = c.post("/admin/login", url.Values{"email": {"ada@example.com"}, "password": {testPassword}}, "User-Agent", "Browser/2.0 "+strings.Repeat("x", 400))
	wantStatus(t, res, http.StatusSeeOther)
	wantRedirect(t, c.post("/admin/logout", nil), "/admin/login")

	// Since the test began: not the seeding of the admin.
	since := dbtest.At.Add(time.Hour)
	events, total, err := app.store.AuditEvents(context.Background(), audit.Query{From: &since})
	if err != nil {
		t.Fatal(err)
	}
	if total != 4 {
		t.Fatalf("%d events, want 4: %+v", total, events)
	}
	out, in, failed2, failed1 := events[0], events[1], events[2], events[3]
	if failed1.Action != audit.SignInFailed || failed1.ActorID != nil || failed1.ActorEmail != "ada@example.com" ||
		failed1.TargetType != "admin" || failed1.IP != "127.0.0.1" || failed1.UserAgent != "Guesser/1.0" {
		t.Errorf("failed sign-in: %+v", failed1)
	}
	if failed2.Action != audit.SignInFailed || failed2.ActorEmail != "nobody@example.com" || failed2.ActorID != nil {
		t.Errorf("failed sign-in of an unknown email: %+v", failed2)
	}
	if in.Action != audit.SignIn || in.ActorID == nil || in.ActorEmail != "ada@example.com" || in.IP != "127.0.0.1" ||
		!strings.HasPrefix(in.UserAgent, "Browser/2.0 ") || len(in.UserAgent) != maxAuditUserAgent {
		t.Errorf("sign-in: %+v (user agent %d bytes)", in, len(in.UserAgent))
	}
	if out.Action != audit.SignOut || out.ActorEmail != "ada@example.com" {
		t.Errorf("sign-out: %+v", out)
	}
	for _, ev := range events {
		if strings.Contains(app.auditTableText(), testPassword) || strings.Contains(app.auditTableText(), "wrong password") {
			t.Fatalf("a password reached the audit log: %+v", ev)
		}
	}

	doc := app.login("ada@example.com").get("/admin/settings/audit-logs").doc(t)
	row := auditRows(doc, audit.SignInFailed).Last()
	if got := row.Find(`[data-testid="audit-ip"]`).Text(); got != "127.0.0.1" {
		t.Errorf("failed sign-in IP cell %q", got)
	}
	if got := row.Find(`[data-testid="audit-user-agent"]`).AttrOr("title", ""); got != "Guesser/1.0" {
		t.Errorf("failed sign-in user agent title %q", got)
	}
}

func TestAuditRecordsRoleAndUserChanges(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("ada@example.com", "super-admin")
	bob := app.seedAdmin("bob@example.com", "editor")
	author, err := app.store.RoleBySlug(context.Background(), access.Author)
	if err != nil {
		t.Fatal(err)
	}
	c := app.login("ada@example.com")

	res := c.post("/admin/settings/roles", url.Values{"name": {"Auditor"}, "permissions": {string(access.UsersRead)}})
	wantStatus(t, res, http.StatusSeeOther)
	rolePath := res.Header.Get("Location")
	wantStatus(t, c.post(rolePath+"/permissions", url.Values{"action": {string(access.AuditLogsRead)}, "permissions": {string(access.AuditLogsRead)}}), http.StatusSeeOther)
	wantStatus(t, c.post(rolePath, url.Values{"name": {"Auditors"}, "description": {"Read the log"}, "permissions": {string(access.AuditLogsRead)}}), http.StatusSeeOther)
	wantStatus(t, c.post("/admin/settings/users", url.Values{"email": {"cy@example.com"}, "name": {"Cy"}, "password": {testPassword}, "role": {itoa(author.ID)}}), http.StatusSeeOther)
	wantStatus(t, c.post("/admin/settings/users/"+itoa(bob.ID)+"/role", url.Values{"role": {itoa(author.ID)}}), http.StatusSeeOther)
	wantStatus(t, c.post("/admin/settings/users/"+itoa(bob.ID)+"/deactivate", nil), http.StatusSeeOther)
	wantStatus(t, c.post("/admin/settings/users/"+itoa(bob.ID)+"/activate", nil), http.StatusSeeOther)
	app.login("ada@example.com") // a second session to sign out
	wantRedirect(t, c.post("/admin/account/sessions/revoke-others", nil), "/admin/account")

	page := c.get("/admin/settings/audit-logs")
	wantStatus(t, page, http.StatusOK)
	doc := page.doc(t)
	checks := []struct {
		action, field, want string
	}{
		{audit.RoleCreate, "name", "— → Auditor"},
		{audit.RoleCreate, "permissions", "— → Users: Read"},
		{audit.UserCreate, "email", "— → cy@example.com"},
		{audit.UserCreate, "role", "— → Author"},
		{audit.UserRoleChange, "role", "Editor → Author"},
		{audit.UserDeactivate, "active", "true → false"},
		{audit.UserActivate, "active", "false → true"},
		{audit.SessionsRevoke, "revoked", "— → 1"},
	}
	for _, ck := range checks {
		rows := auditRows(doc, ck.action)
		if rows.Length() != 1 {
			t.Errorf("%s: %d rows, want 1", ck.action, rows.Length())
			continue
		}
		if got := auditChange(rows, ck.field); got != ck.want {
			t.Errorf("%s %s: got %q, want %q", ck.action, ck.field, got, ck.want)
		}
	}
	roleUpdates := auditRows(doc, audit.RoleUpdate)
	if roleUpdates.Length() != 2 {
		t.Fatalf("role.update rows: %d, want 2", roleUpdates.Length())
	}
	// Newest first: the form save, then the checkbox.
	if got := auditChange(roleUpdates.Eq(0), "name"); got != "Auditor → Auditors" {
		t.Errorf("role save name: %q", got)
	}
	if got := auditChange(roleUpdates.Eq(0), "permissions"); got != "Audit log: Read, Users: Read → Audit log: Read" {
		t.Errorf("role save permissions: %q", got)
	}
	if got := auditChange(roleUpdates.Eq(1), "permissions"); got != "Users: Read → Audit log: Read, Users: Read" {
		t.Errorf("permission toggle: %q", got)
	}
	if strings.Contains(page.body, testPassword) || strings.Contains(app.auditTableText(), testPassword) {
		t.Error("a password reached the audit log")
	}
	if strings.Contains(strings.ToLower(app.auditTableText()), "password") {
		t.Error("the audit log mentions a password field")
	}
}

func TestAuditPageNeedsAction(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("ada@example.com", "super-admin")
	app.seedAdmin("ed@example.com", "editor")

	ed := app.login("ed@example.com")
	wantStatus(t, ed.get("/admin/settings/audit-logs"), http.StatusForbidden)
	nav := ed.get("/admin/settings/api-tokens").doc(t).Find(`[data-testid="settings-nav"] a`)
	if strings.Contains(nav.Text(), "Audit log") || nav.Filter(`[href="/admin/settings/audit-logs"]`).Length() != 0 {
		t.Errorf("editor nav shows the audit log: %q", nav.Text())
	}

	ada := app.login("ada@example.com")
	nav = ada.get("/admin/settings/audit-logs").doc(t).Find(`[data-testid="settings-nav"] a[href="/admin/settings/audit-logs"]`)
	if nav.Length() != 1 || strings.TrimSpace(nav.Text()) != "Audit log" {
		t.Errorf("super admin nav lacks the audit log")
	}

	// Granted the action, an editor may read it.
	editor, _ := app.store.RoleBySlug(context.Background(), access.Editor)
	if _, err := app.store.SetRolePermission(context.Background(), editor.ID, access.AuditLogsRead, true, dbtest.RoleChange()); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, ed.get("/admin/settings/audit-logs"), http.StatusOK)
}

func TestAuditPageEscapes(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("ada@example.com", "super-admin")
	c := app.login("ada@example.com")
	const evil = `<script>alert(1)</script>`
	id, _ := createToken(t, c, tokenForm(evil, "read-only", "7"))
	wantStatus(t, c.post("/admin/settings/api-tokens/"+itoa(id), tokenForm(`"><img src=x onerror=alert(2)>`, "read-only", "")), http.StatusSeeOther)

	res := c.get("/admin/settings/audit-logs", "User-Agent", `<script>alert(3)</script>`)
	wantStatus(t, res, http.StatusOK)
	if strings.Contains(res.body, evil) || strings.Contains(res.body, "<img src=x") {
		t.Error("the audit page holds unescaped markup")
	}
	if !strings.Contains(res.body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("the token's name is not shown, escaped")
	}
	doc := res.doc(t)
	doc.Find("script").Each(func(_ int, s *goquery.Selection) {
		if strings.Contains(s.Text(), "alert") {
			t.Errorf("a <script> element came from recorded data: %q", s.Text())
		}
	})
	if doc.Find(`[data-testid="audit-table"] img, [data-testid="audit-table"] script`).Length() != 0 {
		t.Error("recorded data became elements")
	}
	if got := auditChange(auditRows(doc, audit.TokenCreate), "name"); got != "— → "+evil {
		t.Errorf("create name shows %q", got)
	}
}

func TestAuditPagination(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("ada@example.com", "super-admin")
	for range 60 {
		if err := app.store.RecordAudit(context.Background(), audit.Event{At: app.now(), ActorEmail: "x@example.com", Action: audit.SignInFailed}); err != nil {
			t.Fatal(err)
		}
	}
	c := app.login("ada@example.com")
	doc := c.get("/admin/settings/audit-logs?actor=x%40example").doc(t)
	if n := doc.Find(`[data-testid="audit-row"]`).Length(); n != audit.PageSize {
		t.Fatalf("page 1: %d rows, want %d", n, audit.PageSize)
	}
	next := doc.Find(`[data-testid="pagination"] [data-testid="next-page"]`).AttrOr("href", "")
	if next != "/admin/settings/audit-logs?actor=x%40example&page=2" {
		t.Fatalf("next page link %q, want the filter kept", next)
	}
	doc = c.get(next).doc(t)
	if n := doc.Find(`[data-testid="audit-row"]`).Length(); n != 10 {
		t.Errorf("page 2: %d rows, want 10", n)
	}
	if doc.Find(`[data-testid="next-page"]`).Length() != 0 || doc.Find(`a[rel="prev"]`).Length() != 1 {
		t.Error("page 2 links wrong")
	}
}

// TestAuditLogReadsAsWords: actions and a role's actions read as words
// (the codes stay in the filter's values and the row's title), the time
// is shown exactly without a tooltip, and the token filter is reached
// from a row, never typed as a number.
func TestAuditLogReadsAsWords(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("ada@example.com", "super-admin")
	c := app.login("ada@example.com")
	tok, _ := app.mintToken("Deploy", "read-only", "30")
	if _, err := app.tokens.Delete(context.Background(), testActor, tok.ID); err != nil {
		t.Fatal(err)
	}
	doc := c.get("/admin/settings/audit-logs").doc(t)
	row := auditRows(doc, audit.TokenDelete)
	if row.Length() != 1 {
		t.Fatalf("token.delete rows: %d", row.Length())
	}
	badge := row.Find(`[data-testid="audit-action"] .badge`)
	if got := strings.TrimSpace(badge.Text()); got != "Deleted token" {
		t.Errorf("action shown as %q, want words", got)
	}
	if got := badge.AttrOr("title", ""); got != audit.TokenDelete {
		t.Errorf("action code in title: %q", got)
	}
	timeText := strings.Join(strings.Fields(row.Find(`[data-testid="audit-time"]`).Text()), " ")
	if !regexp.MustCompile(`^\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC (just now|\d+ \w+ ago)$`).MatchString(timeText) {
		t.Errorf("time shown as %q, want the exact time and how long ago", timeText)
	}
	opt := doc.Find(`#audit-action option[value="` + audit.TokenDelete + `"]`)
	if strings.TrimSpace(opt.Text()) != "Deleted token" {
		t.Errorf("filter option for token.delete reads %q", opt.Text())
	}
	if doc.Find(`input[name="token"]:not([type="hidden"])`).Length() != 0 || strings.Contains(doc.Text(), "Token id") {
		t.Error("the filter asks for a token id to be typed")
	}
	if doc.Find(`[data-testid="audit-changes"].break-all`).Length() != 0 {
		t.Error("changes break words anywhere (break-all)")
	}

	href, _ := row.Find(`[data-testid="audit-target"] a`).Attr("href")
	filtered := c.get(href).doc(t)
	chip := filtered.Find(`[data-testid="audit-token-filter"]`)
	if !strings.Contains(chip.Text(), "Token #"+itoa(tok.ID)) || chip.Find(`input[type="hidden"][name="token"]`).AttrOr("value", "") != itoa(tok.ID) {
		t.Errorf("filtered by token: chip %q", chip.Text())
	}
	clear, _ := filtered.Find(`[data-testid="audit-token-filter-clear"]`).Attr("href")
	if clear != "/admin/settings/audit-logs" {
		t.Errorf("clearing the token filter links to %q", clear)
	}
}
