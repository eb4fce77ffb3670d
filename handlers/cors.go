package handlers

import (
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// apiCORS lets pages on other origins call the content API (/api/… and
// /graphql) from a browser, as Strapi's default strapi::cors does: it
// answers preflights and, by default, allows any origin. Credentials are
// never allowed: keys travel in the Authorization header, never in a
// cookie, so no browser sends one on its own. With origins, only those
// exact origins ("https://app.example.com") are allowed. The admin (every
// other path) never sends a CORS header, so no other origin can read it.
func apiCORS(origins []string) echo.MiddlewareFunc {
	cfg := middleware.CORSConfig{
		Skipper: func(c echo.Context) bool { return !isAPIPath(c.Request().URL.Path) },
		// Strapi's defaults.
		AllowMethods: []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch,
			http.MethodDelete, http.MethodHead, http.MethodOptions},
		AllowHeaders: []string{echo.HeaderContentType, echo.HeaderAuthorization, echo.HeaderOrigin, echo.HeaderAccept},
		MaxAge:       31536000,
	}
	if len(origins) == 0 {
		cfg.AllowOrigins = []string{"*"}
	} else {
		// Exact matches only: Echo's own list also matches wildcard
		// patterns and subdomains, which a narrowed list must not.
		allowed := slices.Clone(origins)
		cfg.AllowOriginFunc = func(origin string) (bool, error) { return slices.Contains(allowed, origin), nil }
	}
	return middleware.CORSWithConfig(cfg)
}
