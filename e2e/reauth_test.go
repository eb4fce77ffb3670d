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

// TestWriteTokenAsksForPassword: a custom token with a write action,
// created over 15 minutes after the last password entry, asks for the
// password in the form; wrong, it is refused with the form kept; right,
// the token is made.
func TestWriteTokenAsksForPassword(t *testing.T) {
	a := newApp(t)
	a.signInAsSuperAdmin()
	a.advance(16 * time.Minute)
	a.openCreateForm()
	if a.count(`[data-testid="reauth"] input[name="current_password"]`) != 1 {
		t.Fatal("the form of a stale session has no password field")
	}
	a.fill(nameInput, "Writer")
	a.pick(typeSelect, "custom")
	a.openGroup(articleUID)
	a.run(chromedp.Click(group(articleUID)+" "+permBox(articleUID+".create"), chromedp.ByQuery))

	// No password: refused, the form and its choices kept.
	a.run(chromedp.Click(saveToken, chromedp.ByQuery))
	passwordError := `[data-testid="field-error"][data-field="current_password"]`
	a.waitTrue("password asked for", `document.querySelector('`+passwordError+`') !== null`)
	a.shot("password-asked")
	if got := a.value(nameInput); got != "Writer" {
		t.Errorf("name after the refusal: %q", got)
	}
	if !a.checked(permBox(articleUID + ".create")) {
		t.Error("the ticked write action was lost")
	}
	// A wrong one: refused and said so.
	a.fill(`#field-current_password`, "not my password")
	a.run(chromedp.Click(saveToken, chromedp.ByQuery))
	a.waitTrue("wrong password said", `(document.querySelector('`+passwordError+`')||{}).textContent?.includes('Wrong password')`)
	if n := a.tokenCount(); n != 0 {
		t.Fatalf("%d tokens after refused saves", n)
	}

	a.fill(`#field-current_password`, password)
	key, id := a.saveAndReveal()
	if !keyShape.MatchString(key) {
		t.Fatalf("revealed %q", key)
	}
	if tok := a.storedToken(id); tok.Type != "custom" || !strings.Contains(strings.Join(tok.Permissions, " "), "create") {
		t.Errorf("stored %+v", tok)
	}
}

// TestLooseningLimitsAsksForPassword: removing a key's allow-list over 15
// minutes after the last password entry asks for the password, keeps the
// emptied field, and saves once it is given.
func TestLooseningLimitsAsksForPassword(t *testing.T) {
	a := newApp(t)
	a.signInAsSuperAdmin()
	tok, _ := a.seedToken("Fenced", apitoken.ReadOnly)
	if _, errs, err := a.tokens.Update(context.Background(), audit.CLI("e2e"), tok.ID, apitoken.Input{
		Name: "Fenced", Type: "read-only", GuardInput: apitoken.GuardInput{AllowedIPs: []string{"10.0.0.0/8"}}}); err != nil || !errs.Valid() {
		t.Fatal(err, errs)
	}
	a.advance(16 * time.Minute)
	a.open(tokenPath(tok.ID), tokenForm)
	a.setValue(ipsInput, "")
	a.run(chromedp.Click(saveToken, chromedp.ByQuery))
	passwordError := `[data-testid="field-error"][data-field="current_password"]`
	a.waitTrue("password asked for", `(document.querySelector('`+passwordError+`')||{}).textContent?.includes('loosen')`)
	if got := a.value(ipsInput); got != "" {
		t.Errorf("allowed_ips after the refusal: %q, want the emptied field kept", got)
	}
	if got := a.storedToken(tok.ID).AllowedIPs.Text(); got != "10.0.0.0/8" {
		t.Fatalf("saved without the password: %q", got)
	}
	a.fill(`#field-current_password`, password)
	a.run(chromedp.Click(saveToken, chromedp.ByQuery))
	a.waitFlash("saved")
	if got := a.storedToken(tok.ID).AllowedIPs; got != nil {
		t.Errorf("after the password: allow-list %v, want none", got)
	}
}
