package e2e

import (
	"strings"
	"testing"
)

// TestXSSPayloadsStayText types script payloads into a token's name and
// description through the real form, then checks, in the browser, that the
// table, the edit form and the audit log show them as text and that none
// of their script runs.
func TestXSSPayloadsStayText(t *testing.T) {
	a := newApp(t)
	a.signInAsSuperAdmin()
	name := `<img src=x onerror="window.__xss=1">`
	desc := `<script>window.__xss=2</script>"'><svg onload=window.__xss=3>`

	a.openCreateForm()
	a.fill(nameInput, name)
	a.fill(descInput, desc)
	a.pick(typeSelect, "read-only")
	_, id := a.saveAndReveal()

	pages := map[string]string{
		"list":  tokensURL,
		"edit":  tokenPath(id),
		"audit": "/admin/settings/audit-logs",
	}
	for what, path := range pages {
		a.open(path, "main")
		a.shot("xss-" + what)
		if a.isTrue(`window.__xss !== undefined`) {
			t.Errorf("%s: a payload ran", what)
		}
		if n := a.count(`main img[src="x"], main svg[onload], main script`); n != 0 {
			t.Errorf("%s: %d elements made from the payload", what, n)
		}
		var text string
		a.eval(`document.querySelector('main').innerText`, &text)
		if what != "edit" && !strings.Contains(text, name) {
			t.Errorf("%s: the name is not shown as text", what)
		}
	}
	// The edit form keeps the payloads as the inputs' values, not markup.
	a.open(tokenPath(id), nameInput)
	if got := a.value(nameInput); got != name {
		t.Errorf("name input value %q", got)
	}
	if got := a.value(descInput); got != desc {
		t.Errorf("description input value %q", got)
	}
}
