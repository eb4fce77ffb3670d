package db_test

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tokenadmin/tokenadmin/apitoken"
	"github.com/tokenadmin/tokenadmin/db"
	"github.com/tokenadmin/tokenadmin/db/dbtest"
)

// listFixture creates 13 tokens whose creation times tie in pairs and of
// which some were never used, some used at the same instant, and returns
// them in creation order.
func listFixture(t *testing.T, d *db.DB) []apitoken.Token {
	t.Helper()
	var out []apitoken.Token
	used := map[int64]time.Time{}
	for i := range 13 {
		nt := newTok(fmt.Sprintf("Tok %02d", (i*7)%13)) // names not in creation order
		nt.Now = tokBase.Add(time.Duration(i/2) * time.Minute)
		tok := mustCreateToken(t, d, nt)
		switch {
		case i%3 == 0: // never used
		case i%4 == 1:
			used[tok.ID] = tokBase.Add(time.Hour) // a tie
		default:
			used[tok.ID] = tokBase.Add(time.Duration(13-i) * time.Second)
		}
		out = append(out, tok)
	}
	if err := d.TouchTokens(t.Context(), used); err != nil {
		t.Fatal(err)
	}
	for i := range out {
		out[i] = mustTokenByID(t, d, out[i].ID)
	}
	return out
}

// tokenOrder compares tokens as the list sorts them: never-used tokens
// last whichever the direction, id breaking ties in the direction of the
// sort.
func tokenOrder(sort string, desc bool) func(a, b apitoken.Token) int {
	return func(a, b apitoken.Token) int {
		var c int
		switch sort {
		case apitoken.SortCreated:
			c = a.CreatedAt.Compare(b.CreatedAt)
		case apitoken.SortLastUsed:
			switch {
			case a.LastUsedAt == nil && b.LastUsedAt == nil:
			case a.LastUsedAt == nil:
				return 1
			case b.LastUsedAt == nil:
				return -1
			default:
				c = a.LastUsedAt.Compare(*b.LastUsedAt)
			}
		default:
			c = strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name))
		}
		c = cmp.Or(c, cmp.Compare(a.ID, b.ID))
		if desc {
			return -c
		}
		return c
	}
}

// wantOrder is the ids of toks in the list's order.
func wantOrder(toks []apitoken.Token, sort string, desc bool) []int64 {
	return tokIDs(slices.SortedFunc(slices.Values(toks), tokenOrder(sort, desc)))
}

func pageIDs(p apitoken.Page) []int64 {
	var ids []int64
	for _, t := range p.Tokens {
		ids = append(ids, t.ID)
	}
	return ids
}

// Walking forwards with After, backwards with Before, and by Offset gives
// the same pages in the same order, for every sort in both directions.
func TestTokenPageSeeksEverySort(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		toks := listFixture(t, d)
		const size = 4
		for _, sort := range []string{apitoken.SortName, apitoken.SortCreated, apitoken.SortLastUsed} {
			for _, desc := range []bool{false, true} {
				name := fmt.Sprintf("%s desc=%v", sort, desc)
				want := wantOrder(toks, sort, desc)
				q := apitoken.ListQuery{Sort: sort, Desc: desc, Limit: size}

				var forward [][]int64
				var pages []apitoken.Page
				for p, guard := (apitoken.Page{HasNext: true}), 0; p.HasNext; guard++ {
					if guard > 10 {
						t.Fatalf("%s: more than 10 pages of %d tokens", name, len(toks))
					}
					if guard > 0 {
						q.After = p.Last
					}
					var err error
					if p, err = d.TokenPage(t.Context(), q); err != nil {
						t.Fatal(err)
					}
					if p.HasPrev != (guard > 0) {
						t.Errorf("%s page %d: HasPrev %v", name, guard+1, p.HasPrev)
					}
					forward = append(forward, pageIDs(p))
					pages = append(pages, p)
				}
				if got := slices.Concat(forward...); !slices.Equal(got, want) {
					t.Errorf("%s forwards: got %v, want %v", name, got, want)
				}
				// Back from the last page.
				q.After = ""
				for i := len(pages) - 1; i > 0; i-- {
					q.Before = pages[i].First
					p, err := d.TokenPage(t.Context(), q)
					if err != nil {
						t.Fatal(err)
					}
					if !slices.Equal(pageIDs(p), forward[i-1]) || !p.HasNext || p.HasPrev != (i > 1) {
						t.Errorf("%s back to page %d: got %v (prev %v, next %v), want %v", name, i, pageIDs(p), p.HasPrev, p.HasNext, forward[i-1])
					}
				}
				q.Before = ""
				for i := range forward {
					q.Offset = i * size
					p, err := d.TokenPage(t.Context(), q)
					if err != nil {
						t.Fatal(err)
					}
					if !slices.Equal(pageIDs(p), forward[i]) {
						t.Errorf("%s offset %d: got %v, want %v", name, q.Offset, pageIDs(p), forward[i])
					}
				}
			}
		}
	})
}

