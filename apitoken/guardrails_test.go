package apitoken

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tokenadmin/tokenadmin/ratelimit"
	"github.com/tokenadmin/tokenadmin/validate"
)

func TestParseAllowList(t *testing.T) {
	list, bad := ParseAllowList([]string{
		" 203.0.113.7/24 ", "", "2001:DB8::1/32", "198.51.100.9", "::ffff:192.0.2.1", "::ffff:192.0.2.0/120",
		"203.0.113.0/24", // duplicate after masking
		"fe80::1%eth0", "10.0.0.0/33", "not an ip", "1.2.3.4/", "::/129", "1.2.3", "1.2.3.4/-1",
	})
	want := []string{"203.0.113.0/24", "2001:db8::/32", "198.51.100.9/32", "192.0.2.1/32", "192.0.2.0/24"}
	if !slices.Equal(list.Strings(), want) {
		t.Errorf("parsed: got %v, want %v", list.Strings(), want)
	}
	if wantBad := []string{"fe80::1%eth0", "10.0.0.0/33", "not an ip", "1.2.3.4/", "::/129", "1.2.3", "1.2.3.4/-1"}; !slices.Equal(bad, wantBad) {
		t.Errorf("bad: got %q, want %q", bad, wantBad)
	}
	if got := list.Text(); got != strings.Join(want, "\n") {
		t.Errorf("Text: %q", got)
	}
}

func TestAllowListAllows(t *testing.T) {
	list, _ := ParseAllowList([]string{"203.0.113.0/24", "2001:db8::/32", "198.51.100.9", "0.0.0.0/0"[:0]})
	cases := map[string]bool{
		"203.0.113.0":           true,
		"203.0.113.255":         true,
		"203.0.114.0":           false,
		"198.51.100.9":          true,
		"198.51.100.10":         false,
		"::ffff:203.0.113.5":    true, // IPv4 through a dual-stack socket
		"2001:db8:ffff::1":      true,
		"2001:db9::1":           false,
		"::1":                   false,
		"127.0.0.1":             false,
		"::ffff:198.51.100.10":  false,
		"2002:cb00:7100::1":     false, // 6to4 of 203.0.113.0 is another address
		"fe80::1":               false,
		"64:ff9b::203.0.113.10": false, // NAT64: not the IPv4 address
	}
	for s, want := range cases {
		if got := list.Allows(netip.MustParseAddr(s)); got != want {
			t.Errorf("Allows(%s): got %v, want %v", s, got, want)
		}
	}
	if list.Allows(netip.Addr{}) {
		t.Error("an unknown client address passed a list")
	}
	if !(AllowList{}).Allows(netip.Addr{}) || !(AllowList(nil)).Allows(netip.MustParseAddr("192.0.2.1")) {
		t.Error("an empty list must allow everyone")
	}
	all, _ := ParseAllowList([]string{"0.0.0.0/0", "::/0"})
	if !all.Allows(netip.MustParseAddr("192.0.2.1")) || !all.Allows(netip.MustParseAddr("2001:db8::1")) {
		t.Error("0.0.0.0/0 and ::/0 must allow everyone")
	}
}

