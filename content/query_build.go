package content

import "strconv"

// QueryBuilder builds a Query from arguments that arrive structured and
// typed rather than as a query string (the GraphQL API's), under the
// rules and limits ParseQuery holds a query string to: the same fields,
// operators per attribute type, value conversions, condition and value
// counts, sort rules and pagination. The caller walks its own argument
// tree and bounds its nesting with MaxQueryDepth (DepthError).
type QueryBuilder struct {
	ct      ContentType
	filters filterParser
	sort    sorter
}

// NewQueryBuilder returns a builder for one find of ct.
func NewQueryBuilder(ct ContentType) *QueryBuilder {
	return &QueryBuilder{ct: ct, filters: filterParser{ct: ct}, sort: sorter{ct: ct}}
}

// FilterField returns the type a filter on name compares as, or the
// error ParseQuery gives a field that cannot be filtered on.
func (b *QueryBuilder) FilterField(name string) (AttrType, error) {
	return filterableField(b.ct, "filters", name)
}

// Condition checks one comparison on field (of type t, from FilterField)
// and converts its value: a single value (string, int, int64, float64,
// bool) or, for $in, $notIn and $between, a []any of them; nil is a
// missing value. Every call counts against the filter's limits.
func (b *QueryBuilder) Condition(field string, t AttrType, op Operator, value any) (Filter, error) {
	if !KnownOperator(op) {
		return Filter{}, invalidKey("filters", string(op), field)
	}
	return b.filters.condition(field, t, op, value)
}

// SortText adds one sort string ("title:asc,views:desc") to the order.
func (b *QueryBuilder) SortText(s string) error { return b.sort.text(s) }

// Sort returns the order added so far.
func (b *QueryBuilder) Sort() []SortField { return b.sort.out }

// Paginate returns a query with the slice the pagination keys given
// (page, pageSize, start, limit) select under paging's sizes and Strapi's
// rules; name writes a key as the request spelled it, for the messages.
func Paginate(paging Paging, got map[string]int, name func(key string) string) (Query, error) {
	q := Query{Page: 1, PageSize: paging.Default, Limit: paging.Default}
	if err := paginate(got, &q, paging, name); err != nil {
		return Query{}, err
	}
	return q, nil
}

// DepthError is the refusal of param nested deeper than MaxQueryDepth.
func DepthError(param string) error {
	return limitError(param+" is nested more than "+strconv.Itoa(MaxQueryDepth)+" levels",
		param, param, nil, LimitQueryDepth, MaxQueryDepth)
}
