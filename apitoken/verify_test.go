package apitoken

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

type fakeLookup struct {
	mu      sync.Mutex
	byHash  map[string]Token
	lookups int
	err     error
}

func (f *fakeLookup) TokenByHash(_ context.Context, hash string) (Token, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lookups++
	if f.err != nil {
		return Token{}, f.err
	}
	t, ok := f.byHash[hash]
	if !ok {
		return Token{}, ErrNotFound
	}
	return t, nil
}

type fakeToucher struct {
	mu      sync.Mutex
	batches []map[int64]time.Time
	err     error
}

func (f *fakeToucher) TouchTokens(_ context.Context, used map[int64]time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return f.err
	}
	f.batches = append(f.batches, used)
	return nil
}

func TestVerify(t *testing.T) {
	h := NewHasher([]byte("0123456789abcdef0123456789abcdef"))
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	good, _ := Generate()
	old, _ := Generate()
	past := now.Add(-time.Second)
	lookup := &fakeLookup{byHash: map[string]Token{
		h.Hash(good): {ID: 1, Type: ReadOnly},
		h.Hash(old):  {ID: 2, Type: ReadOnly, ExpiresAt: &past},
	}}
	touch := &fakeToucher{}
	usage := NewUsageRecorder(touch)
	v := NewVerifier(lookup, h, usage, func() time.Time { return now })

	tok, err := v.Verify(context.Background(), good)
	if err != nil || tok.ID != 1 {
		t.Fatalf("good key: %v %v", tok, err)
	}
	if _, err := v.Verify(context.Background(), old); !errors.Is(err, ErrExpired) {
		t.Errorf("expired key: %v", err)
	}
	unknown, _ := Generate()
	if _, err := v.Verify(context.Background(), unknown); !errors.Is(err, ErrInvalidKey) {
		t.Errorf("unknown key: %v", err)
	}
	before := lookup.lookups
	last := "x"
	if good[len(good)-1] == 'x' {
		last = "y"
	}
	for _, bad := range []string{"", "tka_nope", good[:len(good)-1] + last, good + " "} {
		if _, err := v.Verify(context.Background(), bad); !errors.Is(err, ErrInvalidKey) {
			t.Errorf("%q: %v", bad, err)
		}
	}
	if lookup.lookups != before {
		t.Errorf("malformed keys reached the store %d times", lookup.lookups-before)
	}
	// Only the successful verification counts as a use.
	if usage.Pending() != 1 {
		t.Errorf("pending uses %d, want 1", usage.Pending())
	}
	lookup.err = errors.New("connection refused")
	if _, err := v.Verify(context.Background(), good); err == nil || errors.Is(err, ErrInvalidKey) {
		t.Errorf("a store failure must not look like a bad key: %v", err)
	}
}

func TestUsageRecorderBatchesAndRetries(t *testing.T) {
	touch := &fakeToucher{}
	u := NewUsageRecorder(touch)
	t0 := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	for i := range 100 {
		u.Record(1, t0.Add(time.Duration(i)*time.Second))
		u.Record(2, t0)
	}
	u.Record(1, t0) // older: must not win
	if len(touch.batches) != 0 {
		t.Fatal("recording wrote to the store")
	}
	if err := u.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(touch.batches) != 1 || len(touch.batches[0]) != 2 || !touch.batches[0][1].Equal(t0.Add(99*time.Second)) {
		t.Fatalf("batches %v", touch.batches)
	}
	if err := u.Flush(context.Background()); err != nil || len(touch.batches) != 1 {
		t.Error("an empty flush wrote")
	}
	touch.err = errors.New("down")
	u.Record(3, t0)
	if err := u.Flush(context.Background()); err == nil {
		t.Fatal("flush hid the failure")
	}
	touch.err = nil
	if err := u.Flush(context.Background()); err != nil || len(touch.batches) != 2 || len(touch.batches[1]) != 1 {
		t.Fatalf("failed batch not retried: %v", touch.batches)
	}
}

