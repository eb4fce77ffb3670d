package handlers

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tokenadmin/tokenadmin/apitoken"
	"github.com/tokenadmin/tokenadmin/db"
	"github.com/tokenadmin/tokenadmin/db/dbtest"
)

// hammer sends GET url with one key from n goroutines until stopped, and
// checks every answer against the phase that was current when the request
// was sent; it counts the answers of each phase.
type hammer struct {
	phase    atomic.Int32
	answered [8]atomic.Int64
	mu       sync.Mutex
	errs     []string
}

func (h *hammer) fail(format string, args ...any) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.errs) < 10 {
		h.errs = append(h.errs, fmt.Sprintf(format, args...))
	}
}

func (h *hammer) run(url, key string, n int, check func(phase int32, status int, body string) bool) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: n}}
	for range n {
		wg.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				phase := h.phase.Load()
				req, _ := http.NewRequest("GET", url, nil)
				req.Header.Set("Authorization", "Bearer "+key)
				res, err := client.Do(req)
				if err != nil {
					h.fail("phase %d: %v", phase, err)
					continue
				}
				body, _ := io.ReadAll(res.Body)
				res.Body.Close()
				// A request sent in one phase may be answered in the
				// next: only an answer the phase it started in forbids
				// and the one after it forbids too is wrong.
				if !check(phase, res.StatusCode, string(body)) && !check(phase+1, res.StatusCode, string(body)) {
					h.fail("phase %d: %d %s", phase, res.StatusCode, body)
				}
				h.answered[phase].Add(1)
			}
		})
	}
	return func() { close(done); wg.Wait() }
}

// TestLifecycleUnderParallelUse: 60 clients use a key without pause while
// it is rotated with a grace, the grace is ended, and the new key is
// paused and resumed. Every answer is the one the token's state asks for
// at the moment the request was sent (or the next state's), none is a 5xx,
// and each change applies to the requests sent after it returns.
func TestLifecycleUnderParallelUse(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		app := newTestAppWithStore(t, d)
		tok, oldKey := app.mintToken("busy", "read-only", "30")
		url := app.srv.URL + "/api/articles"
		ok := func(status int, body string) bool {
			return status == http.StatusOK && strings.HasPrefix(body, `{"data":[`)
		}
		refused := func(status int, body, msg string) bool {
			return status == http.StatusUnauthorized && strings.Contains(body, `"message":"`+msg+`"`)
		}
		const (
			before = iota
			inGrace
			graceEnded
		)
		var old hammer
		stopOld := old.run(url, oldKey, 30, func(phase int32, status int, body string) bool {
			switch phase {
			case before, inGrace:
				return ok(status, body)
			default:
				return refused(status, body, "Token expired")
			}
		})
		// waitAnswers lets each phase see 200 answers (the clients run
		// meanwhile), within a bound so that a stalled server fails.
		waitAnswers := func(h *hammer, phase int32) {
			t.Helper()
			deadline := time.Now().Add(30 * time.Second)
			for h.answered[phase].Load() < 200 {
				if time.Now().After(deadline) {
					t.Fatalf("phase %d: %d answers in 30 s", phase, h.answered[phase].Load())
				}
				time.Sleep(time.Millisecond)
			}
		}
		waitAnswers(&old, before)

		_, newKey, err := app.tokens.Rotate(context.Background(), testActor, tok.ID, apitoken.Grace1h)
		if err != nil {
			t.Fatal(err)
		}
		old.phase.Store(inGrace)
		const (
			working = iota
			paused
			resumed
		)
		var cur hammer
		stopNew := cur.run(url, newKey, 30, func(phase int32, status int, body string) bool {
			switch phase {
			case working, resumed:
				return ok(status, body)
			default:
				return refused(status, body, "Token disabled")
			}
		})
		waitAnswers(&old, inGrace)
		waitAnswers(&cur, working)

		if _, err := app.tokens.EndGrace(context.Background(), testActor, tok.ID); err != nil {
			t.Fatal(err)
		}
		old.phase.Store(graceEnded)
		waitAnswers(&old, graceEnded)
		stopOld()

		if _, err := app.tokens.Pause(context.Background(), testActor, tok.ID); err != nil {
			t.Fatal(err)
		}
		cur.phase.Store(paused)
		waitAnswers(&cur, paused)
		if _, err := app.tokens.Resume(context.Background(), testActor, tok.ID); err != nil {
			t.Fatal(err)
		}
		cur.phase.Store(resumed)
		waitAnswers(&cur, resumed)
		stopNew()

		for _, h := range []*hammer{&old, &cur} {
			for _, e := range h.errs {
				t.Error(e)
			}
		}
		t.Logf("old key: %d before, %d in grace, %d after; new key: %d working, %d paused, %d resumed",
			old.answered[before].Load(), old.answered[inGrace].Load(), old.answered[graceEnded].Load(),
			cur.answered[working].Load(), cur.answered[paused].Load(), cur.answered[resumed].Load())
	})
}
