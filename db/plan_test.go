package db_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/tokenadmin/tokenadmin/content"
	"github.com/tokenadmin/tokenadmin/db"
	"github.com/tokenadmin/tokenadmin/db/dbtest"
)

// What the hot reads cost the database, read from the plans the databases
// choose for the statements the store runs.

// ctLedger is a content type with a unique attribute (so a sort by it has
// an index) and one without.
func ctLedger() content.ContentType {
	return content.ContentType{
		Kind: content.CollectionType, SingularName: "ledger", PluralName: "ledgers", CollectionName: "ledgers",
		Attributes: []content.Attribute{
			{Name: "code", Type: content.TypeString, Unique: true},
			{Name: "rank", Type: content.TypeInteger},
		},
	}
}

// loadLedger creates n entries: one through the store, the rest copied
// from it in SQL, each a millisecond newer than the one before.
func loadLedger(t *testing.T, d *db.DB, ct content.ContentType, n int) {
	t.Helper()
	ctSync(t, d, ct)
	ctCreate(t, d, ct, map[string]any{"code": "c1", "rank": int64(1)})
	later := `created_at`
	if d.Dialect == db.Postgres {
		later = `created_at + i * INTERVAL '1 millisecond'`
	}
	_, err := d.ExecContext(t.Context(), d.Rebind(`
		WITH RECURSIVE g(i) AS (SELECT 2 UNION ALL SELECT i + 1 FROM g WHERE i < ?)
		INSERT INTO "ct_ledgers" ("document_id", "created_at", "updated_at", "published_at", "code", "rank")
		SELECT 'doc' || i, `+later+`, updated_at, published_at, 'c' || i, i % 100 FROM "ct_ledgers", g`), n)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.ExecContext(t.Context(), `ANALYZE "ct_ledgers"`); err != nil {
		t.Fatal(err)
	}
}

// A page of find and the total it reports are one statement, and only the
// count reads every match: the page's rows come from an index in order and
// stop at the page's end. On PostgreSQL the plan is run (EXPLAIN ANALYZE)
// and the rows each scan of the table returned are added up: at most one
// pass over the table plus the rows up to the page's end. Counting and
// paging in two full scans would read the table twice.
func TestFindEntriesPageAndCountAreOneScan(t *testing.T) {
	const n = 5_000
	rank := func(op content.Operator, v int64) *content.Filter {
		f := leaf("rank", op, v)
		return &f
	}
	cases := []struct {
		name string
		q    content.Query
		pg   bool // PostgreSQL only (the SQLite copies share one created_at)
		// scans: the control, a sort no index serves, which must read
		// the table twice (else the measure proves nothing).
		scans bool
	}{
		{"first page", content.Query{Page: 1, PageSize: 10}, false, false},
		{"page 40", content.Query{Page: 40, PageSize: 25}, false, false},
		{"newest first", content.Query{Page: 1, PageSize: 10, Sort: []content.SortField{{Field: "id", Desc: true}}}, false, false},
		{"by a unique attribute", content.Query{Page: 1, PageSize: 10, Sort: []content.SortField{{Field: "code"}}}, false, false},
		{"by a unique attribute, descending", content.Query{Page: 3, PageSize: 10, Sort: []content.SortField{{Field: "code", Desc: true}}}, false, false},
		{"by createdAt, descending", content.Query{Page: 1, PageSize: 10, Sort: []content.SortField{{Field: "createdAt", Desc: true}}}, true, false},
		{"filtered", content.Query{Page: 1, PageSize: 10, Filter: rank(content.OpLt, 50)}, false, false},
		{"start and limit", content.Query{Offset: true, Start: 100, Limit: 20}, false, false},
		{"control: by an attribute without an index", content.Query{Page: 1, PageSize: 10, Sort: []content.SortField{{Field: "rank"}}}, true, true},
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ct := ctLedger()
		loadLedger(t, d, ct, n)
		for _, c := range cases {
			if c.pg && d.Dialect != db.Postgres {
				continue
			}
			query, args, err := db.FindEntriesSQL(d, ct, c.q)
			if err != nil {
				t.Fatal(err)
			}
			if d.Dialect == db.SQLite {
				plan := sqlitePlan(t, d, query, args)
				// "FOR LAST TERM OF ORDER BY" orders rows that tie on the
				// index's column by id: no full sort.
				if strings.Contains(plan, "TEMP B-TREE FOR ORDER BY") {
					t.Errorf("%s: the page sorts the table instead of reading an index in order:\n%s", c.name, plan)
				}
				if !strings.Contains(plan, "SCALAR SUBQUERY") {
					t.Errorf("%s: the count is not part of the page's statement:\n%s", c.name, plan)
				}
				continue
			}
			_, offset := windowOf(c.q)
			read, plan := pgRowsRead(t, d, "ct_ledgers", query, args)
			if c.scans {
				if read < 2*n {
					t.Errorf("%s: read %d rows, want the two full scans of %d rows an unindexed sort costs:\n%s", c.name, read, n, plan)
				}
				continue
			}
			if limit := n + offset + 100; read > limit {
				t.Errorf("%s: the statement read %d rows of a %d-row table, want at most %d (one count, the page from an index):\n%s",
					c.name, read, n, limit, plan)
			}
		}
		// The entries and the total are what the statement promises.
		got, total, err := d.FindEntries(t.Context(), ct, content.Query{Page: 2, PageSize: 10, Filter: rank(content.OpLt, 50)})
		if err != nil || total != n/2 || len(got) != 10 {
			t.Errorf("filtered page 2: %d entries, total %d, %v; want 10 of %d", len(got), total, err, n/2)
		}
	})
}

