package main

// The soak test: every kind of key the content API meets, at full speed
// from 16 workers, for TOKENADMIN_SOAK (5 s by default, `make soak` runs
// 3 minutes). It counts every answer and watches the heap and the
// goroutines. Traffic goes only to the in-process server on 127.0.0.1 and
// stops at the deadline. It runs on SQLite and on PostgreSQL.

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tokenadmin/tokenadmin/apitoken"
	"github.com/tokenadmin/tokenadmin/db"
)

// soakDuration is how long TestSoak runs: TOKENADMIN_SOAK, else 5 s
// (1 s with -short).
func soakDuration(t *testing.T) time.Duration {
	if v := os.Getenv("TOKENADMIN_SOAK"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			t.Fatalf("TOKENADMIN_SOAK=%q: want a duration such as 3m", v)
		}
		return d
	}
	if testing.Short() {
		return time.Second
	}
	return 5 * time.Second
}

// memSample is the process's heap and goroutines at one moment.
type memSample struct {
	at         time.Duration
	heapInuse  uint64
	goroutines int
}

func sampleMem(since time.Time) memSample {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return memSample{at: time.Since(since), heapInuse: m.HeapInuse, goroutines: runtime.NumGoroutine()}
}

func mb(b uint64) float64 { return float64(b) / (1 << 20) }

// TestSoak runs on each database: on PostgreSQL the reads are shared
// between requests under load (db/coalesce.go), whose goroutines and
// waiting requests must not pile up either.
func TestSoak(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		t.Chdir(t.TempDir())
		soak(t, sqliteURL(t))
	})
	t.Run("postgres", func(t *testing.T) {
		t.Chdir(t.TempDir())
		soak(t, postgresDatabase(t))
	})
}

