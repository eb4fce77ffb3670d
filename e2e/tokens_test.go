package e2e

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/tokenadmin/tokenadmin/access"
	"github.com/tokenadmin/tokenadmin/apitoken"
	"github.com/tokenadmin/tokenadmin/browsertest"
)

// keyShape is what a freshly revealed key looks like (spec §3).
var keyShape = regexp.MustCompile(`^tka_[0-9A-Za-z]{49}$`)

// tokenPathRe is a token's own page.
var tokenPathRe = regexp.MustCompile(`^/admin/settings/api-tokens/([0-9]+)$`)

const (
	tokenValue  = `[data-testid="token-value"]`
	tokenForm   = `[data-testid="token-form"]`
	saveToken   = `[data-testid="save-token"]`
	nameInput   = `[data-testid="token-form"] input[name="name"]`
	descInput   = `[data-testid="token-form"] input[name="description"]`
	typeSelect  = `[data-testid="token-form"] select[name="type"]`
	durSelect   = `[data-testid="token-form"] select[name="duration"]`
	articleUID  = "api::article.article"
	categoryUID = "api::category.category"
)

// group is the permission group of a content type.
func group(uid string) string {
	return fmt.Sprintf(`[data-testid="permission-group"][data-content-type=%q]`, uid)
}

// permBox is the checkbox of one action.
func permBox(action string) string {
	return fmt.Sprintf(`input[type="checkbox"][name="permissions"][value=%q]`, action)
}

// selectAll is the select-all checkbox of a content type's group.
func selectAll(uid string) string {
	return group(uid) + ` [data-testid="select-all"]`
}

// tokenPath is a token's page.
func tokenPath(id int64) string { return tokensURL + "/" + strconv.FormatInt(id, 10) }

// row is a token's row in the list.
func row(id int64) string { return fmt.Sprintf(`[data-testid="token-row"][data-token-id="%d"]`, id) }

// openCreateForm goes from the list to the create form.
func (a *app) openCreateForm() {
	a.t.Helper()
	a.open(tokensURL, `[data-testid="create-token"]`)
	a.run(
		chromedp.Click(`[data-testid="create-token"]`, chromedp.ByQuery),
		chromedp.WaitVisible(tokenForm, chromedp.ByQuery),
	)
	a.waitPath(tokensURL + "/create")
}

// saveAndReveal clicks Save on a create form and returns the revealed key
// and the new token's id, read from the URL htmx replaced.
func (a *app) saveAndReveal() (string, int64) {
	a.t.Helper()
	a.run(
		chromedp.Click(saveToken, chromedp.ByQuery),
		chromedp.WaitVisible(tokenValue, chromedp.ByQuery),
	)
	key := a.text(tokenValue)
	if !keyShape.MatchString(key) {
		a.t.Fatalf("token-value %q does not look like a key (%s)", key, keyShape)
	}
	a.waitTrue("the token's own URL", `/^\/admin\/settings\/api-tokens\/[0-9]+$/.test(location.pathname)`)
	m := tokenPathRe.FindStringSubmatch(a.path())
	id, _ := strconv.ParseInt(m[1], 10, 64)
	return key, id
}

// openGroup opens a permission group by clicking its summary. A group the
// server rendered open is first closed the same way, so the summary is
// proven to toggle it either way.
func (a *app) openGroup(uid string) {
	a.t.Helper()
	summary := group(uid) + ` > summary`
	isOpen := fmt.Sprintf(`document.querySelector(%q).open`, group(uid))
	if a.isTrue(isOpen) {
		a.run(chromedp.Click(summary, chromedp.ByQuery))
		a.waitTrue(uid+" closed", "!"+isOpen)
	}
	a.run(chromedp.Click(summary, chromedp.ByQuery))
	a.waitTrue(uid+" open", isOpen)
}

// checkboxStates is, for each permission checkbox in the form, whether it
// is ticked.
func (a *app) checkboxStates() map[string]bool {
	a.t.Helper()
	var m map[string]bool
	a.eval(`Object.fromEntries([...document.querySelectorAll('[data-testid="token-form"] input[name="permissions"]')].map(b => [b.value, b.checked]))`, &m)
	return m
}

