package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// The scale section: a million tokens on PostgreSQL, loaded in SQL as a
// SaaS that issues a key per customer would have them, and the admin list
// and a new key's first use timed against them.
const (
	scaleTokens    = 1_000_000
	scaleFirstUses = 15
	scaleLoadLimit = 6 * time.Minute
	firstUseTarget = 5 * time.Millisecond
	peakMemTarget  = 200 << 20
)

// scaleLoadSQL inserts the tokens: names that sort and search like real
// ones (eight company names over a million customers), three types, a
// quarter without expiry, a third never used and the rest used at times
// spread over ten weeks. The hashes are unique but match no key.
const scaleLoadSQL = `
INSERT INTO api_tokens (name, name_key, description, type, access_key_hash, key_hint, expires_at, last_used_at, created_at, updated_at)
SELECT 'Customer ' || g || ' ' || c, lower('customer ' || g || ' ' || c), 'key for customer ' || g,
       (ARRAY['read-only','full-access','custom'])[1 + g % 3],
       'scale-' || md5(g::text) || md5((-g)::text), 'tka_…' || right(md5(g::text), 4),
       CASE WHEN g % 4 = 0 THEN NULL ELSE now() + ((g % 120) - 20) * interval '1 day' END,
       CASE WHEN g % 3 = 0 THEN NULL ELSE now() - (g % 100000) * interval '1 minute' END,
       now() - ($1 - g) * interval '1 minute', now() - ($1 - g) * interval '1 minute'
FROM generate_series(1, $1) AS g,
     LATERAL (SELECT (ARRAY['Acme','Globex','Initech','Umbrella','Hooli','Stark','Wayne','Wonka'])[1 + g % 8] AS c) AS company`

// scaleUsageSQL gives every twentieth token, and the newest thousand (the
// first page's), 30 days of counts and three client addresses: 1.5
// million usage rows, as a SaaS whose keys are mostly idle would hold.
const scaleUsageSQL = `
INSERT INTO api_token_usage (token_id, day, ok, refused, blocked, limited, other)
SELECT t.id, (extract(epoch FROM now())::bigint / 86400) - d, 100 + (t.id + d) % 900, (t.id + d) % 7, (t.id + d) % 3 / 2, (t.id * d) % 11 / 9, (t.id + d) % 5 / 4
FROM api_tokens t, generate_series(0, 29) AS d
WHERE t.id % 20 = 0 OR t.id > $1 - 1000;
INSERT INTO api_token_clients (token_id, address, user_agent, first_seen_at, last_seen_at)
SELECT t.id, '203.0.113.' || a, 'client/' || a, now() - interval '20 days', now() - a * interval '1 hour'
FROM api_tokens t, generate_series(1, 3) AS a
WHERE t.id % 20 = 0 OR t.id > $1 - 1000`

