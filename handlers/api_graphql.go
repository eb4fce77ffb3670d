package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"unicode"

	"github.com/graphql-go/graphql"
	"github.com/graphql-go/graphql/gqlerrors"
	"github.com/graphql-go/graphql/language/ast"
	"github.com/graphql-go/graphql/language/location"
	"github.com/graphql-go/graphql/language/parser"
	"github.com/graphql-go/graphql/language/source"
	"github.com/labstack/echo/v4"
	gqlast "github.com/vektah/gqlparser/v2/ast"

	"github.com/tokenadmin/tokenadmin/apitoken"
	"github.com/tokenadmin/tokenadmin/content"
	"github.com/tokenadmin/tokenadmin/graphqlapi"
)

// The GraphQL endpoint serves the same content types, with the same
// per-action rules, as the REST routes, in the shape of Strapi's GraphQL
// plugin: a schema built at run time from the registry, filters, sort and
// pagination arguments that are turned into the REST query string so that
// one parser validates both, and Apollo-style error codes.

// maxGraphQLOperations bounds the content queries and mutations one
// request runs, each of which may read a page of entries. The document's
// own limits (graphqlapi.Default) are checked before graphql-go sees it.
const maxGraphQLOperations = 50

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

// --- the endpoint ---

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

func (s *server) graphql(c echo.Context) error {
	tok, ok := currentToken(c)
	if !ok {
		return unauthorized("Missing or invalid credentials", realm)
	}
	body, err := readBody(c)
	if err != nil {
		return err
	}
	if err := content.CheckBodyText(body); err != nil {
		return gqlInputError(c, err)
	}
	req, msg := parseGraphQLRequest(body)
	if msg != "" {
		return gqlRequestError(c, msg, gqlCodeBadRequest)
	}
	schemas := s.gql
	if schemas.err != nil {
		return schemas.err
	}
	schema := schemas.schema
	// The document's budget first: graphql-go's validation is where a
	// small document can cost minutes, and it runs before any permission.
	gdoc, err := graphqlapi.Default.Check(req.Query, req.Variables)
	if err != nil {
		return gqlLimitError(c, err)
	}
	if !s.gqlIntrospection {
		if locs := graphqlapi.IntrospectionFields(gdoc); len(locs) > 0 {
			errs := make([]gqlErrorJSON, len(locs))
			for i, l := range locs {
				errs[i] = gqlErrorJSON{Message: graphqlapi.NoIntrospectionMessage,
					Locations:  []location.SourceLocation{{Line: l.Line, Column: l.Column}},
					Extensions: map[string]any{"code": gqlCodeValidationFailed}}
			}
			return gqlWrite(c, http.StatusBadRequest, nil, false, errs)
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
		return gqlRequestErrors(c, gqlerrors.FormatErrors(err), gqlCodeParseFailed)
	}
	lines := newLineIndex(req.Query)
	// gqlparser validates (graphql-js's rules and wording, what Strapi's
	// Apollo Server answers) on the document the budget check parsed;
	// graphql-go only executes it.
	if errs := gqlValidate(schemas.validation, gdoc, req.Query); len(errs) > 0 {
		return gqlWrite(c, http.StatusBadRequest, nil, false, errs)
	}
	if msg, code := checkOperation(doc, req.OperationName); msg != "" {
		return gqlRequestError(c, msg, code)
	}
	if op := gqlOperation(gdoc, req.OperationName); op != nil {
		if errs := gqlCheckVariables(schemas.validation, op, req.Variables); len(errs) > 0 {
			return gqlWrite(c, http.StatusBadRequest, nil, false, errs)
		}
	}

	// The resolvers get the token and the store from the context, never
	// the echo.Context: graphql-go runs them on a goroutine that may
	// outlive this handler when the client goes away, and Echo reuses its
	// contexts.
	rq := &gqlCall{token: tok, entries: s.entries, log: s.log,
		requestID: c.Response().Header().Get(echo.HeaderXRequestID)}
	ctx := context.WithValue(c.Request().Context(), gqlCallKey{}, rq)
	res := graphql.Execute(graphql.ExecuteParams{
		Schema: schema, AST: doc, OperationName: req.OperationName, Args: req.Variables, Context: ctx,
	})
	if err := ctx.Err(); err != nil {
		// Out of time, or the client is gone: the deadline middleware
		// answers, not a half-resolved result.
		return err
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
		return gqlWrite(c, http.StatusBadRequest, nil, false, errs)
	}
	return gqlWrite(c, http.StatusOK, gqlOrdered(gdoc, req.OperationName, res.Data), true, errs)
}

// gqlWrite writes a GraphQL answer as Apollo Server does: "errors" (when
// there are any) before "data" (when there is any), each error as
// {message, locations, path, extensions}, extensions as {code, error},
// Strapi's error as {name, message, details}, strings as JSON.stringify
// writes them.
func gqlWrite(c echo.Context, status int, data any, hasData bool, errs []gqlErrorJSON) error {
	var out content.OrderedObject
	if len(errs) > 0 {
		list := make([]content.OrderedObject, len(errs))
		for i, e := range errs {
			list[i] = e.ordered()
		}
		out = append(out, content.Field{Key: "errors", Value: list})
	}
	if hasData {
		out = append(out, content.Field{Key: "data", Value: data})
	}
	b, err := out.AppendJSON(make([]byte, 0, 512))
	if err != nil {
		return err
	}
	return writeJSON(c, status, append(b, '\n'))
}

// ordered is the error in graphql-js's key order.
func (e gqlErrorJSON) ordered() content.OrderedObject {
	o := content.OrderedObject{{Key: "message", Value: e.Message}}
	if len(e.Locations) > 0 {
		locs := make([]content.OrderedObject, len(e.Locations))
		for i, l := range e.Locations {
			locs[i] = content.OrderedObject{{Key: "line", Value: l.Line}, {Key: "column", Value: l.Column}}
		}
		o = append(o, content.Field{Key: "locations", Value: locs})
	}
	if len(e.Path) > 0 {
		o = append(o, content.Field{Key: "path", Value: e.Path})
	}
	if len(e.Extensions) > 0 {
		o = append(o, content.Field{Key: "extensions", Value: orderedExtensions(e.Extensions)})
	}
	return o
}

// orderedExtensions writes code first and Strapi's error as {name,
// message, details}; anything else follows in sorted order.
func orderedExtensions(ext map[string]any) content.OrderedObject {
	var o content.OrderedObject
	if code, ok := ext["code"]; ok {
		o = append(o, content.Field{Key: "code", Value: code})
	}
	if se, ok := ext["error"].(map[string]any); ok {
		eo := content.OrderedObject{}
		for _, k := range []string{"name", "message", "details"} {
			if v, ok := se[k]; ok {
				if m, isMap := v.(map[string]any); isMap && len(m) == 0 {
					v = content.OrderedObject{}
				}
				eo = append(eo, content.Field{Key: k, Value: v})
			}
		}
		o = append(o, content.Field{Key: "error", Value: eo})
	}
	for _, k := range slices.Sorted(maps.Keys(ext)) {
		if k != "code" && k != "error" {
			o = append(o, content.Field{Key: k, Value: ext[k]})
		}
	}
	return o
}

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
func gqlRequestError(c echo.Context, msg, code string) error {
	return gqlWrite(c, http.StatusBadRequest, nil, false, []gqlErrorJSON{{Message: msg, Extensions: map[string]any{"code": code}}})
}

func gqlRequestErrors(c echo.Context, fes []gqlerrors.FormattedError, code string) error {
	errs := make([]gqlErrorJSON, len(fes))
	for i, fe := range fes {
		errs[i] = gqlErrorJSON{Message: fe.Message, Locations: fe.Locations,
			Extensions: map[string]any{"code": code}}
	}
	return gqlWrite(c, http.StatusBadRequest, nil, false, errs)
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

// --- the schema ---

// gqlSchemas is the GraphQL schema of the server's registry, built once
// in NewServer: the graphql-go schema that runs the resolvers and the same
// schema loaded by gqlparser, whose validator words errors as graphql-js.
type gqlSchemas struct {
	schema     graphql.Schema
	validation *gqlast.Schema
	err        error // the registry could not be served; /graphql answers 500
}

// newGQLSchemas builds the schemas, logging what the registry holds that
// GraphQL cannot name.
func newGQLSchemas(reg *content.Registry, log *slog.Logger) *gqlSchemas {
	sc := &gqlSchemas{}
	var notes []string
	sc.schema, notes, sc.err = buildGraphQLSchema(reg)
	if sc.err == nil {
		sc.validation, sc.err = gqlparserSchema(sc.schema)
	}
	for _, n := range notes {
		log.Warn("graphql: left out of the schema", "reason", n)
	}
	if sc.err != nil {
		log.Error("graphql: cannot build the schema", "error", sc.err)
	}
	return sc
}

// gqlFilterOps are the operators of every <Scalar>FilterInput, as in
// Strapi; each is the REST operator with a "$" in front.
var (
	gqlScalarOps = []string{"eq", "eqi", "ne", "nei", "lt", "lte", "gt", "gte",
		"contains", "notContains", "containsi", "notContainsi", "startsWith", "endsWith"}
	gqlListOps = []string{"in", "notIn", "between"}
	gqlBoolOps = []string{"null", "notNull"}
)

// gqlBuilder builds one schema; its types are never shared with another.
type gqlBuilder struct {
	json       *graphql.Scalar
	filters    map[*graphql.Scalar]*graphql.InputObject
	dateFilter *graphql.InputObject
	pagination *graphql.InputObject
	pageInfo   *graphql.Object
	deleted    *graphql.Object

	typeNames    map[string]bool
	queries      graphql.Fields
	mutations    graphql.Fields
	notes        []string
	filterByName map[string]*graphql.InputObject // by content.TypeInfo.GraphQLFilter
}

func buildGraphQLSchema(reg *content.Registry) (graphql.Schema, []string, error) {
	b := &gqlBuilder{
		filters:   map[*graphql.Scalar]*graphql.InputObject{},
		typeNames: map[string]bool{},
		queries:   graphql.Fields{},
		mutations: graphql.Fields{},
	}
	for _, n := range []string{"Query", "Mutation", "Subscription", "String", "Int", "Float", "Boolean", "ID",
		"JSON", "PaginationArg", "Pagination", "DeleteMutationResponse", "StringFilterInput", "IntFilterInput",
		"FloatFilterInput", "BooleanFilterInput", "IDFilterInput", "DateFilterInput", "DateTimeFilterInput"} {
		b.typeNames[n] = true
	}
	b.json = graphql.NewScalar(graphql.ScalarConfig{
		Name:         "JSON",
		Description:  "Any JSON value: the value of a json attribute.",
		Serialize:    func(v any) any { return v },
		ParseValue:   func(v any) any { return v },
		ParseLiteral: jsonLiteral,
	})
	for _, t := range []*graphql.Scalar{graphql.String, graphql.Int, graphql.Float, graphql.Boolean, graphql.ID} {
		b.filters[t] = filterInput(t.Name()+"FilterInput", t)
	}
	b.dateFilter = filterInput("DateFilterInput", graphql.String)
	dateTimeFilter := filterInput("DateTimeFilterInput", graphql.String)
	b.filterByName = map[string]*graphql.InputObject{"DateFilterInput": b.dateFilter, "DateTimeFilterInput": dateTimeFilter}
	for _, f := range b.filters {
		b.filterByName[f.Name()] = f
	}
	b.pagination = graphql.NewInputObject(graphql.InputObjectConfig{
		Name: "PaginationArg",
		Fields: graphql.InputObjectConfigFieldMap{
			"page":     {Type: graphql.Int},
			"pageSize": {Type: graphql.Int},
			"start":    {Type: graphql.Int},
			"limit":    {Type: graphql.Int},
		},
	})
	nonNullInt := &graphql.Field{Type: graphql.NewNonNull(graphql.Int)}
	b.pageInfo = graphql.NewObject(graphql.ObjectConfig{
		Name:   "Pagination",
		Fields: graphql.Fields{"total": nonNullInt, "page": nonNullInt, "pageSize": nonNullInt, "pageCount": nonNullInt},
	})
	b.deleted = graphql.NewObject(graphql.ObjectConfig{
		Name:   "DeleteMutationResponse",
		Fields: graphql.Fields{"documentId": {Type: graphql.NewNonNull(graphql.ID)}},
	})

	for _, ct := range reg.Types() {
		b.addType(ct, dateTimeFilter)
	}
	if len(b.queries) == 0 {
		return graphql.Schema{}, b.notes, errors.New("the registry holds no content type to serve")
	}
	cfg := graphql.SchemaConfig{Query: graphql.NewObject(graphql.ObjectConfig{Name: "Query", Fields: b.queries})}
	if len(b.mutations) > 0 {
		cfg.Mutation = graphql.NewObject(graphql.ObjectConfig{Name: "Mutation", Fields: b.mutations})
	}
	schema, err := graphql.NewSchema(cfg)
	return schema, b.notes, err
}

// filterInput is Strapi's <Scalar>FilterInput: the comparison operators,
// and/or over values of the field, and a nested not.
func filterInput(name string, t graphql.Input) *graphql.InputObject {
	var self *graphql.InputObject
	self = graphql.NewInputObject(graphql.InputObjectConfig{
		Name: name,
		Fields: graphql.InputObjectConfigFieldMapThunk(func() graphql.InputObjectConfigFieldMap {
			m := graphql.InputObjectConfigFieldMap{
				"and": {Type: graphql.NewList(t)},
				"or":  {Type: graphql.NewList(t)},
				"not": {Type: self},
			}
			for _, op := range gqlScalarOps {
				m[op] = &graphql.InputObjectFieldConfig{Type: t}
			}
			for _, op := range gqlListOps {
				m[op] = &graphql.InputObjectFieldConfig{Type: graphql.NewList(t)}
			}
			for _, op := range gqlBoolOps {
				m[op] = &graphql.InputObjectFieldConfig{Type: graphql.Boolean}
			}
			return m
		}),
	})
	return self
}

// outputType is how an attribute's values read in GraphQL; dates and
// times are strings in the REST format.
func (b *gqlBuilder) outputType(t content.AttrType) graphql.Output {
	switch t.Info().GraphQL {
	case "Int":
		return graphql.Int
	case "Float":
		return graphql.Float
	case "Boolean":
		return graphql.Boolean
	case "JSON":
		return b.json
	}
	return graphql.String
}

func (b *gqlBuilder) inputType(t content.AttrType) graphql.Input {
	return b.outputType(t).(graphql.Input)
}

// gqlCamel turns a kebab-case type name into camelCase: blog-post → blogPost.
func gqlCamel(name string) string {
	p := gqlPascal(name)
	return strings.ToLower(p[:1]) + p[1:]
}

// gqlPascal turns a kebab-case type name into PascalCase: blog-post → BlogPost.
func gqlPascal(name string) string {
	var sb strings.Builder
	for _, part := range strings.Split(name, "-") {
		if part != "" {
			sb.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return sb.String()
}

// addType adds a content type's object, input and filter types, its
// queries and its mutations. A type whose GraphQL names another type has
// taken already is left out with a note rather than breaking the schema.
func (b *gqlBuilder) addType(ct content.ContentType, dateTimeFilter *graphql.InputObject) {
	pascal := gqlPascal(ct.SingularName)
	single := gqlCamel(ct.SingularName)
	collection := ct.Kind != content.SingleType
	typeNames := []string{pascal, pascal + "Input"}
	queries := []string{single}
	mutations := []string{"update" + pascal, "delete" + pascal}
	plural := gqlCamel(ct.PluralName)
	if collection {
		typeNames = append(typeNames, pascal+"FiltersInput", pascal+"EntityResponseCollection")
		queries = append(queries, plural, plural+"_connection")
		mutations = append(mutations, "create"+pascal)
	}
	enums := map[string]*graphql.Enum{}
	for _, a := range ct.Attributes {
		if a.Type != content.TypeEnumeration {
			continue
		}
		name, e := gqlEnum(pascal, a)
		if e == nil {
			b.notes = append(b.notes, ct.UID()+": enumeration "+a.Name+" has a value that is not a GraphQL name; it reads as a String")
			continue
		}
		typeNames = append(typeNames, name)
		enums[a.Name] = e
	}
	for _, n := range typeNames {
		if b.typeNames[n] {
			b.notes = append(b.notes, ct.UID()+": the GraphQL type name "+n+" is taken")
			return
		}
	}
	for _, n := range queries {
		if _, taken := b.queries[n]; taken {
			b.notes = append(b.notes, ct.UID()+": the GraphQL query "+n+" is taken")
			return
		}
	}
	for _, n := range mutations {
		if _, taken := b.mutations[n]; taken {
			b.notes = append(b.notes, ct.UID()+": the GraphQL mutation "+n+" is taken")
			return
		}
	}
	for _, n := range typeNames {
		b.typeNames[n] = true
	}

	fields := graphql.Fields{"documentId": {Type: graphql.NewNonNull(graphql.ID)}}
	inputs := graphql.InputObjectConfigFieldMap{}
	filterFields := graphql.InputObjectConfigFieldMap{"documentId": {Type: b.filters[graphql.ID]}}
	for _, a := range ct.Attributes {
		if strings.HasPrefix(a.Name, "__") { // reserved by GraphQL introspection
			b.notes = append(b.notes, ct.UID()+": attribute "+a.Name+" starts with __")
			continue
		}
		in, out := b.inputType(a.Type), b.outputType(a.Type)
		if e := enums[a.Name]; e != nil {
			in, out = e, e
		}
		inputs[a.Name] = &graphql.InputObjectFieldConfig{Type: in}
		if a.Private {
			continue
		}
		fields[a.Name] = &graphql.Field{Type: out}
		switch f := b.filterByName[a.Type.Info().GraphQLFilter]; {
		case f == nil: // json: not filterable, as in REST
		case a.Name == "and" || a.Name == "or" || a.Name == "not":
			b.notes = append(b.notes, ct.UID()+": attribute "+a.Name+" cannot be filtered on: the name is an operator")
		default:
			filterFields[a.Name] = &graphql.InputObjectFieldConfig{Type: f}
		}
	}
	for _, f := range []string{content.FieldCreatedAt, content.FieldUpdatedAt, content.FieldPublishedAt} {
		fields[f] = &graphql.Field{Type: graphql.String}
		filterFields[f] = &graphql.InputObjectFieldConfig{Type: dateTimeFilter}
	}
	obj := graphql.NewObject(graphql.ObjectConfig{Name: pascal, Description: ct.Description, Fields: fields})
	var input graphql.Input = graphql.String // a type without attributes takes no data
	if len(inputs) > 0 {
		input = graphql.NewInputObject(graphql.InputObjectConfig{Name: pascal + "Input", Fields: inputs})
	} else {
		b.notes = append(b.notes, ct.UID()+": no attributes, so its mutations take no data")
	}
	withData := func(args graphql.FieldConfigArgument) graphql.FieldConfigArgument {
		if len(inputs) > 0 {
			args["data"] = &graphql.ArgumentConfig{Type: graphql.NewNonNull(input)}
		}
		return args
	}
	docArg := func() graphql.FieldConfigArgument {
		return graphql.FieldConfigArgument{"documentId": {Type: graphql.NewNonNull(graphql.ID)}}
	}

	if !collection {
		b.queries[single] = &graphql.Field{Type: obj, Resolve: gqlSingle(ct)}
		b.mutations["update"+pascal] = &graphql.Field{Type: obj, Args: withData(graphql.FieldConfigArgument{}), Resolve: gqlUpdate(ct)}
		b.mutations["delete"+pascal] = &graphql.Field{Type: b.deleted, Resolve: gqlDelete(ct)}
		return
	}
	var filters *graphql.InputObject
	filters = graphql.NewInputObject(graphql.InputObjectConfig{
		Name: pascal + "FiltersInput",
		Fields: graphql.InputObjectConfigFieldMapThunk(func() graphql.InputObjectConfigFieldMap {
			m := maps.Clone(filterFields)
			m["and"] = &graphql.InputObjectFieldConfig{Type: graphql.NewList(filters)}
			m["or"] = &graphql.InputObjectFieldConfig{Type: graphql.NewList(filters)}
			m["not"] = &graphql.InputObjectFieldConfig{Type: filters}
			return m
		}),
	})
	findArgs := func() graphql.FieldConfigArgument {
		return graphql.FieldConfigArgument{
			"filters":    {Type: filters},
			"sort":       {Type: graphql.NewList(graphql.String)},
			"pagination": {Type: b.pagination},
		}
	}
	b.queries[plural] = &graphql.Field{Type: graphql.NewNonNull(graphql.NewList(obj)), Args: findArgs(), Resolve: gqlFind(ct, false)}
	// Strapi 5's <plural>_connection: the nodes and the page they are.
	connection := graphql.NewObject(graphql.ObjectConfig{
		Name: pascal + "EntityResponseCollection",
		Fields: graphql.Fields{
			"nodes":    {Type: graphql.NewNonNull(graphql.NewList(graphql.NewNonNull(obj)))},
			"pageInfo": {Type: graphql.NewNonNull(b.pageInfo)},
		},
	})
	b.queries[plural+"_connection"] = &graphql.Field{Type: connection, Args: findArgs(), Resolve: gqlFind(ct, true)}
	b.queries[single] = &graphql.Field{Type: obj, Args: docArg(), Resolve: gqlFindOne(ct)}
	b.mutations["create"+pascal] = &graphql.Field{Type: obj, Args: withData(graphql.FieldConfigArgument{}), Resolve: gqlCreate(ct)}
	b.mutations["update"+pascal] = &graphql.Field{Type: obj, Args: withData(docArg()), Resolve: gqlUpdate(ct)}
	b.mutations["delete"+pascal] = &graphql.Field{Type: b.deleted, Args: docArg(), Resolve: gqlDelete(ct)}
}

// gqlEnumName matches the names GraphQL allows.
var gqlEnumName = regexp.MustCompile(`^[_A-Za-z][_0-9A-Za-z]*$`)

// gqlEnum is Strapi's enum for an enumeration attribute:
// ENUM_<TYPE>_<ATTRIBUTE> in upper case, one value per schema value, its
// name the value with runs of other characters turned into "_" (Strapi's
// toRegressedEnumValue on the plain values schemas use). It is nil when a
// value still is no GraphQL name or two values collide.
func gqlEnum(pascal string, a content.Attribute) (string, *graphql.Enum) {
	name := "ENUM_" + strings.ToUpper(pascal) + "_" + strings.ToUpper(a.Name)
	values := graphql.EnumValueConfigMap{}
	for _, v := range a.Enum {
		n := gqlEnumRegress.ReplaceAllString(v, "_")
		if !gqlEnumName.MatchString(n) || values[n] != nil || n == "true" || n == "false" || n == "null" {
			return name, nil
		}
		values[n] = &graphql.EnumValueConfig{Value: v}
	}
	if len(values) == 0 {
		return name, nil
	}
	return name, graphql.NewEnum(graphql.EnumConfig{Name: name, Values: values})
}

var gqlEnumRegress = regexp.MustCompile(`[^_0-9A-Za-z]+`)

// jsonLiteral reads a JSON scalar written inline in the document. Numbers
// stay exact as json.Number; variables inside a literal are not supported.
func jsonLiteral(v ast.Value) any {
	switch v := v.(type) {
	case *ast.StringValue:
		return v.Value
	case *ast.BooleanValue:
		return v.Value
	case *ast.IntValue:
		return json.Number(v.Value)
	case *ast.FloatValue:
		return json.Number(v.Value)
	case *ast.ListValue:
		out := make([]any, 0, len(v.Values))
		for _, e := range v.Values {
			x := jsonLiteral(e)
			if x == nil {
				return nil
			}
			out = append(out, x)
		}
		return out
	case *ast.ObjectValue:
		out := make(map[string]any, len(v.Fields))
		for _, f := range v.Fields {
			x := jsonLiteral(f.Value)
			if x == nil || f.Name == nil {
				return nil
			}
			out[f.Name.Value] = x
		}
		return out
	}
	return nil
}

// --- resolvers ---

type gqlCallKey struct{}

// gqlCall is what the resolvers of one request share.
type gqlCall struct {
	token     apitoken.Token
	entries   EntryStore
	log       *slog.Logger
	requestID string
	ops       atomic.Int32
}

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

// gqlBegin checks the token's permission for the action, before the
// store is touched, and counts the operation.
func gqlBegin(p graphql.ResolveParams, ct content.ContentType, verb string) (*gqlCall, error) {
	r, ok := p.Context.Value(gqlCallKey{}).(*gqlCall)
	if !ok {
		return nil, errors.New("graphql: resolver called without a request")
	}
	if r.ops.Add(1) > maxGraphQLOperations {
		return nil, newGQLError("A request may run at most "+strconv.Itoa(maxGraphQLOperations)+" queries and mutations",
			gqlCodeBadUserInput, nil)
	}
	if !r.token.Allows(ct.UID() + "." + verb) {
		return nil, newGQLError("Forbidden access", gqlCodeForbidden,
			map[string]any{"name": "ForbiddenError", "message": "Forbidden access", "details": map[string]any{}})
	}
	return r, nil
}

// fail turns the REST layer's errors (validationError, storeError) into
// GraphQL errors; anything else is logged and answered as internal.
func (r *gqlCall) fail(ctx context.Context, err error) error {
	var ae *apiError
	if errors.As(err, &ae) {
		details := ae.Details
		if details == nil {
			details = map[string]any{}
		}
		strapi := map[string]any{"name": ae.Name, "message": ae.Message, "details": details}
		switch {
		case ae.Status == http.StatusBadRequest && ae.Name == "ValidationError":
			return newGQLError(ae.Message, gqlCodeBadUserInput, strapi)
		case ae.Status == http.StatusBadRequest || ae.Status == http.StatusNotFound:
			// Strapi's other application errors: STRAPI_ and the
			// name in upper snake case (PaginationError →
			// STRAPI_PAGINATION_ERROR), as its formatGraphqlError does.
			return newGQLError(ae.Message, strapiErrorCode(ae.Name), strapi)
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

// gqlEntry is an entry as its GraphQL object type reads it: the REST
// values, private attributes left out.
func gqlEntry(ct content.ContentType, e content.Entry) map[string]any {
	m := map[string]any{
		"documentId":             e.DocumentID,
		content.FieldCreatedAt:   strapiTime(e.CreatedAt),
		content.FieldUpdatedAt:   strapiTime(e.UpdatedAt),
		content.FieldPublishedAt: nil,
	}
	if e.PublishedAt != nil {
		m[content.FieldPublishedAt] = strapiTime(*e.PublishedAt)
	}
	for _, a := range ct.Attributes {
		if !a.Private {
			m[a.Name] = attrJSON(a, e.Data[a.Name])
		}
	}
	return m
}

// gqlFind reads a page of entries: the list of <plural>, or with
// connection the nodes and pageInfo of <plural>_connection.
func gqlFind(ct content.ContentType, connection bool) graphql.FieldResolveFn {
	return func(p graphql.ResolveParams) (any, error) {
		r, err := gqlBegin(p, ct, content.VerbFind)
		if err != nil {
			return nil, err
		}
		vals, err := gqlQueryValues(p.Args)
		if err != nil {
			return nil, r.fail(p.Context, validationError(err))
		}
		q, err := content.ParseQueryPaged(ct, vals, content.GraphQLPaging)
		if err != nil {
			return nil, r.fail(p.Context, validationError(err))
		}
		entries, total, err := r.entries.FindEntries(p.Context, ct, q)
		if err != nil {
			return nil, r.fail(p.Context, storeError(err))
		}
		out := make([]any, len(entries))
		for i, e := range entries {
			out[i] = gqlEntry(ct, e)
		}
		if !connection {
			return out, nil
		}
		return map[string]any{"nodes": out, "pageInfo": gqlPageInfo(q, total)}, nil
	}
}

// gqlPageInfo is Strapi's Pagination object, computed from the start and
// limit read as its plugin does: page floor(start/limit)+1, pageSize the
// limit, pageCount ceil(total/limit).
func gqlPageInfo(q content.Query, total int) map[string]any {
	limit := max(q.Limit, 1)
	return map[string]any{"total": total, "page": q.Start/limit + 1, "pageSize": limit, "pageCount": (total + limit - 1) / limit}
}

// gqlFindOne reads one entry; a missing one is null without an error, as
// Strapi answers.
func gqlFindOne(ct content.ContentType) graphql.FieldResolveFn {
	return func(p graphql.ResolveParams) (any, error) {
		r, err := gqlBegin(p, ct, content.VerbFindOne)
		if err != nil {
			return nil, err
		}
		id, _ := p.Args["documentId"].(string)
		e, err := r.entries.FindEntry(p.Context, ct, id)
		if errors.Is(err, content.ErrNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, r.fail(p.Context, storeError(err))
		}
		return gqlEntry(ct, e), nil
	}
}

// gqlSingle reads a single type's entry, null when there is none yet.
func gqlSingle(ct content.ContentType) graphql.FieldResolveFn {
	return func(p graphql.ResolveParams) (any, error) {
		r, err := gqlBegin(p, ct, content.VerbFind)
		if err != nil {
			return nil, err
		}
		e, err := r.entries.SingleEntry(p.Context, ct)
		if errors.Is(err, content.ErrNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, r.fail(p.Context, storeError(err))
		}
		return gqlEntry(ct, e), nil
	}
}

// gqlEntryInput validates the data argument exactly as a REST body
// {"data": …} is validated.
func gqlEntryInput(ct content.ContentType, args map[string]any, partial bool) (map[string]any, error) {
	data, ok := args["data"]
	if !ok {
		data = map[string]any{}
	}
	body, err := json.Marshal(map[string]any{"data": data})
	if err != nil {
		return nil, content.NewValidationError("data cannot be encoded: "+err.Error(), nil)
	}
	return content.ParseEntryInput(ct, body, partial)
}

func gqlCreate(ct content.ContentType) graphql.FieldResolveFn {
	return func(p graphql.ResolveParams) (any, error) {
		r, err := gqlBegin(p, ct, content.VerbCreate)
		if err != nil {
			return nil, err
		}
		data, err := gqlEntryInput(ct, p.Args, false)
		if err != nil {
			return nil, r.fail(p.Context, validationError(err))
		}
		e, err := r.entries.CreateEntry(p.Context, ct, data)
		if err != nil {
			return nil, r.fail(p.Context, writeError(err, ct, data))
		}
		return gqlEntry(ct, e), nil
	}
}

// gqlUpdate changes a collection entry (the keys sent) or creates or
// replaces a single type's entry, as PUT does in REST.
func gqlUpdate(ct content.ContentType) graphql.FieldResolveFn {
	single := ct.Kind == content.SingleType
	return func(p graphql.ResolveParams) (any, error) {
		r, err := gqlBegin(p, ct, content.VerbUpdate)
		if err != nil {
			return nil, err
		}
		data, err := gqlEntryInput(ct, p.Args, !single)
		if err != nil {
			return nil, r.fail(p.Context, validationError(err))
		}
		var e content.Entry
		if single {
			e, _, err = r.entries.PutSingleEntry(p.Context, ct, data)
		} else {
			id, _ := p.Args["documentId"].(string)
			e, err = r.entries.UpdateEntry(p.Context, ct, id, data)
			if errors.Is(err, content.ErrNotFound) {
				return nil, nil // Strapi: null, no error
			}
		}
		if err != nil {
			return nil, r.fail(p.Context, writeError(err, ct, data))
		}
		return gqlEntry(ct, e), nil
	}
}

func gqlDelete(ct content.ContentType) graphql.FieldResolveFn {
	single := ct.Kind == content.SingleType
	return func(p graphql.ResolveParams) (any, error) {
		r, err := gqlBegin(p, ct, content.VerbDelete)
		if err != nil {
			return nil, err
		}
		// Deleting a collection entry that is not there answers the
		// documentId asked for, without an error, as Strapi does.
		id, _ := p.Args["documentId"].(string)
		if single {
			e, err := r.entries.SingleEntry(p.Context, ct)
			if errors.Is(err, content.ErrNotFound) {
				// Strapi's single-type delete looks first and throws.
				return nil, r.fail(p.Context, &apiError{Status: http.StatusNotFound, Name: "NotFoundError", Message: "Document not found"})
			}
			if err != nil {
				return nil, r.fail(p.Context, storeError(err))
			}
			id = e.DocumentID
		}
		if err := r.entries.DeleteEntry(p.Context, ct, id); err != nil && !errors.Is(err, content.ErrNotFound) {
			return nil, r.fail(p.Context, storeError(err))
		}
		return map[string]any{"documentId": id}, nil
	}
}

// --- arguments to the REST query string ---

// gqlQueryValues writes the filters, sort and pagination arguments as the
// query string REST reads (filters[title][$eq]=…, sort[0]=title:asc,
// pagination[page]=…), so that content.ParseQuery checks and converts
// them exactly as it does for REST.
func gqlQueryValues(args map[string]any) (url.Values, error) {
	v := url.Values{}
	if f, ok := args["filters"].(map[string]any); ok {
		part, err := gqlFilterGroup("filters", 0, f)
		if err != nil {
			return nil, err
		}
		mergeValues(v, part)
	}
	if list, ok := args["sort"].([]any); ok {
		i := 0
		for _, e := range list {
			if s, ok := e.(string); ok {
				v.Set("sort["+strconv.Itoa(i)+"]", s)
				i++
			}
		}
	}
	if p, ok := args["pagination"].(map[string]any); ok {
		for _, k := range []string{"page", "pageSize", "start", "limit"} {
			if s, ok := gqlScalarString(p[k]); ok {
				v.Set("pagination["+k+"]", s)
			}
		}
	}
	return v, nil
}

func mergeValues(dst, src url.Values) {
	for k, vs := range src {
		dst[k] = append(dst[k], vs...)
	}
}

// gqlFilterError is a filter error with the details ParseQuery gives its own.
func gqlFilterError(msg, key string, path any) error {
	return content.NewValidationError(msg, map[string]any{"key": key, "path": path, "source": "query", "param": "filters"})
}

func gqlTooDeep() error {
	return gqlFilterError("filters is nested more than "+strconv.Itoa(content.MaxQueryDepth)+" levels", "filters", nil)
}

// gqlFilterGroup writes one <Type>FiltersInput object under prefix. An
// object that writes nothing holds for every entry, so an "or" with such
// a branch is left out whole, and a "not" of one matches nothing (written
// as id being null, which no entry's is). depth counts the brackets
// written so far, so that a deeply nested input stops early.
func gqlFilterGroup(prefix string, depth int, m map[string]any) (url.Values, error) {
	if depth > content.MaxQueryDepth {
		return nil, gqlTooDeep()
	}
	out := url.Values{}
	never := func() { out.Set(prefix+"["+content.FieldID+"][$null]", "true") }
	for _, k := range slices.Sorted(maps.Keys(m)) {
		switch val := m[k]; k {
		case "and", "or":
			list, _ := val.([]any)
			if len(list) == 0 {
				return nil, gqlFilterError("$"+k+" must be an array of objects", "$"+k, nil)
			}
			var parts []url.Values
			always := false
			for i, e := range list {
				sub, ok := e.(map[string]any)
				if !ok {
					return nil, gqlFilterError("$"+k+" items must be objects", "$"+k, nil)
				}
				part, err := gqlFilterGroup(prefix+"[$"+k+"]["+strconv.Itoa(i)+"]", depth+2, sub)
				if err != nil {
					return nil, err
				}
				if len(part) == 0 {
					always = true
					continue
				}
				parts = append(parts, part)
			}
			if k == "or" && always {
				continue
			}
			for _, p := range parts {
				mergeValues(out, p)
			}
		case "not":
			sub, _ := val.(map[string]any)
			part, err := gqlFilterGroup(prefix+"[$not]", depth+1, sub)
			if err != nil {
				return nil, err
			}
			if len(part) == 0 {
				never()
				continue
			}
			mergeValues(out, part)
		default:
			ops, _ := val.(map[string]any)
			part, none, err := gqlFilterColumn(prefix+"["+k+"]", k, depth+1, ops)
			if err != nil {
				return nil, err
			}
			if none {
				never()
				continue
			}
			mergeValues(out, part)
		}
	}
	return out, nil
}

// gqlFilterColumn writes the operators on one field. none reports that
// they can match nothing (a not of no condition), which the caller writes.
func gqlFilterColumn(prefix, field string, depth int, ops map[string]any) (out url.Values, none bool, err error) {
	if depth+1 > content.MaxQueryDepth {
		return nil, false, gqlTooDeep()
	}
	out = url.Values{}
	values := func(op string, list []any) error {
		if len(list) == 0 {
			return gqlFilterError("$"+op+" at "+field+" must be a list of values", "$"+op, field)
		}
		for i, e := range list {
			s, ok := gqlScalarString(e)
			if !ok {
				return gqlFilterError("$"+op+" at "+field+" must be a list of values", "$"+op, field)
			}
			out.Set(prefix+"[$"+op+"]["+strconv.Itoa(i)+"]", s)
		}
		return nil
	}
	for _, op := range slices.Sorted(maps.Keys(ops)) {
		switch val := ops[op]; op {
		case "not":
			sub, _ := val.(map[string]any)
			part, subNone, err := gqlFilterColumn(prefix+"[$not]", field, depth+1, sub)
			if err != nil {
				return nil, false, err
			}
			switch {
			case subNone: // not(nothing): always holds
			case len(part) == 0:
				none = true
			default:
				mergeValues(out, part)
			}
		case "and", "or", "in", "notIn", "between":
			list, _ := val.([]any)
			if err := values(op, list); err != nil {
				return nil, false, err
			}
		default:
			s, ok := gqlScalarString(val)
			if !ok {
				return nil, false, gqlFilterError("$"+op+" at "+field+" must be a single value", "$"+op, field)
			}
			out.Set(prefix+"[$"+op+"]", s)
		}
	}
	return out, none, nil
}

// gqlScalarString writes a coerced GraphQL scalar as a query-string value.
func gqlScalarString(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case int:
		return strconv.Itoa(x), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64), true
	case bool:
		return strconv.FormatBool(x), true
	}
	return "", false
}
