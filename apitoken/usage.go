package apitoken

import (
	"context"
	"sync"
	"time"
)

// Outcome is how the content API answered one request of a key, as the
// usage chart splits them.
type Outcome uint8

// Outcomes of a request made with a known key.
const (
	OutcomeOK      Outcome = iota // below 400
	OutcomeRefused                // 401 or 403: expired, paused, out of scope
	OutcomeBlocked                // 403: from outside the allow-list
	OutcomeLimited                // 429: rate limit or quota
	OutcomeOther                  // any other error (400, 404, 5xx)
)

// OutcomeOf classifies an answer by its status. A 403 for the address is
// counted as OutcomeBlocked by whoever refused it, not from the status.
func OutcomeOf(status int) Outcome {
	switch {
	case status < 400:
		return OutcomeOK
	case status == 401, status == 403:
		return OutcomeRefused
	case status == 429:
		return OutcomeLimited
	}
	return OutcomeOther
}

// Counts are requests by outcome.
type Counts struct {
	OK, Refused, Blocked, Limited, Other int64
}

func (c *Counts) add(o Outcome, n int64) {
	switch o {
	case OutcomeOK:
		c.OK += n
	case OutcomeRefused:
		c.Refused += n
	case OutcomeBlocked:
		c.Blocked += n
	case OutcomeLimited:
		c.Limited += n
	default:
		c.Other += n
	}
}

func (c *Counts) merge(o Counts) {
	c.OK += o.OK
	c.Refused += o.Refused
	c.Blocked += o.Blocked
	c.Limited += o.Limited
	c.Other += o.Other
}

// Total is every request counted.
func (c Counts) Total() int64 { return c.OK + c.Refused + c.Blocked + c.Limited + c.Other }

// Day is the day number of t: days since 1970-01-01, UTC.
func Day(t time.Time) int64 {
	s := t.Unix()
	if s < 0 {
		return (s - 86399) / 86400
	}
	return s / 86400
}

// DayTime is the start of day d, UTC.
func DayTime(d int64) time.Time { return time.Unix(d*86400, 0).UTC() }

// UsageDays is how many days of counts are kept and charted.
const UsageDays = 30

// DayUsage is one day's counts of a token.
type DayUsage struct {
	Day int64
	Counts
}

// UsageKey is one token's counts of one day.
type UsageKey struct{ Token, Day int64 }

// QuotaKey is one token's quota spent in one refill period.
type QuotaKey struct{ Token, Period int64 }

// UsageBatch is what one flush writes, in one transaction.
type UsageBatch struct {
	LastUsed map[int64]time.Time
	// Lifecycle is what the batch saw of tokens' old keys and clients
	// (issue 12), for the tokens that have any: written in the same
	// transaction as the last use.
	Lifecycle  map[int64]Usage
	Counts     map[UsageKey]Counts
	QuotaSpent map[QuotaKey]int64
	// PruneBefore, when not 0, deletes the counts of days before it.
	PruneBefore int64
}

func (b UsageBatch) empty() bool {
	return len(b.LastUsed) == 0 && len(b.Lifecycle) == 0 && len(b.Counts) == 0 && len(b.QuotaSpent) == 0 && b.PruneBefore == 0
}

// Toucher writes last-used times in one batch.
type Toucher interface {
	TouchTokens(ctx context.Context, used map[int64]time.Time) error
}

// Usage is what a batch says of one token: its last use, its old key's
// uses and refused attempts, and the clients it was used from.
type Usage struct {
	LastUsed       time.Time // zero when the token was only refused
	OldKeyLastUsed time.Time
	OldKeyRequests int64
	RefusedAt      time.Time
	Refused        int64
	RefusedFrom    Client // the client of the last refused attempt
	Clients        []Client
}

// lifecycle reports whether u says more than a last use.
func (u Usage) lifecycle() bool {
	return u.OldKeyRequests > 0 || u.Refused > 0 || len(u.Clients) > 0
}

// UsageWriter writes a batch of last uses, old-key uses and clients in
// one transaction: a store that is only that (not a UsageStore) is given
// those, without counts or quotas.
type UsageWriter interface {
	WriteUsage(ctx context.Context, batch map[int64]Usage) error
}

// pendingClient is a client seen since the last flush; raw is the user
// agent as sent, so that a client seen again costs no cleaning.
type pendingClient struct {
	Client
	raw string
}

// pending is a token's uses since the last flush.
type pending struct {
	Usage
	clients []pendingClient
}

// UsageStore writes whole batches (last use, counts and quota spent in
// one transaction), returning each spending token's quota use as it now
// stands with every instance's batches, and reads one token's quota use.
type UsageStore interface {
	Toucher
	RecordUsage(ctx context.Context, b UsageBatch) (map[int64]QuotaUse, error)
	QuotaUse(ctx context.Context, id int64) (QuotaUse, error)
}

