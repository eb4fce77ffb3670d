package handlers

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/tokenadmin/tokenadmin/apitoken"
)

// TestShellMarkup checks the signed-in frame every page is drawn in: a
// skip link first, a menu button wired to the navigation for phones, an
// Account link in the navigation and one live region from the start.
func TestShellMarkup(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("ada@example.com", "super-admin")
	ada := app.login("ada@example.com")

	res := ada.get("/admin/settings/roles")
	wantStatus(t, res, http.StatusOK)
	doc := res.doc(t)

	first := doc.Find("body a[href], body button").First()
	if first.AttrOr("href", "") != "#main" || !strings.Contains(first.Text(), "Skip") {
		t.Errorf("first focusable element is %q (%s), want the skip link to #main", first.Text(), first.AttrOr("href", ""))
	}
	if doc.Find(`main#main[tabindex="-1"]`).Length() != 1 {
		t.Error("no focusable main#main for the skip link to land on")
	}
	menu := doc.Find(`[data-testid="menu-button"]`)
	if menu.Length() != 1 || menu.AttrOr("aria-controls", "") != "sidebar" || menu.AttrOr("aria-expanded", "") != "false" {
		t.Errorf("menu button: %d, aria-controls=%q aria-expanded=%q", menu.Length(), menu.AttrOr("aria-controls", ""), menu.AttrOr("aria-expanded", ""))
	}
	if menu.AttrOr("type", "") != "button" {
		t.Error("menu button would submit a form")
	}
	if doc.Find(`nav#sidebar`).Length() != 1 {
		t.Error("the menu button controls no nav#sidebar")
	}
	if doc.Find(`nav#sidebar a[href="/admin/account"]`).Length() != 1 {
		t.Error("no Account link in the navigation")
	}
	if got := doc.Find(`#sidebar h2#nav-settings`).Text(); got != "Settings" {
		t.Errorf("settings heading %q", got)
	}
	if n := doc.Find(`[aria-live]`).Length(); n != 2 {
		t.Errorf("%d live regions, want the flash list and #app-live-region", n)
	}
	if doc.Find(`#app-live-region[role="status"][aria-live="polite"]`).Length() != 1 {
		t.Error("no #app-live-region in the markup")
	}

	// The account page marks its link as the current page.
	acc := ada.get("/admin/account").doc(t)
	if got := acc.Find(`#sidebar a[href="/admin/account"]`).AttrOr("aria-current", ""); got != "page" {
		t.Errorf("Account link aria-current = %q on the account page", got)
	}
	if got := doc.Find(`#sidebar a[href="/admin/account"]`).AttrOr("aria-current", ""); got != "" {
		t.Errorf("Account link aria-current = %q on the roles page", got)
	}
}

// TestNoSettingsHeadingWithoutSettings: an admin whose role opens no
// settings page sees no "Settings" heading over nothing.
func TestNoSettingsHeadingWithoutSettings(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("ada@example.com", "super-admin")
	app.seedAdmin("al@example.com", "author")
	doc := app.login("al@example.com").get("/admin/welcome").doc(t)
	if n := doc.Find(`#nav-settings, [data-testid="settings-nav"]`).Length(); n != 0 {
		t.Errorf("author sees %d Settings heading/list elements, want none", n)
	}
	if strings.Contains(doc.Find(`#sidebar`).Text(), "Settings") {
		t.Errorf("navigation text %q mentions Settings", doc.Find(`#sidebar`).Text())
	}
	if doc.Find(`#sidebar a[href="/admin/account"]`).Length() != 1 {
		t.Error("no Account link for the author")
	}
}

// TestThemeMarkup: theme.js runs blocking in <head> before the stylesheet,
// so the chosen theme is on <html> before anything paints; the switch
// offers the system's appearance, light and dark; the stylesheet has the
// dark variables for both the explicit choice and the system preference.
func TestThemeMarkup(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("ada@example.com", "super-admin")
	doc := app.login("ada@example.com").get("/admin/settings/roles").doc(t)

	head := doc.Find("head").Children()
	themeAt, cssAt := -1, -1
	head.Each(func(i int, s *goquery.Selection) {
		if strings.HasPrefix(s.AttrOr("src", ""), "/static/js/theme.js") {
			themeAt = i
			if _, ok := s.Attr("defer"); ok {
				t.Error("theme.js is deferred: the page would paint before the theme applies")
			}
			if _, ok := s.Attr("async"); ok {
				t.Error("theme.js is async")
			}
		}
		if s.Is(`link[rel="stylesheet"]`) {
			cssAt = i
		}
	})
	if themeAt < 0 || cssAt < 0 || themeAt > cssAt {
		t.Errorf("theme.js at head child %d, stylesheet at %d: want the script first", themeAt, cssAt)
	}
	var opts []string
	doc.Find(`#theme-select option`).Each(func(_ int, s *goquery.Selection) { opts = append(opts, s.AttrOr("value", "")) })
	if strings.Join(opts, ",") != "system,light,dark" {
		t.Errorf("theme options %q", opts)
	}
	if doc.Find(`label[for="theme-select"]`).Length() != 1 {
		t.Error("theme switch has no label")
	}

	css := app.newClient().get("/static/css/app.css").body
	for _, want := range []string{":root.dark{", "@media (prefers-color-scheme:dark){:root:not(.light){", "--c-slate-900:"} {
		if !strings.Contains(css, want) {
			t.Errorf("app.css lacks %q", want)
		}
	}
}

