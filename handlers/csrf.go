package handlers

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"

	"github.com/gorilla/sessions"
	"github.com/labstack/echo/v4"
)

// CSRF protection, our own rather than Echo's: Echo's double-submit token
// lives in a cookie of its own, which a sibling subdomain can plant along
// with a matching form field, and it falls back to that token for
// Sec-Fetch-Site: same-site. Here the token is derived from a random value
// kept inside the signed, encrypted session cookie (anonymous visitors get
// one too, for the sign-in form), and browsers' own word that a request
// comes from another site or subdomain is final.

// keyCSRF is the session value the CSRF token is derived from: random per
// session, new at every sign-in.
const keyCSRF = "csrf"

const ctxCSRF = "tokenadmin.csrf"

// csrf refuses state changes that do not come from our own pages: those a
// browser labels as from another site or subdomain, those whose Origin is
// not ours, and those without this session's token (the _csrf form field
// or, for htmx, the X-CSRF-Token header).
func (s *server) csrf(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		sess := currentSession(c)
		if _, ok := sess.Values[keyCSRF].(string); !ok {
			if err := s.newCSRFSeed(c, sess); err != nil {
				return err
			}
			if err := sess.Save(c.Request(), c.Response()); err != nil {
				return err
			}
		}
		seed, _ := sess.Values[keyCSRF].(string)
		token := s.csrfTokenFor(seed)
		c.Set(ctxCSRF, token)
		switch c.Request().Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
			return next(c)
		}
		if !s.fromOurSite(c) {
			return echo.NewHTTPError(http.StatusForbidden, "This form came from another site. Open the page here and try again.")
		}
		sent := c.Request().Header.Get("X-CSRF-Token")
		if sent == "" {
			sent = c.FormValue("_csrf")
		}
		if sent == "" {
			return echo.NewHTTPError(http.StatusBadRequest, "This form has expired. Reload the page and try again.")
		}
		if !hmac.Equal([]byte(sent), []byte(token)) {
			return echo.NewHTTPError(http.StatusForbidden, "This form has expired or came from another site. Reload the page and try again.")
		}
		return next(c)
	}
}

// newCSRFSeed gives sess a new random CSRF value; the caller saves it.
func (s *server) newCSRFSeed(c echo.Context, sess *sessions.Session) error {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return err
	}
	seed := base64.RawURLEncoding.EncodeToString(b)
	sess.Values[keyCSRF] = seed
	c.Set(ctxCSRF, s.csrfTokenFor(seed))
	return nil
}

// csrfTokenFor is the token forms carry for a session's CSRF value: keyed,
// so that the page never shows what the cookie holds.
func (s *server) csrfTokenFor(seed string) string {
	m := hmac.New(sha256.New, s.csrfKey)
	m.Write([]byte(seed))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// csrfToken is the token to put in forms rendered for this request.
func csrfToken(c echo.Context) string {
	t, _ := c.Get(ctxCSRF).(string)
	return t
}

// fromOurSite reports whether a state change may come from our own
// pages. Browsers say where a request comes from in Sec-Fetch-Site: only
// same-origin (or none: typed by the user) passes; same-site is a sibling
// subdomain, which can plant cookies. Older browsers send Origin instead,
// which must then be ours.
func (s *server) fromOurSite(c echo.Context) bool {
	h := c.Request().Header
	switch h.Get("Sec-Fetch-Site") {
	case "", "same-origin", "none":
	default:
		return false
	}
	origin := h.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false // "null" and the like: a sandboxed or privacy-hidden sender
	}
	if p := s.publicURL; p != nil && strings.EqualFold(u.Scheme, p.Scheme) && strings.EqualFold(u.Host, p.Host) {
		return true
	}
	// The browser sets Host for our own address; no page elsewhere can
	// make its Origin say the same.
	return strings.EqualFold(u.Host, c.Request().Host)
}
