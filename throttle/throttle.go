// Package throttle slows down password guessing. An attempt is counted as
// a failure before the password is checked (Reserve), so a burst of
// parallel attempts cannot slip past the count; a right password gives its
// count back. After a few failures each further attempt must wait, and
// the wait doubles with every failure. It is plain in-memory bookkeeping;
// each instance keeps its own.
package throttle

import (
	"cmp"
	"slices"
	"sync"
	"time"
)

// Policy says how many failures are free and how the wait grows.
type Policy struct {
	// Free is how many failures in a row cost nothing.
	Free int
	// Base is the wait after the first failure past the free ones; each
	// further failure doubles it, up to Max.
	Base, Max time.Duration
	// Forget drops a key's failures after this long without one.
	Forget time.Duration
	// MaxKeys bounds how many keys are remembered (DefaultMaxKeys when
	// zero), so that a spray of made-up accounts cannot grow memory.
	MaxKeys int
}

// DefaultMaxKeys is how many keys a Limiter keeps when its policy does not
// say: about 30 MB at worst with 254-byte emails in the keys.
const DefaultMaxKeys = 100_000

// Limiter counts failures per key (an account, a client network, or both).
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
	if p.MaxKeys <= 0 {
		p.MaxKeys = DefaultMaxKeys
	}
	return &Limiter{policy: p, now: now, keys: map[string]*record{}}
}

// Reserve counts an attempt for key as a failure before it is made. When
// key must still wait, it counts nothing and returns the wait and false.
// Otherwise it returns true and the wait a failure of this attempt costs
// (0 while failures are free). A right answer gives the count back with
// Succeed, an attempt that never ran with Cancel.
func (l *Limiter) Reserve(key string) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if w := l.blocked(key); w > 0 {
		return w, false
	}
	return l.fail(key), true
}

// blocked returns how long key must still wait; l.mu is held.
func (l *Limiter) blocked(key string) time.Duration {
	if r := l.get(key); r != nil {
		return max(r.blockedTo.Sub(l.now()), 0)
	}
	return 0
}

// fail counts a failure for key and returns the wait it now owes; l.mu is
// held.
func (l *Limiter) fail(key string) time.Duration {
	now := l.now()
	r := l.get(key)
	if r == nil {
		if len(l.keys) >= l.policy.MaxKeys {
			l.evict(now)
		}
		r = &record{}
		l.keys[key] = r
	}
	r.failures++
	r.last = now
	wait := l.wait(r.failures)
	if wait > 0 {
		r.blockedTo = now.Add(wait)
	}
	return wait
}

// wait is what the n-th failure in a row costs.
func (l *Limiter) wait(n int) time.Duration {
	over := n - l.policy.Free
	if over <= 0 {
		return 0
	}
	wait := l.policy.Base
	for i := 1; i < over && wait < l.policy.Max; i++ {
		wait *= 2
	}
	return min(wait, l.policy.Max)
}

// Cancel gives back an attempt that Reserve counted but that never ran,
// and lifts the wait it caused when the failures left are free again.
func (l *Limiter) Cancel(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.get(key)
	if r == nil {
		return
	}
	r.failures--
	if r.failures <= l.policy.Free {
		r.blockedTo = time.Time{}
	}
	if r.failures <= 0 {
		delete(l.keys, key)
	}
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

// Len reports how many keys the limiter remembers.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.keys)
}

// get returns key's record unless it is old enough to forget.
func (l *Limiter) get(key string) *record {
	r := l.keys[key]
	if r != nil && l.forgettable(r, l.now()) {
		delete(l.keys, key)
		return nil
	}
	return r
}

func (l *Limiter) forgettable(r *record, now time.Time) bool {
	return now.Sub(r.last) > l.policy.Forget && !r.blockedTo.After(now)
}

// evict makes room for new keys when the limiter is full: first what may
// be forgotten anyway, then the unblocked keys least recently failed, and
// only then blocked ones, those whose wait ends soonest first. It frees a
// tenth of the room at once so that a spray does not pay for a scan on
// every new key.
func (l *Limiter) evict(now time.Time) {
	for k, r := range l.keys {
		if l.forgettable(r, now) {
			delete(l.keys, k)
		}
	}
	target := l.policy.MaxKeys - max(l.policy.MaxKeys/10, 1)
	if len(l.keys) <= target {
		return
	}
	type entry struct {
		key string
		r   *record
	}
	all := make([]entry, 0, len(l.keys))
	for k, r := range l.keys {
		all = append(all, entry{k, r})
	}
	slices.SortFunc(all, func(a, b entry) int {
		ab, bb := a.r.blockedTo.After(now), b.r.blockedTo.After(now)
		switch {
		case ab != bb:
			if ab {
				return 1
			}
			return -1
		case ab:
			return a.r.blockedTo.Compare(b.r.blockedTo)
		}
		return cmp.Compare(a.r.last.UnixNano(), b.r.last.UnixNano())
	})
	for _, e := range all[:len(all)-target] {
		delete(l.keys, e.key)
	}
}
