package apitoken

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/tokenadmin/tokenadmin/validate"
)

// Errors a Store reports, whatever database is behind it.
var (
	ErrNotFound  = errors.New("apitoken: token not found")
	ErrNameTaken = errors.New("apitoken: name already taken")
)

// NewToken is what a Store writes for a new token.
type NewToken struct {
	Clean
	Hash      string
	Hint      string
	ExpiresAt *time.Time
	CreatedBy *int64
	Now       time.Time
}

// Change is what a Store writes for an edit. ExpiresAt is applied only
// when ResetExpiry is set (a new duration restarts the clock).
type Change struct {
	Clean
	ResetExpiry bool
	ExpiresAt   *time.Time
	Now         time.Time
}

// Store persists tokens. Each method is one transaction; the name must be
// unique case-insensitively after trimming, reported as ErrNameTaken; a
// missing id is ErrNotFound. Methods that replace or remove a key return
// the old key's hash, so that caches can forget it.
type Store interface {
	CreateToken(ctx context.Context, t NewToken) (Token, error)
	UpdateToken(ctx context.Context, id int64, c Change) (tok Token, oldHash string, err error)
	RegenerateToken(ctx context.Context, id int64, hash, hint string, now time.Time) (tok Token, oldHash string, err error)
	DeleteToken(ctx context.Context, id int64) (oldHash string, err error)
	TokenByID(ctx context.Context, id int64) (Token, error)
}

// Service is the one way tokens are created and changed, from the admin
// and the CLI alike: it validates, generates and hashes keys, and tells
// Revoked about every key that stops working or narrows.
type Service struct {
	store  Store
	hasher *Hasher
	known  func(string) bool
	now    func() time.Time

	// Revoked, when set, is called with the hash of every key whose token
	// was deleted, regenerated or changed, after the change is stored.
	Revoked func(hash string)
}

// NewService returns a Service. known reports whether a permission action
// exists in the content-type registry.
func NewService(store Store, hasher *Hasher, known func(string) bool, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: store, hasher: hasher, known: known, now: now}
}

// Hasher is the service's key hasher.
func (s *Service) Hasher() *Hasher { return s.hasher }

// Validate checks an input as Create (creating) or Update would.
func (s *Service) Validate(in Input, creating bool) (Clean, validate.Errors) {
	return Validate(in, s.known, creating)
}

// Create validates in and stores a new token. It returns the key, which
// exists nowhere else: the caller shows it once and forgets it.
func (s *Service) Create(ctx context.Context, in Input, createdBy *int64) (Token, string, validate.Errors, error) {
	c, errs := s.Validate(in, true)
	if !errs.Valid() {
		return Token{}, "", errs, nil
	}
	key, err := Generate()
	if err != nil {
		return Token{}, "", nil, err
	}
	now := s.now().UTC()
	tok, err := s.store.CreateToken(ctx, NewToken{
		Clean: c, Hash: s.hasher.Hash(key), Hint: Hint(key),
		ExpiresAt: c.Duration.ExpiresAt(now), CreatedBy: createdBy, Now: now,
	})
	if errors.Is(err, ErrNameTaken) {
		return Token{}, "", validate.Errors{"name": "A token with this name already exists."}, nil
	}
	if err != nil {
		return Token{}, "", nil, err
	}
	return tok, key, nil, nil
}

// Update validates in and applies it to token id. An empty duration keeps
// the expiry; a given one restarts the clock from now.
func (s *Service) Update(ctx context.Context, id int64, in Input) (Token, validate.Errors, error) {
	current, err := s.store.TokenByID(ctx, id)
	if err != nil {
		return Token{}, nil, err
	}
	// Actions the token already holds stay acceptable even when their
	// content type is gone: they are shown as "no longer available" and
	// kept until someone unticks them, never dropped silently.
	known := func(a string) bool { return s.known(a) || slices.Contains(current.Permissions, a) }
	c, errs := Validate(in, known, false)
	if !errs.Valid() {
		return Token{}, errs, nil
	}
	now := s.now().UTC()
	ch := Change{Clean: c, Now: now}
	if c.Duration != "" {
		ch.ResetExpiry = true
		ch.ExpiresAt = c.Duration.ExpiresAt(now)
	}
	tok, oldHash, err := s.store.UpdateToken(ctx, id, ch)
	if errors.Is(err, ErrNameTaken) {
		return Token{}, validate.Errors{"name": "A token with this name already exists."}, nil
	}
	if err != nil {
		return Token{}, nil, err
	}
	s.revoked(oldHash)
	return tok, nil, nil
}

// Regenerate gives token id a new key; the old one stops working. Like
// Strapi, it keeps the expiry.
func (s *Service) Regenerate(ctx context.Context, id int64) (Token, string, error) {
	key, err := Generate()
	if err != nil {
		return Token{}, "", err
	}
	tok, oldHash, err := s.store.RegenerateToken(ctx, id, s.hasher.Hash(key), Hint(key), s.now().UTC())
	if err != nil {
		return Token{}, "", err
	}
	s.revoked(oldHash)
	return tok, key, nil
}

// Delete removes token id for good.
func (s *Service) Delete(ctx context.Context, id int64) error {
	oldHash, err := s.store.DeleteToken(ctx, id)
	if err != nil {
		return err
	}
	s.revoked(oldHash)
	return nil
}

func (s *Service) revoked(hash string) {
	if s.Revoked != nil && hash != "" {
		s.Revoked(hash)
	}
}
