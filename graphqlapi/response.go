package graphqlapi

import (
	"maps"
	"slices"

	"github.com/tokenadmin/tokenadmin/content"
)

// gqlWrite writes a GraphQL answer as Apollo Server does: "errors" (when
// there are any) before "data" (when there is any), each error as
// {message, locations, path, extensions}, extensions as {code, error},
// Strapi's error as {name, message, details}, strings as JSON.stringify
// writes them.
func gqlWrite(status int, data any, hasData bool, errs []gqlErrorJSON) (Answer, error) {
	var out content.OrderedObject
	if len(errs) > 0 {
		list := make([]content.OrderedObject, len(errs))
		for i, e := range errs {
			list[i] = e.ordered()
		}
		out = append(out, content.Field{Key: "errors", Value: list})
	}
	if hasData {
		out = append(out, content.Field{Key: "data", Value: data})
	}
	b, err := out.AppendJSON(make([]byte, 0, 512))
	if err != nil {
		return Answer{}, err
	}
	return Answer{Status: status, Body: append(b, '\n')}, nil
}

// ordered is the error in graphql-js's key order.
func (e gqlErrorJSON) ordered() content.OrderedObject {
	o := content.OrderedObject{{Key: "message", Value: e.Message}}
	if len(e.Locations) > 0 {
		locs := make([]content.OrderedObject, len(e.Locations))
		for i, l := range e.Locations {
			locs[i] = content.OrderedObject{{Key: "line", Value: l.Line}, {Key: "column", Value: l.Column}}
		}
		o = append(o, content.Field{Key: "locations", Value: locs})
	}
	if len(e.Path) > 0 {
		o = append(o, content.Field{Key: "path", Value: e.Path})
	}
	if len(e.Extensions) > 0 {
		o = append(o, content.Field{Key: "extensions", Value: orderedExtensions(e.Extensions)})
	}
	return o
}

// orderedExtensions writes code first and Strapi's error as {name,
// message, details}; anything else follows in sorted order.
func orderedExtensions(ext map[string]any) content.OrderedObject {
	var o content.OrderedObject
	if code, ok := ext["code"]; ok {
		o = append(o, content.Field{Key: "code", Value: code})
	}
	if se, ok := ext["error"].(map[string]any); ok {
		eo := content.OrderedObject{}
		for _, k := range []string{"name", "message", "details"} {
			if v, ok := se[k]; ok {
				if m, isMap := v.(map[string]any); isMap && len(m) == 0 {
					v = content.OrderedObject{}
				}
				eo = append(eo, content.Field{Key: k, Value: v})
			}
		}
		o = append(o, content.Field{Key: "error", Value: eo})
	}
	for _, k := range slices.Sorted(maps.Keys(ext)) {
		if k != "code" && k != "error" {
			o = append(o, content.Field{Key: k, Value: ext[k]})
		}
	}
	return o
}
