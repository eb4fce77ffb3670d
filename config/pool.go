package config

import (
	"fmt"
	"strconv"
	"time"
)

// Pool sizes the database connection pool. Zero counts and negative
// durations (what Load leaves when a setting is unset) mean the database's
// own default (see db.DefaultPool); a zero duration means "never".
type Pool struct {
	MaxConns        int
	MaxIdleConns    int
	ConnMaxLifetime time.Duration
	ConnMaxIdleTime time.Duration
}

// maxPoolConns bounds TOKENADMIN_DB_MAX_CONNS: far beyond any server's
// max_connections, but a typo of a few zeros is refused.
const maxPoolConns = 1000

func bindPool(add func(env, name, usage string)) {
	add("TOKENADMIN_DB_MAX_CONNS", "db-max-conns", "most database connections this instance opens, default 16 on PostgreSQL, 2 per CPU (at least 4) on SQLite")
	add("TOKENADMIN_DB_MAX_IDLE_CONNS", "db-max-idle-conns", "connections kept open while idle, default the same as --db-max-conns")
	add("TOKENADMIN_DB_CONN_MAX_LIFETIME", "db-conn-max-lifetime", "a connection is replaced after this long (e.g. 1h; 0 = never), default 30m on PostgreSQL, never on SQLite")
	add("TOKENADMIN_DB_CONN_MAX_IDLE_TIME", "db-conn-max-idle-time", "an idle connection is closed after this long (0 = never), default 5m on PostgreSQL, never on SQLite")
}

func (f *Flags) loadPool(getenv func(string) string) (Pool, error) {
	p := Pool{ConnMaxLifetime: -1, ConnMaxIdleTime: -1}
	count := func(env string, dst *int) error {
		raw, name := f.get(env, getenv)
		if raw == "" {
			return nil
		}
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > maxPoolConns {
			return fmt.Errorf("%s: %q is not a whole number from 1 to %d", name, raw, maxPoolConns)
		}
		*dst = n
		return nil
	}
	duration := func(env string, dst *time.Duration) error {
		raw, name := f.get(env, getenv)
		if raw == "" {
			return nil
		}
		d, err := time.ParseDuration(raw)
		if err != nil || d < 0 {
			return fmt.Errorf("%s: %q is not a duration such as 30m or 1h (0 = never)", name, raw)
		}
		*dst = d
		return nil
	}
	if err := count("TOKENADMIN_DB_MAX_CONNS", &p.MaxConns); err != nil {
		return p, err
	}
	if err := count("TOKENADMIN_DB_MAX_IDLE_CONNS", &p.MaxIdleConns); err != nil {
		return p, err
	}
	if p.MaxConns > 0 && p.MaxIdleConns > p.MaxConns {
		raw, name := f.get("TOKENADMIN_DB_MAX_IDLE_CONNS", getenv)
		return p, fmt.Errorf("%s: %q is more than the %d connections TOKENADMIN_DB_MAX_CONNS allows", name, raw, p.MaxConns)
	}
	if err := duration("TOKENADMIN_DB_CONN_MAX_LIFETIME", &p.ConnMaxLifetime); err != nil {
		return p, err
	}
	if err := duration("TOKENADMIN_DB_CONN_MAX_IDLE_TIME", &p.ConnMaxIdleTime); err != nil {
		return p, err
	}
	return p, nil
}
