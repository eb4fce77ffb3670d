package contentapi

import (
	"errors"
	"net/http"

	"github.com/tokenadmin/tokenadmin/content"
)

// Error is one of Strapi's errors: the status REST answers, the name
// clients switch on (ValidationError, NotFoundError…), the message and
// the details. GraphQL turns it into its extensions.
type Error struct {
	Status  int
	Name    string
	Message string
	Details any
	// Scope is the action a 403 lacked, which REST names in its
	// WWW-Authenticate challenge.
	Scope string
}

func (e *Error) Error() string { return e.Message }

// NotFound is Strapi's 404.
func NotFound() *Error {
	return &Error{Status: http.StatusNotFound, Name: "NotFoundError", Message: "Not Found"}
}

// MethodNotAllowed is the answer to an action a type does not have
// (create on a single type).
func MethodNotAllowed() *Error {
	return &Error{Status: http.StatusMethodNotAllowed, Name: "MethodNotAllowedError", Message: "Method Not Allowed"}
}

// Forbidden is a token without the permission for action.
func Forbidden(action string) *Error {
	return &Error{Status: http.StatusForbidden, Name: "ForbiddenError", Message: "Forbidden", Scope: action}
}

// IsNotFound reports whether err is a 404.
func IsNotFound(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Status == http.StatusNotFound
}

// InvalidInput turns the content package's parse and validation errors
// into Strapi's 400 answers; any other error is returned as it is.
func InvalidInput(err error) error {
	var ve *content.ValidationError
	if errors.As(err, &ve) {
		return &Error{Status: http.StatusBadRequest, Name: "ValidationError", Message: ve.Message, Details: ve.DetailsObject()}
	}
	var pe *content.PaginationError
	if errors.As(err, &pe) {
		return &Error{Status: http.StatusBadRequest, Name: "PaginationError", Message: pe.Message}
	}
	var se *content.SyntaxError
	if errors.As(err, &se) {
		return &Error{Status: http.StatusBadRequest, Name: "SyntaxError", Message: se.Message}
	}
	return err
}

// storeError maps the entry store's errors; a write's unique violation
// names the offending values of data, as Strapi's entries do.
func storeError(err error, ct content.ContentType, data map[string]any) error {
	var uv *content.UniqueViolation
	switch {
	case errors.As(err, &uv):
		list := make([]content.FieldError, 0, len(uv.Fields))
		for _, f := range uv.Fields {
			fe := content.FieldError{Path: []string{f}, Message: "This attribute must be unique"}
			if a, ok := ct.Attribute(f); ok {
				fe.Value = AttrJSON(a, data[f])
			}
			list = append(list, fe)
		}
		return InvalidInput(content.NewFieldValidationError(list...))
	case errors.Is(err, content.ErrNotFound):
		return NotFound()
	}
	return err
}
