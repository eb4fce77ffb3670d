package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	_ "github.com/lib/pq" // the PostgreSQL driver tokenadmin itself uses
)

const (
	revocationTrials  = 7
	revocationPoll    = 2 * time.Millisecond
	revocationGiveUp  = 5 * time.Second
	revocationTarget  = time.Second
	pgConnectTimeout  = 5 // seconds, lib/pq's connect_timeout
	pgStatementBudget = 30 * time.Second
)

// revocationSection measures how long a key deleted with the CLI keeps
// working on two running instances that share one PostgreSQL database
// and hear of the change by LISTEN/NOTIFY.
func (b *bench) revocationSection(ctx context.Context, t *table) error {
	t.section(fmt.Sprintf("Revocation: CLI `token delete`, 2 instances on one PostgreSQL, %d trials, polled every %s", revocationTrials, revocationPoll))
	dbURL, drop, err := b.createPGDatabase(ctx)
	if err != nil {
		if errors.Is(err, errSkipped) {
			t.add("key deleted -> 401 on both instances", "skipped (no PostgreSQL)", "", "", "")
			return nil
		}
		return err
	}
	defer drop()

	env := b.serverEnv(dbURL)
	b.progress("revocation: migrating the PostgreSQL database, starting two instances")
	if _, err := b.cli(ctx, env, "", "migrate"); err != nil {
		return err
	}
	var instances []*server
	for _, name := range []string{"pg-a", "pg-b"} {
		s, err := b.startServer(ctx, name, b.bin, env)
		if err != nil {
			return err
		}
		defer s.stop() // before drop(), which runs later
		instances = append(instances, s)
	}

	var times []time.Duration
	for i := 1; i <= revocationTrials; i++ {
		d, err := b.revocationTrial(ctx, env, instances, i)
		if err != nil {
			return err
		}
		times = append(times, d)
	}
	worst := slices.Max(times)
	t.add("key deleted -> 401 on both instances, median", ms(median(times)), "-", "", verdict("≤ 1 s", median(times) <= revocationTarget))
	t.add("key deleted -> 401 on both instances, max", ms(worst), "-", "", verdict("≤ 1 s", worst <= revocationTarget))
	return nil
}

// revocationTrial mints a fresh key, makes both instances cache it, deletes
// it with the CLI and returns how long after the CLI returned the last of
// the instances answered 401.
func (b *bench) revocationTrial(ctx context.Context, env []string, instances []*server, n int) (time.Duration, error) {
	b.progress("revocation: trial %d/%d", n, revocationTrials)
	out, err := b.cli(ctx, env, "", "token", "create", "--name", "revoke me "+strconv.Itoa(n),
		"--type", "read-only", "--duration", "unlimited", "--json")
	if err != nil {
		return 0, err
	}
	var tok struct {
		ID  int64  `json:"id"`
		Key string `json:"accessKey"`
	}
	if err := json.Unmarshal([]byte(out), &tok); err != nil || tok.Key == "" {
		return 0, fmt.Errorf("token create --json printed %q: %v", out, err)
	}
	// Warm: a few authenticated reads put the key in each instance's cache.
	for _, s := range instances {
		for range 3 {
			status, body, err := get(ctx, b.client, s.base+"/api/articles", tok.Key)
			if err != nil {
				return 0, err
			}
			if status != http.StatusOK {
				return 0, fmt.Errorf("%s: fresh key answered %d: %.200s", s.name, status, body)
			}
		}
	}

	if _, err := b.cli(ctx, env, "", "token", "delete", strconv.FormatInt(tok.ID, 10)); err != nil {
		return 0, err
	}
	start := time.Now()
	pending := slices.Clone(instances)
	var last time.Duration
	tick := time.NewTicker(revocationPoll)
	defer tick.Stop()
	for len(pending) > 0 {
		for i := 0; i < len(pending); i++ {
			status, _, err := get(ctx, b.client, pending[i].base+"/api/articles", tok.Key)
			if err != nil {
				return 0, err
			}
			switch status {
			case http.StatusOK:
			case http.StatusUnauthorized:
				last = time.Since(start)
				pending = slices.Delete(pending, i, i+1)
				i--
			default:
				return 0, fmt.Errorf("%s: revoked key answered %d, want 200 then 401", pending[i].name, status)
			}
		}
		if len(pending) == 0 {
			break
		}
		if time.Since(start) > revocationGiveUp {
			return 0, fmt.Errorf("trial %d: %s still accepted the deleted key after %s", n, pending[0].name, revocationGiveUp)
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
	return last, nil
}

// createPGDatabase creates a database of its own for this run and returns
// its URL and a function that drops it. errSkipped means no PostgreSQL
// answers.
func (b *bench) createPGDatabase(ctx context.Context) (string, func(), error) {
	if err := checkLoopbackURL(b.opts.pgURL); err != nil {
		return "", nil, err
	}
	u, err := url.Parse(b.opts.pgURL)
	if err != nil {
		return "", nil, err
	}
	q := u.Query()
	if q.Get("connect_timeout") == "" {
		q.Set("connect_timeout", strconv.Itoa(pgConnectTimeout))
		u.RawQuery = q.Encode()
	}
	admin, err := sql.Open("postgres", u.String())
	if err != nil {
		return "", nil, err
	}
	pctx, cancel := context.WithTimeout(ctx, pgConnectTimeout*time.Second)
	defer cancel()
	if err := admin.PingContext(pctx); err != nil {
		admin.Close()
		b.table.note("PostgreSQL at %s did not answer (%v): its figures are skipped", redactURL(u), err)
		return "", nil, errSkipped
	}
	name := "ta_bench_" + randomHex(6)
	cctx, cancel2 := context.WithTimeout(ctx, pgStatementBudget)
	defer cancel2()
	if _, err := admin.ExecContext(cctx, "CREATE DATABASE "+name); err != nil {
		admin.Close()
		return "", nil, fmt.Errorf("CREATE DATABASE %s: %w", name, err)
	}
	drop := func() {
		// Its own context: this also runs after an interrupt.
		dctx, cancel := context.WithTimeout(context.Background(), pgStatementBudget)
		defer cancel()
		if _, err := admin.ExecContext(dctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			// WITH (FORCE) needs PostgreSQL 13; try the plain form.
			if _, err2 := admin.ExecContext(dctx, "DROP DATABASE IF EXISTS "+name); err2 != nil {
				b.progress("warning: could not drop database %s: %v", name, err2)
			}
		}
		admin.Close()
	}
	db := *u
	db.Path = "/" + name
	return db.String(), drop, nil
}

func randomHex(n int) string {
	buf := make([]byte, n)
	_, _ = rand.Read(buf)
	return hex.EncodeToString(buf)
}