func TestTokenPageBadCursorFallsBackToOffset(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		toks := listFixture(t, d)
		want := wantOrder(toks, apitoken.SortName, false)
		for _, bad := range []string{"%%%", "bm90IGpzb24", strings.Repeat("A", 5000), "WyJ4Il0"} {
			p, err := d.TokenPage(t.Context(), apitoken.ListQuery{Sort: apitoken.SortName, Limit: 4, Offset: 4, After: bad})
			if err != nil {
				t.Fatalf("cursor %.20q: %v", bad, err)
			}
			if !slices.Equal(pageIDs(p), want[4:8]) {
				t.Errorf("cursor %.20q: got %v, want the page at offset 4 %v", bad, pageIDs(p), want[4:8])
			}
		}
	})
}

func TestTokenPageSearch(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		for _, n := range []string{"Alpha one", "alphabet", "ALPHA% two", "beta", "gamma_alpha", "a_b"} {
			mustCreateToken(t, d, newTok(n))
		}
		cases := map[string][]string{
			"alpha": {"alpha one", "alpha% two", "alphabet", "gamma_alpha"}, // ' ' sorts before '%'

			"ALPHA%": {"alpha% two"},
			"a_b":    {"a_b"},
			"zzz":    nil,
			// Several words: one of them finds candidates, the whole
			// search decides.
			"ha one":      {"alpha one"},
			"one alpha":   nil,
			"alpha% two":  {"alpha% two"},
			"gamma_alpha": {"gamma_alpha"},
		}
		for search, want := range cases {
			p, err := d.TokenPage(t.Context(), apitoken.ListQuery{Search: search, Sort: apitoken.SortName})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, tok := range p.Tokens {
				got = append(got, strings.ToLower(tok.Name))
			}
			if !slices.Equal(got, want) || p.Total != (apitoken.Count{N: len(want), Kind: apitoken.CountExact}) {
				t.Errorf("search %q: got %v (total %+v), want %v exactly", search, got, p.Total, want)
			}
		}
	})
}

// bulkTokens inserts n tokens named prefix+i in one statement.
func bulkTokens(t *testing.T, d *db.DB, n int, prefix string) {
	t.Helper()
	_, err := d.ExecContext(t.Context(), d.Rebind(`
		WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < ?)
		INSERT INTO api_tokens (name, name_key, description, type, access_key_hash, key_hint, created_at, updated_at)
		SELECT ? || i, lower(?) || i, '', 'read-only', ? || i, 'tka_…', ?, ? FROM g`),
		n, prefix, prefix, "hash-"+prefix+"-", tokBase, tokBase)
	if err != nil {
		t.Fatal(err)
	}
}

