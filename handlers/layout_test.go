package handlers

import (
	"net/http"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
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
