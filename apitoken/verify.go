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

// Verify returns the token key authenticates, as VerifyFrom does for a
// client nobody knows.
func (v *Verifier) Verify(ctx context.Context, key string) (Token, error) {
	return v.VerifyFrom(ctx, key, "", "")
}

// VerifyFrom returns the token key authenticates, noting the use (and
// from where: addr, the trusted-proxy-aware client address, and the user
// agent) in memory for the next batch. Errors are ErrInvalidKey,
// ErrExpired (the token expired, or this is a rotated-out key whose grace
// ended: that attempt is noted too), ErrDisabled (paused), or a lookup
// failure (the database is down), which the caller must not mistake for
// a bad key. With ErrExpired and ErrDisabled the token is returned too, so
// that the refusal can be counted against it. Nothing here writes to the
// database.
func (v *Verifier) VerifyFrom(ctx context.Context, key, addr, userAgent string) (Token, error) {
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
	if tok.ViaOldKey && !tok.InGrace(now) {
		// The grace is judged here, by the clock, so an old key stops on
		// every instance at its end without any message; ending it early
		// invalidates the cached token like any change.
		if v.usage != nil {
			v.usage.Refuse(tok.ID, now, addr, userAgent)
		}
		return tok, ErrExpired
	}
	if tok.Paused {
		// Returned with the token, as an expired one is, so that the
		// refusal is counted against it.
		return tok, ErrDisabled
	}
	if v.usage != nil {
		v.usage.Use(tok.ID, now, tok.ViaOldKey, addr, userAgent)
	}
	return tok, nil
}
