package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/tokenadmin/tokenadmin/db"
)

// loadArticles adds n articles with titles of titleLen bytes straight
// through SQL, as an operator's import would: the API would take far
// longer. Long titles make each row costly to filter without many rows,
// whose inserts are slow under the race detector.
func loadArticles(t *testing.T, dbURL string, n, titleLen int) {
	t.Helper()
	d, err := db.Open(t.Context(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	q := fmt.Sprintf(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n LIMIT %d)
		INSERT INTO ct_articles (document_id, title, created_at, updated_at)
		SELECT 'doc' || i, 'Article number ' || i || ' ' || printf('%%.%dc', 'x'), CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM n`, n, titleLen)
	if d.Dialect == db.Postgres {
		q = fmt.Sprintf(`INSERT INTO ct_articles (document_id, title, created_at, updated_at)
			SELECT 'doc' || i, 'Article number ' || i || ' ' || repeat('x', %d), now(), now() FROM generate_series(1, %d) i`, titleLen, n)
	}
	if _, err := d.ExecContext(t.Context(), q); err != nil {
		t.Fatal(err)
	}
	if d.Dialect == db.Postgres {
		// As autovacuum would soon: the first reader of freshly written
		// rows otherwise pays for setting their hint bits.
		if _, err := d.ExecContext(t.Context(), `VACUUM ANALYZE ct_articles`); err != nil {
			t.Fatal(err)
		}
	}
}

// TestRequestTimeoutEndToEnd runs the server with a short
// TOKENADMIN_REQUEST_TIMEOUT on both databases: a find whose filter would
// search 10,000 titles of 2 KB 100 times each (seconds of work) is stopped
// with 503 naming the budget, and the server goes on answering.
func TestRequestTimeoutEndToEnd(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			t.Chdir(t.TempDir())
			dbURL := sqliteURL(t)
			if dialect == "postgres" {
				dbURL = postgresDatabase(t)
			}
			env := map[string]string{"TOKENADMIN_ADDR": "127.0.0.1:0", "DATABASE_URL": dbURL,
				"TOKENADMIN_SECRET": testSecret, "TOKENADMIN_REQUEST_TIMEOUT": "500ms"}
			r := runCmd(t, env, "", "token", "create", "--name", "reader", "--type", "read-only", "--duration", "unlimited")
			if r.err != nil {
				t.Fatalf("token create: %v %s", r.err, r.stderr)
			}
			key := strings.TrimSpace(r.stdout)
			base, _ := startServer(t, env)
			loadArticles(t, dbURL, 10_000, 2_000)

			var q strings.Builder
			for i := range 100 {
				fmt.Fprintf(&q, "&filters[$or][%d][title][$containsi]=nowhere%d", i, i)
			}
			status, body := call(t, "GET", base+"/api/articles?"+q.String()[1:], key, "")
			e, _ := body["error"].(map[string]any)
			if msg, _ := e["message"].(string); status != http.StatusServiceUnavailable || !strings.Contains(msg, "longer than 500ms") {
				t.Errorf("heavy find: %d %v, want 503 naming the 500ms budget", status, body)
			}
			// One row by its id: cheap, yet on a loaded machine under the
			// race detector it may itself miss a 500ms budget now and
			// then, so it has a few tries; a server still busy with the
			// stopped find would miss them all.
			var status2 int
			var body2 map[string]any
			for range 3 {
				if status2, body2 = call(t, "GET", base+"/api/articles/doc1", key, ""); status2 == http.StatusOK {
					break
				}
			}
			if status2 != http.StatusOK {
				t.Errorf("a small find afterwards: %d %v", status2, body2)
			}
		})
	}
}
