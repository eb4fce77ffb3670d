package content

import (
	"strconv"
	"unicode/utf8"
)

// Limits on what one find request may ask for, so that a crafted query
// string cannot make the parser or the database do unbounded work. Each
// is far below where a database gives up (SQLite refuses an expression
// tree deeper than 1,000, which an $or of 1,000 branches is, and more than
// 32,766 bound values) and far above what a hand-written query needs. A
// request over one is a *ValidationError whose details name the limit
// ("limit") and its value ("max").
const (
	// MaxQueryParams is how many values the whole query string may hold.
	MaxQueryParams = 2000
	// MaxQueryDepth is how many bracket levels a parameter may nest, as in
	// filters[$or][0][title][$eq] (four levels).
	MaxQueryDepth = 20
	// MaxTextLength is how many characters a query-string key or value
	// may have.
	MaxTextLength = 1000
	// MaxFilterConditions is how many leaf conditions a filter may hold.
	// A condition costs a comparison per row and the database scans every
	// row for the string operators: 100 $containsi on 20,000 rows take a
	// fraction of a second, 1,000 took 13 s.
	MaxFilterConditions = 100
	// MaxInValues is how many values one $in, $notIn (or a shorthand
	// list) may hold.
	MaxInValues = 100
	// MaxFilterValues is how many values a whole filter may hold, counting
	// every value of every list (each is bound twice, for the page and
	// its count).
	MaxFilterValues = 1000
	// MaxSortFields is how many fields sort may name, repeats included.
	MaxSortFields = 10
	// MaxFields is how many names fields may list, repeats included.
	MaxFields = 100
	// MaxPopulate is how many values populate may hold (it is accepted
	// and ignored: there are no relations to populate).
	MaxPopulate = 100
	// MaxPage and MaxStart bound pagination[page] and pagination[start].
	MaxPage  = 1_000_000
	MaxStart = 100_000_000

	DefaultPageSize = 25  // pagination[pageSize] and pagination[limit] when not given
	MaxPageSize     = 100 // the largest pageSize and limit served
)

// Names of the limits, as details.limit reports them.
const (
	LimitQueryParams      = "maxQueryParams"
	LimitQueryDepth       = "maxQueryDepth"
	LimitTextLength       = "maxTextLength"
	LimitFilterConditions = "maxFilterConditions"
	LimitInValues         = "maxInValues"
	LimitFilterValues     = "maxFilterValues"
	LimitSortFields       = "maxSortFields"
	LimitFields           = "maxFields"
	LimitPopulate         = "maxPopulate"
	LimitPage             = "maxPage"
	LimitStart            = "maxStart"
)

// limitError is a query error over a limit: Strapi's query details plus
// the limit's name and value.
func limitError(message, param, key string, path any, limit string, max int) *ValidationError {
	e := queryError(message, param, key, path)
	e.Details["limit"] = limit
	e.Details["max"] = max
	return e
}

// checkParam holds one query-string key and its values to the text rules
// and MaxTextLength.
func checkParam(key string, values []string) error {
	if utf8.RuneCountInString(key) > MaxTextLength {
		short := key[:min(len(key), 40)] + "…"
		return limitError("A query parameter's name is longer than "+strconv.Itoa(MaxTextLength)+" characters",
			"", short, nil, LimitTextLength, MaxTextLength)
	}
	for _, v := range values {
		if err := valueLength(key, v); err != nil {
			return err
		}
	}
	for _, v := range values {
		if err := CheckQueryText(key, v); err != nil {
			return err
		}
	}
	if len(values) == 0 {
		return CheckQueryText(key, "")
	}
	return nil
}

// valueLength holds one value of a query to MaxTextLength; name is where
// the request put it.
func valueLength(name, value string) error {
	if utf8.RuneCountInString(value) > MaxTextLength {
		return limitError("The value of "+name+" is longer than "+strconv.Itoa(MaxTextLength)+" characters",
			"", name, nil, LimitTextLength, MaxTextLength)
	}
	return nil
}

// CheckArgumentText holds a string an API other than the query string
// gives a query (a GraphQL argument) to the rules of a query-string
// value: MaxTextLength, and text (see badText). name is the argument's
// path, which the message names.
func CheckArgumentText(name, value string) error {
	if err := valueLength(name, value); err != nil {
		return err
	}
	if why := badText(value); why != "" {
		return queryError("The value of "+name+" "+why, "", name, nil)
	}
	return nil
}

// countValues is how many values a node and everything under it hold.
func countValues(n *qsNode) int {
	c := len(n.vals)
	for _, k := range n.keys {
		c += countValues(n.kids[k])
	}
	return c
}
