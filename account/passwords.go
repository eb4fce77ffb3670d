package account

import (
	"errors"
	"sync/atomic"
)

// ErrBusy means every password slot is taken: the caller should answer
// at once that the server is busy, rather than queue.
var ErrBusy = errors.New("account: too many password checks at once")

// Passwords runs the expensive password work, at most n at a time. Each
// argon2id hash or check holds about 19 MiB for tens of milliseconds, so
// without a bound a burst of sign-ins costs a gigabyte; with one, a burst
// costs n × 19 MiB and the rest are refused straight away (ErrBusy). It
// also counts what it does, for tests and figures.
type Passwords struct {
	slots chan struct{}

	checks, hashes atomic.Int64
	running, peak  atomic.Int64
}

// Stats are what a Passwords has done since it was made.
type Stats struct {
	Checks int64 // password checks, including those against no account
	Hashes int64 // new password hashes
	Peak   int64 // most hashes and checks running at once
}

// NewPasswords returns a Passwords that runs at most n hashes at once (at
// least one).
func NewPasswords(n int) *Passwords {
	return &Passwords{slots: make(chan struct{}, max(n, 1))}
}

// Slot takes one of the slots, or returns ErrBusy at once when none is
// free. The caller must Release it.
func (p *Passwords) Slot() (*Slot, error) {
	select {
	case p.slots <- struct{}{}:
		return &Slot{p: p}, nil
	default:
		return nil, ErrBusy
	}
}

// Hash hashes a new password in a slot of its own.
func (p *Passwords) Hash(password string) (string, error) {
	s, err := p.Slot()
	if err != nil {
		return "", err
	}
	defer s.Release()
	defer p.track()()
	p.hashes.Add(1)
	return HashPassword(password)
}

// Stats reports the counts so far.
func (p *Passwords) Stats() Stats {
	return Stats{Checks: p.checks.Load(), Hashes: p.hashes.Load(), Peak: p.peak.Load()}
}

// track counts one running hash until the returned func is called.
func (p *Passwords) track() func() {
	n := p.running.Add(1)
	for {
		old := p.peak.Load()
		if n <= old || p.peak.CompareAndSwap(old, n) {
			break
		}
	}
	return func() { p.running.Add(-1) }
}

// Slot is the right to run one password check.
type Slot struct {
	p        *Passwords
	released atomic.Bool
}

// Check reports whether password matches hash (see CheckPassword).
func (s *Slot) Check(hash, password string) (bool, error) {
	defer s.p.track()()
	s.p.checks.Add(1)
	return CheckPassword(hash, password)
}

// CheckNoAccount spends the time a real check would, for an email that
// matches no account.
func (s *Slot) CheckNoAccount(password string) {
	defer s.p.track()()
	s.p.checks.Add(1)
	CheckNoAccount(password)
}

// Release gives the slot back; releasing twice does nothing.
func (s *Slot) Release() {
	if s.released.CompareAndSwap(false, true) {
		<-s.p.slots
	}
}
