package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tokenadmin/tokenadmin/apitoken"
	"github.com/tokenadmin/tokenadmin/audit"
)

const (
	graceSelect    = `[data-testid="regenerate-dialog"] select[name="grace"]`
	graceCountdown = `[data-testid="grace-countdown"]`
)

// TestRotateWithGraceInBrowser: the regenerate dialog's grace keeps the
// old key; the token's page counts down, ticking in the browser; "end
// grace now" stops the old key and the countdown goes.
func TestRotateWithGraceInBrowser(t *testing.T) {
	a := newApp(t)
	a.signInAsSuperAdmin()
	tok, oldKey := a.seedToken("Rolling", apitoken.ReadOnly)
	a.open(tokenPath(tok.ID), tokenForm)
	a.run(chromedp.Click(`[data-testid="regenerate-button"]`, chromedp.ByQuery))
	a.waitTrue("regenerate-dialog open", `document.querySelector('[data-testid="regenerate-dialog"]').open`)
	var options []string
	a.eval(`[...document.querySelectorAll('`+graceSelect+` option')].map(o => o.value)`, &options)
	if len(options) != 4 || options[0] != "0" || options[3] != "7d" {
		t.Fatalf("grace options: got %v, want 0, 1h, 24h, 7d", options)
	}
	a.pick(graceSelect, "1h")
	a.shot("grace-chosen")
	a.run(
		chromedp.Click(`[data-testid="regenerate-confirm"]`, chromedp.ByQuery),
		chromedp.WaitVisible(tokenValue, chromedp.ByQuery),
		chromedp.WaitVisible(graceCountdown, chromedp.ByQuery),
	)
	a.waitFlash("old key keeps working")
	first := a.text(graceCountdown)
	if first != "1h 00m" && first != "59m 59s" && first != "59m 58s" {
		t.Errorf("countdown right after: got %q, want about 1 h", first)
	}
	// It ticks in the page: within the hour it reads minutes and seconds
	// once past the first second.
	a.waitTrue("countdown ticking", `/^59m 5[0-8]s$/.test(document.querySelector('`+graceCountdown+`').textContent)`)
	a.shot("grace-countdown")
	old, err := a.store.TokenByHash(context.Background(), a.hasher.Hash(oldKey))
	if err != nil || !old.ViaOldKey || !old.InGrace(time.Now()) {
		t.Fatalf("old key: %+v %v, want it in its grace", old, err)
	}

	a.run(chromedp.Click(`[data-testid="end-grace"]`, chromedp.ByQuery))
	a.waitFlash("no longer works")
	a.waitTrue("countdown gone", `!document.querySelector('`+graceCountdown+`')`)
	a.shot("grace-ended")
	if old, err := a.store.TokenByHash(context.Background(), a.hasher.Hash(oldKey)); err != nil || old.InGrace(time.Now()) {
		t.Errorf("old key after end grace: %+v %v, want its grace over", old, err)
	}
	if a.count(tokenValue) != 0 {
		t.Error("the key is shown again after ending the grace")
	}
}

// TestPauseResumeInBrowser: pause swaps in the paused state (badge,
// notice, resume button) without a navigation; resume swaps it back; the
// list shows the badge meanwhile.
func TestPauseResumeInBrowser(t *testing.T) {
	a := newApp(t)
	a.signInAsSuperAdmin()
	tok, _ := a.seedToken("Pausable", apitoken.ReadOnly)
	a.open(tokenPath(tok.ID), tokenForm)
	a.eval(`window.e2eMarker = 1`, nil)
	a.run(
		chromedp.Click(`[data-testid="pause-button"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="resume-button"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="paused-notice"]`, chromedp.ByQuery),
	)
	a.waitFlash("paused")
	a.shot("paused")
	if !a.isTrue(`window.e2eMarker === 1`) {
		t.Error("pausing reloaded the page")
	}
	if !a.storedToken(tok.ID).Paused {
		t.Fatal("store: not paused")
	}
	a.open(tokensURL, `[data-testid="tokens-table"]`)
	if a.count(`[data-testid="token-row"] [data-testid="badge-paused"]`) != 1 {
		t.Error("list: no paused badge")
	}
	a.open(tokenPath(tok.ID), `[data-testid="resume-button"]`)
	a.run(
		chromedp.Click(`[data-testid="resume-button"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="pause-button"]`, chromedp.ByQuery),
	)
	a.waitFlash("resumed")
	if a.storedToken(tok.ID).Paused || a.count(`[data-testid="paused-notice"]`) != 0 {
		t.Error("resume: still paused")
	}
}

// TestExpiringBannerInBrowser: the list's banner counts the tokens that
// expire within 7 days and its link shows just those.
func TestExpiringBannerInBrowser(t *testing.T) {
	a := newApp(t)
	a.signInAsSuperAdmin()
	a.seedToken("Monthly", apitoken.ReadOnly)
	if _, _, errs, err := a.tokens.Create(context.Background(), audit.CLI("e2e"), apitoken.Input{Name: "Weekly", Type: "read-only", Duration: "7"}); err != nil || !errs.Valid() {
		t.Fatal(err, errs)
	}
	a.open(tokensURL, `[data-testid="expiring-banner"]`)
	if got := a.text(`[data-testid="expiring-banner"]`); !strings.Contains(got, "1 token expires within 7 days") {
		t.Errorf("banner: %q", got)
	}
	a.shot("expiring-banner")
	a.run(
		chromedp.Click(`[data-testid="expiring-link"]`, chromedp.ByQuery),
		chromedp.WaitReady(`[data-testid="token-filter"] option[value="expiring"][selected]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="tokens-table"]`, chromedp.ByQuery),
	)
	if !a.isTrue(`location.search.includes('filter=expiring')`) {
		t.Error("the banner's link does not filter")
	}
	if n := a.count(`[data-testid="token-row"]`); n != 1 || a.text(`[data-testid="token-row"] [data-testid="token-name"]`) != "Weekly" {
		t.Errorf("filtered rows: %d, first %q; want Weekly alone", n, a.text(`[data-testid="token-name"]`))
	}
	if v := a.value(`[data-testid="token-filter"]`); v != "expiring" {
		t.Errorf("filter select shows %q", v)
	}
	a.shot("expiring-filtered")
}
