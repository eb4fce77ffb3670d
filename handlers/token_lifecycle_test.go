package handlers

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/tokenadmin/tokenadmin/access"
	"github.com/tokenadmin/tokenadmin/apitoken"
	"github.com/tokenadmin/tokenadmin/audit"
	"github.com/tokenadmin/tokenadmin/db"
	"github.com/tokenadmin/tokenadmin/db/dbtest"
)

// mintToken creates a token straight through the service and returns it
// with its key.
func (a *testApp) mintToken(name, typ, duration string, perms ...string) (apitoken.Token, string) {
	a.t.Helper()
	tok, key, errs, err := a.tokens.Create(context.Background(), testActor, apitoken.Input{Name: name, Type: typ, Duration: duration, Permissions: perms})
	if err != nil || !errs.Valid() {
		a.t.Fatalf("mint %s: %v %v", name, err, errs)
	}
	return tok, key
}

func wantAPIMessage(t *testing.T, what string, r apiResult, status int, message string) {
	t.Helper()
	if r.status != status || r.errorField("message") != message {
		t.Fatalf("%s: got %d %v, want %d %q\n%s", what, r.status, r.errorField("message"), status, message, r.raw)
	}
}

// TestAPIPausedToken: a paused key gets 401 "Token disabled" with the
// RFC 6750 challenge; resuming brings back the very same key.
func TestAPIPausedToken(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		app := newTestAppWithStore(t, d)
		tok, key := app.mintToken("paused", "read-only", "30")
		if r := app.api("GET", "/api/articles", "Bearer "+key, ""); r.status != http.StatusOK {
			t.Fatalf("before pause: got %d", r.status)
		}
		if _, err := app.tokens.Pause(context.Background(), testActor, tok.ID); err != nil {
			t.Fatal(err)
		}
		for _, path := range []string{"/api/articles", "/api/token"} {
			r := app.api("GET", path, "Bearer "+key, "")
			wantAPIMessage(t, "paused "+path, r, http.StatusUnauthorized, "Token disabled")
			if ch := r.header.Get("WWW-Authenticate"); !strings.Contains(ch, `error="invalid_token"`) {
				t.Errorf("paused: WWW-Authenticate %q, want invalid_token", ch)
			}
			if r.errorField("name") != "UnauthorizedError" {
				t.Errorf("paused: error name %v", r.errorField("name"))
			}
		}
		if _, err := app.tokens.Resume(context.Background(), testActor, tok.ID); err != nil {
			t.Fatal(err)
		}
		if r := app.api("GET", "/api/articles", "Bearer "+key, ""); r.status != http.StatusOK {
			t.Fatalf("after resume with the same key: got %d %s", r.status, r.raw)
		}
	})
}

// TestAPIExpiryHeader: every answer to a key that expires carries its
// expiry (success, 403, the self-description); a key that never expires
// gets none, and a refused key none either.
func TestAPIExpiryHeader(t *testing.T) {
	app := newTestApp(t)
	tok, key := app.mintToken("expiring", "read-only", "7")
	_, forever := app.mintToken("forever", "full-access", "unlimited")
	want := tok.ExpiresAt.UTC().Format(time.RFC3339)
	for _, tc := range []struct {
		method, path, body string
		status             int
	}{
		{"GET", "/api/articles", "", http.StatusOK},
		{"POST", "/api/articles", `{"data":{"title":"x"}}`, http.StatusForbidden},
		{"GET", "/api/token", "", http.StatusOK},
		{"GET", "/api/nothing-here", "", http.StatusNotFound},
	} {
		r := app.api(tc.method, tc.path, "Bearer "+key, tc.body)
		if r.status != tc.status {
			t.Fatalf("%s %s: got %d, want %d", tc.method, tc.path, r.status, tc.status)
		}
		if tc.status == http.StatusNotFound {
			// An unknown type is answered before the key is checked.
			continue
		}
		if got := r.header.Get(HeaderTokenExpires); got != want {
			t.Errorf("%s %s: %s %q, want %q", tc.method, tc.path, HeaderTokenExpires, got, want)
		}
		if _, err := time.Parse(time.RFC3339, r.header.Get(HeaderTokenExpires)); err != nil || !strings.HasSuffix(want, "Z") {
			t.Errorf("header is not RFC 3339 UTC: %q", want)
		}
	}
	if r := app.api("GET", "/api/articles", "Bearer "+forever, ""); r.header.Get(HeaderTokenExpires) != "" {
		t.Errorf("unlimited key: got %s %q, want none", HeaderTokenExpires, r.header.Get(HeaderTokenExpires))
	}
	app.advance(8 * 24 * time.Hour)
	r := app.api("GET", "/api/articles", "Bearer "+key, "")
	wantAPIMessage(t, "expired", r, http.StatusUnauthorized, "Token expired")
}

