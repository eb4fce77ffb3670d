package db

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// gate is a fetch whose first run blocks until opened, so that the
// callers after it must wait and can be seen to share the next run.
type gate struct {
	open    chan struct{}
	started chan struct{} // closed when the first run has begun
	once    sync.Once

	mu    sync.Mutex
	calls [][]string // arguments of every run, in order
}

func newGate() *gate { return &gate{open: make(chan struct{}), started: make(chan struct{})} }

func (g *gate) fetch(ctx context.Context, args []string) ([]string, error) {
	g.mu.Lock()
	g.calls = append(g.calls, slices.Clone(args))
	first := len(g.calls) == 1
	g.mu.Unlock()
	if first {
		g.once.Do(func() { close(g.started) })
		<-g.open
	}
	// The result names what was fetched; a caller finds its own in it.
	return slices.Clone(args), ctx.Err()
}

func (g *gate) runs() [][]string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.calls)
}

// waiting reports how many callers wait for key's next run.
func (c *coalescer[R]) waiting(key string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if r := c.next[key]; r != nil {
		return r.waiters
	}
	return 0
}

func (c *coalescer[R]) idle() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.running) == 0 && len(c.next) == 0
}

// awaitWaiting polls until n callers wait for key's next run.
func awaitWaiting[R any](t *testing.T, c *coalescer[R], key string, n int) {
	t.Helper()
	poll(t, func() bool { return c.waiting(key) == n }, func() string {
		return fmt.Sprintf("%d callers wait for the next run, want %d", c.waiting(key), n)
	})
}

// awaitIdle polls until no run is in flight or gathering: runs end on
// goroutines of their own, after their callers have their answers.
func awaitIdle[R any](t *testing.T, c *coalescer[R]) {
	t.Helper()
	poll(t, c.idle, func() string { return "runs were left in flight or gathering" })
}

func poll(t *testing.T, cond func() bool, failure func() string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal(failure())
		}
		time.Sleep(time.Millisecond)
	}
}

// heldOpen returns a coalescer whose first run of key "k" is in flight
// and blocked until g.open is closed, so that the next callers wait.
func heldOpen(maxArgs int) (*coalescer[[]string], *gate) {
	c := newCoalescer[[]string](1, maxArgs)
	g := newGate()
	go c.do(context.Background(), "k", "first", g.fetch)
	<-g.started
	return c, g
}

func TestCoalescerRunsAloneWhenNothingIsInFlight(t *testing.T) {
	c := newCoalescer[[]string](1, 10)
	g := newGate()
	close(g.open)
	for _, id := range []string{"a", "b", "a"} {
		got, err := c.do(context.Background(), "k", id, g.fetch)
		if err != nil || !slices.Equal(got, []string{id}) {
			t.Fatalf("do(%s) = %v, %v", id, got, err)
		}
	}
	if runs := g.runs(); len(runs) != 3 {
		t.Fatalf("sequential callers ran %v, want 3 runs of one each", runs)
	}
	if c.runs.Load() != 0 {
		t.Fatalf("%d shared runs for sequential callers", c.runs.Load())
	}
	awaitIdle(t, c)
}

func TestCoalescerCallersThatWaitShareOneRun(t *testing.T) {
	c, g := heldOpen(100)

	const callers = 30
	ids := make([]string, callers)
	for i := range ids {
		ids[i] = fmt.Sprintf("doc%d", i%10) // each id wanted by 3 callers
	}
	var wg sync.WaitGroup
	errs := make(chan error, callers)
	for _, id := range ids {
		wg.Go(func() {
			got, err := c.do(context.Background(), "k", id, g.fetch)
			if err != nil || !slices.Contains(got, id) {
				errs <- fmt.Errorf("caller of %s got %v, %v", id, got, err)
			}
		})
	}
	awaitWaiting(t, c, "k", callers)
	// Another key is not held up by k's run.
	if _, err := c.do(context.Background(), "other", "x", g.fetch); err != nil {
		t.Fatal(err)
	}
	close(g.open)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	runs := g.runs()
	if len(runs) != 3 {
		t.Fatalf("runs %v: want the first, the other key's, and one shared", runs)
	}
	shared := slices.Sorted(slices.Values(runs[2]))
	if want := slices.Compact(slices.Sorted(slices.Values(ids))); !slices.Equal(shared, want) {
		t.Fatalf("shared run fetched %v, want each id once: %v", shared, want)
	}
	if c.runs.Load() != 1 {
		t.Fatalf("%d shared runs, want 1", c.runs.Load())
	}
	awaitIdle(t, c)
}

