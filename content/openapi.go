package content

import (
	"strconv"
	"strings"
	"unicode"
)

// OpenAPIVersion is the version of the OpenAPI Specification that
// Registry.OpenAPI documents follow.
const OpenAPIVersion = "3.0.3"

// OpenAPIDocument is an OpenAPI 3.0.3 description of the content API. Its
// fields are declared in the order readers expect them in the JSON.
type OpenAPIDocument struct {
	OpenAPI    string                      `json:"openapi"`
	Info       OpenAPIInfo                 `json:"info"`
	Servers    []OpenAPIServer             `json:"servers,omitempty"`
	Security   []map[string][]string       `json:"security"`
	Tags       []OpenAPITag                `json:"tags,omitempty"`
	Paths      map[string]*OpenAPIPathItem `json:"paths"`
	Components OpenAPIComponents           `json:"components"`
}

// OpenAPIInfo is the document's info object.
type OpenAPIInfo struct {
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	Version     string `json:"version"`
}

// OpenAPIServer is one entry of servers; URL may be relative.
type OpenAPIServer struct {
	URL string `json:"url"`
}

// OpenAPITag groups the operations of one content type.
type OpenAPITag struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

// OpenAPIPathItem holds the operations of one path.
type OpenAPIPathItem struct {
	Get    *OpenAPIOperation `json:"get,omitempty"`
	Post   *OpenAPIOperation `json:"post,omitempty"`
	Put    *OpenAPIOperation `json:"put,omitempty"`
	Delete *OpenAPIOperation `json:"delete,omitempty"`
}

// Operation returns the operation for an HTTP method such as "GET", or nil.
func (p *OpenAPIPathItem) Operation(method string) *OpenAPIOperation {
	if p == nil {
		return nil
	}
	switch strings.ToUpper(method) {
	case "GET":
		return p.Get
	case "POST":
		return p.Post
	case "PUT":
		return p.Put
	case "DELETE":
		return p.Delete
	}
	return nil
}

func (p *OpenAPIPathItem) set(method string, op *OpenAPIOperation) {
	switch method {
	case "GET":
		p.Get = op
	case "POST":
		p.Post = op
	case "PUT":
		p.Put = op
	case "DELETE":
		p.Delete = op
	}
}

// OpenAPIOperation is one operation. Action is the extension
// x-tokenadmin-action: the permission a token needs to call it.
type OpenAPIOperation struct {
	OperationID string                      `json:"operationId"`
	Tags        []string                    `json:"tags,omitempty"`
	Summary     string                      `json:"summary,omitempty"`
	Description string                      `json:"description,omitempty"`
	Parameters  []*OpenAPIParameter         `json:"parameters,omitempty"`
	RequestBody *OpenAPIRequestBody         `json:"requestBody,omitempty"`
	Responses   map[string]*OpenAPIResponse `json:"responses"`
	Action      string                      `json:"x-tokenadmin-action"`
}

// OpenAPIParameter is a path or query parameter.
type OpenAPIParameter struct {
	Name        string         `json:"name"`
	In          string         `json:"in"`
	Description string         `json:"description,omitempty"`
	Required    bool           `json:"required,omitempty"`
	Style       string         `json:"style,omitempty"`
	Explode     *bool          `json:"explode,omitempty"`
	Schema      *OpenAPISchema `json:"schema"`
	Example     any            `json:"example,omitempty"`
}

// OpenAPIRequestBody is an operation's request body.
type OpenAPIRequestBody struct {
	Description string                      `json:"description,omitempty"`
	Required    bool                        `json:"required"`
	Content     map[string]OpenAPIMediaType `json:"content"`
}

// OpenAPIResponse is a response, or a reference to one in components when
// Ref is set.
type OpenAPIResponse struct {
	Ref         string                      `json:"$ref,omitempty"`
	Description string                      `json:"description,omitempty"`
	Headers     map[string]OpenAPIHeader    `json:"headers,omitempty"`
	Content     map[string]OpenAPIMediaType `json:"content,omitempty"`
}

