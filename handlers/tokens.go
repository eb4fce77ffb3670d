package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/tokenadmin/tokenadmin/views"
)

func (s *server) tokensIndex(c echo.Context) error {
	return s.render(c, http.StatusOK, views.TokensPage(), nil)
}
