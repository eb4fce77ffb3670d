package handlers

import (
	"errors"
	"net/http"
	"net/netip"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/tokenadmin/tokenadmin/apitoken"
	"github.com/tokenadmin/tokenadmin/ratelimit"
)

// HeaderTokenExpires carries the expiry of the key a request used.
const HeaderTokenExpires = "Tokenadmin-Token-Expires"

// realm names us in WWW-Authenticate, as RFC 6750 §3 asks.
const realm = `Bearer realm="tokenadmin"`

// bearerKey extracts the key from an Authorization header the way Strapi
// does: split on runs of white space into exactly two parts, the first of
// which is "bearer" in any case. bearer tells whether the client used the
// Bearer scheme at all (RFC 6750 answers differ); ok whether the header is
// usable.
//
// It reads the header in place, as JavaScript's s.split(/\s+/) would cut
// it (empty parts from leading or trailing white space included, so that
// " Bearer x" is refused exactly as Strapi refuses it), without building
// the parts: it runs on every content-API request.
func bearerKey(header string) (key string, bearer, ok bool) {
	i := 0
	for i < len(header) && !isSpace(header[i]) {
		i++
	}
	bearer = equalFoldASCII(header[:i], "bearer")
	if !bearer || i == len(header) {
		// Another scheme, or one part only.
		return "", bearer, false
	}
	for i < len(header) && isSpace(header[i]) {
		i++
	}
	rest := header[i:]
	if rest == "" {
		// "Bearer " splits into "Bearer" and an empty part.
		return "", true, false
	}
	for j := 0; j < len(rest); j++ {
		if isSpace(rest[j]) {
			// A third part, if only the empty one trailing space makes.
			return "", true, false
		}
	}
	return rest, true, true
}

func isSpace(b byte) bool {
	return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '\v' || b == '\f'
}

func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// apiError is the content API's error, rendered in Strapi's shape by the
// error handler.
type apiError struct {
	Status  int
	Name    string
	Message string
	Details any
	// Challenge is the WWW-Authenticate value of a 401 or 403.
	Challenge string
}

func (e *apiError) Error() string { return e.Message }

func unauthorized(msg, challenge string) *apiError {
	return &apiError{Status: http.StatusUnauthorized, Name: "UnauthorizedError", Message: msg, Challenge: challenge}
}

// ctxToken is the Echo context key of the authenticated API token.
const ctxToken = "tokenadmin.apitoken"

func currentToken(c echo.Context) (apitoken.Token, bool) {
	t, ok := c.Get(ctxToken).(apitoken.Token)
	return t, ok
}

