package apitoken

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

func newCached(t testing.TB, size int, tokens map[string]Token) (*CachedLookup, *fakeLookup) {
	t.Helper()
	store := &fakeLookup{byHash: tokens}
	c, err := NewCachedLookup(store, size)
	if err != nil {
		t.Fatal(err)
	}
	return c, store
}

func TestCacheServesFromMemoryAfterFirstUse(t *testing.T) {
	c, store := newCached(t, 10, map[string]Token{"h1": {ID: 1, Type: ReadOnly}})
	ctx := context.Background()
	for range 5 {
		if tok, err := c.TokenByHash(ctx, "h1"); err != nil || tok.ID != 1 {
			t.Fatal(tok, err)
		}
	}
	if store.lookups != 1 {
		t.Errorf("store lookups %d, want 1", store.lookups)
	}
	for range 5 {
		if _, err := c.TokenByHash(ctx, "unknown"); !errors.Is(err, ErrNotFound) {
			t.Fatal(err)
		}
	}
	if store.lookups != 2 {
		t.Errorf("an unknown hash reached the store %d times, want once", store.lookups-1)
	}
}

func TestCacheBoundAndFloodKeepsWorkingSet(t *testing.T) {
	tokens := map[string]Token{}
	for i := range 20 {
		tokens[fmt.Sprint("h", i)] = Token{ID: int64(i)}
	}
	c, store := newCached(t, 8, tokens)
	ctx := context.Background()
	for i := range 20 {
		_, _ = c.TokenByHash(ctx, fmt.Sprint("h", i))
	}
	if c.Len() != 8 {
		t.Fatalf("cache holds %d tokens, want the bound 8", c.Len())
	}
	// The 8 most recent stay; a flood of unknown hashes must not push
	// them out.
	for i := range 10000 {
		_, _ = c.TokenByHash(ctx, fmt.Sprint("random", i))
	}
	before := store.lookups
	for i := 12; i < 20; i++ {
		if _, err := c.TokenByHash(ctx, fmt.Sprint("h", i)); err != nil {
			t.Fatal(err)
		}
	}
	if store.lookups != before {
		t.Errorf("the flood evicted %d working-set tokens", store.lookups-before)
	}
}

func TestCacheInvalidate(t *testing.T) {
	tokens := map[string]Token{"h1": {ID: 1, Type: FullAccess}}
	c, store := newCached(t, 10, tokens)
	ctx := context.Background()
	_, _ = c.TokenByHash(ctx, "h1")
	store.mu.Lock()
	delete(store.byHash, "h1")
	store.mu.Unlock()
	if _, err := c.TokenByHash(ctx, "h1"); err != nil {
		t.Fatal("cached entry should still answer until invalidated")
	}
	c.Invalidate("h1")
	if _, err := c.TokenByHash(ctx, "h1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("after Invalidate: %v", err)
	}
	store.mu.Lock()
	store.byHash["h2"] = Token{ID: 2}
	store.mu.Unlock()
	_, _ = c.TokenByHash(ctx, "h2")
	c.InvalidateAll()
	if c.Len() != 0 {
		t.Error("InvalidateAll left entries")
	}
}

func TestCacheBypassWhileNotificationsAreDown(t *testing.T) {
	c, store := newCached(t, 10, map[string]Token{"h1": {ID: 1}})
	ctx := context.Background()
	_, _ = c.TokenByHash(ctx, "h1")
	c.SetBypass(true)
	_, _ = c.TokenByHash(ctx, "h1")
	_, _ = c.TokenByHash(ctx, "h1")
	if store.lookups != 3 {
		t.Errorf("bypassed lookups reached the store %d times, want 3", store.lookups)
	}
	if c.Len() != 0 {
		t.Error("bypass cached entries")
	}
	c.SetBypass(false)
	_, _ = c.TokenByHash(ctx, "h1")
	_, _ = c.TokenByHash(ctx, "h1")
	if store.lookups != 4 {
		t.Errorf("after bypass: %d lookups, want 4", store.lookups)
	}
}

// slowLookup lets a test hold a store lookup open while it invalidates.
type slowLookup struct {
	started, release chan struct{}
	tok              Token
}

func (s *slowLookup) TokenByHash(ctx context.Context, hash string) (Token, error) {
	s.started <- struct{}{}
	<-s.release
	return s.tok, nil
}

func TestCacheDoesNotStoreWhatAnInvalidationOvertook(t *testing.T) {
	slow := &slowLookup{started: make(chan struct{}), release: make(chan struct{}), tok: Token{ID: 1}}
	c, _ := NewCachedLookup(slow, 10)
	done := make(chan struct{})
	go func() { _, _ = c.TokenByHash(context.Background(), "h1"); close(done) }()
	<-slow.started
	c.Invalidate("h1") // the token is revoked while its old row is in flight
	close(slow.release)
	<-done
	if c.Len() != 0 {
		t.Fatal("a lookup overtaken by an invalidation cached the revoked row")
	}
}

func TestCacheExpiryStillChecked(t *testing.T) {
	h := NewHasher([]byte("0123456789abcdef0123456789abcdef"))
	key, _ := Generate()
	exp := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	c, _ := newCached(t, 10, map[string]Token{h.Hash(key): {ID: 1, Type: ReadOnly, ExpiresAt: &exp}})
	now := exp.Add(-time.Minute)
	v := NewVerifier(c, h, nil, func() time.Time { return now })
	if _, err := v.Verify(context.Background(), key); err != nil {
		t.Fatal(err)
	}
	now = exp.Add(time.Second)
	if _, err := v.Verify(context.Background(), key); !errors.Is(err, ErrExpired) {
		t.Errorf("a cached key past its expiry: %v", err)
	}
}

func TestCacheConcurrentVerifyAndRevoke(t *testing.T) {
	tokens := map[string]Token{}
	for i := range 50 {
		tokens[fmt.Sprint("h", i)] = Token{ID: int64(i)}
	}
	c, store := newCached(t, 32, tokens)
	ctx := context.Background()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 2000 {
				h := fmt.Sprint("h", (i*7+g)%50)
				_, _ = c.TokenByHash(ctx, h)
				if i%97 == 0 {
					store.mu.Lock()
					delete(store.byHash, h)
					store.mu.Unlock()
					c.Invalidate(h)
				}
			}
		}()
	}
	wg.Wait()
	// Every revoked hash is refused now.
	store.mu.Lock()
	var revoked []string
	for i := range 50 {
		if _, ok := store.byHash[fmt.Sprint("h", i)]; !ok {
			revoked = append(revoked, fmt.Sprint("h", i))
		}
	}
	store.mu.Unlock()
	for _, h := range revoked {
		if _, err := c.TokenByHash(ctx, h); !errors.Is(err, ErrNotFound) {
			t.Errorf("revoked %s still verifies", h)
		}
	}
}

func BenchmarkCacheHit(b *testing.B) {
	c, _ := newCached(b, 1024, map[string]Token{"h": {ID: 1, Type: ReadOnly}})
	ctx := context.Background()
	_, _ = c.TokenByHash(ctx, "h")
	b.ReportAllocs()
	for b.Loop() {
		_, _ = c.TokenByHash(ctx, "h")
	}
}

func BenchmarkCacheMiss(b *testing.B) {
	c, _ := newCached(b, 1024, map[string]Token{})
	ctx := context.Background()
	i := 0
	for b.Loop() {
		i++
		_, _ = c.TokenByHash(ctx, fmt.Sprint("unknown", i))
	}
}
