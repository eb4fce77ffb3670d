package handlers

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tokenadmin/tokenadmin/apitoken"
	"github.com/tokenadmin/tokenadmin/content"
	"github.com/tokenadmin/tokenadmin/db"
	"github.com/tokenadmin/tokenadmin/db/dbtest"
)

// stuckEntries is an entry store whose finds run until their context
// ends, as a query too heavy to finish would; it reports the context's
// error. failsafe ends a find that nothing stops, so that a missing
// deadline fails the test instead of hanging it.
type stuckEntries struct {
	EntryStore
	entered chan struct{}
	ended   chan error
}

const failsafe = 20 * time.Second

func newStuckEntries(store EntryStore) *stuckEntries {
	return &stuckEntries{EntryStore: store, entered: make(chan struct{}, 10), ended: make(chan error, 10)}
}

func (s *stuckEntries) FindEntries(ctx context.Context, ct content.ContentType, q content.Query) ([]content.Entry, int, error) {
	s.entered <- struct{}{}
	select {
	case <-ctx.Done():
		s.ended <- ctx.Err()
		return nil, 0, ctx.Err()
	case <-time.After(failsafe):
		s.ended <- errors.New("never stopped")
		return nil, 0, nil
	}
}

// stuckTokens is a store whose token list runs until its context ends.
type stuckTokens struct {
	Store
	ended chan error
}

func (s *stuckTokens) TokenPage(ctx context.Context, q apitoken.ListQuery) (apitoken.Page, error) {
	select {
	case <-ctx.Done():
		s.ended <- ctx.Err()
		return apitoken.Page{}, ctx.Err()
	case <-time.After(failsafe):
		s.ended <- errors.New("never stopped")
		return apitoken.Page{}, nil
	}
}

func TestRequestDeadlineStopsTheWork(t *testing.T) {
	store := dbtest.SQLite(t)
	stuck := newStuckEntries(store)
	tokens := &stuckTokens{Store: store, ended: make(chan error, 10)}
	app := newTestAppWith(t, store, func(o *Options) {
		o.Entries = stuck
		o.Store = tokens
		o.RequestTimeout = 100 * time.Millisecond
	})
	key := app.mintKey("ro", "read-only", "unlimited")

	res := app.api("GET", "/api/articles", "Bearer "+key, "")
	if res.status != http.StatusServiceUnavailable || res.errorField("name") != "ServiceUnavailableError" ||
		!strings.Contains(res.errorField("message").(string), "longer than 100ms") {
		t.Errorf("REST: %d %s, want 503 naming the budget", res.status, res.raw)
	}
	if err := <-stuck.ended; !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("REST: the store's work ended with %v, want the deadline", err)
	}

	res = app.gql(key, `{ articles { title } }`, nil)
	if res.status != http.StatusServiceUnavailable || res.errorField("name") != "ServiceUnavailableError" {
		t.Errorf("GraphQL: %d %s, want 503", res.status, res.raw)
	}
	if err := <-stuck.ended; !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("GraphQL: the store's work ended with %v, want the deadline", err)
	}

	// The admin pages have the same budget. The sign-in itself (a
	// password hash, slow under the race detector on a loaded machine)
	// happens on a twin instance with room to spare; the session is good
	// on both, as it is across instances in production.
	app.seedAdmin("ada@example.com", "super-admin")
	roomy := newTestAppWith(t, store, func(o *Options) { o.RequestTimeout = time.Minute })
	c := app.newClient()
	c.hc.Jar = roomy.login("ada@example.com").hc.Jar
	page := c.get("/admin/settings/api-tokens")
	wantStatus(t, page, http.StatusServiceUnavailable)
	if err := <-tokens.ended; !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("admin: the store's work ended with %v, want the deadline", err)
	}
	if logs := app.logs.String(); !strings.Contains(logs, "status=503") {
		t.Errorf("a request stopped by its deadline is logged: %s", logs)
	}
}

func TestWorkStopsWhenTheClientGoesAway(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		stuck := newStuckEntries(d)
		app := newTestAppWith(t, d, func(o *Options) { o.Entries = stuck; o.RequestTimeout = time.Minute })
		key := app.mintKey("ro", "read-only", "unlimited")
		for _, call := range []struct{ method, path, body string }{
			{"GET", "/api/articles", ""},
			{"POST", "/graphql", `{"query":"{ articles { title } }"}`},
		} {
			ctx, cancel := context.WithCancel(context.Background())
			req, _ := http.NewRequestWithContext(ctx, call.method, app.srv.URL+call.path, strings.NewReader(call.body))
			req.Header.Set("Authorization", "Bearer "+key)
			done := make(chan error, 1)
			go func() {
				res, err := http.DefaultClient.Do(req)
				if err == nil {
					res.Body.Close()
				}
				done <- err
			}()
			<-stuck.entered
			cancel()
			if err := <-stuck.ended; !errors.Is(err, context.Canceled) {
				t.Errorf("%s %s: the store's work ended with %v, want it cancelled with the request", call.method, call.path, err)
			}
			if err := <-done; err == nil {
				t.Errorf("%s %s: the cancelled request got an answer", call.method, call.path)
			}
		}
		// Nobody was there to answer: not a failure of ours.
		if logs := app.logs.String(); strings.Contains(logs, "level=ERROR") {
			t.Errorf("a client going away is logged as an error: %s", logs)
		}
	})
}

func TestRequestWithinItsBudgetIsUntouched(t *testing.T) {
	app := newTestAppWith(t, dbtest.SQLite(t), func(o *Options) { o.RequestTimeout = time.Minute })
	key := app.mintKey("full", "full-access", "unlimited")
	app.createArticle(key, "one")
	if res := app.api("GET", "/api/articles", "Bearer "+key, ""); res.status != http.StatusOK {
		t.Fatalf("%d %s", res.status, res.raw)
	}
	// A handler's own error is not taken for a timeout once the request's
	// context has ended normally.
	if res := app.api("GET", "/api/articles?sort=nope", "Bearer "+key, ""); res.status != http.StatusBadRequest {
		t.Errorf("%d %s", res.status, res.raw)
	}
}
