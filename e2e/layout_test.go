package e2e

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/tokenadmin/tokenadmin/access"
	"github.com/tokenadmin/tokenadmin/apitoken"
	"github.com/tokenadmin/tokenadmin/browsertest"
)

// phoneWidth is the viewport of a common phone (iPhone 12–15) in CSS px.
const phoneWidth = 390

// page is one signed-in page and an element that shows it has rendered.
type adminPage struct {
	name, path, ready string
}

// seedPages fills the store so that every signed-in page has content (a
// token with a long name, a custom role, a second admin, audit rows) and
// returns every signed-in page a super admin can open.
func (a *app) seedPages() []adminPage {
	a.t.Helper()
	tok, _ := a.seedToken("A token with a rather long name that must wrap on a phone", apitoken.ReadOnly)
	a.seedAdmin("Eddie Editor", "eddie@example.com", access.Editor)
	editor, err := a.store.RoleBySlug(context.Background(), access.Editor)
	if err != nil {
		a.t.Fatal(err)
	}
	id := strconv.FormatInt(tok.ID, 10)
	role := strconv.FormatInt(editor.ID, 10)
	return []adminPage{
		{"welcome", "/admin/welcome", "main"},
		{"account", "/admin/account", `[data-testid="sessions"]`},
		{"tokens", tokensURL, `[data-testid="tokens-table"]`},
		{"token-create", tokensURL + "/create", `[data-testid="token-form"]`},
		{"token-edit", tokensURL + "/" + id, `[data-testid="token-form"]`},
		{"token-regenerate", tokensURL + "/" + id + "/regenerate", "main form"},
		{"token-delete", tokensURL + "/" + id + "/delete", "main form"},
		{"token-missing", tokensURL + "/999999", "main"},
		{"content-api", "/admin/settings/content-api", `[data-testid="content-type"]`},
		{"roles", "/admin/settings/roles", `[data-testid="roles-table"]`},
		{"role-create", "/admin/settings/roles/create", "main form"},
		{"role-edit", "/admin/settings/roles/" + role, `[data-testid="permission-matrix"]`},
		{"users", "/admin/settings/users", `[data-testid="users-table"]`},
		{"user-create", "/admin/settings/users/create", "main form"},
		{"audit-logs", "/admin/settings/audit-logs", `[data-testid="audit-table"]`},
	}
}

// setWidth resizes the viewport, as a phone or a desktop window would be.
func (a *app) setWidth(width int64) {
	a.t.Helper()
	a.run(chromedp.EmulateViewport(width, 844))
}

// TestNoPageOverflowsOnAPhone opens every signed-in page at 390 px and
// measures that the document is no wider than the screen: nothing needs
// horizontal scrolling, so nothing is cut off.
func TestNoPageOverflowsOnAPhone(t *testing.T) {
	a := newApp(t)
	a.signInAsSuperAdmin()
	pages := a.seedPages()
	a.setWidth(phoneWidth)
	browsertest.AllowConsoleError(a.ctx, "/999999")
	for _, p := range pages {
		t.Run(p.name, func(t *testing.T) {
			s := a.sub(t)
			s.open(p.path, p.ready)
			var width int
			s.eval(`document.documentElement.scrollWidth`, &width)
			if width > phoneWidth {
				var wide []string
				s.eval(fmt.Sprintf(`[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > %d + 1 && e.parentElement.getBoundingClientRect().right <= %d + 1).slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))`, phoneWidth, phoneWidth), &wide)
				t.Errorf("%s lays out %d px wide at %d px; widest: %q", p.path, width, phoneWidth, wide)
			}
			if !s.isTrue(`getComputedStyle(document.getElementById('sidebar')).display === 'none'`) {
				t.Errorf("%s: the navigation takes room on a phone instead of hiding behind the menu button", p.path)
			}
			s.shot("phone")
		})
	}
}

// TestPhoneMenu opens and closes the navigation by mouse and by keyboard.
func TestPhoneMenu(t *testing.T) {
	a := newApp(t)
	a.signInAsSuperAdmin()
	a.setWidth(phoneWidth)
	a.open("/admin/settings/roles", `[data-testid="roles-table"]`)

	const menu = `[data-testid="menu-button"]`
	if got := a.attr(menu, "aria-expanded"); got != "false" {
		t.Fatalf("menu button aria-expanded = %q before opening", got)
	}
	if got := a.attr(menu, "aria-controls"); got != "sidebar" {
		t.Errorf("menu button aria-controls = %q, want sidebar", got)
	}
	a.run(chromedp.Click(menu, chromedp.ByQuery), chromedp.WaitVisible(`#sidebar`, chromedp.ByQuery))
	if got := a.attr(menu, "aria-expanded"); got != "true" {
		t.Errorf("aria-expanded = %q after opening", got)
	}
	// Focus moves into the panel, onto the page shown.
	if got := a.text(`:focus`); got != "Roles" {
		t.Errorf("focus after opening is on %q, want the current page's link", got)
	}
	a.shot("open")
	a.run(chromedp.KeyEvent(kb.Escape))
	a.waitTrue("closed", `getComputedStyle(document.getElementById('sidebar')).display === 'none'`)
	if got := a.attr(menu, "aria-expanded"); got != "false" {
		t.Errorf("aria-expanded = %q after Escape", got)
	}
	if !a.isTrue(`document.activeElement === document.querySelector('[data-testid="menu-button"]')`) {
		t.Error("focus did not return to the menu button after Escape")
	}

	// The backdrop closes it too; a link in it navigates.
	a.run(chromedp.Click(menu, chromedp.ByQuery), chromedp.WaitVisible(`[data-sidebar-backdrop]`, chromedp.ByQuery))
	a.run(chromedp.MouseClickXY(380, 400))
	a.waitTrue("closed by the backdrop", `getComputedStyle(document.getElementById('sidebar')).display === 'none'`)
	a.run(chromedp.Click(menu, chromedp.ByQuery), chromedp.WaitVisible(`#sidebar`, chromedp.ByQuery),
		chromedp.Click(`#sidebar a[href="/admin/account"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="sessions"]`, chromedp.ByQuery))
	if got := a.attr(`#sidebar a[href="/admin/account"]`, "aria-current"); got != "page" {
		t.Errorf("Account link aria-current = %q on the account page", got)
	}

	// At desktop width there is no menu button and the navigation is in place.
	a.setWidth(1280)
	a.open("/admin/settings/roles", `[data-testid="roles-table"]`)
	if a.isTrue(`getComputedStyle(document.querySelector('[data-testid="menu-button"]')).display !== 'none'`) {
		t.Error("menu button shown at 1280 px")
	}
	if !a.isTrue(`document.getElementById('sidebar').getBoundingClientRect().width === 240`) {
		t.Error("the navigation is not the 240 px column at 1280 px")
	}
}

