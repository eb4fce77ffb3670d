package db

import (
	"runtime"
	"time"
)

// Pool sizes a DB's connection pool. Zero counts and negative durations
// take the dialect's default (DefaultPool), except MaxIdleConns, whose
// default is as many as MaxConns. A zero duration means "never".
type Pool struct {
	MaxConns        int
	MaxIdleConns    int
	ConnMaxLifetime time.Duration
	ConnMaxIdleTime time.Duration
}

// DefaultMaxConnsPostgres is the PostgreSQL pool size: enough for a
// 32-client load on a 2-core server (more connections only queue on the
// server's cores), small enough that five instances stay below
// PostgreSQL's default max_connections of 100 with room for the
// listener connection of each, migrations and the CLI.
const DefaultMaxConnsPostgres = 16

// DefaultPool is the pool Open configures.
//
// Every connection the pool may open is also kept while idle: database/sql
// closes a returned connection beyond MaxIdleConns at once, so a pool
// whose idle limit is below its open limit opens and closes connections
// continuously under load (a PostgreSQL connection costs a process fork
// and an authentication exchange). Idle connections are closed after
// ConnMaxIdleTime instead, when the load is gone.
func DefaultPool(d Dialect) Pool {
	p := Pool{ConnMaxLifetime: 30 * time.Minute, ConnMaxIdleTime: 5 * time.Minute}
	switch d {
	case SQLite:
		// SQLite has one writer at a time whatever the pool size; a few
		// connections let WAL readers proceed beside it. Connections are
		// kept for good because each new one re-runs the pragmas.
		p.MaxConns = max(4, 2*runtime.NumCPU())
		p.ConnMaxLifetime, p.ConnMaxIdleTime = 0, 0
	default:
		p.MaxConns = DefaultMaxConnsPostgres
	}
	return p
}

// ConfigurePool applies p, with DefaultPool's values where p has none.
func (d *DB) ConfigurePool(p Pool) {
	def := DefaultPool(d.Dialect)
	if p.MaxConns <= 0 {
		p.MaxConns = def.MaxConns
	}
	if p.ConnMaxLifetime < 0 {
		p.ConnMaxLifetime = def.ConnMaxLifetime
	}
	if p.ConnMaxIdleTime < 0 {
		p.ConnMaxIdleTime = def.ConnMaxIdleTime
	}
	if p.MaxIdleConns <= 0 || p.MaxIdleConns > p.MaxConns {
		p.MaxIdleConns = p.MaxConns
	}
	d.SetMaxOpenConns(p.MaxConns)
	d.SetMaxIdleConns(p.MaxIdleConns)
	d.SetConnMaxLifetime(p.ConnMaxLifetime)
	d.SetConnMaxIdleTime(p.ConnMaxIdleTime)
	d.pool = p
}

// PoolConfig reports the pool settings in force.
func (d *DB) PoolConfig() Pool { return d.pool }
