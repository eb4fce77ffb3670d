package ratelimit

import (
	"sync"
	"time"
)

// Result is what one request learned from the limiter.
type Result struct {
	Allowed bool
	// Remaining is how many more requests would be allowed right now.
	Remaining int64
	// Reset is how long until the full burst is available again.
	Reset time.Duration
	// RetryAfter is how long a refused request must wait (0 if allowed).
	RetryAfter time.Duration
	Rate       Rate
}

// Header is the RateLimit header of the result: "token";r=R;t=T, T in
// whole seconds rounded up.
func (res Result) Header() string {
	return `"token";r=` + itoa(res.Remaining) + `;t=` + itoa(ceilSeconds(res.Reset))
}

// RetryAfterSeconds is the Retry-After value: whole seconds, at least 1.
func (res Result) RetryAfterSeconds() int64 { return max(1, ceilSeconds(res.RetryAfter)) }

func ceilSeconds(d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	return int64((d + time.Second - 1) / time.Second)
}

func itoa(n int64) string {
	var b [20]byte
	i := len(b)
	if n == 0 {
		return "0"
	}
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

// shards spreads keys over independently locked maps, so concurrent
// requests of different keys rarely wait on each other.
const shards = 64

// DefaultCapacity is how many keys a Limiter tracks at once by default:
// about 40 bytes each, so some 10 MB at most.
const DefaultCapacity = 1 << 18

// Limiter is a GCRA limiter (a token bucket kept as one number per key:
// the theoretical arrival time of the next request). A key whose bucket
// is full needs no state at all, so memory holds only keys used within
// their last window, and never more than the capacity: past it, idle
// keys are dropped first, then arbitrary ones (which then start again
// with a full burst: the limiter errs towards letting a request through,
// never towards refusing one it owes).
type Limiter struct {
	now      func() time.Time
	shardCap int
	shards   [shards]shard
}

type shard struct {
	mu  sync.Mutex
	tat map[int64]int64 // key → theoretical arrival time, unix nanoseconds
	_   [40]byte        // keep shards on separate cache lines
}

// New returns a Limiter tracking at most capacity keys (DefaultCapacity
// if capacity ≤ 0) on the clock now (time.Now if nil; tests move it).
func New(capacity int, now func() time.Time) *Limiter {
	if capacity <= 0 {
		capacity = DefaultCapacity
	}
	if now == nil {
		now = time.Now
	}
	l := &Limiter{now: now, shardCap: max(1, capacity/shards)}
	for i := range l.shards {
		l.shards[i].tat = map[int64]int64{}
	}
	return l
}

// Allow takes one request of key from its bucket under rate r.
func (l *Limiter) Allow(key int64, r Rate) Result {
	now := l.now().UnixNano()
	t := r.interval()
	window := int64(r.Window)
	s := &l.shards[uint64(key)%shards]
	s.mu.Lock()
	tat, ok := s.tat[key]
	if !ok || tat < now {
		tat = now
	}
	next := tat + t
	res := Result{Rate: r}
	if next-now > window {
		// Refused: the bucket stays as it was.
		res.RetryAfter = time.Duration(next - now - window)
		res.Reset = time.Duration(tat - now)
		s.mu.Unlock()
		return res
	}
	if !ok && len(s.tat) >= l.shardCap {
		s.evict(now, l.shardCap)
	}
	s.tat[key] = next
	s.mu.Unlock()
	res.Allowed = true
	res.Remaining = (window - (next - now)) / t
	res.Reset = time.Duration(next - now)
	return res
}

// evict makes room in a full shard: first every key whose bucket has
// refilled (forgetting it changes nothing), then, if that was not enough,
// arbitrary keys down to three quarters of the capacity, so that the next
// sweep is at least a quarter of the capacity away (constant amortized
// time per request).
func (s *shard) evict(now int64, capacity int) {
	for k, tat := range s.tat {
		if tat <= now {
			delete(s.tat, k)
		}
	}
	for k := range s.tat {
		if len(s.tat) <= capacity*3/4 {
			break
		}
		delete(s.tat, k)
	}
}

// Len reports how many keys the limiter holds state for.
func (l *Limiter) Len() int {
	n := 0
	for i := range l.shards {
		s := &l.shards[i]
		s.mu.Lock()
		n += len(s.tat)
		s.mu.Unlock()
	}
	return n
}

// Forget drops key's state, for a token whose rate changed or that was
// deleted.
func (l *Limiter) Forget(key int64) {
	s := &l.shards[uint64(key)%shards]
	s.mu.Lock()
	delete(s.tat, key)
	s.mu.Unlock()
}

// Peek is what Allow would answer about key's bucket now, without taking
// a request from it: Allowed tells whether one more would pass.
func (l *Limiter) Peek(key int64, r Rate) Result {
	now := l.now().UnixNano()
	t := r.interval()
	window := int64(r.Window)
	s := &l.shards[uint64(key)%shards]
	s.mu.Lock()
	tat, ok := s.tat[key]
	s.mu.Unlock()
	if !ok || tat < now {
		tat = now
	}
	res := Result{Rate: r, Reset: time.Duration(tat - now)}
	if next := tat + t; next-now > window {
		res.RetryAfter = time.Duration(next - now - window)
		return res
	}
	res.Allowed = true
	res.Remaining = (window - (tat - now)) / t
	return res
}
