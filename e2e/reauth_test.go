package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
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
