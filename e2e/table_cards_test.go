package e2e

import (
	"testing"
)

// TestTablesAreCardsOnAPhone: at 390 px the users table and the audit
// log, like the token list, are stacks of cards: every row a block, and
// nothing in a card hidden behind a sideways scroll (long user agents,
// long names, long changes included).
func TestTablesAreCardsOnAPhone(t *testing.T) {
	a := newApp(t)
	a.signInAsSuperAdmin()
	a.seedAdmin("Bob Editor with a name long enough to wrap twice on a phone", "bob@example.com", "editor")
	a.openCreateForm()
	a.fill(nameInput, "A token whose name is long enough to need more than one line on a phone")
	a.pick(typeSelect, "read-only")
	a.saveAndReveal()
	a.setWidth(phoneWidth)
	for _, page := range []struct{ path, table string }{
		{"/admin/settings/users", "users-table"},
		{"/admin/settings/audit-logs", "audit-table"},
		{"/admin/settings/api-tokens", "tokens-table"},
	} {
		a.open(page.path, `[data-testid="`+page.table+`"]`)
		if !a.isTrue(`[...document.querySelectorAll('[data-testid="` + page.table + `"] tbody tr')].every(r => getComputedStyle(r).display === 'block')`) {
			t.Errorf("%s: the rows are not cards at 390 px", page.path)
		}
		var over int
		a.eval(`(c => c.scrollWidth - c.clientWidth)(document.querySelector('[data-testid="`+page.table+`"]').parentElement)`, &over)
		if over > 0 {
			var wide []string
			a.eval(`(() => { const card = document.querySelector('[data-testid="`+page.table+`"]').parentElement.getBoundingClientRect();
				return [...document.querySelectorAll('[data-testid="`+page.table+`"] *')].filter(e => e.getBoundingClientRect().right > card.right + 0.5)
					.slice(0, 6).map(e => e.tagName.toLowerCase() + (e.dataset.testid ? '[' + e.dataset.testid + ']' : '') + '.' + e.className) })()`, &wide)
			var tds []string
			a.eval(`[...document.querySelectorAll('[data-testid="`+page.table+`"] tbody tr:first-child > td, [data-testid="`+page.table+`"] tbody tr:first-child > td > *')].map(e => e.tagName + '.' + (e.dataset.testid||'') + ' ' + Math.round(e.getBoundingClientRect().width) + ' ' + getComputedStyle(e).display)`, &tds)
			t.Errorf("%s: the cards scroll %d px sideways: %v %v", page.path, over, wide, tds)
		}
		a.wantNoHorizontalScroll(phoneWidth)
	}
}
