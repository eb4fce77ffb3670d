package handlers

import (
	"net/url"
	"slices"

	"github.com/labstack/echo/v4"

	"github.com/tokenadmin/tokenadmin/content"
	"github.com/tokenadmin/tokenadmin/contentapi"
)

// requireText refuses, at the edge of the content API, a request whose
// query string or path does not decode to text (valid UTF-8 without NUL,
// content.CheckQueryText): 400 ValidationError, so that no handler or
// store behind it meets %FF or %00, which PostgreSQL refuses with an
// error. A query string that does not parse at all is refused too, rather
// than read without the parameters Go's parser drops.
func requireText(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		q, err := url.ParseQuery(c.QueryString())
		if err != nil {
			return contentapi.InvalidInput(content.NewValidationError("The query string cannot be read: "+err.Error(),
				map[string]any{"source": "query"}))
		}
		keys := make([]string, 0, len(q))
		for k := range q {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			for _, v := range q[k] {
				if err := content.CheckQueryText(k, v); err != nil {
					return contentapi.InvalidInput(err)
				}
			}
		}
		for _, p := range c.ParamValues() {
			if err := content.CheckPathText(p); err != nil {
				return contentapi.InvalidInput(err)
			}
		}
		return next(c)
	}
}