func TestValidateGuardrails(t *testing.T) {
	known := func(string) bool { return true }
	base := Input{Name: "n", Type: string(ReadOnly), Duration: string(Days7)}
	in := base
	in.GuardInput = GuardInput{AllowedIPs: []string{"10.0.0.0/8", "::1"}, RateLimit: "5/s", Quota: "100", QuotaRefill: "monthly"}
	c, errs := Validate(in, known, true)
	if !errs.Valid() {
		t.Fatalf("valid guardrails: %v", errs)
	}
	if len(c.AllowedIPs) != 2 || *c.RateLimit != (ratelimit.Rate{N: 5, Window: time.Second}) || *c.Quota != (Quota{100, RefillMonthly}) {
		t.Errorf("clean: %+v", c.Guardrails)
	}
	if got := c.Guardrails.Input(); !slices.Equal(got.AllowedIPs, []string{"10.0.0.0/8", "::1/128"}) || got.RateLimit != "5/s" || got.Quota != "100" || got.QuotaRefill != "monthly" {
		t.Errorf("Input: %+v", got)
	}
	// The form's select says "never"; the store and the CLI write "".
	in.GuardInput = GuardInput{Quota: "7", QuotaRefill: "never"}
	if c, errs := Validate(in, known, true); !errs.Valid() || *c.Quota != (Quota{7, RefillNever}) {
		t.Errorf("refill never: %+v %v", c.Quota, errs)
	}
	many := make([]string, 101)
	for i := range many {
		many[i] = netip.AddrFrom4([4]byte{10, 0, byte(i / 256), byte(i)}).String()
	}
	bad := []struct {
		g     GuardInput
		field string
	}{
		{GuardInput{AllowedIPs: []string{"10.0.0.0/8", "10.0.0.300"}}, "allowed_ips"},
		{GuardInput{AllowedIPs: []string{"\xff\xfe"}}, "allowed_ips"},
		{GuardInput{AllowedIPs: many}, "allowed_ips"},
		{GuardInput{RateLimit: "5"}, "rate_limit"},
		{GuardInput{RateLimit: "5/h"}, "rate_limit"},
		{GuardInput{Quota: "0"}, "quota"},
		{GuardInput{Quota: "-5"}, "quota"},
		{GuardInput{Quota: "1e6"}, "quota"},
		{GuardInput{Quota: "1000000000001"}, "quota"},
		{GuardInput{Quota: "99999999999999999999999"}, "quota"},
		{GuardInput{Quota: "10", QuotaRefill: "weekly"}, "quota_refill"},
		{GuardInput{QuotaRefill: "daily"}, "quota"},
	}
	for _, b := range bad {
		in := base
		in.GuardInput = b.g
		_, errs := Validate(in, known, true)
		if _, ok := errs[b.field]; !ok || len(errs) != 1 {
			t.Errorf("%+v: errors %v, want one on %s", b.g, errs, b.field)
		}
		if !utf8Valid(errs) {
			t.Errorf("%+v: message not valid UTF-8: %q", b.g, errs)
		}
	}
}

func utf8Valid(errs validate.Errors) bool {
	for _, m := range errs {
		if strings.ToValidUTF8(m, "?") != m {
			return false
		}
	}
	return true
}

func TestRefillPeriods(t *testing.T) {
	at := time.Date(2026, 1, 31, 23, 59, 59, 0, time.FixedZone("x", -3*3600)) // Feb 1 02:59 UTC
	if got, want := RefillDaily.Period(at), time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC).Unix(); got != want {
		t.Errorf("daily period: got %d, want %d", got, want)
	}
	if got, want := RefillMonthly.Period(at), time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC).Unix(); got != want {
		t.Errorf("monthly period: got %d, want %d", got, want)
	}
	if RefillNever.Period(at) != 0 || !RefillNever.NextRefill(at).IsZero() {
		t.Error("never: a period")
	}
	if got, want := RefillMonthly.NextRefill(time.Date(2026, 12, 15, 0, 0, 0, 0, time.UTC)), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("monthly next: got %v, want %v", got, want)
	}
	if got, want := RefillDaily.NextRefill(time.Date(2026, 2, 28, 13, 0, 0, 0, time.UTC)), time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("daily next: got %v, want %v", got, want)
	}
	use := QuotaUse{Used: 5, Period: RefillDaily.Period(at)}
	if use.UsedAt(RefillDaily, at) != 5 || use.UsedAt(RefillDaily, at.Add(24*time.Hour)) != 0 {
		t.Error("UsedAt: a new day must start from nothing")
	}
}

// fakeUsageStore is a UsageStore shared by several recorders, as one
// database is by several instances.
type fakeUsageStore struct {
	fakeToucher
	mu      sync.Mutex
	use     map[int64]QuotaUse
	counts  map[UsageKey]Counts
	reads   int
	fail    error
	batches int
	life    map[int64]Usage // the lifecycle news of every batch, merged
	last    UsageBatch
}

func newFakeUsageStore() *fakeUsageStore {
	return &fakeUsageStore{use: map[int64]QuotaUse{}, counts: map[UsageKey]Counts{}}
}

func (f *fakeUsageStore) RecordUsage(_ context.Context, b UsageBatch) (map[int64]QuotaUse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return nil, f.fail
	}
	f.batches++
	f.last = b
	for id, u := range b.Lifecycle {
		if f.life == nil {
			f.life = map[int64]Usage{}
		}
		cur := f.life[id]
		cur.OldKeyRequests += u.OldKeyRequests
		cur.Refused += u.Refused
		cur.Clients = append(cur.Clients, u.Clients...)
		f.life[id] = cur
	}
	for k, c := range b.Counts {
		cur := f.counts[k]
		cur.merge(c)
		f.counts[k] = cur
	}
	out := map[int64]QuotaUse{}
	for k, n := range b.QuotaSpent {
		u := f.use[k.Token]
		switch {
		case u.Period == k.Period:
			u.Used += n
		case u.Period < k.Period:
			u = QuotaUse{Used: n, Period: k.Period}
		}
		f.use[k.Token] = u
		out[k.Token] = u
	}
	return out, nil
}

