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

const (
	ipsInput     = `[data-testid="token-form"] textarea[name="allowed_ips"]`
	rateInput    = `[data-testid="token-form"] input[name="rate_limit"]`
	quotaInput   = `[data-testid="token-form"] input[name="quota"]`
	refillSelect = `[data-testid="token-form"] select[name="quota_refill"]`
)

// viewports are the widths the admin is checked at: a laptop and a
// phone (390 px, an iPhone 12 to 15).
var viewports = []struct {
	name          string
	width, height int64
}{{"1280", 1280, 900}, {"390", 390, 844}}

// resize sets the page's viewport.
func (a *app) resize(width, height int64) {
	a.t.Helper()
	a.run(chromedp.EmulateViewport(width, height))
}

// wantNoHorizontalScroll fails when the page is wider than the viewport.
func (a *app) wantNoHorizontalScroll(width int64) {
	a.t.Helper()
	var sw int64
	a.eval(`document.documentElement.scrollWidth`, &sw)
	if sw > width {
		// Name the elements that stick out, outside any scrolling box, to
		// say what to fix.
		var wide []string
		a.eval(`(() => {
			const clipped = e => { for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) {
				if (getComputedStyle(p).overflowX !== 'visible') return true; } return false; };
			return [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > innerWidth + 0.5 && !clipped(e))
				.slice(0, 8).map(e => e.tagName.toLowerCase() + (e.dataset.testid ? '[' + e.dataset.testid + ']' : '') + '.' +
				[...e.classList].join('.') + ' ' + Math.round(e.getBoundingClientRect().right));
		})()`, &wide)
		a.t.Errorf("page scrollWidth %d px at a %d px viewport: it scrolls sideways; sticking out: %v", sw, width, wide)
	}
}

// fieldErrorShown checks field's message is visible, names the control
// and the control is marked invalid.
func (a *app) fieldErrorShown(field string) {
	a.t.Helper()
	sel := fmt.Sprintf(`[data-testid="field-error"][data-field=%q]`, field)
	a.waitTrue(field+" error visible", fmt.Sprintf(`(e => e && e.offsetParent !== null)(document.querySelector(%q))`, sel))
	ok := a.isTrue(fmt.Sprintf(`(() => {
		const c = document.querySelector('[data-testid="token-form"] [name=%q]');
		const m = document.querySelector(%q);
		return c.getAttribute('aria-invalid') === 'true' && c.getAttribute('aria-describedby').split(' ').includes(m.id);
	})()`, field, sel))
	if !ok {
		a.t.Errorf("%s: control not aria-invalid or not described by its message", field)
	}
}

