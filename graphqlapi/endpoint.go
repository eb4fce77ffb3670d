package graphqlapi

import (
	"context"
	"log/slog"
	"net/http"
	"strings"

	"github.com/graphql-go/graphql"
	"github.com/graphql-go/graphql/gqlerrors"
	"github.com/graphql-go/graphql/language/location"
	"github.com/graphql-go/graphql/language/parser"
	"github.com/graphql-go/graphql/language/source"

	"github.com/tokenadmin/tokenadmin/apitoken"
	"github.com/tokenadmin/tokenadmin/content"
	"github.com/tokenadmin/tokenadmin/contentapi"
)

// maxGraphQLOperations bounds the content queries and mutations one
// request runs, each of which may read a page of entries. The document's
// own limits (Default) are checked before graphql-go sees it.
const maxGraphQLOperations = 50

// graphqlRequest is the JSON body of POST /graphql.
type graphqlRequest struct {
	Query         string
	Variables     map[string]any
	OperationName string
}

// gqlErrorJSON is one entry of a response's "errors".
type gqlErrorJSON struct {
	Message    string                    `json:"message"`
	Locations  []location.SourceLocation `json:"locations,omitempty"`
	Path       []any                     `json:"path,omitempty"`
	Extensions map[string]any            `json:"extensions,omitempty"`
}

// Endpoint serves POST /graphql: the same content types, with the same
// per-action rules and operations (contentapi) as the REST routes, in the
// shape of Strapi's GraphQL plugin, with Apollo-style error codes. Its
// schema is built once, from the registry, by New.
type Endpoint struct {
	schemas       *gqlSchemas
	api           contentapi.API
	log           *slog.Logger
	introspection bool
}

// New builds the endpoint of reg's types, logging what the registry
// holds that GraphQL cannot name. introspection allows __schema and
// __type, which Apollo refuses in production.
func New(reg *content.Registry, api contentapi.API, log *slog.Logger, introspection bool) *Endpoint {
	return &Endpoint{schemas: newGQLSchemas(reg, log), api: api, log: log, introspection: introspection}
}

// Answer is a GraphQL response: its status and its JSON body.
type Answer struct {
	Status int
	Body   []byte
}

// Serve answers one request body for tok. err is an error the content
// API's error handler answers instead: the schema could not be built, or
// ctx ended (out of time, or the client is gone), when a half-resolved
// result must not be written.
func (s *Endpoint) Serve(ctx context.Context, tok apitoken.Token, requestID string, body []byte) (Answer, error) {
	if err := content.CheckBodyText(body); err != nil {
		return gqlInputError(err)
	}
	req, msg := parseGraphQLRequest(body)
	if msg != "" {
		return gqlRequestError(msg, gqlCodeBadRequest)
	}
	schemas := s.schemas
	if schemas.err != nil {
		return Answer{}, schemas.err
	}
	schema := schemas.schema
	// The document's budget first: graphql-go's validation is where a
	// small document can cost minutes, and it runs before any permission.
	gdoc, err := Default.Check(req.Query, req.Variables)
	if err != nil {
		return gqlLimitError(err)
	}
	if !s.introspection {
		if locs := IntrospectionFields(gdoc); len(locs) > 0 {
			errs := make([]gqlErrorJSON, len(locs))
			for i, l := range locs {
				errs[i] = gqlErrorJSON{Message: NoIntrospectionMessage,
					Locations:  []location.SourceLocation{{Line: l.Line, Column: l.Column}},
					Extensions: map[string]any{"code": gqlCodeValidationFailed}}
			}
			return gqlWrite(http.StatusBadRequest, nil, false, errs)
		}
	}
	// NoSource: graphql-go's printer, which validation runs on both
	// arguments of every pair of fields sharing a response key, serialises
	// a node with its source attached, so with the source each comparison
	// cost the size of the whole document. Error locations lose their
	// line without it; lines puts it back.
	doc, err := parser.Parse(parser.ParseParams{
		Source:  source.NewSource(&source.Source{Body: []byte(req.Query), Name: "GraphQL request"}),
		Options: parser.ParseOptions{NoSource: true},
	})
	if err != nil {
		return gqlRequestErrors(gqlerrors.FormatErrors(err), gqlCodeParseFailed)
	}
	lines := newLineIndex(req.Query)
	// gqlparser validates (graphql-js's rules and wording, what Strapi's
	// Apollo Server answers) on the document the budget check parsed;
	// graphql-go only executes it.
	if errs := gqlValidate(schemas.validation, gdoc, req.Query); len(errs) > 0 {
		return gqlWrite(http.StatusBadRequest, nil, false, errs)
	}
	if msg, code := checkOperation(doc, req.OperationName); msg != "" {
		return gqlRequestError(msg, code)
	}
	if op := gqlOperation(gdoc, req.OperationName); op != nil {
		if errs := gqlCheckVariables(schemas.validation, op, req.Variables); len(errs) > 0 {
			return gqlWrite(http.StatusBadRequest, nil, false, errs)
		}
	}

	// The resolvers get the token and the operations from the context,
	// never the caller's request: graphql-go runs them on a goroutine
	// that may outlive the handler when the client goes away.
	rq := &gqlCall{token: tok, api: s.api, log: s.log, requestID: requestID}
	ctx = context.WithValue(ctx, gqlCallKey{}, rq)
	res := graphql.Execute(graphql.ExecuteParams{
		Schema: schema, AST: doc, OperationName: req.OperationName, Args: req.Variables, Context: ctx,
	})
	if err := ctx.Err(); err != nil {
		// Out of time, or the client is gone: the deadline middleware
		// answers, not a half-resolved result.
		return Answer{}, err
	}

	errs := make([]gqlErrorJSON, 0, len(res.Errors))
	variableError := false
	for _, fe := range res.Errors {
		e := gqlErrorJSON{Message: fe.Message, Locations: lines.relocate(fe.Locations), Path: fe.Path, Extensions: fe.Extensions}
		if code, _ := e.Extensions["code"].(string); code != "" {
			errs = append(errs, e)
			continue
		}
		// The only errors graphql-go raises before running anything, once
		// the document is valid and the operation known, are variables
		// that do not fit their declared types.
		if res.Data == nil && len(e.Path) == 0 && strings.HasPrefix(e.Message, `Variable "$`) {
			e.Extensions = map[string]any{"code": gqlCodeBadUserInput}
			errs = append(errs, e)
			variableError = true
			continue
		}
		if ctx.Err() == nil {
			s.log.Error("graphql request failed", "request_id", rq.requestID, "error", fe.Message)
		}
		e.Message = "Internal Server Error"
		e.Extensions = map[string]any{"code": gqlCodeInternal}
		errs = append(errs, e)
	}
	if variableError {
		return gqlWrite(http.StatusBadRequest, nil, false, errs)
	}
	return gqlWrite(http.StatusOK, gqlOrdered(gdoc, req.OperationName, res.Data), true, errs)
}
