package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/tokenadmin/tokenadmin/access"
	"github.com/tokenadmin/tokenadmin/apitoken"
	"github.com/tokenadmin/tokenadmin/audit"
	"github.com/tokenadmin/tokenadmin/db"
	"github.com/tokenadmin/tokenadmin/db/dbtest"
)

func tokenForm(name, typ, duration string, perms ...string) url.Values {
	v := url.Values{"name": {name}, "description": {"for " + name}, "type": {typ}, "duration": {duration}}
	for _, p := range perms {
		v.Add("permissions", p)
	}
	return v
}

// createToken creates a token through the admin and returns its id and key.
func createToken(t *testing.T, c *client, form url.Values, headers ...string) (int64, string) {
	t.Helper()
	res := c.post("/admin/settings/api-tokens", form, headers...)
	wantStatus(t, res, http.StatusCreated)
	doc := res.doc(t)
	key := doc.Find(`[data-testid="token-value"]`).Text()
	if err := apitoken.Parse(key); err != nil {
		t.Fatalf("revealed key %q: %v", key, err)
	}
	hint := doc.Find(`[data-testid="token-hint"]`).Text()
	ids := strings.TrimPrefix(doc.Find(`form[data-testid="token-form"]`).AttrOr("action", ""), "/admin/settings/api-tokens/")
	id, err := strconv.ParseInt(ids, 10, 64)
	if err != nil {
		t.Fatalf("token id from form action %q: %v", ids, err)
	}
	if hint != apitoken.Hint(key) {
		t.Errorf("hint %q, want %q", hint, apitoken.Hint(key))
	}
	return id, key
}

func TestEmptyStateInvitesCreating(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("ada@example.com", "super-admin")
	app.seedAdmin("ed@example.com", "editor")
	doc := app.login("ada@example.com").get("/admin/settings/api-tokens").doc(t)
	if doc.Find(`[data-testid="tokens-empty"] [data-testid="create-token"]`).Length() != 1 {
		t.Error("empty state has no create-token for a super admin")
	}
	if doc.Find(`[data-testid="tokens-table"]`).Length() != 0 {
		t.Error("a fresh install shows a tokens table")
	}
	doc = app.login("ed@example.com").get("/admin/settings/api-tokens").doc(t)
	if doc.Find(`[data-testid="create-token"]`).Length() != 0 {
		t.Error("editor without create sees create-token")
	}
}

func TestCreateRevealsKeyOnce(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("ada@example.com", "super-admin")
	c := app.login("ada@example.com")

	res := c.post("/admin/settings/api-tokens", tokenForm("Website", "read-only", "30"))
	wantStatus(t, res, http.StatusCreated)
	if got := res.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("reveal Cache-Control %q, want no-store", got)
	}
	id, key := createToken(t, c, tokenForm("Website 2", "read-only", "30"))

	stored, err := app.store.TokenByHash(context.Background(), app.hasher.Hash(key))
	if err != nil || stored.ID != id {
		t.Fatalf("revealed key does not hash to the stored token: %v", err)
	}
	if stored.ExpiresAt == nil || !closeTo(stored.ExpiresAt.Sub(app.now()), 30*24*time.Hour) {
		t.Errorf("expires at %v, want 30 days from now", stored.ExpiresAt)
	}

	// Never again: the token's page, the list, nor any later answer.
	for _, p := range []string{"/admin/settings/api-tokens/" + itoa(id), "/admin/settings/api-tokens"} {
		res := c.get(p)
		wantStatus(t, res, http.StatusOK)
		if strings.Contains(res.body, key) || strings.Contains(res.body, key[4:20]) {
			t.Errorf("%s shows the key again", p)
		}
		if res.doc(t).Find(`[data-testid="token-value"]`).Length() != 0 {
			t.Errorf("%s has a token-value", p)
		}
	}
	if strings.Contains(app.logs.String(), key) || strings.Contains(app.logs.String(), key[4:20]) {
		t.Error("the key reached the log")
	}
	for _, ck := range c.hc.Jar.Cookies(mustURL(app.srv.URL + "/admin/")) {
		if strings.Contains(ck.Value, key[4:20]) {
			t.Errorf("cookie %s holds the key", ck.Name)
		}
	}
}