// TestGuardrailFieldsInBrowser fills the guardrail fields with mistakes,
// sees each error beside its field with everything typed kept, fixes them
// and saves, at a laptop's and a phone's width.
func TestGuardrailFieldsInBrowser(t *testing.T) {
	a := newApp(t)
	a.signInAsSuperAdmin()
	for _, vp := range viewports {
		t.Run(vp.name, func(t *testing.T) {
			a := a.sub(t)
			a.resize(vp.width, vp.height)
			a.openCreateForm()
			a.eval(`window.e2eMarker = 1`, nil)
			name := "Guarded " + vp.name
			a.fill(nameInput, name)
			typedIPs := "10.0.0.0/8\nnot-an-address\n2001:db8::/32"
			a.setValue(ipsInput, typedIPs)
			a.fill(rateInput, "5/h")
			a.fill(quotaInput, "1000")
			a.pick(refillSelect, "daily")
			a.run(chromedp.Click(saveToken, chromedp.ByQuery))
			a.fieldErrorShown("allowed_ips")
			a.fieldErrorShown("rate_limit")
			a.shot("guardrail-errors")
			if n := a.count(`[data-testid="field-error"]`); n != 2 {
				t.Errorf("%d field errors, want 2", n)
			}
			if msg := a.text(`[data-testid="field-error"][data-field="allowed_ips"]`); !strings.Contains(msg, "not-an-address") {
				t.Errorf("allowed_ips error %q does not name the bad line", msg)
			}
			for sel, want := range map[string]string{nameInput: name, ipsInput: typedIPs, rateInput: "5/h", quotaInput: "1000", refillSelect: "daily"} {
				if got := a.value(sel); got != want {
					t.Errorf("%s: %q after the error, want %q kept", sel, got, want)
				}
			}
			if !a.isTrue(`window.e2eMarker === 1`) {
				t.Error("the invalid save reloaded the page")
			}
			a.wantNoHorizontalScroll(vp.width)

			a.setValue(ipsInput, "10.0.0.0/8\n2001:db8::/32")
			a.fill(rateInput, "5/s")
			_, id := a.saveAndReveal()
			tok := a.storedToken(id)
			if tok.AllowedIPs.Text() != "10.0.0.0/8\n2001:db8::/32" || tok.RateLimit == nil || tok.RateLimit.String() != "5/s" ||
				tok.Quota == nil || *tok.Quota != (apitoken.Quota{Limit: 1000, Refill: apitoken.RefillDaily}) {
				t.Fatalf("stored guardrails: %+v", tok.Guardrails)
			}
			// The token's page shows what was saved.
			if got := a.value(ipsInput); got != "10.0.0.0/8\n2001:db8::/32" {
				t.Errorf("allowed_ips on the token's page: %q", got)
			}
			if got := a.value(quotaInput); got != "1000" {
				t.Errorf("quota on the token's page: %q", got)
			}
			a.wantNoHorizontalScroll(vp.width)
			a.shot("guardrails-saved")
		})
	}
}

// TestUsageChartInBrowser: the token page draws the usage chart, and its
// table fallback opens from the disclosure and reads as a table, at a
// laptop's and a phone's width.
func TestUsageChartInBrowser(t *testing.T) {
	a := newApp(t)
	a.signInAsSuperAdmin()
	tok, _ := a.seedToken("Busy", apitoken.ReadOnly)
	today := apitoken.Day(time.Now())
	if _, err := a.store.RecordUsage(context.Background(), apitoken.UsageBatch{Counts: map[apitoken.UsageKey]apitoken.Counts{
		{Token: tok.ID, Day: today}:      {OK: 40, Refused: 2, Blocked: 5, Limited: 3, Other: 1},
		{Token: tok.ID, Day: today - 1}:  {OK: 120},
		{Token: tok.ID, Day: today - 10}: {OK: 60, Limited: 20},
	}}); err != nil {
		t.Fatal(err)
	}
	const (
		chart   = `[data-testid="usage-chart"]`
		table   = chart + ` [data-testid="usage-table"]`
		summary = chart + ` details > summary`
	)
	for _, vp := range viewports {
		t.Run(vp.name, func(t *testing.T) {
			a := a.sub(t)
			a.resize(vp.width, vp.height)
			a.open(tokenPath(tok.ID), chart+` svg`)
			var box struct{ W, H float64 }
			a.eval(`(r => ({W: r.width, H: r.height}))(document.querySelector('`+chart+` svg').getBoundingClientRect())`, &box)
			if box.W < 200 || box.H < 100 || box.W > float64(vp.width) {
				t.Errorf("chart drawn %v×%v px at %d px", box.W, box.H, vp.width)
			}
			if n := a.count(chart + ` [data-testid="usage-bar"] rect`); n != 7 {
				t.Errorf("%d bar segments drawn, want 7", n)
			}
			// Screen readers get the figures as the image's name.
			var name string
			a.eval(`(s => s.getAttribute('aria-labelledby').split(' ').map(id => document.getElementById(id).textContent).join(' '))(document.querySelector('`+chart+` svg'))`, &name)
			if !strings.Contains(name, "251 requests") || !strings.Contains(name, "5 from outside the allow-list") {
				t.Errorf("chart's accessible name %q", name)
			}
			if got := a.text(`[data-testid="blocked-attempts"]`); !strings.Contains(got, "5 requests were refused for their address") {
				t.Errorf("blocked attempts: %q", got)
			}
			// The table is folded away until asked for, then readable.
			if a.isTrue(`document.querySelector('` + table + `').checkVisibility()`) {
				t.Error("the table shows before its disclosure is opened")
			}
			a.run(chromedp.Click(summary, chromedp.ByQuery))
			a.waitTrue("usage table visible", `document.querySelector('`+table+`').checkVisibility()`)
			var last []string
			a.eval(`[...document.querySelectorAll('`+table+` tbody tr:last-child > *')].map(c => c.innerText.trim())`, &last)
			if len(last) != 6 || strings.Join(last[1:], " ") != "40 7 5 3 1" {
				t.Errorf("today's row reads %q", last)
			}
			if n := a.count(table + ` tbody tr`); n != apitoken.UsageDays {
				t.Errorf("%d table rows, want %d", n, apitoken.UsageDays)
			}
			a.run(chromedp.ScrollIntoView(table, chromedp.ByQuery))
			a.shot("usage-chart")
			a.wantNoHorizontalScroll(vp.width)
		})
	}
}