func (b *bench) scaleSection(ctx context.Context, t *table) error {
	t.section(fmt.Sprintf("Scale: %s tokens on PostgreSQL (SQL generate_series), admin list and first key use, server time (median of %d sequential requests)",
		thousands(scaleTokens), adminSamples))
	dbURL, drop, err := b.createPGDatabase(ctx)
	if err != nil {
		if err == errSkipped {
			t.add("1,000,000 tokens", "skipped (no PostgreSQL)", "", "", "")
			return nil
		}
		return err
	}
	defer drop()
	env := b.serverEnv(dbURL)
	srv, client, err := b.adminServer(ctx, "scale", env, func() error { return b.loadScaleTokens(ctx, dbURL) })
	if err != nil {
		return err
	}
	defer srv.stop()
	// Start-up reads nothing per token: memory now is what the server
	// needs with an empty cache, however large the table.
	startRSS, err := procStatusKB(srv, "VmRSS:")
	if err != nil {
		return err
	}

	// The cursor link a visitor follows from page 19,999 to page 20,000.
	_, body, err := get(ctx, client, srv.base+tokensPath+"?page=19999", "")
	if err != nil {
		return err
	}
	m := nextLinkRE.FindSubmatch(body)
	if m == nil {
		return fmt.Errorf("page 19,999 has no Next link")
	}
	deepByCursor := strings.ReplaceAll(string(m[1]), "&amp;", "&")

	pages := []struct{ label, path string }{
		// A token with 30 days of usage and its last addresses.
		{"a token's page (usage chart, last addresses)", tokensPath + "/" + strconv.Itoa(scaleTokens)},
		{"first page", tokensPath},
		{"name search ?q=customer 123456", tokensPath + "?q=customer+123456"},
		{"broad name search ?q=acme", tokensPath + "?q=acme"},
		{"sort by last used, newest first", tokensPath + "?sort=last_used&dir=desc"},
		{"page 20,000 by Next (cursor)", deepByCursor},
		{"page 20,000 by ?page=20000", tokensPath + "?page=20000"},
		{"filter: expired", tokensPath + "?sort=name&filter=expired"},
		{"filter: never used", tokensPath + "?sort=name&filter=never-used"},
		{"filter: custom tokens", tokensPath + "?sort=name&filter=custom"},
		{"filter: paused (none are)", tokensPath + "?sort=name&filter=paused"},
	}
	for _, p := range pages {
		r, err := b.timeRequests(ctx, client, srv, p.path, -1)
		if err != nil {
			return fmt.Errorf("%s: %w", p.label, err)
		}
		if r.server == 0 {
			return fmt.Errorf("%s: no server latency in the log", p.label)
		}
		t.add("  "+p.label, ms(r.server), "client "+ms(r.client), "", verdict("≤ 50 ms", r.server <= adminTarget))
	}
	_, body, _ = get(ctx, client, srv.base+tokensPath, "")
	if m := summaryRE.FindSubmatch(body); m != nil {
		t.note("the first page of the list says %q", m[1])
	}

	took, gone, err := b.deleteExpired(ctx, client, srv)
	if err != nil {
		return err
	}
	t.add("  delete all expired (one request)", ms(took), fmt.Sprintf("%d tokens deleted", gone), "", verdict("≤ 10 s (request deadline)", took <= 10*time.Second))

	first, again, err := b.firstUses(ctx, env, srv)
	if err != nil {
		return err
	}
	t.add("  first use of a new key (GET /api/articles)", ms(first), "the same key again "+ms(again), "", verdict("≤ 5 ms", first <= firstUseTarget))

	peak, err := peakRSS(srv)
	if err != nil {
		return err
	}
	against := fmt.Sprintf("after start-up %d MB", startRSS>>20)
	if b.adminPeak > 0 {
		against += fmt.Sprintf("; 10,000 tokens (SQLite) %d MB", b.adminPeak>>20)
	}
	t.add("  server peak memory (VmHWM)", fmt.Sprintf("%d MB", peak>>20), against, "", verdict("≤ 200 MB", peak <= peakMemTarget))
	return nil
}

var (
	nextLinkRE = regexp.MustCompile(`href="([^"]+)"[^>]*data-testid="next-page"`)
	summaryRE  = regexp.MustCompile(`data-testid="page-summary">([^<]*)<`)
)

// loadScaleTokens inserts the tokens in one statement and analyses the
// table, as autovacuum would soon after.
func (b *bench) loadScaleTokens(ctx context.Context, dbURL string) error {
	b.progress("scale: inserting %s tokens with generate_series", thousands(scaleTokens))
	started := time.Now()
	d, err := sql.Open("postgres", dbURL)
	if err != nil {
		return err
	}
	defer d.Close()
	lctx, cancel := context.WithTimeout(ctx, scaleLoadLimit)
	defer cancel()
	if _, err := d.ExecContext(lctx, scaleLoadSQL, scaleTokens); err != nil {
		return fmt.Errorf("load tokens: %w", err)
	}
	for _, stmt := range strings.Split(scaleUsageSQL, ";\n") {
		if _, err := d.ExecContext(lctx, stmt, scaleTokens); err != nil {
			return fmt.Errorf("load usage: %w", err)
		}
	}
	if _, err := d.ExecContext(lctx, `VACUUM ANALYZE api_tokens, api_token_usage, api_token_clients`); err != nil {
		return fmt.Errorf("vacuum: %w", err)
	}
	b.progress("scale: %s tokens loaded and analysed in %s", thousands(scaleTokens), time.Since(started).Round(time.Second))
	return nil
}

