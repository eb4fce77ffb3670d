package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/tokenadmin/tokenadmin/apitoken"
)

// guardrailsSection measures what a key's guardrails cost: the same
// route on the same server, read with a plain read-only key and with one
// that has an allow-list (the loopback address among a few others), a
// rate limit far above what the load reaches and a quota it cannot spend,
// interleaved in one run. Both keys are counted per day by outcome alike;
// the difference is the allow-list match, the limiter and the quota's
// in-memory spend.
func (b *bench) guardrailsSection(ctx context.Context, t *table) error {
	t.section(fmt.Sprintf("Guardrails on 127.0.0.1: %s, %s runs after a %s warm-up, median of %d interleaved rounds",
		b.load.describe(), b.opts.duration, b.opts.warmup, b.opts.rounds))
	dir := filepath.Join(b.tmp, "guardrails")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	env := b.serverEnv("sqlite:" + filepath.Join(dir, "bench.db"))
	b.progress("guardrails: preparing a SQLite database (migrate, mint keys, create %d articles)", httpArticles)
	srv, plainKey, docs, err := b.contentServer(ctx, "guardrails", env)
	if err != nil {
		return err
	}
	defer srv.stop()
	out, err := b.cli(ctx, env, "", "token", "create", "--name", "bench guarded", "--type", "read-only", "--duration", "unlimited",
		"--allow-ip", "10.0.0.0/8", "--allow-ip", "192.168.0.0/16", "--allow-ip", "2001:db8::/32", "--allow-ip", "127.0.0.1",
		"--rate", "1000000/s", "--quota", "1000000000000", "--refill", "monthly")
	if err != nil {
		return err
	}
	guardedKey := strings.TrimSpace(out)
	if apitoken.Parse(guardedKey) != nil {
		return fmt.Errorf("token create printed %q, not a key", guardedKey)
	}
	url := srv.base + "/api/articles/" + docs[len(docs)-1]
	plain := loadTarget{name: "plain", url: url, key: plainKey, srv: srv}
	guarded := loadTarget{name: "guarded", url: url, key: guardedKey, srv: srv}
	for _, tg := range []loadTarget{plain, guarded} {
		status, body, err := get(ctx, b.client, tg.url, tg.key)
		if err != nil {
			return err
		}
		if status != 200 {
			return fmt.Errorf("%s: GET %s answered %d: %.200s", tg.name, tg.url, status, body)
		}
	}
	results, err := b.loadRounds(ctx, []loadTarget{plain, guarded}, []*server{srv})
	if err != nil {
		return err
	}
	p, g := results["plain"], results["guarded"]
	t.add("GET /api/articles/:id, key with allow-list, rate limit and quota", rps(g.rps), "plain read-only key "+rps(p.rps),
		ratio(g.rps, p.rps), verdict("≥ 0.95", g.rps >= 0.95*p.rps))
	t.add("  latency p50 / p99", pair(g.p50, g.p99), "plain "+pair(p.p50, p.p99), "", "")
	if g.cpu > 0 && p.cpu > 0 {
		// Both keys hit one server: the CPU each request cost it is the
		// guardrails' price with the machine's other work left out.
		t.add("  server CPU per request", us(g.cpu), "plain "+us(p.cpu), ratio(float64(p.cpu), float64(g.cpu)),
			verdict("≥ 0.95", float64(p.cpu) >= 0.95*float64(g.cpu)))
	}
	return nil
}
