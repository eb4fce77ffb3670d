package graphqlapi

import (
	"maps"
	"slices"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/tokenadmin/tokenadmin/content"
)

// gqlOrdered gives graphql-go's result (maps, whose keys encoding/json
// sorts) the order graphql-js writes: each object's keys in the order the
// document selects them, fragments in place, a key selected twice at its
// first place. Values without a selection set (scalars, JSON) are left as
// they are.
func gqlOrdered(doc *ast.QueryDocument, operationName string, data any) any {
	if doc == nil {
		return data
	}
	op := gqlOperation(doc, operationName)
	if op == nil {
		return data
	}
	return orderValue(doc, op.SelectionSet, data, 0)
}

// gqlOperation is the operation a request runs: the only one, or the one
// named.
func gqlOperation(doc *ast.QueryDocument, operationName string) *ast.OperationDefinition {
	if operationName == "" && len(doc.Operations) == 1 {
		return doc.Operations[0]
	}
	if operationName == "" {
		return nil
	}
	return doc.Operations.ForName(operationName)
}

// orderDepthLimit stops at a depth no document within graphqlapi's limits
// reaches; past it the value is written as it is.
const orderDepthLimit = 64

func orderValue(doc *ast.QueryDocument, set ast.SelectionSet, v any, depth int) any {
	if len(set) == 0 || depth > orderDepthLimit {
		return v
	}
	switch x := v.(type) {
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = orderValue(doc, set, e, depth+1)
		}
		return out
	case map[string]any:
		keys, subs := responseKeys(doc, set)
		o := make(content.OrderedObject, 0, len(x))
		for _, k := range keys {
			if val, ok := x[k]; ok {
				o = append(o, content.Field{Key: k, Value: orderValue(doc, subs[k], val, depth+1)})
			}
		}
		if len(o) < len(x) { // cannot happen; keep every value all the same
			for _, k := range slices.Sorted(maps.Keys(x)) {
				if !slices.Contains(keys, k) {
					o = append(o, content.Field{Key: k, Value: x[k]})
				}
			}
		}
		return o
	}
	return v
}

// responseKeys lists the response keys a selection set writes, in order,
// with the merged sub-selections of each.
func responseKeys(doc *ast.QueryDocument, set ast.SelectionSet) ([]string, map[string]ast.SelectionSet) {
	var keys []string
	subs := map[string]ast.SelectionSet{}
	seenFrag := map[string]bool{}
	var walk func(ast.SelectionSet)
	walk = func(set ast.SelectionSet) {
		for _, sel := range set {
			switch s := sel.(type) {
			case *ast.Field:
				k := s.Alias
				if k == "" {
					k = s.Name
				}
				if _, seen := subs[k]; !seen {
					keys = append(keys, k)
				}
				subs[k] = append(subs[k], s.SelectionSet...)
			case *ast.InlineFragment:
				walk(s.SelectionSet)
			case *ast.FragmentSpread:
				if seenFrag[s.Name] {
					continue
				}
				seenFrag[s.Name] = true
				if f := doc.Fragments.ForName(s.Name); f != nil {
					walk(f.SelectionSet)
				}
			}
		}
	}
	walk(set)
	return keys, subs
}
