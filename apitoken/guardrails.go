package apitoken

import (
	"errors"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/tokenadmin/tokenadmin/ratelimit"
)

// Limits on the guardrails a token may carry.
const (
	// MaxAllowedIPs bounds an allow-list: it is scanned on every request.
	MaxAllowedIPs = 100
	// MaxQuota bounds a quota (a trillion requests is "unlimited").
	MaxQuota = 1_000_000_000_000
)

// AllowList is the networks a token may be used from; empty means
// anywhere.
type AllowList []netip.Prefix

// ParseAllowList reads CIDRs (or bare addresses, meaning that one
// address), one per entry. It returns the canonical networks (host bits
// cleared, IPv4-mapped IPv6 addresses as IPv4) and the entries that are
// not CIDRs, as they were given.
func ParseAllowList(entries []string) (AllowList, []string) {
	var out AllowList
	var bad []string
	for _, e := range entries {
		e = strings.TrimSpace(e)
		if e == "" {
			continue
		}
		p, err := parseCIDR(e)
		if err != nil {
			bad = append(bad, e)
			continue
		}
		if !containsPrefix(out, p) {
			out = append(out, p)
		}
	}
	return out, bad
}

func parseCIDR(s string) (netip.Prefix, error) {
	if strings.Contains(s, "%") {
		// A zone names an interface of one machine, not a network.
		return netip.Prefix{}, errors.New("zone")
	}
	if !strings.Contains(s, "/") {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return netip.Prefix{}, err
		}
		a = a.Unmap()
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	if p.Addr().Is4In6() && p.Bits() >= 96 {
		p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
	}
	return p.Masked(), nil
}

func containsPrefix(l AllowList, p netip.Prefix) bool {
	for _, q := range l {
		if q == p {
			return true
		}
	}
	return false
}

