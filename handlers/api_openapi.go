package handlers

import (
	"encoding/json"
	"net/http"
	"sync"

	"github.com/labstack/echo/v4"

	"github.com/tokenadmin/tokenadmin/content"
)

// openAPIServerURL is the server URL the document gives. Relative, as
// OpenAPI allows, so the document needs nothing from the request and
// stays right behind any proxy or host name.
const openAPIServerURL = "/api"

// openAPIDocs holds each registry's document, encoded once: a registry is
// immutable, so its description never changes. Keyed by registry rather
// than kept in one sync.Once so that servers built on different
// registries (as tests do) each describe their own.
var openAPIDocs sync.Map // *content.Registry → func() ([]byte, error)

func openAPIDocument(r *content.Registry) ([]byte, error) {
	f, ok := openAPIDocs.Load(r)
	if !ok {
		f, _ = openAPIDocs.LoadOrStore(r, sync.OnceValues(func() ([]byte, error) {
			return json.Marshal(r.OpenAPI(openAPIServerURL))
		}))
	}
	return f.(func() ([]byte, error))()
}

// openAPI serves the OpenAPI 3.0.3 description of the content API at
// /api/openapi.json. It is public: it describes the types and the actions
// each route needs, and reveals no entries.
func (s *server) openAPI(c echo.Context) error {
	b, err := openAPIDocument(s.registry)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "public, max-age=300")
	return c.JSONBlob(http.StatusOK, b)
}
