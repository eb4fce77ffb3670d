package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/tokenadmin/tokenadmin/apitoken"
	"github.com/tokenadmin/tokenadmin/audit"
)

// TestTokenListFitsEveryWidth: with the widest rows the list can have (a
// 60-character name and description, full access, an "Expires in …"
// badge, a paused and an expired token), the table fits its card at 1,280
// and 1,920 px, every row's actions included, and on a 390 px phone each
// row is a card with its actions on screen, nothing scrolling sideways.
func TestTokenListFitsEveryWidth(t *testing.T) {
	a := newApp(t)
	a.signInAsSuperAdmin()
	long := strings.Repeat("Partner integration ", 3)[:60]
	mint := func(name, typ string, d apitoken.Duration) apitoken.Token {
		tok, _, errs, err := a.tokens.Create(context.Background(), audit.CLI("e2e"), apitoken.Input{Name: name, Description: long + " " + name, Type: typ, Duration: string(d)})
		if err != nil || !errs.Valid() {
			t.Fatalf("seed %s: %v %v", name, err, errs)
		}
		return tok
	}
	mint(long, "full-access", apitoken.Days30)
	mint("Soon "+long[:40], "full-access", apitoken.Days30)
	paused := mint("Paused "+long[:40], "read-only", apitoken.Days90)
	mint("Old "+long[:40], "read-only", apitoken.Days7)
	if _, err := a.tokens.Pause(context.Background(), audit.CLI("e2e"), paused.ID); err != nil {
		t.Fatal(err)
	}
	a.advance(25 * 24 * time.Hour)       // "Soon" has 5 days left, "Old" has expired
	a.login("ada@example.com", password) // the old session has expired meanwhile

	for _, width := range []int64{1280, 1920} {
		a.setWidth(width)
		a.open("/admin/settings/api-tokens", `[data-testid="tokens-table"]`)
		if a.count(`[data-testid="badge-expiring"]`) == 0 || a.count(`[data-testid="badge-expired"]`) == 0 {
			t.Fatal("the fixture lost its badges")
		}
		var over int
		a.eval(`(c => c.scrollWidth - c.clientWidth)(document.querySelector('[data-testid="tokens-table"]').parentElement)`, &over)
		if over > 0 {
			t.Errorf("at %d px the table is %d px wider than its card", width, over)
		}
		var hidden []string
		a.eval(`(() => { const card = document.querySelector('[data-testid="tokens-table"]').parentElement.getBoundingClientRect();
			return [...document.querySelectorAll('[data-testid="token-row"] [data-testid="delete-button"]')]
				.filter(b => b.getBoundingClientRect().right > card.right + 0.5).map(b => b.closest('tr').dataset.tokenId) })()`, &hidden)
		if len(hidden) > 0 {
			t.Errorf("at %d px the Delete of rows %v is outside the card", width, hidden)
		}
		a.wantNoHorizontalScroll(width)
		a.shot(fmt.Sprintf("list-%d", width))
	}

	a.setWidth(phoneWidth)
	a.open("/admin/settings/api-tokens", `[data-testid="tokens-table"]`)
	if !a.isTrue(`[...document.querySelectorAll('[data-testid="token-row"]')].every(r => getComputedStyle(r).display === 'block')`) {
		t.Error("on a phone the rows are not cards")
	}
	if !a.isTrue(`[...document.querySelectorAll('[data-testid="token-row"] [data-testid="delete-button"]')].every(b => { const r = b.getBoundingClientRect(); return r.width > 0 && r.right <= innerWidth })`) {
		t.Error("on a phone a row's Delete is off screen")
	}
	var over int
	a.eval(`(c => c.scrollWidth - c.clientWidth)(document.querySelector('[data-testid="tokens-table"]').parentElement)`, &over)
	if over > 0 {
		t.Errorf("on a phone the cards scroll %d px sideways", over)
	}
	a.wantNoHorizontalScroll(phoneWidth)
	a.shot("list-phone")
}

// TestCreateFormExplainsTypeAndExpiry: changing the duration or the type
// changes the line under it at once, before anything is saved.
func TestCreateFormExplainsTypeAndExpiry(t *testing.T) {
	a := newApp(t)
	a.signInAsSuperAdmin()
	a.openCreateForm()
	a.pick(`select[name="duration"]`, "unlimited")
	if got := a.text(`[data-testid="expiry-preview"]`); got != "Expiration date: never" {
		t.Errorf("after choosing unlimited: %q", got)
	}
	a.pick(`select[name="duration"]`, "7")
	want := "Expiration date: " + time.Now().UTC().Add(7*24*time.Hour).Format("2 Jan 2006")
	if got := a.text(`[data-testid="expiry-preview"]`); got != want {
		t.Errorf("after choosing 7 days: %q, want %q", got, want)
	}
	a.pick(typeSelect, "full-access")
	if got := a.text(`[data-testid="type-explanation"]`); got != "Can read, create, update and delete every content type." {
		t.Errorf("after choosing full access: %q", got)
	}
	if !a.isTrue(`!document.querySelector('[data-hint-type="preset"]').hidden && document.querySelector('[data-hint-type="custom"]').hidden`) {
		t.Error("after choosing full access the permissions hint is not the preset one")
	}
	a.pick(typeSelect, "custom")
	if got := a.text(`[data-testid="type-explanation"]`); !strings.Contains(got, "exactly the actions ticked") {
		t.Errorf("after choosing custom: %q", got)
	}
	if !a.isTrue(`document.querySelector('[data-hint-type="preset"]').hidden && !document.querySelector('[data-hint-type="custom"]').hidden`) {
		t.Error("after choosing custom the permissions hint is not the custom one")
	}
}

// TestDeleteAllExpiredInTheBrowser: the list filtered to expired tokens
// offers Delete all; its dialog asks, confirming deletes them and keeps
// the live one.
func TestDeleteAllExpiredInTheBrowser(t *testing.T) {
	a := newApp(t)
	a.signInAsSuperAdmin()
	for _, name := range []string{"Old one", "Old two"} {
		if _, _, errs, err := a.tokens.Create(context.Background(), audit.CLI("e2e"), apitoken.Input{Name: name, Type: "read-only", Duration: string(apitoken.Days7)}); err != nil || !errs.Valid() {
			t.Fatal(err, errs)
		}
	}
	a.advance(8 * 24 * time.Hour)
	a.seedToken("Live", apitoken.ReadOnly)
	a.login("ada@example.com", password)
	a.open("/admin/settings/api-tokens?sort=name&filter=expired", `[data-testid="delete-expired"]`)
	a.run(chromedp.Click(`[data-testid="delete-expired"]`, chromedp.ByQuery), chromedp.WaitVisible(`[data-testid="delete-expired-dialog"]`, chromedp.ByQuery))
	a.shot("delete-expired-dialog")
	a.run(chromedp.Click(`[data-testid="delete-expired-confirm"]`, chromedp.ByQuery), chromedp.WaitVisible(`[data-testid="flash"]`, chromedp.ByQuery))
	if got := a.text(`[data-testid="flash"]`); !strings.Contains(got, "2 expired tokens deleted.") {
		t.Errorf("flash %q", got)
	}
	if n := a.tokenCount(); n != 1 {
		t.Errorf("%d tokens left, want the live one", n)
	}
}
