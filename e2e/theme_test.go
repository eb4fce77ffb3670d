package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// Page backgrounds: gray-50 in light mode, gray-950 in dark.
const (
	lightBackground = "rgb(249, 250, 251)"
	darkBackground  = "rgb(3, 7, 18)"
)

// prefersScheme makes the tab's system preference light or dark.
func (a *app) prefersScheme(scheme string) {
	a.t.Helper()
	a.run(emulation.SetEmulatedMedia().WithFeatures([]*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}))
}

func (a *app) background() string {
	a.t.Helper()
	var bg string
	a.eval(`getComputedStyle(document.body).backgroundColor`, &bg)
	return bg
}

// TestDarkMode: the page follows the system's preference until the admin
// picks light or dark in the switch; the choice is remembered and applied
// before the page's body exists, so a reload never flashes the other mode.
func TestDarkMode(t *testing.T) {
	a := newApp(t)
	a.signInAsSuperAdmin()
	// Record the <html> classes at the moment <body> is created: the head
	// (theme.js, then the stylesheet) has run, nothing has been painted.
	a.run(chromedp.ActionFunc(func(ctx context.Context) error {
		_, err := page.AddScriptToEvaluateOnNewDocument(`new MutationObserver(function (_, obs) {
			if (document.body) { window.__classesAtBody = document.documentElement.className; obs.disconnect(); }
		}).observe(document, {childList: true, subtree: true});`).Do(ctx)
		return err
	}))

	a.prefersScheme("dark")
	a.open("/admin/settings/roles", `[data-testid="roles-table"]`)
	if got := a.background(); got != darkBackground {
		t.Errorf("system dark: background %s, want %s", got, darkBackground)
	}
	if got := a.value(`#theme-select`); got != "system" {
		t.Errorf("switch shows %q, want system", got)
	}
	a.shot("system-dark")

	a.pick(`#theme-select`, "light")
	if got := a.background(); got != lightBackground {
		t.Errorf("light picked on a dark system: background %s, want %s", got, lightBackground)
	}
	a.open("/admin/settings/users", `[data-testid="users-table"]`)
	var atBody string
	a.eval(`window.__classesAtBody`, &atBody)
	if !hasClass(atBody, "light") {
		t.Errorf("<html> classes when <body> was created: %q, want light already applied", atBody)
	}
	if got := a.background(); got != lightBackground {
		t.Errorf("light not remembered: background %s", got)
	}
	if got := a.value(`#theme-select`); got != "light" {
		t.Errorf("switch shows %q after reload, want light", got)
	}

	a.prefersScheme("light")
	a.pick(`#theme-select`, "dark")
	a.open("/admin/settings/users", `[data-testid="users-table"]`)
	a.eval(`window.__classesAtBody`, &atBody)
	if !hasClass(atBody, "dark") {
		t.Errorf("<html> classes when <body> was created: %q, want dark already applied", atBody)
	}
	if got := a.background(); got != darkBackground {
		t.Errorf("dark picked on a light system: background %s, want %s", got, darkBackground)
	}
	// Text and surfaces flip with the page; white on solid buttons stays.
	var card, text, primary string
	a.eval(`getComputedStyle(document.querySelector('.card')).backgroundColor`, &card)
	a.eval(`getComputedStyle(document.querySelector('h1')).color`, &text)
	if card != "rgb(15, 23, 42)" || text != "rgb(248, 250, 252)" {
		t.Errorf("dark card %s with heading %s, want rgb(15, 23, 42) and rgb(248, 250, 252)", card, text)
	}
	a.eval(`(function () { var b = document.createElement('button'); b.className = 'btn btn-primary'; document.body.appendChild(b); var c = getComputedStyle(b).color; b.remove(); return c; })()`, &primary)
	if primary != "rgb(255, 255, 255)" {
		t.Errorf("primary button text %s in dark mode, want white", primary)
	}
	a.shot("dark")

	// Back to the system: the preference decides again, live.
	a.pick(`#theme-select`, "system")
	if got := a.background(); got != lightBackground {
		t.Errorf("system (light): background %s", got)
	}
	a.prefersScheme("dark")
	if got := a.background(); got != darkBackground {
		t.Errorf("system turned dark: background %s", got)
	}
	var stored string
	a.eval(`String(localStorage.getItem('tokenadmin-theme'))`, &stored)
	if stored != "null" {
		t.Errorf("stored theme %q after choosing system, want none", stored)
	}
}

func hasClass(classes, want string) bool {
	for _, c := range strings.Fields(classes) {
		if c == want {
			return true
		}
	}
	return false
}
