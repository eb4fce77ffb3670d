package handlers

import (
	"bytes"
	"errors"
	"io"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/tokenadmin/tokenadmin/content"
	"github.com/tokenadmin/tokenadmin/contentapi"
)

// EntryStore is what the content API asks of the database.
type EntryStore = contentapi.EntryStore

// The REST routes of the content API: HTTP in (the type from the path,
// the query string, the body), contentapi's operations, Strapi's JSON
// out. Errors are *contentapi.Error, which handleError renders.

const ctxContentType = "tokenadmin.contenttype"

// resolveType finds the content type a /api/:type route names; an unknown
// one is a 404 before any authentication, as in Strapi, where the route
// simply does not exist.
func (s *server) resolveType(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ct, ok := s.registry.ByRouteName(c.Param("type"))
		if !ok {
			return contentapi.NotFound()
		}
		c.Set(ctxContentType, ct)
		return next(c)
	}
}

// restErrors turns the content API's errors into REST's (restError).
func restErrors(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		err := next(c)
		var ce *contentapi.Error
		if errors.As(err, &ce) {
			return restError(ce)
		}
		return err
	}
}

func contentType(c echo.Context) content.ContentType {
	ct, _ := c.Get(ctxContentType).(content.ContentType)
	return ct
}

// allow checks the request's token against one of ct's actions.
func allow(c echo.Context, ct content.ContentType, verb string) error {
	tok, ok := currentToken(c)
	if !ok {
		return unauthorized("Missing or invalid credentials", realm)
	}
	return contentapi.Allow(tok, ct, verb)
}

// matchesKind reports whether the route fits the type: a single type's routes
// name no documentId, a collection's item routes do.
func matchesKind(c echo.Context, ct content.ContentType) bool {
	return (ct.Kind == content.SingleType) == (c.Param("documentId") == "")
}

func (s *server) apiFind(c echo.Context) error {
	ct := contentType(c)
	if err := allow(c, ct, content.VerbFind); err != nil {
		return err
	}
	ctx := c.Request().Context()
	if ct.Kind == content.SingleType {
		e, err := s.entries.Single(ctx, ct)
		if err != nil {
			return err
		}
		return entryResponse(c, http.StatusOK, contentapi.EntryJSON(ct, e, nil))
	}
	q, err := content.ParseQuery(ct, c.QueryParams())
	if err != nil {
		return contentapi.InvalidInput(err)
	}
	entries, total, err := s.entries.Find(ctx, ct, q)
	if err != nil {
		return err
	}
	body := make([]byte, 0, 64+512*len(entries))
	body = append(body, `{"data":[`...)
	for i, e := range entries {
		if i > 0 {
			body = append(body, ',')
		}
		if body, err = contentapi.EntryJSON(ct, e, q.Fields).AppendJSON(body); err != nil {
			return err
		}
	}
	body = append(body, `],"meta":{"pagination":`...)
	if body, err = contentapi.Pagination(q, total).AppendJSON(body); err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, append(body, "}}\n"...))
}

// entryResponse is {"data":entry,"meta":{}}, the answer of findOne,
// create and update, written by the content package's direct JSON path
// rather than by reflection: it is the content API's hot path. The bytes
// are those encoding/json's Encoder wrote before, newline included.
func entryResponse(c echo.Context, status int, entry content.OrderedObject) error {
	body := make([]byte, 0, 512)
	body = append(body, `{"data":`...)
	body, err := entry.AppendJSON(body)
	if err != nil {
		return err
	}
	return writeJSON(c, status, append(body, `,"meta":{}}`+"\n"...))
}

func (s *server) apiFindOne(c echo.Context) error {
	ct := contentType(c)
	if ct.Kind == content.SingleType {
		return contentapi.NotFound()
	}
	if err := allow(c, ct, content.VerbFindOne); err != nil {
		return err
	}
	q, err := content.ParseQuery(ct, fieldsOnly(c))
	if err != nil {
		return contentapi.InvalidInput(err)
	}
	e, err := s.entries.FindOne(c.Request().Context(), ct, c.Param("documentId"))
	if err != nil {
		return err
	}
	return entryResponse(c, http.StatusOK, contentapi.EntryJSON(ct, e, q.Fields))
}

// fieldsOnly keeps the query parameters findOne honours.
func fieldsOnly(c echo.Context) map[string][]string {
	out := map[string][]string{}
	for k, v := range c.QueryParams() {
		if k == "fields" || len(k) > 7 && k[:7] == "fields[" {
			out[k] = v
		}
	}
	return out
}

// readBody reads the request body; the global body limit bounds it.
func readBody(c echo.Context) ([]byte, error) {
	b, err := io.ReadAll(c.Request().Body)
	if err != nil {
		var he *echo.HTTPError
		if errors.As(err, &he) {
			return nil, he
		}
		return nil, &apiError{Status: http.StatusBadRequest, Name: "BadRequestError", Message: "Could not read the request body"}
	}
	return bytes.TrimSpace(b), nil
}

// entryInput reads and validates the body of a create (partial false) or
// update.
func entryInput(c echo.Context, ct content.ContentType, partial bool) (map[string]any, error) {
	body, err := readBody(c)
	if err != nil {
		return nil, err
	}
	data, err := content.ParseEntryInput(ct, body, partial)
	if err != nil {
		return nil, contentapi.InvalidInput(err)
	}
	return data, nil
}

func (s *server) apiCreate(c echo.Context) error {
	ct := contentType(c)
	if ct.Kind == content.SingleType {
		return contentapi.MethodNotAllowed()
	}
	if err := allow(c, ct, content.VerbCreate); err != nil {
		return err
	}
	data, err := entryInput(c, ct, false)
	if err != nil {
		return err
	}
	e, err := s.entries.Create(c.Request().Context(), ct, data)
	if err != nil {
		return err
	}
	return entryResponse(c, http.StatusCreated, contentapi.EntryJSON(ct, e, nil))
}

func (s *server) apiUpdate(c echo.Context) error {
	ct := contentType(c)
	if !matchesKind(c, ct) {
		return contentapi.NotFound()
	}
	if err := allow(c, ct, content.VerbUpdate); err != nil {
		return err
	}
	data, err := entryInput(c, ct, ct.Kind != content.SingleType)
	if err != nil {
		return err
	}
	e, err := s.entries.Update(c.Request().Context(), ct, c.Param("documentId"), data)
	if err != nil {
		return err
	}
	return entryResponse(c, http.StatusOK, contentapi.EntryJSON(ct, e, nil))
}

// apiDelete answers 204 whether or not the entry existed (after the
// permission check), as Strapi does: deleting what is not there is done.
func (s *server) apiDelete(c echo.Context) error {
	ct := contentType(c)
	if !matchesKind(c, ct) {
		return contentapi.NotFound()
	}
	if err := allow(c, ct, content.VerbDelete); err != nil {
		return err
	}
	if _, err := s.entries.Delete(c.Request().Context(), ct, c.Param("documentId")); err != nil && !contentapi.IsNotFound(err) {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
