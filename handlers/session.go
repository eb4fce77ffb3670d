package handlers

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/sessions"
	"github.com/labstack/echo/v4"

	"github.com/tokenadmin/tokenadmin/access"
	"github.com/tokenadmin/tokenadmin/views"
)

// sessionCookie names the session cookie. With secure cookies it is
// __Host-prefixed (Secure, Path=/, no Domain), which browsers refuse to
// let another subdomain set or overwrite.
const (
	sessionCookie       = "tokenadmin_session"
	secureSessionCookie = "__Host-" + sessionCookie
)

// Keys of the values kept in the session cookie.
const (
	keyAdminID = "admin_id"
	keySID     = "sid"     // random per sign-in: a new cookie at every login
	keyCreated = "created" // unix seconds of the sign-in
	keySeen    = "seen"    // unix seconds of the last request
	keyAuthAt  = "auth_at" // unix seconds of the last password entry
)

// seenResolution limits how often a request rewrites the cookie just to
// move the idle clock.
const seenResolution = time.Minute

// sessionManager wraps gorilla's cookie store with the few operations the
// admin needs. The cookie is signed and encrypted with keys derived from
// the deployment secret, so every instance of a deployment can read it.
type sessionManager struct {
	name    string
	store   *sessions.CookieStore
	idle    time.Duration
	maxAge  time.Duration
	now     func() time.Time
	secure  bool
	flashes string
}

func newSessionManager(o Options) *sessionManager {
	store := sessions.NewCookieStore(o.SessionAuthKey, o.SessionEncKey)
	name, path := sessionCookie, "/admin"
	if o.CookieSecure {
		name, path = secureSessionCookie, "/"
	}
	store.Options = &sessions.Options{
		Path:     path,
		MaxAge:   int(o.SessionMaxAge / time.Second),
		HttpOnly: true,
		Secure:   o.CookieSecure,
		SameSite: http.SameSiteLaxMode,
	}
	store.MaxAge(int(o.SessionMaxAge / time.Second))
	return &sessionManager{name: name, store: store, idle: o.SessionIdle, maxAge: o.SessionMaxAge, now: o.Now, secure: o.CookieSecure}
}

// Echo context keys, each read through one typed accessor below.
const (
	ctxSession = "tokenadmin.session"
	ctxAdmin   = "tokenadmin.admin"
)

func currentSession(c echo.Context) *sessions.Session {
	s, _ := c.Get(ctxSession).(*sessions.Session)
	return s
}

// currentAdmin is the signed-in admin, if any.
func currentAdmin(c echo.Context) (access.Admin, bool) {
	a, ok := c.Get(ctxAdmin).(access.Admin)
	return a, ok
}

// loadSession reads the session cookie and, when it names an admin who is
// still active and whose session has not timed out, makes them the
// current admin. The admin is read from the database on every request, so
// a deactivation or role change applies at once.
func (s *server) loadSession(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		sess, err := s.sessions.store.Get(c.Request(), s.sessions.name)
		if err != nil {
			// A cookie we cannot decode (old keys, tampering) is simply
			// no session; Get still returned a fresh one.
			sess.Values = map[any]any{}
		}
		c.Set(ctxSession, sess)
		id, _ := sess.Values[keyAdminID].(int64)
		if id == 0 {
			return next(c)
		}
		now := s.now()
		created, _ := sess.Values[keyCreated].(int64)
		seen, _ := sess.Values[keySeen].(int64)
		if now.Sub(time.Unix(created, 0)) > s.sessions.maxAge || now.Sub(time.Unix(seen, 0)) > s.sessions.idle {
			s.endSession(c, "Your session has expired. Please sign in again.")
			return next(c)
		}
		ctx := c.Request().Context()
		admin, err := s.store.AdminByID(ctx, id)
		if errors.Is(err, access.ErrAdminNotFound) || (err == nil && !admin.Active) {
			s.endSession(c, "Your account is no longer active.")
			return next(c)
		}
		if err != nil {
			return err
		}
		sid := sessionRecordID(sess)
		active, err := s.store.SessionActive(ctx, sid, id)
		if err != nil {
			return err
		}
		if !active {
			s.endSession(c, "You were signed out of this browser.")
			return next(c)
		}
		c.Set(ctxAdmin, admin)
		if now.Sub(time.Unix(seen, 0)) >= seenResolution {
			sess.Values[keySeen] = now.Unix()
			if err := s.store.TouchSession(ctx, sid, now); err != nil {
				return err
			}
			if err := sess.Save(c.Request(), c.Response()); err != nil {
				return err
			}
		}
		return next(c)
	}
}

