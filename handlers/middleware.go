package handlers

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/tokenadmin/tokenadmin/access"
	"github.com/tokenadmin/tokenadmin/static"
)

// contentSecurityPolicy allows no inline script or style: every script is
// a file under /static/js, which is what keeps an injected name or
// description from ever running.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

func securityHeaders(public *url.URL) echo.MiddlewareFunc {
	cfg := middleware.SecureConfig{
		// The old XSS auditor did more harm than good; modern advice is 0.
		XSSProtection:         "0",
		ContentTypeNosniff:    "nosniff",
		XFrameOptions:         "DENY",
		ContentSecurityPolicy: contentSecurityPolicy,
		ReferrerPolicy:        "same-origin",
	}
	if public != nil && public.Scheme == "https" {
		// Behind a TLS-terminating proxy the request itself looks like
		// plain HTTP, so Echo's own TLS check would never send HSTS.
		cfg.HSTSMaxAge = 63072000
		cfg.HSTSPreloadEnabled = false
	}
	secure := middleware.SecureWithConfig(cfg)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		h := secure(next)
		return func(c echo.Context) error {
			c.Response().Header().Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
			c.Response().Header().Set("Cross-Origin-Opener-Policy", "same-origin")
			if cfg.HSTSMaxAge > 0 {
				c.Response().Header().Set(echo.HeaderStrictTransportSecurity, "max-age=63072000; includeSubDomains")
			}
			return h(c)
		}
	}
}

// logRequests writes one structured line per request. It logs the path
// without its query string: a token pasted into a URL must never reach a
// log.
func (s *server) logRequests() echo.MiddlewareFunc {
	return middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		LogStatus:    true,
		LogMethod:    true,
		LogURIPath:   true,
		LogLatency:   true,
		LogRequestID: true,
		LogRemoteIP:  true,
		HandleError:  true,
		LogError:     true,
		LogValuesFunc: func(c echo.Context, v middleware.RequestLoggerValues) error {
			attrs := []slog.Attr{
				slog.String("request_id", v.RequestID),
				slog.String("method", v.Method),
				slog.String("path", v.URIPath),
				slog.Int("status", v.Status),
				slog.Duration("latency", v.Latency),
				slog.String("remote_ip", v.RemoteIP),
			}
			level := slog.LevelInfo
			if v.Status >= 500 {
				level = slog.LevelError
				if v.Error != nil {
					attrs = append(attrs, slog.String("error", v.Error.Error()))
				}
			}
			s.log.LogAttrs(context.Background(), level, "request", attrs...)
			return nil
		},
	})
}

// noStore keeps admin pages, which show who may do what, out of caches.
func noStore(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
		return next(c)
	}
}

// validInput refuses admin requests whose query or form holds invalid
// UTF-8 or a NUL byte. No page of ours sends them, PostgreSQL refuses such
// text (which surfaced as a 500), and a clear 400 beats a silently mangled
// name.
func validInput(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ok := cleanValues(c.QueryParams())
		if ok && c.Request().Method != http.MethodGet && c.Request().Method != http.MethodHead {
			form, err := c.FormParams()
			if err != nil {
				return echo.NewHTTPError(http.StatusBadRequest, "The form could not be read.").SetInternal(err)
			}
			ok = cleanValues(form)
		}
		if !ok {
			return echo.NewHTTPError(http.StatusBadRequest, "The request holds characters that are not valid UTF-8 text (or a NUL byte). Retype the field and try again.")
		}
		return next(c)
	}
}

// cleanValues reports whether every name and value is valid UTF-8
// without NUL.
func cleanValues(v url.Values) bool {
	clean := func(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }
	for k, vs := range v {
		if !clean(k) {
			return false
		}
		for _, s := range vs {
			if !clean(s) {
				return false
			}
		}
	}
	return true
}

// requireAdmin lets only signed-in, active admins through; others are sent
// to the sign-in page, which brings them back here afterwards.
func (s *server) requireAdmin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if _, ok := currentAdmin(c); ok {
			return next(c)
		}
		target := "/admin/login"
		if c.Request().Method == http.MethodGet {
			target += "?next=" + url.QueryEscape(c.Request().URL.RequestURI())
		}
		if isHTMX(c) {
			// A 303 would be followed inside the XHR and swap the login
			// page into a fragment; ask htmx for a full navigation.
			c.Response().Header().Set(hxRedirect, target)
			return c.NoContent(http.StatusUnauthorized)
		}
		return c.Redirect(http.StatusSeeOther, target)
	}
}

// can guards a route with one admin action. It is the server-side check:
// what the UI hides is a courtesy, this is the rule.
func can(action access.Action) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			a, _ := currentAdmin(c)
			if !access.Can(a, action) {
				return echo.NewHTTPError(http.StatusForbidden, "Your role does not allow this.")
			}
			return next(c)
		}
	}
}

// serveStatic serves the embedded assets. URLs carry ?v=<hash of the
// assets>, so a versioned URL can be cached for a year; anything else is
// revalidated.
func serveStatic() echo.HandlerFunc {
	files := http.StripPrefix("/static/", http.FileServerFS(static.FS))
	return func(c echo.Context) error {
		h := c.Response().Header()
		if c.QueryParam("v") == static.Version {
			h.Set(echo.HeaderCacheControl, "public, max-age=31536000, immutable")
		} else {
			h.Set(echo.HeaderCacheControl, "no-cache")
		}
		if strings.HasSuffix(c.Request().URL.Path, "/") {
			return echo.ErrNotFound
		}
		files.ServeHTTP(c.Response(), c.Request())
		return nil
	}
}