// DefaultQuotaStates is how many tokens' quota use a recorder keeps in
// memory (some 100 bytes each).
const DefaultQuotaStates = 1 << 18

// UsageRecorder keeps the latest use of each token, its request counts
// and the quota it spent in memory, and writes them in batches, so that
// verifying a key never waits on a database write.
//
// The batch is bounded: with a million tokens a burst of distinct keys, or
// a database that refuses the flush, must not make it grow with the
// table. Once it holds max tokens (or token-days of counts) it asks Run to
// flush at once, and a use or count of a token not in it is dropped until
// the flush has emptied it (a last use is a hint for the admin, a count
// an approximation; both are counted in Dropped). Quota spent is never
// dropped: it is what keeps a quota from being over-spent.
//
// Quotas: each instance knows the use the database had at its last
// batch (its own and every other instance's flushed uses) plus what it
// spent since. A key can therefore be over-spent by what the other
// instances accepted since their last batch, one batch each, never more.
type UsageRecorder struct {
	store Toucher
	now   func() time.Time
	max   int
	full  chan struct{} // a flush is wanted now; holds at most one signal

	mu       sync.Mutex
	dropped  uint64
	pending  map[int64]*pending
	counts   map[UsageKey]Counts
	spent    map[QuotaKey]int64 // not yet flushed
	inflight map[QuotaKey]int64 // being flushed
	quota    map[int64]*quotaState
	maxQuota int
	pruned   int64 // the day counts were last pruned
}

type quotaState struct {
	use    QuotaUse // as the store last answered
	active bool     // spent since the last flush
}

// DefaultMaxPendingUses bounds a UsageRecorder's batch: about 6 MB, and
// more distinct keys than a server verifies between two flushes.
const DefaultMaxPendingUses = 100_000

// NewUsageRecorder returns a recorder that writes through store (a
// UsageStore for counts and quotas; a Toucher writes last use only; nil
// writes nothing), holding at most DefaultMaxPendingUses tokens between
// flushes.
func NewUsageRecorder(store Toucher) *UsageRecorder {
	return NewBoundedUsageRecorder(store, DefaultMaxPendingUses)
}

// NewBoundedUsageRecorder is NewUsageRecorder with a batch of at most n
// tokens (at least 1).
func NewBoundedUsageRecorder(store Toucher, n int) *UsageRecorder {
	return &UsageRecorder{
		store: store, now: time.Now, maxQuota: DefaultQuotaStates,
		max: max(1, n), full: make(chan struct{}, 1),
		pending: map[int64]*pending{}, counts: map[UsageKey]Counts{},
		spent: map[QuotaKey]int64{}, inflight: map[QuotaKey]int64{},
		quota: map[int64]*quotaState{},
	}
}

// Record notes that token id was used at at.
func (u *UsageRecorder) Record(id int64, at time.Time) {
	u.Use(id, at, false, "", "")
}

// entry is token id's pending entry, nil (and the use counted as
// dropped) when the batch is full; u.mu is held.
func (u *UsageRecorder) entry(id int64) *pending {
	p := u.pending[id]
	if p == nil {
		if len(u.pending) >= u.max {
			u.dropped++
			return nil
		}
		p = &pending{}
		u.pending[id] = p
	}
	return p
}

// unlock releases u.mu and, when the batch is full, asks Run to flush.
func (u *UsageRecorder) unlock() {
	full := len(u.pending) >= u.max
	u.mu.Unlock()
	if full {
		u.wantFlush()
	}
}

// Use notes that token id was used at at (with its old key when old) by
// the client at addr with userAgent ("" when unknown).
func (u *UsageRecorder) Use(id int64, at time.Time, old bool, addr, userAgent string) {
	u.mu.Lock()
	defer u.unlock()
	p := u.entry(id)
	if p == nil {
		return
	}
	if at.After(p.LastUsed) {
		p.LastUsed = at
	}
	if old {
		p.OldKeyRequests++
		if at.After(p.OldKeyLastUsed) {
			p.OldKeyLastUsed = at
		}
	}
	p.seen(at, addr, userAgent)
}

// Refuse notes an attempt with token id's old key after its grace.
func (u *UsageRecorder) Refuse(id int64, at time.Time, addr, userAgent string) {
	u.mu.Lock()
	defer u.unlock()
	p := u.entry(id)
	if p == nil {
		return
	}
	p.Refused++
	if at.After(p.RefusedAt) {
		p.RefusedAt = at
		p.RefusedFrom = Client{Address: addr, UserAgent: CleanUserAgent(userAgent), FirstSeen: at, LastSeen: at}
	}
}

