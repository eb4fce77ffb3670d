package db

import (
	"context"
	"sync"

	lru "github.com/hashicorp/golang-lru/v2/simplelru"
	"github.com/jmoiron/sqlx"
)

// The hot reads (a content entry, a page of entries, a token by its hash)
// run as prepared statements. database/sql prepares a *sql.Stmt on each
// pooled connection the first time it runs there and keeps it, so later
// executions skip the database's parse and plan, and on PostgreSQL cost
// one round trip (Bind, Execute, Sync) instead of lib/pq's two for an
// unprepared query with arguments (Parse, Describe, Sync; then Bind,
// Execute, Sync).
//
// Statements are cached by their SQL text, which never holds a value: the
// content API's queries differ by content type, selected fields and filter
// shape only. The cache is a bounded LRU so that a client sending ever new
// filter shapes cannot make it grow; an evicted statement is closed once
// nobody is running it.

// stmtCacheSize bounds the cached statements of one DB; each is prepared
// on at most Pool.MaxConns connections.
const stmtCacheSize = 256

type cachedStmt struct {
	stmt    *sqlx.Stmt
	users   int  // goroutines running it now
	evicted bool // left the cache: close when users drops to 0
}

type stmtCache struct {
	mu  sync.Mutex
	lru *lru.LRU[string, *cachedStmt] // guarded by mu
}

func newStmtCache(size int) *stmtCache {
	c := &stmtCache{}
	c.lru, _ = lru.NewLRU(size, func(_ string, e *cachedStmt) {
		// Called by Add and Purge, with mu held.
		e.evicted = true
		if e.users == 0 {
			go e.stmt.Close() // Close may wait for a connection; not under mu
		}
	})
	return c
}

// acquire returns the cached statement for query, marked in use, or nil.
func (c *stmtCache) acquire(query string) *cachedStmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.lru.Get(query)
	if !ok {
		return nil
	}
	e.users++
	return e
}

// add caches s for query and returns the entry to use, marked in use: s's,
// or the one another goroutine cached meanwhile (s is then closed).
func (c *stmtCache) add(query string, s *sqlx.Stmt) *cachedStmt {
	c.mu.Lock()
	e, ok := c.lru.Get(query)
	if !ok {
		e = &cachedStmt{stmt: s}
		c.lru.Add(query, e)
	}
	e.users++
	c.mu.Unlock()
	if ok {
		s.Close()
	}
	return e
}

func (c *stmtCache) release(e *cachedStmt) {
	c.mu.Lock()
	e.users--
	closeIt := e.evicted && e.users == 0
	c.mu.Unlock()
	if closeIt {
		e.stmt.Close()
	}
}

// prepared runs fn with a prepared statement for query (already rebound),
// preparing and caching it on first use.
func (d *DB) prepared(ctx context.Context, query string, fn func(*sqlx.Stmt) error) error {
	e := d.stmts.acquire(query)
	if e == nil {
		// Prepared outside the lock: it is a round trip.
		s, err := d.PreparexContext(ctx, query)
		if err != nil {
			return err
		}
		e = d.stmts.add(query, s)
	}
	defer d.stmts.release(e)
	return fn(e.stmt)
}
