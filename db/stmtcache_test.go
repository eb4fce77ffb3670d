package db_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/tokenadmin/tokenadmin/db"
	"github.com/tokenadmin/tokenadmin/db/dbtest"
)

func TestStatementCacheReusesByText(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		db.SetStatementCacheSize(d, 8)
		for i := range 5 {
			got, err := db.QueryIntPrepared(t.Context(), d, "SELECT COUNT(*) + ? FROM roles", i)
			if err != nil {
				t.Fatal(err)
			}
			if got != int64(3+i) {
				t.Errorf("run %d: got %d, want %d (values are bound, not cached)", i, got, 3+i)
			}
		}
		if n := db.CachedStatements(d); n != 1 {
			t.Errorf("cached statements after 5 runs of one text: got %d, want 1", n)
		}
	})
}

// Many goroutines running more distinct texts than the cache holds: every
// answer is right (an evicted statement is never closed under a running
// query) and the cache stays within its bound.
func TestStatementCacheBoundedUnderConcurrency(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		const size = 4
		db.SetStatementCacheSize(d, size)
		var wg sync.WaitGroup
		for g := range 12 {
			wg.Go(func() {
				for i := range 40 {
					k := (g + i) % 10 // ten texts for a cache of four
					q := fmt.Sprintf("SELECT COUNT(*) * 0 + %d + ? FROM roles", k)
					got, err := db.QueryIntPrepared(t.Context(), d, q, i)
					if err != nil {
						t.Errorf("goroutine %d run %d: %v", g, i, err)
						return
					}
					if want := int64(k + i); got != want {
						t.Errorf("goroutine %d run %d: got %d, want %d", g, i, got, want)
						return
					}
				}
			})
		}
		wg.Wait()
		if n := db.CachedStatements(d); n > size {
			t.Errorf("cached statements: got %d, want at most %d", n, size)
		}
	})
}
