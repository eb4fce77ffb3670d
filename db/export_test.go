package db

import (
	"context"

	"github.com/jmoiron/sqlx"

	"github.com/tokenadmin/tokenadmin/apitoken"
	"github.com/tokenadmin/tokenadmin/content"
)

// Test hooks into the statement cache.

// SetStatementCacheSize replaces d's statement cache with an empty one of
// size n.
func SetStatementCacheSize(d *DB, n int) { d.stmts = newStmtCache(n) }

// CachedStatements reports how many statements d's cache holds.
func CachedStatements(d *DB) int {
	d.stmts.mu.Lock()
	defer d.stmts.mu.Unlock()
	return d.stmts.lru.Len()
}

// QueryIntPrepared runs a one-integer query through the statement cache.
func QueryIntPrepared(ctx context.Context, d *DB, query string, args ...any) (int64, error) {
	var n int64
	err := d.prepared(ctx, d.Rebind(query), func(s *sqlx.Stmt) error { return s.GetContext(ctx, &n, args...) })
	return n, err
}

// TokenPageSQL is the SELECT TokenPage runs for q, with its arguments.
func TokenPageSQL(d *DB, q apitoken.ListQuery) (string, []any) {
	pq := d.pageQuery(q, apitoken.PageSize)
	return pq.sql, pq.args
}

// FindEntriesSQL is the statement FindEntries runs for q when it shares
// nothing, with its arguments.
func FindEntriesSQL(d *DB, ct content.ContentType, q content.Query) (string, []any, error) {
	f, err := d.findQuery(ct, q)
	if err != nil {
		return "", nil, err
	}
	query, args := d.windowed(f, f.limit, f.offset)
	return query, args, nil
}

// TokenByHashSQL is the statement TokenByHash runs.
func TokenByHashSQL(d *DB) string { return tokenByHashSQL(d) }

// Test hooks into read coalescing (coalesce.go).

// SharedReads reports how many shared runs d's find and (on PostgreSQL)
// findOne coalescers have started.
func SharedReads(d *DB) int64 {
	n := d.finds.runs.Load()
	if d.findOnes != nil {
		n += d.findOnes.runs.Load()
	}
	return n
}

// ReadsWaiting reports how many findOne callers of the collection wait for
// a shared run, and how many identical-find callers wait in all.
func ReadsWaiting(d *DB, collection string) (findOnes, finds int) {
	if d.findOnes != nil {
		findOnes = d.findOnes.waiting(collection)
	}
	d.finds.mu.Lock()
	for _, r := range d.finds.next {
		finds += r.waiters
	}
	d.finds.mu.Unlock()
	return findOnes, finds
}
