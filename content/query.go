package content

import "time"

// Operator is a Strapi filter operator such as "$eq".
type Operator string

// The filter operators the content API accepts, as Strapi spells them.
const (
	OpEq           Operator = "$eq"
	OpEqi          Operator = "$eqi"
	OpNe           Operator = "$ne"
	OpNei          Operator = "$nei"
	OpLt           Operator = "$lt"
	OpLte          Operator = "$lte"
	OpGt           Operator = "$gt"
	OpGte          Operator = "$gte"
	OpIn           Operator = "$in"
	OpNotIn        Operator = "$notIn"
	OpContains     Operator = "$contains"
	OpNotContains  Operator = "$notContains"
	OpContainsi    Operator = "$containsi"
	OpNotContainsi Operator = "$notContainsi"
	OpStartsWith   Operator = "$startsWith"
	OpStartsWithi  Operator = "$startsWithi"
	OpEndsWith     Operator = "$endsWith"
	OpEndsWithi    Operator = "$endsWithi"
	OpNull         Operator = "$null"
	OpNotNull      Operator = "$notNull"
	OpBetween      Operator = "$between"
)

// Filter is a tree of conditions. Exactly one of its parts is set: And or
// Or (children), Not (one child), or a leaf condition (Field, Op, Value).
//
// Field is always an attribute name of the type, or one of the system
// fields id, documentId, createdAt, updatedAt, publishedAt: the parser
// refuses anything else, so a store may put it in SQL as an identifier.
// Value is typed for the field: string, int64, float64, bool, time.Time
// (date and datetime), or []any of those for $in, $notIn and $between;
// for $null and $notNull it is a bool.
type Filter struct {
	And   []Filter
	Or    []Filter
	Not   *Filter
	Field string
	Op    Operator
	Value any
}

// SortField is one key of the sort order.
type SortField struct {
	Field string
	Desc  bool
}

// Query is a parsed find request: what to filter, in which order, which
// fields to return and which slice of the result.
type Query struct {
	Filter *Filter // nil: every entry
	Sort   []SortField
	Fields []string // nil: every field

	// Page mode (the default): Page ≥ 1, PageSize 1…100.
	Page, PageSize int
	// Offset mode, when the request used pagination[start]/[limit].
	Offset bool
	Start  int
	Limit  int
}

// Entry is one stored entry of a content type. Data holds the attribute
// values keyed by attribute name, typed as the stores return them: string,
// int64, float64, bool, time.Time, json (any), or nil.
type Entry struct {
	ID          int64
	DocumentID  string
	Data        map[string]any
	CreatedAt   time.Time
	UpdatedAt   time.Time
	PublishedAt *time.Time
}

// System fields every entry has besides its attributes.
const (
	FieldID          = "id"
	FieldDocumentID  = "documentId"
	FieldCreatedAt   = "createdAt"
	FieldUpdatedAt   = "updatedAt"
	FieldPublishedAt = "publishedAt"
)
