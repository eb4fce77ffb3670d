package openapi

import (
	"strconv"
	"strings"

	"github.com/tokenadmin/tokenadmin/content"
)

// attributeSchema is the JSON shape of one attribute's value as the API
// returns it; nullable unless the attribute is required.
func attributeSchema(a content.Attribute) *Schema {
	info := a.Type.Info()
	s := &Schema{Nullable: !a.Required, Type: info.OpenAPI.Type, Format: info.OpenAPI.Format,
		Pattern: info.OpenAPI.Pattern, Description: info.OpenAPI.Description}
	if info.Values == content.JSONValues {
		s.Nullable = false // the empty schema takes null already
	}
	if a.Type == content.TypeEnumeration {
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
func entrySchema(ct content.ContentType) *Schema {
	dateTime := func(nullable bool) *Schema {
		return &Schema{Type: "string", Format: "date-time", Nullable: nullable, ReadOnly: true}
	}
	s := &Schema{
		Title:       ct.DisplayName,
		Description: ct.Description,
		Type:        "object",
		Required:    []string{content.FieldID, content.FieldDocumentID},
		Properties: Properties{
			{content.FieldID, &Schema{Type: "integer", Format: "int64", ReadOnly: true}},
			{content.FieldDocumentID, &Schema{Type: "string", ReadOnly: true}},
		},
	}
	for _, a := range ct.Attributes {
		if a.Private {
			continue
		}
		s.Properties = append(s.Properties, Property{a.Name, attributeSchema(a)})
	}
	s.Properties = append(s.Properties,
		Property{content.FieldCreatedAt, dateTime(false)},
		Property{content.FieldUpdatedAt, dateTime(false)},
		Property{content.FieldPublishedAt, dateTime(true)},
	)
	return s
}

// inputSchema is the "data" object of a create (partial false) or of a
// collection type's update (partial true), where every attribute is
// optional. The attributes carry the constraints the API checks; on
// create, those required and without a default are required.
func inputSchema(ct content.ContentType, partial bool) *Schema {
	s := &Schema{Type: "object"}
	if partial {
		s.Description = "Only the attributes sent are changed."
	} else {
		s.Description = "Attributes left out get their default."
	}
	for _, a := range ct.Attributes {
		p := attributeSchema(a)
		values := a.Type.Info().Values
		if values == content.BigIntegerValues {
			p.Description = "A 64-bit integer, as a string of digits or a JSON integer."
		}
		switch {
		case values == content.StringValues && a.Type != content.TypeEnumeration:
			p.MinLength, p.MaxLength = a.MinLength, a.MaxLength
		case a.Type.Info().YupNumber():
			p.Minimum, p.Maximum = a.Min, a.Max
		}
		if values == content.BigIntegerValues && (a.Min != nil || a.Max != nil) {
			var bounds []string
			if a.Min != nil {
				bounds = append(bounds, "at least "+strconv.FormatFloat(*a.Min, 'f', -1, 64))
			}
			if a.Max != nil {
				bounds = append(bounds, "at most "+strconv.FormatFloat(*a.Max, 'f', -1, 64))
			}
			p.Description += " It must be " + strings.Join(bounds, " and ") + "."
		}
		if a.Type == content.TypeUID {
			p.Pattern = openAPIUIDPattern
		}
		_, hasDefault := content.DefaultValue(a)
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
		s.Properties = append(s.Properties, Property{a.Name, p})
		if !partial && a.Required && !hasDefault {
			s.Required = append(s.Required, a.Name)
		}
	}
	return s
}

func sharedSchemas() map[string]*Schema {
	integer := func(desc string) *Schema {
		return &Schema{Type: "integer", Description: desc}
	}
	return map[string]*Schema{
		schemaPagination: {
			Type: "object",
			Description: "In page mode (the default) page, pageSize, pageCount and total; " +
				"with pagination[start] or pagination[limit], start, limit and total.",
			Required: []string{"total"},
			Properties: Properties{
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
			Properties: Properties{
				{"data", &Schema{Type: "object", Nullable: true, Description: "Always null."}},
				{"error", &Schema{
					Type:     "object",
					Required: []string{"status", "name", "message", "details"},
					Properties: Properties{
						{"status", &Schema{Type: "integer", Description: "The HTTP status."}},
						{"name", &Schema{Type: "string", Example: "ValidationError",
							Description: "ValidationError, SyntaxError, UnauthorizedError, ForbiddenError, NotFoundError, …"}},
						{"message", &Schema{Type: "string"}},
						{"details", &Schema{
							Type:                 "object",
							AdditionalProperties: true,
							Description:          "For a query or an unknown key: key, path, source and param. For failing attributes: errors.",
							Properties: Properties{
								{"errors", &Schema{Type: "array", Items: &Schema{
									Type:     "object",
									Required: []string{"path", "message", "name"},
									Properties: Properties{
										{"path", &Schema{Type: "array", Items: &Schema{Type: "string"}}},
										{"message", &Schema{Type: "string"}},
										{"name", &Schema{Type: "string"}},
										{"value", &Schema{Description: "The value sent."}},
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

func sharedResponses() map[string]*Response {
	wwwAuthenticate := func(desc string) map[string]Header {
		return map[string]Header{"WWW-Authenticate": {Description: desc, Schema: &Schema{Type: "string"}}}
	}
	return map[string]*Response{
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
