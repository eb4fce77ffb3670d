package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/tokenadmin/tokenadmin/apitoken"
)

// httpSetup is what the HTTP figures run against: one SQLite database
// served by a normal and an authentication-bypassed build side by side,
// and, when a PostgreSQL server answers, the same data on PostgreSQL
// served by the normal build. The authenticated read and its bypassed
// twin each get a server of their own that serves nothing else: a server
// that also took the other targets' load (their garbage, their usage
// counters) made authentication look up to 15 % dearer than it is.
type httpSetup struct {
	normal, auth, bypass *server
	readKey              string // read-only key, minted by the CLI
	invalidKey           string // well-formed, valid checksum, unknown to the server
	documentIDs          []string

	pg            *server // nil without PostgreSQL
	pgReadKey     string
	pgDocumentIDs []string
	dropPG        func()
}

func (s *httpSetup) servers() []*server {
	out := []*server{s.normal, s.auth, s.bypass}
	if s.pg != nil {
		out = append(out, s.pg)
	}
	return out
}

func (s *httpSetup) stop() {
	for _, srv := range s.servers() {
		if srv != nil {
			srv.stop()
		}
	}
	if s.dropPG != nil {
		s.dropPG()
	}
}

// httpArticles is how many articles each database holds, as in the
// issue that set the PostgreSQL targets.
const httpArticles = 100

// Targets of the PostgreSQL figures (spec §8).
const (
	pgRatioTarget = 0.8
	pgP99Target   = 25 * time.Millisecond
)

