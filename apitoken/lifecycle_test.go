package apitoken

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/tokenadmin/tokenadmin/audit"
	"github.com/tokenadmin/tokenadmin/validate"
)

// fakeWriter is a store that takes whole usage batches.
type fakeWriter struct {
	fakeToucher
	mu      sync.Mutex
	batches []map[int64]Usage
	err     error
}

func (f *fakeWriter) WriteUsage(_ context.Context, b map[int64]Usage) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return f.err
	}
	f.batches = append(f.batches, b)
	return nil
}

// clock is a movable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// TestVerifyGraceEdges: an old key works one second before its grace
// ends and is refused as expired at the end and one second after; the
// refused attempts are noted (never written per request), the uses in the
// grace counted as the old key's.
func TestVerifyGraceEdges(t *testing.T) {
	h := NewHasher([]byte("0123456789abcdef0123456789abcdef"))
	end := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	cur, _ := Generate()
	old, _ := Generate()
	tok := Token{ID: 7, Type: ReadOnly, OldKey: &OldKey{Hint: Hint(old), GraceEndsAt: end}}
	viaOld := tok
	viaOld.ViaOldKey = true
	lookup := &fakeLookup{byHash: map[string]Token{h.Hash(cur): tok, h.Hash(old): viaOld}}
	w := &fakeWriter{}
	u := NewUsageRecorder(w)
	c := &clock{}
	v := NewVerifier(lookup, h, u, c.now)

	cases := []struct {
		at      time.Time
		key     string
		wantErr error
	}{
		{end.Add(-time.Second), old, nil},
		{end.Add(-time.Second), cur, nil},
		{end, old, ErrExpired},
		{end.Add(time.Second), old, ErrExpired},
		{end.Add(time.Second), cur, nil},
	}
	for _, tc := range cases {
		c.set(tc.at)
		_, err := v.VerifyFrom(context.Background(), tc.key, "203.0.113.9", "curl/8")
		if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
			t.Errorf("at end%+v, old=%v: got %v, want %v", tc.at.Sub(end), tc.key == old, err, tc.wantErr)
		}
	}
	if len(w.batches) != 0 {
		t.Fatalf("verification wrote %d batches; want none before a flush", len(w.batches))
	}
	if err := u.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := w.batches[0][7]
	if got.OldKeyRequests != 1 || !got.OldKeyLastUsed.Equal(end.Add(-time.Second)) {
		t.Errorf("old key use: got %d at %v, want 1 at end-1s", got.OldKeyRequests, got.OldKeyLastUsed)
	}
	if got.Refused != 2 || !got.RefusedAt.Equal(end.Add(time.Second)) || got.RefusedFrom.Address != "203.0.113.9" {
		t.Errorf("refused: got %d at %v from %q, want 2 at end+1s from 203.0.113.9", got.Refused, got.RefusedAt, got.RefusedFrom.Address)
	}
	if !got.LastUsed.Equal(end.Add(time.Second)) {
		t.Errorf("last used: got %v, want end+1s (the current key)", got.LastUsed)
	}
}

// TestVerifyExpiryAndPauseEdges: expiry one second before and after, and
// a paused token refused as disabled without its use being recorded.
func TestVerifyExpiryAndPauseEdges(t *testing.T) {
	h := NewHasher([]byte("0123456789abcdef0123456789abcdef"))
	exp := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	key, _ := Generate()
	paused, _ := Generate()
	lookup := &fakeLookup{byHash: map[string]Token{
		h.Hash(key):    {ID: 1, Type: ReadOnly, ExpiresAt: &exp},
		h.Hash(paused): {ID: 2, Type: ReadOnly, Paused: true},
	}}
	w := &fakeWriter{}
	u := NewUsageRecorder(w)
	c := &clock{}
	v := NewVerifier(lookup, h, u, c.now)
	c.set(exp.Add(-time.Second))
	if _, err := v.Verify(context.Background(), key); err != nil {
		t.Errorf("1 s before expiry: got %v, want nil", err)
	}
	c.set(exp.Add(time.Second))
	if _, err := v.Verify(context.Background(), key); !errors.Is(err, ErrExpired) {
		t.Errorf("1 s after expiry: got %v, want ErrExpired", err)
	}
	if _, err := v.Verify(context.Background(), paused); !errors.Is(err, ErrDisabled) {
		t.Errorf("paused: got %v, want ErrDisabled", err)
	}
	if err := u.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, ok := w.batches[0][2]; ok || len(w.batches[0]) != 1 {
		t.Errorf("batch: got %+v, want only token 1 (a paused key's attempt is not a use)", w.batches[0])
	}
}

