package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// openAPIServerURL is the server URL the document gives. Relative, as
// OpenAPI allows, so the document needs nothing from the request and
// stays right behind any proxy or host name.
const openAPIServerURL = "/api"

// openAPI serves the OpenAPI 3.0.3 description of the content API at
// /api/openapi.json. It is public: it describes the types and the actions
// each route needs, and reveals no entries.
func (s *server) openAPI(c echo.Context) error {
	if s.openAPIErr != nil {
		return s.openAPIErr
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "public, max-age=300")
	return writeJSON(c, http.StatusOK, s.openAPIDoc)
}
