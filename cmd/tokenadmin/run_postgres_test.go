package main

import (
	"cmp"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/lib/pq"
)

// defaultPostgresURL is used when TOKENADMIN_TEST_DATABASE_URL is unset.
const defaultPostgresURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// skipOrFail skips the test with msg, or fails it when
// TOKENADMIN_REQUIRE_POSTGRES=1 so that CI cannot pass by testing nothing.
func skipOrFail(t *testing.T, msg string) {
	t.Helper()
	if os.Getenv("TOKENADMIN_REQUIRE_POSTGRES") == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg + "; set TOKENADMIN_REQUIRE_POSTGRES=1 to fail instead")
}

// postgresDatabase creates a fresh database ta_cmd_<random> on the server
// at TOKENADMIN_TEST_DATABASE_URL, dropped when the test ends, and returns
// its URL.
func postgresDatabase(t *testing.T) string {
	t.Helper()
	// Not t.Context: the cleanup below runs after it is cancelled.
	ctx := context.Background()
	base := cmp.Or(os.Getenv("TOKENADMIN_TEST_DATABASE_URL"), defaultPostgresURL)
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Fatalf("TOKENADMIN_TEST_DATABASE_URL must be a postgres:// URL, got %q", base)
	}
	server, err := sql.Open("postgres", base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { server.Close() })
	pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := server.PingContext(pingCtx); err != nil {
		skipOrFail(t, "PostgreSQL unreachable at "+u.Redacted()+": "+err.Error())
	}

	b := make([]byte, 8)
	rand.Read(b)
	name := "ta_cmd_" + hex.EncodeToString(b) // random hex: safe to splice
	if _, err := server.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		var pqErr *pq.Error
		if errors.As(err, &pqErr) && pqErr.Code == "42501" { // insufficient_privilege
			skipOrFail(t, "cannot create a database at "+u.Redacted()+": "+err.Error())
		}
		t.Fatalf("CREATE DATABASE %s: %v", name, err)
	}
	t.Cleanup(func() {
		// Connections left open (by a pool not yet closed) would block
		// the drop; end them first.
		if _, err := server.ExecContext(ctx,
			"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", name); err != nil {
			t.Errorf("terminate connections to %s: %v", name, err)
		}
		if _, err := server.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name); err != nil {
			t.Errorf("DROP DATABASE %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	return u.String()
}

func TestAdminCreatePostgres(t *testing.T) {
	t.Chdir(t.TempDir())
	dbURL := postgresDatabase(t)
	env := map[string]string{"DATABASE_URL": dbURL}

	for i := range 2 {
		r := runCmd(t, env, "", "migrate")
		if r.err != nil {
			t.Fatalf("migrate #%d: got error %v, want nil; stderr:\n%s", i+1, r.err, r.stderr)
		}
		if !strings.Contains(r.stderr, "dialect=postgres") {
			t.Errorf("migrate #%d: got stderr %q, want dialect=postgres", i+1, r.stderr)
		}
	}
	if n := countAdmins(t, dbURL); n != 0 {
		t.Fatalf("CountAdmins after migrate: got %d, want 0", n)
	}

	args := []string{"admin", "create", "--email", "Ada@Example.com", "--name", "Ada", "--role", "super-admin", "--password-stdin"}
	r := runCmd(t, env, "correct horse battery\n", args...)
	if r.err != nil {
		t.Fatalf("admin create: got error %v, want nil; stderr:\n%s", r.err, r.stderr)
	}
	if !strings.Contains(r.stdout, "ada@example.com") || !strings.Contains(r.stdout, "super-admin") {
		t.Errorf("admin create: got stdout %q, want it to mention ada@example.com and super-admin", r.stdout)
	}
	if n := countAdmins(t, dbURL); n != 1 {
		t.Errorf("CountAdmins after admin create: got %d, want 1", n)
	}

	// The unique email holds on PostgreSQL too, whatever the case typed.
	args[3] = "ADA@example.COM"
	r = runCmd(t, env, "correct horse battery\n", args...)
	if r.err == nil || !strings.Contains(r.err.Error(), "already exists") {
		t.Errorf("admin create with a taken email: got error %v, want one saying it already exists", r.err)
	}
	if n := countAdmins(t, dbURL); n != 1 {
		t.Errorf("CountAdmins after the duplicate: got %d, want still 1", n)
	}
	a := checkCredentials(t, dbURL, "ada@example.com", "correct horse battery")
	if a.Role.Slug != "super-admin" {
		t.Errorf("role: got %q, want super-admin", a.Role.Slug)
	}
}