// Allows reports whether addr may use the token: any address when the
// list is empty, otherwise one inside a listed network. An IPv4 address
// seen as IPv4-mapped IPv6 (a dual-stack listener) is matched as IPv4.
// An invalid address (unknown client) is allowed only by an empty list.
func (l AllowList) Allows(addr netip.Addr) bool {
	if len(l) == 0 {
		return true
	}
	addr = addr.Unmap()
	for _, p := range l {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// Strings is the list as CIDRs, in the order given.
func (l AllowList) Strings() []string {
	out := make([]string, len(l))
	for i, p := range l {
		out[i] = p.String()
	}
	return out
}

// Text is the list one CIDR per line, as the form and the store hold it.
func (l AllowList) Text() string { return strings.Join(l.Strings(), "\n") }

// Refill is when a quota starts again.
type Refill string

// Refill schedules; "" never refills.
const (
	RefillNever   Refill = ""
	RefillDaily   Refill = "daily"
	RefillMonthly Refill = "monthly"
)

// Period is the start of the refill period holding at (UTC), in Unix
// seconds; 0 for a quota that never refills.
func (r Refill) Period(at time.Time) int64 {
	at = at.UTC()
	switch r {
	case RefillDaily:
		return time.Date(at.Year(), at.Month(), at.Day(), 0, 0, 0, 0, time.UTC).Unix()
	case RefillMonthly:
		return time.Date(at.Year(), at.Month(), 1, 0, 0, 0, 0, time.UTC).Unix()
	}
	return 0
}

// NextRefill is when the period holding at ends (zero time: never).
func (r Refill) NextRefill(at time.Time) time.Time {
	at = at.UTC()
	switch r {
	case RefillDaily:
		return time.Date(at.Year(), at.Month(), at.Day()+1, 0, 0, 0, 0, time.UTC)
	case RefillMonthly:
		return time.Date(at.Year(), at.Month()+1, 1, 0, 0, 0, 0, time.UTC)
	}
	return time.Time{}
}

// Quota is a number of requests a token may make, refilled or not.
type Quota struct {
	Limit  int64
	Refill Refill
}

// QuotaUse is how much of its quota a token has spent in a period, as
// last written to the store.
type QuotaUse struct {
	Used   int64
	Period int64 // Refill.Period of the period Used belongs to
}

// UsedAt is what q has spent in the period holding at: nothing once a
// newer period has begun.
func (q QuotaUse) UsedAt(r Refill, at time.Time) int64 {
	if q.Period != r.Period(at) {
		return 0
	}
	return q.Used
}

// Guardrails are the limits a token's key is held to on every request.
type Guardrails struct {
	AllowedIPs AllowList
	RateLimit  *ratelimit.Rate
	Quota      *Quota
}

// GuardInput is the guardrails as submitted by the form or the CLI.
type GuardInput struct {
	AllowedIPs  []string // one CIDR per entry
	RateLimit   string   // "N/s", "N/m" or ""
	Quota       string   // a number or ""
	QuotaRefill string   // "", "daily" or "monthly"
}

// Input turns guardrails back into what the form shows.
func (g Guardrails) Input() GuardInput {
	in := GuardInput{AllowedIPs: g.AllowedIPs.Strings()}
	if g.RateLimit != nil {
		in.RateLimit = g.RateLimit.String()
	}
	if g.Quota != nil {
		in.Quota = strconv.FormatInt(g.Quota.Limit, 10)
		in.QuotaRefill = string(g.Quota.Refill)
	}
	return in
}

// validateGuardrails checks in, reporting each problem against its form
// field.
func validateGuardrails(in GuardInput, errs interface{ Add(string, string) }) Guardrails {
	var g Guardrails
	list, bad := ParseAllowList(in.AllowedIPs)
	switch {
	case len(bad) > 0:
		shown := bad
		if len(shown) > 3 {
			shown = shown[:3]
		}
		for i, b := range shown {
			if len(b) > 50 {
				shown[i] = b[:50] + "…"
			}
		}
		errs.Add("allowed_ips", "Not an IP address or CIDR range: "+strings.ToValidUTF8(strings.Join(shown, ", "), "?")+". Write one per line, like 203.0.113.0/24 or 2001:db8::/32.")
	case len(list) > MaxAllowedIPs:
		errs.Add("allowed_ips", "At most 100 addresses or ranges.")
	}
	g.AllowedIPs = list
	if s := strings.TrimSpace(in.RateLimit); s != "" {
		r, err := ratelimit.ParseRate(s)
		if err != nil {
			errs.Add("rate_limit", "Write the rate as N/s or N/m (requests per second or minute), N from 1 to 1,000,000, or leave it empty.")
		} else {
			g.RateLimit = &r
		}
	}
	refill := Refill(strings.TrimSpace(in.QuotaRefill))
	if refill == "never" {
		// The CLI's word (--refill never); the form and the store write "".
		refill = RefillNever
	}
	if refill != RefillNever && refill != RefillDaily && refill != RefillMonthly {
		errs.Add("quota_refill", "Choose never, daily or monthly.")
	}
	if s := strings.TrimSpace(in.Quota); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 1 || n > MaxQuota || strings.Trim(s, "0123456789") != "" {
			errs.Add("quota", "Write the quota as a whole number of requests from 1 to 1,000,000,000,000, or leave it empty.")
		} else {
			g.Quota = &Quota{Limit: n, Refill: refill}
		}
	} else if refill != RefillNever {
		errs.Add("quota", "A refill needs a quota.")
	}
	return g
}

// GuardrailsLoosen reports whether in, once saved, would let a leaked key
// do more than before allows: an allow-list widened or removed, a rate
// limit raised or removed, a quota raised, removed or refilled more often.
// Such a change asks for the admin's password again, like one that lets a
// key write. Input that does not validate loosens nothing: it is refused.
func GuardrailsLoosen(before Guardrails, in GuardInput) bool {
	var errs guardErrs
	after := validateGuardrails(in, &errs)
	if errs > 0 {
		return false
	}
	if len(before.AllowedIPs) > 0 {
		if len(after.AllowedIPs) == 0 {
			return true
		}
		for _, p := range after.AllowedIPs {
			if !coveredBy(before.AllowedIPs, p) {
				return true
			}
		}
	}
	if b := before.RateLimit; b != nil {
		// a.N per a.Window against b.N per b.Window, without division.
		if a := after.RateLimit; a == nil || a.N*int64(b.Window) > b.N*int64(a.Window) {
			return true
		}
	}
	if b := before.Quota; b != nil {
		if a := after.Quota; a == nil || a.Limit > b.Limit || refillsPerYear(a.Refill) > refillsPerYear(b.Refill) {
			return true
		}
	}
	return false
}

// coveredBy reports whether every address of p is in a network of l.
func coveredBy(l AllowList, p netip.Prefix) bool {
	for _, q := range l {
		if q.Addr().Is4() == p.Addr().Is4() && q.Bits() <= p.Bits() && q.Contains(p.Addr()) {
			return true
		}
	}
	return false
}

// guardErrs counts validation problems, for a check that only needs to
// know whether there were any.
type guardErrs int

func (e *guardErrs) Add(string, string) { *e++ }

// refillsPerYear orders refills by how much budget they give back.
func refillsPerYear(r Refill) int {
	switch r {
	case RefillDaily:
		return 365
	case RefillMonthly:
		return 12
	}
	return 0
}
