package handlers

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/tokenadmin/tokenadmin/access"
	"github.com/tokenadmin/tokenadmin/audit"
)

// attempt is the outcome of one password check.
type attempt struct {
	admin   access.Admin
	ok      bool          // the password is right and the account active
	refused bool          // the throttle refused it before any check
	busy    bool          // every hashing slot was taken: nothing was checked
	wait    time.Duration // refused: how long to wait; failed: what the failure costs
}

// checkPassword is the one way a password is checked, at sign-in and at
// every prompt. The attempt is counted by the throttle before the hash
// runs, so a burst cannot slip past the count; the hash runs in one of
// the few slots or not at all; a right password gives the count back.
func (s *server) checkPassword(c echo.Context, email, password string) (attempt, error) {
	ip := c.RealIP()
	wait, allowed := s.guard.Reserve(email, ip)
	if !allowed {
		return attempt{refused: true, wait: wait}, nil
	}
	slot, err := s.passwords.Slot()
	if err != nil {
		s.guard.Cancel(email, ip)
		return attempt{busy: true}, nil
	}
	defer slot.Release()
	admin, hash, err := s.store.AdminCredentials(c.Request().Context(), email)
	ok := false
	switch {
	case errors.Is(err, access.ErrAdminNotFound):
		// Unknown emails cost the same and count the same, so neither the
		// answer nor the throttle says which accounts exist.
		slot.CheckNoAccount(password)
	case err != nil:
		s.guard.Cancel(email, ip)
		return attempt{}, err
	default:
		if ok, err = slot.Check(hash, password); err != nil {
			s.guard.Cancel(email, ip)
			return attempt{}, err
		}
		ok = ok && admin.Active
	}
	if !ok {
		return attempt{wait: wait}, nil
	}
	s.guard.Succeed(email, ip)
	return attempt{admin: admin, ok: true}, nil
}

// retryAfter sets Retry-After for wait and returns it in words.
func retryAfter(c echo.Context, wait time.Duration) string {
	secs := max(int(math.Ceil(wait.Seconds())), 1)
	c.Response().Header().Set("Retry-After", strconv.Itoa(secs))
	return waitWords(secs)
}

// busyMessage is what a visitor reads when every hashing slot is taken.
const busyMessage = "The server is busy checking other passwords. Try again in a moment."

// prompt is the answer to a password prompt that did not let the change
// through: the status to answer with and the message beside the field.
type prompt struct {
	status  int
	message string
}

// reauthenticated asks for the password again when needed (the change
// grows what a key can do and the last password entry is older than
// reauthWindow). It returns nil when the change may go ahead, else what
// to tell the admin. Every check is throttled like a sign-in and audited,
// right or wrong.
func (s *server) reauthenticated(c echo.Context, needed bool, ask string) (*prompt, error) {
	if !needed || s.recentlyAuthenticated(c) {
		return nil, nil
	}
	password := c.FormValue("current_password")
	if password == "" {
		return &prompt{http.StatusUnprocessableEntity, ask}, nil
	}
	me, _ := currentAdmin(c)
	at, err := s.checkPassword(c, me.Email, password)
	switch {
	case err != nil:
		return nil, err
	case at.refused:
		return &prompt{http.StatusTooManyRequests, "Too many wrong passwords. Try again in " + retryAfter(c, at.wait) + "."}, nil
	case at.busy:
		retryAfter(c, time.Second)
		return &prompt{http.StatusServiceUnavailable, busyMessage}, nil
	case !at.ok || at.admin.ID != me.ID:
		s.audit(c, adminEvent(audit.ReauthFailed, me.ID, me.Email, nil))
		if at.wait > 0 {
			return &prompt{http.StatusTooManyRequests, fmt.Sprintf("Wrong password. Too many wrong passwords: try again in %s.", retryAfter(c, at.wait))}, nil
		}
		return &prompt{http.StatusUnprocessableEntity, "Wrong password. " + ask}, nil
	}
	s.audit(c, adminEvent(audit.Reauth, me.ID, me.Email, nil))
	sess := currentSession(c)
	sess.Values[keyAuthAt] = s.now().Unix()
	return nil, sess.Save(c.Request(), c.Response())
}