// OpenAPIHeader is a response header.
type OpenAPIHeader struct {
	Description string         `json:"description,omitempty"`
	Schema      *OpenAPISchema `json:"schema"`
}

// OpenAPIMediaType is the body of one media type.
type OpenAPIMediaType struct {
	Schema  *OpenAPISchema `json:"schema"`
	Example any            `json:"example,omitempty"`
}

// OpenAPISchema is the subset of the OpenAPI 3.0 schema object the content
// API needs. The zero value is the empty schema {}, which allows any value.
type OpenAPISchema struct {
	Ref                  string            `json:"$ref,omitempty"`
	Title                string            `json:"title,omitempty"`
	Description          string            `json:"description,omitempty"`
	Type                 string            `json:"type,omitempty"`
	Format               string            `json:"format,omitempty"`
	Nullable             bool              `json:"nullable,omitempty"`
	Enum                 []any             `json:"enum,omitempty"`
	Pattern              string            `json:"pattern,omitempty"`
	MinLength            *int              `json:"minLength,omitempty"`
	MaxLength            *int              `json:"maxLength,omitempty"`
	Minimum              *float64          `json:"minimum,omitempty"`
	Maximum              *float64          `json:"maximum,omitempty"`
	Default              any               `json:"default,omitempty"`
	ReadOnly             bool              `json:"readOnly,omitempty"`
	WriteOnly            bool              `json:"writeOnly,omitempty"`
	Items                *OpenAPISchema    `json:"items,omitempty"`
	Properties           OpenAPIProperties `json:"properties,omitempty"`
	Required             []string          `json:"required,omitempty"`
	AdditionalProperties any               `json:"additionalProperties,omitempty"`
	Example              any               `json:"example,omitempty"`
}

// Property returns the schema of the property called name, or nil.
func (s *OpenAPISchema) Property(name string) *OpenAPISchema {
	if s == nil {
		return nil
	}
	for _, p := range s.Properties {
		if p.Name == name {
			return p.Schema
		}
	}
	return nil
}

// OpenAPIProperty is one named property of an object schema.
type OpenAPIProperty struct {
	Name   string
	Schema *OpenAPISchema
}

// OpenAPIProperties are an object schema's properties. They marshal as a
// JSON object keeping their order, so documentation lists attributes in
// the order the schema.json declares them, as the API returns them.
type OpenAPIProperties []OpenAPIProperty

// MarshalJSON writes the properties as one JSON object, in order.
func (ps OpenAPIProperties) MarshalJSON() ([]byte, error) {
	o := make(OrderedObject, len(ps))
	for i, p := range ps {
		o[i] = Field{p.Name, p.Schema}
	}
	return o.MarshalJSON()
}

// OpenAPIComponents holds the reusable schemas, responses and the
// security scheme.
type OpenAPIComponents struct {
	Schemas         map[string]*OpenAPISchema         `json:"schemas"`
	Responses       map[string]*OpenAPIResponse       `json:"responses"`
	SecuritySchemes map[string]*OpenAPISecurityScheme `json:"securitySchemes"`
}

// OpenAPISecurityScheme is an HTTP authentication scheme.
type OpenAPISecurityScheme struct {
	Type         string `json:"type"`
	Scheme       string `json:"scheme"`
	BearerFormat string `json:"bearerFormat,omitempty"`
	Description  string `json:"description,omitempty"`
}

// OpenAPITypeNames are the component schema names one content type is
// described under.
type OpenAPITypeNames struct {
	Entry        string // the entry as the API returns it, e.g. "Article"
	Input        string // the data of a create (or a single type's PUT)
	UpdateInput  string // the data of a collection type's PUT: every attribute optional
	Response     string // {"data": Entry, "meta": {}}
	ListResponse string // {"data": [Entry], "meta": {"pagination": …}}
}

// Names of the shared components.
const (
	openAPISecurityScheme = "bearerAuth"
	schemaError           = "Error"
	schemaPagination      = "Pagination"
	responseBadRequest    = "BadRequest"
	responseUnauthorized  = "Unauthorized"
	responseForbidden     = "Forbidden"
	responseNotFound      = "NotFound"
)