// httpSection measures the content API's read path with and without
// authentication, an invalid key, /healthz as the ceiling, and findOne and
// find on PostgreSQL against the same on SQLite.
func (b *bench) httpSection(ctx context.Context, t *table) error {
	t.section(fmt.Sprintf("HTTP on 127.0.0.1: %s, %s runs after a %s warm-up, median of %d interleaved rounds, %d articles",
		b.load.describe(), b.opts.duration, b.opts.warmup, b.opts.rounds, httpArticles))
	s, err := b.setupHTTP(ctx)
	if err != nil {
		return err
	}
	defer s.stop()

	path := "/api/articles/" + s.documentIDs[len(s.documentIDs)-1]
	const findPath = "/api/articles?pagination%5BpageSize%5D=10"
	auth := loadTarget{name: "auth", url: s.auth.base + path, key: s.readKey, srv: s.auth}
	bypass := loadTarget{name: "bypass", url: s.bypass.base + path, srv: s.bypass}
	invalid := loadTarget{name: "invalid", url: s.normal.base + path, key: s.invalidKey, srv: s.normal}
	healthz := loadTarget{name: "healthz", url: s.normal.base + "/healthz", srv: s.normal}
	find := loadTarget{name: "find", url: s.normal.base + findPath, key: s.readKey, srv: s.normal}
	// The figures ask for one URL again and again; the same reads
	// spread over every article and every page tell whether a figure
	// rests on one row being hot.
	findOneMix := loadTarget{name: "findOne mix", url: s.normal.base + path, key: s.readKey, srv: s.normal, paths: findOnePaths(s.documentIDs)}
	findMix := loadTarget{name: "find mix", url: s.normal.base + findPath, key: s.readKey, srv: s.normal, paths: findPaths()}
	targets := []loadTarget{auth, bypass, invalid, healthz, find, findOneMix, findMix}
	want := map[string]int{"auth": 200, "bypass": 200, "invalid": 401, "healthz": 200, "find": 200, "findOne mix": 200, "find mix": 200}
	if s.pg != nil {
		pgPath := "/api/articles/" + s.pgDocumentIDs[len(s.pgDocumentIDs)-1]
		targets = append(targets,
			loadTarget{name: "pg findOne", url: s.pg.base + pgPath, key: s.pgReadKey, srv: s.pg},
			loadTarget{name: "pg find", url: s.pg.base + findPath, key: s.pgReadKey, srv: s.pg},
			loadTarget{name: "pg findOne mix", url: s.pg.base + pgPath, key: s.pgReadKey, srv: s.pg, paths: findOnePaths(s.pgDocumentIDs)},
			loadTarget{name: "pg find mix", url: s.pg.base + findPath, key: s.pgReadKey, srv: s.pg, paths: findPaths()})
		for _, n := range []string{"pg findOne", "pg find", "pg findOne mix", "pg find mix"} {
			want[n] = 200
		}
	}

	// A figure of errors would be meaningless: check each target answers
	// as intended before loading it, on every path it will ask for.
	for _, tg := range targets {
		urls := []string{tg.url}
		for _, p := range tg.paths {
			urls = append(urls, tg.srv.base+p)
		}
		for _, u := range urls {
			status, body, err := get(ctx, b.client, u, tg.key)
			if err != nil {
				return err
			}
			if status != want[tg.name] {
				return fmt.Errorf("%s: GET %s answered %d, want %d: %.200s", tg.name, u, status, want[tg.name], body)
			}
		}
	}

	results, err := b.loadRounds(ctx, targets, s.servers())
	if err != nil {
		return err
	}
	a, bp, inv, hz, fd := results["auth"], results["bypass"], results["invalid"], results["healthz"], results["find"]

	ok := a.rps/bp.rps >= 0.95
	t.add("GET /api/articles/:id, read-only key (SQLite)", rps(a.rps), "auth bypassed "+rps(bp.rps), ratio(a.rps, bp.rps), verdict("≥ 0.95", ok))
	t.add("  latency p50 / p99", pair(a.p50, a.p99), "auth bypassed "+pair(bp.p50, bp.p99), "", "")
	if a.cpu > 0 && bp.cpu > 0 {
		// The same comparison on the server's own CPU per request, which
		// other work on the machine moves far less than the rates: the
		// bypassed build's cost over ours is the rate ours would reach.
		t.add("  server CPU per request", us(a.cpu), "auth bypassed "+us(bp.cpu), ratio(float64(bp.cpu), float64(a.cpu)),
			verdict("≥ 0.95", float64(bp.cpu) >= 0.95*float64(a.cpu)))
	}
	t.add("GET /api/articles/:id, read-only key", rps(a.rps), "GET /healthz "+rps(hz.rps), ratio(a.rps, hz.rps), "")
	t.add("GET /api/articles/:id, auth bypassed", rps(bp.rps), "GET /healthz "+rps(hz.rps), ratio(bp.rps, hz.rps), "")
	t.add("  latency p50 / p99", pair(bp.p50, bp.p99), "", "", "")
	t.add("GET /api/articles/:id, invalid key (401)", rps(inv.rps), "read-only key "+rps(a.rps), ratio(inv.rps, a.rps), "")
	t.add("  latency p50 / p99", pair(inv.p50, inv.p99), "", "", "")
	t.add("GET /healthz (ceiling)", rps(hz.rps), "-", "", "")
	t.add("  latency p50 / p99", pair(hz.p50, hz.p99), "", "", "")
	t.add("GET /api/articles?pageSize=10 (SQLite)", rps(fd.rps), "-", "", "")
	t.add("  latency p50 / p99", pair(fd.p50, fd.p99), "", "", "")
	om, fm := results["findOne mix"], results["find mix"]
	t.add(fmt.Sprintf("GET each of the %d articles in turn (SQLite)", httpArticles), rps(om.rps), "one article "+rps(a.rps), ratio(om.rps, a.rps), "")
	t.add(fmt.Sprintf("GET each of the %d pages of 10 in turn (SQLite)", httpArticles/10), rps(fm.rps), "first page "+rps(fd.rps), ratio(fm.rps, fd.rps), "")
	if s.pg == nil {
		t.add("PostgreSQL findOne / find", "skipped (no PostgreSQL)", "", "", "")
		return nil
	}
	for _, c := range []struct {
		label  string
		pg, sq summary
	}{
		{"PostgreSQL GET /api/articles/:id", results["pg findOne"], a},
		{"PostgreSQL GET /api/articles?pageSize=10", results["pg find"], fd},
		{"PostgreSQL GET each article in turn", results["pg findOne mix"], om},
		{"PostgreSQL GET each page in turn", results["pg find mix"], fm},
	} {
		t.add(c.label, rps(c.pg.rps), "SQLite "+rps(c.sq.rps), ratio(c.pg.rps, c.sq.rps), verdict("≥ 0.8", c.pg.rps >= pgRatioTarget*c.sq.rps))
		t.add("  latency p50 / p99", pair(c.pg.p50, c.pg.p99), "SQLite "+pair(c.sq.p50, c.sq.p99), "", verdict("p99 ≤ 25 ms", c.pg.p99 <= pgP99Target))
		if c.pg.cpu > 0 && c.sq.cpu > 0 {
			// tokenadmin's CPU only: PostgreSQL's own work is not in it.
			t.add("  tokenadmin CPU per request", us(c.pg.cpu), "SQLite "+us(c.sq.cpu), "", "")
		}
	}
	return nil
}

// setupHTTP prepares each database with the CLI and the API, as an
// operator would, and starts the servers on them.
func (b *bench) setupHTTP(ctx context.Context) (_ *httpSetup, err error) {
	dir := filepath.Join(b.tmp, "http")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	s := &httpSetup{}
	defer func() {
		if err != nil {
			s.stop()
		}
	}()
	if s.invalidKey, err = apitoken.Generate(); err != nil {
		return nil, err
	}
	env := b.serverEnv("sqlite:" + filepath.Join(dir, "bench.db"))
	b.progress("HTTP: preparing a SQLite database (migrate, mint keys, create %d articles)", httpArticles)
	if s.normal, s.readKey, s.documentIDs, err = b.contentServer(ctx, "normal", env); err != nil {
		return nil, err
	}
	// The servers only read the shared file during the runs.
	if s.auth, err = b.startServer(ctx, "auth", b.bin, env); err != nil {
		return nil, err
	}
	if s.bypass, err = b.startServer(ctx, "bypass", b.bypassBin, env); err != nil {
		return nil, err
	}

	dbURL, drop, err := b.createPGDatabase(ctx)
	switch {
	case errors.Is(err, errSkipped):
		return s, nil
	case err != nil:
		return nil, err
	}
	s.dropPG = drop
	b.progress("HTTP: preparing a PostgreSQL database the same way")
	if s.pg, s.pgReadKey, s.pgDocumentIDs, err = b.contentServer(ctx, "pg", b.serverEnv(dbURL)); err != nil {
		return nil, err
	}
	return s, nil
}