// seen keeps at most MaxClients distinct clients, the most recently seen.
func (p *pending) seen(at time.Time, addr, userAgent string) {
	if addr == "" && userAgent == "" {
		return
	}
	for i := range p.clients {
		c := &p.clients[i]
		if c.Address == addr && c.raw == userAgent {
			if at.After(c.LastSeen) {
				c.LastSeen = at
			}
			if at.Before(c.FirstSeen) {
				c.FirstSeen = at
			}
			return
		}
	}
	c := pendingClient{Client: Client{Address: addr, UserAgent: CleanUserAgent(userAgent), FirstSeen: at, LastSeen: at}, raw: userAgent}
	if len(p.clients) < MaxClients {
		p.clients = append(p.clients, c)
		return
	}
	oldest := 0
	for i := range p.clients {
		if p.clients[i].LastSeen.Before(p.clients[oldest].LastSeen) {
			oldest = i
		}
	}
	if at.After(p.clients[oldest].LastSeen) {
		p.clients[oldest] = c
	}
}

// mergeLocked puts a token's part of a batch that failed to write back,
// keeping anything newer recorded meanwhile; u.mu is held.
func (u *UsageRecorder) mergeLocked(id int64, b Usage) {
	p := u.entry(id)
	if p == nil {
		return
	}
	if b.LastUsed.After(p.LastUsed) {
		p.LastUsed = b.LastUsed
	}
	if b.OldKeyLastUsed.After(p.OldKeyLastUsed) {
		p.OldKeyLastUsed = b.OldKeyLastUsed
	}
	p.OldKeyRequests += b.OldKeyRequests
	p.Refused += b.Refused
	if b.RefusedAt.After(p.RefusedAt) {
		p.RefusedAt, p.RefusedFrom = b.RefusedAt, b.RefusedFrom
	}
	for _, c := range b.Clients {
		p.seen(c.FirstSeen, c.Address, c.UserAgent)
		p.seen(c.LastSeen, c.Address, c.UserAgent)
	}
}

// takePending empties the pending uses: every token's, the last-used
// times of those used, and those with lifecycle news; u.mu is held.
func (u *UsageRecorder) takePending() (all map[int64]Usage, used map[int64]time.Time, life map[int64]Usage) {
	taken := u.pending
	u.pending = make(map[int64]*pending, len(taken))
	all = make(map[int64]Usage, len(taken))
	used = make(map[int64]time.Time, len(taken))
	life = map[int64]Usage{}
	for id, p := range taken {
		us := p.Usage
		for _, c := range p.clients {
			us.Clients = append(us.Clients, c.Client)
		}
		all[id] = us
		if !us.LastUsed.IsZero() {
			used[id] = us.LastUsed
		}
		if us.lifecycle() {
			life[id] = us
		}
	}
	return all, used, life
}

// wantFlush asks Run to flush now.
func (u *UsageRecorder) wantFlush() {
	select {
	case u.full <- struct{}{}:
	default:
	}
}

// Dropped reports how many uses and counts were not recorded because the
// batch was full.
func (u *UsageRecorder) Dropped() uint64 {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.dropped
}

// Count adds one request of token id at at with outcome o.
func (u *UsageRecorder) Count(id int64, at time.Time, o Outcome) {
	k := UsageKey{id, Day(at)}
	u.mu.Lock()
	c, ok := u.counts[k]
	if !ok && len(u.counts) >= u.max {
		u.dropped++
		u.mu.Unlock()
		u.wantFlush()
		return
	}
	c.add(o, 1)
	u.counts[k] = c
	full := len(u.counts) >= u.max
	u.mu.Unlock()
	if full {
		u.wantFlush()
	}
}

// Spend takes one request from tok's quota at at. It reports what
// remains after it, and false (spending nothing) when nothing remained.
// The first spend of a token after start-up (or after it was idle for a
// batch) reads its use from the store; later ones are in memory.
func (u *UsageRecorder) Spend(ctx context.Context, tok Token, at time.Time) (int64, bool, error) {
	q := tok.Quota
	k := QuotaKey{tok.ID, q.Refill.Period(at)}
	u.mu.Lock()
	st, ok := u.quota[tok.ID]
	if !ok {
		u.mu.Unlock()
		use, err := u.loadQuota(ctx, tok)
		if err != nil {
			return 0, false, err
		}
		u.mu.Lock()
		if st, ok = u.quota[tok.ID]; !ok {
			st = &quotaState{use: use}
			if len(u.quota) < u.maxQuota {
				u.quota[tok.ID] = st
			}
		}
	}
	used := u.spent[k] + u.inflight[k]
	if st.use.Period == k.Period {
		used += st.use.Used
	}
	if used >= q.Limit {
		u.mu.Unlock()
		return 0, false, nil
	}
	u.spent[k]++
	st.active = true
	full := len(u.spent) >= u.max
	u.mu.Unlock()
	if full {
		u.wantFlush()
	}
	return q.Limit - used - 1, true, nil
}

