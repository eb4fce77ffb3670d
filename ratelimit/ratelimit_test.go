package ratelimit

import (
	"sync"
	"testing"
	"time"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newClock() *clock { return &clock{t: time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)} }

func TestParseRate(t *testing.T) {
	good := map[string]Rate{
		"10/s":      {10, time.Second},
		" 5 / m ":   {5, time.Minute},
		"1/s":       {1, time.Second},
		"1000000/m": {1_000_000, time.Minute},
		"0007/s":    {7, time.Second},
	}
	for in, want := range good {
		got, err := ParseRate(in)
		if err != nil || got != want {
			t.Errorf("ParseRate(%q): got %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "10", "10/h", "0/s", "-1/s", "+1/s", "1e3/s", "1000001/s", "99999999999999999999/s", "10/S", "ten/s", "1.5/s", "10/s/s", "\x00/s"} {
		if _, err := ParseRate(in); err == nil {
			t.Errorf("ParseRate(%q): got no error", in)
		}
	}
	if got := (Rate{10, time.Minute}).String(); got != "10/m" {
		t.Errorf("String: got %q, want 10/m", got)
	}
	if got := (Rate{}).String(); got != "" {
		t.Errorf("String of none: got %q", got)
	}
}

func TestPolicyHeader(t *testing.T) {
	if got, want := (Rate{100, time.Minute}).Policy(), `"token";q=100;w=60`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	if got, want := (Rate{5, time.Second}).Policy(), `"token";q=5;w=1`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestBurstThenRefill(t *testing.T) {
	c := newClock()
	l := New(0, c.now)
	r := Rate{3, time.Second}
	for i := int64(0); i < 3; i++ {
		res := l.Allow(1, r)
		if !res.Allowed || res.Remaining != 2-i {
			t.Fatalf("request %d: got %+v, want allowed with %d remaining", i+1, res, 2-i)
		}
	}
	res := l.Allow(1, r)
	if res.Allowed {
		t.Fatalf("4th request in the same instant: allowed, want refused")
	}
	if res.RetryAfter <= 0 || res.RetryAfter > time.Second/3 {
		t.Errorf("RetryAfter: got %v, want in (0, 1/3 s]", res.RetryAfter)
	}
	if got := res.RetryAfterSeconds(); got != 1 {
		t.Errorf("Retry-After: got %d, want 1", got)
	}
	if got, want := res.Header(), `"token";r=0;t=1`; got != want {
		t.Errorf("RateLimit: got %s, want %s", got, want)
	}
	// Another key has its own bucket.
	if !l.Allow(2, r).Allowed {
		t.Errorf("another key: refused")
	}
	c.add(res.RetryAfter)
	if !l.Allow(1, r).Allowed {
		t.Errorf("after Retry-After: refused")
	}
	if l.Allow(1, r).Allowed {
		t.Errorf("right after: allowed, want refused (one interval refilled)")
	}
	c.add(time.Second)
	for i := 0; i < 3; i++ {
		if !l.Allow(1, r).Allowed {
			t.Fatalf("after a full window, request %d refused", i+1)
		}
	}
}

func TestPerMinute(t *testing.T) {
	c := newClock()
	l := New(0, c.now)
	r := Rate{2, time.Minute}
	l.Allow(1, r)
	l.Allow(1, r)
	res := l.Allow(1, r)
	if res.Allowed {
		t.Fatal("3rd of 2/m allowed")
	}
	if got := res.RetryAfterSeconds(); got != 30 {
		t.Errorf("Retry-After: got %d, want 30", got)
	}
	c.add(29 * time.Second)
	if l.Allow(1, r).Allowed {
		t.Error("after 29 s: allowed")
	}
	c.add(time.Second)
	if !l.Allow(1, r).Allowed {
		t.Error("after 30 s: refused")
	}
}

// A steady stream at exactly the rate is never refused, and a stream at
// twice the rate gets exactly the rate (plus the burst) over a long run.
func TestLongRun(t *testing.T) {
	c := newClock()
	l := New(0, c.now)
	r := Rate{10, time.Second}
	allowed := 0
	for i := 0; i < 2000; i++ { // 100 s at 20/s
		if l.Allow(7, r).Allowed {
			allowed++
		}
		c.add(50 * time.Millisecond)
	}
	if allowed < 1000 || allowed > 1010 {
		t.Errorf("allowed %d of 2000 at twice the rate over 100 s, want 1000..1010", allowed)
	}
}

// Abuse: a million distinct keys never hold more state than the
// capacity (past it a key may start again with a full burst: lenient,
// never refusing what is owed).
func TestMemoryBounded(t *testing.T) {
	c := newClock()
	l := New(1024, c.now)
	r := Rate{1, time.Minute}
	for k := int64(0); k < 1_000_000; k++ {
		l.Allow(k+100, r)
	}
	if n := l.Len(); n > 1024 {
		t.Errorf("state for %d keys, want at most 1024", n)
	}
	// Idle keys go first: after their window every bucket is full again.
	c.add(2 * time.Minute)
	l.Allow(5_000_000, r)
	if n := l.Len(); n > 1024 {
		t.Errorf("after the window: %d keys", n)
	}
}

func TestForget(t *testing.T) {
	c := newClock()
	l := New(0, c.now)
	r := Rate{1, time.Minute}
	l.Allow(1, r)
	if l.Allow(1, r).Allowed {
		t.Fatal("second allowed")
	}
	l.Forget(1)
	if !l.Allow(1, r).Allowed {
		t.Error("after Forget: refused")
	}
}

func TestConcurrentBurstIsExact(t *testing.T) {
	c := newClock()
	l := New(0, c.now)
	r := Rate{50, time.Minute}
	var wg sync.WaitGroup
	var mu sync.Mutex
	allowed := 0
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				if l.Allow(3, r).Allowed {
					mu.Lock()
					allowed++
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if allowed != 50 {
		t.Errorf("800 concurrent requests in one instant: %d allowed, want exactly the burst of 50", allowed)
	}
}

func BenchmarkAllow(b *testing.B) {
	l := New(0, nil)
	r := Rate{1_000_000, time.Second}
	b.RunParallel(func(pb *testing.PB) {
		k := int64(0)
		for pb.Next() {
			k++
			l.Allow(k%1000, r)
		}
	})
}
