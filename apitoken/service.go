package apitoken

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"time"

	"github.com/tokenadmin/tokenadmin/audit"
	"github.com/tokenadmin/tokenadmin/ratelimit"
	"github.com/tokenadmin/tokenadmin/validate"
)

// Errors a Store reports, whatever database is behind it.
var (
	ErrNotFound  = errors.New("apitoken: token not found")
	ErrNameTaken = errors.New("apitoken: name already taken")
	// ErrNoGrace means the token has no old key that still works.
	ErrNoGrace = errors.New("apitoken: no old key in its grace period")
)

// Rotation is what a Store writes when a token gets a new key. With
// GraceEndsAt the replaced key is kept and works until then; without,
// it stops at once.
type Rotation struct {
	Hash, Hint  string
	GraceEndsAt *time.Time
	Now         time.Time
}

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
	// ResetQuota starts the quota's count afresh: its limit or refill
	// changed.
	ResetQuota bool
	Now        time.Time
}

// Describe turns a change into its audit event, from the token before
// and after it (nil where there is none). A Store calls it inside the
// change's transaction and appends the event there, so that no change is
// ever stored without its record, nor a record without its change.
type Describe func(before, after *Token) audit.Event

// Store persists tokens. Each change is one transaction that also writes
// the audit event its Describe returns (a change without one is an
// error); the name must be unique case-insensitively after trimming,
// reported as ErrNameTaken; a missing id is ErrNotFound. Methods that
// replace or remove a key return the old key's hash, so that caches can
// forget it (the current key's and, while one is kept, the old key's).
type Store interface {
	CreateToken(ctx context.Context, t NewToken, d Describe) (Token, error)
	UpdateToken(ctx context.Context, id int64, c Change, d Describe) (tok Token, oldHashes []string, err error)
	RotateToken(ctx context.Context, id int64, r Rotation, d Describe) (tok Token, oldHashes []string, err error)
	DeleteToken(ctx context.Context, id int64, d Describe) (tok Token, oldHashes []string, err error)
	// ExpiredTokenIDs returns up to limit ids of tokens expired at now,
	// oldest id first.
	ExpiredTokenIDs(ctx context.Context, now time.Time, limit int) ([]int64, error)
	// SetTokenPaused reports changed false (and writes nothing) when the
	// token already was in that state.
	SetTokenPaused(ctx context.Context, id int64, paused bool, now time.Time, d Describe) (tok Token, hashes []string, changed bool, err error)
	// EndGrace is ErrNoGrace when no old key works at now.
	EndGrace(ctx context.Context, id int64, now time.Time, d Describe) (tok Token, oldHashes []string, err error)
	TokenByID(ctx context.Context, id int64) (Token, error)
}

// Service is the one way tokens are created and changed, from the admin
// and the CLI alike: it validates, generates and hashes keys, has every
// change recorded in the audit log with who made it (in the change's own
// transaction), and tells Revoked about every key that stops working or
// narrows.
type Service struct {
	store  Store
	hasher *Hasher
	known  func(string) bool
	now    func() time.Time

	// Policy bounds the lifetime of new and re-timed tokens.
	Policy Policy

	// Revoked, when set, is called with the hash of every key whose token
	// was deleted, regenerated or changed, after the change is stored.
	Revoked func(hash string)
	// GuardrailsChanged, when set, is called with the id of every token
	// whose rate limit or quota changed (or that was deleted), so that
	// this instance forgets its limiter and quota state for it.
	GuardrailsChanged func(id int64)
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
	c, errs := Validate(in, s.known, creating)
	s.Policy.check(c, errs)
	return c, errs
}