// TestAPITokenSelf: GET /api/token describes the key to itself, with no
// permission needed, and never shows the key, its hash or its hint.
func TestAPITokenSelf(t *testing.T) {
	app := newTestApp(t)
	tok, key := app.mintToken("self", "custom", "30", "api::category.category.find")
	ro, roKey := app.mintToken("reader", "read-only", "unlimited")
	r := app.api("GET", "/api/token", "Bearer "+key, "")
	if r.status != http.StatusOK {
		t.Fatalf("got %d %s", r.status, r.raw)
	}
	data, _ := r.body["data"].(map[string]any)
	if data["id"] != float64(tok.ID) || data["name"] != "self" || data["type"] != "custom" || data["paused"] != false {
		t.Errorf("data: got %v", data)
	}
	if perms, _ := data["permissions"].([]any); len(perms) != 1 || perms[0] != "api::category.category.find" {
		t.Errorf("permissions: got %v", data["permissions"])
	}
	if data["expiresAt"] != tok.ExpiresAt.UTC().Format(time.RFC3339Nano) && data["expiresAt"] == nil {
		t.Errorf("expiresAt: got %v", data["expiresAt"])
	}
	if _, ok := data["graceEndsAt"]; ok {
		t.Errorf("graceEndsAt without a rotation: got %v, want absent", data["graceEndsAt"])
	}
	if ips, ok := data["allowedIps"].([]any); !ok || len(ips) != 0 {
		t.Errorf("allowedIps: got %v, want []", data["allowedIps"])
	}
	for _, k := range []string{"rateLimit", "quota", "lastUsedAt"} {
		if v, ok := data[k]; !ok || v != nil {
			t.Errorf("%s: got %v (present %v), want null", k, v, ok)
		}
	}
	if strings.Contains(r.raw, key) || strings.Contains(r.raw, app.hasher.Hash(key)) || strings.Contains(r.raw, tok.KeyHint) {
		t.Errorf("self-description shows key material: %s", r.raw)
	}
	if cc := r.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control: got %q, want no-store", cc)
	}

	// A read-only key is told the reads it may make; no expiry, no header.
	r = app.api("GET", "/api/token", "Bearer "+roKey, "")
	data, _ = r.body["data"].(map[string]any)
	perms, _ := data["permissions"].([]any)
	if data["id"] != float64(ro.ID) || len(perms) == 0 || data["expiresAt"] != nil {
		t.Errorf("read-only: got %v", data)
	}
	for _, p := range perms {
		if !apitoken.IsReadAction(p.(string)) {
			t.Errorf("read-only permissions include %v", p)
		}
	}

	// During a grace both keys describe the token, with the grace end.
	_, newKey, err := app.tokens.Rotate(context.Background(), testActor, tok.ID, apitoken.Grace1h)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{key, newKey} {
		r = app.api("GET", "/api/token", "Bearer "+k, "")
		data, _ = r.body["data"].(map[string]any)
		if r.status != http.StatusOK || data["graceEndsAt"] == nil {
			t.Errorf("in grace: got %d %v, want graceEndsAt", r.status, data)
		}
	}

	// The last character changed for sure: "x" when it is not one already.
	last := "x"
	if strings.HasSuffix(key, "x") {
		last = "y"
	}
	for _, auth := range []string{"", "Bearer nope", "Bearer " + key[:len(key)-1] + last, "Basic abc"} {
		r := app.api("GET", "/api/token", auth, "")
		wantAPIMessage(t, "self with "+auth, r, http.StatusUnauthorized, "Missing or invalid credentials")
	}
}