func soak(t *testing.T, dbURL string) {
	duration := soakDuration(t)
	const workers = 16
	env := map[string]string{"TOKENADMIN_ADDR": "127.0.0.1:0", "DATABASE_URL": dbURL, "TOKENADMIN_SECRET": testSecret}
	mint := func(args ...string) string {
		t.Helper()
		r := runCmd(t, env, "", append([]string{"token", "create"}, args...)...)
		if r.err != nil {
			t.Fatalf("token create %v: %v %s", args, r.err, r.stderr)
		}
		return strings.TrimSpace(r.stdout)
	}
	writer := mint("--name", "writer", "--type", "full-access", "--duration", "unlimited")
	reader := mint("--name", "reader", "--type", "read-only", "--duration", "30d")
	noFind := mint("--name", "no find", "--type", "custom", "--duration", "30d", "--permission", "api::article.article.create")
	expired := mint("--name", "expired", "--type", "read-only", "--duration", "7d")
	// The clock is the real one: expire the token in the store instead.
	d, err := db.Open(t.Context(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.ExecContext(t.Context(), d.Rebind(`UPDATE api_tokens SET expires_at = ? WHERE name = ?`),
		time.Now().Add(-time.Hour).UTC(), "expired"); err != nil {
		t.Fatal(err)
	}
	d.Close()
	invalid, err := apitoken.Generate() // well-formed, never stored
	if err != nil {
		t.Fatal(err)
	}

	base, logs := serveLogged(t, env)
	status, body := call(t, "POST", base+"/api/articles", writer, `{"data":{"title":"Soak","slug":"soak"}}`)
	if status != http.StatusCreated {
		t.Fatalf("create article: %d %v", status, body)
	}
	doc, _ := body["data"].(map[string]any)["documentId"].(string)

	classes := []struct {
		name string
		key  string
		want int
	}{
		{"read-only", reader, http.StatusOK},
		{"custom without find", noFind, http.StatusForbidden},
		{"expired", expired, http.StatusUnauthorized},
		{"invalid", invalid, http.StatusUnauthorized},
		{"malformed", "tka_not-a-key", http.StatusUnauthorized},
	}
	paths := []string{base + "/api/articles", base + "/api/articles/" + doc}
	for _, c := range classes {
		for _, p := range paths {
			if got, b := call(t, "GET", p, c.key, ""); got != c.want {
				t.Fatalf("%s key, GET %s: %d %v, want %d", c.name, p, got, b, c.want)
			}
		}
	}

	tr := &http.Transport{MaxIdleConns: 2 * workers, MaxIdleConnsPerHost: 2 * workers}
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second, CheckRedirect: noRedirect}
	runtime.GC()
	start := time.Now()
	before := sampleMem(start)

	// The sampler: one sample a second; at the end of the warm-up (a
	// fifth of the run) a baseline taken after a collection.
	warmUp := duration / 5
	var (
		samples  []memSample
		baseline memSample
	)
	samplerDone := make(chan struct{})
	ctx, stopSampler := context.WithCancel(context.Background())
	go func() {
		defer close(samplerDone)
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			if baseline.at == 0 && time.Since(start) >= warmUp {
				runtime.GC()
				baseline = sampleMem(start)
				samples = append(samples, baseline)
				continue
			}
			samples = append(samples, sampleMem(start))
		}
	}()

	// counts[class][status]; status 0 is a transport error.
	counts := make([]map[int]int, len(classes))
	for i := range counts {
		counts[i] = map[int]int{}
	}
	var (
		mu       sync.Mutex
		firstErr error
		wg       sync.WaitGroup
	)
	end := start.Add(duration)
	for w := range workers {
		wg.Go(func() {
			local := make([]map[int]int, len(classes))
			for i := range local {
				local[i] = map[int]int{}
			}
			var errSeen error
			for i := w; time.Now().Before(end); i++ {
				c := i % len(classes)
				req, _ := http.NewRequest(http.MethodGet, paths[(i/len(classes))%len(paths)], nil)
				req.Header.Set("Authorization", "Bearer "+classes[c].key)
				status, _, _, err := do(client, req)
				if err != nil && errSeen == nil {
					errSeen = err
				}
				local[c][status]++
			}
			mu.Lock()
			defer mu.Unlock()
			for c := range local {
				for s, n := range local[c] {
					counts[c][s] += n
				}
			}
			if firstErr == nil {
				firstErr = errSeen
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	stopSampler()
	<-samplerDone

	total, fivexx := 0, 0
	for c, cl := range classes {
		for s, n := range counts[c] {
			total += n
			if s >= 500 {
				fivexx += n
			}
			if s != cl.want {
				t.Errorf("%s key: %d answers with status %d, want only %d (status 0 is a transport error; first: %v)",
					cl.name, n, s, cl.want, firstErr)
			}
		}
		if counts[c][cl.want] == 0 {
			t.Errorf("%s key: no request answered", cl.name)
		}
	}

	// The end state: workers gone, idle connections closed, heap
	// collected. The server's connection goroutines end as their
	// connections close, so give them a moment.
	tr.CloseIdleConnections()
	var after memSample
	for deadline := time.Now().Add(3 * time.Second); ; {
		runtime.GC()
		after = sampleMem(start)
		if after.goroutines <= before.goroutines+20 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if baseline.at == 0 {
		t.Errorf("no baseline sample after the %v warm-up of a %v run", warmUp, duration)
	} else {
		if after.goroutines > baseline.goroutines+20 {
			t.Errorf("goroutines: %d at the end, %d after the warm-up; want at most 20 more", after.goroutines, baseline.goroutines)
		}
		if after.heapInuse > 2*baseline.heapInuse {
			t.Errorf("heap in use: %.1f MB at the end, %.1f MB after the warm-up; want at most twice as much", mb(after.heapInuse), mb(baseline.heapInuse))
		}
	}
	if after.goroutines > before.goroutines+20 {
		t.Errorf("goroutines: %d once the traffic stopped and its connections closed, %d before it started; want at most 20 more",
			after.goroutines, before.goroutines)
	}
	if p := logs.Panics(); len(p) > 0 {
		t.Errorf("the server log mentions a panic:\n%s", strings.Join(p, ""))
	}

	var peakHeap uint64
	peakG := 0
	for _, s := range samples {
		peakHeap = max(peakHeap, s.heapInuse)
		peakG = max(peakG, s.goroutines)
	}
	var perClass []string
	for c, cl := range classes {
		perClass = append(perClass, fmt.Sprintf("%s %d×%d", cl.name, counts[c][cl.want], cl.want))
	}
	t.Logf("soak: %v %d requests (%.0f/s), 5xx=%d, heap %.1f/%.1f MB (before %.1f, peak %.1f), goroutines %d/%d (before %d, peak %d); %s",
		duration, total, float64(total)/elapsed.Seconds(), fivexx,
		mb(baseline.heapInuse), mb(after.heapInuse), mb(before.heapInuse), mb(peakHeap),
		baseline.goroutines, after.goroutines, before.goroutines, peakG, strings.Join(perClass, ", "))
}
