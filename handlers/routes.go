package handlers

import (
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/tokenadmin/tokenadmin/access"
)

// addRoutes is the whole URL surface of tokenadmin. Middleware runs in the
// order listed: global (request id, logging, panic recovery, security
// headers, CORS for the content API only, body limit, the request's
// deadline), then for /admin the session, the check that every input is
// valid UTF-8 text, then CSRF, then, on signed-in routes, the admin check
// and the route's own action check.
func (s *server) addRoutes(e *echo.Echo, o Options) {
	e.Use(
		middleware.RequestID(),
		s.logRequests(),
		middleware.Recover(),
		securityHeaders(o.PublicURL),
		apiCORS(o.CORSOrigins),
		middleware.BodyLimit("1M"),
		deadline(o.RequestTimeout),
	)

	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.GET("/static/*", serveStatic())
	e.GET("/", func(c echo.Context) error { return c.Redirect(303, "/admin") })

	admin := e.Group("/admin", s.loadSession, noStore, validInput, s.csrf)
	admin.GET("", s.adminHome)
	admin.GET("/register", s.showRegister)
	admin.POST("/register", s.register)
	admin.GET("/login", s.showLogin)
	admin.POST("/login", s.login)
	admin.POST("/logout", s.logout)
	if o.Dev {
		admin.GET("/_components", s.gallery)
	}

	signedIn := admin.Group("", s.requireAdmin)
	signedIn.GET("/welcome", s.welcome)
	signedIn.GET("/account", s.account)
	signedIn.POST("/account/password", s.changePassword)
	signedIn.POST("/account/sessions/revoke-others", s.revokeOtherSessions)
	signedIn.POST("/account/sessions/:id/revoke", s.revokeSession)

	signedIn.GET("/settings/api-tokens", s.tokensIndex, can(access.TokensRead))
	signedIn.GET("/settings/api-tokens/create", s.tokenNew, can(access.TokensCreate))
	signedIn.POST("/settings/api-tokens", s.tokenCreate, can(access.TokensCreate))
	signedIn.GET("/settings/api-tokens/:id", s.tokenEdit, can(access.TokensRead))
	signedIn.POST("/settings/api-tokens/:id", s.tokenUpdate, can(access.TokensUpdate))
	signedIn.PUT("/settings/api-tokens/:id", s.tokenUpdate, can(access.TokensUpdate))
	signedIn.GET("/settings/api-tokens/:id/regenerate", s.tokenConfirmRegenerate, can(access.TokensRegenerate))
	signedIn.POST("/settings/api-tokens/:id/regenerate", s.tokenRegenerate, can(access.TokensRegenerate))
	signedIn.POST("/settings/api-tokens/:id/pause", s.tokenPause, can(access.TokensUpdate))
	signedIn.POST("/settings/api-tokens/:id/resume", s.tokenResume, can(access.TokensUpdate))
	signedIn.POST("/settings/api-tokens/:id/end-grace", s.tokenEndGrace, can(access.TokensRegenerate))
	signedIn.GET("/settings/api-tokens/delete-expired", s.tokenConfirmDeleteExpired, can(access.TokensDelete))
	signedIn.POST("/settings/api-tokens/delete-expired", s.tokenDeleteExpired, can(access.TokensDelete))
	signedIn.GET("/settings/api-tokens/:id/delete", s.tokenConfirmDelete, can(access.TokensDelete))
	signedIn.POST("/settings/api-tokens/:id/delete", s.tokenDelete, can(access.TokensDelete))
	signedIn.DELETE("/settings/api-tokens/:id", s.tokenDelete, can(access.TokensDelete))

	signedIn.GET("/settings/content-api", s.contentAPI)

	signedIn.GET("/settings/roles", s.rolesIndex, can(access.RolesRead))
	signedIn.GET("/settings/roles/create", s.roleNew, can(access.RolesCreate))
	signedIn.POST("/settings/roles", s.roleCreate, can(access.RolesCreate))
	signedIn.GET("/settings/roles/:id", s.roleEdit, can(access.RolesRead))
	signedIn.POST("/settings/roles/:id", s.roleUpdate, can(access.RolesUpdate))
	signedIn.POST("/settings/roles/:id/permissions", s.rolePermission, can(access.RolesUpdate))

	signedIn.GET("/settings/users", s.usersIndex, can(access.UsersRead))
	signedIn.GET("/settings/users/create", s.userNew, can(access.UsersCreate))
	signedIn.POST("/settings/users", s.userCreate, can(access.UsersCreate))
	signedIn.POST("/settings/users/:id/role", s.userSetRole, can(access.UsersUpdate))
	signedIn.GET("/settings/users/:id/deactivate", s.userConfirmDeactivate, can(access.UsersUpdate))
	signedIn.POST("/settings/users/:id/deactivate", s.userDeactivate, can(access.UsersUpdate))
	signedIn.POST("/settings/users/:id/activate", s.userActivate, can(access.UsersUpdate))

	signedIn.GET("/settings/audit-logs", s.auditIndex, can(access.AuditLogsRead))

	e.GET("/api/openapi.json", s.openAPI)
	// The content API: no session, no CSRF; the bearer key is checked
	// after the route's content type is known and before anything else,
	// then that the query string and path are text; restErrors hands
	// requireToken the content API's errors as REST answers them, so that
	// usage is counted by the status the client gets.
	api := e.Group("/api")
	// The key's own token: any valid key, no permission needed.
	api.GET("/token", s.apiSelf, s.requireToken)
	api.GET("/:type", s.apiFind, s.resolveType, s.requireToken, restErrors, requireText)
	api.GET("/:type/:documentId", s.apiFindOne, s.resolveType, s.requireToken, restErrors, requireText)
	api.POST("/:type", s.apiCreate, s.resolveType, s.requireToken, restErrors, requireText)
	api.PUT("/:type", s.apiUpdate, s.resolveType, s.requireToken, restErrors, requireText)
	api.PUT("/:type/:documentId", s.apiUpdate, s.resolveType, s.requireToken, restErrors, requireText)
	api.DELETE("/:type", s.apiDelete, s.resolveType, s.requireToken, restErrors, requireText)
	api.DELETE("/:type/:documentId", s.apiDelete, s.resolveType, s.requireToken, restErrors, requireText)
	e.POST("/graphql", s.graphql, s.requireToken, requireText)

	e.RouteNotFound("/*", func(c echo.Context) error { return echo.ErrNotFound })
}