// firstUses mints keys with the CLI and times, in the server's log, the
// first request each makes and the same request again; medians.
func (b *bench) firstUses(ctx context.Context, env []string, srv *server) (first, again time.Duration, err error) {
	b.progress("scale: timing the first use of %d new keys", scaleFirstUses)
	var firsts, agains []time.Duration
	for i := range scaleFirstUses {
		key, err := b.mintKey(ctx, env, "first use "+strconv.Itoa(i), "read-only")
		if err != nil {
			return 0, 0, err
		}
		for n, dst := range []*[]time.Duration{&firsts, &agains} {
			offset := srv.logSize()
			status, body, err := get(ctx, b.client, srv.base+"/api/articles", key)
			if err != nil {
				return 0, 0, err
			}
			if status != http.StatusOK {
				return 0, 0, fmt.Errorf("use %d of a new key: status %d: %.200s", n+1, status, body)
			}
			logged, err := srv.logFrom(offset)
			if err != nil {
				return 0, 0, err
			}
			lat := loggedLatencies(logged, "/api/articles")
			if len(lat) != 1 {
				return 0, 0, fmt.Errorf("use %d of a new key: %d latencies logged, want 1", n+1, len(lat))
			}
			*dst = append(*dst, lat[0])
		}
	}
	return median(firsts), median(agains), nil
}

// peakRSS is the most resident memory the server has had (VmHWM).
func peakRSS(srv *server) (int64, error) { return procStatusKB(srv, "VmHWM:") }

// procStatusKB reads one memory line of the server's /proc/PID/status, in
// bytes.
func procStatusKB(srv *server, field string) (int64, error) {
	out, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", srv.srv.Cmd.Process.Pid))
	if err != nil {
		return 0, fmt.Errorf("memory: %w", err)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if v, ok := strings.CutPrefix(line, field); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("memory: %q", line)
			}
			return kb << 10, nil
		}
	}
	return 0, fmt.Errorf("memory: no %s in /proc/%d/status", field, srv.srv.Cmd.Process.Pid)
}

// deleteExpired presses "Delete all expired tokens" once, as the list
// filtered to them offers it: one request deletes up to 500, each in its
// own transaction with its audit record and revocation. It returns the
// request's time and how many the page says went.
func (b *bench) deleteExpired(ctx context.Context, client *http.Client, srv *server) (time.Duration, int, error) {
	b.progress("scale: deleting expired tokens (one request)")
	_, body, err := get(ctx, client, srv.base+tokensPath+"?sort=name&filter=expired", "")
	if err != nil {
		return 0, 0, err
	}
	m := csrfFieldRE.FindSubmatch(body)
	if m == nil {
		return 0, 0, fmt.Errorf("the expired list has no form to delete them")
	}
	form := url.Values{"_csrf": {string(m[1])}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, srv.base+tokensPath+"/delete-expired", strings.NewReader(form.Encode()))
	if err != nil {
		return 0, 0, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	start := time.Now()
	res, err := client.Do(req)
	took := time.Since(start)
	if err != nil {
		return 0, 0, err
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	d := deletedRE.FindSubmatch(page)
	if res.StatusCode != http.StatusOK || d == nil {
		return 0, 0, fmt.Errorf("delete expired: status %d, no count of deleted tokens on the page", res.StatusCode)
	}
	n, _ := strconv.Atoi(string(d[1]))
	return took, n, nil
}

var deletedRE = regexp.MustCompile(`(\d+) expired tokens? deleted`)