// ticked lists the ticked permission checkboxes, sorted.
func ticked(states map[string]bool) []string {
	var out []string
	for k, v := range states {
		if v {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// TestCreateEachTokenType creates a read-only, a full-access and a custom
// token through the form, checks the one-time reveal and the list row.
func TestCreateEachTokenType(t *testing.T) {
	a := newApp(t)
	a.signInAsSuperAdmin()
	a.shot("empty-list")

	cases := []struct {
		name, description, duration string
		typ                         apitoken.Type
		label                       string
		wantExpiry                  bool
	}{
		{"Reader", "Reads the blog", "30", apitoken.ReadOnly, "Read-only", true},
		{"Deployer", "Full access for CI", "unlimited", apitoken.FullAccess, "Full access", false},
		{"Picky", "Only what it needs", "7", apitoken.Custom, "Custom", true},
	}
	for _, tc := range cases {
		t.Run(string(tc.typ), func(t *testing.T) {
			a := a.sub(t)
			before := time.Now()
			a.openCreateForm()
			a.shot("create-form")
			a.fill(nameInput, tc.name)
			a.fill(descInput, tc.description)
			a.pick(durSelect, tc.duration)
			a.pick(typeSelect, string(tc.typ))
			a.shot("create-form-filled")

			key, id := a.saveAndReveal()
			a.shot("revealed")
			a.waitFlash("created")
			if n := a.count(tokenValue); n != 1 {
				t.Errorf("%d token-value elements, want 1", n)
			}

			// The store has what the form said, and the key's hash.
			tok := a.storedToken(id)
			if tok.Name != tc.name || tok.Description != tc.description || tok.Type != tc.typ {
				t.Errorf("stored %q/%q/%s, want %q/%q/%s", tok.Name, tok.Description, tok.Type, tc.name, tc.description, tc.typ)
			}
			if (tok.ExpiresAt != nil) != tc.wantExpiry {
				t.Errorf("stored expiry %v for duration %s", tok.ExpiresAt, tc.duration)
			}
			if tc.wantExpiry {
				days, _ := strconv.Atoi(tc.duration)
				want := before.Add(time.Duration(days) * 24 * time.Hour)
				if d := tok.ExpiresAt.Sub(want); d < -time.Minute || d > time.Minute {
					t.Errorf("expires at %v, want about %v", tok.ExpiresAt, want)
				}
			}
			if byKey, err := a.store.TokenByHash(context.Background(), a.hasher.Hash(key)); err != nil || byKey.ID != id {
				t.Errorf("the revealed key does not find token %d: %v (found %d)", id, err, byKey.ID)
			}

			// A reload is a plain GET of the token's page: no key anywhere.
			a.run(chromedp.Reload(), chromedp.WaitVisible(tokenForm, chromedp.ByQuery))
			a.shot("reloaded")
			if p := a.path(); p != tokenPath(id) {
				t.Errorf("after reload at %s, want %s", p, tokenPath(id))
			}
			if n := a.count(tokenValue); n != 0 {
				t.Errorf("token-value still shown after reload")
			}
			var html string
			a.run(chromedp.OuterHTML("html", &html, chromedp.ByQuery))
			if strings.Contains(html, key) {
				t.Errorf("the key is still in the page after reload")
			}
			if got := a.value(nameInput); got != tc.name {
				t.Errorf("edit page name = %q, want %q", got, tc.name)
			}

			// Back to the list: the row.
			a.run(
				chromedp.Click(`a.btn[href="`+tokensURL+`"]`, chromedp.ByQuery),
				chromedp.WaitVisible(row(id), chromedp.ByQuery),
			)
			a.waitPath(tokensURL)
			a.shot("list")
			if got := a.text(row(id) + ` [data-testid="token-name"]`); got != tc.name {
				t.Errorf("row name %q, want %q", got, tc.name)
			}
			if got := a.text(row(id) + ` [data-testid="token-type"]`); got != tc.label {
				t.Errorf("row type %q, want %q", got, tc.label)
			}
			if got := a.text(row(id) + ` [data-testid="token-last-used"]`); got != "Never" {
				t.Errorf("row last used %q, want Never", got)
			}
			if got := a.text(row(id)); !strings.Contains(got, tc.description) {
				t.Errorf("row %q lacks the description %q", got, tc.description)
			}
			if strings.Contains(a.text(row(id)+` [data-testid="token-expires"]`), "Never") == tc.wantExpiry {
				t.Errorf("row expiry %q for duration %s", a.text(row(id)+` [data-testid="token-expires"]`), tc.duration)
			}
		})
	}
	if n := a.count(`[data-testid="token-row"]`); n != len(cases) {
		t.Errorf("%d rows, want %d", n, len(cases))
	}
}

// TestCopyToken copies a revealed key with the copy button.
func TestCopyToken(t *testing.T) {
	a := newApp(t)
	a.signInAsSuperAdmin()
	if err := browsertest.GrantClipboard(a.ctx, a.srv.URL); err != nil {
		t.Fatal(err)
	}
	a.openCreateForm()
	a.fill(nameInput, "Clipboard")
	key, _ := a.saveAndReveal()

	// Something else on the clipboard first, so a copy that did nothing
	// cannot pass.
	a.run(chromedp.Evaluate(`navigator.clipboard.writeText('stale')`, nil, awaitPromise))
	a.run(chromedp.Click(`[data-testid="copy-token"]`, chromedp.ByQuery))
	a.waitTrue("the Copied label", `document.querySelector('[data-testid="copy-token"]').textContent.trim() === 'Copied'`)
	a.shot("copied")
	got, err := browsertest.ReadClipboard(a.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got != key || got != a.text(tokenValue) {
		t.Errorf("clipboard %q, want the token-value %q", got, key)
	}
	// The label comes back.
	a.waitTrue("the Copy label again", `document.querySelector('[data-testid="copy-token"]').textContent.trim() === 'Copy'`)
}

// TestCustomPermissionsAccordion ticks actions one by one and with
// select-all, switches the type back and forth, and checks what is saved
// and how the edit page shows it.
func TestCustomPermissionsAccordion(t *testing.T) {
	a := newApp(t)
	a.signInAsSuperAdmin()
	a.openCreateForm()
	a.fill(nameInput, "Custom one")
	a.pick(typeSelect, "custom")
	a.shot("custom-chosen")
	if got := ticked(a.checkboxStates()); len(got) != 0 {
		t.Errorf("custom starts with %v ticked, want none", got)
	}
	if a.isTrue(`[...document.querySelectorAll('[data-testid="token-form"] input[name="permissions"]')].some(b => b.disabled)`) {
		t.Error("custom leaves some permission boxes disabled")
	}

	// Article: find and findOne → select-all indeterminate.
	a.openGroup(articleUID)
	a.run(
		chromedp.Click(group(articleUID)+" "+permBox(articleUID+".find"), chromedp.ByQuery),
		chromedp.Click(group(articleUID)+" "+permBox(articleUID+".findOne"), chromedp.ByQuery),
	)
	a.shot("article-some")
	if !a.isTrue(fmt.Sprintf(`document.querySelector(%q).indeterminate`, selectAll(articleUID))) {
		t.Error("Article select-all is not indeterminate with 2 of 5 ticked")
	}
	if a.checked(selectAll(articleUID)) {
		t.Error("Article select-all is checked with 2 of 5 ticked")
	}

	// Category: select-all ticks all five.
	a.openGroup(categoryUID)
	a.run(chromedp.Click(selectAll(categoryUID), chromedp.ByQuery))
	a.shot("category-all")
	var categoryBoxes []bool
	a.eval(fmt.Sprintf(`[...document.querySelectorAll(%q)].map(b => b.checked)`, group(categoryUID)+` input[name="permissions"]`), &categoryBoxes)
	if len(categoryBoxes) != 5 || slices.Contains(categoryBoxes, false) {
		t.Errorf("Category boxes after select-all: %v, want 5 ticked", categoryBoxes)
	}
	if !a.checked(selectAll(categoryUID)) || a.isTrue(fmt.Sprintf(`document.querySelector(%q).indeterminate`, selectAll(categoryUID))) {
		t.Error("Category select-all should be checked and not indeterminate")
	}

	want := []string{articleUID + ".find", articleUID + ".findOne"}
	for _, v := range []string{"create", "delete", "find", "findOne", "update"} {
		want = append(want, categoryUID+"."+v)
	}
	slices.Sort(want)
	if got := ticked(a.checkboxStates()); !slices.Equal(got, want) {
		t.Fatalf("ticked %v, want %v", got, want)
	}

	// Read-only shows find/findOne, all locked; back to custom restores the
	// custom choice.
	a.pick(typeSelect, "read-only")
	a.shot("switched-read-only")
	for action, on := range a.checkboxStates() {
		if on != apitoken.IsReadAction(action) {
			t.Errorf("read-only: %s ticked=%v", action, on)
		}
	}
	if !a.isTrue(`[...document.querySelectorAll('[data-testid="token-form"] input[name="permissions"], [data-testid="select-all"]')].every(b => b.disabled)`) {
		t.Error("read-only: some permission boxes are enabled")
	}
	a.pick(typeSelect, "custom")
	a.shot("switched-back-custom")
	if got := ticked(a.checkboxStates()); !slices.Equal(got, want) {
		t.Errorf("back to custom: ticked %v, want the earlier %v", got, want)
	}
	if !a.isTrue(fmt.Sprintf(`document.querySelector(%q).indeterminate`, selectAll(articleUID))) {
		t.Error("back to custom: Article select-all is not indeterminate")
	}

	_, id := a.saveAndReveal()
	a.shot("saved")
	if got := a.storedToken(id).Permissions; !slices.Equal(got, want) {
		t.Errorf("store: permissions %v, want %v", got, want)
	}

	// The edit page, straight after load.
	a.open(tokenPath(id), tokenForm)
	a.shot("edit-page")
	if !a.isTrue(fmt.Sprintf(`document.querySelector(%q).indeterminate`, selectAll(articleUID))) {
		t.Error("edit page: Article select-all is not indeterminate right after load")
	}
	if !a.checked(selectAll(categoryUID)) {
		t.Error("edit page: Category select-all is not checked")
	}
	if got := ticked(a.checkboxStates()); !slices.Equal(got, want) {
		t.Errorf("edit page: ticked %v, want %v", got, want)
	}
}

// TestEditToken saves a new name and description with htmx, then shows a
// field error for a name that is too long.
func TestEditToken(t *testing.T) {
	a := newApp(t)
	a.signInAsSuperAdmin()
	tok, _ := a.seedToken("Old name", apitoken.ReadOnly)
	a.open(tokenPath(tok.ID), tokenForm)
	a.shot("edit-page")

	a.eval(`window.e2eMarker = 1`, nil)
	a.fill(nameInput, "New name")
	a.fill(descInput, "Now with a description")
	a.run(chromedp.Click(saveToken, chromedp.ByQuery))
	a.waitFlash("saved")
	a.shot("saved")
	if !a.isTrue(`window.e2eMarker === 1`) {
		t.Error("saving reloaded the page instead of swapping with htmx")
	}
	got := a.storedToken(tok.ID)
	if got.Name != "New name" || got.Description != "Now with a description" {
		t.Errorf("store: %q/%q after saving", got.Name, got.Description)
	}
	if got.Type != apitoken.ReadOnly || !got.ExpiresAt.Equal(*tok.ExpiresAt) {
		t.Errorf("store: saving without a duration changed type %s or expiry %v (was %v)", got.Type, got.ExpiresAt, tok.ExpiresAt)
	}
	if v := a.value(nameInput); v != "New name" {
		t.Errorf("name input %q after saving", v)
	}
	if h := a.text("h1"); h != "New name" {
		t.Errorf("page heading %q after saving, want the new name", h)
	}

	// 101 characters: beyond the input's maxlength, so set from script.
	long := strings.Repeat("x", 101)
	a.setValue(nameInput, long)
	a.fill(descInput, "Kept description")
	a.run(
		chromedp.Click(saveToken, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="field-error"][data-field="name"]`, chromedp.ByQuery),
	)
	a.shot("name-too-long")
	if msg := a.text(`[data-testid="field-error"][data-field="name"]`); !strings.Contains(msg, "100") {
		t.Errorf("name error %q does not mention the limit", msg)
	}
	if v := a.value(nameInput); v != long {
		t.Errorf("name input %q after the error, want the 101 characters kept", v)
	}
	if v := a.value(descInput); v != "Kept description" {
		t.Errorf("description input %q after the error, want it kept", v)
	}
	if v := a.value(typeSelect); v != "read-only" {
		t.Errorf("type %q after the error, want read-only kept", v)
	}
	if !a.isTrue(`window.e2eMarker === 1`) {
		t.Error("the invalid save reloaded the page")
	}
	if got := a.storedToken(tok.ID); got.Name != "New name" || got.Description != "Now with a description" {
		t.Errorf("store changed by an invalid save: %q/%q", got.Name, got.Description)
	}
}

// TestRegenerateToken opens the dialog, cancels with Escape, then
// regenerates for real.
func TestRegenerateToken(t *testing.T) {
	a := newApp(t)
	a.signInAsSuperAdmin()
	tok, oldKey := a.seedToken("Rotating", apitoken.FullAccess)
	a.open(tokenPath(tok.ID), tokenForm)
	dialogOpen := `document.querySelector('[data-testid="regenerate-dialog"]').open`
	if a.isTrue(dialogOpen) || a.isTrue(`document.querySelector('[data-testid="regenerate-dialog"]').checkVisibility()`) {
		t.Fatal("regenerate-dialog open before its button is clicked")
	}

	a.run(chromedp.Click(`[data-testid="regenerate-button"]`, chromedp.ByQuery))
	a.waitTrue("regenerate-dialog open", dialogOpen)
	a.shot("dialog-open")
	if p := a.path(); p != tokenPath(tok.ID) {
		t.Errorf("the regenerate button navigated to %s", p)
	}
	if !a.isTrue(`document.querySelector('[data-testid="regenerate-dialog"]').contains(document.activeElement)`) {
		var active string
		a.eval(`document.activeElement.outerHTML.slice(0, 200)`, &active)
		t.Errorf("focus is not inside the dialog but on %s", active)
	}
	a.run(chromedp.KeyEvent(kb.Escape))
	a.waitTrue("regenerate-dialog closed", "!"+dialogOpen)
	a.shot("dialog-escaped")
	if got := a.storedToken(tok.ID); got.KeyHint != tok.KeyHint {
		t.Fatal("Escape regenerated the key")
	}

	a.run(chromedp.Click(`[data-testid="regenerate-button"]`, chromedp.ByQuery))
	a.waitTrue("regenerate-dialog open again", dialogOpen)
	a.run(
		chromedp.Click(`[data-testid="regenerate-confirm"]`, chromedp.ByQuery),
		chromedp.WaitVisible(tokenValue, chromedp.ByQuery),
	)
	a.waitFlash("regenerated")
	a.shot("regenerated")
	newKey := a.text(tokenValue)
	if !keyShape.MatchString(newKey) {
		t.Fatalf("new token-value %q does not look like a key", newKey)
	}
	if newKey == oldKey {
		t.Fatal("regenerate revealed the old key")
	}
	if p := a.path(); p != tokenPath(tok.ID) {
		t.Errorf("after regenerating at %s, want %s", p, tokenPath(tok.ID))
	}
	if a.isTrue(`[...document.querySelectorAll('dialog')].some(d => d.open)`) {
		t.Error("a dialog is still open after regenerating")
	}

	ctx := context.Background()
	if _, err := a.store.TokenByHash(ctx, a.hasher.Hash(oldKey)); !errors.Is(err, apitoken.ErrNotFound) {
		t.Errorf("store: the old key still finds a token (err %v)", err)
	}
	if got, err := a.store.TokenByHash(ctx, a.hasher.Hash(newKey)); err != nil || got.ID != tok.ID {
		t.Errorf("store: the new key finds %d, %v; want token %d", got.ID, err, tok.ID)
	}

	// The page still works after the swap: the dialog opens again.
	a.run(chromedp.Click(`[data-testid="regenerate-button"]`, chromedp.ByQuery))
	a.waitTrue("regenerate-dialog opens after the swap", dialogOpen)
	a.run(chromedp.KeyEvent(kb.Escape))
	a.waitTrue("regenerate-dialog closed", "!"+dialogOpen)
}

// TestDeleteFromList deletes a row in place through its dialog.
func TestDeleteFromList(t *testing.T) {
	a := newApp(t)
	a.signInAsSuperAdmin()
	doomed, _ := a.seedToken("Doomed", apitoken.ReadOnly)
	kept, _ := a.seedToken("Kept", apitoken.ReadOnly)
	a.open(tokensURL, row(doomed.ID))
	a.shot("list")

	dialog := fmt.Sprintf(`#delete-dialog-%d`, doomed.ID)
	if a.isTrue(`[...document.querySelectorAll('[data-testid="delete-dialog"]')].some(d => d.open || d.checkVisibility())`) {
		t.Fatal("a delete-dialog shows before its button is clicked")
	}
	var href string
	a.eval(`location.href`, &href)
	a.eval(`window.e2eMarker = 'still here'`, nil)

	a.run(chromedp.Click(row(doomed.ID)+` [data-testid="delete-button"]`, chromedp.ByQuery))
	a.waitTrue("delete-dialog open", fmt.Sprintf(`document.querySelector(%q).open`, dialog))
	a.shot("dialog-open")
	if n := a.count(`[data-testid="delete-dialog"][open]`); n != 1 {
		t.Errorf("%d delete dialogs open, want 1", n)
	}
	if !a.isTrue(fmt.Sprintf(`document.querySelector(%q).contains(document.activeElement)`, dialog)) {
		t.Error("focus is not inside the delete dialog")
	}
	a.run(
		chromedp.Click(dialog+` [data-testid="delete-confirm"]`, chromedp.ByQuery),
		chromedp.WaitNotPresent(row(doomed.ID), chromedp.ByQuery),
	)
	a.waitFlash("deleted")
	a.shot("deleted")

	var after string
	a.eval(`location.href`, &after)
	if after != href {
		t.Errorf("location changed from %s to %s", href, after)
	}
	if !a.isTrue(`window.e2eMarker === 'still here'`) {
		t.Error("the page was reloaded: the marker set before deleting is gone")
	}
	if n := a.count(row(kept.ID)); n != 1 {
		t.Error("the other row went too")
	}
	if a.isTrue(`[...document.querySelectorAll('dialog')].some(d => d.open)`) {
		t.Error("a dialog is still open after deleting")
	}
	a.tokenGone(doomed.ID)
	a.storedToken(kept.ID)
}

// TestEditorRestrictedView signs in as an editor (api-tokens.read only):
// no create, delete, regenerate or save, disabled inputs, and a crafted
// POST is refused.
func TestEditorRestrictedView(t *testing.T) {
	a := newApp(t)
	a.seedAdmin("Ada Admin", "ada@example.com", access.SuperAdmin)
	a.seedAdmin("Eddie Editor", "eddie@example.com", access.Editor)
	tok, _ := a.seedToken("Shared", apitoken.Custom, articleUID+".find")
	a.login("eddie@example.com", password)
	a.waitPath(tokensURL)
	a.run(chromedp.WaitVisible(row(tok.ID), chromedp.ByQuery))
	a.shot("list")

	for _, sel := range []string{`[data-testid="create-token"]`, `[data-testid="delete-button"]`, `[data-testid="edit-button"]`} {
		if n := a.count(sel); n != 0 {
			t.Errorf("the editor's list has %d %s", n, sel)
		}
	}
	a.run(
		chromedp.Click(row(tok.ID)+` [data-testid="view-button"]`, chromedp.ByQuery),
		chromedp.WaitVisible(tokenForm, chromedp.ByQuery),
	)
	a.waitPath(tokenPath(tok.ID))
	a.shot("token-page")
	for _, sel := range []string{`[data-testid="regenerate-button"]`, `[data-testid="delete-button"]`, saveToken, `[data-testid="token-form"] button[type="submit"]`} {
		if n := a.count(sel); n != 0 {
			t.Errorf("the editor's token page has %d %s", n, sel)
		}
	}
	var enabled []string
	a.eval(`[...document.querySelectorAll('[data-testid="token-form"] input:not([type="hidden"]), [data-testid="token-form"] select, [data-testid="token-form"] textarea')]
		.filter(e => !e.matches(':disabled')).map(e => e.name || e.getAttribute('data-testid') || e.outerHTML.slice(0, 80))`, &enabled)
	if len(enabled) > 0 {
		t.Errorf("the editor's token form has enabled controls: %v", enabled)
	}

	// A crafted create from the editor's own page, CSRF token and all.
	browsertest.AllowConsoleError(a.ctx, "status of 403")
	before := a.tokenCount()
	var status int
	a.run(chromedp.Evaluate(`(async () => {
		const csrf = JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRF-Token'];
		const res = await fetch('/admin/settings/api-tokens', {
			method: 'POST',
			headers: {'X-CSRF-Token': csrf, 'Content-Type': 'application/x-www-form-urlencoded'},
			body: 'name=x&type=read-only&duration=7',
		});
		return res.status;
	})()`, &status, awaitPromise))
	if status != 403 {
		t.Errorf("crafted create as editor: status %d, want 403", status)
	}
	if after := a.tokenCount(); after != before {
		t.Errorf("crafted create as editor: %d tokens, was %d", after, before)
	}

	// The same request with the super admin's session is accepted, so the
	// 403 above is the permission check and not a broken request.
	a.logout()
	a.login("ada@example.com", password)
	a.run(chromedp.Evaluate(`(async () => {
		const csrf = JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRF-Token'];
		const res = await fetch('/admin/settings/api-tokens', {
			method: 'POST',
			headers: {'X-CSRF-Token': csrf, 'Content-Type': 'application/x-www-form-urlencoded'},
			body: 'name=x&type=read-only&duration=7',
		});
		return res.status;
	})()`, &status, awaitPromise))
	if status != 201 {
		t.Errorf("the same create as super admin: status %d, want 201", status)
	}
	if after := a.tokenCount(); after != before+1 {
		t.Errorf("the same create as super admin: %d tokens, want %d", after, before+1)
	}
}
