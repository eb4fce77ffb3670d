package apitoken

import (
	"context"
	"errors"
	"sync/atomic"

	lru "github.com/hashicorp/golang-lru/v2"
	"golang.org/x/sync/singleflight"
)

// CachedLookup answers Lookup from memory after a key's first use: the
// keyed hash maps to the token's type, permissions and expiry. It keeps
// two bounded LRU sets: known tokens, and hashes the store did not know.
// The second is separate so that a flood of random (well-formed) keys can
// only evict other misses, never the working set, while each such key
// still reaches the store only once.
//
// Invalidate and InvalidateAll are the only ways an entry leaves early;
// whoever changes a token must call them (locally, and through the
// database's notifications on other instances).
type CachedLookup struct {
	next   Lookup
	hits   *lru.Cache[string, Token]
	misses *lru.Cache[string, struct{}]
	group  singleflight.Group

	// epoch moves on every invalidation. A lookup that started before an
	// invalidation must not store what it read: the row it saw may be the
	// one just revoked.
	epoch atomic.Uint64

	// bypass is set while changes may go unnoticed (the notification
	// connection is down): every lookup then goes to the store.
	bypass atomic.Bool

	hitCount, missCount, lookupCount, invalidationCount atomic.Uint64
}

// CacheStats counts what the cache did, for benchmarks and logs.
type CacheStats struct {
	Hits, Misses, StoreLookups, Invalidations uint64
}

// NewCachedLookup wraps next with a cache of at most size tokens and size
// unknown hashes.
func NewCachedLookup(next Lookup, size int) (*CachedLookup, error) {
	if size <= 0 {
		return nil, errors.New("apitoken: cache size must be positive")
	}
	hits, err := lru.New[string, Token](size)
	if err != nil {
		return nil, err
	}
	misses, err := lru.New[string, struct{}](size)
	if err != nil {
		return nil, err
	}
	return &CachedLookup{next: next, hits: hits, misses: misses}, nil
}

// TokenByHash implements Lookup.
func (c *CachedLookup) TokenByHash(ctx context.Context, hash string) (Token, error) {
	if !c.bypass.Load() {
		if t, ok := c.hits.Get(hash); ok {
			c.hitCount.Add(1)
			return t, nil
		}
		if c.misses.Contains(hash) {
			c.missCount.Add(1)
			return Token{}, ErrNotFound
		}
	}
	// Concurrent first uses of one key share one store lookup.
	v, err, _ := c.group.Do(hash, func() (any, error) {
		epoch := c.epoch.Load()
		c.lookupCount.Add(1)
		t, err := c.next.TokenByHash(ctx, hash)
		if c.bypass.Load() || c.epoch.Load() != epoch {
			return t, err
		}
		switch {
		case err == nil:
			c.hits.Add(hash, t)
		case errors.Is(err, ErrNotFound):
			c.misses.Add(hash, struct{}{})
		}
		return t, err
	})
	if err != nil {
		return Token{}, err
	}
	return v.(Token), nil
}

// Invalidate forgets hash: its token was changed, regenerated or deleted.
func (c *CachedLookup) Invalidate(hash string) {
	c.epoch.Add(1)
	c.hits.Remove(hash)
	c.misses.Remove(hash)
	c.invalidationCount.Add(1)
}

// InvalidateAll forgets everything, for when changes may have been missed.
func (c *CachedLookup) InvalidateAll() {
	c.epoch.Add(1)
	c.hits.Purge()
	c.misses.Purge()
	c.invalidationCount.Add(1)
}

// SetBypass turns the cache off (true) while invalidations cannot be
// trusted to arrive, dropping everything it held; turning it back on
// starts from empty too, since changes may have been missed meanwhile.
func (c *CachedLookup) SetBypass(on bool) {
	c.bypass.Store(on)
	c.InvalidateAll()
}

// Len reports how many known tokens are cached.
func (c *CachedLookup) Len() int { return c.hits.Len() }

// Stats returns the counters.
func (c *CachedLookup) Stats() CacheStats {
	return CacheStats{Hits: c.hitCount.Load(), Misses: c.missCount.Load(),
		StoreLookups: c.lookupCount.Load(), Invalidations: c.invalidationCount.Load()}
}