func schemaRef(name string) *OpenAPISchema {
	return &OpenAPISchema{Ref: "#/components/schemas/" + name}
}

func responseRef(name string) *OpenAPIResponse {
	return &OpenAPIResponse{Ref: "#/components/responses/" + name}
}

func jsonContent(s *OpenAPISchema, example any) map[string]OpenAPIMediaType {
	return map[string]OpenAPIMediaType{"application/json": {Schema: s, Example: example}}
}

// openAPIUIDPattern is uidRE written for ECMA-262, the dialect OpenAPI
// patterns use: there, with the u flag, "9-_" in a class is an error.
const openAPIUIDPattern = `^[A-Za-z0-9_.~-]*$`

// openAPIOperators is every filter operator in the order the filters
// parameter documents them; a test keeps it in step with the parser.
var openAPIOperators = []Operator{
	OpEq, OpEqi, OpNe, OpNei, OpLt, OpLte, OpGt, OpGte, OpIn, OpNotIn,
	OpContains, OpNotContains, OpContainsi, OpNotContainsi,
	OpStartsWith, OpStartsWithi, OpEndsWith, OpEndsWithi,
	OpNull, OpNotNull, OpBetween,
}

// OpenAPI describes the content API the registry's types are served
// under as an OpenAPI 3.0.3 document. serverURL is where the API lives,
// ending in /api (a relative "/api" is allowed); paths are relative to it.
// An empty serverURL leaves servers out.
//
// Every operation carries x-tokenadmin-action, the action a token must be
// granted to call it. Private attributes are never described as returned
// or queryable; they appear, write-only, only in the input schemas, since
// the API accepts them there.
func (r *Registry) OpenAPI(serverURL string) *OpenAPIDocument {
	doc := &OpenAPIDocument{
		OpenAPI: OpenAPIVersion,
		Info: OpenAPIInfo{
			Title: "tokenadmin content API",
			Description: "The content API served by tokenadmin, following Strapi v5's REST conventions " +
				"(paths, bodies, query syntax and error shape). Every request needs an API token: " +
				"`Authorization: Bearer <token>`. Each operation's `x-tokenadmin-action` names the " +
				"permission it needs: read-only tokens may call find and findOne, full-access tokens " +
				"everything, custom tokens exactly the actions they were granted.",
			Version: "1",
		},
		Security: []map[string][]string{{openAPISecurityScheme: {}}},
		Paths:    map[string]*OpenAPIPathItem{},
		Components: OpenAPIComponents{
			Schemas:   sharedSchemas(),
			Responses: sharedResponses(),
			SecuritySchemes: map[string]*OpenAPISecurityScheme{
				openAPISecurityScheme: {
					Type:         "http",
					Scheme:       "bearer",
					BearerFormat: "tka_ API token",
					Description:  "An API token created in the admin under Settings › API Tokens.",
				},
			},
		},
	}
	if serverURL != "" {
		doc.Servers = []OpenAPIServer{{URL: serverURL}}
	}

	names := r.OpenAPINames()
	operationIDs := map[string]bool{}
	tagged := map[string]bool{}
	for _, ct := range r.types {
		n := names[ct.UID()]
		if !tagged[ct.DisplayName] {
			tagged[ct.DisplayName] = true
			doc.Tags = append(doc.Tags, OpenAPITag{Name: ct.DisplayName, Description: ct.Description})
		}
		doc.Components.Schemas[n.Entry] = entrySchema(ct)
		doc.Components.Schemas[n.Input] = inputSchema(ct, false)
		if ct.Kind == CollectionType {
			doc.Components.Schemas[n.UpdateInput] = inputSchema(ct, true)
		}
		doc.Components.Schemas[n.Response] = &OpenAPISchema{
			Type:     "object",
			Required: []string{"data", "meta"},
			Properties: OpenAPIProperties{
				{"data", schemaRef(n.Entry)},
				{"meta", &OpenAPISchema{Type: "object"}},
			},
		}
		if ct.Kind == CollectionType {
			doc.Components.Schemas[n.ListResponse] = &OpenAPISchema{
				Type:     "object",
				Required: []string{"data", "meta"},
				Properties: OpenAPIProperties{
					{"data", &OpenAPISchema{Type: "array", Items: schemaRef(n.Entry)}},
					{"meta", &OpenAPISchema{
						Type:       "object",
						Required:   []string{"pagination"},
						Properties: OpenAPIProperties{{"pagination", schemaRef(schemaPagination)}},
					}},
				},
			}
		}

		base := "/" + ct.RouteName()
		for _, rt := range ct.routes() {
			path := base + strings.ReplaceAll(rt.path, "/:documentId", "/{documentId}")
			op := operation(ct, n, rt)
			op.OperationID = uniqueName(operationIDs, op.OperationID)
			item := doc.Paths[path]
			if item == nil {
				item = &OpenAPIPathItem{}
				doc.Paths[path] = item
			}
			item.set(rt.method, op)
		}
	}
	return doc
}

