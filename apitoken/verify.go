package apitoken

import (
	"context"
	"errors"
	"sync"
	"time"
)

// Verification outcomes a caller turns into 401 answers.
var (
	// ErrInvalidKey means the key is malformed or belongs to no token.
	ErrInvalidKey = errors.New("apitoken: invalid key")
	// ErrExpired means the key's token has expired.
	ErrExpired = errors.New("apitoken: token expired")
)

// Lookup finds the token a key hash belongs to (ErrNotFound if none).
// The store implements it; the verifier never knows which database.
type Lookup interface {
	TokenByHash(ctx context.Context, hash string) (Token, error)
}

// Verifier checks bearer keys: shape and checksum first (no lookup for a
// key that cannot be ours), then the keyed-hash lookup, then expiry.
type Verifier struct {
	lookup Lookup
	hasher *Hasher
	now    func() time.Time
	usage  *UsageRecorder
}

// NewVerifier returns a Verifier. usage, if not nil, records each
// successful verification as the token's last use.
func NewVerifier(lookup Lookup, hasher *Hasher, usage *UsageRecorder, now func() time.Time) *Verifier {
	if now == nil {
		now = time.Now
	}
	return &Verifier{lookup: lookup, hasher: hasher, now: now, usage: usage}
}

// Verify returns the token key authenticates. Errors are ErrInvalidKey,
// ErrExpired, or a lookup failure (the database is down), which the
// caller must not mistake for a bad key.
func (v *Verifier) Verify(ctx context.Context, key string) (Token, error) {
	if Parse(key) != nil {
		return Token{}, ErrInvalidKey
	}
	tok, err := v.lookup.TokenByHash(ctx, v.hasher.Hash(key))
	if errors.Is(err, ErrNotFound) {
		return Token{}, ErrInvalidKey
	}
	if err != nil {
		return Token{}, err
	}
	now := v.now()
	if tok.Expired(now) {
		// Strapi does not record the use of an expired key.
		return Token{}, ErrExpired
	}
	if v.usage != nil {
		v.usage.Record(tok.ID, now)
	}
	return tok, nil
}

// Toucher writes last-used times in one batch.
type Toucher interface {
	TouchTokens(ctx context.Context, used map[int64]time.Time) error
}

// UsageRecorder keeps the latest use of each token in memory and writes
// them in batches, so that verifying a key never waits on a database
// write.
//
// The batch is bounded: with a million tokens a burst of distinct keys, or
// a database that refuses the flush, must not make it grow with the
// table. Once it holds max tokens it asks Run to flush at once, and a use
// of a token not in it is dropped until the flush has emptied it (a last
// use is a hint for the admin; its next use records it again).
type UsageRecorder struct {
	store Toucher
	max   int
	full  chan struct{} // a flush is wanted now; holds at most one signal

	mu      sync.Mutex
	pending map[int64]time.Time
	dropped uint64
}

// DefaultMaxPendingUses bounds a UsageRecorder's batch: about 6 MB, and
// more distinct keys than a server verifies between two flushes.
const DefaultMaxPendingUses = 100_000

// NewUsageRecorder returns a recorder that writes through store, holding
// at most DefaultMaxPendingUses tokens between flushes.
func NewUsageRecorder(store Toucher) *UsageRecorder {
	return NewBoundedUsageRecorder(store, DefaultMaxPendingUses)
}

// NewBoundedUsageRecorder is NewUsageRecorder with a batch of at most n
// tokens (at least 1).
func NewBoundedUsageRecorder(store Toucher, n int) *UsageRecorder {
	return &UsageRecorder{store: store, max: max(1, n), full: make(chan struct{}, 1), pending: map[int64]time.Time{}}
}

// Record notes that token id was used at at.
func (u *UsageRecorder) Record(id int64, at time.Time) {
	u.mu.Lock()
	prev, ok := u.pending[id]
	switch {
	case ok:
		if at.After(prev) {
			u.pending[id] = at
		}
	case len(u.pending) < u.max:
		u.pending[id] = at
	default:
		u.dropped++
	}
	full := len(u.pending) >= u.max
	u.mu.Unlock()
	if full {
		select {
		case u.full <- struct{}{}:
		default:
		}
	}
}

// Dropped reports how many uses were not recorded because the batch was
// full.
func (u *UsageRecorder) Dropped() uint64 {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.dropped
}

// Pending reports how many tokens have uses not yet written.
func (u *UsageRecorder) Pending() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return len(u.pending)
}

// Flush writes the pending uses. On failure they are put back, keeping
// any newer use recorded meanwhile, so the next flush retries them.
func (u *UsageRecorder) Flush(ctx context.Context) error {
	u.mu.Lock()
	batch := u.pending
	u.pending = make(map[int64]time.Time, len(batch))
	u.mu.Unlock()
	if len(batch) == 0 {
		return nil
	}
	if err := u.store.TouchTokens(ctx, batch); err != nil {
		for id, at := range batch {
			u.Record(id, at)
		}
		return err
	}
	return nil
}

// Run flushes every interval until ctx ends, then flushes once more with
// a fresh context so that uses seen before shutdown are not lost. A batch
// that reaches its bound is flushed at once; if that flush fails, the
// next waits for the next tick rather than retrying a failing database in
// a loop.
func (u *UsageRecorder) Run(ctx context.Context, interval time.Duration, onError func(error)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	full := u.full
	flush := func() bool {
		err := u.Flush(ctx)
		if err != nil && onError != nil {
			onError(err)
		}
		return err == nil
	}
	for {
		select {
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := u.Flush(fctx); err != nil && onError != nil {
				onError(err)
			}
			return
		case <-t.C:
			flush()
			full = u.full
		case <-full:
			if !flush() {
				full = nil // until the next tick
			}
		}
	}
}