// closeTo reports whether d is want within the microsecond the store
// truncates times to.
func closeTo(d, want time.Duration) bool {
	return d > want-time.Millisecond && d <= want
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

func TestCreateWithHTMXReplacesURL(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("ada@example.com", "super-admin")
	c := app.login("ada@example.com")
	res := c.post("/admin/settings/api-tokens", tokenForm("CI", "full-access", "unlimited"), "HX-Request", "true")
	wantStatus(t, res, http.StatusCreated)
	if strings.Contains(res.body, "<html") {
		t.Error("htmx create answered with a whole page")
	}
	doc := res.doc(t)
	if doc.Find(`[data-testid="token-value"]`).Length() != 1 {
		t.Fatal("no key in the htmx answer")
	}
	action, _ := doc.Find(`form[data-testid="token-form"]`).Attr("action")
	if got := res.Header.Get("HX-Replace-Url"); got == "" || got != action {
		t.Errorf("HX-Replace-Url %q, want the token's page %q", got, action)
	}
	if res.Header.Get("Location") != "" || res.Header.Get("HX-Redirect") != "" {
		t.Error("the reveal must not redirect")
	}
}

func TestCustomTokenPermissions(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("ada@example.com", "super-admin")
	c := app.login("ada@example.com")
	id, _ := createToken(t, c, tokenForm("Blog", "custom", "90",
		"api::article.article.find", "api::article.article.findOne", "api::article.article.find",
		"api::category.category.find", "api::category.category.findOne", "api::category.category.create",
		"api::category.category.update", "api::category.category.delete"))
	tok, _ := app.store.TokenByID(context.Background(), id)
	want := []string{"api::article.article.find", "api::article.article.findOne",
		"api::category.category.create", "api::category.category.delete", "api::category.category.find",
		"api::category.category.findOne", "api::category.category.update"}
	if !slices.Equal(tok.Permissions, want) {
		t.Fatalf("permissions %v, want %v", tok.Permissions, want)
	}

	doc := c.get("/admin/settings/api-tokens/" + itoa(id)).doc(t)
	article := doc.Find(`[data-testid="permission-group"][data-content-type="api::article.article"]`)
	category := doc.Find(`[data-testid="permission-group"][data-content-type="api::category.category"]`)
	if article.Length() != 1 || category.Length() != 1 {
		t.Fatal("accordion lacks a group per content type")
	}
	if !article.Is("details") || article.Find("summary").Length() != 1 {
		t.Error("permission-group is not a <details> with a <summary>")
	}
	if n := article.Find(`input[name="permissions"][checked]`).Length(); n != 2 {
		t.Errorf("article ticked %d, want 2", n)
	}
	// Tri-state: all of category → select-all ticked; some of article → not.
	if _, ok := category.Find(`[data-testid="select-all"]`).Attr("checked"); !ok {
		t.Error("category select-all not ticked with every action ticked")
	}
	if _, ok := article.Find(`[data-testid="select-all"]`).Attr("checked"); ok {
		t.Error("article select-all ticked with only some actions")
	}
	if _, named := article.Find(`[data-testid="select-all"]`).Attr("name"); named {
		t.Error("select-all has a name and would be submitted")
	}
	if n := doc.Find(`input[name="permissions"][disabled]`).Length(); n != 0 {
		t.Errorf("%d disabled boxes on a custom token", n)
	}
}

func TestReadOnlyAccordionShowsWhatServerAllows(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("ada@example.com", "super-admin")
	c := app.login("ada@example.com")
	id, _ := createToken(t, c, tokenForm("Reader", "read-only", "7"))
	doc := c.get("/admin/settings/api-tokens/" + itoa(id)).doc(t)
	boxes := doc.Find(`[data-testid="permission-group"] input[name="permissions"]`)
	if boxes.Length() != 10 {
		t.Fatalf("%d boxes, want 10", boxes.Length())
	}
	boxes.Each(func(_ int, b *goquery.Selection) {
		v, _ := b.Attr("value")
		_, checked := b.Attr("checked")
		_, disabled := b.Attr("disabled")
		if checked != apitoken.Allows(apitoken.ReadOnly, nil, v) || !disabled {
			t.Errorf("%s: checked=%v disabled=%v", v, checked, disabled)
		}
	})
}

func TestCreateBadInputKeepsEverything(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("ada@example.com", "super-admin")
	c := app.login("ada@example.com")
	createToken(t, c, tokenForm("Taken", "read-only", "7"))

	cases := []struct {
		name  string
		form  url.Values
		field string
	}{
		{"empty name", tokenForm("  ", "read-only", "7"), "name"},
		{"long name", tokenForm(strings.Repeat("n", 101), "read-only", "7"), "name"},
		{"duplicate name", tokenForm(" taken ", "read-only", "7"), "name"},
		{"long description", func() url.Values {
			f := tokenForm("d", "read-only", "7")
			f.Set("description", strings.Repeat("d", 501))
			return f
		}(), "description"},
		{"unknown type", tokenForm("t", "admin", "7"), "type"},
		{"unknown duration", tokenForm("t", "read-only", "365"), "duration"},
		{"unknown permission", tokenForm("t", "custom", "7", "api::article.article.find", "api::secret.secret.find"), "permissions"},
		{"permission on read-only", tokenForm("t", "read-only", "7", "api::article.article.find"), "permissions"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := c.post("/admin/settings/api-tokens", tc.form)
			wantStatus(t, res, http.StatusUnprocessableEntity)
			doc := res.doc(t)
			if doc.Find(`[data-testid="field-error"][data-field="`+tc.field+`"]`).Length() != 1 {
				t.Fatalf("no field error on %s: %s", tc.field, doc.Find(`[data-testid="field-error"]`).Text())
			}
			if got, _ := doc.Find(`input[name="name"]`).Attr("value"); got != tc.form.Get("name") {
				t.Errorf("name kept: got %q, want %q", got, tc.form.Get("name"))
			}
			if got, _ := doc.Find(`input[name="description"]`).Attr("value"); got != tc.form.Get("description") {
				t.Errorf("description not kept")
			}
			if doc.Find(`[data-testid="token-value"]`).Length() != 0 {
				t.Error("a failed create revealed a key")
			}
		})
	}
	if _, total, _ := app.store.Tokens(context.Background(), apitoken.ListQuery{}); total != 1 {
		t.Errorf("tokens after bad input: %d, want 1", total)
	}
	// htmx gets the form alone, with 422 (configured to swap).
	res := c.post("/admin/settings/api-tokens", tokenForm("", "read-only", "7"), "HX-Request", "true")
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if strings.Contains(res.body, "<html") || !strings.Contains(res.body, `data-testid="token-form"`) {
		t.Error("htmx 422 is not the form fragment")
	}
}

