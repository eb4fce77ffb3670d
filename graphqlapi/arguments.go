package graphqlapi

import (
	"maps"
	"slices"
	"strconv"

	"github.com/tokenadmin/tokenadmin/content"
)

// gqlQuery builds a find's query from its filters, sort and pagination
// arguments as graphql-go has coerced them to the schema's types. The
// checks are package content's, the ones ParseQuery makes of a REST query
// string (fields, operators per type, value conversions, the limits of
// query_limits.go), so both APIs refuse the same requests; the messages
// name the argument's path (filters.title.eq) where REST names a
// query-string key. Filters are read first, then pagination, then sort.
func gqlQuery(ct content.ContentType, args map[string]any) (content.Query, error) {
	b := content.NewQueryBuilder(ct)
	var filter *content.Filter
	if m, ok := args["filters"].(map[string]any); ok {
		fb := filterBuilder{b: b}
		f, some, err := fb.group(m, "filters", 0)
		if err != nil {
			return content.Query{}, err
		}
		if some {
			filter = &f
		}
	}
	got := map[string]int{}
	if p, ok := args["pagination"].(map[string]any); ok {
		for _, k := range []string{"page", "pageSize", "start", "limit"} {
			if n, ok := p[k].(int); ok {
				got[k] = n
			}
		}
	}
	q, err := content.Paginate(content.GraphQLPaging, got, func(k string) string { return "pagination." + k })
	if err != nil {
		return content.Query{}, err
	}
	q.Filter = filter
	if list, ok := args["sort"].([]any); ok {
		for i, e := range list {
			s, ok := e.(string)
			if !ok {
				continue // null: no order
			}
			if err := content.CheckArgumentText("sort["+strconv.Itoa(i)+"]", s); err != nil {
				return content.Query{}, err
			}
			if err := b.SortText(s); err != nil {
				return content.Query{}, err
			}
		}
	}
	q.Sort = b.Sort()
	return q, nil
}

// filterBuilder turns a <Type>FiltersInput value into a filter tree.
//
// An object that names no condition holds for every entry: an "or" with
// such a branch is left out whole, an "and" leaves the branch out, and a
// "not" of one matches nothing, written as id being null, which no
// entry's is. depth counts the levels as the REST query string nests
// them (filters[$or][0][title][$eq] is four), so that both APIs stop at
// content.MaxQueryDepth.
type filterBuilder struct {
	b *content.QueryBuilder
}

// filterError is a structural error in the filters argument, with the
// details ParseQuery gives its own.
func filterError(msg, key string, path any) error {
	return content.NewValidationError(msg, map[string]any{"key": key, "path": path, "source": "query", "param": "filters"})
}

// logicalFirst orders an object's keys as the REST parser meets them:
// and, not, or, then the fields in name order.
func logicalFirst(m map[string]any) []string {
	keys := slices.Sorted(maps.Keys(m))
	logical := func(k string) bool { return k == "and" || k == "or" || k == "not" }
	slices.SortStableFunc(keys, func(a, b string) int {
		switch la, lb := logical(a), logical(b); {
		case la && !lb:
			return -1
		case lb && !la:
			return 1
		}
		return 0
	})
	return keys
}

func allOf(conds []content.Filter) content.Filter {
	if len(conds) == 1 {
		return conds[0]
	}
	return content.Filter{And: conds}
}

