// Package dbtest gives tests a fresh, migrated database of each dialect.
package dbtest

import (
	"cmp"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tokenadmin/tokenadmin/db"
)

// DefaultPostgresURL is used when TOKENADMIN_TEST_DATABASE_URL is unset.
const DefaultPostgresURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// Each runs fn as the subtests "sqlite" and "postgres", each with its own
// fresh database.
func Each(t *testing.T, fn func(t *testing.T, d *db.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t)) })
}

// SQLite returns a migrated database in a new file under t.TempDir, closed
// when the test ends.
func SQLite(t testing.TB) *db.DB {
	t.Helper()
	ctx := context.Background()
	d, err := db.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "test.db"))
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	if err := d.Migrate(ctx); err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	return d
}

// Postgres returns a migrated database in a new schema of the server at
// TOKENADMIN_TEST_DATABASE_URL, dropped when the test ends. Tests are
// skipped when the server is unreachable, unless
// TOKENADMIN_REQUIRE_POSTGRES=1, which makes that a failure so that CI
// cannot pass by testing nothing. With opts, the database is migrated as
// usual and then opened again with them, as the server opens its pool.
func Postgres(t testing.TB, opts ...db.Option) *db.DB {
	t.Helper()
	// Not t.Context: the cleanup below runs after it is cancelled.
	ctx := context.Background()
	base := cmp.Or(os.Getenv("TOKENADMIN_TEST_DATABASE_URL"), DefaultPostgresURL)
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Fatalf("dbtest: TOKENADMIN_TEST_DATABASE_URL must be a postgres:// URL, got %q", base)
	}

	server, err := sql.Open("postgres", base)
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	t.Cleanup(func() { server.Close() })
	pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := server.PingContext(pingCtx); err != nil {
		msg := "dbtest: PostgreSQL unreachable at " + u.Redacted() + ": " + err.Error() +
			" (set TOKENADMIN_TEST_DATABASE_URL to point elsewhere)"
		if os.Getenv("TOKENADMIN_REQUIRE_POSTGRES") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg + "; set TOKENADMIN_REQUIRE_POSTGRES=1 to fail instead")
	}

	// Extensions belong to the database, not to a schema: installed by
	// the first test's migration they would live in that test's schema
	// and go when it is dropped. Install them once in public, under a
	// lock, since test packages run in parallel.
	if err := installExtensions(ctx, server); err != nil {
		t.Fatalf("dbtest: %v", err)
	}

	// A schema per test keeps tests independent without needing the
	// right to create databases; the name is random hex, safe to splice.
	schema := "t_" + randomHex(8)
	if _, err := server.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("dbtest: create schema: %v", err)
	}
	t.Cleanup(func() {
		if _, err := server.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("dbtest: drop schema %s: %v", schema, err)
		}
	})

	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	d, err := db.Open(ctx, u.String())
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	// Registered after the DROP SCHEMA cleanup so that it runs first and
	// no connection of d still uses the schema being dropped.
	t.Cleanup(func() { d.Close() })
	if err := d.Migrate(ctx); err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	if len(opts) == 0 {
		return d
	}
	with, err := db.Open(ctx, u.String(), opts...)
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	t.Cleanup(func() { with.Close() })
	return with
}

// extensionsLockID keys the advisory lock around installing extensions
// ("tadbtest" in ASCII).
const extensionsLockID = 0x7461646274657374

func installExtensions(ctx context.Context, server *sql.DB) error {
	tx, err := server.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(extensionsLockID)); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public`); err != nil {
		return fmt.Errorf("create extension pg_trgm: %w", err)
	}
	return tx.Commit()
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never returns an error
	return hex.EncodeToString(b)
}
