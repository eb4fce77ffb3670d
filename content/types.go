package content

import "regexp"

// Values is how the values of an attribute type travel between the
// layers: the Go type ParseEntryInput returns, ParseQuery's filters carry
// and a store's entries hold. Several attribute types share one.
type Values int

// The kinds of values.
const (
	StringValues     Values = iota + 1 // string
	IntegerValues                      // int64
	BigIntegerValues                   // a string of decimal digits (BigIntegerRE), as Strapi returns it
	FloatValues                        // float64
	BooleanValues                      // bool
	DateValues                         // time.Time, midnight UTC
	DateTimeValues                     // time.Time in UTC
	JSONValues                         // the decoded JSON value, numbers as json.Number on input
)

// OpenAPIType is the JSON Schema of a type's values as OpenAPI writes it.
type OpenAPIType struct {
	Type, Format, Pattern, Description string
}

// TypeInfo is what every layer needs to know about one attribute type,
// recorded once in Types: input and query parsing, the stores' columns
// and conversions, the GraphQL schema and the OpenAPI document all read
// it here rather than switching on the type themselves.
type TypeInfo struct {
	Values Values
	// SQLite and Postgres are the column types of its table column.
	SQLite, Postgres string
	// GraphQL is the GraphQL type of its values. An enumeration's is its
	// own enum, ENUM_<TYPE>_<ATTRIBUTE>, which the GraphQL schema makes
	// from the attribute's values; String only when they are not all
	// GraphQL names.
	GraphQL string
	// GraphQLFilter is the input type that filters it in GraphQL; none
	// for json, which no filter names.
	GraphQLFilter string
	// OpenAPI is the schema of its values as the API returns them.
	OpenAPI OpenAPIType
}

// Text reports whether values are strings held in a text column: the
// string operators ($containsi, $eqi…) apply to the column as it is, and
// only to such fields.
func (t TypeInfo) Text() bool { return t.Values == StringValues }

// YupNumber reports whether Strapi validates the values with yup's
// number(), which casts strings and booleans (see castNumber).
func (t TypeInfo) YupNumber() bool { return t.Values == IntegerValues || t.Values == FloatValues }

// Filterable reports whether sort and filters may name a field of this
// type; a json value has no order or equality.
func (t TypeInfo) Filterable() bool { return t.Values != JSONValues }

// BigIntegerRE is the one shape of a biginteger value written as a
// string: signed decimal digits, as many as PostgreSQL's NUMERIC(39,0)
// column holds.
var BigIntegerRE = regexp.MustCompile(`^-?[0-9]{1,39}$`)

var (
	textType = TypeInfo{Values: StringValues, SQLite: "TEXT", Postgres: "TEXT", GraphQL: "String",
		GraphQLFilter: "StringFilterInput", OpenAPI: OpenAPIType{Type: "string"}}
	floatType = TypeInfo{Values: FloatValues, SQLite: "REAL", Postgres: "DOUBLE PRECISION", GraphQL: "Float",
		GraphQLFilter: "FloatFilterInput", OpenAPI: OpenAPIType{Type: "number"}}
)

// Types is the table of the attribute types the registry serves.
var Types = map[AttrType]TypeInfo{
	TypeString:   textType,
	TypeText:     textType,
	TypeRichText: textType,
	TypeUID:      textType,
	TypeEmail: {Values: StringValues, SQLite: "TEXT", Postgres: "TEXT", GraphQL: "String", GraphQLFilter: "StringFilterInput",
		OpenAPI: OpenAPIType{Type: "string", Format: "email"}},
	TypeEnumeration: textType,
	TypeInteger: {Values: IntegerValues, SQLite: "INTEGER", Postgres: "BIGINT", GraphQL: "Int", GraphQLFilter: "IntFilterInput",
		OpenAPI: OpenAPIType{Type: "integer", Format: "int64"}},
	TypeBigInteger: {Values: BigIntegerValues, SQLite: "INTEGER", Postgres: "NUMERIC(39,0)", GraphQL: "String",
		GraphQLFilter: "StringFilterInput", OpenAPI: OpenAPIType{Type: "string", Pattern: BigIntegerRE.String(), Description: "A 64-bit integer written as a string."}},
	TypeDecimal: floatType,
	TypeFloat:   floatType,
	TypeBoolean: {Values: BooleanValues, SQLite: "BOOLEAN", Postgres: "BOOLEAN", GraphQL: "Boolean", GraphQLFilter: "BooleanFilterInput",
		OpenAPI: OpenAPIType{Type: "boolean"}},
	TypeDate: {Values: DateValues, SQLite: "TEXT", Postgres: "DATE", GraphQL: "String", GraphQLFilter: "DateFilterInput",
		OpenAPI: OpenAPIType{Type: "string", Format: "date"}},
	TypeDateTime: {Values: DateTimeValues, SQLite: "DATETIME", Postgres: "TIMESTAMPTZ", GraphQL: "String", GraphQLFilter: "DateTimeFilterInput",
		OpenAPI: OpenAPIType{Type: "string", Format: "date-time"}},
	// Any JSON value, null included: the empty schema.
	TypeJSON: {Values: JSONValues, SQLite: "TEXT", Postgres: "JSONB", GraphQL: "JSON",
		OpenAPI: OpenAPIType{Description: "Any JSON value."}},
}

// Info returns t's row of Types; the zero TypeInfo for a type the
// registry does not serve.
func (t AttrType) Info() TypeInfo { return Types[t] }

// Supported reports whether t is one of the attribute types the registry
// serves.
func (t AttrType) Supported() bool {
	_, ok := Types[t]
	return ok
}