// OpenAPINames returns, for each type's UID, the component schema names
// Registry.OpenAPI describes it under: from the display name in
// PascalCase ("Blog post" → "BlogPost"), or from the singular name when
// that would clash with another type's or a shared component's names.
func (r *Registry) OpenAPINames() map[string]OpenAPITypeNames {
	taken := map[string]bool{schemaError: true, schemaPagination: true}
	out := make(map[string]OpenAPITypeNames, len(r.types))
	for _, ct := range r.types {
		candidates := []string{pascal(ct.DisplayName), pascal(ct.SingularName), ct.SingularName}
		var n OpenAPITypeNames
		for i := 0; ; i++ {
			var base string
			if i < len(candidates) {
				base = candidates[i]
			} else {
				base = ct.SingularName + "_" + strconv.Itoa(i-len(candidates)+2)
			}
			if base == "" {
				continue
			}
			n = OpenAPITypeNames{
				Entry: base, Input: base + "Input", UpdateInput: base + "UpdateInput",
				Response: base + "Response", ListResponse: base + "ListResponse",
			}
			if !taken[n.Entry] && !taken[n.Input] && !taken[n.UpdateInput] && !taken[n.Response] && !taken[n.ListResponse] {
				break
			}
		}
		for _, name := range []string{n.Entry, n.Input, n.UpdateInput, n.Response, n.ListResponse} {
			taken[name] = true
		}
		out[ct.UID()] = n
	}
	return out
}

// pascal turns a display or machine name into a component name: words
// (runs of ASCII letters and digits) with their first letter upper-cased,
// joined. Component names may only hold [A-Za-z0-9._-].
func pascal(s string) string {
	var b strings.Builder
	upper := true
	for _, c := range s {
		if c < unicode.MaxASCII && (unicode.IsLetter(c) || unicode.IsDigit(c)) {
			if upper {
				c = unicode.ToUpper(c)
			}
			b.WriteRune(c)
			upper = false
			continue
		}
		upper = true
	}
	return b.String()
}

// uniqueName returns name, or name with a number appended if it is taken,
// and marks the result taken.
func uniqueName(taken map[string]bool, name string) string {
	out := name
	for i := 2; taken[out]; i++ {
		out = name + strconv.Itoa(i)
	}
	taken[out] = true
	return out
}