// TestAxeIsNotServed: axe-core is a test tool, read by the browser tests
// from node_modules; no page loads it and the server does not serve it.
func TestAxeIsNotServed(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("ada@example.com", "super-admin")
	ada := app.login("ada@example.com")
	for _, path := range []string{"/static/js/axe.min.js", "/static/axe.min.js", "/node_modules/axe-core/axe.min.js"} {
		if res := ada.get(path); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, res.StatusCode)
		}
	}
	if body := ada.get("/admin/settings/roles").body; strings.Contains(body, "axe") {
		t.Error("a page mentions axe")
	}
}

// TestIcons: back links carry the back arrow, the menu button its icon;
// icons are decoration (aria-hidden, not focusable), so each control's name
// is still its text.
func TestIcons(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("ada@example.com", "super-admin")
	ada := app.login("ada@example.com")
	for path, name := range map[string]string{
		"/admin/settings/roles/create": "Back to roles",
		"/admin/settings/users/create": "Back to users",
		"/admin/settings/content-api":  "Back to tokens",
	} {
		doc := ada.get(path).doc(t)
		link := doc.Find(`a.btn:has(svg[data-icon="arrow-left"])`)
		if link.Length() != 1 {
			t.Errorf("%s: %d back links with an arrow, want 1", path, link.Length())
			continue
		}
		if got := strings.TrimSpace(link.Text()); got != name {
			t.Errorf("%s: back link text %q, want %q", path, got, name)
		}
	}
	doc := ada.get("/admin/settings/roles").doc(t)
	if doc.Find(`[data-testid="menu-button"] svg[data-icon="bars-3"]`).Length() != 1 {
		t.Error("menu button has no icon")
	}
	doc.Find("svg.icon").Each(func(_ int, s *goquery.Selection) {
		if s.AttrOr("aria-hidden", "") != "true" || s.AttrOr("focusable", "") != "false" {
			t.Errorf("icon %s is not hidden from assistive technology", s.AttrOr("data-icon", "?"))
		}
	})
	missing := ada.get("/admin/settings/roles/999999")
	if missing.doc(t).Find(`[data-testid="error-back"] svg[data-icon="arrow-left"]`).Length() != 1 {
		t.Error("the error page's back link has no arrow")
	}
}

// TestUnsavedWarningHooks: app.js asks before leaving a form that changes
// something, recognised by method="post" or hx-post/hx-put; the forms an
// admin types into must carry one of them.
func TestUnsavedWarningHooks(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("ada@example.com", "super-admin")
	ada := app.login("ada@example.com")
	for path, sel := range map[string]string{
		"/admin/settings/roles/create":      `[data-testid="role-form"]`,
		"/admin/settings/users/create":      `[data-testid="user-form"]`,
		"/admin/settings/api-tokens/create": `[data-testid="token-form"]`,
	} {
		form := ada.get(path).doc(t).Find(sel)
		if form.Length() != 1 {
			t.Errorf("%s: %d %s", path, form.Length(), sel)
			continue
		}
		_, hxPost := form.Attr("hx-post")
		_, hxPut := form.Attr("hx-put")
		if strings.ToLower(form.AttrOr("method", "")) != "post" && !hxPost && !hxPut {
			t.Errorf("%s: the form is not recognisably state-changing", path)
		}
	}
	js := app.newClient().get("/static/js/app.js").body
	if !strings.Contains(js, "beforeunload") {
		t.Error("app.js does not ask before leaving")
	}
}

// TestTokenFormErrorsMarkTheField: a 422 marks each invalid field with
// aria-invalid="true" and points it at its message; valid fields carry no
// aria-invalid at all (aria-invalid="" would read as "not invalid" and
// draw no red border).
func TestTokenFormErrorsMarkTheField(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("ada@example.com", "super-admin")
	ada := app.login("ada@example.com")
	for _, headers := range [][]string{nil, {"HX-Request", "true"}} {
		res := ada.post("/admin/settings/api-tokens", tokenForm("", "read-only", "30"), headers...)
		wantStatus(t, res, http.StatusUnprocessableEntity)
		doc := res.doc(t)
		name := doc.Find(`[data-testid="token-form"] input[name="name"]`)
		if name.AttrOr("aria-invalid", "") != "true" {
			t.Errorf("htmx=%v: name aria-invalid = %q, want true", headers != nil, name.AttrOr("aria-invalid", ""))
		}
		msgID := name.AttrOr("aria-describedby", "")
		if msgID == "" || doc.Find("#"+msgID+`[data-testid="field-error"]`).Length() != 1 {
			t.Errorf("htmx=%v: name aria-describedby %q names no field error", headers != nil, msgID)
		}
		doc.Find("[aria-invalid]").Each(func(_ int, s *goquery.Selection) {
			if v := s.AttrOr("aria-invalid", ""); v != "true" {
				t.Errorf("htmx=%v: %s has aria-invalid=%q", headers != nil, s.AttrOr("name", "?"), v)
			}
		})
		if _, ok := doc.Find(`input[name="description"]`).Attr("aria-invalid"); ok {
			t.Errorf("htmx=%v: the valid description is marked", headers != nil)
		}
	}
}

