// Package db stores the admin's data in SQLite or PostgreSQL through sqlx.
// Every exported error is prefixed "db: <operation>:" and wraps one of the
// package's sentinels where the caller may want to react to it.
package db

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	neturl "net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq"  // registers the "postgres" driver
	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/tokenadmin/tokenadmin/content"
)

// Dialect names the SQL database behind a DB.
type Dialect string

// The supported dialects; each value is also the database/sql driver name.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is a connection pool together with the dialect it speaks. Queries are
// written with ? placeholders and passed through Rebind.
type DB struct {
	*sqlx.DB
	Dialect Dialect

	// url is what Open was given; the PostgreSQL listener opens its own
	// connection with it.
	url string

	pool  Pool
	stmts *stmtCache

	// Reads that share a run under load (coalesce.go); findOnes is nil
	// on SQLite.
	findOnes *coalescer[[]content.Entry]
	finds    *coalescer[sharedWindow]
}

// sqlx does not know modernc's driver name "sqlite"; registering it makes
// Rebind keep ? placeholders by design rather than as its fallback for
// unknown drivers.
var bindSQLite sync.Once

// sqlitePragmas go in the DSN rather than being executed once after Open,
// because database/sql opens further connections on demand and each must
// enforce foreign keys and wait on a busy database instead of failing.
// _txlock=immediate makes every transaction take the write lock at BEGIN,
// so read-then-write transactions serialise instead of failing with
// SQLITE_BUSY when they try to upgrade. _time_format=sqlite writes times in
// a format SQLite's own date functions understand.
const sqlitePragmas = "_pragma=foreign_keys(1)" +
	"&_pragma=journal_mode(WAL)" +
	"&_pragma=busy_timeout(10000)" +
	"&_pragma=synchronous(NORMAL)" +
	"&_txlock=immediate" +
	"&_time_format=sqlite"

// sqliteURIEscaper escapes what SQLite's URI filename parser would
// otherwise take for the start of the query string or a percent escape.
var sqliteURIEscaper = strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23")

// Option changes how Open connects.
type Option func(*options)

type options struct {
	statementTimeout time.Duration
}

// StatementTimeout makes PostgreSQL end any statement of the pool's
// connections that runs longer than d (its statement_timeout, set for
// each connection as it starts, so it costs no round trip). A request's
// context ends its statements sooner: lib/pq cancels them, and SQLite
// interrupts them, when the context ends; this is the server's own guard
// for a statement whose cancellation never arrives. SQLite has no
// equivalent and ignores it. Leave it off for migrations, which may
// legitimately run long.
func StatementTimeout(d time.Duration) Option {
	return func(o *options) { o.statementTimeout = d }
}

// Open connects to the database named by url, either sqlite:PATH or a
// postgres:// (or postgresql://) URL, and checks that it answers.
func Open(ctx context.Context, url string, opts ...Option) (*DB, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	bindSQLite.Do(func() { sqlx.BindDriver(string(SQLite), sqlx.QUESTION) })

	var (
		dialect Dialect
		dsn     string
	)
	switch {
	case strings.HasPrefix(url, "sqlite:"):
		path := strings.TrimPrefix(url, "sqlite:")
		if path == "" {
			return nil, errors.New("db: open: sqlite: URL has no file path")
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("db: open: %w", err)
		}
		// The file holds password and key hashes: readable by its owner
		// only. SQLite gives its -wal and -shm files the same mode.
		if f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600); err == nil {
			f.Close()
		} else if !errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("db: open: %w", err)
		}
		dialect = SQLite
		dsn = "file:" + sqliteURIEscaper.Replace(path) + "?" + sqlitePragmas
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		dialect = Postgres
		var err error
		if dsn, err = withStatementTimeout(url, o.statementTimeout); err != nil {
			return nil, fmt.Errorf("db: open: %w", err)
		}
	default:
		return nil, errors.New("db: open: DATABASE_URL must start with sqlite: or postgres://")
	}

	x, err := sqlx.Open(string(dialect), dsn)
	if err != nil {
		return nil, fmt.Errorf("db: open: %w", err)
	}
	d := &DB{DB: x, Dialect: dialect, url: url, stmts: newStmtCache(stmtCacheSize)}
	// Identical finds share one execution on both databases: on SQLite
	// that saves the query's own work (one busy list page at 32
	// connections: 5,000-6,600 req/s alone, 8,700-9,400 shared), on
	// PostgreSQL the round trip as well.
	d.finds = newCoalescer[sharedWindow](1, maxSharedWindows)
	if dialect == Postgres {
		// findOnes of different ids go in one statement: that saves
		// round trips, which SQLite has none of (tried there: 2.4 reads
		// a run, a rate within noise). One run in flight per content
		// type: a read waits at most for the run before its own.
		// Measured on every article in turn at 32 connections, a width
		// of 1 gave 14,300-14,800 req/s, 2 gave 11,800-12,100 (half the
		// batch, twice the round trips).
		d.findOnes = newCoalescer[[]content.Entry](1, maxCoalescedIDs)
	}
	d.ConfigurePool(DefaultPool(dialect))
	if err := x.PingContext(ctx); err != nil {
		x.Close()
		return nil, fmt.Errorf("db: open: ping %s: %w", dialect, err)
	}
	return d, nil
}

// withStatementTimeout adds statement_timeout to a postgres:// URL as a
// parameter lib/pq passes to the server when a connection starts, unless
// the URL sets one itself.
func withStatementTimeout(raw string, d time.Duration) (string, error) {
	if d <= 0 {
		return raw, nil
	}
	u, err := neturl.Parse(raw)
	if err != nil {
		return "", errors.New("DATABASE_URL is not a parsable URL")
	}
	q := u.Query()
	if q.Has("statement_timeout") {
		return raw, nil
	}
	q.Set("statement_timeout", strconv.FormatInt(max(d.Milliseconds(), 1), 10))
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// now is the time the store writes: UTC, and at the microsecond precision
// PostgreSQL keeps, so that a value read back equals the one written.
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// inTx runs fn in a transaction, committing if fn returns nil and rolling
// back otherwise.
func (d *DB) inTx(ctx context.Context, fn func(tx *sqlx.Tx) error) error {
	tx, err := d.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		// fn's error is the one worth reporting; a connection that cannot
		// roll back is discarded by database/sql anyway.
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// adminsLockID keys the PostgreSQL advisory lock taken by every
// transaction that adds admins or changes who holds which role ("tokadmin"
// in ASCII).
const adminsLockID = 0x746f6b61646d696e

// lockAdmins serialises the transactions whose checks ("no admin yet",
// "another active super admin remains", "nobody holds this role") would
// otherwise be invalidated by a concurrent transaction that commits in
// between. SQLite needs nothing: with _txlock=immediate every transaction
// already holds the database's single write lock from BEGIN.
func (d *DB) lockAdmins(ctx context.Context, tx *sqlx.Tx) error {
	if d.Dialect != Postgres {
		return nil
	}
	_, err := tx.ExecContext(ctx, fmt.Sprintf(`SELECT pg_advisory_xact_lock(%d)`, int64(adminsLockID)))
	return err
}