// Create validates in and stores a new token. It returns the key, which
// exists nowhere else: the caller shows it once and forgets it.
func (s *Service) Create(ctx context.Context, by audit.Actor, in Input) (Token, string, validate.Errors, error) {
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
		ExpiresAt: c.Duration.ExpiresAt(now), CreatedBy: by.ID, Now: now,
	}, describe(by, audit.TokenCreate, now, nil))
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
func (s *Service) Update(ctx context.Context, by audit.Actor, id int64, in Input) (Token, validate.Errors, error) {
	current, err := s.store.TokenByID(ctx, id)
	if err != nil {
		return Token{}, nil, err
	}
	// Actions the token already holds stay acceptable even when their
	// content type is gone: they are shown as "no longer available" and
	// kept until someone unticks them, never dropped silently.
	known := func(a string) bool { return s.known(a) || slices.Contains(current.Permissions, a) }
	c, errs := Validate(in, known, false)
	s.Policy.check(c, errs)
	if !errs.Valid() {
		return Token{}, errs, nil
	}
	now := s.now().UTC()
	ch := Change{Clean: c, Now: now, ResetQuota: !sameQuota(current.Quota, c.Quota)}
	if c.Duration != "" {
		ch.ResetExpiry = true
		ch.ExpiresAt = c.Duration.ExpiresAt(now)
	}
	tok, oldHashes, err := s.store.UpdateToken(ctx, id, ch, describe(by, audit.TokenUpdate, now, nil))
	if errors.Is(err, ErrNameTaken) {
		return Token{}, validate.Errors{"name": "A token with this name already exists."}, nil
	}
	if err != nil {
		return Token{}, nil, err
	}
	s.revoked(oldHashes)
	if ch.ResetQuota || !sameRate(current.RateLimit, c.RateLimit) {
		s.guardrailsChanged(id)
	}
	return tok, nil, nil
}

// Regenerate gives token id a new key; the old one stops working. Like
// Strapi, it keeps the expiry.
func (s *Service) Regenerate(ctx context.Context, by audit.Actor, id int64) (Token, string, error) {
	return s.Rotate(ctx, by, id, GraceNone)
}

// Rotate gives token id a new key and keeps the replaced one working for
// grace (GraceNone: it stops at once, as Regenerate). A rotation ends the
// grace of any key an earlier one kept: a token has at most one old key.
// The expiry stays.
func (s *Service) Rotate(ctx context.Context, by audit.Actor, id int64, grace Grace) (Token, string, error) {
	key, err := Generate()
	if err != nil {
		return Token{}, "", err
	}
	now := s.now().UTC()
	r := Rotation{Hash: s.hasher.Hash(key), Hint: Hint(key), Now: now}
	note := []audit.Change{{Field: "note", After: "new key issued; the old key no longer works"}}
	if d := grace.Duration(); d > 0 {
		end := now.Add(d)
		r.GraceEndsAt = &end
		note = []audit.Change{
			{Field: "note", After: "new key issued; the old key keeps working until the grace ends"},
			{Field: "graceEndsAt", After: end.Format(time.RFC3339)},
		}
	}
	tok, oldHashes, err := s.store.RotateToken(ctx, id, r, describe(by, audit.TokenRegenerate, now, note))
	if err != nil {
		return Token{}, "", err
	}
	s.revoked(oldHashes)
	return tok, key, nil
}

// EndGrace stops token id's old key at once (ErrNoGrace when none works).
func (s *Service) EndGrace(ctx context.Context, by audit.Actor, id int64) (Token, error) {
	now := s.now().UTC()
	note := []audit.Change{{Field: "note", After: "grace ended: the old key no longer works"}}
	tok, oldHashes, err := s.store.EndGrace(ctx, id, now, describe(by, audit.TokenEndGrace, now, note))
	if err != nil {
		return Token{}, err
	}
	s.revoked(oldHashes)
	return tok, nil
}

// Pause refuses token id's key ("Token disabled") until Resume, keeping
// the key, its permissions and history. Pausing a paused token changes
// nothing.
func (s *Service) Pause(ctx context.Context, by audit.Actor, id int64) (Token, error) {
	return s.setPaused(ctx, by, id, true)
}

// Resume lets token id's key work again: the same key as before.
func (s *Service) Resume(ctx context.Context, by audit.Actor, id int64) (Token, error) {
	return s.setPaused(ctx, by, id, false)
}

