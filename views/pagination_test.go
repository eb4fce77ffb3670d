package views

import (
	"context"
	"net/url"
	"testing"
)

func TestPaginationSummaryAndLinks(t *testing.T) {
	cases := []struct {
		name       string
		v          TokensPageView
		summary    string
		prev, next string // "" when the link must be absent
	}{
		{"exact", TokensPageView{Total: 60, Page: 2, Pages: 3, HasPrev: true, HasNext: true, Sort: "name", FirstCursor: "F", LastCursor: "L"},
			"Page 2 of 3 · 60 tokens", TokensURL + "?sort=name", TokensURL + "?sort=name&page=3&after=L"},
		{"estimate", TokensPageView{Total: 1_000_002, TotalAbout: true, Page: 20_000, Pages: 40_001, HasPrev: true, HasNext: true, Sort: "last_used", Desc: true, Search: "a b", FirstCursor: "F+/", LastCursor: "L"},
			"Page 20,000 of about 40,001 · about 1,000,002 tokens",
			TokensURL + "?sort=last_used&dir=desc&q=a+b&page=19999&before=F%2B%2F", TokensURL + "?sort=last_used&dir=desc&q=a+b&page=20001&after=L"},
		{"lower bound", TokensPageView{Total: 1_000, TotalAtLeast: true, Page: 1, HasNext: true, Sort: "name", LastCursor: "L"},
			"Page 1 · more than 1,000 tokens", "", TokensURL + "?sort=name&page=2&after=L"},
	}
	for _, c := range cases {
		doc := render(t, context.Background(), Pagination(c.v))
		if got := doc.Find(`[data-testid="page-summary"]`).Text(); got != c.summary {
			t.Errorf("%s: summary got %q, want %q", c.name, got, c.summary)
		}
		for _, l := range []struct{ id, want string }{{"prev-page", c.prev}, {"next-page", c.next}} {
			href, ok := doc.Find(`[data-testid="` + l.id + `"]`).Attr("href")
			if l.want == "" {
				if ok {
					t.Errorf("%s: %s present (%s), want none", c.name, l.id, href)
				}
				continue
			}
			if _, err := url.Parse(href); err != nil || href != l.want {
				t.Errorf("%s: %s got %q, want %q", c.name, l.id, href, l.want)
			}
		}
	}
	if doc := render(t, context.Background(), Pagination(TokensPageView{Total: 3, Page: 1, Pages: 1})); doc.Find(`[data-testid="pagination"]`).Length() != 0 {
		t.Error("a single page shows a pager")
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 1_000_002: "1,000,002", -12345: "-12,345"} {
		if got := Thousands(n); got != want {
			t.Errorf("Thousands(%d): got %q, want %q", n, got, want)
		}
	}
}
