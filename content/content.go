// Package content is the domain of content types: the registry of types
// read from Strapi-style schema.json files, their attributes, and the
// actions ("api::article.article.find") that API tokens are granted. It
// knows nothing of HTTP, SQL or HTML; handlers and stores ask it what a
// type looks like and which actions exist.
package content

import (
	"slices"
	"strings"
)

// Kind says whether a type holds many entries or exactly one, as Strapi's
// "kind" field does.
type Kind string

// The two kinds Strapi knows.
const (
	CollectionType Kind = "collectionType"
	SingleType     Kind = "singleType"
)

// AttrType is the "type" of a schema attribute. Only the scalar types below
// are served; Strapi's relational and structured types are skipped at load
// time with a warning.
type AttrType string

// The attribute types the registry accepts, spelled as in schema.json.
const (
	TypeString      AttrType = "string"
	TypeText        AttrType = "text"
	TypeRichText    AttrType = "richtext"
	TypeEmail       AttrType = "email"
	TypeUID         AttrType = "uid"
	TypeInteger     AttrType = "integer"
	TypeBigInteger  AttrType = "biginteger"
	TypeDecimal     AttrType = "decimal"
	TypeFloat       AttrType = "float"
	TypeBoolean     AttrType = "boolean"
	TypeDate        AttrType = "date"
	TypeDateTime    AttrType = "datetime"
	TypeEnumeration AttrType = "enumeration"
	TypeJSON        AttrType = "json"
)

// skippedTypes are real Strapi attribute types we cannot serve yet. They
// are left out with a warning rather than refused, so that an existing
// Strapi project's src/api loads; anything else is a typo and an error.
var skippedTypes = map[string]bool{
	"relation": true, "media": true, "component": true, "dynamiczone": true,
	"blocks": true, "customField": true, "password": true, "time": true,
	"timestamp": true,
}

// Attribute is one field of a content type with the constraints its
// schema declares. Nil MinLength, MaxLength, Min and Max mean "no limit";
// Default is the JSON value decoded as encoding/json decodes into any
// (numbers are float64), or nil when the schema gives none.
type Attribute struct {
	Name        string
	Type        AttrType
	Required    bool
	Unique      bool
	Private     bool
	MinLength   *int
	MaxLength   *int
	Min         *float64
	Max         *float64
	Enum        []string
	Default     any
	TargetField string
}

// ContentType is one schema.json. Values returned by the registry share
// their slices with it, so treat them as read-only.
type ContentType struct {
	Kind           Kind
	SingularName   string
	PluralName     string
	DisplayName    string
	Description    string
	CollectionName string
	Attributes     []Attribute // in the order the schema lists them
	Source         string      // the file it was read from, for messages
}

// The verbs that end an action name, as Strapi names them.
const (
	VerbFind    = "find"
	VerbFindOne = "findOne"
	VerbCreate  = "create"
	VerbUpdate  = "update"
	VerbDelete  = "delete"
)

// Route is one REST route a verb guards; Path is relative to the type's
// /api/<name> base.
type Route struct {
	Verb, Method, Path, Description string
}

var collectionRoutes = []Route{
	{VerbFind, "GET", "", "List and filter entries"},
	{VerbFindOne, "GET", "/:documentId", "Read one entry"},
	{VerbCreate, "POST", "", "Create an entry"},
	{VerbUpdate, "PUT", "/:documentId", "Update an entry"},
	{VerbDelete, "DELETE", "/:documentId", "Delete an entry"},
}

// A single type has no list and no separate create: PUT creates or
// replaces its one entry, exactly as Strapi's single-type routes do.
var singleRoutes = []Route{
	{VerbFind, "GET", "", "Read the entry"},
	{VerbUpdate, "PUT", "", "Create or update the entry"},
	{VerbDelete, "DELETE", "", "Delete the entry"},
}

// Routes lists the REST routes the type is served under.
func (ct ContentType) Routes() []Route {
	if ct.Kind == SingleType {
		return slices.Clone(singleRoutes)
	}
	return slices.Clone(collectionRoutes)
}

// UID returns Strapi's identifier for the type, "api::<singular>.<singular>".
func (ct ContentType) UID() string {
	return "api::" + ct.SingularName + "." + ct.SingularName
}

// RouteName returns the path segment the type is served under: /api/<plural>
// for a collection type, /api/<singular> for a single type.
func (ct ContentType) RouteName() string {
	if ct.Kind == SingleType {
		return ct.SingularName
	}
	return ct.PluralName
}

// Actions returns the type's actions in route order: find, findOne, create,
// update and delete for a collection type; find, update and delete for a
// single type.
func (ct ContentType) Actions() []string {
	rs := ct.Routes()
	uid := ct.UID()
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = uid + "." + r.Verb
	}
	return out
}

// Attribute returns the attribute called name. A linear scan is fine: types
// have a handful of attributes and it keeps ContentType a plain value.
func (ct ContentType) Attribute(name string) (Attribute, bool) {
	for _, a := range ct.Attributes {
		if a.Name == name {
			return a, true
		}
	}
	return Attribute{}, false
}

// ActionLabel splits an action such as "api::article.article.findOne" into
// the content type's UID ("api::article.article") and the verb ("findOne")
// for display. Anything not shaped like a content action comes back whole
// as the verb with an empty content type, so callers can still show it.
func ActionLabel(action string) (contentType, verb string) {
	rest, ok := strings.CutPrefix(action, "api::")
	i := strings.LastIndexByte(rest, '.')
	if !ok || i <= 0 || i == len(rest)-1 || !strings.Contains(rest[:i], ".") {
		return "", action
	}
	return "api::" + rest[:i], rest[i+1:]
}
