package db_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tokenadmin/tokenadmin/db"
	"github.com/tokenadmin/tokenadmin/db/dbtest"
)

func TestOpenRejectsUnknownScheme(t *testing.T) {
	for _, url := range []string{"", "mysql://x", "file:x.db", "sqlite3:x.db"} {
		_, err := db.Open(t.Context(), url)
		if err == nil {
			t.Fatalf("Open(%q): got nil error, want one", url)
		}
		if want := "DATABASE_URL must start with sqlite: or postgres://"; !strings.Contains(err.Error(), want) {
			t.Errorf("Open(%q): got error %q, want it to contain %q", url, err, want)
		}
	}
}

func TestOpenPostgresUnreachable(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	d, err := db.Open(ctx, "postgres://postgres@127.0.0.1:1/test?sslmode=disable&connect_timeout=2")
	if err == nil {
		d.Close()
		t.Fatal("Open on a closed port: got nil error, want one")
	}
	if !strings.HasPrefix(err.Error(), "db: open: ") {
		t.Errorf("got error %q, want prefix %q", err, "db: open: ")
	}
}

func TestOpenSQLiteCreatesParentDirectory(t *testing.T) {
	// Characters that mean something in a SQLite URI filename must still
	// name the file literally.
	dir := filepath.Join(t.TempDir(), "a", "we?ird#dir%20")
	d, err := db.Open(t.Context(), "sqlite:"+filepath.Join(dir, "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if d.Dialect != db.SQLite {
		t.Errorf("got dialect %q, want %q", d.Dialect, db.SQLite)
	}
	if _, err := d.ExecContext(t.Context(), "CREATE TABLE t (x INTEGER)"); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := info.Mode().Perm(); got != 0o700 {
		t.Errorf("got directory mode %v, want %v", got, os.FileMode(0o700))
	}
	if _, err := os.Stat(filepath.Join(dir, "x.db")); err != nil {
		t.Errorf("got %v, want the database file inside %s", err, dir)
	}
}

func TestOpenSQLiteRelativePath(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	d, err := db.Open(t.Context(), "sqlite:data/x.db")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.ExecContext(t.Context(), "CREATE TABLE t (x INTEGER)"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "data", "x.db")); err != nil {
		t.Errorf("got %v, want the database file under the working directory", err)
	}
}

// The pragmas must hold on every pooled connection, not only the first:
// holding two connections at once forces the pool to open two.
func TestSQLitePragmasOnEveryConnection(t *testing.T) {
	d := dbtest.SQLite(t)
	ctx := t.Context()
	c1, err := d.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c1.Close()
	c2, err := d.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()

	want := map[string]string{
		"foreign_keys": "1",
		"busy_timeout": "10000",
		"journal_mode": "wal",
		"synchronous":  "1",
	}
	for i, c := range []*sql.Conn{c1, c2} {
		for pragma, w := range want {
			var got string
			if err := c.QueryRowContext(ctx, "PRAGMA "+pragma).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != w {
				t.Errorf("connection %d: got %s=%s, want %s", i+1, pragma, got, w)
			}
		}
	}
}

func TestMigrateIsIdempotent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := t.Context()
		// dbtest has migrated once already.
		for range 2 {
			if err := d.Migrate(ctx); err != nil {
				t.Fatalf("second Migrate: got %v, want nil", err)
			}
		}
		var version int64
		if err := d.GetContext(ctx, &version, "SELECT MAX(version_id) FROM goose_db_version"); err != nil {
			t.Fatal(err)
		}
		files, err := os.ReadDir("migrations/" + string(d.Dialect))
		if err != nil {
			t.Fatal(err)
		}
		// Migrations are numbered, not counted: numbers may be skipped.
		var newest int64
		for _, f := range files {
			n, err := strconv.ParseInt(strings.SplitN(f.Name(), "_", 2)[0], 10, 64)
			if err != nil {
				t.Fatalf("migration file %s has no number", f.Name())
			}
			newest = max(newest, n)
		}
		if version != newest {
			t.Errorf("got version %d, want %d (the newest migration file)", version, newest)
		}
		var roles int
		if err := d.GetContext(ctx, &roles, "SELECT COUNT(*) FROM roles"); err != nil {
			t.Fatal(err)
		}
		if roles != 3 {
			t.Errorf("got %d roles, want 3 (seed applied once)", roles)
		}
	})
}

func TestSeededTimestampsScan(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		var created, updated time.Time
		err := d.QueryRowxContext(t.Context(), d.Rebind("SELECT created_at, updated_at FROM roles WHERE slug = ?"), "editor").
			Scan(&created, &updated)
		if err != nil {
			t.Fatal(err)
		}
		for _, ts := range []time.Time{created, updated} {
			if d := time.Since(ts); d < -time.Minute || d > time.Minute {
				t.Errorf("got seeded timestamp %v, want about now", ts)
			}
			if _, off := ts.Zone(); off != 0 {
				t.Errorf("got seeded timestamp %v with offset %d, want UTC", ts, off)
			}
		}
	})
}

func TestSQLiteFileIsPrivate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "tokenadmin.db")
	d, err := db.Open(t.Context(), "sqlite:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := d.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, path + "-wal"} {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v, want 0600", filepath.Base(p), st.Mode().Perm())
		}
	}
}
