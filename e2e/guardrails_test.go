package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/tokenadmin/tokenadmin/apitoken"
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
		// Name the outermost elements that stick out, to say what to fix.
		var wide []string
		a.eval(`[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > innerWidth + 0.5 &&
			!(e.parentElement && e.parentElement.getBoundingClientRect().right > innerWidth + 0.5)).slice(0, 5).map(e =>
			e.tagName.toLowerCase() + (e.dataset.testid ? '[' + e.dataset.testid + ']' : '') + '.' + [...e.classList].join('.') + ' ' + Math.round(e.getBoundingClientRect().right))`, &wide)
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