// TestRotationGraceThroughAPI: during the grace both keys work and the
// old key's uses are counted; one second before its end it still works,
// one second after it is 401 "Token expired", and that attempt is shown
// on the token's page and in the audit log once the batch is written.
func TestRotationGraceThroughAPI(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		app := newTestAppWithStore(t, d)
		app.seedAdmin("root@example.com", access.SuperAdmin)
		admin := app.login("root@example.com")
		tok, oldKey := app.mintToken("rolling", "read-only", "30")
		_, newKey, err := app.tokens.Rotate(context.Background(), testActor, tok.ID, apitoken.Grace1h)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{oldKey, newKey, oldKey} {
			if r := app.api("GET", "/api/articles", "Bearer "+k, ""); r.status != http.StatusOK {
				t.Fatalf("in grace: got %d %s", r.status, r.raw)
			}
		}
		app.advance(time.Hour - time.Second)
		if r := app.api("GET", "/api/articles", "Bearer "+oldKey, ""); r.status != http.StatusOK {
			t.Fatalf("1 s before the grace ends: got %d", r.status)
		}
		app.advance(2 * time.Second)
		r := app.api("GET", "/api/articles", "Bearer "+oldKey, "")
		wantAPIMessage(t, "1 s after the grace", r, http.StatusUnauthorized, "Token expired")
		if r := app.api("GET", "/api/articles", "Bearer "+newKey, ""); r.status != http.StatusOK {
			t.Fatalf("new key after the grace: got %d", r.status)
		}
		if err := app.usage.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		page := admin.get("/admin/settings/api-tokens/" + strconv.FormatInt(tok.ID, 10))
		wantStatus(t, page, http.StatusOK)
		doc := page.doc(t)
		if doc.Find(`[data-testid="grace-countdown"]`).Length() != 0 {
			t.Errorf("countdown after the grace ended")
		}
		if got := strings.TrimSpace(doc.Find(`[data-testid="old-key-requests"]`).Text()); got != "3" {
			t.Errorf("old key requests: got %q, want 3", got)
		}
		if got := doc.Find(`[data-testid="old-key-refused"]`).Text(); !strings.Contains(got, "1,") {
			t.Errorf("refused attempts: got %q, want 1", got)
		}
		evs, _, err := d.AuditEvents(context.Background(), audit.Query{Action: audit.TokenOldKeyRefused, Limit: 5})
		if err != nil || len(evs) != 1 || evs[0].TargetID != strconv.FormatInt(tok.ID, 10) {
			t.Errorf("audit: got %+v, %v, want one refused event for the token", evs, err)
		}
	})
}

// TestAdminPauseResume: pausing needs api-tokens.update (an editor, one
// step short, gets 403 and changes nothing); the page and the list show
// the badge; resume brings the key back.
func TestAdminPauseResume(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("root@example.com", access.SuperAdmin)
	app.seedAdmin("ed@example.com", access.Editor)
	tok, key := app.mintToken("pausable", "read-only", "30")
	id := strconv.FormatInt(tok.ID, 10)
	editor := app.login("ed@example.com")
	if doc := editor.get("/admin/settings/api-tokens/" + id).doc(t); doc.Find(`[data-testid="pause-button"]`).Length() != 0 {
		t.Errorf("editor sees the pause button")
	}
	wantStatus(t, editor.post("/admin/settings/api-tokens/"+id+"/pause", nil), http.StatusForbidden)
	if r := app.api("GET", "/api/articles", "Bearer "+key, ""); r.status != http.StatusOK {
		t.Fatalf("after a refused pause: got %d, want 200", r.status)
	}

	admin := app.login("root@example.com")
	wantStatus(t, admin.post("/admin/settings/api-tokens/"+id+"/pause", nil, "Sec-Fetch-Site", ""), http.StatusSeeOther)
	wantAPIMessage(t, "paused", app.api("GET", "/api/articles", "Bearer "+key, ""), http.StatusUnauthorized, "Token disabled")
	doc := admin.get("/admin/settings/api-tokens/" + id).doc(t)
	if doc.Find(`[data-testid="resume-button"]`).Length() != 1 || doc.Find(`[data-testid="badge-paused"]`).Length() != 1 || doc.Find(`[data-testid="paused-notice"]`).Length() != 1 {
		t.Errorf("paused page: want resume button, badge and notice")
	}
	row := admin.get("/admin/settings/api-tokens").doc(t).Find(`[data-token-id="` + id + `"]`)
	if row.Find(`[data-testid="badge-paused"]`).Length() != 1 {
		t.Errorf("list row of a paused token has no badge")
	}
	// With htmx the page content comes back in place.
	res := admin.post("/admin/settings/api-tokens/"+id+"/resume", nil, "HX-Request", "true")
	wantStatus(t, res, http.StatusOK)
	if d := res.doc(t); d.Find(`[data-testid="pause-button"]`).Length() != 1 || d.Find("html").Length() != 0 && strings.Contains(res.body, "<html") {
		t.Errorf("htmx resume: want the page content with a pause button")
	}
	if r := app.api("GET", "/api/articles", "Bearer "+key, ""); r.status != http.StatusOK {
		t.Fatalf("resumed: got %d", r.status)
	}
	evs, _, _ := app.store.AuditEvents(context.Background(), audit.Query{TokenID: id, Limit: 10})
	var actions []string
	for _, e := range evs {
		actions = append(actions, e.Action)
	}
	if !strings.Contains(strings.Join(actions, ","), "token.resume,token.pause") {
		t.Errorf("audit: got %v, want pause then resume", actions)
	}
	wantStatus(t, admin.post("/admin/settings/api-tokens/999999/pause", nil), http.StatusNotFound)
}

