package throttle

import (
	"net/netip"
	"sync"
	"time"
)

// Policies are the three counts a password attempt is charged to.
type Policies struct {
	// Pair counts failures per account and client network: the tight
	// limit, which stops one client guessing one account without
	// touching the owner elsewhere.
	Pair Policy
	// Network counts failures per client network, whatever the account:
	// one client spraying many accounts.
	Network Policy
	// Account counts failures per account from everywhere: much softer,
	// it only slows a guesser spread over many networks.
	Account Policy
}

// Guard throttles password attempts along the three keys of Policies at
// once: an attempt goes ahead only if none of its keys must wait, and
// then counts on all three.
type Guard struct {
	mu                     sync.Mutex // makes Reserve all-or-nothing across the limiters
	pair, network, account *Limiter
}

// NewGuard returns a Guard; now is the clock (nil: time.Now).
func NewGuard(p Policies, now func() time.Time) *Guard {
	return &Guard{pair: New(p.Pair, now), network: New(p.Network, now), account: New(p.Account, now)}
}

// Reserve counts a password attempt on account from ip before it is made.
// When any of its keys must wait it counts nothing and returns the longest
// wait and false. Otherwise it returns true and the wait a failure of this
// attempt costs.
func (g *Guard) Reserve(account, ip string) (time.Duration, bool) {
	net := Network(ip)
	pair := PairKey(account, ip)
	g.mu.Lock()
	defer g.mu.Unlock()
	if w := max(g.pair.wait1(pair), g.network.wait1(net), g.account.wait1(account)); w > 0 {
		return w, false
	}
	p, _ := g.pair.Reserve(pair)
	n, _ := g.network.Reserve(net)
	a, _ := g.account.Reserve(account)
	return max(p, n, a), true
}

// wait1 is Limiter.blocked under the limiter's own lock.
func (l *Limiter) wait1(key string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.blocked(key)
}

// Succeed records a right password: the pair's failures are forgotten,
// and the attempt is no failure of the network or the account.
func (g *Guard) Succeed(account, ip string) {
	g.pair.Succeed(PairKey(account, ip))
	g.network.Cancel(Network(ip))
	g.account.Cancel(account)
}

// Cancel gives back an attempt that never ran (no password was checked).
func (g *Guard) Cancel(account, ip string) {
	g.pair.Cancel(PairKey(account, ip))
	g.network.Cancel(Network(ip))
	g.account.Cancel(account)
}

// PairKey is the key of an account and a client network together.
func PairKey(account, ip string) string { return Network(ip) + " " + account }

// Network is the client network an address belongs to, as throttling
// sees it. An IPv4 address is its own network: one address is one host or
// one NAT, and a wider block (a /24) would lump the owner together with
// whoever else rents addresses from the same provider, letting a
// stranger lock them out. IPv6 is counted per /64, the smallest block
// handed to one site, inside which any host may pick addresses freely.
// Anything unparsable is its own key.
func Network(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	a = a.Unmap()
	if a.Is4() {
		return a.String()
	}
	p, err := a.Prefix(64)
	if err != nil {
		return ip
	}
	return p.String()
}