func (s *Service) setPaused(ctx context.Context, by audit.Actor, id int64, paused bool) (Token, error) {
	now := s.now().UTC()
	action := audit.TokenResume
	if paused {
		action = audit.TokenPause
	}
	tok, hashes, _, err := s.store.SetTokenPaused(ctx, id, paused, now, describe(by, action, now, nil))
	if err != nil {
		return Token{}, err
	}
	s.revoked(hashes)
	return tok, nil
}

// Delete removes token id for good and returns it as it was.
func (s *Service) Delete(ctx context.Context, by audit.Actor, id int64) (Token, error) {
	tok, oldHashes, err := s.store.DeleteToken(ctx, id, describe(by, audit.TokenDelete, s.now().UTC(), nil))
	if err != nil {
		return Token{}, err
	}
	s.revoked(oldHashes)
	s.guardrailsChanged(id)
	return tok, nil
}

// MaxBulkDelete bounds how many tokens one DeleteExpired removes, so that
// one request's work stays bounded however many have expired.
const MaxBulkDelete = 500

// DeleteExpired deletes up to MaxBulkDelete tokens that have expired,
// each exactly as Delete does (its own transaction and audit record, its
// key revoked everywhere), and reports how many it deleted and whether
// more remain. A token deleted meanwhile by someone else is skipped.
func (s *Service) DeleteExpired(ctx context.Context, by audit.Actor) (deleted int, more bool, err error) {
	ids, err := s.store.ExpiredTokenIDs(ctx, s.now().UTC(), MaxBulkDelete+1)
	if err != nil {
		return 0, false, err
	}
	if len(ids) > MaxBulkDelete {
		ids, more = ids[:MaxBulkDelete], true
	}
	for _, id := range ids {
		if _, err := s.Delete(ctx, by, id); err != nil {
			if errors.Is(err, ErrNotFound) {
				continue
			}
			return deleted, more, err
		}
		deleted++
	}
	return deleted, more, nil
}

func sameQuota(a, b *Quota) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func sameRate(a, b *ratelimit.Rate) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func (s *Service) guardrailsChanged(id int64) {
	if s.GuardrailsChanged != nil {
		s.GuardrailsChanged(id)
	}
}

func (s *Service) revoked(hashes []string) {
	for _, h := range hashes {
		if s.Revoked != nil && h != "" {
			s.Revoked(h)
		}
	}
}

// describe is the Describe of a change by who: the fields that differ
// between before and after, or changes when given (a regenerate changes
// no field the log may show).
func describe(by audit.Actor, action string, at time.Time, changes []audit.Change) Describe {
	return func(before, after *Token) audit.Event {
		ev := by.Event(action, at)
		t := after
		if t == nil {
			t = before
		}
		if t != nil {
			ev.TargetType, ev.TargetID, ev.TargetName = audit.TargetToken, strconv.FormatInt(t.ID, 10), t.Name
		}
		ev.Changes = changes
		if changes == nil {
			ev.Changes = audit.Diff(auditFields(before), auditFields(after))
		}
		return ev
	}
}

// auditFields is what the log records of a token: never its key, hash or
// hint.
func auditFields(t *Token) map[string]any {
	if t == nil {
		return nil
	}
	expires := "never"
	if t.ExpiresAt != nil {
		expires = t.ExpiresAt.UTC().Format(time.RFC3339)
	}
	rate, quota := "none", "none"
	if t.RateLimit != nil {
		rate = t.RateLimit.String()
	}
	if t.Quota != nil {
		quota = strconv.FormatInt(t.Quota.Limit, 10)
		if t.Quota.Refill != RefillNever {
			quota += " " + string(t.Quota.Refill)
		}
	}
	return map[string]any{
		"name": t.Name, "description": t.Description, "type": string(t.Type),
		"permissions": append([]string{}, t.Permissions...), "expiresAt": expires,
		"allowedIps": t.AllowedIPs.Strings(), "rateLimit": rate, "quota": quota,
		"paused": t.Paused,
	}
}