// TestUsageClientsBounded: a burst from many clients keeps only the five
// most recently seen per token; a client seen again moves its times.
func TestUsageClientsBounded(t *testing.T) {
	w := &fakeWriter{}
	u := NewUsageRecorder(w)
	t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for i := range 1000 {
		u.Use(1, t0.Add(time.Duration(i)*time.Second), false, "198.51.100."+itoa(i%250), "agent")
	}
	u.Use(1, t0.Add(time.Hour), false, "198.51.100.249", "agent")
	if err := u.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	cl := w.batches[0][1].Clients
	if len(cl) != MaxClients {
		t.Fatalf("got %d clients, want %d", len(cl), MaxClients)
	}
	var latest Client
	for _, c := range cl {
		if c.LastSeen.After(latest.LastSeen) {
			latest = c
		}
	}
	if latest.Address != "198.51.100.249" || !latest.LastSeen.Equal(t0.Add(time.Hour)) || !latest.FirstSeen.Equal(t0.Add(999*time.Second)) {
		t.Errorf("latest client: got %+v, want 198.51.100.249 first 999 s, last 1 h", latest)
	}
}

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}

// TestUsageFailedFlushKeepsEverything: a failed write puts the batch
// back: counts add up, nothing is lost.
func TestUsageFailedFlushKeepsEverything(t *testing.T) {
	w := &fakeWriter{err: errors.New("down")}
	u := NewUsageRecorder(w)
	t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	u.Use(1, t0, true, "192.0.2.1", "a")
	u.Refuse(1, t0, "192.0.2.2", "b")
	if err := u.Flush(context.Background()); err == nil {
		t.Fatal("flush: want the store's error")
	}
	u.Use(1, t0.Add(time.Second), true, "192.0.2.1", "a")
	w.err = nil
	if err := u.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := w.batches[0][1]
	if got.OldKeyRequests != 2 || got.Refused != 1 || len(got.Clients) != 1 || !got.LastUsed.Equal(t0.Add(time.Second)) {
		t.Errorf("after retry: got %+v, want 2 old-key requests, 1 refused, 1 client, last use t0+1s", got)
	}
}

// TestUsageToucherOnly: a store that only touches still gets last-used
// times.
func TestUsageToucherOnly(t *testing.T) {
	touch := &fakeToucher{}
	u := NewUsageRecorder(touch)
	t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	u.Use(3, t0, false, "192.0.2.1", "a")
	u.Refuse(4, t0, "", "")
	if err := u.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(touch.batches) != 1 || len(touch.batches[0]) != 1 || !touch.batches[0][3].Equal(t0) {
		t.Errorf("got %+v, want token 3 at t0 only", touch.batches)
	}
}

func TestCleanUserAgent(t *testing.T) {
	long := strings.Repeat("é", 1000)
	for _, tc := range []struct{ in, want string }{
		{"curl/8.0", "curl/8.0"},
		{"bad\xffbyte", "bad\uFFFDbyte"},
		{"new\r\nline\x00", "newline"},
	} {
		if got := CleanUserAgent(tc.in); got != tc.want {
			t.Errorf("CleanUserAgent(%q): got %q, want %q", tc.in, got, tc.want)
		}
	}
	got := CleanUserAgent(long)
	if len(got) > maxUserAgent || !utf8.ValidString(got) || len(got) < maxUserAgent-1 {
		t.Errorf("CleanUserAgent(2000 bytes): got %d bytes (valid %v), want ≤ %d valid", len(got), utf8.ValidString(got), maxUserAgent)
	}
}

func TestParseGrace(t *testing.T) {
	for in, want := range map[string]time.Duration{"": 0, "0": 0, "1h": time.Hour, "24h": 24 * time.Hour, "7d": 7 * 24 * time.Hour} {
		g, err := ParseGrace(in)
		if err != nil || g.Duration() != want {
			t.Errorf("ParseGrace(%q): got %v, %v, want %v", in, g.Duration(), err, want)
		}
	}
	for _, bad := range []string{"2h", "8d", "-1h", "1h\x00", strings.Repeat("7", 10000)} {
		if _, err := ParseGrace(bad); err == nil {
			t.Errorf("ParseGrace(%.20q): got nil error, want one", bad)
		}
	}
}

