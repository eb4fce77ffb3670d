package e2e

import (
	"strconv"
	"strings"
	"testing"

	"github.com/tokenadmin/tokenadmin/apitoken"
)

// TestXSSPayloadsStayText puts script payloads in a token's name and
// description and checks, in a real browser, that every page shows them
// as text and that no script of theirs runs.
func TestXSSPayloadsStayText(t *testing.T) {
	a := newApp(t)
	a.signInAsSuperAdmin()
	name := `<img src=x onerror="window.__xss=1">`
	desc := `<script>window.__xss=2</script>"'><svg onload=window.__xss=3>`
	tok, _, errs, err := a.tokens.Create(t.Context(), apitoken.Input{Name: name, Description: desc, Type: "custom", Duration: "30",
		Permissions: []string{"api::article.article.find"}}, nil)
	if err != nil || !errs.Valid() {
		t.Fatal(err, errs)
	}

	pages := map[string]string{
		"list": "/admin/settings/api-tokens",
		"edit": "/admin/settings/api-tokens/" + strconv.FormatInt(tok.ID, 10),
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
		if what != "audit" && !strings.Contains(text, `<img src=x onerror="window.__xss=1">`) {
			t.Errorf("%s: the name is not shown as text", what)
		}
	}
	// The edit form keeps the payload as the input's value, not markup.
	a.open(pages["edit"], `input[name="name"]`)
	if got := a.value(`input[name="name"]`); got != name {
		t.Errorf("name input value %q", got)
	}
	if got := a.value(`input[name="description"]`); got != desc {
		t.Errorf("description input value %q", got)
	}
}
