package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/tokenadmin/tokenadmin/browsertest"
)

// tabTo presses Tab until the focused element matches sel, as a keyboard
// user moves through the page; it fails when sel cannot be reached within
// max presses.
func (a *app) tabTo(sel string, max int) {
	a.t.Helper()
	for range max {
		if a.isTrue(`document.activeElement && document.activeElement.matches('` + sel + `')`) {
			return
		}
		a.run(chromedp.KeyEvent(kb.Tab))
	}
	a.t.Fatalf("%s not reached with %d presses of Tab (focus on %s)", sel, max, a.focused())
}

func (a *app) focused() string {
	var s string
	a.eval(`(e => e ? e.tagName + (e.dataset.testid ? '[' + e.dataset.testid + ']' : '') + (e.id ? '#' + e.id : '') : 'nothing')(document.activeElement)`, &s)
	return s
}

// TestKeyboardOnly: create → reveal → copy, regenerate and delete with the
// keyboard alone (Tab, Enter, typing), the way a keyboard or switch user
// works: every control on the way is reachable, and each step lands where
// the next one starts.
func TestKeyboardOnly(t *testing.T) {
	a := newApp(t)
	a.signInAsSuperAdmin()
	if err := browsertest.GrantClipboard(a.ctx, a.srv.URL); err != nil {
		t.Fatal(err)
	}
	a.open("/admin/settings/api-tokens", `[data-testid="create-token"]`)

	a.tabTo(`[data-testid="create-token"]`, 40)
	a.run(chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(tokenForm, chromedp.ByQuery))
	a.tabTo(`#field-name`, 40)
	a.run(chromedp.KeyEvent("Keyboard token"))
	a.tabTo(saveToken, 80)
	a.run(chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(tokenValue, chromedp.ByQuery))
	key := a.text(tokenValue)
	if !keyShape.MatchString(key) {
		t.Fatalf("revealed %q", key)
	}

	a.tabTo(`[data-testid="copy-token"]`, 10)
	a.run(chromedp.KeyEvent(kb.Enter))
	a.waitTrue("the Copied label", `document.querySelector('[data-testid="copy-token"]').textContent.trim() === 'Copied'`)
	if got, err := browsertest.ReadClipboard(a.ctx); err != nil || got != key {
		t.Errorf("clipboard after Enter on Copy: %q, %v", got, err)
	}

	a.tabTo(`[data-testid="regenerate-button"]`, 60)
	a.run(chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(`[data-testid="regenerate-dialog"]`, chromedp.ByQuery))
	if !a.isTrue(`document.activeElement && document.activeElement.closest('[data-testid="regenerate-dialog"]') !== null`) {
		t.Fatalf("focus is not in the regenerate dialog but on %s", a.focused())
	}
	a.tabTo(`[data-testid="regenerate-confirm"]`, 10)
	a.run(chromedp.KeyEvent(kb.Enter))
	a.waitTrue("a new key", `(e => e && e.textContent.trim() !== '' && e.textContent.trim() !== '`+key+`')(document.querySelector('`+tokenValue+`'))`)

	a.open("/admin/settings/api-tokens", `[data-testid="token-row"]`)
	a.tabTo(`[data-testid="token-row"] [data-testid="delete-button"]`, 60)
	a.run(chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(`[data-testid="delete-dialog"]`, chromedp.ByQuery))
	a.tabTo(`[data-testid="delete-dialog"] [data-testid="delete-confirm"]`, 10)
	a.run(chromedp.KeyEvent(kb.Enter))
	a.waitTrue("the row removed", `document.querySelectorAll('[data-testid="token-row"]').length === 0`)
	if a.tokenCount() != 0 {
		t.Errorf("%d tokens after deleting with the keyboard", a.tokenCount())
	}
	if strings.Contains(a.focused(), "BODY") {
		t.Error("focus fell to the page after the delete")
	}
}