func TestPolicy(t *testing.T) {
	thirty := Policy{MaxLifetime: 30 * 24 * time.Hour}
	noUnlimited := Policy{NoUnlimited: true}
	for _, tc := range []struct {
		p    Policy
		d    Duration
		want bool
	}{
		{Policy{}, Unlimited, true},
		{Policy{}, Days90, true},
		{thirty, Days30, true},
		{thirty, Days90, false},
		{thirty, Unlimited, false},
		{noUnlimited, Days90, true},
		{noUnlimited, Unlimited, false},
	} {
		if got := tc.p.Allows(tc.d); got != tc.want {
			t.Errorf("%+v.Allows(%s): got %v, want %v", tc.p, tc.d, got, tc.want)
		}
	}
	errs := validate.Errors{}
	thirty.check(Clean{Duration: Days90}, errs)
	if msg := errs["duration"]; !strings.Contains(msg, "at most 30 days") || !strings.Contains(msg, "7 days or 30 days") {
		t.Errorf("duration error: got %q, want it to name the maximum and the choices", msg)
	}
	errs = validate.Errors{}
	noUnlimited.check(Clean{Duration: Unlimited}, errs)
	if !strings.Contains(errs["duration"], "must expire") {
		t.Errorf("unlimited refused: got %q", errs["duration"])
	}
	errs = validate.Errors{}
	thirty.check(Clean{}, errs) // an edit that keeps the expiry
	if !errs.Valid() {
		t.Errorf("kept expiry: got %v, want no error", errs)
	}
}

func TestRefusedEvent(t *testing.T) {
	at := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	ev := RefusedEvent(9, "ci", Usage{Refused: 3, RefusedAt: at, RefusedFrom: Client{Address: "192.0.2.7", UserAgent: "bot"}})
	if ev.Action != audit.TokenOldKeyRefused || ev.TargetID != "9" || ev.IP != "192.0.2.7" || !ev.At.Equal(at) {
		t.Errorf("got %+v", ev)
	}
}

// BenchmarkVerifyFrom is BenchmarkVerify with the client address and
// agent noted for "last seen from where": a client seen before costs no
// allocation beyond Verify's.
func BenchmarkVerifyFrom(b *testing.B) {
	h := NewHasher([]byte("0123456789abcdef0123456789abcdef"))
	key, _ := Generate()
	v := NewVerifier(&fakeLookup{byHash: map[string]Token{h.Hash(key): {ID: 1, Type: ReadOnly}}}, h, NewUsageRecorder(&fakeWriter{}), nil)
	ctx := context.Background()
	for b.Loop() {
		if _, err := v.VerifyFrom(ctx, key, "203.0.113.7", "Mozilla/5.0 (X11; Linux x86_64) curl/8.5.0"); err != nil {
			b.Fatal(err)
		}
	}
}

// TestUsageJoinedBatch: the old key's use, refused attempts and clients
// of issue 12 go in the same batch (one RecordUsage, one transaction) as
// the counts and last use of issue 13; a failed flush keeps all of them
// for the next; the 100,000 bound holds for both.
func TestUsageJoinedBatch(t *testing.T) {
	st := newFakeUsageStore()
	u := NewUsageRecorder(st)
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	u.Use(1, t0, true, "192.0.2.1", "curl/8")
	u.Count(1, t0, OutcomeOK)
	u.Refuse(2, t0, "192.0.2.2", "old")
	u.Count(2, t0, OutcomeRefused)
	u.Use(3, t0, false, "", "")
	st.fail = errors.New("down")
	if err := u.Flush(t.Context()); err == nil {
		t.Fatal("flush with the store down: got nil")
	}
	st.fail = nil
	if err := u.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	if st.batches != 1 {
		t.Fatalf("batches: got %d, want 1", st.batches)
	}
	b := st.last
	if len(b.LastUsed) != 2 || !b.LastUsed[1].Equal(t0) || !b.LastUsed[3].Equal(t0) {
		t.Errorf("last used: got %v, want tokens 1 and 3 (2 was only refused)", b.LastUsed)
	}
	if len(b.Lifecycle) != 2 || b.Lifecycle[1].OldKeyRequests != 1 || len(b.Lifecycle[1].Clients) != 1 || b.Lifecycle[2].Refused != 1 {
		t.Errorf("lifecycle: got %+v, want token 1's old-key use and client, token 2's refusal", b.Lifecycle)
	}
	if _, ok := b.Lifecycle[3]; ok {
		t.Errorf("token 3 has nothing but a last use: got it in Lifecycle")
	}
	if c := st.counts[UsageKey{1, Day(t0)}]; c.OK != 1 {
		t.Errorf("counts in the same batch: got %+v", st.counts)
	}
	if u.Pending() != 0 {
		t.Errorf("pending after flush: %d", u.Pending())
	}

	small := NewBoundedUsageRecorder(newFakeUsageStore(), 2)
	small.Use(1, t0, true, "a", "")
	small.Refuse(2, t0, "b", "")
	small.Use(3, t0, true, "c", "")
	small.Refuse(4, t0, "d", "")
	if small.Pending() != 2 || small.Dropped() != 2 {
		t.Errorf("bounded at 2: got %d pending, %d dropped, want 2 and 2", small.Pending(), small.Dropped())
	}
}