// TestTokenListSparklinesInBrowser: each row draws its sparkline and a
// quota's remainder, and the list still fits a phone's width.
func TestTokenListSparklinesInBrowser(t *testing.T) {
	a := newApp(t)
	a.signInAsSuperAdmin()
	plain, _ := a.seedToken("Plain", apitoken.ReadOnly)
	quota, _, errs, err := a.tokens.Create(context.Background(), audit.CLI("e2e"), apitoken.Input{
		Name: "Metered with a rather long name to stretch the row", Type: "read-only", Duration: "30",
		Description: "Used by the nightly export job to read every article and category",
		GuardInput:  apitoken.GuardInput{Quota: "1000", QuotaRefill: "monthly"}})
	if err != nil || !errs.Valid() {
		t.Fatal(err, errs)
	}
	today := apitoken.Day(time.Now())
	if _, err := a.store.RecordUsage(context.Background(), apitoken.UsageBatch{
		Counts: map[apitoken.UsageKey]apitoken.Counts{
			{Token: quota.ID, Day: today}:     {OK: 188},
			{Token: quota.ID, Day: today - 3}: {OK: 50},
			{Token: plain.ID, Day: today - 1}: {OK: 7},
		},
		QuotaSpent: map[apitoken.QuotaKey]int64{{Token: quota.ID, Period: apitoken.RefillMonthly.Period(time.Now())}: 188},
	}); err != nil {
		t.Fatal(err)
	}
	for _, vp := range viewports {
		t.Run(vp.name, func(t *testing.T) {
			a := a.sub(t)
			a.resize(vp.width, vp.height)
			a.open(tokensURL, `[data-testid="tokens-table"]`)
			for _, id := range []int64{plain.ID, quota.ID} {
				var box struct{ W, H float64 }
				a.eval(`(r => ({W: r.width, H: r.height}))(document.querySelector('`+row(id)+` [data-testid="usage-sparkline"]').getBoundingClientRect())`, &box)
				if box.W < 30 || box.H < 8 {
					t.Errorf("token %d: sparkline drawn %v×%v px", id, box.W, box.H)
				}
			}
			if got := a.text(row(quota.ID) + ` [data-testid="quota-left"]`); got != "812 / 1,000 left" {
				t.Errorf("quota left %q", got)
			}
			if got := a.count(row(plain.ID) + ` [data-testid="quota-left"]`); got != 0 {
				t.Error("a token without a quota shows one")
			}
			a.shot("list")
			a.wantNoHorizontalScroll(vp.width)
			if vp.width >= 1280 {
				// On a laptop the whole row shows, its actions included.
				var over int
				a.eval(`(c => c.scrollWidth - c.clientWidth)(document.querySelector('[data-testid="tokens-table"]').parentElement)`, &over)
				if over > 0 {
					t.Errorf("the table scrolls %d px sideways at %d px", over, vp.width)
				}
			}
		})
	}
}