// TestAdminRegenerateWithGrace: the dialog's grace keeps the old key
// working with a countdown on the token's page; "end grace now" stops it;
// a grace that is not offered is 400 and changes nothing.
func TestAdminRegenerateWithGrace(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("root@example.com", access.SuperAdmin)
	admin := app.login("root@example.com")
	tok, oldKey := app.mintToken("graceful", "read-only", "30")
	id := strconv.FormatInt(tok.ID, 10)

	dialog := admin.get("/admin/settings/api-tokens/" + id).doc(t).Find(`[data-testid="regenerate-dialog"] select[name="grace"]`)
	var values []string
	dialog.Find("option").Each(func(_ int, o *goquery.Selection) { v, _ := o.Attr("value"); values = append(values, v) })
	if strings.Join(values, ",") != "0,1h,24h,7d" {
		t.Errorf("grace options: got %v, want 0,1h,24h,7d", values)
	}

	res := admin.post("/admin/settings/api-tokens/"+id+"/regenerate", url.Values{"grace": {"bogus"}})
	wantStatus(t, res, http.StatusBadRequest)
	if r := app.api("GET", "/api/articles", "Bearer "+oldKey, ""); r.status != http.StatusOK {
		t.Fatalf("after a bad grace the key must still work: %d", r.status)
	}

	res = admin.post("/admin/settings/api-tokens/"+id+"/regenerate", url.Values{"grace": {"24h"}})
	wantStatus(t, res, http.StatusCreated)
	doc := res.doc(t)
	newKey := strings.TrimSpace(doc.Find(`[data-testid="token-value"]`).Text())
	cd := doc.Find(`[data-testid="grace-countdown"]`)
	ms, _ := strconv.ParseInt(cd.AttrOr("data-countdown-ms", ""), 10, 64)
	if cd.Length() != 1 || (24*time.Hour).Milliseconds()-ms > 1000 || strings.TrimSpace(cd.Text()) != "1d 0h" {
		t.Errorf("countdown: got %d element(s), %d ms, %q; want 24 h", cd.Length(), ms, cd.Text())
	}
	for _, k := range []string{oldKey, newKey} {
		if r := app.api("GET", "/api/articles", "Bearer "+k, ""); r.status != http.StatusOK {
			t.Fatalf("in grace: got %d", r.status)
		}
	}
	app.advance(time.Hour + 30*time.Minute) // within the session's idle time
	cd = admin.get("/admin/settings/api-tokens/" + id).doc(t).Find(`[data-testid="grace-countdown"]`)
	if got := strings.TrimSpace(cd.Text()); got != "22h 30m" {
		t.Errorf("countdown 1h30 later: got %q, want 22h 30m", got)
	}
	res = admin.post("/admin/settings/api-tokens/"+id+"/end-grace", nil)
	wantStatus(t, res, http.StatusSeeOther)
	wantAPIMessage(t, "after end grace", app.api("GET", "/api/articles", "Bearer "+oldKey, ""), http.StatusUnauthorized, "Token expired")
	if r := app.api("GET", "/api/articles", "Bearer "+newKey, ""); r.status != http.StatusOK {
		t.Fatalf("new key after end grace: got %d", r.status)
	}
	// Twice: nothing to end, said plainly.
	res = admin.post("/admin/settings/api-tokens/"+id+"/end-grace", nil)
	wantStatus(t, res, http.StatusSeeOther)

	// An editor may not end a grace.
	app.seedAdmin("ed@example.com", access.Editor)
	wantStatus(t, app.login("ed@example.com").post("/admin/settings/api-tokens/"+id+"/end-grace", nil), http.StatusForbidden)
}

