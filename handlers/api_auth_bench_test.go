package handlers

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/tokenadmin/tokenadmin/apitoken"
	"github.com/tokenadmin/tokenadmin/content"
	"github.com/tokenadmin/tokenadmin/db/dbtest"
)

// BenchmarkAPIAuth is what authentication costs on the content API's
// findOne: the whole Echo stack (request id, logging, recovery, security
// headers, deadline, the route's middleware and handler) on SQLite, once
// with the bearer check bypassed and once with a real read-only key
// through the production verifier (keyed hash, cache, last-use recorder).
// The two run side by side in one process, so the difference in ns/op and
// allocs/op is authentication's; make bench measures the same over HTTP.
// Parallel variants show contention between requests (locks on the
// verification path).
func BenchmarkAPIAuth(b *testing.B) {
	withKey, bypassed, path, readOnly := newAuthBench(b)
	get := func(b *testing.B, h http.Handler, authorization string) {
		req := httptest.NewRequest("GET", path, nil)
		if authorization != "" {
			req.Header.Set("Authorization", authorization)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("GET %s: %d %s", path, w.Code, w.Body)
		}
	}
	cases := []struct {
		name          string
		h             http.Handler
		authorization string
	}{
		// The same header both ways: the bypassed route ignores it, so
		// the difference is verification, not the client's header.
		{"bypass", bypassed, "Bearer " + readOnly},
		{"key", withKey, "Bearer " + readOnly},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				get(b, c.h, c.authorization)
			}
		})
	}
	for _, c := range cases {
		b.Run(c.name+"-parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.SetParallelism(16)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					get(b, c.h, c.authorization)
				}
			})
		})
	}
}

// newAuthBench returns two servers on one SQLite database, one
// authenticating as in production and one with authentication bypassed,
// the path of an article, and a read-only key.
func newAuthBench(tb testing.TB) (withKey, bypassed *echo.Echo, path, readOnly string) {
	tb.Helper()
	store := dbtest.SQLite(tb)
	registry := content.Default()
	if err := store.SyncContentTypes(context.Background(), registry.Types()); err != nil {
		tb.Fatal(err)
	}
	hasher := apitoken.NewHasher([]byte("token-hash-key-token-hash-key-32"))
	tokens := apitoken.NewService(store, hasher, registry.KnownAction, time.Now)
	cache, err := apitoken.NewCachedLookup(store, 1000)
	if err != nil {
		tb.Fatal(err)
	}
	tokens.Revoked = cache.Invalidate
	usage := apitoken.NewUsageRecorder(store)
	newServer := func(bypass bool) *echo.Echo {
		return NewServer(Options{
			Store:          store,
			Tokens:         tokens,
			Registry:       registry,
			Verifier:       apitoken.NewVerifier(cache, hasher, usage, time.Now),
			Entries:        store,
			Logger:         slog.New(slog.NewTextHandler(io.Discard, nil)),
			SessionAuthKey: []byte("0123456789abcdef0123456789abcdef"),
			SessionEncKey:  []byte("fedcba9876543210fedcba9876543210"),
			benchBypass:    bypass,
		})
	}
	mint := func(typ string) string {
		_, key, errs, err := tokens.Create(context.Background(), testActor, apitoken.Input{Name: typ, Type: typ, Duration: "unlimited"})
		if err != nil || !errs.Valid() {
			tb.Fatalf("mint %s: %v %v", typ, err, errs)
		}
		return key
	}
	full := mint("full-access")
	readOnly = mint("read-only")
	withKey, bypassed = newServer(false), newServer(true)

	req := httptest.NewRequest("POST", "/api/articles", strings.NewReader(`{"data":{"title":"Hello","slug":"hello","body":"Some text."}}`))
	req.Header.Set("Authorization", "Bearer "+full)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	withKey.ServeHTTP(rec, req)
	var created struct {
		Data struct {
			DocumentID string `json:"documentId"`
		} `json:"data"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &created); err != nil || created.Data.DocumentID == "" {
		tb.Fatalf("create: %d %v %s", rec.Code, err, rec.Body)
	}
	return withKey, bypassed, "/api/articles/" + created.Data.DocumentID, readOnly
}
