package handlers

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
)

// seedBulkTokens inserts n tokens named "bulk <i>" straight into the
// table: the list must cope with more tokens than a test could create
// through the service.
func (a *testApp) seedBulkTokens(n int) {
	a.t.Helper()
	at := a.now()
	_, err := a.store.ExecContext(a.t.Context(), a.store.Rebind(`
		WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < ?)
		INSERT INTO api_tokens (name, name_key, description, type, access_key_hash, key_hint, created_at, updated_at)
		SELECT 'bulk ' || printf('%05d', i), 'bulk ' || printf('%05d', i), '', 'read-only', 'hash-' || i, 'tka_…', ?, ? FROM g`),
		n, at, at)
	if err != nil {
		a.t.Fatal(err)
	}
}

func tokenNames(doc *goquery.Document) []string {
	var out []string
	doc.Find(`[data-testid="token-name"]`).Each(func(_ int, s *goquery.Selection) { out = append(out, s.Text()) })
	return out
}

// Past 10,000 tokens the list says "about N" instead of counting them all,
// and Next and Previous carry cursors that land on the right pages.
func TestTokenListAboutAndCursors(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("ada@example.com", "super-admin")
	c := app.login("ada@example.com")
	app.seedBulkTokens(10_030)

	doc := c.get("/admin/settings/api-tokens").doc(t)
	summary := doc.Find(`[data-testid="page-summary"]`).Text()
	if !strings.Contains(summary, "about 10,0") || !strings.Contains(summary, "Page 1 of about 40") {
		t.Errorf("summary: got %q, want page 1 of about 40x pages and about 10,0xx tokens", summary)
	}
	if got := tokenNames(doc); len(got) != 25 || got[0] != "bulk 00001" {
		t.Fatalf("page 1: got %v", got)
	}
	if doc.Find(`[data-testid="prev-page"]`).Length() != 0 {
		t.Error("page 1 has a Previous link")
	}
	next, _ := doc.Find(`[data-testid="next-page"]`).Attr("href")
	u, err := url.Parse(next)
	if err != nil || u.Query().Get("page") != "2" || u.Query().Get("after") == "" {
		t.Fatalf("Next: got %q, want ?page=2 with an after cursor", next)
	}
	doc = c.get(next).doc(t)
	if got := tokenNames(doc); len(got) != 25 || got[0] != "bulk 00026" {
		t.Fatalf("page 2 by cursor: got %v", got)
	}
	next, _ = doc.Find(`[data-testid="next-page"]`).Attr("href")
	doc = c.get(next).doc(t)
	if got := tokenNames(doc); got[0] != "bulk 00051" || !strings.Contains(doc.Find(`[data-testid="page-summary"]`).Text(), "Page 3 ") {
		t.Fatalf("page 3 by cursor: got %v", got)
	}
	prev, _ := doc.Find(`[data-testid="prev-page"]`).Attr("href")
	if u, _ := url.Parse(prev); u.Query().Get("before") == "" || u.Query().Get("page") != "2" {
		t.Errorf("Previous from page 3: got %q, want ?page=2 with a before cursor", prev)
	}
	if got := tokenNames(c.get(prev).doc(t)); got[0] != "bulk 00026" || got[24] != "bulk 00050" {
		t.Errorf("back to page 2: got %v", got)
	}
}

// Links from before cursors existed (?page=N alone) still reach page N,
// however deep, with the sort and search they name.
func TestTokenListOldPageLinksKeepWorking(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("ada@example.com", "super-admin")
	c := app.login("ada@example.com")
	app.seedBulkTokens(1_000)

	cases := []struct {
		path, first string
	}{
		{"/admin/settings/api-tokens?page=21", "bulk 00501"},
		{"/admin/settings/api-tokens?sort=name&dir=desc&page=40", "bulk 00025"},
		{"/admin/settings/api-tokens?sort=created&page=2", "bulk 00026"},
		{"/admin/settings/api-tokens?q=bulk+009&page=2", "bulk 00925"},
		{"/admin/settings/api-tokens?page=21&after=not-a-cursor", "bulk 00501"},
	}
	for _, tc := range cases {
		doc := c.get(tc.path).doc(t)
		if got := tokenNames(doc); len(got) == 0 || got[0] != tc.first {
			t.Errorf("%s: got %v, want a page starting with %s", tc.path, got, tc.first)
		}
	}
	doc := c.get("/admin/settings/api-tokens?page=40").doc(t)
	if got := doc.Find(`[data-testid="page-summary"]`).Text(); got != "Page 40 of 40 · 1,000 tokens" {
		t.Errorf("last page summary: got %q", got)
	}
	if doc.Find(`[data-testid="next-page"]`).Length() != 0 || doc.Find(`[data-testid="prev-page"]`).Length() != 1 {
		t.Error("last page: want Previous and no Next")
	}
	// Far past the end: an empty page that says where it is, not an error.
	if doc := c.get("/admin/settings/api-tokens?page=99999999999").doc(t); doc.Find(`[data-testid="token-row"]`).Length() != 0 {
		t.Error("a page past the end lists tokens")
	}
}

func TestTokenListSearchCountedWhenNarrow(t *testing.T) {
	app := newTestApp(t)
	app.seedAdmin("ada@example.com", "super-admin")
	c := app.login("ada@example.com")
	app.seedBulkTokens(1_200)
	app.advance(time.Second)
	doc := c.get("/admin/settings/api-tokens?q=bulk+0").doc(t)
	if got := doc.Find(`[data-testid="page-summary"]`).Text(); !strings.Contains(got, "more than 1,000 tokens") {
		t.Errorf("search matching 1,200 on SQLite: got %q, want \"more than 1,000 tokens\"", got)
	}
	doc = c.get("/admin/settings/api-tokens?q=bulk+0111").doc(t)
	if got := doc.Find(`[data-testid="page-summary"]`).Text(); got != "" || len(tokenNames(doc)) != 10 {
		t.Errorf("search matching 10: summary %q and %d rows, want no pager and 10 rows", got, len(tokenNames(doc)))
	}
}
