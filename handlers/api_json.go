package handlers

import "github.com/labstack/echo/v4"

// mimeJSON is the Content-Type of every content-API JSON answer, as Koa
// (Strapi's REST) and Apollo (its GraphQL) write it; Echo's JSONBlob
// would write a bare application/json.
const mimeJSON = "application/json; charset=utf-8"

// writeJSON answers with body, already encoded.
func writeJSON(c echo.Context, status int, body []byte) error {
	return c.Blob(status, mimeJSON, body)
}