// operation describes one route of ct.
func operation(ct ContentType, n OpenAPITypeNames, rt route) *OpenAPIOperation {
	action := ct.UID() + "." + rt.verb
	who := "Full-access tokens may call it"
	if rt.verb == VerbFind || rt.verb == VerbFindOne {
		who = "Read-only and full-access tokens may call it"
	}
	op := &OpenAPIOperation{
		Tags:    []string{ct.DisplayName},
		Summary: rt.description,
		Description: "Needs the `" + action + "` permission. " + who +
			"; a custom token needs this action granted.",
		Action:    action,
		Responses: map[string]*OpenAPIResponse{},
	}
	single := ct.Kind == SingleType
	singular, plural := pascal(ct.SingularName), pascal(ct.PluralName)
	ok := &OpenAPIResponse{Description: "The entry.", Content: jsonContent(schemaRef(n.Response), nil)}
	documentID := &OpenAPIParameter{
		Name: "documentId", In: "path", Required: true,
		Description: "The entry's documentId.",
		Schema:      &OpenAPISchema{Type: "string"},
	}
	body := func(input string) *OpenAPIRequestBody {
		return &OpenAPIRequestBody{
			Required:    true,
			Description: `The attributes under "data", as Strapi expects them.`,
			Content: jsonContent(&OpenAPISchema{
				Type:       "object",
				Required:   []string{"data"},
				Properties: OpenAPIProperties{{"data", schemaRef(input)}},
			}, nil),
		}
	}

	switch {
	case rt.verb == VerbFind && single:
		op.OperationID = "find" + singular
		op.Responses["200"] = ok
		op.Responses["404"] = responseRef(responseNotFound)
	case rt.verb == VerbFind:
		op.OperationID = "find" + plural
		op.Parameters = findParameters(ct)
		op.Responses["200"] = &OpenAPIResponse{
			Description: "One page of entries. A page past the end is an empty list.",
			Content:     jsonContent(schemaRef(n.ListResponse), nil),
		}
		op.Responses["400"] = responseRef(responseBadRequest)
	case rt.verb == VerbFindOne:
		op.OperationID = "findOne" + singular
		op.Parameters = []*OpenAPIParameter{documentID, fieldsParameter(ct)}
		op.Responses["200"] = ok
		op.Responses["400"] = responseRef(responseBadRequest)
		op.Responses["404"] = responseRef(responseNotFound)
	case rt.verb == VerbCreate:
		op.OperationID = "create" + singular
		op.RequestBody = body(n.Input)
		op.Responses["201"] = &OpenAPIResponse{Description: "The created entry.", Content: jsonContent(schemaRef(n.Response), nil)}
		op.Responses["400"] = responseRef(responseBadRequest)
	case rt.verb == VerbUpdate && single:
		op.OperationID = "update" + singular
		op.RequestBody = body(n.Input)
		op.Responses["200"] = &OpenAPIResponse{Description: "The entry as stored.", Content: jsonContent(schemaRef(n.Response), nil)}
		op.Responses["400"] = responseRef(responseBadRequest)
	case rt.verb == VerbUpdate:
		op.OperationID = "update" + singular
		op.Parameters = []*OpenAPIParameter{documentID}
		op.RequestBody = body(n.UpdateInput)
		op.Responses["200"] = &OpenAPIResponse{Description: "The updated entry.", Content: jsonContent(schemaRef(n.Response), nil)}
		op.Responses["400"] = responseRef(responseBadRequest)
		op.Responses["404"] = responseRef(responseNotFound)
	case rt.verb == VerbDelete:
		op.OperationID = "delete" + singular
		if !single {
			op.Parameters = []*OpenAPIParameter{documentID}
		}
		op.Responses["204"] = &OpenAPIResponse{Description: "Deleted, or there was nothing to delete (as in Strapi); no body."}
	}
	op.Responses["401"] = responseRef(responseUnauthorized)
	op.Responses["403"] = responseRef(responseForbidden)
	return op
}

// queryFields lists the fields sort, fields and filters accept: the
// system fields and every attribute that is not private.
func queryFields(ct ContentType) []string {
	out := []string{FieldID, FieldDocumentID}
	for _, a := range ct.Attributes {
		if !a.Private {
			out = append(out, a.Name)
		}
	}
	return append(out, FieldCreatedAt, FieldUpdatedAt, FieldPublishedAt)
}

func fieldsParameter(ct ContentType) *OpenAPIParameter {
	fields := queryFields(ct)
	enum := make([]any, len(fields))
	for i, f := range fields {
		enum[i] = f
	}
	no := false
	return &OpenAPIParameter{
		Name: "fields", In: "query", Style: "form", Explode: &no,
		Description: "Only these fields besides id and documentId, comma-separated " +
			"(fields[0]=title&fields[1]=slug also works).",
		Schema: &OpenAPISchema{Type: "array", Items: &OpenAPISchema{Type: "string", Enum: enum}},
	}
}