// startSession signs admin in on a brand-new session: every value of the
// old one is dropped and a new random id makes the cookie differ, so a
// cookie planted before sign-in is worthless after it.
func (s *server) startSession(c echo.Context, admin access.Admin) error {
	sess := currentSession(c)
	sess.Values = map[any]any{}
	sid := make([]byte, 16)
	if _, err := rand.Read(sid); err != nil {
		return err
	}
	now := s.now()
	sess.Values[keySID] = hex.EncodeToString(sid)
	sess.Values[keyAdminID] = admin.ID
	sess.Values[keyCreated] = now.Unix()
	sess.Values[keySeen] = now.Unix()
	sess.Values[keyAuthAt] = now.Unix()
	if err := s.store.CreateSession(c.Request().Context(), access.Session{
		ID: sessionRecordID(sess), AdminID: admin.ID, CreatedAt: now, LastSeenAt: now, IP: clientIP(c), UserAgent: userAgent(c),
	}); err != nil {
		return err
	}
	sess.Options.MaxAge = int(s.sessions.maxAge / time.Second)
	c.Set(ctxAdmin, admin)
	// A new CSRF token comes with the new session.
	if err := s.newCSRFSeed(c, sess); err != nil {
		return err
	}
	return sess.Save(c.Request(), c.Response())
}

// sessionRecordID is the id under which the session is stored: a hash of
// the cookie's random id, so the table alone cannot forge a cookie.
func sessionRecordID(sess *sessions.Session) string {
	sid, _ := sess.Values[keySID].(string)
	if sid == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(sid))
	return hex.EncodeToString(sum[:])
}

// recentlyAuthenticated reports whether the admin typed their password
// within the last reauthWindow: creating or regenerating a full-access
// token asks for it again otherwise.
func (s *server) recentlyAuthenticated(c echo.Context) bool {
	sess := currentSession(c)
	if sess == nil {
		return false
	}
	at, _ := sess.Values[keyAuthAt].(int64)
	return s.now().Sub(time.Unix(at, 0)) <= reauthWindow
}

// reauthWindow is how long a typed password vouches for risky actions.
const reauthWindow = 15 * time.Minute

// endSession signs out: the stored session is revoked and the cookie
// keeps only a flash explaining why (and its CSRF value).
func (s *server) endSession(c echo.Context, why string) {
	sess := currentSession(c)
	if id, _ := sess.Values[keyAdminID].(int64); id != 0 {
		if sid := sessionRecordID(sess); sid != "" {
			if _, err := s.store.RevokeSessions(c.Request().Context(), id, sid, ""); err != nil {
				s.log.Error("revoke session", "error", err)
			}
		}
	}
	// The CSRF value stays: it belongs to the browser, not the admin, and
	// keeps a form left open valid for the sign-in page it now leads to.
	seed := sess.Values[keyCSRF]
	sess.Values = map[any]any{}
	if seed != nil {
		sess.Values[keyCSRF] = seed
	}
	if why != "" {
		sess.AddFlash(encodeFlash(views.Flash{Kind: views.FlashError, Message: why}))
	}
	_ = sess.Save(c.Request(), c.Response())
	c.Set(ctxAdmin, nil)
}

func encodeFlash(f views.Flash) string { return f.Kind + "\x00" + f.Message }

func decodeFlash(v any) (views.Flash, bool) {
	s, ok := v.(string)
	if !ok {
		return views.Flash{}, false
	}
	kind, msg, ok := strings.Cut(s, "\x00")
	return views.Flash{Kind: kind, Message: msg}, ok
}

const ctxFlashes = "tokenadmin.flashes"

// maxFlashes is how many messages wait in the session for the next page:
// the latest few.
const maxFlashes = 3

func anySlice(list []views.Flash) []any {
	out := make([]any, len(list))
	for i, f := range list {
		out[i] = encodeFlash(f)
	}
	return out
}

// flash queues a message. A full-page answer shows it at once; a redirect
// carries it in the session to the next page; an htmx fragment adds it out
// of band.
func (s *server) flash(c echo.Context, kind, msg string) {
	list, _ := c.Get(ctxFlashes).([]views.Flash)
	c.Set(ctxFlashes, append(list, views.Flash{Kind: kind, Message: msg}))
}

// redirectWithFlash moves queued flashes into the session and redirects
// (303, so the browser follows with a GET).
func (s *server) redirect(c echo.Context, to string) error {
	list, _ := c.Get(ctxFlashes).([]views.Flash)
	c.Set(ctxFlashes, nil)
	if sess := currentSession(c); sess != nil && len(list) > 0 {
		// A client that does not follow redirects would otherwise pile up
		// one flash per change until the cookie is too big to write.
		pending := append(sess.Flashes(), anySlice(list)...)
		for _, f := range pending[max(len(pending)-maxFlashes, 0):] {
			sess.AddFlash(f)
		}
		if err := sess.Save(c.Request(), c.Response()); err != nil {
			return err
		}
	}
	if isHTMX(c) {
		c.Response().Header().Set(hxRedirect, to)
		return c.NoContent(http.StatusOK)
	}
	return c.Redirect(http.StatusSeeOther, to)
}

// takeFlashes returns the flashes queued in this request and those left in
// the session by the previous one, removing the latter.
func (s *server) takeFlashes(c echo.Context) ([]views.Flash, error) {
	var out []views.Flash
	if sess := currentSession(c); sess != nil {
		if stored := sess.Flashes(); len(stored) > 0 {
			for _, v := range stored {
				if f, ok := decodeFlash(v); ok {
					out = append(out, f)
				}
			}
			if err := sess.Save(c.Request(), c.Response()); err != nil {
				return nil, err
			}
		}
	}
	list, _ := c.Get(ctxFlashes).([]views.Flash)
	c.Set(ctxFlashes, nil)
	return append(out, list...), nil
}
