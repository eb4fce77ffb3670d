package graphqlapi

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/graphql-go/graphql/gqlerrors"
	"github.com/graphql-go/graphql/language/ast"
)

// parseGraphQLRequest reads {"query", "variables", "operationName"}; msg
// says what is wrong with a body that is not such an object.
func parseGraphQLRequest(body []byte) (req graphqlRequest, msg string) {
	if len(body) == 0 {
		return req, `The request body is empty; send {"query": "..."}`
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		return req, "The request body is not a JSON object: " + err.Error()
	}
	isNull := func(m json.RawMessage) bool { return len(m) == 0 || string(m) == "null" }
	if err := json.Unmarshal(raw["query"], &req.Query); err != nil || strings.TrimSpace(req.Query) == "" {
		return req, `GraphQL operations must contain a non-empty "query" string`
	}
	if v := raw["variables"]; !isNull(v) {
		if err := json.Unmarshal(v, &req.Variables); err != nil || req.Variables == nil {
			return req, `"variables" must be a JSON object`
		}
	}
	if v := raw["operationName"]; !isNull(v) {
		if err := json.Unmarshal(v, &req.OperationName); err != nil {
			return req, `"operationName" must be a string`
		}
	}
	return req, ""
}

// gqlRequestError answers a request refused before execution: 400 with
// errors and no data, as Apollo Server does.
func gqlRequestError(msg, code string) (Answer, error) {
	return gqlWrite(http.StatusBadRequest, nil, false, []gqlErrorJSON{{Message: msg, Extensions: map[string]any{"code": code}}})
}

func gqlRequestErrors(fes []gqlerrors.FormattedError, code string) (Answer, error) {
	errs := make([]gqlErrorJSON, len(fes))
	for i, fe := range fes {
		errs[i] = gqlErrorJSON{Message: fe.Message, Locations: fe.Locations,
			Extensions: map[string]any{"code": code}}
	}
	return gqlWrite(http.StatusBadRequest, nil, false, errs)
}

// checkOperation finds the operation to run as graphql-go will, so that a
// request naming none or an unknown one is a 400 rather than an execution
// error.
func checkOperation(doc *ast.Document, name string) (msg, code string) {
	var op *ast.OperationDefinition
	count := 0
	for _, d := range doc.Definitions {
		switch d := d.(type) {
		case *ast.OperationDefinition:
			count++
			if name == "" || d.Name != nil && d.Name.Value == name {
				op = d
			}
		case *ast.FragmentDefinition:
		default:
			return "GraphQL cannot execute a request containing a " + d.GetKind(), gqlCodeValidationFailed
		}
	}
	switch {
	case name == "" && count > 1:
		return "Must provide operation name if query contains multiple operations.", gqlCodeOperation
	case op == nil && name != "":
		return `Unknown operation named "` + name + `".`, gqlCodeOperation
	case op == nil:
		return "Must provide an operation.", gqlCodeOperation
	case op.Operation == ast.OperationTypeSubscription:
		return "Subscriptions are not supported.", gqlCodeValidationFailed
	}
	return "", ""
}
