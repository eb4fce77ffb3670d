package main

import (
	"cmp"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lib/pq"

	"github.com/tokenadmin/tokenadmin/apitoken"
	"github.com/tokenadmin/tokenadmin/audit"
	"github.com/tokenadmin/tokenadmin/config"
	"github.com/tokenadmin/tokenadmin/content"
	"github.com/tokenadmin/tokenadmin/db"
)

// These tests run several `tokenadmin serve` in one test process against
// one PostgreSQL database. Each run has its own verification cache and its
// own LISTEN connection, so each is an instance of a deployment as far as
// token changes are concerned.

// propagation is how soon every instance must refuse a revoked key.
const propagation = time.Second

// instanceDatabase creates a fresh database ta_inst_<random> for the
// instances of one test to share, dropped WITH (FORCE) when the test ends.
// It returns the database's URL, its name, and a connection to the
// server's base database, from which the test can watch and end the
// instances' backends without being one of them.
func instanceDatabase(t *testing.T) (dbURL, name string, server *sql.DB) {
	t.Helper()
	// Not t.Context: the cleanup below runs after it is cancelled.
	ctx := context.Background()
	base := cmp.Or(os.Getenv("TOKENADMIN_TEST_DATABASE_URL"), defaultPostgresURL)
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Fatalf("TOKENADMIN_TEST_DATABASE_URL must be a postgres:// URL, got %q", base)
	}
	server, err = sql.Open("postgres", base)
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
	name = "ta_inst_" + hex.EncodeToString(b) // random hex: safe to splice
	if _, err := server.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		var pqErr *pq.Error
		if errors.As(err, &pqErr) && pqErr.Code == "42501" { // insufficient_privilege
			skipOrFail(t, "cannot create a database at "+u.Redacted()+": "+err.Error())
		}
		t.Fatalf("CREATE DATABASE %s: %v", name, err)
	}
	t.Cleanup(func() {
		if _, err := server.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("DROP DATABASE %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	return u.String(), name, server
}

// startInstance runs `tokenadmin serve` in-process on a free port, as
// startServer does, and also returns what it logs. It is stopped when the
// test ends.
func startInstance(t *testing.T, env map[string]string) (string, *syncBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	logs := &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve"}, getenv(env), strings.NewReader(""), io.Discard, logs) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve: %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Error("serve did not stop within 20 s")
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		if m := listeningRE.FindStringSubmatch(logs.String()); m != nil {
			return "http://" + m[1], logs
		}
		select {
		case err := <-done:
			done <- err // for the cleanup
			t.Fatalf("serve returned %v before listening:\n%s", err, logs)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not start within 10 s:\n%s", logs)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// instanceEnv is the environment every instance and CLI run of a test
// shares: one database, one secret.
func instanceEnv(dbURL string) map[string]string {
	return map[string]string{"TOKENADMIN_ADDR": "127.0.0.1:0", "DATABASE_URL": dbURL, "TOKENADMIN_SECRET": testSecret}
}

// tokenService is a token service of its own on the database at dbURL,
// keyed as the instances are: a changer that no instance's cache hears of
// except through the database.
func tokenService(t *testing.T, dbURL string) *apitoken.Service {
	t.Helper()
	d, err := db.Open(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	secret, err := config.ParseSecret(testSecret)
	if err != nil {
		t.Fatal(err)
	}
	return apitoken.NewService(d, apitoken.NewHasher(config.DeriveKey(secret, config.PurposeTokenHash)), content.Default().KnownAction, time.Now)
}

// mintKey creates a token with the CLI and returns its ID and key.
func mintKey(t *testing.T, env map[string]string, name, typ string) (int64, string) {
	t.Helper()
	r := runCmd(t, env, "", "token", "create", "--name", name, "--type", typ, "--duration", "unlimited", "--json")
	if r.err != nil {
		t.Fatalf("token create %s: %v\n%s", name, r.err, r.stderr)
	}
	var out struct {
		ID        int64  `json:"id"`
		AccessKey string `json:"accessKey"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || out.ID == 0 || out.AccessKey == "" {
		t.Fatalf("token create %s --json: got %q (%v), want an id and a key", name, r.stdout, err)
	}
	return out.ID, out.AccessKey
}

// cli runs a token subcommand and fails the test if it fails.
func cli(t *testing.T, env map[string]string, args ...string) string {
	t.Helper()
	r := runCmd(t, env, "", append([]string{"token"}, args...)...)
	if r.err != nil {
		t.Fatalf("token %v: %v\n%s", args, r.err, r.stderr)
	}
	return strings.TrimSpace(r.stdout)
}

func newAPIClient(t *testing.T) *http.Client {
	tr := &http.Transport{MaxIdleConnsPerHost: 32}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

// apiStatus sends one request with key as bearer and returns the status.
// It never fails the test, so that any goroutine may use it.
func apiStatus(c *http.Client, method, url, key, body string) (int, error) {
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		return 0, err
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, res.Body)
	return res.StatusCode, nil
}

// expectStatus sends one request and fails the test unless it is answered
// with want.
func expectStatus(t *testing.T, c *http.Client, method, url, key, body string, want int) {
	t.Helper()
	got, err := apiStatus(c, method, url, key, body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	if got != want {
		t.Fatalf("%s %s: got %d, want %d", method, url, got, want)
	}
}

// untilStatus repeats a request every 5 ms until it is answered with want
// and returns how long after since that was. It fails the test if that
// does not happen within propagation of since.
func untilStatus(t *testing.T, c *http.Client, since time.Time, method, url, key, body string, want int) time.Duration {
	t.Helper()
	for {
		got, err := apiStatus(c, method, url, key, body)
		if err != nil {
			t.Fatalf("%s %s: %v", method, url, err)
		}
		if got == want {
			return time.Since(since)
		}
		if d := time.Since(since); d > propagation {
			t.Fatalf("%s %s: still %d %v after the change, want %d within %v", method, url, got, d.Round(time.Millisecond), want, propagation)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestRevocationReachesOtherInstance changes a key that two running
// instances have cached, from outside either of them, and measures how
// soon each refuses it. The changes are made the three ways that narrow
// or revoke a key: delete, regenerate, and an edit to fewer rights.
func TestRevocationReachesOtherInstance(t *testing.T) {
	t.Chdir(t.TempDir())
	dbURL, _, _ := instanceDatabase(t)
	env := instanceEnv(dbURL)
	a, _ := startInstance(t, env)
	b, _ := startInstance(t, env)
	c := newAPIClient(t)
	svc := tokenService(t, dbURL)

	tests := []struct {
		name string
		// change makes the key refused and returns the key that replaces
		// it, if any.
		change func(t *testing.T, id int64, name string) (newKey string)
		// method and body form the request the change must refuse, with
		// want.
		method, body string
		want         int
	}{
		{
			name: "delete",
			change: func(t *testing.T, id int64, _ string) string {
				cli(t, env, "delete", strconv.FormatInt(id, 10))
				return ""
			},
			method: "GET", want: http.StatusUnauthorized,
		},
		{
			name: "regenerate",
			change: func(t *testing.T, id int64, _ string) string {
				return cli(t, env, "regenerate", strconv.FormatInt(id, 10))
			},
			method: "GET", want: http.StatusUnauthorized,
		},
		{
			name: "narrow to read-only",
			change: func(t *testing.T, id int64, name string) string {
				_, errs, err := svc.Update(context.Background(), audit.CLI("test"), id, apitoken.Input{Name: name, Type: string(apitoken.ReadOnly)})
				if err != nil || !errs.Valid() {
					t.Fatalf("Update(%d, read-only): %v %v", id, errs, err)
				}
				return ""
			},
			// An empty create is a 400 for a key that may create, and a
			// 403 for one that may not: the permission check comes first.
			method: "POST", body: "{}", want: http.StatusForbidden,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := "key " + tt.name
			id, key := mintKey(t, env, name, string(apitoken.FullAccess))
			// Both instances cache the key as full access: the second
			// request of each is answered from memory.
			for _, base := range []string{a, b} {
				for range 2 {
					expectStatus(t, c, "GET", base+"/api/articles", key, "", http.StatusOK)
					expectStatus(t, c, "POST", base+"/api/articles", key, "{}", http.StatusBadRequest)
				}
			}

			began := time.Now()
			newKey := tt.change(t, id, name)
			returned := time.Now()
			onB := untilStatus(t, c, returned, tt.method, b+"/api/articles", key, tt.body, tt.want)
			onA := untilStatus(t, c, returned, tt.method, a+"/api/articles", key, tt.body, tt.want)
			t.Logf("%s: the change took %v; instance B refused the key %v after it returned (%v after it began), instance A by %v",
				tt.name, returned.Sub(began).Round(time.Microsecond), onB.Round(time.Microsecond),
				(onB + returned.Sub(began)).Round(time.Microsecond), onA.Round(time.Microsecond))

			if newKey != "" {
				for _, base := range []string{a, b} {
					expectStatus(t, c, "GET", base+"/api/articles", newKey, "", http.StatusOK)
				}
			}
			if tt.want == http.StatusForbidden {
				// Narrowed, not revoked: what the key still may do, it does.
				for _, base := range []string{a, b} {
					expectStatus(t, c, "GET", base+"/api/articles", key, "", http.StatusOK)
				}
			}
		})
	}
}

// listenerPID finds the backend of the instance's LISTEN connection in the
// database name, other than not. Its last statement is the LISTEN, or the
// empty query the listener pings with every 5 s.
func listenerPID(t *testing.T, server *sql.DB, name string, not int, within time.Duration) int {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		rows, err := server.Query(`SELECT pid, query FROM pg_stat_activity
			WHERE datname = $1 AND backend_type = 'client backend' AND pid <> $2
			  AND (query ILIKE 'LISTEN%' OR query = '')`, name, not)
		if err != nil {
			t.Fatal(err)
		}
		var all, listening []int
		var seen []string
		for rows.Next() {
			var pid int
			var q string
			if err := rows.Scan(&pid, &q); err != nil {
				t.Fatal(err)
			}
			all = append(all, pid)
			seen = append(seen, fmt.Sprintf("%d %q", pid, q))
			if strings.HasPrefix(strings.ToUpper(q), "LISTEN") {
				listening = append(listening, pid)
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
		switch {
		case len(listening) == 1:
			return listening[0]
		case len(listening) == 0 && len(all) == 1:
			return all[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("no single listener backend in %s within %v (other than %d); candidates: %v", name, within, not, seen)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitLog waits until logs holds more than n lines containing s.
func waitLog(t *testing.T, logs *syncBuffer, s string, n int, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for strings.Count(logs.String(), s) <= n {
		if time.Now().After(deadline) {
			t.Fatalf("no new %q log line within %v:\n%s", s, within, logs)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestListenerLossDropsCacheAndRecovers ends the instance's LISTEN
// connection and removes cached keys behind its back, with plain SQL that
// notifies nobody: a missed notification. The instance must stop trusting
// its cache as soon as it notices, listen again, and trust notifications
// again once it does.
func TestListenerLossDropsCacheAndRecovers(t *testing.T) {
	t.Chdir(t.TempDir())
	dbURL, name, server := instanceDatabase(t)
	env := instanceEnv(dbURL)
	base, logs := startInstance(t, env)
	articles := base + "/api/articles"
	c := newAPIClient(t)
	ctx := context.Background()

	// One pinned connection of the test's own to the instance's database,
	// opened now so that it works while new connections are refused.
	direct, err := sql.Open("postgres", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { direct.Close() })
	conn, err := direct.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	// Without notifying anyone, as a change made behind the service's
	// back (or one whose notification was lost) would.
	silentDelete := func(id int64) {
		t.Helper()
		res, err := conn.ExecContext(ctx, `DELETE FROM api_tokens WHERE id = $1`, id)
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			t.Fatalf("DELETE token %d: %d rows", id, n)
		}
	}

	const (
		lostLine     = "token change notifications lost"
		restoredLine = "token change notifications restored"
	)
	keys := map[string]string{}
	ids := map[string]int64{}
	for _, k := range []string{"control", "missed", "outage", "survivor"} {
		ids[k], keys[k] = mintKey(t, env, k, string(apitoken.ReadOnly))
		for range 2 {
			expectStatus(t, c, "GET", articles, keys[k], "", http.StatusOK)
		}
	}

	// Control: the cache is in play. A silent delete goes unseen while
	// the listener is up, since nothing says the key changed.
	silentDelete(ids["control"])
	for range 3 {
		expectStatus(t, c, "GET", articles, keys["control"], "", http.StatusOK)
	}

	t.Run("connection killed", func(t *testing.T) {
		pid := listenerPID(t, server, name, 0, 2*time.Second)
		lost, restored := strings.Count(logs.String(), lostLine), strings.Count(logs.String(), restoredLine)
		if _, err := server.ExecContext(ctx, `SELECT pg_terminate_backend($1)`, pid); err != nil {
			t.Fatal(err)
		}
		killed := time.Now()
		silentDelete(ids["missed"])
		d := untilStatus(t, c, killed, "GET", articles, keys["missed"], "", http.StatusUnauthorized)
		t.Logf("listener backend %d killed: a key deleted silently at once was refused after %v", pid, d.Round(time.Microsecond))
		// What was cached before the loss is gone too.
		expectStatus(t, c, "GET", articles, keys["control"], "", http.StatusUnauthorized)

		waitLog(t, logs, lostLine, lost, 5*time.Second)
		waitLog(t, logs, restoredLine, restored, 5*time.Second)
		again := listenerPID(t, server, name, pid, 5*time.Second)
		t.Logf("listening again on backend %d, %v after the kill", again, time.Since(killed).Round(time.Millisecond))

		// Notifications work again: a key minted now, cached, then
		// deleted through the service is refused within the second.
		id, key := mintKey(t, env, "after reconnection", string(apitoken.ReadOnly))
		for range 2 {
			expectStatus(t, c, "GET", articles, key, "", http.StatusOK)
		}
		cli(t, env, "delete", strconv.FormatInt(id, 10))
		returned := time.Now()
		d = untilStatus(t, c, returned, "GET", articles, key, "", http.StatusUnauthorized)
		t.Logf("after reconnection: a CLI delete was seen %v after it returned", d.Round(time.Microsecond))
	})

	t.Run("outage", func(t *testing.T) {
		// Keep the listener from reconnecting: while it cannot, every key
		// must be checked against the database.
		pid := listenerPID(t, server, name, 0, 2*time.Second)
		expectStatus(t, c, "GET", articles, keys["outage"], "", http.StatusOK)
		expectStatus(t, c, "GET", articles, keys["survivor"], "", http.StatusOK)
		lost, restored := strings.Count(logs.String(), lostLine), strings.Count(logs.String(), restoredLine)
		if _, err := server.ExecContext(ctx, `ALTER DATABASE `+name+` WITH ALLOW_CONNECTIONS false`); err != nil {
			t.Fatal(err)
		}
		allowed := false
		allow := func() {
			if !allowed {
				allowed = true
				if _, err := server.ExecContext(ctx, `ALTER DATABASE `+name+` WITH ALLOW_CONNECTIONS true`); err != nil {
					t.Error(err)
				}
			}
		}
		defer allow()
		if _, err := server.ExecContext(ctx, `SELECT pg_terminate_backend($1)`, pid); err != nil {
			t.Fatal(err)
		}
		waitLog(t, logs, lostLine, lost, 5*time.Second)

		// Lost and not back: a silent delete is refused on the very next
		// request, and a good key still works from the database.
		silentDelete(ids["outage"])
		expectStatus(t, c, "GET", articles, keys["outage"], "", http.StatusUnauthorized)
		for range 3 {
			expectStatus(t, c, "GET", articles, keys["survivor"], "", http.StatusOK)
		}
		if n := strings.Count(logs.String(), restoredLine); n != restored {
			t.Fatalf("notifications restored while the database refuses connections:\n%s", logs)
		}

		allow()
		reopened := time.Now()
		waitLog(t, logs, restoredLine, restored, 5*time.Second)
		t.Logf("listener reconnected %v after connections were allowed again", time.Since(reopened).Round(time.Millisecond))
		listenerPID(t, server, name, pid, 5*time.Second)
		for range 2 {
			expectStatus(t, c, "GET", articles, keys["survivor"], "", http.StatusOK)
		}
		cli(t, env, "delete", strconv.FormatInt(ids["survivor"], 10))
		returned := time.Now()
		d := untilStatus(t, c, returned, "GET", articles, keys["survivor"], "", http.StatusUnauthorized)
		t.Logf("after the outage: a CLI delete was seen %v after it returned", d.Round(time.Microsecond))
	})
}

// TestConcurrentVerifyAndRegenerate verifies keys from many goroutines
// while another process regenerates them, for the race detector and for
// the one rule that matters: a key revoked more than propagation ago is
// never accepted, and at the end exactly the current keys work.
func TestConcurrentVerifyAndRegenerate(t *testing.T) {
	t.Chdir(t.TempDir())
	dbURL, _, _ := instanceDatabase(t)
	env := instanceEnv(dbURL)
	base, _ := startInstance(t, env)
	articles := base + "/api/articles"
	c := newAPIClient(t)
	svc := tokenService(t, dbURL)
	ctx := context.Background()

	const (
		nKeys    = 4
		workers  = 8
		rounds   = 20
		maxFails = 10
	)
	var (
		mu      sync.Mutex
		ids     [nKeys]int64
		current [nKeys]string
		revoked = map[string]time.Time{}
		old     []string
	)
	for i := range nKeys {
		tok, key, errs, err := svc.Create(ctx, audit.CLI("test"), apitoken.Input{Name: fmt.Sprintf("busy %d", i), Type: string(apitoken.ReadOnly), Duration: "unlimited"})
		if err != nil || !errs.Valid() {
			t.Fatalf("Create: %v %v", errs, err)
		}
		ids[i], current[i] = tok.ID, key
	}

	var (
		wg                sync.WaitGroup
		stop              = make(chan struct{})
		accepted, refused atomic.Int64
		fails             atomic.Int64
	)
	fail := func(format string, args ...any) {
		if fails.Add(1) <= maxFails {
			t.Errorf(format, args...)
		}
	}
	for w := range workers {
		wg.Go(func() {
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				// Mostly current keys (cached, then revoked under the
				// reader's feet); every third request a revoked one.
				mu.Lock()
				key := current[(w+n)%nKeys]
				if n%3 == 0 && len(old) > 0 {
					key = old[(w*7+n)%len(old)]
				}
				mu.Unlock()
				sent := time.Now()
				got, err := apiStatus(c, "GET", articles, key, "")
				if err != nil {
					fail("GET: %v", err)
					continue
				}
				switch got {
				case http.StatusOK:
					accepted.Add(1)
					mu.Lock()
					at, ok := revoked[key]
					mu.Unlock()
					if ok && sent.Sub(at) > propagation {
						fail("key revoked %v before the request was accepted", sent.Sub(at))
					}
				case http.StatusUnauthorized:
					refused.Add(1)
				default:
					fail("GET: status %d, want 200 or 401", got)
				}
			}
		})
	}

	began := time.Now()
	for range rounds {
		for i := range nKeys {
			_, key, err := svc.Regenerate(ctx, audit.CLI("test"), ids[i])
			if err != nil {
				close(stop)
				wg.Wait()
				t.Fatalf("Regenerate(%d): %v", ids[i], err)
			}
			mu.Lock()
			revoked[current[i]] = time.Now()
			old = append(old, current[i])
			current[i] = key
			mu.Unlock()
			time.Sleep(5 * time.Millisecond)
		}
	}
	close(stop)
	wg.Wait()
	t.Logf("%d regenerations in %v under %d readers: %d requests accepted, %d refused",
		rounds*nKeys, time.Since(began).Round(time.Millisecond), workers, accepted.Load(), refused.Load())
	if accepted.Load() == 0 || refused.Load() == 0 {
		t.Errorf("accepted %d, refused %d: want both, or the test exercised nothing", accepted.Load(), refused.Load())
	}

	for _, key := range old {
		untilStatus(t, c, revoked[key], "GET", articles, key, "", http.StatusUnauthorized)
	}
	for _, key := range current {
		expectStatus(t, c, "GET", articles, key, "", http.StatusOK)
	}
}
