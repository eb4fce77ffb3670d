// Package openapi describes the content API as an OpenAPI 3.0.3
// document, built from the content registry: an HTTP document, which the
// domain package content does not know.
package openapi

import (
	"strings"

	"github.com/tokenadmin/tokenadmin/content"
)

// Version is the version of the OpenAPI Specification that
// New's documents follow.
const Version = "3.0.3"

// Document is an OpenAPI 3.0.3 description of the content API. Its
// fields are declared in the order readers expect them in the JSON.
type Document struct {
	OpenAPI    string                `json:"openapi"`
	Info       Info                  `json:"info"`
	Servers    []Server              `json:"servers,omitempty"`
	Security   []map[string][]string `json:"security"`
	Tags       []Tag                 `json:"tags,omitempty"`
	Paths      map[string]*PathItem  `json:"paths"`
	Components Components            `json:"components"`
}

// Info is the document's info object.
type Info struct {
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	Version     string `json:"version"`
}

// Server is one entry of servers; URL may be relative.
type Server struct {
	URL string `json:"url"`
}

// Tag groups the operations of one content type.
type Tag struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

// PathItem holds the operations of one path.
type PathItem struct {
	Get    *Operation `json:"get,omitempty"`
	Post   *Operation `json:"post,omitempty"`
	Put    *Operation `json:"put,omitempty"`
	Delete *Operation `json:"delete,omitempty"`
}

// Operation returns the operation for an HTTP method such as "GET", or nil.
func (p *PathItem) Operation(method string) *Operation {
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

func (p *PathItem) set(method string, op *Operation) {
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

// Operation is one operation. Action is the extension
// x-tokenadmin-action: the permission a token needs to call it.
type Operation struct {
	OperationID string               `json:"operationId"`
	Tags        []string             `json:"tags,omitempty"`
	Summary     string               `json:"summary,omitempty"`
	Description string               `json:"description,omitempty"`
	Parameters  []*Parameter         `json:"parameters,omitempty"`
	RequestBody *RequestBody         `json:"requestBody,omitempty"`
	Responses   map[string]*Response `json:"responses"`
	Action      string               `json:"x-tokenadmin-action"`
}

// Parameter is a path or query parameter.
type Parameter struct {
	Name        string  `json:"name"`
	In          string  `json:"in"`
	Description string  `json:"description,omitempty"`
	Required    bool    `json:"required,omitempty"`
	Style       string  `json:"style,omitempty"`
	Explode     *bool   `json:"explode,omitempty"`
	Schema      *Schema `json:"schema"`
	Example     any     `json:"example,omitempty"`
}

// RequestBody is an operation's request body.
type RequestBody struct {
	Description string               `json:"description,omitempty"`
	Required    bool                 `json:"required"`
	Content     map[string]MediaType `json:"content"`
}

// Response is a response, or a reference to one in components when
// Ref is set.
type Response struct {
	Ref         string               `json:"$ref,omitempty"`
	Description string               `json:"description,omitempty"`
	Headers     map[string]Header    `json:"headers,omitempty"`
	Content     map[string]MediaType `json:"content,omitempty"`
}

// Header is a response header.
type Header struct {
	Description string  `json:"description,omitempty"`
	Schema      *Schema `json:"schema"`
}

// MediaType is the body of one media type.
type MediaType struct {
	Schema  *Schema `json:"schema"`
	Example any     `json:"example,omitempty"`
}

// Schema is the subset of the OpenAPI 3.0 schema object the content
// API needs. The zero value is the empty schema {}, which allows any value.
type Schema struct {
	Ref                  string     `json:"$ref,omitempty"`
	Title                string     `json:"title,omitempty"`
	Description          string     `json:"description,omitempty"`
	Type                 string     `json:"type,omitempty"`
	Format               string     `json:"format,omitempty"`
	Nullable             bool       `json:"nullable,omitempty"`
	Enum                 []any      `json:"enum,omitempty"`
	Pattern              string     `json:"pattern,omitempty"`
	MinLength            *int       `json:"minLength,omitempty"`
	MaxLength            *int       `json:"maxLength,omitempty"`
	Minimum              *float64   `json:"minimum,omitempty"`
	Maximum              *float64   `json:"maximum,omitempty"`
	Default              any        `json:"default,omitempty"`
	ReadOnly             bool       `json:"readOnly,omitempty"`
	WriteOnly            bool       `json:"writeOnly,omitempty"`
	Items                *Schema    `json:"items,omitempty"`
	Properties           Properties `json:"properties,omitempty"`
	Required             []string   `json:"required,omitempty"`
	AdditionalProperties any        `json:"additionalProperties,omitempty"`
	Example              any        `json:"example,omitempty"`
}

// Property returns the schema of the property called name, or nil.
func (s *Schema) Property(name string) *Schema {
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

// Property is one named property of an object schema.
type Property struct {
	Name   string
	Schema *Schema
}

// Properties are an object schema's properties. They marshal as a
// JSON object keeping their order, so documentation lists attributes in
// the order the schema.json declares them, as the API returns them.
type Properties []Property

// MarshalJSON writes the properties as one JSON object, in order.
func (ps Properties) MarshalJSON() ([]byte, error) {
	o := make(content.OrderedObject, len(ps))
	for i, p := range ps {
		o[i] = content.Field{Key: p.Name, Value: p.Schema}
	}
	return o.MarshalJSON()
}

// Components holds the reusable schemas, responses and the
// security scheme.
type Components struct {
	Schemas         map[string]*Schema         `json:"schemas"`
	Responses       map[string]*Response       `json:"responses"`
	SecuritySchemes map[string]*SecurityScheme `json:"securitySchemes"`
}

// SecurityScheme is an HTTP authentication scheme.
type SecurityScheme struct {
	Type         string `json:"type"`
	Scheme       string `json:"scheme"`
	BearerFormat string `json:"bearerFormat,omitempty"`
	Description  string `json:"description,omitempty"`
}

// TypeNames are the component schema names one content type is
// described under.
type TypeNames struct {
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

func schemaRef(name string) *Schema {
	return &Schema{Ref: "#/components/schemas/" + name}
}

func responseRef(name string) *Response {
	return &Response{Ref: "#/components/responses/" + name}
}

func jsonContent(s *Schema, example any) map[string]MediaType {
	return map[string]MediaType{"application/json": {Schema: s, Example: example}}
}