// TestPermissionGroupsOpenPredictably: a group starts open exactly when it
// has ticked actions; each summary has a chevron; the help link opens in a
// new tab so the form's input is not lost.
func TestPermissionGroupsOpenPredictably(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("ada@example.com", "super-admin")
	ada := app.login("ada@example.com")
	tok, _, errs, err := app.tokens.Create(context.Background(), testActor, apitoken.Input{
		Name: "Articles only", Type: "custom", Duration: "30", Permissions: []string{"api::article.article.find"},
	})
	if err != nil || !errs.Valid() {
		t.Fatalf("create: %v %v", err, errs)
	}
	open := func(doc *goquery.Document) map[string]bool {
		m := map[string]bool{}
		doc.Find(`[data-testid="permission-group"]`).Each(func(_ int, s *goquery.Selection) {
			_, o := s.Attr("open")
			m[s.AttrOr("data-content-type", "")] = o
			if s.Find(`summary svg[data-icon="chevron-down"]`).Length() != 1 {
				t.Errorf("%s: no chevron in the summary", s.AttrOr("data-content-type", ""))
			}
		})
		return m
	}
	fresh := ada.get("/admin/settings/api-tokens/create").doc(t)
	for uid, o := range open(fresh) {
		ticked := fresh.Find(`[data-testid="permission-group"][data-content-type="` + uid + `"] input[name="permissions"][checked]`).Length()
		if o != (ticked > 0) {
			t.Errorf("create form: %s open=%v with %d ticked", uid, o, ticked)
		}
	}
	help := fresh.Find(`[data-testid="actions-help"]`)
	if help.AttrOr("target", "") != "_blank" || !strings.Contains(help.AttrOr("rel", ""), "noopener") || !strings.Contains(help.Text(), "new tab") {
		t.Errorf("help link target=%q rel=%q text=%q", help.AttrOr("target", ""), help.AttrOr("rel", ""), help.Text())
	}
	edit := open(ada.get("/admin/settings/api-tokens/" + itoa(tok.ID)).doc(t))
	if !edit["api::article.article"] || edit["api::category.category"] {
		t.Errorf("token with article.find: open groups %v, want article only", edit)
	}
}

// TestRevealHasCurlExample: under the revealed key, a command to paste that
// uses the key against this server's /api/token.
func TestRevealHasCurlExample(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("ada@example.com", "super-admin")
	ada := app.login("ada@example.com")
	res := ada.post("/admin/settings/api-tokens", tokenForm("Curl", "read-only", "30"), "HX-Request", "true")
	doc := res.doc(t)
	key := strings.TrimSpace(doc.Find(`[data-testid="token-value"]`).Text())
	if key == "" {
		t.Fatalf("no key revealed: %d", res.StatusCode)
	}
	want := "curl -H 'Authorization: Bearer " + key + "' " + app.srv.URL + "/api/token"
	if got := doc.Find(`[data-testid="curl-example"]`).Text(); got != want {
		t.Errorf("curl example %q, want %q", got, want)
	}
	// Not on the token's page afterwards: the key is shown once.
	if strings.Contains(ada.get(res.Header.Get("HX-Replace-Url")).body, "curl-example") {
		t.Error("the curl example (with the key) shows again")
	}
}

// TestListShowsKeyHint: each row shows the key's hint, as stored (the
// prefix and last four characters), never the key.
func TestListShowsKeyHint(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("ada@example.com", "super-admin")
	ada := app.login("ada@example.com")
	tok, key, errs, err := app.tokens.Create(context.Background(), testActor, apitoken.Input{Name: "Hinted", Type: "read-only", Duration: "30"})
	if err != nil || !errs.Valid() {
		t.Fatalf("create: %v %v", err, errs)
	}
	res := ada.get("/admin/settings/api-tokens")
	hint := res.doc(t).Find(`[data-testid="token-row"][data-token-id="` + itoa(tok.ID) + `"] [data-testid="row-key-hint"]`).Text()
	if hint == "" || hint != tok.KeyHint || !strings.HasPrefix(hint, "tka_") || !strings.HasSuffix(key, hint[len(hint)-4:]) {
		t.Errorf("row key hint %q (stored %q)", hint, tok.KeyHint)
	}
	if strings.Contains(res.body, key) {
		t.Error("the list shows the key")
	}
}
