package db_test

import (
	"sync"
	"testing"
	"time"

	"github.com/tokenadmin/tokenadmin/db"
	"github.com/tokenadmin/tokenadmin/db/dbtest"
)

func TestDefaultPoolKeepsEveryConnection(t *testing.T) {
	for _, d := range []db.Dialect{db.SQLite, db.Postgres} {
		p := db.DefaultPool(d)
		if p.MaxConns < 1 {
			t.Errorf("%s: default MaxConns %d, want at least 1", d, p.MaxConns)
		}
		if p.MaxIdleConns != 0 && p.MaxIdleConns != p.MaxConns {
			t.Errorf("%s: default MaxIdleConns %d, want as many as MaxConns (%d): fewer churns connections under load", d, p.MaxIdleConns, p.MaxConns)
		}
	}
	if got := db.DefaultPool(db.Postgres).MaxConns; got*5+5 > 100 {
		t.Errorf("PostgreSQL default MaxConns %d: five instances (and a listener each) would not fit in max_connections 100", got)
	}
}

// Under more concurrent queries than connections, a pool whose idle limit
// is below its open limit closes connections as they come back (and opens
// new ones for the next queries); the configured pool must close none.
func TestPoolDoesNotChurnUnderLoad(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		d.ConfigurePool(db.Pool{MaxConns: 6, ConnMaxLifetime: time.Hour, ConnMaxIdleTime: time.Hour})
		if got := d.PoolConfig(); got.MaxIdleConns != 6 {
			t.Fatalf("PoolConfig().MaxIdleConns: got %d, want 6 (as many as MaxConns when unset)", got.MaxIdleConns)
		}
		before := d.Stats()
		var wg sync.WaitGroup
		for range 24 {
			wg.Go(func() {
				for range 20 {
					var n int
					if err := d.GetContext(t.Context(), &n, "SELECT COUNT(*) FROM roles"); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		after := d.Stats()
		if after.MaxOpenConnections != 6 {
			t.Errorf("MaxOpenConnections: got %d, want 6", after.MaxOpenConnections)
		}
		if closed := after.MaxIdleClosed - before.MaxIdleClosed; closed != 0 {
			t.Errorf("connections closed for exceeding the idle limit: got %d, want 0", closed)
		}
		if after.OpenConnections > 6 {
			t.Errorf("open connections: got %d, want at most 6", after.OpenConnections)
		}
	})
}

func TestConfigurePoolClampsIdleToOpen(t *testing.T) {
	d := dbtest.SQLite(t)
	d.ConfigurePool(db.Pool{MaxConns: 3, MaxIdleConns: 10})
	if got := d.PoolConfig(); got.MaxConns != 3 || got.MaxIdleConns != 3 {
		t.Errorf("PoolConfig: got %+v, want MaxConns 3 and MaxIdleConns 3", got)
	}
	d.ConfigurePool(db.Pool{ConnMaxLifetime: -1, ConnMaxIdleTime: time.Minute})
	got, def := d.PoolConfig(), db.DefaultPool(db.SQLite)
	if got.MaxConns != def.MaxConns || got.ConnMaxLifetime != def.ConnMaxLifetime || got.ConnMaxIdleTime != time.Minute {
		t.Errorf("zero MaxConns, negative lifetime, 1m idle time: got %+v, want the defaults %+v but a 1m idle time", got, def)
	}
}