func (f *fakeUsageStore) QuotaUse(_ context.Context, id int64) (QuotaUse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reads++
	return f.use[id], f.fail
}

func TestQuotaSpendAndRefill(t *testing.T) {
	store := newFakeUsageStore()
	now := time.Date(2026, 12, 7, 23, 0, 0, 0, time.UTC)
	u := NewUsageRecorder(store)
	u.now = func() time.Time { return now }
	tok := Token{ID: 1, Guardrails: Guardrails{Quota: &Quota{Limit: 3, Refill: RefillDaily}}}
	ctx := context.Background()
	for i, want := range []int64{2, 1, 0} {
		left, ok, err := u.Spend(ctx, tok, now)
		if err != nil || !ok || left != want {
			t.Fatalf("spend %d: %d %v %v, want %d left", i+1, left, ok, err, want)
		}
	}
	if _, ok, _ := u.Spend(ctx, tok, now); ok {
		t.Fatal("4th spend of 3 allowed")
	}
	if store.reads != 1 {
		t.Errorf("store reads: %d, want 1 (the first use only)", store.reads)
	}
	if err := u.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if store.use[1] != (QuotaUse{Used: 3, Period: RefillDaily.Period(now)}) {
		t.Errorf("flushed: %+v", store.use[1])
	}
	if _, ok, _ := u.Spend(ctx, tok, now); ok {
		t.Fatal("after the flush: allowed")
	}
	// Midnight refills.
	now = now.Add(time.Hour)
	if left, ok, _ := u.Spend(ctx, tok, now); !ok || left != 2 {
		t.Errorf("next day: %d %v, want 2 left", left, ok)
	}
	if left, _ := u.QuotaRemaining(ctx, tok, now); left != 2 {
		t.Errorf("QuotaRemaining: %d, want 2", left)
	}
}

