package throttle

import (
	"testing"
	"time"
)

func TestLimiterGrowsAndForgets(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	l := New(Policy{Free: 3, Base: time.Second, Max: 8 * time.Second, Forget: time.Hour}, func() time.Time { return now })
	for i := range 3 {
		if w := l.Fail("a"); w != 0 {
			t.Fatalf("failure %d costs %v, want free", i+1, w)
		}
	}
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 8 * time.Second}
	for i, w := range want {
		if got := l.Fail("a"); got != w {
			t.Errorf("failure %d: wait %v, want %v", i+4, got, w)
		}
	}
	if got := l.Wait("a"); got != 8*time.Second {
		t.Errorf("Wait = %v", got)
	}
	if l.Wait("b") != 0 {
		t.Error("another key is blocked")
	}
	now = now.Add(9 * time.Second)
	if l.Wait("a") != 0 {
		t.Error("still blocked after the wait")
	}
	now = now.Add(2 * time.Hour)
	if l.Failures("a") != 0 {
		t.Error("failures not forgotten after an hour")
	}
	l.Fail("c")
	l.Succeed("c")
	if l.Failures("c") != 0 {
		t.Error("success did not reset")
	}
}
