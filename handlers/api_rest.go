package handlers

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/tokenadmin/tokenadmin/content"
)

// EntryStore is what the content API asks of the database.
type EntryStore interface {
	FindEntries(ctx context.Context, ct content.ContentType, q content.Query) ([]content.Entry, int, error)
	FindEntry(ctx context.Context, ct content.ContentType, documentID string) (content.Entry, error)
	CreateEntry(ctx context.Context, ct content.ContentType, data map[string]any) (content.Entry, error)
	UpdateEntry(ctx context.Context, ct content.ContentType, documentID string, data map[string]any) (content.Entry, error)
	DeleteEntry(ctx context.Context, ct content.ContentType, documentID string) error
	SingleEntry(ctx context.Context, ct content.ContentType) (content.Entry, error)
	PutSingleEntry(ctx context.Context, ct content.ContentType, data map[string]any) (content.Entry, bool, error)
}

const ctxContentType = "tokenadmin.contenttype"

// resolveType finds the content type a /api/:type route names; an unknown
// one is a 404 before any authentication, as in Strapi, where the route
// simply does not exist.
func (s *server) resolveType(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ct, ok := s.registry.ByRouteName(c.Param("type"))
		if !ok {
			return notFound()
		}
		c.Set(ctxContentType, ct)
		return next(c)
	}
}

func contentType(c echo.Context) content.ContentType {
	ct, _ := c.Get(ctxContentType).(content.ContentType)
	return ct
}

func notFound() *apiError {
	return &apiError{Status: http.StatusNotFound, Name: "NotFoundError", Message: "Not Found"}
}

// validationError turns the domain's parse and validation errors into
// Strapi's 400 answers.
func validationError(err error) error {
	var ve *content.ValidationError
	if errors.As(err, &ve) {
		return &apiError{Status: http.StatusBadRequest, Name: "ValidationError", Message: ve.Message, Details: ve.DetailsObject()}
	}
	var pe *content.PaginationError
	if errors.As(err, &pe) {
		return &apiError{Status: http.StatusBadRequest, Name: "PaginationError", Message: pe.Message}
	}
	var se *content.SyntaxError
	if errors.As(err, &se) {
		return &apiError{Status: http.StatusBadRequest, Name: "SyntaxError", Message: se.Message}
	}
	return err
}

// storeError maps the entry store's errors onto API errors.
func storeError(err error) error { return writeError(err, content.ContentType{}, nil) }

// writeError is storeError for a write of data: a unique violation's
// entries carry the offending value, as Strapi's do.
func writeError(err error, ct content.ContentType, data map[string]any) error {
	var uv *content.UniqueViolation
	switch {
	case errors.As(err, &uv):
		list := make([]content.FieldError, 0, len(uv.Fields))
		for _, f := range uv.Fields {
			fe := content.FieldError{Path: []string{f}, Message: "This attribute must be unique"}
			if a, ok := ct.Attribute(f); ok {
				fe.Value = attrJSON(a, data[f])
			}
			list = append(list, fe)
		}
		return validationError(content.NewFieldValidationError(list...))
	case errors.Is(err, content.ErrNotFound):
		return notFound()
	}
	return err
}

func (s *server) apiFind(c echo.Context) error {
	ct := contentType(c)
	if err := allow(c, ct.UID()+"."+content.VerbFind); err != nil {
		return err
	}
	if ct.Kind == content.SingleType {
		e, err := s.entries.SingleEntry(c.Request().Context(), ct)
		if err != nil {
			return storeError(err)
		}
		return entryResponse(c, http.StatusOK, entryJSON(ct, e, nil))
	}
	q, err := content.ParseQuery(ct, c.QueryParams())
	if err != nil {
		return validationError(err)
	}
	entries, total, err := s.entries.FindEntries(c.Request().Context(), ct, q)
	if err != nil {
		return storeError(err)
	}
	pagination := paginationJSON(q, total)
	body := make([]byte, 0, 64+512*len(entries))
	body = append(body, `{"data":[`...)
	for i, e := range entries {
		if i > 0 {
			body = append(body, ',')
		}
		if body, err = entryJSON(ct, e, q.Fields).AppendJSON(body); err != nil {
			return err
		}
	}
	body = append(body, `],"meta":{"pagination":`...)
	if body, err = pagination.AppendJSON(body); err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, append(body, "}}\n"...))
}

// paginationJSON is meta.pagination in Strapi's key order:
// {page, pageSize, pageCount, total} or {start, limit, total}.
func paginationJSON(q content.Query, total int) content.OrderedObject {
	if q.Offset {
		return content.OrderedObject{{Key: "start", Value: q.Start}, {Key: "limit", Value: q.Limit}, {Key: "total", Value: total}}
	}
	return content.OrderedObject{{Key: "page", Value: q.Page}, {Key: "pageSize", Value: q.PageSize},
		{Key: "pageCount", Value: (total + q.PageSize - 1) / q.PageSize}, {Key: "total", Value: total}}
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
		return notFound()
	}
	if err := allow(c, ct.UID()+"."+content.VerbFindOne); err != nil {
		return err
	}
	q, err := content.ParseQuery(ct, fieldsOnly(c))
	if err != nil {
		return validationError(err)
	}
	e, err := s.entries.FindEntry(c.Request().Context(), ct, c.Param("documentId"))
	if err != nil {
		return storeError(err)
	}
	return entryResponse(c, http.StatusOK, entryJSON(ct, e, q.Fields))
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

