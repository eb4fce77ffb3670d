package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/tokenadmin/tokenadmin/views"
)

// gallery is the designers' page: every component in every state, light
// and dark, from fixtures (no data of this server). Routed only with
// Options.Dev (TOKENADMIN_DEV=1).
func (s *server) gallery(c echo.Context) error {
	return s.render(c, http.StatusOK, views.GalleryPage(views.GallerySections(s.now())), nil)
}