// Every caller must get data read after it called: a run that began
// before a caller arrived may miss a write the caller has just made.
func TestCoalescerNeverAnswersFromARunThatBeganEarlier(t *testing.T) {
	c := newCoalescer[int64](1, 100)
	var clock atomic.Int64
	fetch := func(ctx context.Context, args []string) (int64, error) {
		began := clock.Add(1)
		time.Sleep(50 * time.Microsecond) // long enough for callers to pile up
		return began, nil
	}
	var wg sync.WaitGroup
	var stale atomic.Int64
	for range 60 {
		wg.Go(func() {
			for range 200 {
				called := clock.Add(1)
				began, err := c.do(context.Background(), "k", "x", fetch)
				if err != nil {
					t.Error(err)
					return
				}
				if began < called {
					stale.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if stale.Load() > 0 {
		t.Fatalf("%d answers came from runs that began before their caller called", stale.Load())
	}
	if c.runs.Load() == 0 {
		t.Fatal("60 parallel callers never shared a run: the test proves nothing")
	}
	awaitIdle(t, c)
}

func TestCoalescerCallerThatGivesUpLeavesTheRunToTheOthers(t *testing.T) {
	c, g := heldOpen(100)

	ctx, cancel := context.WithCancel(context.Background())
	quitter := make(chan error, 1)
	go func() {
		_, err := c.do(ctx, "k", "quitter", g.fetch)
		quitter <- err
	}()
	stayer := make(chan []string, 1)
	go func() {
		got, _ := c.do(context.Background(), "k", "stayer", g.fetch)
		stayer <- got
	}()
	awaitWaiting(t, c, "k", 2)
	cancel()
	select {
	case err := <-quitter:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("a caller that gave up got %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a caller that gave up still waits for a run that has not started")
	}
	close(g.open)
	if got := <-stayer; !slices.Contains(got, "stayer") {
		t.Fatalf("the caller that stayed got %v", got)
	}
	awaitIdle(t, c)
}

func TestCoalescerDropsARunEveryCallerGaveUpOn(t *testing.T) {
	c, g := heldOpen(100)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { c.do(ctx, "k", "gone", g.fetch); close(done) }()
	awaitWaiting(t, c, "k", 1)
	cancel()
	<-done
	close(g.open)
	awaitIdle(t, c)
	if runs := g.runs(); len(runs) != 1 {
		t.Fatalf("runs %v: a run nobody waits for any more still ran", runs)
	}
}

func TestCoalescerCancelsARunEveryCallerLeft(t *testing.T) {
	c := newCoalescer[[]string](1, 100)
	first := make(chan struct{})
	release := make(chan struct{})
	cancelled := make(chan bool, 1)
	fetch := func(ctx context.Context, args []string) ([]string, error) {
		if args[0] == "first" {
			close(first)
			<-release
			return args, nil
		}
		// The shared run: wait for its callers to leave.
		select {
		case <-ctx.Done():
			cancelled <- true
		case <-time.After(10 * time.Second):
			cancelled <- false
		}
		return args, ctx.Err()
	}
	go c.do(context.Background(), "k", "first", fetch)
	<-first
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { c.do(ctx, "k", "shared", fetch); close(done) }()
	awaitWaiting(t, c, "k", 1)
	close(release) // the shared run starts
	for c.runs.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	<-done
	if !<-cancelled {
		t.Fatal("a run whose every caller left was not cancelled")
	}
	awaitIdle(t, c)
}

func TestCoalescerRunsAloneWhenTheSharedRunIsFull(t *testing.T) {
	c, g := heldOpen(3)
	var wg sync.WaitGroup
	for _, id := range []string{"a", "b", "c"} {
		wg.Go(func() { c.do(context.Background(), "k", id, g.fetch) })
	}
	awaitWaiting(t, c, "k", 3)
	// Full: an id already in the run still joins it; a fourth id runs at
	// once (over the width) rather than wait.
	wg.Go(func() { c.do(context.Background(), "k", "a", g.fetch) })
	awaitWaiting(t, c, "k", 4)
	got, err := c.do(context.Background(), "k", "d", g.fetch)
	if err != nil || !slices.Equal(got, []string{"d"}) {
		t.Fatalf("a caller finding the run full got %v, %v", got, err)
	}
	close(g.open)
	wg.Wait()
	runs := g.runs()
	if len(runs) != 3 || len(runs[2]) != 3 {
		t.Fatalf("runs %v: want first, d alone, and a, b, c shared", runs)
	}
	awaitIdle(t, c)
}

func TestCoalescerSharesErrorsAndSurvivesPanics(t *testing.T) {
	for _, tc := range []struct {
		name string
		fail func() ([]string, error)
		want string
	}{
		{"error", func() ([]string, error) { return nil, errors.New("connection reset") }, "connection reset"},
		{"panic", func() ([]string, error) { panic("scan went wrong") }, "shared read panicked: scan went wrong"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, g := heldOpen(100)
			fetch := func(context.Context, []string) ([]string, error) { return tc.fail() }
			var wg sync.WaitGroup
			errs := make(chan error, 5)
			for i := range 5 {
				wg.Go(func() {
					_, err := c.do(context.Background(), "k", fmt.Sprint(i), fetch)
					errs <- err
				})
			}
			awaitWaiting(t, c, "k", 5)
			close(g.open)
			wg.Wait()
			close(errs)
			for err := range errs {
				if err == nil || err.Error() != tc.want && err.Error() != "db: "+tc.want {
					t.Errorf("a waiter got %v, want %q", err, tc.want)
				}
			}
			awaitIdle(t, c)
		})
	}
}
