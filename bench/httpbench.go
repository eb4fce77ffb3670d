package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tokenadmin/tokenadmin/apitoken"
)

// httpSetup is what the HTTP figures run against: one SQLite database
// served by a normal and an authentication-bypassed build side by side.
type httpSetup struct {
	normal, bypass *server
	readKey        string // read-only key, minted by the CLI
	invalidKey     string // well-formed, valid checksum, unknown to the server
	documentID     string
}

// httpSection measures the content API's read path with and without
// authentication, an invalid key, and /healthz as the ceiling.
func (b *bench) httpSection(ctx context.Context, t *table) error {
	t.section(fmt.Sprintf("HTTP on 127.0.0.1 (SQLite): %s, %s runs after a %s warm-up, median of %d interleaved rounds",
		b.load.describe(), b.opts.duration, b.opts.warmup, b.opts.rounds))
	s, err := b.setupHTTP(ctx)
	if err != nil {
		return err
	}
	defer s.normal.stop()
	defer s.bypass.stop()

	path := "/api/articles/" + s.documentID
	auth := loadTarget{name: "auth", url: s.normal.base + path, key: s.readKey}
	bypass := loadTarget{name: "bypass", url: s.bypass.base + path}
	invalid := loadTarget{name: "invalid", url: s.normal.base + path, key: s.invalidKey}
	healthz := loadTarget{name: "healthz", url: s.normal.base + "/healthz"}

	// A figure of errors would be meaningless: check each target answers
	// as intended before loading it.
	for _, c := range []struct {
		t    loadTarget
		want int
	}{{auth, 200}, {bypass, 200}, {invalid, 401}, {healthz, 200}} {
		status, body, err := get(ctx, b.client, c.t.url, c.t.key)
		if err != nil {
			return err
		}
		if status != c.want {
			return fmt.Errorf("%s: GET %s answered %d, want %d: %.200s", c.t.name, c.t.url, status, c.want, body)
		}
	}

	results, err := b.loadRounds(ctx, []loadTarget{auth, bypass, invalid, healthz}, s)
	if err != nil {
		return err
	}
	a, bp, inv, hz := results["auth"], results["bypass"], results["invalid"], results["healthz"]

	ok := a.rps/bp.rps >= 0.95
	t.add("GET /api/articles/:id, read-only key", rps(a.rps), "auth bypassed "+rps(bp.rps), ratio(a.rps, bp.rps), verdict("≥ 0.95", ok))
	t.add("  latency p50 / p99", pair(a.p50, a.p99), "auth bypassed "+pair(bp.p50, bp.p99), "", "")
	t.add("GET /api/articles/:id, read-only key", rps(a.rps), "GET /healthz "+rps(hz.rps), ratio(a.rps, hz.rps), "")
	t.add("GET /api/articles/:id, auth bypassed", rps(bp.rps), "GET /healthz "+rps(hz.rps), ratio(bp.rps, hz.rps), "")
	t.add("  latency p50 / p99", pair(bp.p50, bp.p99), "", "", "")
	t.add("GET /api/articles/:id, invalid key (401)", rps(inv.rps), "read-only key "+rps(a.rps), ratio(inv.rps, a.rps), "")
	t.add("  latency p50 / p99", pair(inv.p50, inv.p99), "", "", "")
	t.add("GET /healthz (ceiling)", rps(hz.rps), "-", "", "")
	t.add("  latency p50 / p99", pair(hz.p50, hz.p99), "", "", "")
	return nil
}

// setupHTTP prepares the database with the CLI and the API, as an
// operator would, and starts both servers on it.
func (b *bench) setupHTTP(ctx context.Context) (*httpSetup, error) {
	dir := filepath.Join(b.tmp, "http")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	env := b.serverEnv("sqlite:" + filepath.Join(dir, "bench.db"))
	b.progress("HTTP: preparing a SQLite database (migrate, mint keys, create an article)")
	if _, err := b.cli(ctx, env, "", "migrate"); err != nil {
		return nil, err
	}
	readKey, err := b.mintKey(ctx, env, "bench read-only", "read-only")
	if err != nil {
		return nil, err
	}
	writeKey, err := b.mintKey(ctx, env, "bench full-access", "full-access")
	if err != nil {
		return nil, err
	}
	s := &httpSetup{readKey: readKey}
	if s.invalidKey, err = apitoken.Generate(); err != nil {
		return nil, err
	}
	if s.normal, err = b.startServer(ctx, "normal", b.bin, env); err != nil {
		return nil, err
	}
	if s.documentID, err = b.createArticle(ctx, s.normal.base, writeKey); err != nil {
		s.normal.stop()
		return nil, err
	}
	// Both servers only read the shared file during the runs.
	if s.bypass, err = b.startServer(ctx, "bypass", b.bypassBin, env); err != nil {
		s.normal.stop()
		return nil, err
	}
	return s, nil
}

