package handlers

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/tokenadmin/tokenadmin/content"
	"github.com/tokenadmin/tokenadmin/contentapi"
	"github.com/tokenadmin/tokenadmin/views"
)

// apiErrorNames are Strapi's error names, which API clients switch on.
var apiErrorNames = map[int]string{
	http.StatusBadRequest:            "ValidationError",
	http.StatusUnauthorized:          "UnauthorizedError",
	http.StatusForbidden:             "ForbiddenError",
	http.StatusNotFound:              "NotFoundError",
	http.StatusMethodNotAllowed:      "MethodNotAllowedError",
	http.StatusRequestEntityTooLarge: "PayloadTooLargeError",
	http.StatusTooManyRequests:       "RateLimitError",
	http.StatusServiceUnavailable:    "ServiceUnavailableError",
}

// errorTitles are the headings of the admin's error pages.
var errorTitles = map[int]string{
	http.StatusBadRequest:            "Bad request",
	http.StatusUnauthorized:          "Sign-in required",
	http.StatusForbidden:             "Not allowed",
	http.StatusNotFound:              "Page not found",
	http.StatusMethodNotAllowed:      "Method not allowed",
	http.StatusRequestEntityTooLarge: "Request too large",
	http.StatusServiceUnavailable:    "Service unavailable",
}

// isAPIPath reports whether a path belongs to the content API, whose
// errors are always JSON, never an HTML page.
func isAPIPath(p string) bool {
	return p == "/api" || strings.HasPrefix(p, "/api/") || p == "/graphql"
}

// handleError is the one error handler: JSON in Strapi's shape for the
// API, an error page in the admin's look for everything else. Internal
// errors are logged and shown only as a generic message.
func (s *server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	if errors.Is(err, context.Canceled) && c.Request().Context().Err() != nil {
		// The client went away; there is no one to answer and nothing
		// went wrong on our side.
		c.Response().WriteHeader(499)
		return
	}
	var ae *apiError
	if errors.As(err, &ae) {
		s.writeAPIError(c, ae)
		return
	}
	var ce *contentapi.Error
	if errors.As(err, &ce) {
		s.writeAPIError(c, restError(ce))
		return
	}
	code := http.StatusInternalServerError
	if s.store.Unavailable(err) {
		code = http.StatusServiceUnavailable
	}
	msg := ""
	var he *echo.HTTPError
	if errors.As(err, &he) {
		code = he.Code
		if m, ok := he.Message.(string); ok {
			msg = m
		}
	}
	if code >= 500 {
		s.log.Error("request failed", "request_id", c.Response().Header().Get(echo.HeaderXRequestID),
			"path", c.Request().URL.Path, "error", err)
		msg = ""
	}
	if msg == "" || msg == http.StatusText(code) {
		msg = defaultMessage(code)
	}
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(code)
		return
	}
	if isAPIPath(c.Request().URL.Path) {
		name := apiErrorNames[code]
		if name == "" {
			name = "InternalServerError"
			if code < 500 {
				name = "ApplicationError"
			}
		}
		s.writeAPIError(c, &apiError{Status: code, Name: name, Message: msg})
		return
	}
	title := errorTitles[code]
	if title == "" {
		title = "Something went wrong"
	}
	v := views.ErrorPageView{Status: code, Title: title, Message: msg, Path: c.Request().URL.Path}
	if rerr := s.render(c, code, views.ErrorPage(v), views.ErrorPanel(v)); rerr != nil {
		s.log.Error("render error page", "error", rerr)
		_ = c.String(code, msg)
	}
}

func defaultMessage(code int) string {
	switch code {
	case http.StatusNotFound:
		return "There is nothing at this address."
	case http.StatusForbidden:
		return "Your role does not allow this."
	case http.StatusInternalServerError:
		return "Something went wrong on our side. It has been logged; please try again."
	case http.StatusServiceUnavailable:
		return "The service is temporarily unavailable. Please try again shortly."
	}
	return http.StatusText(code)
}

// restError is a content-API error as REST answers it: a 403 names the
// missing scope in its challenge (RFC 6750 §3.1).
func restError(e *contentapi.Error) *apiError {
	ae := &apiError{Status: e.Status, Name: e.Name, Message: e.Message, Details: e.Details}
	if e.Scope != "" {
		ae.Challenge = realm + `, error="insufficient_scope", scope="` + e.Scope + `"`
	}
	return ae
}

// writeAPIError writes Strapi's error body:
// {"data":null,"error":{"status","name","message","details"}}.
func (s *server) writeAPIError(c echo.Context, e *apiError) {
	if e.Challenge != "" {
		c.Response().Header().Set(echo.HeaderWWWAuthenticate, e.Challenge)
	}
	if e.Status >= 500 {
		s.log.Error("api request failed", "request_id", c.Response().Header().Get(echo.HeaderXRequestID),
			"path", c.Request().URL.Path, "status", e.Status, "error", e.Message)
	}
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(e.Status)
		return
	}
	b, err := apiErrorJSON(e)
	if err != nil {
		s.log.Error("encode api error", "error", err)
		_ = c.NoContent(http.StatusInternalServerError)
		return
	}
	_ = writeJSON(c, e.Status, b)
}

// apiErrorJSON is {"data":null,"error":{status, name, message, details}}
// in Strapi's key order, with the newline encoding/json's Encoder ends a
// body with. A SyntaxError has no details, as in Strapi.
func apiErrorJSON(e *apiError) ([]byte, error) {
	body := content.OrderedObject{{Key: "status", Value: e.Status}, {Key: "name", Value: e.Name}, {Key: "message", Value: e.Message}}
	if e.Details != nil {
		body = append(body, content.Field{Key: "details", Value: e.Details})
	} else if e.Name != "SyntaxError" {
		body = append(body, content.Field{Key: "details", Value: content.OrderedObject{}})
	}
	b, err := content.OrderedObject{{Key: "data", Value: nil}, {Key: "error", Value: body}}.AppendJSON(make([]byte, 0, 160))
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
