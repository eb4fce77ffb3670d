package apitoken

import (
	"context"
	"errors"
	"time"
)

// Verification outcomes a caller turns into 401 answers.
var (
	// ErrInvalidKey means the key is malformed or belongs to no token.
	ErrInvalidKey = errors.New("apitoken: invalid key")
	// ErrExpired means the key's token has expired.
	ErrExpired = errors.New("apitoken: token expired")
)

// Lookup finds the token a key hash belongs to (ErrNotFound if none).
// The store implements it; the verifier never knows which database.
type Lookup interface {
	TokenByHash(ctx context.Context, hash string) (Token, error)
}

// Verifier checks bearer keys: shape and checksum first (no lookup for a
// key that cannot be ours), then the keyed-hash lookup, then expiry.
type Verifier struct {
	lookup Lookup
	hasher *Hasher
	now    func() time.Time
	usage  *UsageRecorder
}

// NewVerifier returns a Verifier. usage, if not nil, records each
// successful verification as the token's last use.
func NewVerifier(lookup Lookup, hasher *Hasher, usage *UsageRecorder, now func() time.Time) *Verifier {
	if now == nil {
		now = time.Now
	}
	return &Verifier{lookup: lookup, hasher: hasher, now: now, usage: usage}
}

// Verify returns the token key authenticates. Errors are ErrInvalidKey,
// ErrExpired (with the expired token), or a lookup failure (the database is down), which the
// caller must not mistake for a bad key.
func (v *Verifier) Verify(ctx context.Context, key string) (Token, error) {
	if Parse(key) != nil {
		return Token{}, ErrInvalidKey
	}
	tok, err := v.lookup.TokenByHash(ctx, v.hasher.Hash(key))
	if errors.Is(err, ErrNotFound) {
		return Token{}, ErrInvalidKey
	}
	if err != nil {
		return Token{}, err
	}
	now := v.now()
	if tok.Expired(now) {
		// Strapi does not record the use of an expired key. The token is
		// returned so that the refusal can be counted against it.
		return tok, ErrExpired
	}
	if v.usage != nil {
		v.usage.Record(tok.ID, now)
	}
	return tok, nil
}