func findParameters(ct ContentType) []*OpenAPIParameter {
	integer := func(min, max, def int) *OpenAPISchema {
		s := &OpenAPISchema{Type: "integer", Default: def}
		lo := float64(min)
		s.Minimum = &lo
		if max > 0 {
			hi := float64(max)
			s.Maximum = &hi
		}
		return s
	}
	fields := strings.Join(queryFields(ct), ", ")
	ops := make([]string, len(openAPIOperators))
	for i, op := range openAPIOperators {
		ops[i] = string(op)
	}
	no, yes := false, true
	limits := "Page mode and offset mode cannot be mixed."
	return []*OpenAPIParameter{
		{
			Name: "pagination[page]", In: "query", Schema: integer(1, MaxPage, 1),
			Description: "Page number, from 1. " + limits,
		},
		{
			Name: "pagination[pageSize]", In: "query", Schema: integer(1, MaxPageSize, DefaultPageSize),
			Description: "Entries per page; values are clamped to 1…" + strconv.Itoa(MaxPageSize) + ". " + limits,
		},
		{
			Name: "pagination[start]", In: "query", Schema: integer(0, MaxStart, 0),
			Description: "Offset mode: how many entries to skip. meta.pagination is then {start, limit, total}. " + limits,
		},
		{
			Name: "pagination[limit]", In: "query", Schema: integer(-1, MaxPageSize, DefaultPageSize),
			Description: "Offset mode: how many entries to return, clamped to 1…" + strconv.Itoa(MaxPageSize) +
				"; -1 means as many as allowed. " + limits,
		},
		{
			Name: "sort", In: "query", Style: "form", Explode: &no,
			Description: "Sort keys, comma-separated, each `field` or `field:asc` / `field:desc` " +
				"(sort[0]=title:asc also works), at most " + strconv.Itoa(MaxSortFields) + ". Fields: " + fields + ".",
			Schema:  &OpenAPISchema{Type: "array", Items: &OpenAPISchema{Type: "string"}},
			Example: []string{"title:asc", "createdAt:desc"},
		},
		fieldsParameter(ct),
		{
			Name: "filters", In: "query", Style: "deepObject", Explode: &yes,
			Description: "Strapi filters: filters[<field>][<operator>]=<value>, e.g. filters[title][$containsi]=go. " +
				"Fields: " + fields + ". Operators: " + strings.Join(ops, ", ") + ". " +
				"$in, $notIn and $between take a list (filters[id][$in][0]=1&filters[id][$in][1]=2); " +
				"$null and $notNull take true or false. Conditions combine with $and, $or " +
				"(filters[$or][0][title][$eq]=a&filters[$or][1][title][$eq]=b) and $not. " +
				"An unknown field or operator is a 400 ValidationError, and so is a filter of more than " +
				strconv.Itoa(MaxFilterConditions) + " conditions, " + strconv.Itoa(MaxInValues) + " values in one list or " +
				strconv.Itoa(MaxFilterValues) + " values in all.",
			Schema:  &OpenAPISchema{Type: "object", AdditionalProperties: true},
			Example: map[string]any{"title": map[string]any{"$containsi": "go"}},
		},
	}
}

// attributeSchema is the JSON shape of one attribute's value as the API
// returns it; nullable unless the attribute is required.
func attributeSchema(a Attribute) *OpenAPISchema {
	info := a.Type.Info()
	s := &OpenAPISchema{Nullable: !a.Required, Type: info.OpenAPI.Type, Format: info.OpenAPI.Format,
		Pattern: info.OpenAPI.Pattern, Description: info.OpenAPI.Description}
	if info.Values == JSONValues {
		s.Nullable = false // the empty schema takes null already
	}
	if a.Type == TypeEnumeration {
		for _, v := range a.Enum {
			s.Enum = append(s.Enum, v)
		}
		if s.Nullable {
			// OpenAPI 3.0.3: nullable does not add null to an enum.
			s.Enum = append(s.Enum, nil)
		}
	}
	return s
}