// findOnePaths are the findOne paths of every document, in order.
func findOnePaths(docs []string) []string {
	out := make([]string, len(docs))
	for i, d := range docs {
		out[i] = "/api/articles/" + d
	}
	return out
}

// findPaths are the find paths of every page of 10 articles.
func findPaths() []string {
	out := make([]string, httpArticles/10)
	for i := range out {
		out[i] = fmt.Sprintf("/api/articles?pagination%%5BpageSize%%5D=10&pagination%%5Bpage%%5D=%d", i+1)
	}
	return out
}

// contentServer migrates the database of env, mints a read-only and a
// full-access key, starts a normal server, creates the articles with the
// full-access key, and returns the server, the read-only key and the
// articles' documentIds in order of creation.
func (b *bench) contentServer(ctx context.Context, name string, env []string) (*server, string, []string, error) {
	if _, err := b.cli(ctx, env, "", "migrate"); err != nil {
		return nil, "", nil, err
	}
	readKey, err := b.mintKey(ctx, env, "bench read-only", "read-only")
	if err != nil {
		return nil, "", nil, err
	}
	writeKey, err := b.mintKey(ctx, env, "bench full-access", "full-access")
	if err != nil {
		return nil, "", nil, err
	}
	srv, err := b.startServer(ctx, name, b.bin, env)
	if err != nil {
		return nil, "", nil, err
	}
	docs := make([]string, httpArticles)
	for i := range httpArticles {
		if docs[i], err = b.createArticle(ctx, srv.base, writeKey, i); err != nil {
			srv.stop()
			return nil, "", nil, err
		}
	}
	return srv, readKey, docs, nil
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
func (b *bench) createArticle(ctx context.Context, base, key string, n int) (string, error) {
	body := fmt.Sprintf(`{"data":{"title":"Benchmark article %d","slug":"benchmark-article-%d","body":"Measured by make bench."}}`, n, n)
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
	cpu      time.Duration // server CPU per request; 0 if unknown
}

// loadRounds warms every target up, then runs the rounds interleaved
// (target 1, 2, 3, 4, then again) so that drift in the machine's speed
// touches every figure alike, and returns each target's medians.
func (b *bench) loadRounds(ctx context.Context, targets []loadTarget, servers []*server) (map[string]summary, error) {
	runs := map[string][]loadResult{}
	one := func(tg loadTarget, d time.Duration, label string) (loadResult, error) {
		b.progress("HTTP: %s %s (%s)", label, tg.name, d)
		cpu0, cpuOK := tg.srv.cpu()
		r, err := b.load.run(ctx, tg, d)
		if cpu1, ok := tg.srv.cpu(); ok && cpuOK {
			r.serverCPU = cpu1 - cpu0
		}
		// Every request is logged; keep the logs from filling the disk.
		for _, s := range servers {
			s.truncateLog()
		}
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
	var spread, cpuSpread []string
	for _, tg := range targets {
		var rates []float64
		var p50s, p99s, cpus []time.Duration
		var each, eachCPU []string
		for _, r := range runs[tg.name] {
			rates = append(rates, r.rps())
			p50s = append(p50s, r.p50)
			p99s = append(p99s, r.p99)
			each = append(each, thousands(int64(r.rps()+0.5)))
			if c := r.cpuPerRequest(); c > 0 {
				cpus = append(cpus, c)
				eachCPU = append(eachCPU, us(c))
			}
		}
		sum := summary{rps: median(rates), p50: median(p50s), p99: median(p99s)}
		if len(cpus) == len(runs[tg.name]) {
			sum.cpu = median(cpus)
			cpuSpread = append(cpuSpread, tg.name+" "+strings.Join(eachCPU, " / "))
		}
		out[tg.name] = sum
		spread = append(spread, tg.name+" "+strings.Join(each, " / "))
	}
	// The rounds side by side show how much the machine drifted, which
	// bounds how far a ratio can be trusted.
	b.table.note("HTTP rps of each round: %s", strings.Join(spread, "; "))
	if len(cpuSpread) > 0 {
		b.table.note("HTTP server CPU per request of each round: %s", strings.Join(cpuSpread, "; "))
	}
	return out, nil
}

// us writes a per-request CPU time in microseconds.
func us(d time.Duration) string {
	return strconv.FormatInt(int64((d+500*time.Nanosecond)/time.Microsecond), 10) + " µs"
}

func rps(v float64) string { return thousands(int64(v+0.5)) + " rps" }

func pair(a, b time.Duration) string {
	return strings.TrimSuffix(ms(a), " ms") + " / " + ms(b)
}
