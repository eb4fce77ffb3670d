package apitoken

import (
	"context"
	"errors"
	"net/netip"
	"time"

	"github.com/tokenadmin/tokenadmin/ratelimit"
)

// Refusals of a verified key by its guardrails.
var (
	// ErrAddressRefused means the client address is outside the key's
	// allow-list.
	ErrAddressRefused = errors.New("apitoken: address not allowed")
	// ErrRateLimited means the key made too many requests too fast.
	ErrRateLimited = errors.New("apitoken: rate limited")
	// ErrQuotaExhausted means the key's quota is spent.
	ErrQuotaExhausted = errors.New("apitoken: quota exhausted")
)

// Verdict is what the guardrails decided about one request.
type Verdict struct {
	// Err is nil, ErrAddressRefused, ErrRateLimited or ErrQuotaExhausted.
	Err error
	// Rate is the rate limiter's answer, for the RateLimit headers (nil
	// for a key without a rate limit).
	Rate *ratelimit.Result
	// RetryAfter is how long a refused request should wait (0: unknown,
	// as for a quota that never refills).
	RetryAfter time.Duration
	// QuotaRemaining is what remains of the quota after this request (nil
	// without a quota).
	QuotaRemaining *int64
}

// Guard holds verified keys to their guardrails: the allow-list, the
// rate limit and the quota, in that order, so that a request refused by
// one spends nothing of the next. Everything is in memory; the quota's
// spending reaches the store in the usage recorder's batches.
type Guard struct {
	limiter *ratelimit.Limiter
	usage   *UsageRecorder
	now     func() time.Time
}

// NewGuard returns a Guard over limiter (one of capacity
// ratelimit.DefaultCapacity if nil) and usage (an in-memory recorder if
// nil), on the clock now (time.Now if nil).
func NewGuard(limiter *ratelimit.Limiter, usage *UsageRecorder, now func() time.Time) *Guard {
	if now == nil {
		now = time.Now
	}
	if limiter == nil {
		limiter = ratelimit.New(0, now)
	}
	if usage == nil {
		usage = NewUsageRecorder(nil)
	}
	return &Guard{limiter: limiter, usage: usage, now: now}
}

// Admit decides whether tok may make a request from addr now. The error
// is the store's, when a quota's first use could not be read.
func (g *Guard) Admit(ctx context.Context, tok Token, addr netip.Addr) (Verdict, error) {
	var v Verdict
	if !tok.AllowedIPs.Allows(addr) {
		v.Rate = g.Peek(tok)
		v.Err = ErrAddressRefused
		return v, nil
	}
	if tok.RateLimit != nil {
		res := g.limiter.Allow(tok.ID, *tok.RateLimit)
		v.Rate = &res
		if !res.Allowed {
			v.Err, v.RetryAfter = ErrRateLimited, res.RetryAfter
			return v, nil
		}
	}
	if tok.Quota != nil {
		now := g.now()
		left, ok, err := g.usage.Spend(ctx, tok, now)
		if err != nil {
			return v, err
		}
		v.QuotaRemaining = &left
		if !ok {
			v.Err = ErrQuotaExhausted
			if next := tok.Quota.Refill.NextRefill(now); !next.IsZero() {
				v.RetryAfter = next.Sub(now)
			}
		}
	}
	return v, nil
}

// Peek is the rate limiter's state for tok without taking a request (nil
// for a key without a rate limit), for the headers of answers the
// limiter did not see, such as an expired key's 401.
func (g *Guard) Peek(tok Token) *ratelimit.Result {
	if tok.RateLimit == nil {
		return nil
	}
	res := g.limiter.Peek(tok.ID, *tok.RateLimit)
	return &res
}

// Count records the outcome of one request of token id.
func (g *Guard) Count(id int64, o Outcome) { g.usage.Count(id, g.now(), o) }

// QuotaRemaining is what remains of tok's quota now, without spending
// (nil without a quota).
func (g *Guard) QuotaRemaining(ctx context.Context, tok Token) (*int64, error) {
	if tok.Quota == nil {
		return nil, nil
	}
	n, err := g.usage.QuotaRemaining(ctx, tok, g.now())
	if err != nil {
		return nil, err
	}
	return &n, nil
}

// Changed forgets what the guard holds about token id, whose guardrails
// changed on this instance.
func (g *Guard) Changed(id int64) {
	g.limiter.Forget(id)
	g.usage.ForgetQuota(id)
}