// group reads one FiltersInput object; some is false when it names no
// condition.
func (fb filterBuilder) group(m map[string]any, path string, depth int) (f content.Filter, some bool, err error) {
	if depth > content.MaxQueryDepth {
		return content.Filter{}, false, content.DepthError("filters")
	}
	var conds []content.Filter
	never := false
	for _, k := range logicalFirst(m) {
		switch val := m[k]; k {
		case "and", "or":
			list, _ := val.([]any)
			if len(list) == 0 {
				return content.Filter{}, false, filterError("$"+k+" must be an array of objects", "$"+k, nil)
			}
			var subs []content.Filter
			always := false
			for i, e := range list {
				sub, ok := e.(map[string]any)
				if !ok {
					return content.Filter{}, false, filterError("$"+k+" items must be objects", "$"+k, nil)
				}
				f, some, err := fb.group(sub, path+"."+k+"["+strconv.Itoa(i)+"]", depth+2)
				if err != nil {
					return content.Filter{}, false, err
				}
				if !some {
					always = true
					continue
				}
				subs = append(subs, f)
			}
			switch {
			case len(subs) == 0 || k == "or" && always:
			case k == "and":
				conds = append(conds, content.Filter{And: subs})
			default:
				conds = append(conds, content.Filter{Or: subs})
			}
		case "not":
			sub, _ := val.(map[string]any)
			f, some, err := fb.group(sub, path+".not", depth+1)
			if err != nil {
				return content.Filter{}, false, err
			}
			if !some {
				never = true
				continue
			}
			conds = append(conds, content.Filter{Not: &f})
		default:
			ops, _ := val.(map[string]any)
			f, some, none, err := fb.column(k, ops, path+"."+k, depth+1)
			switch {
			case err != nil:
				return content.Filter{}, false, err
			case none:
				never = true
			case some:
				conds = append(conds, f)
			}
		}
	}
	if never {
		f, err := fb.b.Condition(content.FieldID, content.TypeInteger, content.OpNull, true)
		if err != nil {
			return content.Filter{}, false, err
		}
		conds = append(conds, f)
	}
	if len(conds) == 0 {
		return content.Filter{}, false, nil
	}
	return allOf(conds), true, nil
}

// column reads the operators on one field (a <Scalar>FilterInput). some
// is false when they name no condition; none is true when they can match
// nothing (a not of no condition), which the caller writes.
func (fb filterBuilder) column(field string, ops map[string]any, path string, depth int) (f content.Filter, some, none bool, err error) {
	if depth+1 > content.MaxQueryDepth {
		return content.Filter{}, false, false, content.DepthError("filters")
	}
	if len(ops) == 0 {
		return content.Filter{}, false, false, nil
	}
	t, err := fb.b.FilterField(field)
	if err != nil {
		return content.Filter{}, false, false, err
	}
	var conds []content.Filter
	for _, op := range slices.Sorted(maps.Keys(ops)) {
		val, at := ops[op], path+"."+op
		switch op {
		case "not":
			sub, _ := val.(map[string]any)
			f, subSome, subNone, err := fb.column(field, sub, at, depth+1)
			switch {
			case err != nil:
				return content.Filter{}, false, false, err
			case subNone: // not(nothing): always holds
			case !subSome:
				none = true
			default:
				conds = append(conds, content.Filter{Not: &f})
			}
		case "and", "or":
			// A list of values of the field, each one an eq.
			if depth+2 > content.MaxQueryDepth {
				return content.Filter{}, false, false, content.DepthError("filters")
			}
			list, _ := val.([]any)
			if len(list) == 0 || slices.Contains(list, nil) {
				return content.Filter{}, false, false,
					filterError("$"+op+" at "+field+" must be a list of values", "$"+op, field)
			}
			subs := make([]content.Filter, len(list))
			for i, e := range list {
				if err := argumentText(at+"["+strconv.Itoa(i)+"]", e); err != nil {
					return content.Filter{}, false, false, err
				}
				if subs[i], err = fb.b.Condition(field, t, content.OpEq, e); err != nil {
					return content.Filter{}, false, false, err
				}
			}
			if op == "and" {
				conds = append(conds, content.Filter{And: subs})
			} else {
				conds = append(conds, content.Filter{Or: subs})
			}
		default:
			if list, ok := val.([]any); ok {
				for i, e := range list {
					if err := argumentText(at+"["+strconv.Itoa(i)+"]", e); err != nil {
						return content.Filter{}, false, false, err
					}
				}
			} else if err := argumentText(at, val); err != nil {
				return content.Filter{}, false, false, err
			}
			f, err := fb.b.Condition(field, t, content.Operator("$"+op), val)
			if err != nil {
				return content.Filter{}, false, false, err
			}
			conds = append(conds, f)
		}
	}
	if len(conds) == 0 {
		return content.Filter{}, false, none, nil
	}
	return allOf(conds), true, none, nil
}

// argumentText holds a string value to the rules of a query-string value.
func argumentText(path string, v any) error {
	if s, ok := v.(string); ok {
		return content.CheckArgumentText(path, s)
	}
	return nil
}
