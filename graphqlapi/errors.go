package graphqlapi

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"unicode"

	"github.com/tokenadmin/tokenadmin/contentapi"
)

// GraphQL error codes, as Apollo Server and Strapi spell them.
const (
	gqlCodeParseFailed      = "GRAPHQL_PARSE_FAILED"
	gqlCodeValidationFailed = "GRAPHQL_VALIDATION_FAILED"
	gqlCodeBadUserInput     = "BAD_USER_INPUT"
	gqlCodeBadRequest       = "BAD_REQUEST"
	gqlCodeOperation        = "OPERATION_RESOLUTION_FAILURE"
	gqlCodeForbidden        = "FORBIDDEN"
	gqlCodeInternal         = "INTERNAL_SERVER_ERROR"
)

// gqlError is a resolver's error; graphql-go copies Extensions into the
// response.
type gqlError struct {
	message string
	ext     map[string]any
}

func (e *gqlError) Error() string              { return e.message }
func (e *gqlError) Extensions() map[string]any { return e.ext }
func newGQLError(msg, code string, strapi map[string]any) *gqlError {
	ext := map[string]any{"code": code}
	if strapi != nil {
		ext["error"] = strapi
	}
	return &gqlError{message: msg, ext: ext}
}

// fail turns the content API's errors into GraphQL errors as Strapi's
// plugin words them; anything else is logged and answered as internal.
func (r *gqlCall) fail(ctx context.Context, err error) error {
	var ce *contentapi.Error
	if errors.As(err, &ce) {
		if ce.Status == http.StatusForbidden {
			return newGQLError("Forbidden access", gqlCodeForbidden,
				map[string]any{"name": "ForbiddenError", "message": "Forbidden access", "details": map[string]any{}})
		}
		details := ce.Details
		if details == nil {
			details = map[string]any{}
		}
		strapi := map[string]any{"name": ce.Name, "message": ce.Message, "details": details}
		switch {
		case ce.Status == http.StatusBadRequest && ce.Name == "ValidationError":
			return newGQLError(ce.Message, gqlCodeBadUserInput, strapi)
		case ce.Status == http.StatusBadRequest || ce.Status == http.StatusNotFound:
			// Strapi's other application errors: STRAPI_ and the
			// name in upper snake case (PaginationError →
			// STRAPI_PAGINATION_ERROR), as its formatGraphqlError does.
			return newGQLError(ce.Message, strapiErrorCode(ce.Name), strapi)
		}
	}
	if ctx.Err() == nil {
		r.log.Error("graphql resolver failed", "request_id", r.requestID, "error", err)
	}
	return newGQLError("Internal Server Error", gqlCodeInternal, nil)
}

// strapiErrorCode is the extensions.code Strapi's GraphQL plugin gives
// an application error: "STRAPI_" and the error's name in upper snake
// case.
func strapiErrorCode(name string) string {
	var b strings.Builder
	b.WriteString("STRAPI_")
	for i, r := range name {
		if i > 0 && unicode.IsUpper(r) {
			b.WriteByte('_')
		}
		b.WriteRune(unicode.ToUpper(r))
	}
	return b.String()
}