// TestLastAddresses: the token's page lists the last five distinct
// clients, by the address trusted proxies report, written by the usage
// batch and not before.
func TestLastAddresses(t *testing.T) {
	_, loopback, _ := net.ParseCIDR("127.0.0.0/8")
	app := newTestAppWith(t, dbtest.SQLite(t), func(o *Options) { o.TrustedProxies = []*net.IPNet{loopback} })
	app.seedAdmin("root@example.com", access.SuperAdmin)
	admin := app.login("root@example.com")
	tok, key := app.mintToken("seen", "read-only", "30")
	for i := range 8 {
		req, _ := http.NewRequest("GET", app.srv.URL+"/api/articles", nil)
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("X-Forwarded-For", "203.0.113."+strconv.Itoa(i))
		req.Header.Set("User-Agent", "client-"+strconv.Itoa(i)+"\xff<script>")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		app.advance(time.Second)
	}
	page := "/admin/settings/api-tokens/" + strconv.FormatInt(tok.ID, 10)
	if n := admin.get(page).doc(t).Find(`[data-testid="last-address"]`).Length(); n != 0 {
		t.Errorf("before the batch: got %d addresses, want 0 (never written per request)", n)
	}
	if err := app.usage.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	res := admin.get(page)
	rows := res.doc(t).Find(`[data-testid="last-address"]`)
	if rows.Length() != 5 {
		t.Fatalf("got %d addresses, want 5", rows.Length())
	}
	if got := rows.First().Find(`[data-testid="client-address"]`).Text(); got != "203.0.113.7" {
		t.Errorf("most recent: got %q, want 203.0.113.7", got)
	}
	if got := rows.First().Find(`[data-testid="client-agent"]`).Text(); got != "client-7\uFFFD<script>" {
		t.Errorf("agent: got %q", got)
	}
	if strings.Contains(res.body, "<script>") {
		t.Errorf("agent not escaped")
	}
}

