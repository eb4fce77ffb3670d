// Package throttle slows down password guessing: after a few failed
// sign-ins for one account, or from one client address, each further
// attempt must wait, and the wait doubles with every failure. It is plain
// in-memory bookkeeping; each instance keeps its own.
package throttle

import (
	"sync"
	"time"
)

// Policy says how many failures are free and how the wait grows.
type Policy struct {
	// Free is how many failures in a row cost nothing.
	Free int
	// Base is the first wait after the free failures; each further
	// failure doubles it, up to Max.
	Base, Max time.Duration
	// Forget drops a key's failures after this long without one.
	Forget time.Duration
}

// Limiter tracks failures per key (an account, a client address).
type Limiter struct {
	policy Policy
	now    func() time.Time

	mu   sync.Mutex
	keys map[string]*record
}

type record struct {
	failures  int
	last      time.Time
	blockedTo time.Time
}

// New returns a Limiter; now is the clock (nil: time.Now).
func New(p Policy, now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	return &Limiter{policy: p, now: now, keys: map[string]*record{}}
}

// Wait reports how long key must wait before its next attempt; 0 means it
// may try now.
func (l *Limiter) Wait(key string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.get(key)
	if r == nil {
		return 0
	}
	if d := r.blockedTo.Sub(l.now()); d > 0 {
		return d
	}
	return 0
}

// Fail records a failed attempt for key and returns the wait it now owes.
func (l *Limiter) Fail(key string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	r := l.get(key)
	if r == nil {
		r = &record{}
		l.keys[key] = r
	}
	r.failures++
	r.last = now
	over := r.failures - l.policy.Free
	if over <= 0 {
		return 0
	}
	wait := l.policy.Base
	for i := 1; i < over && wait < l.policy.Max; i++ {
		wait *= 2
	}
	wait = min(wait, l.policy.Max)
	r.blockedTo = now.Add(wait)
	l.sweep(now)
	return wait
}

// Succeed forgets key's failures: the account's owner got in.
func (l *Limiter) Succeed(key string) {
	l.mu.Lock()
	delete(l.keys, key)
	l.mu.Unlock()
}

// Failures reports key's current count of failures.
func (l *Limiter) Failures(key string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	if r := l.get(key); r != nil {
		return r.failures
	}
	return 0
}

// get returns key's record unless it is old enough to forget.
func (l *Limiter) get(key string) *record {
	r := l.keys[key]
	if r != nil && l.now().Sub(r.last) > l.policy.Forget && !r.blockedTo.After(l.now()) {
		delete(l.keys, key)
		return nil
	}
	return r
}

// sweep bounds memory under a spray of keys: past 100,000 records it drops
// every forgettable one.
func (l *Limiter) sweep(now time.Time) {
	if len(l.keys) < 100_000 {
		return
	}
	for k, r := range l.keys {
		if now.Sub(r.last) > l.policy.Forget && !r.blockedTo.After(now) {
			delete(l.keys, k)
		}
	}
}