// QuotaRemaining is what remains of tok's quota at at, as this instance
// knows it, without spending any.
func (u *UsageRecorder) QuotaRemaining(ctx context.Context, tok Token, at time.Time) (int64, error) {
	q := tok.Quota
	k := QuotaKey{tok.ID, q.Refill.Period(at)}
	u.mu.Lock()
	st, ok := u.quota[tok.ID]
	var use QuotaUse
	if ok {
		use = st.use
	}
	u.mu.Unlock()
	if !ok {
		var err error
		if use, err = u.loadQuota(ctx, tok); err != nil {
			return 0, err
		}
	}
	u.mu.Lock()
	used := use.UsedAt(q.Refill, at) + u.spent[k] + u.inflight[k]
	u.mu.Unlock()
	return max(0, q.Limit-used), nil
}

func (u *UsageRecorder) loadQuota(ctx context.Context, tok Token) (QuotaUse, error) {
	if us, ok := u.store.(UsageStore); ok {
		return us.QuotaUse(ctx, tok.ID)
	}
	return tok.QuotaUse, nil
}

// ForgetQuota drops what the recorder knows of token id's quota use (its
// quota was changed or reset): the next spend reads it again.
func (u *UsageRecorder) ForgetQuota(id int64) {
	u.mu.Lock()
	delete(u.quota, id)
	u.mu.Unlock()
}

// Pending reports how many tokens have uses not yet written.
func (u *UsageRecorder) Pending() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return len(u.pending)
}

// Flush writes the pending uses, counts and quota spent. On failure they
// are put back, keeping any newer use recorded meanwhile, so the next
// flush retries them. Once a day it also deletes counts older than
// UsageDays.
func (u *UsageRecorder) Flush(ctx context.Context) error {
	if u.store == nil {
		return nil
	}
	us, full := u.store.(UsageStore)
	if !full {
		// A store that only knows last use keeps counts and quota spent
		// in memory.
		u.mu.Lock()
		all, used, _ := u.takePending()
		u.mu.Unlock()
		if len(all) == 0 {
			return nil
		}
		var err error
		if w, ok := u.store.(UsageWriter); ok {
			err = w.WriteUsage(ctx, all)
		} else {
			err = u.store.TouchTokens(ctx, used)
		}
		if err != nil {
			u.settle(UsageBatch{LastUsed: used}, all, nil, err)
		}
		return err
	}
	today := Day(u.now())
	u.mu.Lock()
	all, used, life := u.takePending()
	b := UsageBatch{LastUsed: used, Lifecycle: life, Counts: u.counts, QuotaSpent: u.spent}
	u.counts = make(map[UsageKey]Counts, len(b.Counts))
	u.spent = make(map[QuotaKey]int64, len(b.QuotaSpent))
	for k, n := range b.QuotaSpent {
		u.inflight[k] += n
	}
	if u.pruned != today {
		b.PruneBefore = today - UsageDays + 1
	}
	u.mu.Unlock()
	if b.empty() {
		return nil
	}
	uses, err := us.RecordUsage(ctx, b)
	u.settle(b, all, uses, err)
	if err == nil && b.PruneBefore != 0 {
		u.mu.Lock()
		u.pruned = today
		u.mu.Unlock()
	}
	return err
}

// settle ends a flush: the batch's quota spent leaves the in-flight sums
// in the same step as the store's new totals arrive (or goes back to
// pending if the write failed); tokens that spent nothing since the last
// flush are forgotten, which bounds memory by the tokens in use.
func (u *UsageRecorder) settle(b UsageBatch, all map[int64]Usage, uses map[int64]QuotaUse, err error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	for k, n := range b.QuotaSpent {
		if u.inflight[k] -= n; u.inflight[k] <= 0 {
			delete(u.inflight, k)
		}
	}
	if err != nil {
		// Put back what fits, keeping any newer use recorded meanwhile.
		for id, us := range all {
			u.mergeLocked(id, us)
		}
		for k, c := range b.Counts {
			cur, ok := u.counts[k]
			if !ok && len(u.counts) >= u.max {
				u.dropped++
				continue
			}
			cur.merge(c)
			u.counts[k] = cur
		}
		for k, n := range b.QuotaSpent {
			u.spent[k] += n
		}
		return
	}
	for id, use := range uses {
		if st, ok := u.quota[id]; ok {
			st.use = use
		}
	}
	for id, st := range u.quota {
		if !st.active {
			if _, spent := uses[id]; !spent {
				delete(u.quota, id)
				continue
			}
		}
		st.active = false
	}
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