// entrySchema is an entry as the API returns it: id, documentId, the
// attributes that are not private in schema order, then the timestamps.
// Only id and documentId are always present: the fields parameter leaves
// the others out.
func entrySchema(ct ContentType) *OpenAPISchema {
	dateTime := func(nullable bool) *OpenAPISchema {
		return &OpenAPISchema{Type: "string", Format: "date-time", Nullable: nullable, ReadOnly: true}
	}
	s := &OpenAPISchema{
		Title:       ct.DisplayName,
		Description: ct.Description,
		Type:        "object",
		Required:    []string{FieldID, FieldDocumentID},
		Properties: OpenAPIProperties{
			{FieldID, &OpenAPISchema{Type: "integer", Format: "int64", ReadOnly: true}},
			{FieldDocumentID, &OpenAPISchema{Type: "string", ReadOnly: true}},
		},
	}
	for _, a := range ct.Attributes {
		if a.Private {
			continue
		}
		s.Properties = append(s.Properties, OpenAPIProperty{a.Name, attributeSchema(a)})
	}
	s.Properties = append(s.Properties,
		OpenAPIProperty{FieldCreatedAt, dateTime(false)},
		OpenAPIProperty{FieldUpdatedAt, dateTime(false)},
		OpenAPIProperty{FieldPublishedAt, dateTime(true)},
	)
	return s
}

// inputSchema is the "data" object of a create (partial false) or of a
// collection type's update (partial true), where every attribute is
// optional. The attributes carry the constraints the API checks; on
// create, those required and without a default are required.
func inputSchema(ct ContentType, partial bool) *OpenAPISchema {
	s := &OpenAPISchema{Type: "object"}
	if partial {
		s.Description = "Only the attributes sent are changed."
	} else {
		s.Description = "Attributes left out get their default."
	}
	for _, a := range ct.Attributes {
		p := attributeSchema(a)
		values := a.Type.Info().Values
		if values == BigIntegerValues {
			p.Description = "A 64-bit integer, as a string of digits or a JSON integer."
		}
		switch {
		case values == StringValues && a.Type != TypeEnumeration:
			p.MinLength, p.MaxLength = a.MinLength, a.MaxLength
		case a.Type.Info().YupNumber():
			p.Minimum, p.Maximum = a.Min, a.Max
		}
		if values == BigIntegerValues && (a.Min != nil || a.Max != nil) {
			var bounds []string
			if a.Min != nil {
				bounds = append(bounds, "at least "+strconv.FormatFloat(*a.Min, 'f', -1, 64))
			}
			if a.Max != nil {
				bounds = append(bounds, "at most "+strconv.FormatFloat(*a.Max, 'f', -1, 64))
			}
			p.Description += " It must be " + strings.Join(bounds, " and ") + "."
		}
		if a.Type == TypeUID {
			p.Pattern = openAPIUIDPattern
		}
		_, hasDefault := defaultValue(a)
		if hasDefault {
			p.Default = a.Default
		}
		var notes []string
		if a.Unique {
			notes = append(notes, "Must be unique.")
		}
		if a.Private {
			p.WriteOnly = true
			notes = append(notes, "Private: accepted on input, never returned.")
		}
		if len(notes) > 0 {
			p.Description = strings.TrimSpace(p.Description + " " + strings.Join(notes, " "))
		}
		s.Properties = append(s.Properties, OpenAPIProperty{a.Name, p})
		if !partial && a.Required && !hasDefault {
			s.Required = append(s.Required, a.Name)
		}
	}
	return s
}

