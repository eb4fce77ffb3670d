package db

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
)

// On PostgreSQL a read's cost is mostly its round trip: the write and the
// read on the socket, waking the backend and being woken again. A
// coalescer lets the reads of one kind that arrive while enough of that
// kind are already in flight wait and share the next run: twenty
// findOnes of the same content type become one statement that fetches
// twenty rows, twenty finds of nearby pages one statement that reads
// every page, each caller taking its own rows. On SQLite, which reads in
// process, only identical finds share, saving the query's own work. Under
// light load nothing waits and every read runs alone as before; under
// heavy load the statements per request fall with the load.
//
// A run starts only after every caller it serves has called, so a
// caller never gets data older than its own call: a write that returned
// before a read began is seen by that read, as without coalescing.

// coalescer shares runs of fetch between callers of one key. Its zero
// value is not usable; see newCoalescer.
type coalescer[R any] struct {
	width   int // runs of one key in flight before callers start to wait
	maxArgs int // distinct arguments in one run

	runs atomic.Int64 // shared runs started, for tests

	mu      sync.Mutex
	running map[string]int           // runs in flight, per key; guarded by mu
	next    map[string]*sharedRun[R] // the run gathering callers, per key; guarded by mu
}

// sharedRun is one run of fetch for the callers that joined it.
type sharedRun[R any] struct {
	fetch   func(ctx context.Context, args []string) (R, error)
	args    []string // distinct, in order of arrival; fixed once started
	waiters int      // callers still waiting; guarded by the coalescer's mu
	started bool     // guarded by the coalescer's mu

	ctx    context.Context // cancelled when every waiter has given up
	cancel context.CancelFunc

	done chan struct{} // closed when res and err are set
	res  R
	err  error
}

func newCoalescer[R any](width, maxArgs int) *coalescer[R] {
	return &coalescer[R]{
		width: width, maxArgs: maxArgs,
		running: map[string]int{}, next: map[string]*sharedRun[R]{},
	}
}

// do returns the result of a run of fetch whose arguments include arg
// and that started after do was called. Callers of one key must pass
// fetches that do the same thing: the run uses its first caller's.
// When ctx ends before the run does, do returns ctx's error; the run
// goes on for the other callers, and is cancelled if none is left.
func (c *coalescer[R]) do(ctx context.Context, key, arg string, fetch func(ctx context.Context, args []string) (R, error)) (R, error) {
	c.mu.Lock()
	r := c.next[key]
	if c.running[key] < c.width || (r != nil && len(r.args) >= c.maxArgs && !slices.Contains(r.args, arg)) {
		// A free slot, or a run too full to join: run alone, at once.
		c.running[key]++
		c.mu.Unlock()
		defer c.release(key)
		return fetch(ctx, []string{arg})
	}
	if r == nil {
		r = &sharedRun[R]{fetch: fetch, done: make(chan struct{})}
		// Detached from every caller: it serves them all.
		r.ctx, r.cancel = context.WithCancel(context.WithoutCancel(ctx))
		c.next[key] = r
	}
	if !slices.Contains(r.args, arg) {
		r.args = append(r.args, arg)
	}
	r.waiters++
	c.mu.Unlock()

	select {
	case <-r.done:
		return r.res, r.err
	case <-ctx.Done():
		c.mu.Lock()
		r.waiters--
		if r.waiters == 0 {
			if r.started {
				r.cancel()
			} else if c.next[key] == r {
				// Nobody left to serve: it never runs.
				delete(c.next, key)
				r.cancel()
			}
		}
		c.mu.Unlock()
		var zero R
		return zero, ctx.Err()
	}
}

// release ends one run of key: the slot goes to the run gathering
// callers, if any, or is given back.
func (c *coalescer[R]) release(key string) {
	c.mu.Lock()
	r := c.next[key]
	if r == nil {
		if c.running[key]--; c.running[key] == 0 {
			delete(c.running, key)
		}
		c.mu.Unlock()
		return
	}
	delete(c.next, key)
	r.started = true
	c.mu.Unlock()
	go c.start(key, r)
}

func (c *coalescer[R]) start(key string, r *sharedRun[R]) {
	defer c.release(key)
	defer r.cancel()
	defer close(r.done)
	defer func() {
		// No handler's recovery covers this goroutine: a panic here would
		// end the process, so it becomes every waiter's error instead.
		if p := recover(); p != nil {
			r.err = fmt.Errorf("db: shared read panicked: %v", p)
		}
	}()
	c.runs.Add(1)
	r.res, r.err = r.fetch(r.ctx, r.args)
}

// maxCoalescedIDs bounds the document ids one findOne run fetches.
const maxCoalescedIDs = 100

// maxSharedWindows bounds the distinct windows one find run serves
// (sharedWindowBlock × maxPageSize of them exist in a block at most).
const maxSharedWindows = 100
