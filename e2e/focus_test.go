package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/tokenadmin/tokenadmin/apitoken"
)

// TestFocusAfterUpdates: after an in-place update, focus is where the
// admin's next step is, never lost on <body>.
func TestFocusAfterUpdates(t *testing.T) {
	a := newApp(t)
	a.signInAsSuperAdmin()

	// A 422 puts focus on the first invalid field.
	a.openCreateForm()
	a.run(chromedp.Click(saveToken, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="field-error"]`, chromedp.ByQuery))
	a.waitTrue("focus on the invalid name", `document.activeElement === document.querySelector('[data-testid="token-form"] input[name="name"]')`)
	if got := a.attr(nameInput, "aria-invalid"); got != "true" {
		t.Errorf("name aria-invalid = %q", got)
	}

	// The revealed key is focused and announced.
	a.fill(nameInput, "Focused")
	a.saveAndReveal()
	a.waitTrue("focus on the reveal", `document.activeElement === document.querySelector('[data-testid="token-reveal"]')`)
	a.waitTrue("announced", `document.getElementById('app-live-region').textContent.includes('will not be shown again')`)

	// Deleting a row moves focus to the next row, the last one to the
	// create button.
	for _, name := range []string{"Second", "Third"} {
		a.seedToken(name, apitoken.ReadOnly)
	}
	a.open(tokensURL, `[data-testid="token-row"]`)
	var ids []string
	a.eval(`[...document.querySelectorAll('[data-testid="token-row"]')].map(r => r.dataset.tokenId)`, &ids)
	if len(ids) != 3 {
		t.Fatalf("rows %v, want 3", ids)
	}
	deleteRow := func(id string) {
		t.Helper()
		sel := fmt.Sprintf(`[data-testid="token-row"][data-token-id="%s"]`, id)
		a.run(chromedp.Click(sel+` [data-testid="delete-button"]`, chromedp.ByQuery),
			chromedp.WaitVisible(sel+` [data-testid="delete-confirm"]`, chromedp.ByQuery),
			chromedp.Click(sel+` [data-testid="delete-confirm"]`, chromedp.ByQuery),
			chromedp.WaitNotPresent(sel, chromedp.ByQuery))
	}
	deleteRow(ids[1])
	a.waitTrue("focus in the next row", fmt.Sprintf(`document.activeElement.closest('[data-token-id="%s"]') !== null`, ids[2]))
	deleteRow(ids[2])
	a.waitTrue("focus in the row before", fmt.Sprintf(`document.activeElement.closest('[data-token-id="%s"]') !== null`, ids[0]))
	deleteRow(ids[0])
	a.waitTrue("focus on create", `document.activeElement.matches('[data-testid="create-token"], #main')`)
	var flashes string
	a.eval(`document.getElementById('flashes').textContent`, &flashes)
	if !strings.Contains(flashes, "deleted") {
		t.Errorf("no announcement of the deletion in the live flash region: %q", flashes)
	}
}