func sharedSchemas() map[string]*OpenAPISchema {
	integer := func(desc string) *OpenAPISchema {
		return &OpenAPISchema{Type: "integer", Description: desc}
	}
	return map[string]*OpenAPISchema{
		schemaPagination: {
			Type: "object",
			Description: "In page mode (the default) page, pageSize, pageCount and total; " +
				"with pagination[start] or pagination[limit], start, limit and total.",
			Required: []string{"total"},
			Properties: OpenAPIProperties{
				{"page", integer("Page mode: the page returned, from 1.")},
				{"pageSize", integer("Page mode: entries per page.")},
				{"pageCount", integer("Page mode: how many pages there are.")},
				{"start", integer("Offset mode: entries skipped.")},
				{"limit", integer("Offset mode: the most entries returned.")},
				{"total", integer("How many entries match.")},
			},
		},
		schemaError: {
			Type:     "object",
			Required: []string{"data", "error"},
			Properties: OpenAPIProperties{
				{"data", &OpenAPISchema{Type: "object", Nullable: true, Description: "Always null."}},
				{"error", &OpenAPISchema{
					Type:     "object",
					Required: []string{"status", "name", "message", "details"},
					Properties: OpenAPIProperties{
						{"status", &OpenAPISchema{Type: "integer", Description: "The HTTP status."}},
						{"name", &OpenAPISchema{Type: "string", Example: "ValidationError",
							Description: "ValidationError, SyntaxError, UnauthorizedError, ForbiddenError, NotFoundError, …"}},
						{"message", &OpenAPISchema{Type: "string"}},
						{"details", &OpenAPISchema{
							Type:                 "object",
							AdditionalProperties: true,
							Description:          "For a query or an unknown key: key, path, source and param. For failing attributes: errors.",
							Properties: OpenAPIProperties{
								{"errors", &OpenAPISchema{Type: "array", Items: &OpenAPISchema{
									Type:     "object",
									Required: []string{"path", "message", "name"},
									Properties: OpenAPIProperties{
										{"path", &OpenAPISchema{Type: "array", Items: &OpenAPISchema{Type: "string"}}},
										{"message", &OpenAPISchema{Type: "string"}},
										{"name", &OpenAPISchema{Type: "string"}},
										{"value", &OpenAPISchema{Description: "The value sent."}},
									},
								}}},
							},
						}},
					},
				}},
			},
		},
	}
}

func errorExample(status int, name, message string, details map[string]any) map[string]any {
	if details == nil {
		details = map[string]any{}
	}
	return map[string]any{"data": nil, "error": map[string]any{
		"status": status, "name": name, "message": message, "details": details,
	}}
}

func sharedResponses() map[string]*OpenAPIResponse {
	wwwAuthenticate := func(desc string) map[string]OpenAPIHeader {
		return map[string]OpenAPIHeader{"WWW-Authenticate": {Description: desc, Schema: &OpenAPISchema{Type: "string"}}}
	}
	return map[string]*OpenAPIResponse{
		responseBadRequest: {
			Description: "ValidationError: an invalid query (unknown field, operator or sort key), a body " +
				`without "data", an unknown attribute or failing attributes (details.errors). ` +
				"SyntaxError: malformed JSON. PaginationError: page and offset pagination in one query.",
			Content: jsonContent(schemaRef(schemaError), errorExample(400, "ValidationError", "Invalid key nope",
				map[string]any{"key": "nope", "path": nil, "source": "query", "param": "filters"})),
		},
		responseUnauthorized: {
			Description: "UnauthorizedError: no, malformed or unknown token (\"Missing or invalid credentials\") " +
				"or an expired one (\"Token expired\").",
			Headers: wwwAuthenticate(`Bearer realm="tokenadmin", error="invalid_token"`),
			Content: jsonContent(schemaRef(schemaError), errorExample(401, "UnauthorizedError", "Missing or invalid credentials", nil)),
		},
		responseForbidden: {
			Description: "ForbiddenError: the token lacks the operation's x-tokenadmin-action.",
			Headers:     wwwAuthenticate(`Bearer realm="tokenadmin", error="insufficient_scope"`),
			Content:     jsonContent(schemaRef(schemaError), errorExample(403, "ForbiddenError", "Forbidden", nil)),
		},
		responseNotFound: {
			Description: "NotFoundError: no such entry.",
			Content:     jsonContent(schemaRef(schemaError), errorExample(404, "NotFoundError", "Not Found", nil)),
		},
	}
}