// Two instances share one store: each knows the other's uses from its
// last batch on, so together they over-spend by at most one batch each.
func TestQuotaTwoInstancesOverspendBounded(t *testing.T) {
	store := newFakeUsageStore()
	ctx := context.Background()
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	a, b := NewUsageRecorder(store), NewUsageRecorder(store)
	tok := Token{ID: 9, Guardrails: Guardrails{Quota: &Quota{Limit: 100}}}
	accepted := 0
	spend := func(u *UsageRecorder, n int) {
		for range n {
			if _, ok, _ := u.Spend(ctx, tok, now); ok {
				accepted++
			}
		}
	}
	for round := 0; round < 10; round++ {
		spend(a, 30) // each "batch interval", 30 requests reach each instance
		spend(b, 30)
		if err := a.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		if err := b.Flush(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if accepted < 100 || accepted > 100+30 {
		t.Errorf("accepted %d of a quota of 100 across two instances with batches of 30, want 100..130", accepted)
	}
	if store.use[9].Used != int64(accepted) {
		t.Errorf("stored use %d, want %d (every accepted request counted)", store.use[9].Used, accepted)
	}
	for _, u := range []*UsageRecorder{a, b} {
		if _, ok, _ := u.Spend(ctx, tok, now); ok {
			t.Error("an instance still spends once both have flushed")
		}
	}
}

func TestUsageFlushFailureKeepsEverything(t *testing.T) {
	store := newFakeUsageStore()
	ctx := context.Background()
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	u := NewUsageRecorder(store)
	u.now = func() time.Time { return now }
	tok := Token{ID: 4, Guardrails: Guardrails{Quota: &Quota{Limit: 2}}}
	u.Count(4, now, OutcomeOK)
	u.Count(4, now, OutcomeLimited)
	u.Spend(ctx, tok, now)
	store.fail = errors.New("down")
	if err := u.Flush(ctx); err == nil {
		t.Fatal("flush into a failing store: no error")
	}
	// What failed to be written is still counted against the quota.
	if _, ok, _ := u.Spend(ctx, tok, now); !ok {
		t.Fatal("second spend of 2 refused")
	}
	if _, ok, _ := u.Spend(ctx, tok, now); ok {
		t.Fatal("third spend of 2 allowed after a failed flush")
	}
	store.fail = nil
	if err := u.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if got := store.counts[UsageKey{4, Day(now)}]; got != (Counts{OK: 1, Limited: 1}) {
		t.Errorf("counts: %+v", got)
	}
	if store.use[4].Used != 2 {
		t.Errorf("quota used: %d, want 2", store.use[4].Used)
	}
}

// Idle tokens are forgotten at a flush; memory holds only tokens in use.
func TestQuotaStateBounded(t *testing.T) {
	store := newFakeUsageStore()
	ctx := context.Background()
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	u := NewUsageRecorder(store)
	u.maxQuota = 100
	for id := int64(1); id <= 1000; id++ {
		u.Spend(ctx, Token{ID: id, Guardrails: Guardrails{Quota: &Quota{Limit: 5}}}, now)
	}
	if len(u.quota) > 100 {
		t.Errorf("states: %d, want at most 100", len(u.quota))
	}
	u.Flush(ctx)
	u.Flush(ctx)
	u.Count(1, now, OutcomeOK) // something to flush
	u.Flush(ctx)
	if len(u.quota) != 0 {
		t.Errorf("states after idle flushes: %d, want 0", len(u.quota))
	}
	// Beyond the bound, a token is still counted right (read each time).
	tok := Token{ID: 5000, Guardrails: Guardrails{Quota: &Quota{Limit: 1}}}
	u.maxQuota = 0
	u.Spend(ctx, tok, now)
	if _, ok, _ := u.Spend(ctx, tok, now); ok {
		t.Error("past the bound: second spend of 1 allowed")
	}
}

func TestOutcomeOf(t *testing.T) {
	for status, want := range map[int]Outcome{200: OutcomeOK, 201: OutcomeOK, 204: OutcomeOK, 304: OutcomeOK,
		400: OutcomeOther, 401: OutcomeRefused, 403: OutcomeRefused, 404: OutcomeOther, 429: OutcomeLimited, 500: OutcomeOther, 503: OutcomeOther} {
		if got := OutcomeOf(status); got != want {
			t.Errorf("OutcomeOf(%d): got %d, want %d", status, got, want)
		}
	}
	if Day(time.Unix(0, 0)) != 0 || Day(time.Unix(86399, 0)) != 0 || Day(time.Unix(86400, 0)) != 1 || Day(time.Unix(-1, 0)) != -1 {
		t.Error("Day")
	}
	if !DayTime(Day(time.Date(2026, 12, 7, 5, 0, 0, 0, time.UTC))).Equal(time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)) {
		t.Error("DayTime")
	}
}

func TestGuardAdmit(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	g := NewGuard(ratelimit.New(0, clock), NewUsageRecorder(newFakeUsageStore()), clock)
	list, _ := ParseAllowList([]string{"192.0.2.0/24"})
	tok := Token{ID: 1, Guardrails: Guardrails{
		AllowedIPs: list, RateLimit: &ratelimit.Rate{N: 2, Window: time.Second},
		Quota: &Quota{Limit: 3, Refill: RefillDaily},
	}}
	ctx := context.Background()
	in, out := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("198.51.100.1")
	v, _ := g.Admit(ctx, tok, out)
	if !errors.Is(v.Err, ErrAddressRefused) || v.Rate == nil || v.Rate.Remaining != 2 {
		t.Fatalf("outside: %+v, want refused with the rate untouched (2 left)", v)
	}
	for i := 0; i < 2; i++ {
		if v, _ = g.Admit(ctx, tok, in); v.Err != nil || *v.QuotaRemaining != int64(2-i) {
			t.Fatalf("request %d: %+v", i+1, v)
		}
	}
	v, _ = g.Admit(ctx, tok, in)
	if !errors.Is(v.Err, ErrRateLimited) || v.RetryAfter <= 0 || v.QuotaRemaining != nil {
		t.Fatalf("3rd in a second: %+v, want rate limited before the quota is touched", v)
	}
	now = now.Add(time.Second)
	if v, _ = g.Admit(ctx, tok, in); v.Err != nil || *v.QuotaRemaining != 0 {
		t.Fatalf("next second: %+v", v)
	}
	now = now.Add(time.Second)
	v, _ = g.Admit(ctx, tok, in)
	if !errors.Is(v.Err, ErrQuotaExhausted) || v.RetryAfter != 12*time.Hour-2*time.Second {
		t.Fatalf("quota spent: %+v, want exhausted until midnight", v)
	}
	if r := g.Peek(tok); r == nil || r.Remaining != 1 {
		t.Errorf("Peek: %+v", r)
	}
	if g.Peek(Token{ID: 2}) != nil {
		t.Error("Peek of a key without a rate: not nil")
	}
	plain, _ := g.Admit(ctx, Token{ID: 3}, netip.Addr{})
	if plain.Err != nil || plain.Rate != nil || plain.QuotaRemaining != nil {
		t.Errorf("plain key: %+v", plain)
	}
}

// BenchmarkGuardAdmit is what a key's guardrails add to a request: an
// allow-list of four networks, a rate limit it never reaches and a quota
// it cannot spend (in memory after the first use), against a plain key.
func BenchmarkGuardAdmit(b *testing.B) {
	g := NewGuard(nil, NewUsageRecorder(newFakeUsageStore()), nil)
	list, _ := ParseAllowList([]string{"10.0.0.0/8", "192.168.0.0/16", "2001:db8::/32", "127.0.0.1"})
	guarded := Token{ID: 1, Guardrails: Guardrails{AllowedIPs: list,
		RateLimit: &ratelimit.Rate{N: 1_000_000, Window: time.Second}, Quota: &Quota{Limit: MaxQuota, Refill: RefillMonthly}}}
	addr := netip.MustParseAddr("127.0.0.1")
	ctx := context.Background()
	for _, c := range []struct {
		name string
		tok  Token
	}{{"plain", Token{ID: 2}}, {"guarded", guarded}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if v, _ := g.Admit(ctx, c.tok, addr); v.Err != nil {
					b.Fatal(v.Err)
				}
				g.Count(c.tok.ID, OutcomeOK)
			}
		})
	}
}

