package throttle

import (
	"strconv"
	"sync"
	"testing"
	"time"
)

// clock is a movable time for tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)} }

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestLimiterGrowsAndForgets(t *testing.T) {
	clk := newClock()
	l := New(Policy{Free: 3, Base: time.Second, Max: 8 * time.Second, Forget: time.Hour}, clk.now)
	for i := range 3 {
		if w, ok := l.Reserve("a"); !ok || w != 0 {
			t.Fatalf("attempt %d: Reserve = %v, %v; want free", i+1, w, ok)
		}
	}
	// Each further attempt is let through once its wait is over, and
	// owes a wait twice as long.
	for i, want := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 8 * time.Second} {
		w, ok := l.Reserve("a")
		if !ok || w != want {
			t.Fatalf("attempt %d: Reserve = %v, %v; want %v, true", i+4, w, ok, want)
		}
		if w, ok := l.Reserve("a"); ok || w != want {
			t.Fatalf("attempt during the wait: Reserve = %v, %v; want %v, false", w, ok, want)
		}
		clk.advance(want)
	}
	if _, ok := l.Reserve("b"); !ok {
		t.Error("another key is blocked")
	}
	clk.advance(2 * time.Hour)
	if l.Failures("a") != 0 {
		t.Error("failures not forgotten after an hour")
	}
}

// TestReserveCountsBeforeTheWork is the race the old Wait-then-Fail had:
// a parallel burst all saw "no wait" before any failure was counted. Here
// the count is taken atomically, so however many attempts arrive at once,
// only the free ones plus one are let through.
func TestReserveCountsBeforeTheWork(t *testing.T) {
	l := New(Policy{Free: 5, Base: time.Second, Max: time.Minute, Forget: time.Hour}, newClock().now)
	var wg sync.WaitGroup
	var mu sync.Mutex
	allowed := 0
	start := make(chan struct{})
	for range 200 {
		wg.Go(func() {
			<-start
			if _, ok := l.Reserve("victim"); ok {
				mu.Lock()
				allowed++
				mu.Unlock()
			}
		})
	}
	close(start)
	wg.Wait()
	if allowed != 6 {
		t.Fatalf("a burst of 200 got %d attempts, want exactly Free+1 = 6", allowed)
	}
}

func TestCancelGivesTheAttemptBack(t *testing.T) {
	l := New(Policy{Free: 1, Base: time.Second, Max: time.Minute, Forget: time.Hour}, newClock().now)
	l.Reserve("a")
	if _, ok := l.Reserve("a"); !ok {
		t.Fatal("second attempt refused")
	}
	if _, ok := l.Reserve("a"); ok {
		t.Fatal("third attempt let through during the wait")
	}
	// The second attempt never ran (no slot for it): refunded, the block
	// it caused goes too.
	l.Cancel("a")
	if l.Failures("a") != 1 {
		t.Errorf("failures after a refund: %d, want 1", l.Failures("a"))
	}
	if _, ok := l.Reserve("a"); !ok {
		t.Error("still blocked after the attempt that blocked it was refunded")
	}
	l.Cancel("nobody") // no record: nothing to do, no panic
}

func TestLimiterMemoryIsBounded(t *testing.T) {
	clk := newClock()
	l := New(Policy{Free: 1, Base: time.Minute, Max: time.Hour, Forget: time.Hour, MaxKeys: 100}, clk.now)
	// The victim is blocked before the spray starts.
	l.Reserve("victim")
	l.Reserve("victim")
	for i := range 10_000 {
		l.Reserve("spray-" + strconv.Itoa(i))
		if n := l.Len(); n > 100 {
			t.Fatalf("after %d keys the limiter holds %d, want at most 100", i+1, n)
		}
	}
	// A spray of harmless keys must not buy the victim's key its freedom:
	// blocked keys are the last to be dropped.
	if _, ok := l.Reserve("victim"); ok {
		t.Error("a spray of other keys lifted the victim's block")
	}
}

func TestNetwork(t *testing.T) {
	for _, tt := range []struct{ ip, want string }{
		{"203.0.113.7", "203.0.113.7"},
		{"::ffff:203.0.113.7", "203.0.113.7"},
		{"2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"},
		{"2001:db8:1:2:ffff::1", "2001:db8:1:2::/64"},
		{"not an address", "not an address"},
		{"", ""},
	} {
		if got := Network(tt.ip); got != tt.want {
			t.Errorf("Network(%q) = %q, want %q", tt.ip, got, tt.want)
		}
	}
}

func testGuard(clk *clock) *Guard {
	return NewGuard(Policies{
		Pair:    Policy{Free: 5, Base: 2 * time.Second, Max: 15 * time.Minute, Forget: time.Hour},
		Network: Policy{Free: 20, Base: 2 * time.Second, Max: 15 * time.Minute, Forget: time.Hour},
		Account: Policy{Free: 50, Base: time.Second, Max: time.Minute, Forget: time.Hour},
	}, clk.now)
}