// TestLifetimePolicy: the maximum lifetime is enforced on create and edit
// with a field error next to the duration and the input kept; keeping the
// current expiry on an edit is always allowed; the form says the rule.
func TestLifetimePolicy(t *testing.T) {
	app := newTestApp(t)
	app.tokens.Policy = apitoken.Policy{MaxLifetime: 30 * 24 * time.Hour, NoUnlimited: true}
	app.seedAdmin("root@example.com", access.SuperAdmin)
	admin := app.login("root@example.com")
	form := admin.get("/admin/settings/api-tokens/create").doc(t)
	if got := form.Find(`[data-testid="lifetime-rule"]`).Text(); got != "Tokens may live at most 30 days here." {
		t.Errorf("rule: got %q", got)
	}
	for _, dur := range []string{"90", "unlimited"} {
		res := admin.post("/admin/settings/api-tokens", url.Values{"name": {"Too long " + dur}, "description": {"kept"}, "type": {"read-only"}, "duration": {dur}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		doc := res.doc(t)
		if msg := doc.Find(`[data-testid="field-error"][data-field="duration"]`).Text(); msg == "" {
			t.Errorf("create %s: no duration field error", dur)
		}
		if v, _ := doc.Find(`input[name="name"]`).Attr("value"); v != "Too long "+dur {
			t.Errorf("create %s: name kept %q", dur, v)
		}
		if v, _ := doc.Find(`select[name="duration"] option[selected]`).Attr("value"); v != dur {
			t.Errorf("create %s: duration kept %q", dur, v)
		}
	}
	if page, _ := app.store.TokenPage(context.Background(), apitoken.ListQuery{Limit: 10}); len(page.Tokens) != 0 {
		t.Fatalf("refused creates stored %d tokens", len(page.Tokens))
	}
	res := admin.post("/admin/settings/api-tokens", url.Values{"name": {"Fine"}, "type": {"read-only"}, "duration": {"30"}})
	wantStatus(t, res, http.StatusCreated)

	// An edit: a longer duration is refused, keeping the expiry is fine.
	app.tokens.Policy = apitoken.Policy{}
	legacy, _ := app.mintToken("legacy", "read-only", "unlimited")
	app.tokens.Policy = apitoken.Policy{MaxLifetime: 30 * 24 * time.Hour, NoUnlimited: true}
	path := "/admin/settings/api-tokens/" + strconv.FormatInt(legacy.ID, 10)
	res = admin.post(path, url.Values{"name": {"legacy renamed"}, "type": {"read-only"}, "duration": {"90"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if res.doc(t).Find(`[data-testid="field-error"][data-field="duration"]`).Length() != 1 {
		t.Error("edit: no duration field error")
	}
	res = admin.post(path, url.Values{"name": {"legacy renamed"}, "type": {"read-only"}, "duration": {""}})
	wantStatus(t, res, http.StatusSeeOther)
}

// TestExpiringBannerAndFilters: the list warns of tokens expiring within
// 7 days and links to them; the paused and expiring filters narrow the
// table and stay in the sort links.
func TestExpiringBannerAndFilters(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("root@example.com", access.SuperAdmin)
	admin := app.login("root@example.com")
	app.mintToken("weekly", "read-only", "7")
	app.mintToken("monthly", "read-only", "30")
	paused, _ := app.mintToken("paused one", "read-only", "90")
	if _, err := app.tokens.Pause(context.Background(), testActor, paused.ID); err != nil {
		t.Fatal(err)
	}
	doc := admin.get("/admin/settings/api-tokens").doc(t)
	banner := doc.Find(`[data-testid="expiring-banner"]`)
	if !strings.Contains(banner.Text(), "1 token expires within 7 days") {
		t.Errorf("banner: got %q", banner.Text())
	}
	link, _ := banner.Find(`[data-testid="expiring-link"]`).Attr("href")
	rowsOf := func(path string) []string {
		t.Helper()
		var names []string
		admin.get(path).doc(t).Find(`[data-testid="token-row"] [data-testid="token-name"]`).Each(func(_ int, s *goquery.Selection) {
			names = append(names, s.Text())
		})
		return names
	}
	if got := rowsOf(link); strings.Join(got, ",") != "weekly" {
		t.Errorf("banner link %s: got %v, want weekly", link, got)
	}
	if got := rowsOf("/admin/settings/api-tokens?filter=paused"); strings.Join(got, ",") != "paused one" {
		t.Errorf("paused filter: got %v", got)
	}
	if got := rowsOf("/admin/settings/api-tokens?filter=bogus"); len(got) != 3 {
		t.Errorf("unknown filter: got %v, want all three", got)
	}
	doc = admin.get("/admin/settings/api-tokens?filter=paused").doc(t)
	if href, _ := doc.Find(`[data-testid="sort-created"]`).Attr("href"); !strings.Contains(href, "filter=paused") {
		t.Errorf("sort link loses the filter: %s", href)
	}
	if v, _ := doc.Find(`[data-testid="token-filter"] option[selected]`).Attr("value"); v != "paused" {
		t.Errorf("filter select: got %q selected", v)
	}
	if got := rowsOf("/admin/settings/api-tokens?filter=paused&q=weekly"); len(got) != 0 {
		t.Errorf("paused and searched for weekly: got %v", got)
	}
	// Once the weekly token has expired, nothing is expiring.
	app.advance(7*24*time.Hour + time.Second)
	admin = app.login("root@example.com")
	if admin.get("/admin/settings/api-tokens").doc(t).Find(`[data-testid="expiring-banner"]`).Length() != 0 {
		t.Error("banner for an expired token")
	}
}