func TestUsageRecorderRunFlushesAtShutdown(t *testing.T) {
	touch := &fakeToucher{}
	u := NewUsageRecorder(touch)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { u.Run(ctx, time.Hour, nil); close(done) }()
	u.Record(7, time.Now())
	cancel()
	<-done
	if len(touch.batches) != 1 || len(touch.batches[0]) != 1 {
		t.Fatalf("shutdown flush: %v", touch.batches)
	}
}

// The batch never holds more than its bound, whatever the number of
// distinct tokens used between flushes or however long the database
// refuses the flush; a full batch is flushed at once, not at the next
// tick; and a failing early flush is not retried in a loop.
func TestUsageRecorderBounded(t *testing.T) {
	touch := &fakeToucher{err: errors.New("down")}
	u := NewBoundedUsageRecorder(touch, 10)
	t0 := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	for id := range int64(25) {
		u.Record(id, t0)
	}
	u.Record(3, t0.Add(time.Second)) // a token already held still moves on
	if n := u.Pending(); n != 10 {
		t.Errorf("pending after 25 distinct tokens, bound 10: %d", n)
	}
	if n := u.Dropped(); n != 15 {
		t.Errorf("dropped: %d, want 15", n)
	}
	if err := u.Flush(context.Background()); err == nil {
		t.Fatal("flush hid the failure")
	}
	for id := range int64(25) {
		u.Record(100+id, t0) // more while the database is down
	}
	if n := u.Pending(); n != 10 {
		t.Errorf("pending after a failed flush and more uses: %d, want 10", n)
	}

	var errs sync.WaitGroup
	errs.Add(1)
	var failures int
	var mu sync.Mutex
	onError := func(error) {
		mu.Lock()
		defer mu.Unlock()
		if failures++; failures == 1 {
			errs.Done()
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { u.Run(ctx, time.Hour, onError); close(done) }()
	errs.Wait() // the early flush ran (the batch was full) and failed
	for id := range int64(50) {
		u.Record(200+id, t0) // full again: no retry before the next tick
	}
	time.Sleep(50 * time.Millisecond)
	mu.Lock()
	if failures != 1 {
		t.Errorf("failing early flushes before the next tick: %d, want 1", failures)
	}
	mu.Unlock()

	touch.mu.Lock()
	touch.err = nil
	touch.mu.Unlock()
	cancel()
	<-done
	if len(touch.batches) != 1 || len(touch.batches[0]) != 10 || !touch.batches[0][3].Equal(t0.Add(time.Second)) {
		t.Errorf("shutdown flush: %d batches %v", len(touch.batches), touch.batches)
	}
}

// A batch that reaches its bound is written at once, not at the next tick.
func TestUsageRecorderFlushesAFullBatchEarly(t *testing.T) {
	touch := &fakeToucher{}
	u := NewBoundedUsageRecorder(touch, 5)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go u.Run(ctx, time.Hour, nil)
	for id := range int64(5) {
		u.Record(id, time.Now())
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		touch.mu.Lock()
		n := len(touch.batches)
		touch.mu.Unlock()
		if n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a full batch was not flushed before the tick")
		}
		time.Sleep(time.Millisecond)
	}
	if u.Pending() != 0 || len(touch.batches[0]) != 5 {
		t.Errorf("pending %d, batch %v", u.Pending(), touch.batches[0])
	}
}

func BenchmarkVerify(b *testing.B) {
	h := NewHasher([]byte("0123456789abcdef0123456789abcdef"))
	key, _ := Generate()
	v := NewVerifier(&fakeLookup{byHash: map[string]Token{h.Hash(key): {ID: 1, Type: ReadOnly}}}, h, NewUsageRecorder(&fakeToucher{}), nil)
	ctx := context.Background()
	for b.Loop() {
		if _, err := v.Verify(ctx, key); err != nil {
			b.Fatal(err)
		}
	}
}