// Past the bound the count stops and an estimate (or, for a search on
// SQLite, a lower bound) stands in, and the page is still right.
func TestTokenPageBoundedCount(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		bulkTokens(t, d, 10_050, "bulk ")
		if d.Dialect == db.Postgres {
			if _, err := d.ExecContext(t.Context(), `ANALYZE api_tokens`); err != nil {
				t.Fatal(err)
			}
		}
		p, err := d.TokenPage(t.Context(), apitoken.ListQuery{Sort: apitoken.SortName})
		if err != nil {
			t.Fatal(err)
		}
		if p.Total.Kind != apitoken.CountEstimate || p.Total.N < 9_000 || p.Total.N > 11_000 {
			t.Errorf("10,050 tokens: got total %+v, want an estimate near 10,050", p.Total)
		}
		if len(p.Tokens) != apitoken.PageSize || !p.HasNext {
			t.Errorf("first page: %d tokens, HasNext %v", len(p.Tokens), p.HasNext)
		}
		// A search with more matches than its bound.
		p, err = d.TokenPage(t.Context(), apitoken.ListQuery{Search: "bulk 1", Sort: apitoken.SortName})
		if err != nil {
			t.Fatal(err)
		}
		if p.Total.Kind == apitoken.CountExact || p.Total.N < 1_000 {
			t.Errorf("search matching 1,112: got total %+v, want an estimate or lower bound of at least 1,000", p.Total)
		}
		// A narrow search is still counted exactly.
		p, err = d.TokenPage(t.Context(), apitoken.ListQuery{Search: "bulk 1000", Sort: apitoken.SortName})
		if err != nil {
			t.Fatal(err)
		}
		if p.Total != (apitoken.Count{N: 11, Kind: apitoken.CountExact}) || len(p.Tokens) != 11 {
			t.Errorf("search bulk 1000: got %d tokens, total %+v; want 11 exactly (1000, 10000-10009)", len(p.Tokens), p.Total)
		}
		// Tokens, for the CLI, still counts exactly.
		if _, total, err := d.Tokens(t.Context(), apitoken.ListQuery{}); err != nil || total != 10_050 {
			t.Errorf("Tokens: total %d, %v; want 10,050", total, err)
		}
	})
}

// On PostgreSQL each page is an index scan: with sequential scans and
// sorts priced out, the plan of every page names the index of its sort.
func TestTokenPagePlansUseIndexes(t *testing.T) {
	d := dbtest.Postgres(t)
	bulkTokens(t, d, 2_000, "plan ")
	if _, err := d.ExecContext(t.Context(), `ANALYZE api_tokens`); err != nil {
		t.Fatal(err)
	}
	first, err := d.TokenPage(t.Context(), apitoken.ListQuery{Sort: apitoken.SortLastUsed})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		q     apitoken.ListQuery
		index string
	}{
		{"name", apitoken.ListQuery{Sort: apitoken.SortName}, "api_tokens_name_key_key"},
		{"name desc", apitoken.ListQuery{Sort: apitoken.SortName, Desc: true}, "api_tokens_name_key_key"},
		{"created", apitoken.ListQuery{Sort: apitoken.SortCreated}, "api_tokens_created_at_id_idx"},
		{"created desc", apitoken.ListQuery{Sort: apitoken.SortCreated, Desc: true}, "api_tokens_created_at_id_idx"},
		{"last used", apitoken.ListQuery{Sort: apitoken.SortLastUsed}, "api_tokens_last_used_asc_idx"},
		{"last used desc", apitoken.ListQuery{Sort: apitoken.SortLastUsed, Desc: true}, "api_tokens_last_used_desc_idx"},
		{"last used, next page", apitoken.ListQuery{Sort: apitoken.SortLastUsed, After: first.Last}, "api_tokens_last_used_asc_idx"},
		{"name, deep page", apitoken.ListQuery{Sort: apitoken.SortName, Offset: 1_500}, "Index Only Scan using api_tokens_name_key_key"},
		{"search", apitoken.ListQuery{Sort: apitoken.SortName, Search: "plan 1234"}, "api_tokens_name_key_trgm_idx"},
	}
	tx, err := d.BeginTxx(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(t.Context(), "SET LOCAL enable_seqscan = off"); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		// A search sorts its few matches, found in the trigram index (at
		// 2,000 rows walking the name index would be as cheap; at a
		// million it is not); every other page must not sort.
		settings := "SET LOCAL enable_sort = off; SET LOCAL enable_indexscan = on"
		if c.q.Search != "" {
			settings = "SET LOCAL enable_sort = on; SET LOCAL enable_indexscan = off"
		}
		if _, err := tx.ExecContext(t.Context(), settings); err != nil {
			t.Fatal(err)
		}
		query, args := db.TokenPageSQL(d, c.q)
		var lines []string
		if err := tx.SelectContext(t.Context(), &lines, "EXPLAIN "+query, args...); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		plan := strings.Join(lines, "\n")
		if !strings.Contains(plan, c.index) {
			t.Errorf("%s: plan does not use %s:\n%s", c.name, c.index, plan)
		}
		if c.q.Search == "" && strings.Contains(plan, "Sort  (") {
			t.Errorf("%s: plan sorts instead of reading the index in order:\n%s", c.name, plan)
		}
	}
}
