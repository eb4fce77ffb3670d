package db_test

import (
	"cmp"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/tokenadmin/tokenadmin/apitoken"
	"github.com/tokenadmin/tokenadmin/db"
	"github.com/tokenadmin/tokenadmin/db/dbtest"
)

// TestTokenChangeNotifications checks that each change that narrows or
// revokes a key reaches the other instances with the old key's hash: by
// LISTEN on PostgreSQL, by the revocation record on SQLite.
func TestTokenChangeNotifications(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx, cancel := context.WithCancel(context.Background())
		t.Cleanup(cancel)
		heard := make(chan string, 100)
		changed := func(hash string) { heard <- hash }
		var err error
		if d.Dialect == db.Postgres {
			err = d.ListenTokenChanges(ctx, db.TokenListener{Changed: changed})
		} else {
			if err := d.ListenTokenChanges(ctx, db.TokenListener{Changed: changed}); !errors.Is(err, db.ErrNoListener) {
				t.Errorf("ListenTokenChanges on SQLite: got %v, want ErrNoListener", err)
			}
			err = d.WatchRevocations(ctx, 10*time.Millisecond, changed)
		}
		if err != nil {
			t.Fatal(err)
		}
		// The channel is per database, not per schema: other tests'
		// hashes may be heard too, and are skipped.
		expect := func(what, hash string) {
			t.Helper()
			deadline := time.After(2 * time.Second)
			for {
				select {
				case h := <-heard:
					if h == hash {
						return
					}
				case <-deadline:
					t.Fatalf("%s: hash %s not heard within 2 s", what, hash)
				}
			}
		}

		nt := customTok("Watched", "api::a.find", "api::b.find")
		tok := mustCreateToken(t, d, nt)
		_, hash, err := d.UpdateToken(ctx, tok.ID, apitoken.Change{
			Clean: apitoken.Clean{Name: "Watched", Type: apitoken.Custom, Permissions: []string{"api::a.find"}},
			Now:   tokBase,
		}, dbtest.TokenChange())
		if err != nil {
			t.Fatal(err)
		}
		expect("update", hash[0])
		_, old, err := d.RegenerateToken(ctx, tok.ID, tokHash(), "tka_…new1", tokBase, dbtest.TokenChange())
		if err != nil {
			t.Fatal(err)
		}
		if len(old) != 1 || old[0] != nt.Hash {
			t.Fatalf("regenerate: got old hashes %q, want [%q]", old, nt.Hash)
		}
		expect("regenerate", old[0])
		_, hash, err = d.DeleteToken(ctx, tok.ID, dbtest.TokenChange())
		if err != nil {
			t.Fatal(err)
		}
		expect("delete", hash[0])
	})
}

// TestListenerFirstConnectionFails starts the listener while the database
// refuses new connections. It reports the loss; once it connects, it must
// report that it is back, or whoever bypasses a cache on a loss would
// bypass it for good.
func TestListenerFirstConnectionFails(t *testing.T) {
	ctx := context.Background()
	base := cmp.Or(os.Getenv("TOKENADMIN_TEST_DATABASE_URL"), dbtest.DefaultPostgresURL)
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	server, err := sql.Open("postgres", base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { server.Close() })
	pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := server.PingContext(pingCtx); err != nil {
		if os.Getenv("TOKENADMIN_REQUIRE_POSTGRES") == "1" {
			t.Fatalf("PostgreSQL unreachable at %s: %v", u.Redacted(), err)
		}
		t.Skipf("PostgreSQL unreachable at %s: %v; set TOKENADMIN_REQUIRE_POSTGRES=1 to fail instead", u.Redacted(), err)
	}
	b := make([]byte, 8)
	rand.Read(b)
	name := "ta_listen_" + hex.EncodeToString(b) // random hex: safe to splice
	if _, err := server.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		if os.Getenv("TOKENADMIN_REQUIRE_POSTGRES") == "1" {
			t.Fatalf("CREATE DATABASE %s: %v", name, err)
		}
		t.Skipf("cannot create a database: %v", err)
	}
	t.Cleanup(func() {
		if _, err := server.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("DROP DATABASE %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	d, err := db.Open(ctx, u.String()) // the pool's connection is made now
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })

	if _, err := server.ExecContext(ctx, "ALTER DATABASE "+name+" WITH ALLOW_CONNECTIONS false"); err != nil {
		t.Fatal(err)
	}
	lctx, stop := context.WithCancel(ctx)
	t.Cleanup(stop)
	lost := make(chan bool, 100)
	started := make(chan error, 1)
	go func() {
		started <- d.ListenTokenChanges(lctx, db.TokenListener{Lost: func(l bool) { lost <- l }})
	}()
	select {
	case l := <-lost:
		if !l {
			t.Fatal("Lost(false) before any connection")
		}
	case err := <-started:
		t.Fatalf("ListenTokenChanges returned %v while the database refuses connections", err)
	case <-time.After(5 * time.Second):
		t.Fatal("no Lost(true) within 5 s of a failed connection")
	}
	if _, err := server.ExecContext(ctx, "ALTER DATABASE "+name+" WITH ALLOW_CONNECTIONS true"); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-started:
		if err != nil {
			t.Fatalf("ListenTokenChanges: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("ListenTokenChanges did not return within 5 s of connections being allowed")
	}
	// Connected: the last word must be "back".
	deadline := time.After(2 * time.Second)
	last := true
	for last {
		select {
		case last = <-lost:
		case <-deadline:
			t.Fatal("listening, but Lost(false) never came: the loss reported at start is never taken back")
		}
	}
}
