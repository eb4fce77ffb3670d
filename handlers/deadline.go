package handlers

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// deadline gives every request a budget of d: its context ends then, and
// with it every database statement the request runs (PostgreSQL cancels
// the statement, SQLite interrupts it). A request that runs out answers
// 503, as when the database is unavailable: the server gave up, not the
// client. When the client goes away first the context ends too, and the
// work stops; there is no one left to answer.
func deadline(d time.Duration) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		if d <= 0 {
			return next
		}
		msg := fmt.Sprintf("The request took longer than %v and was stopped", d)
		return func(c echo.Context) error {
			req := c.Request()
			ctx, cancel := context.WithTimeout(req.Context(), d)
			defer cancel()
			c.SetRequest(req.WithContext(ctx))
			err := next(c)
			// What runs after sees the client's own context, so a request
			// that simply finished is not taken for a cancelled one.
			c.SetRequest(req)
			switch {
			case err == nil || ctx.Err() == nil:
				return err
			case req.Context().Err() != nil:
				return fmt.Errorf("client went away: %w (%w)", context.Canceled, err)
			case isAPIPath(req.URL.Path):
				return &apiError{Status: http.StatusServiceUnavailable, Name: "ServiceUnavailableError", Message: msg}
			}
			return echo.NewHTTPError(http.StatusServiceUnavailable, msg).SetInternal(err)
		}
	}
}
