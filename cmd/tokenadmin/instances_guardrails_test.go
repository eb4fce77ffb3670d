package main

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// startStoppable is startInstance with a stop of its own: stopping drains
// the instance, which writes its pending usage batch.
func startStoppable(t *testing.T, env map[string]string) (base string, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	logs := &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve"}, getenv(env), strings.NewReader(""), io.Discard, logs) }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve: %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Error("serve did not stop within 20 s")
		}
	}
	t.Cleanup(stop)
	deadline := time.Now().Add(10 * time.Second)
	for {
		if m := listeningRE.FindStringSubmatch(logs.String()); m != nil {
			return "http://" + m[1], stop
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not start within 10 s:\n%s", logs)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestTwoInstancesRateAndQuota checks what the README promises of
// several instances on one PostgreSQL: a rate limit holds per instance
// (a key gets its rate from each), and a quota is shared, over-spent by
// at most one batch of the other instance, and exact once both batches
// are written.
func TestTwoInstancesRateAndQuota(t *testing.T) {
	dbURL, _, _ := instanceDatabase(t)
	env := instanceEnv(dbURL)
	a, stopA := startStoppable(t, env)
	b, stopB := startStoppable(t, env)
	c := newAPIClient(t)
	count := func(base, key string, n int) map[int]int {
		t.Helper()
		got := map[int]int{}
		for range n {
			st, err := apiStatus(c, "GET", base+"/api/articles", key, "")
			if err != nil {
				t.Fatal(err)
			}
			got[st]++
		}
		return got
	}

	rateID, rateKey := mintKey(t, env, "rated", "read-only")
	cli(t, env, "update", strconv.FormatInt(rateID, 10), "--rate", "3/m")
	if got := count(a, rateKey, 5); got[200] != 3 || got[429] != 2 {
		t.Errorf("instance A, 5 requests at 3/m: %v, want 3×200 2×429", got)
	}
	if got := count(b, rateKey, 5); got[200] != 3 || got[429] != 2 {
		t.Errorf("instance B, 5 requests at 3/m: %v, want its own 3×200 2×429 (per instance: factor 2)", got)
	}

	quotaID, quotaKey := mintKey(t, env, "metered", "read-only")
	cli(t, env, "update", strconv.FormatInt(quotaID, 10), "--quota", "10")
	fromA := count(a, quotaKey, 8)
	if fromA[200] != 8 {
		t.Fatalf("A: %v, want 8×200", fromA)
	}
	// B has not heard of A's batch yet: it may spend up to the whole quota
	// itself, so together they over-spend by at most A's batch.
	fromB := count(b, quotaKey, 12)
	if fromB[200] != 10 || fromB[429] != 2 {
		t.Errorf("B before A's batch: %v, want 10×200 2×429", fromB)
	}
	if total := fromA[200] + fromB[200]; total > 10+8 {
		t.Errorf("accepted %d of a quota of 10, want at most 10 + A's batch of 8", total)
	}
	stopA() // writes A's batch
	stopB()
	cNew, _ := startStoppable(t, env)
	if got := count(cNew, quotaKey, 3); got[429] != 3 {
		t.Errorf("a new instance after both batches: %v, want 3×429", got)
	}
	out := cli(t, env, "list", "--json")
	if !strings.Contains(out, `"used": 18`) {
		t.Errorf("list --json after both batches: want used 18 (every accepted request counted):\n%s", out)
	}
	req, _ := http.NewRequest("GET", cNew+"/api/token", nil)
	req.Header.Set("Authorization", "Bearer "+quotaKey)
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	// GET /api/token is itself refused once the quota is spent.
	if res.StatusCode != http.StatusTooManyRequests || !strings.Contains(string(body), "Quota exhausted") {
		t.Errorf("GET /api/token with the quota spent: %d %s", res.StatusCode, body)
	}
}