// requireToken authenticates the content API: the Authorization header
// only (never a query string or cookie), shape and checksum before any
// lookup, then the keyed-hash lookup and expiry.
func (s *server) requireToken(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if benchBypassAuth || s.bypassAuth {
			// Only in a -tags benchbypass build (make bench's baseline;
			// a constant false everywhere else) or in this package's
			// benchmarks (an unexported option no caller can set).
			c.Set(ctxToken, apitoken.Token{Type: apitoken.FullAccess})
			return next(c)
		}
		key, bearer, ok := bearerKey(c.Request().Header.Get(echo.HeaderAuthorization))
		if !bearer {
			// RFC 6750 §3.1: no error attribute when no bearer
			// credentials came (none at all, or another scheme).
			return unauthorized("Missing or invalid credentials", realm)
		}
		if !ok {
			return unauthorized("Missing or invalid credentials", realm+`, error="invalid_request"`)
		}
		ctx := c.Request().Context()
		// Echo's RealIP walks the trusted-proxy rules each call: once a request.
		ip := c.RealIP()
		tok, err := s.verifier.VerifyFrom(ctx, key, ip, c.Request().UserAgent())
		switch {
		case errors.Is(err, apitoken.ErrInvalidKey):
			return unauthorized("Missing or invalid credentials", realm+`, error="invalid_token"`)
		case errors.Is(err, apitoken.ErrExpired):
			s.keyGuard.Count(tok.ID, apitoken.OutcomeRefused)
			setRateHeaders(c, s.keyGuard.Peek(tok))
			return unauthorized("Token expired", realm+`, error="invalid_token", error_description="The access token expired"`)
		case errors.Is(err, apitoken.ErrDisabled):
			s.keyGuard.Count(tok.ID, apitoken.OutcomeRefused)
			setRateHeaders(c, s.keyGuard.Peek(tok))
			return unauthorized("Token disabled", realm+`, error="invalid_token", error_description="The access token is paused"`)
		case err != nil:
			return storeUnavailable()
		}
		v, err := s.keyGuard.Admit(ctx, tok, clientAddr(ip))
		if err != nil {
			return storeUnavailable()
		}
		setRateHeaders(c, v.Rate)
		switch {
		case errors.Is(v.Err, apitoken.ErrAddressRefused):
			s.keyGuard.Count(tok.ID, apitoken.OutcomeBlocked)
			return &apiError{Status: http.StatusForbidden, Name: "ForbiddenError", Message: "This token cannot be used from this address"}
		case v.Err != nil:
			s.keyGuard.Count(tok.ID, apitoken.OutcomeLimited)
			if v.RetryAfter > 0 {
				c.Response().Header().Set(echo.HeaderRetryAfter, strconv.FormatInt(int64((v.RetryAfter+time.Second-1)/time.Second), 10))
			}
			msg := "Too many requests"
			if errors.Is(v.Err, apitoken.ErrQuotaExhausted) {
				msg = "Quota exhausted"
			}
			return &apiError{Status: http.StatusTooManyRequests, Name: "RateLimitError", Message: msg}
		}
		if tok.ExpiresAt != nil {
			// Every answer to a key that expires says when, as GitHub's
			// does, so that clients can rotate before it happens.
			c.Response().Header().Set(HeaderTokenExpires, tok.ExpiresAt.UTC().Format(time.RFC3339))
		}
		c.Set(ctxToken, tok)
		c.Set(ctxVerdict, v)
		err = next(c)
		s.keyGuard.Count(tok.ID, apitoken.OutcomeOf(responseStatus(c, err)))
		return err
	}
}

func storeUnavailable() *apiError {
	return &apiError{Status: http.StatusServiceUnavailable, Name: "ServiceUnavailableError",
		Message: "The token store is unavailable. Please retry shortly."}
}

// ctxVerdict is the Echo context key of the guardrails' verdict on the
// request (what remains of the quota).
const ctxVerdict = "tokenadmin.verdict"

func currentVerdict(c echo.Context) apitoken.Verdict {
	v, _ := c.Get(ctxVerdict).(apitoken.Verdict)
	return v
}

// setRateHeaders describes a rate-limited key's budget on its response,
// in the syntax of the IETF draft (draft-ietf-httpapi-ratelimit-headers):
// the policy, and what remains with the seconds until it is full again.
func setRateHeaders(c echo.Context, r *ratelimit.Result) {
	if r == nil {
		return
	}
	h := c.Response().Header()
	h.Set("RateLimit-Policy", r.Rate.Policy())
	h.Set("RateLimit", r.Header())
}

// clientAddr parses the client's address as the trusted-proxy setting
// decides it (Echo's IPExtractor: the connection's peer unless it is a
// trusted proxy). An address that does not parse is the zero Addr, which
// only an empty allow-list admits.
func clientAddr(ip string) netip.Addr {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return netip.Addr{}
	}
	return a.WithZone("")
}

// responseStatus is the status a request was (or will be) answered with:
// the response's when the handler wrote it, else the error's.
func responseStatus(c echo.Context, err error) int {
	if err == nil {
		if st := c.Response().Status; st != 0 {
			return st
		}
		return http.StatusOK
	}
	var ae *apiError
	if errors.As(err, &ae) {
		return ae.Status
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		return he.Code
	}
	return http.StatusInternalServerError
}
