package handlers

import (
	"github.com/labstack/echo/v4"
)

// graphql serves POST /graphql through graphqlapi, which answers in
// Strapi's GraphQL shape; an invalid key never reaches it (requireToken
// answers the REST-shaped 401).
func (s *server) graphql(c echo.Context) error {
	tok, ok := currentToken(c)
	if !ok {
		return unauthorized("Missing or invalid credentials", realm)
	}
	body, err := readBody(c)
	if err != nil {
		return err
	}
	a, err := s.gql.Serve(c.Request().Context(), tok, c.Response().Header().Get(echo.HeaderXRequestID), body)
	if err != nil {
		return err
	}
	return writeJSON(c, a.Status, a.Body)
}
