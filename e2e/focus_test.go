package e2e

import (
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tokenadmin/tokenadmin/apitoken"
	"github.com/tokenadmin/tokenadmin/db"
	"github.com/tokenadmin/tokenadmin/handlers"
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

// TestCurlExampleWorks: the command under a revealed key, sent as written,
// is answered by the content API with the new token.
func TestCurlExampleWorks(t *testing.T) {
	a := newAppWith(t, func(o *handlers.Options) {
		// The content API as in production; the hash key is newApp's.
		store := o.Store.(*db.DB)
		usage := apitoken.NewUsageRecorder(store)
		o.Verifier = apitoken.NewVerifier(store, apitoken.NewHasher([]byte("e2e-token-hash-key-e2e-token-key")), usage, time.Now)
		o.Guardrails = apitoken.NewGuard(nil, usage, time.Now)
		o.Entries = store
	})
	a.signInAsSuperAdmin()
	a.openCreateForm()
	a.fill(nameInput, "Pasted")
	key, _ := a.saveAndReveal()
	cmd := a.text(`[data-testid="curl-example"]`)
	m := regexp.MustCompile(`^curl -H 'Authorization: (Bearer tka_[0-9A-Za-z]+)' (http://\S+)$`).FindStringSubmatch(cmd)
	if m == nil || m[1] != "Bearer "+key {
		t.Fatalf("curl example %q", cmd)
	}
	req, _ := http.NewRequest(http.MethodGet, m[2], nil)
	req.Header.Set("Authorization", m[1])
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), `"Pasted"`) {
		t.Errorf("GET %s: %d %s", m[2], res.StatusCode, body)
	}
}

// TestListKeyHint: the row shows its key's hint, and the table with it
// still fits its card at 1280 px.
func TestListKeyHint(t *testing.T) {
	a := newApp(t)
	a.signInAsSuperAdmin()
	tok, key := a.seedToken("A token with a long enough name to matter", apitoken.ReadOnly)
	a.setWidth(1280)
	a.open(tokensURL, row(tok.ID))
	hint := a.text(row(tok.ID) + ` [data-testid="row-key-hint"]`)
	if !strings.HasPrefix(hint, "tka_") || !strings.HasSuffix(key, hint[len(hint)-4:]) {
		t.Errorf("row key hint %q for key ending %q", hint, key[len(key)-4:])
	}
	var over int
	a.eval(`(c => c.scrollWidth - c.clientWidth)(document.querySelector('[data-testid="tokens-table"]').parentElement)`, &over)
	if over > 0 {
		t.Errorf("the table overflows its card by %d px at 1280 px", over)
	}
}