// windowOf is the page's offset, as the store computes it.
func windowOf(q content.Query) (limit, offset int) {
	if q.Offset {
		return q.Limit, q.Start
	}
	return q.PageSize, (q.Page - 1) * q.PageSize
}

// A key the cache has not seen is found with one index lookup: the unique
// index on the hash, and the permissions by their primary key; no scan of
// api_tokens whatever its size.
func TestTokenByHashIsOneIndexLookup(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		bulkTokens(t, d, 5_000, "lookup ")
		if _, err := d.ExecContext(t.Context(), `ANALYZE api_tokens`); err != nil {
			t.Fatal(err)
		}
		query := db.TokenByHashSQL(d)
		// The hash is looked for as the current key and as the old key
		// of a rotation, each by its unique index.
		args := []any{"hash-lookup -4321", "hash-lookup -4321"}
		if d.Dialect == db.SQLite {
			plan := sqlitePlan(t, d, query, args)
			if !strings.Contains(plan, "USING INDEX api_tokens_access_key_hash_key") || !strings.Contains(plan, "USING INDEX api_tokens_old_key_hash_key") || strings.Contains(plan, "SCAN t") {
				t.Errorf("plan does not find the token by its hash index:\n%s", plan)
			}
			return
		}
		read, plan := pgRowsRead(t, d, "api_tokens", query, args)
		if !strings.Contains(plan, "api_tokens_access_key_hash_key") || !strings.Contains(plan, "api_tokens_old_key_hash_key") || read > 1 {
			t.Errorf("the lookup read %d rows of api_tokens, want 1 through api_tokens_access_key_hash_key:\n%s", read, plan)
		}
	})
}

// sqlitePlan is SQLite's EXPLAIN QUERY PLAN of query, one step a line.
func sqlitePlan(t *testing.T, d *db.DB, query string, args []any) string {
	t.Helper()
	rows, err := d.QueryxContext(t.Context(), "EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "\n")
}

// pgRowsRead runs query under EXPLAIN ANALYZE and returns how many rows
// the scans of table read in all (returned in every loop, or removed by a
// filter), and the plan.
func pgRowsRead(t *testing.T, d *db.DB, table, query string, args []any) (int, string) {
	t.Helper()
	var out string
	if err := d.GetContext(t.Context(), &out, "EXPLAIN (ANALYZE, FORMAT JSON) "+query, args...); err != nil {
		t.Fatal(err)
	}
	var plans []struct {
		Plan map[string]any `json:"Plan"`
	}
	if err := json.Unmarshal([]byte(out), &plans); err != nil || len(plans) != 1 {
		t.Fatalf("EXPLAIN output: %v", err)
	}
	read := 0
	var lines []string
	var walk func(node map[string]any, depth int)
	walk = func(node map[string]any, depth int) {
		typ, _ := node["Node Type"].(string)
		rel, _ := node["Relation Name"].(string)
		index, _ := node["Index Name"].(string)
		rows, _ := node["Actual Rows"].(float64)
		loops, _ := node["Actual Loops"].(float64)
		removed, _ := node["Rows Removed by Filter"].(float64) // already a total over loops
		lines = append(lines, fmt.Sprintf("%s%s %s %s rows=%v loops=%v removed=%v", strings.Repeat("  ", depth), typ, rel, index, rows, loops, removed))
		if rel == table && strings.Contains(typ, "Scan") {
			read += int(rows*loops + removed)
		}
		children, _ := node["Plans"].([]any)
		for _, c := range children {
			if m, ok := c.(map[string]any); ok {
				walk(m, depth+1)
			}
		}
	}
	walk(plans[0].Plan, 0)
	return read, strings.Join(lines, "\n")
}

// PostgreSQL plans a prepared statement afresh on each execution when its
// cached generic plan looks dearer than a fresh one, as it does for a
// LIMIT it cannot see (it assumes a tenth of the table). The first page of
// find, the content API's most common list, must reuse its plan: counted
// in pg_prepared_statements of the one connection the pool keeps here.
func TestFindEntriesFirstPageReusesItsPlan(t *testing.T) {
	d := dbtest.Postgres(t)
	d.SetMaxOpenConns(1)
	ct := ctLedger()
	loadLedger(t, d, ct, 5_000)
	for range 8 {
		if _, _, err := d.FindEntries(t.Context(), ct, content.Query{Page: 1, PageSize: 10}); err != nil {
			t.Fatal(err)
		}
	}
	var plans []struct {
		Statement string `db:"statement"`
		Generic   int64  `db:"generic_plans"`
		Custom    int64  `db:"custom_plans"`
	}
	err := d.SelectContext(t.Context(), &plans, `SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE '%COUNT(*)%ct_ledgers%'`)
	if err != nil {
		t.Fatal(err)
	}
	if len(plans) != 1 {
		t.Fatalf("want the find statement prepared once on the connection, got %+v", plans)
	}
	if p := plans[0]; p.Custom > 1 || p.Generic < 7 {
		t.Errorf("find's first page was planned afresh %d times in 8 executions (generic plan reused %d times):\n%s", p.Custom, p.Generic, p.Statement)
	}
}
