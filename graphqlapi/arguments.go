package graphqlapi

import (
	"maps"
	"net/url"
	"slices"
	"strconv"

	"github.com/tokenadmin/tokenadmin/content"
)

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