func TestGuardrailsLoosen(t *testing.T) {
	rate := func(s string) *ratelimit.Rate {
		r, err := ratelimit.ParseRate(s)
		if err != nil {
			t.Fatal(err)
		}
		return &r
	}
	list := func(s ...string) AllowList {
		l, bad := ParseAllowList(s)
		if len(bad) > 0 {
			t.Fatal(bad)
		}
		return l
	}
	strict := Guardrails{AllowedIPs: list("10.0.0.0/8", "2001:db8::/32"), RateLimit: rate("10/s"), Quota: &Quota{Limit: 1000, Refill: RefillMonthly}}
	same := strict.Input()
	for _, tc := range []struct {
		name   string
		before Guardrails
		in     func(GuardInput) GuardInput
		want   bool
	}{
		{"unchanged", strict, func(in GuardInput) GuardInput { return in }, false},
		{"narrower network", strict, func(in GuardInput) GuardInput { in.AllowedIPs = []string{"10.1.0.0/16"}; return in }, false},
		{"one address inside", strict, func(in GuardInput) GuardInput { in.AllowedIPs = []string{"10.2.3.4", "2001:db8::1"}; return in }, false},
		{"allow-list removed", strict, func(in GuardInput) GuardInput { in.AllowedIPs = nil; return in }, true},
		{"wider network", strict, func(in GuardInput) GuardInput { in.AllowedIPs = []string{"10.0.0.0/7"}; return in }, true},
		{"another network", strict, func(in GuardInput) GuardInput { in.AllowedIPs = append(in.AllowedIPs, "192.0.2.0/24"); return in }, true},
		{"IPv4-mapped stays IPv4", strict, func(in GuardInput) GuardInput { in.AllowedIPs = []string{"::ffff:10.0.0.1"}; return in }, false},
		{"slower rate", strict, func(in GuardInput) GuardInput { in.RateLimit = "500/m"; return in }, false},
		{"faster rate, other unit", strict, func(in GuardInput) GuardInput { in.RateLimit = "601/m"; return in }, true},
		{"rate removed", strict, func(in GuardInput) GuardInput { in.RateLimit = ""; return in }, true},
		{"smaller quota", strict, func(in GuardInput) GuardInput { in.Quota = "10"; return in }, false},
		{"larger quota", strict, func(in GuardInput) GuardInput { in.Quota = "1001"; return in }, true},
		{"refilled daily", strict, func(in GuardInput) GuardInput { in.QuotaRefill = "daily"; return in }, true},
		{"never refilled", strict, func(in GuardInput) GuardInput { in.QuotaRefill = ""; return in }, false},
		{"quota removed", strict, func(in GuardInput) GuardInput { in.Quota, in.QuotaRefill = "", ""; return in }, true},
		{"invalid input", strict, func(in GuardInput) GuardInput { in.RateLimit = "fast"; return in }, false},
		{"none before, some after", Guardrails{}, func(in GuardInput) GuardInput { return in }, false},
	} {
		if got := GuardrailsLoosen(tc.before, tc.in(same)); got != tc.want {
			t.Errorf("%s: loosen = %v, want %v", tc.name, got, tc.want)
		}
	}
}