// mintKey creates a token with the CLI and returns its key.
func (b *bench) mintKey(ctx context.Context, env []string, name, typ string) (string, error) {
	out, err := b.cli(ctx, env, "", "token", "create", "--name", name, "--type", typ, "--duration", "unlimited")
	if err != nil {
		return "", err
	}
	key := strings.TrimSpace(out)
	if apitoken.Parse(key) != nil {
		return "", fmt.Errorf("token create printed %q, not a key", key)
	}
	return key, nil
}

// createArticle posts one article through the content API and returns
// its documentId.
func (b *bench) createArticle(ctx context.Context, base, key string) (string, error) {
	body := `{"data":{"title":"Benchmark article","slug":"benchmark-article","body":"Measured by make bench."}}`
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/articles", strings.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	res, err := b.client.Do(req)
	if err != nil {
		return "", fmt.Errorf("create article: %w", err)
	}
	defer res.Body.Close()
	var out struct {
		Data struct {
			DocumentID string `json:"documentId"`
		} `json:"data"`
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || res.StatusCode != http.StatusCreated || out.Data.DocumentID == "" {
		return "", fmt.Errorf("create article: status %d, %v", res.StatusCode, err)
	}
	return out.Data.DocumentID, nil
}

// summary is the median of a target's rounds.
type summary struct {
	rps      float64
	p50, p99 time.Duration
}

// loadRounds warms every target up, then runs the rounds interleaved
// (target 1, 2, 3, 4, then again) so that drift in the machine's speed
// touches every figure alike, and returns each target's medians.
func (b *bench) loadRounds(ctx context.Context, targets []loadTarget, s *httpSetup) (map[string]summary, error) {
	runs := map[string][]loadResult{}
	one := func(tg loadTarget, d time.Duration, label string) (loadResult, error) {
		b.progress("HTTP: %s %s (%s)", label, tg.name, d)
		r, err := b.load.run(ctx, tg, d)
		// Every request is logged; keep the logs from filling the disk.
		s.normal.truncateLog()
		s.bypass.truncateLog()
		if err != nil {
			return r, err
		}
		if r.requests == 0 {
			return r, fmt.Errorf("%s: no request completed", tg.name)
		}
		if tg.name == "invalid" && r.statusErrors != r.requests {
			return r, fmt.Errorf("invalid key: %d of %d answers were not errors", r.requests-r.statusErrors, r.requests)
		}
		if tg.name != "invalid" && r.statusErrors > 0 {
			return r, fmt.Errorf("%s: %d of %d answers were errors", tg.name, r.statusErrors, r.requests)
		}
		if r.socketErrors > 0 {
			b.table.note("%s %s: %d socket errors", label, tg.name, r.socketErrors)
		}
		return r, nil
	}
	for _, tg := range targets {
		if _, err := one(tg, b.opts.warmup, "warm-up"); err != nil {
			return nil, err
		}
	}
	for round := 1; round <= b.opts.rounds; round++ {
		for _, tg := range targets {
			r, err := one(tg, b.opts.duration, fmt.Sprintf("round %d/%d", round, b.opts.rounds))
			if err != nil {
				return nil, err
			}
			runs[tg.name] = append(runs[tg.name], r)
		}
	}
	out := map[string]summary{}
	var spread []string
	for _, tg := range targets {
		var rates []float64
		var p50s, p99s []time.Duration
		var each []string
		for _, r := range runs[tg.name] {
			rates = append(rates, r.rps())
			p50s = append(p50s, r.p50)
			p99s = append(p99s, r.p99)
			each = append(each, thousands(int64(r.rps()+0.5)))
		}
		out[tg.name] = summary{rps: median(rates), p50: median(p50s), p99: median(p99s)}
		spread = append(spread, tg.name+" "+strings.Join(each, " / "))
	}
	// The rounds side by side show how much the machine drifted, which
	// bounds how far a ratio can be trusted.
	b.table.note("HTTP rps of each round: %s", strings.Join(spread, "; "))
	return out, nil
}

func rps(v float64) string { return thousands(int64(v+0.5)) + " rps" }

func pair(a, b time.Duration) string {
	return strings.TrimSuffix(ms(a), " ms") + " / " + ms(b)
}