// TestSkipLink: the first Tab stop is the skip link, and following it
// puts focus on the page's main content.
func TestSkipLink(t *testing.T) {
	a := newApp(t)
	a.signInAsSuperAdmin()
	a.open("/admin/settings/roles", `[data-testid="roles-table"]`)
	a.run(chromedp.KeyEvent(kb.Tab))
	if got := a.text(`:focus`); got != "Skip to main content" {
		t.Fatalf("first Tab stop is %q, want the skip link", got)
	}
	if !a.isTrue(`document.activeElement.getBoundingClientRect().width > 0 && getComputedStyle(document.activeElement).position === 'fixed'`) {
		t.Error("the focused skip link is not visible")
	}
	a.run(chromedp.KeyEvent(kb.Enter))
	a.waitTrue("focus on main", `document.activeElement === document.getElementById('main')`)
}

// TestNoEmptySettingsHeading: an admin whose role grants nothing sees the
// Account link and no "Settings" heading over an empty list.
func TestNoEmptySettingsHeading(t *testing.T) {
	a := newApp(t)
	a.seedAdmin("Ada Admin", "ada@example.com", access.SuperAdmin)
	a.seedAdmin("Otto Author", "otto@example.com", access.Author)
	a.login("otto@example.com", password)
	a.setWidth(phoneWidth)
	a.open("/admin/welcome", "main")
	if got := a.text(`#sidebar`); strings.Contains(got, "Settings") {
		t.Errorf("navigation of an admin without permissions: %q, want no Settings heading", got)
	}
	if a.count(`#sidebar a[href="/admin/account"]`) != 1 {
		t.Error("no Account link in the navigation")
	}
	var width int
	a.eval(`document.documentElement.scrollWidth`, &width)
	if width > phoneWidth {
		t.Errorf("welcome page %d px wide at %d px", width, phoneWidth)
	}
}

// TestIconsFollowText: an icon is drawn at text size in its control's
// colour, in light and dark mode alike.
func TestIconsFollowText(t *testing.T) {
	a := newApp(t)
	a.signInAsSuperAdmin()
	for _, scheme := range []string{"light", "dark"} {
		a.prefersScheme(scheme)
		a.open("/admin/settings/roles/create", `a.btn svg[data-icon="arrow-left"]`)
		var got struct {
			Width, Height float64
			Fill, Color   string
		}
		a.eval(`(function () {
			var svg = document.querySelector('a.btn svg[data-icon="arrow-left"]'), r = svg.getBoundingClientRect();
			return {Width: r.width, Height: r.height, Fill: getComputedStyle(svg).fill, Color: getComputedStyle(svg.closest('a')).color};
		})()`, &got)
		if got.Width != 16 || got.Height != 16 {
			t.Errorf("%s: back arrow %vx%v px, want 16x16", scheme, got.Width, got.Height)
		}
		if got.Fill != got.Color {
			t.Errorf("%s: back arrow filled %s in a link coloured %s", scheme, got.Fill, got.Color)
		}
	}
	a.shot("back-link")
}

// TestAccordionChevron: a closed group's chevron points down, an open
// one's up; opening is by the summary, by mouse or keyboard.
func TestAccordionChevron(t *testing.T) {
	a := newApp(t)
	a.signInAsSuperAdmin()
	a.openCreateForm()
	a.pick(typeSelect, "custom")
	g := group(articleUID)
	chevron := fmt.Sprintf(`getComputedStyle(document.querySelector(%q)).transform`, g+` > summary svg[data-icon="chevron-down"]`)
	if a.isTrue(fmt.Sprintf(`document.querySelector(%q).open`, g)) {
		a.run(chromedp.Click(g+` > summary`, chromedp.ByQuery))
	}
	var closed, opened string
	a.waitTrue("closed chevron settled", chevron+` === 'none'`)
	a.eval(chevron, &closed)
	a.run(chromedp.Focus(g+` > summary`, chromedp.ByQuery), chromedp.KeyEvent(kb.Enter))
	a.waitTrue("group open", fmt.Sprintf(`document.querySelector(%q).open`, g))
	a.waitTrue("chevron turned", chevron+` === 'matrix(-1, 0, 0, -1, 0, 0)'`)
	a.eval(chevron, &opened)
	if closed == opened {
		t.Errorf("chevron transform %q both closed and open", closed)
	}
	a.shot("open-group")
}