func TestConcurrentCreatesWithOneName(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("ada@example.com", "super-admin")
	c := app.login("ada@example.com")
	c.csrf()
	var wg sync.WaitGroup
	codes := make([]int, 6)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = c.post("/admin/settings/api-tokens", tokenForm("Same", "read-only", "7")).StatusCode
		}()
	}
	wg.Wait()
	slices.Sort(codes)
	if codes[0] != http.StatusCreated || codes[1] != http.StatusUnprocessableEntity || codes[5] != http.StatusUnprocessableEntity {
		t.Errorf("statuses %v, want one 201 and the rest 422", codes)
	}
}

func TestEditToken(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("ada@example.com", "super-admin")
	c := app.login("ada@example.com")
	id, key := createToken(t, c, tokenForm("Blog", "custom", "7", "api::article.article.find"))
	path := "/admin/settings/api-tokens/" + itoa(id)
	before, _ := app.store.TokenByID(context.Background(), id)

	edit := c.get(path).doc(t)
	if got := edit.Find(`select[name="duration"] option[selected]`).AttrOr("value", "?"); got != "" {
		t.Errorf("edit duration preselects %q, want keep", got)
	}
	if !strings.Contains(edit.Find(`[data-testid="duration-hint"]`).Text(), "restarts the clock") {
		t.Error("edit form does not say a duration restarts the clock")
	}

	app.advance(time.Hour)
	form := url.Values{"name": {"Blog v2"}, "description": {"new words"}, "type": {"custom"}, "duration": {""},
		"permissions": {"api::article.article.find", "api::article.article.findOne"}}
	wantRedirect(t, c.post(path, form), path)
	after, _ := app.store.TokenByID(context.Background(), id)
	if after.Name != "Blog v2" || after.Description != "new words" || !after.ExpiresAt.Equal(*before.ExpiresAt) || len(after.Permissions) != 2 {
		t.Fatalf("after edit: %+v", after)
	}

	// A duration restarts the clock; switching away from custom drops permissions.
	form.Set("duration", "90")
	form.Set("type", "read-only")
	form.Del("permissions")
	res := c.post(path, form, "HX-Request", "true")
	wantStatus(t, res, http.StatusOK)
	if !strings.Contains(res.body, "saved") {
		t.Error("no saved flash in the htmx answer")
	}
	after, _ = app.store.TokenByID(context.Background(), id)
	if after.ExpiresAt == nil || !closeTo(after.ExpiresAt.Sub(app.now()), 90*24*time.Hour) || after.Type != apitoken.ReadOnly || len(after.Permissions) != 0 {
		t.Fatalf("after re-time: %+v", after)
	}
	// Editing never changes the key.
	if got, err := app.store.TokenByHash(context.Background(), app.hasher.Hash(key)); err != nil || got.ID != id {
		t.Error("edit changed the key")
	}

	res = c.post(path, url.Values{"name": {strings.Repeat("x", 101)}, "description": {"kept"}, "type": {"read-only"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	failed := res.doc(t)
	if got, _ := failed.Find(`input[name="description"]`).Attr("value"); got != "kept" {
		t.Error("description not kept on a failed edit")
	}
	// The heading names the token as stored, not the rejected input.
	if got := failed.Find("h1").First().Text(); got != "Blog v2" {
		t.Errorf("heading after a failed edit: %q", got)
	}
}

func TestRegenerateToken(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("ada@example.com", "super-admin")
	c := app.login("ada@example.com")
	id, oldKey := createToken(t, c, tokenForm("CI", "full-access", "30"))
	before, _ := app.store.TokenByID(context.Background(), id)

	page := c.get("/admin/settings/api-tokens/" + itoa(id)).doc(t)
	dialog := page.Find(`dialog[data-testid="regenerate-dialog"]`)
	if dialog.Length() != 1 || dialog.Find(`[data-testid="regenerate-confirm"]`).Length() != 1 {
		t.Fatal("no regenerate dialog with its confirm button")
	}
	if _, open := dialog.Attr("open"); open {
		t.Error("regenerate dialog open before the button is clicked")
	}

	res := c.post("/admin/settings/api-tokens/"+itoa(id)+"/regenerate", nil, "HX-Request", "true")
	wantStatus(t, res, http.StatusCreated)
	newKey := res.doc(t).Find(`[data-testid="token-value"]`).Text()
	if apitoken.Parse(newKey) != nil || newKey == oldKey {
		t.Fatalf("new key %q", newKey)
	}
	if res.Header.Get("Cache-Control") != "no-store" || res.Header.Get("HX-Replace-Url") != "/admin/settings/api-tokens/"+itoa(id) {
		t.Errorf("regenerate headers: %v", res.Header)
	}
	if _, err := app.store.TokenByHash(context.Background(), app.hasher.Hash(oldKey)); !errors.Is(err, apitoken.ErrNotFound) {
		t.Errorf("old key still found: %v", err)
	}
	after, err := app.store.TokenByHash(context.Background(), app.hasher.Hash(newKey))
	if err != nil || after.ID != id || !after.ExpiresAt.Equal(*before.ExpiresAt) {
		t.Errorf("after regenerate: %+v %v", after, err)
	}
}

func TestDeleteToken(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("ada@example.com", "super-admin")
	c := app.login("ada@example.com")
	id, _ := createToken(t, c, tokenForm("A", "read-only", "7"))
	id2, _ := createToken(t, c, tokenForm("B", "read-only", "7"))

	list := c.get("/admin/settings/api-tokens").doc(t)
	row := list.Find(`[data-testid="token-row"][data-token-id="` + itoa(id) + `"]`)
	if row.Find(`[data-testid="delete-button"]`).Length() != 1 || row.Find(`dialog[data-testid="delete-dialog"] [data-testid="delete-confirm"]`).Length() != 1 {
		t.Fatal("row lacks its delete button and dialog")
	}
	target, _ := row.Find(`dialog form`).Attr("hx-target")
	rowID, _ := row.Attr("id")
	if target != "#"+rowID {
		t.Errorf("delete hx-target %q, want #%s", target, rowID)
	}

	// htmx from the row: an empty 200 removes it in place, plus a flash.
	res := c.post("/admin/settings/api-tokens/"+itoa(id)+"/delete", nil, "HX-Request", "true", "HX-Target", rowID)
	wantStatus(t, res, http.StatusOK)
	if strings.Contains(res.body, "<tr") || !strings.Contains(res.body, "deleted") {
		t.Errorf("row delete answer: %s", res.body)
	}
	if _, err := app.store.TokenByID(context.Background(), id); !errors.Is(err, apitoken.ErrNotFound) {
		t.Fatal("token still there")
	}
	// Without JavaScript: the confirmation page, then back to the list.
	wantStatus(t, c.get("/admin/settings/api-tokens/"+itoa(id2)+"/delete"), http.StatusOK)
	wantRedirect(t, c.post("/admin/settings/api-tokens/"+itoa(id2)+"/delete", nil), "/admin/settings/api-tokens")

	// A stale form: the token is gone.
	wantStatus(t, c.post("/admin/settings/api-tokens/"+itoa(id2)+"/delete", nil), http.StatusNotFound)
	wantStatus(t, c.post("/admin/settings/api-tokens/"+itoa(id2), tokenForm("B", "read-only", "")), http.StatusNotFound)
	wantStatus(t, c.get("/admin/settings/api-tokens/"+itoa(id2)), http.StatusNotFound)
	wantStatus(t, c.get("/admin/settings/api-tokens/nope"), http.StatusNotFound)
}

// TestTokenRoutesByRole checks every token route against every role: the
// server refuses what the role lacks (403, nothing changed) and the page
// hides what it may not do.
func TestTokenRoutesByRole(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("ada@example.com", "super-admin")
	app.seedAdmin("ed@example.com", "editor")
	app.seedAdmin("al@example.com", "author")
	super := app.login("ada@example.com")
	id, key := createToken(t, super, tokenForm("Keep", "read-only", "7"))
	p := "/admin/settings/api-tokens/" + itoa(id)

	type route struct {
		method, path string
		form         url.Values
		action       access.Action
	}
	routes := []route{
		{"GET", "/admin/settings/api-tokens", nil, access.TokensRead},
		{"GET", p, nil, access.TokensRead},
		{"GET", "/admin/settings/api-tokens/create", nil, access.TokensCreate},
		{"POST", "/admin/settings/api-tokens", tokenForm("New", "full-access", "7"), access.TokensCreate},
		{"POST", p, tokenForm("Renamed", "full-access", "7"), access.TokensUpdate},
		{"GET", p + "/regenerate", nil, access.TokensRegenerate},
		{"POST", p + "/regenerate", nil, access.TokensRegenerate},
		{"GET", p + "/delete", nil, access.TokensDelete},
		{"POST", p + "/delete", nil, access.TokensDelete},
	}
	for _, who := range []string{"ed@example.com", "al@example.com"} {
		c := app.login(who)
		a, _, _ := app.store.AdminCredentials(context.Background(), who)
		for _, r := range routes {
			var res response
			if r.method == "GET" {
				res = c.get(r.path)
			} else {
				res = c.post(r.path, r.form)
			}
			if access.Can(a, r.action) {
				if res.StatusCode == http.StatusForbidden {
					t.Errorf("%s %s %s: 403 although allowed", who, r.method, r.path)
				}
			} else if res.StatusCode != http.StatusForbidden {
				t.Errorf("%s %s %s: got %d, want 403", who, r.method, r.path, res.StatusCode)
			}
		}
	}
	tok, err := app.store.TokenByHash(context.Background(), app.hasher.Hash(key))
	if err != nil || tok.Name != "Keep" || tok.Type != apitoken.ReadOnly {
		t.Fatalf("refused requests changed the token: %+v %v", tok, err)
	}
	if _, total, _ := app.store.Tokens(context.Background(), apitoken.ListQuery{}); total != 1 {
		t.Errorf("refused requests created tokens: %d", total)
	}

	// The editor (read only) sees no create, delete or regenerate, and a
	// read-only edit page.
	ed := app.login("ed@example.com")
	list := ed.get("/admin/settings/api-tokens").doc(t)
	for _, hook := range []string{"create-token", "delete-button", "edit-button"} {
		if list.Find(`[data-testid="`+hook+`"]`).Length() != 0 {
			t.Errorf("editor sees %s", hook)
		}
	}
	page := ed.get(p).doc(t)
	for _, hook := range []string{"regenerate-button", "delete-button", "save-token"} {
		if page.Find(`[data-testid="`+hook+`"]`).Length() != 0 {
			t.Errorf("editor's token page has %s", hook)
		}
	}
	if _, ok := page.Find(`form[data-testid="token-form"] fieldset`).Attr("disabled"); !ok {
		t.Error("editor's token form is editable")
	}
}

func TestTokenListSortSearchPaginate(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("ada@example.com", "super-admin")
	c := app.login("ada@example.com")
	ctx := context.Background()
	for i := range 30 {
		app.advance(time.Minute)
		_, _, errs, err := app.tokens.Create(ctx, testActor, apitoken.Input{Name: "tok " + strconv.Itoa(100+i), Type: "read-only", Duration: "7"})
		if err != nil || !errs.Valid() {
			t.Fatal(err, errs)
		}
	}
	names := func(doc *goquery.Document) []string {
		var out []string
		doc.Find(`[data-testid="token-name"]`).Each(func(_ int, s *goquery.Selection) { out = append(out, s.Text()) })
		return out
	}
	doc := c.get("/admin/settings/api-tokens").doc(t)
	got := names(doc)
	if len(got) != 25 || got[0] != "tok 100" || got[24] != "tok 124" {
		t.Fatalf("page 1: %v", got)
	}
	next, _ := doc.Find(`[data-testid="next-page"]`).Attr("href")
	if got := names(c.get(next).doc(t)); len(got) != 5 || got[0] != "tok 125" {
		t.Fatalf("page 2 (%s): %v", next, got)
	}
	if got := names(c.get("/admin/settings/api-tokens?sort=created&dir=desc").doc(t)); got[0] != "tok 129" {
		t.Errorf("newest first: %v", got[:3])
	}
	if got := names(c.get("/admin/settings/api-tokens?q=TOK+12").doc(t)); len(got) != 10 {
		t.Errorf("search: %v", got)
	}
	if doc := c.get("/admin/settings/api-tokens?q=zzz").doc(t); doc.Find(`[data-testid="token-row"]`).Length() != 0 || doc.Find(`[data-testid="tokens-table"]`).Length() != 1 {
		t.Error("a search without matches should show an empty table, not the empty state")
	}
}

// A new 7-day token is not "expiring soon" on its first day; in its last
// third it is.
func TestSevenDayTokenIsNotExpiringFromDayOne(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("ada@example.com", "super-admin")
	c := app.login("ada@example.com")
	id, _ := createToken(t, c, tokenForm("Week", "read-only", "7"))
	badge := func() int {
		doc := app.login("ada@example.com").get("/admin/settings/api-tokens").doc(t)
		return doc.Find(`[data-testid="token-row"][data-token-id="` + itoa(id) + `"] [data-testid="badge-expiring"]`).Length()
	}
	if badge() != 0 {
		t.Error("a new 7-day token is badged as expiring soon")
	}
	app.advance(5 * 24 * time.Hour)
	if badge() != 1 {
		t.Error("a 7-day token with 2 days left is not badged")
	}
}

func TestTokenRowBadgesAndNever(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("ada@example.com", "super-admin")
	c := app.login("ada@example.com")
	idSoon, _ := createToken(t, c, tokenForm("Soon", "read-only", "7"))
	idLater, _ := createToken(t, c, tokenForm("Later", "read-only", "90"))
	idGone, _ := createToken(t, c, tokenForm("Gone", "read-only", "7"))
	_ = idLater
	app.advance(24 * time.Hour)
	// Expire one by hand: 7 days from a day ago has not passed, so move it.
	if _, errs, err := app.tokens.Update(context.Background(), testActor, idGone, apitoken.Input{Name: "Gone", Type: "read-only", Duration: "7"}); err != nil || !errs.Valid() {
		t.Fatal(err)
	}
	app.advance(7*24*time.Hour + time.Hour)
	// Eight days on, the old session has long expired.
	doc := app.login("ada@example.com").get("/admin/settings/api-tokens").doc(t)
	row := func(id int64) *goquery.Selection {
		return doc.Find(`[data-testid="token-row"][data-token-id="` + itoa(id) + `"]`)
	}
	if row(idGone).Find(`[data-testid="badge-expired"]`).Length() != 1 {
		t.Error("expired token has no Expired badge")
	}
	if row(idSoon).Find(`[data-testid="badge-expired"]`).Length() != 1 {
		t.Error("7-day token 8 days on is not expired")
	}
	if got := strings.TrimSpace(row(idLater).Find(`[data-testid="token-last-used"]`).Text()); got != "Never" {
		t.Errorf("last used %q, want Never", got)
	}
	if row(idLater).Find(`[data-testid="badge-expired"], [data-testid="badge-expiring"]`).Length() != 0 {
		t.Error("90-day token badged")
	}
	// The expiry is a date on screen, not only a tooltip.
	if got := strings.Join(strings.Fields(row(idLater).Find(`[data-testid="token-expires"]`).Text()), " "); !regexp.MustCompile(`^\d{1,2} [A-Z][a-z]{2} \d{4} in \d+ (days|months)$`).MatchString(got) {
		t.Errorf("expiry reads %q, want the date and how long is left", got)
	}
	if doc.Find(`[data-testid="token-row"] [data-testid="token-value"]`).Length() != 0 {
		t.Error("a row holds key material")
	}
}

func TestContentAPIPageListsRoutes(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("ada@example.com", "super-admin")
	app.seedAdmin("al@example.com", "author")
	// Any signed-in admin may read it, like Strapi's routes endpoint.
	res := app.login("al@example.com").get("/admin/settings/content-api")
	wantStatus(t, res, http.StatusOK)
	doc := res.doc(t)
	article := doc.Find(`[data-testid="content-type"][data-content-type="api::article.article"]`)
	if !strings.Contains(article.Text(), "GET/api/articles/:documentId") && !strings.Contains(article.Text(), "/api/articles/:documentId") {
		t.Errorf("article routes: %q", article.Text())
	}
	if article.Find("tbody tr").Length() != 5 {
		t.Errorf("article has %d routes, want 5", article.Find("tbody tr").Length())
	}
	// The accordion links to it.
	super := app.login("ada@example.com")
	if href, _ := super.get("/admin/settings/api-tokens/create").doc(t).Find(`[data-testid="permissions-accordion"] a[href="/admin/settings/content-api"]`).Attr("href"); href == "" {
		t.Error("accordion does not link to the content API page")
	}
}

func TestOrphanedPermissionsAreKeptUntilUnticked(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("ada@example.com", "super-admin")
	c := app.login("ada@example.com")
	id, _ := createToken(t, c, tokenForm("Old", "custom", "7", "api::article.article.find"))
	// A content type that was removed from the schemas since.
	if _, err := app.store.ExecContext(context.Background(), `INSERT INTO api_token_permissions (token_id, action) VALUES (?, 'api::gone.gone.find')`, id); err != nil {
		t.Fatal(err)
	}
	path := "/admin/settings/api-tokens/" + itoa(id)
	doc := c.get(path).doc(t)
	if doc.Find(`[data-testid="orphan-permissions"] input[value="api::gone.gone.find"][checked]`).Length() != 1 {
		t.Fatal("orphaned permission not shown as no longer available")
	}
	// Saving with it still ticked keeps it; unticking removes it.
	wantRedirect(t, c.post(path, tokenForm("Old", "custom", "", "api::article.article.find", "api::gone.gone.find")), path)
	tok, _ := app.store.TokenByID(context.Background(), id)
	if !slices.Contains(tok.Permissions, "api::gone.gone.find") {
		t.Fatalf("orphan dropped on save: %v", tok.Permissions)
	}
	wantRedirect(t, c.post(path, tokenForm("Old", "custom", "", "api::article.article.find")), path)
	tok, _ = app.store.TokenByID(context.Background(), id)
	if slices.Contains(tok.Permissions, "api::gone.gone.find") {
		t.Fatalf("orphan kept after untick: %v", tok.Permissions)
	}
	// A new token still cannot be given an unknown action.
	wantStatus(t, c.post("/admin/settings/api-tokens", tokenForm("New", "custom", "7", "api::gone.gone.find")), http.StatusUnprocessableEntity)
}

func TestSQLMetacharactersInNamesAreStoredVerbatim(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("ada@example.com", "super-admin")
	c := app.login("ada@example.com")
	name := `Robert'); DROP TABLE api_tokens;-- 100% _x_ \ "q"`
	id, _ := createToken(t, c, tokenForm(name, "read-only", "7"))
	tok, err := app.store.TokenByID(context.Background(), id)
	if err != nil || tok.Name != name {
		t.Fatalf("stored %q, %v", tok.Name, err)
	}
	// Searching with the same characters finds exactly it.
	createToken(t, c, tokenForm("Robert 100x off", "read-only", "7"))
	doc := c.get("/admin/settings/api-tokens?q=" + url.QueryEscape("100% _x_")).doc(t)
	if got := doc.Find(`[data-testid="token-name"]`); got.Length() != 1 || got.Text() != name {
		t.Errorf("search found %d rows: %q", got.Length(), got.Text())
	}
}

// The list filters by state and by type through ?filter=, the select
// offers each, and an unknown value lists everything.
func TestTokenListFilters(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("ada@example.com", "super-admin")
	app.mintToken("Week read", "read-only", "7")
	app.mintToken("Month full", "full-access", "30")
	app.mintToken("Forever custom", "custom", "unlimited", "api::article.article.find")
	app.advance(8 * 24 * time.Hour)
	c := app.login("ada@example.com")
	names := func(filter string) []string {
		t.Helper()
		res := c.get("/admin/settings/api-tokens?sort=name&filter=" + filter)
		wantStatus(t, res, http.StatusOK)
		return res.doc(t).Find(`[data-testid="token-row"] [data-testid="token-name"]`).Map(func(_ int, s *goquery.Selection) string { return s.Text() })
	}
	for filter, want := range map[string][]string{
		"expired":     {"Week read"},
		"never-used":  {"Forever custom", "Month full", "Week read"},
		"full-access": {"Month full"},
		"custom":      {"Forever custom"},
		"read-only":   {"Week read"},
		"bogus":       {"Forever custom", "Month full", "Week read"},
	} {
		if got := names(filter); !slices.Equal(got, want) {
			t.Errorf("filter %s: got %q, want %q", filter, got, want)
		}
	}
	opts := c.get("/admin/settings/api-tokens").doc(t).Find(`[data-testid="token-filter"] option`).Map(func(_ int, s *goquery.Selection) string { return s.AttrOr("value", "") })
	for _, v := range []string{"expired", "never-used", "read-only", "full-access", "custom", "paused", "expiring"} {
		if !slices.Contains(opts, v) {
			t.Errorf("the filter select lacks %q: %v", v, opts)
		}
	}
}

// Deleting a row in place also draws the list's page summary and links
// again, for the list the admin is looking at (htmx's HX-Current-URL): no
// stale "Page 1 of 2 · 26 tokens" after the delete.
func TestDeleteInPlaceRefreshesThePageSummary(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("ada@example.com", "super-admin")
	c := app.login("ada@example.com")
	var last int64
	for i := range 26 {
		tok, _ := app.mintToken(fmt.Sprintf("Token %02d", i), "read-only", "30")
		last = tok.ID
	}
	list := app.srv.URL + "/admin/settings/api-tokens?sort=name"
	page := c.get("/admin/settings/api-tokens?sort=name")
	if got := page.doc(t).Find(`[data-testid="page-summary"]`).Text(); !strings.Contains(got, "26 tokens") {
		t.Fatalf("before: summary %q", got)
	}
	res := c.post("/admin/settings/api-tokens/"+itoa(last)+"/delete", nil,
		"HX-Request", "true", "HX-Target", "token-row-"+itoa(last), "HX-Current-URL", list)
	wantStatus(t, res, http.StatusOK)
	oob := res.doc(t).Find(`#token-pagination[hx-swap-oob]`)
	if oob.Length() != 1 {
		t.Fatalf("the answer does not redraw the pagination:\n%s", res.body)
	}
	// 25 tokens fit one page: no summary or links remain.
	if strings.Contains(res.body, "26 tokens") || oob.Find(`[data-testid="page-summary"]`).Length() != 0 {
		t.Errorf("stale pagination after the delete: %q", oob.Text())
	}
	// Another page (an edit page, say) gets no list pagination.
	tok, _ := app.mintToken("Other", "read-only", "30")
	res = c.post("/admin/settings/api-tokens/"+itoa(tok.ID)+"/delete", nil,
		"HX-Request", "true", "HX-Target", "token-row-"+itoa(tok.ID), "HX-Current-URL", app.srv.URL+"/admin/account")
	if strings.Contains(res.body, "token-pagination") {
		t.Error("a delete from another page drew the list's pagination")
	}
}

// Deleting every expired token at once: only for whoever may delete,
// CSRF-checked, each delete audited, the live tokens untouched.
func TestDeleteExpiredTokens(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("ada@example.com", "super-admin")
	app.seedAdmin("ed@example.com", "editor")
	for i := range 3 {
		app.mintToken(fmt.Sprintf("Week %d", i), "read-only", "7")
	}
	app.mintToken("Forever", "read-only", "unlimited")
	app.advance(8 * 24 * time.Hour)

	ed := app.login("ed@example.com")
	if res := ed.post("/admin/settings/api-tokens/delete-expired", nil); res.StatusCode != http.StatusForbidden {
		t.Errorf("an editor without api-tokens.delete: %d, want 403", res.StatusCode)
	}
	c := app.login("ada@example.com")
	if res := c.postRaw("/admin/settings/api-tokens/delete-expired", nil); res.StatusCode < 400 {
		t.Errorf("without the CSRF token: %d", res.StatusCode)
	}
	list := c.get("/admin/settings/api-tokens?sort=name&filter=expired").doc(t)
	if list.Find(`[data-testid="delete-expired-dialog"] [data-testid="delete-expired-confirm"]`).Length() != 1 {
		t.Fatal("the expired list offers no Delete all")
	}
	if c.get("/admin/settings/api-tokens").doc(t).Find(`[data-testid="delete-expired"]`).Length() != 0 {
		t.Error("Delete all expired shows on the unfiltered list")
	}
	wantStatus(t, c.get("/admin/settings/api-tokens/delete-expired"), http.StatusOK)

	res := c.post("/admin/settings/api-tokens/delete-expired", nil)
	wantRedirect(t, res, "/admin/settings/api-tokens?sort=name&filter=expired")
	page := c.get("/admin/settings/api-tokens?sort=name")
	if !strings.Contains(page.body, "3 expired tokens deleted.") {
		t.Error("no confirmation of the 3 deletes")
	}
	names := page.doc(t).Find(`[data-testid="token-row"] [data-testid="token-name"]`).Map(func(_ int, s *goquery.Selection) string { return s.Text() })
	if !slices.Equal(names, []string{"Forever"}) {
		t.Errorf("left: %v, want only Forever", names)
	}
	if n := countEvents(t, app, audit.TokenDelete); n != 3 {
		t.Errorf("deletes audited: %d, want 3", n)
	}
}

// Five admins pressing "Delete all expired" at once, on both databases:
// every expired token goes exactly once (one audit record each), none
// fails, the live one stays.
func TestDeleteExpiredInParallel(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		app := newTestAppWithStore(t, d)
		for i := range 40 {
			app.mintToken(fmt.Sprintf("Week %02d", i), "read-only", "7")
		}
		app.mintToken("Forever", "read-only", "unlimited")
		app.advance(8 * 24 * time.Hour)
		var wg sync.WaitGroup
		var total atomic.Int64
		errs := make(chan error, 5)
		for range 5 {
			wg.Go(func() {
				n, _, err := app.tokens.DeleteExpired(context.Background(), testActor)
				if err != nil {
					errs <- err
				}
				total.Add(int64(n))
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		if got := total.Load(); got != 40 {
			t.Errorf("deleted %d in all, want each of the 40 expired tokens once", got)
		}
		if n := countEvents(t, app, audit.TokenDelete); n != 40 {
			t.Errorf("%d delete records, want 40", n)
		}
		if _, total, err := app.store.Tokens(context.Background(), apitoken.ListQuery{Limit: 10}); err != nil || total != 1 {
			t.Errorf("tokens left: %d (%v), want the live one", total, err)
		}
	})
}