func (s *server) apiCreate(c echo.Context) error {
	ct := contentType(c)
	if ct.Kind == content.SingleType {
		return methodNotAllowed()
	}
	if err := allow(c, ct.UID()+"."+content.VerbCreate); err != nil {
		return err
	}
	body, err := readBody(c)
	if err != nil {
		return err
	}
	data, err := content.ParseEntryInput(ct, body, false)
	if err != nil {
		return validationError(err)
	}
	e, err := s.entries.CreateEntry(c.Request().Context(), ct, data)
	if err != nil {
		return writeError(err, ct, data)
	}
	return entryResponse(c, http.StatusCreated, entryJSON(ct, e, nil))
}

func (s *server) apiUpdate(c echo.Context) error {
	ct := contentType(c)
	single := ct.Kind == content.SingleType
	if single == (c.Param("documentId") != "") {
		return notFound()
	}
	if err := allow(c, ct.UID()+"."+content.VerbUpdate); err != nil {
		return err
	}
	body, err := readBody(c)
	if err != nil {
		return err
	}
	data, err := content.ParseEntryInput(ct, body, !single)
	if err != nil {
		return validationError(err)
	}
	var e content.Entry
	if single {
		e, _, err = s.entries.PutSingleEntry(c.Request().Context(), ct, data)
	} else {
		e, err = s.entries.UpdateEntry(c.Request().Context(), ct, c.Param("documentId"), data)
	}
	if err != nil {
		return writeError(err, ct, data)
	}
	return entryResponse(c, http.StatusOK, entryJSON(ct, e, nil))
}

func (s *server) apiDelete(c echo.Context) error {
	ct := contentType(c)
	single := ct.Kind == content.SingleType
	if single == (c.Param("documentId") != "") {
		return notFound()
	}
	if err := allow(c, ct.UID()+"."+content.VerbDelete); err != nil {
		return err
	}
	// Deleting what is not there is done: Strapi answers 204 whether or
	// not the entry existed (after the permission check above).
	id := c.Param("documentId")
	if single {
		e, err := s.entries.SingleEntry(c.Request().Context(), ct)
		if errors.Is(err, content.ErrNotFound) {
			return c.NoContent(http.StatusNoContent)
		}
		if err != nil {
			return storeError(err)
		}
		id = e.DocumentID
	}
	if err := s.entries.DeleteEntry(c.Request().Context(), ct, id); err != nil && !errors.Is(err, content.ErrNotFound) {
		return storeError(err)
	}
	return c.NoContent(http.StatusNoContent)
}

func methodNotAllowed() *apiError {
	return &apiError{Status: http.StatusMethodNotAllowed, Name: "MethodNotAllowedError", Message: "Method Not Allowed"}
}

// entryJSON is an entry in Strapi 5's shape: id, documentId, the
// attributes in schema order (private ones never), then the timestamps.
// With fields, only those attributes besides id and documentId.
func entryJSON(ct content.ContentType, e content.Entry, fields []string) content.OrderedObject {
	o := content.OrderedObject{{Key: "id", Value: e.ID}, {Key: "documentId", Value: e.DocumentID}}
	want := func(name string) bool {
		if fields == nil {
			return true
		}
		for _, f := range fields {
			if f == name {
				return true
			}
		}
		return false
	}
	for _, a := range ct.Attributes {
		if a.Private || !want(a.Name) {
			continue
		}
		o = append(o, content.Field{Key: a.Name, Value: attrJSON(a, e.Data[a.Name])})
	}
	if want(content.FieldCreatedAt) {
		o = append(o, content.Field{Key: content.FieldCreatedAt, Value: strapiTime(e.CreatedAt)})
	}
	if want(content.FieldUpdatedAt) {
		o = append(o, content.Field{Key: content.FieldUpdatedAt, Value: strapiTime(e.UpdatedAt)})
	}
	if want(content.FieldPublishedAt) {
		var p any
		if e.PublishedAt != nil {
			p = strapiTime(*e.PublishedAt)
		}
		o = append(o, content.Field{Key: content.FieldPublishedAt, Value: p})
	}
	return o
}

// strapiTime is how Strapi writes times: UTC with milliseconds.
func strapiTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func attrJSON(a content.Attribute, v any) any {
	t, ok := v.(time.Time)
	if !ok {
		return v
	}
	if a.Type.Info().Values == content.DateValues {
		return t.UTC().Format(time.DateOnly)
	}
	return strapiTime(t)
}