// TestGuardOwnerAtAnotherAddress: wrong guesses from one address block
// that address for the account, not the owner elsewhere.
func TestGuardOwnerAtAnotherAddress(t *testing.T) {
	g := testGuard(newClock())
	for range 100 {
		g.Reserve("ada@example.com", "198.51.100.9")
	}
	if _, ok := g.Reserve("ada@example.com", "198.51.100.9"); ok {
		t.Fatal("the guessing address is not blocked")
	}
	if _, ok := g.Reserve("ada@example.com", "203.0.113.7"); !ok {
		t.Fatal("the owner at another address is blocked")
	}
	// IPv6: the whole /64 is one client.
	for range 100 {
		g.Reserve("bob@example.com", "2001:db8::1")
	}
	if _, ok := g.Reserve("bob@example.com", "2001:db8::ffff"); ok {
		t.Error("another address of the same /64 escaped the block")
	}
}

func TestGuardAllOrNothing(t *testing.T) {
	g := testGuard(newClock())
	// Block the network with failures on many accounts.
	for i := range 21 {
		g.Reserve("user"+strconv.Itoa(i)+"@example.com", "198.51.100.9")
	}
	if _, ok := g.Reserve("fresh@example.com", "198.51.100.9"); ok {
		t.Fatal("a blocked network got another attempt")
	}
	// The refused attempt was counted nowhere: the account is clean.
	if n := g.account.Failures("fresh@example.com"); n != 0 {
		t.Errorf("a refused attempt counted %d failures against the account", n)
	}
}

func TestGuardSucceedRefunds(t *testing.T) {
	g := testGuard(newClock())
	for range 3 {
		g.Reserve("ada@example.com", "203.0.113.7")
	}
	g.Reserve("ada@example.com", "203.0.113.7")
	g.Succeed("ada@example.com", "203.0.113.7")
	if n := g.pair.Failures(PairKey("ada@example.com", "203.0.113.7")); n != 0 {
		t.Errorf("pair failures after success: %d, want 0", n)
	}
	// The right password was no failure of the network or the account.
	if n := g.network.Failures("203.0.113.7"); n != 3 {
		t.Errorf("network failures after 3 wrong and 1 right: %d, want 3", n)
	}
	if n := g.account.Failures("ada@example.com"); n != 3 {
		t.Errorf("account failures after 3 wrong and 1 right: %d, want 3", n)
	}
	g.Reserve("ada@example.com", "203.0.113.7")
	g.Cancel("ada@example.com", "203.0.113.7")
	if n := g.account.Failures("ada@example.com"); n != 3 {
		t.Errorf("account failures after a cancelled attempt: %d, want 3", n)
	}
}

// TestGuardAccountLimitIsSofter: guesses spread over many networks, one
// each, are slowed by the account-wide count only after many more
// failures than one network gets, and never by more than a minute at a
// time, so the owner gets in once the short wait is over.
func TestGuardAccountLimitIsSofter(t *testing.T) {
	clk := newClock()
	g := testGuard(clk)
	addr := 0
	next := func() string { addr++; return "198.51." + strconv.Itoa(addr/250) + "." + strconv.Itoa(addr%250+1) }
	for i := range 50 {
		if w, ok := g.Reserve("ada@example.com", next()); !ok || w != 0 {
			t.Fatalf("failure %d from its own network: wait %v, allowed %v; want free", i+1, w, ok)
		}
	}
	// The 51st costs the account a short wait, which everyone observes.
	if w, ok := g.Reserve("ada@example.com", next()); !ok || w != time.Second {
		t.Fatalf("failure 51: wait %v, allowed %v; want allowed, costing 1s", w, ok)
	}
	if w, ok := g.Reserve("ada@example.com", next()); ok || w > time.Second {
		t.Fatalf("during the account's wait: wait %v, allowed %v; want refused for at most 1s", w, ok)
	}
	// However long it goes on, the account never waits more than a minute.
	for range 40 {
		clk.advance(time.Minute)
		w, ok := g.Reserve("ada@example.com", next())
		if !ok || w > time.Minute {
			t.Fatalf("after the wait: allowed %v, wait %v; want allowed, at most 1m", ok, w)
		}
	}
	clk.advance(time.Minute)
	if _, ok := g.Reserve("ada@example.com", "203.0.113.7"); !ok {
		t.Fatal("the owner at another address is refused once the account's wait is over")
	}
	// One network alone is stopped after 6 and, by its 12th failure, for
	// longer than the account ever is.
	var w time.Duration
	for range 12 {
		clk.advance(w)
		var ok bool
		if w, ok = g.Reserve("bob@example.com", "192.0.2.1"); !ok {
			t.Fatal("refused after its wait")
		}
	}
	if w <= time.Minute {
		t.Errorf("one network's 12th failure costs %v, want more than the account's minute", w)
	}
}
