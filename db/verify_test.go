package db_test

import (
	"context"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tokenadmin/tokenadmin/apitoken"
	"github.com/tokenadmin/tokenadmin/db"
	"github.com/tokenadmin/tokenadmin/db/dbtest"
)

// countingLookup counts the store lookups the verifier makes.
type countingLookup struct {
	d     *db.DB
	calls atomic.Int64
}

func (c *countingLookup) TokenByHash(ctx context.Context, hash string) (apitoken.Token, error) {
	c.calls.Add(1)
	return c.d.TokenByHash(ctx, hash)
}

// A key seen for the first time costs one store lookup (one statement:
// the token and its permissions together), and none after; an unknown
// key likewise.
func TestVerifyFirstUseIsOneLookup(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		bulkTokens(t, d, 500, "other ") // the key is one among many
		hasher := apitoken.NewHasher([]byte("token-hash-key-token-hash-key-32"))
		key, err := apitoken.Generate()
		if err != nil {
			t.Fatal(err)
		}
		nt := customTok("mine", "api::article.article.findOne", "api::article.article.find")
		nt.Hash = hasher.Hash(key)
		mustCreateToken(t, d, nt)

		store := &countingLookup{d: d}
		cache, err := apitoken.NewCachedLookup(store, 100)
		if err != nil {
			t.Fatal(err)
		}
		v := apitoken.NewVerifier(cache, hasher, nil, time.Now)
		for i := range 3 {
			tok, err := v.Verify(t.Context(), key)
			if err != nil {
				t.Fatalf("use %d: %v", i+1, err)
			}
			if want := []string{"api::article.article.find", "api::article.article.findOne"}; !slices.Equal(tok.Permissions, want) {
				t.Errorf("use %d: permissions %v, want %v", i+1, tok.Permissions, want)
			}
		}
		if n := store.calls.Load(); n != 1 {
			t.Errorf("store lookups for three uses of one key: got %d, want 1", n)
		}
		other, _ := apitoken.Generate()
		for range 2 {
			if _, err := v.Verify(t.Context(), other); err != apitoken.ErrInvalidKey {
				t.Fatalf("unknown key: got %v, want ErrInvalidKey", err)
			}
		}
		if n := store.calls.Load(); n != 2 {
			t.Errorf("store lookups after an unknown key used twice: got %d, want 2", n)
		}
	})
}
