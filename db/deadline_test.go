package db_test

import (
	"context"
	"database/sql/driver"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lib/pq"
	"modernc.org/sqlite"

	"github.com/tokenadmin/tokenadmin/db"
	"github.com/tokenadmin/tokenadmin/db/dbtest"
)

// A request's deadline, or its client going away, ends its context; these
// tests prove that each database then stops the statement running, not
// merely that the caller stops waiting for it. They assert how much work
// was done, never how long it took.

// slowCalls counts the calls of tokenadmin_test_slow, a function that
// takes a millisecond a row: a statement over 100,000 rows would run for
// minutes. slowReached is closed at the 20th call, for the test to cancel;
// the test resets both.
var (
	slowCalls   atomic.Int64
	slowReached chan struct{}
)

const slowFailsafe = 5000 // calls after which the function fails the statement itself

func init() {
	sqlite.MustRegisterDeterministicScalarFunction("tokenadmin_test_slow", 1, func(*sqlite.FunctionContext, []driver.Value) (driver.Value, error) {
		switch n := slowCalls.Add(1); {
		case n == 20:
			close(slowReached)
		case n > slowFailsafe:
			return nil, errors.New("never interrupted")
		}
		time.Sleep(time.Millisecond)
		return int64(1), nil
	})
}

func TestSQLiteInterruptsAStatementWhenItsContextEnds(t *testing.T) {
	d := dbtest.SQLite(t)
	slowCalls.Store(0)
	slowReached = make(chan struct{})
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go func() {
		<-slowReached
		cancel()
	}()
	// Through the statement cache, as the content API's reads run.
	_, err := db.QueryIntPrepared(ctx, d, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n LIMIT 100000)
		SELECT COUNT(*) FROM n WHERE tokenadmin_test_slow(i) = 1`)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want the statement interrupted with context.Canceled", err)
	}
	// The driver interrupts from another goroutine, so a few more rows
	// may be read; the statement would have read 100,000.
	n := slowCalls.Load()
	if n >= slowFailsafe {
		t.Errorf("the statement ran on for %d rows after its context ended", n)
	}
	t.Logf("interrupted after %d of 100,000 rows", n)
	// The connection is usable again.
	if n, err := db.QueryIntPrepared(t.Context(), d, `SELECT 1`); err != nil || n != 1 {
		t.Errorf("after the interrupt: %d, %v", n, err)
	}
}

// pgActive counts the statements running on the server whose text is q.
func pgActive(t *testing.T, d *db.DB, q string) int {
	t.Helper()
	var n int
	if err := d.GetContext(t.Context(), &n, `SELECT COUNT(*) FROM pg_stat_activity WHERE state = 'active' AND query = $1`, q); err != nil {
		t.Fatal(err)
	}
	return n
}

// waitFor polls cond until it holds, failing the test after limit.
func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, limit)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestPostgresCancelsAStatementWhenItsContextEnds(t *testing.T) {
	d := dbtest.Postgres(t)
	const sleep = `SELECT pg_sleep(60)`
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		_, err := d.ExecContext(ctx, sleep)
		done <- err
	}()
	waitFor(t, 10*time.Second, "the statement starts", func() bool { return pgActive(t, d, sleep) == 1 })
	cancel()
	if err := <-done; err == nil {
		t.Fatal("the cancelled statement succeeded")
	}
	// Gone from the server, well before its 60 s.
	waitFor(t, 10*time.Second, "the server stops the statement", func() bool { return pgActive(t, d, sleep) == 0 })
}

func TestPostgresStatementTimeout(t *testing.T) {
	d := dbtest.Postgres(t, db.StatementTimeout(250*time.Millisecond))
	var setting string
	if err := d.GetContext(t.Context(), &setting, `SHOW statement_timeout`); err != nil || setting != "250ms" {
		t.Fatalf("statement_timeout is %q (%v), want 250ms on every connection", setting, err)
	}
	// No context deadline here: the server ends the statement itself.
	_, err := d.ExecContext(context.Background(), `SELECT pg_sleep(60)`)
	var pqErr *pq.Error
	if !errors.As(err, &pqErr) || pqErr.Code != "57014" {
		t.Fatalf("got %v, want query_canceled (57014)", err)
	}
	if !db.Unavailable(err) {
		t.Errorf("a statement the server ended is not reported as unavailable (503): %v", err)
	}
	plain := dbtest.Postgres(t)
	if err := plain.GetContext(t.Context(), &setting, `SHOW statement_timeout`); err != nil || setting != "0" {
		t.Errorf("without the option: %q %v, want the server's default 0", setting, err)
	}
}

func TestSQLiteIgnoresStatementTimeout(t *testing.T) {
	d, err := db.Open(t.Context(), "sqlite:"+t.TempDir()+"/x.db", db.StatementTimeout(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := d.PingContext(t.Context()); err != nil {
		t.Fatal(err)
	}
}
