package graphqlapi

import (
	"encoding/json"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/graphql-go/graphql/language/location"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/validator/core"
)

// gqlCheckVariables holds the request's variables to the operation's
// declared types as graphql-js's coerceVariableValues does, with its
// messages (Apollo answers them 400 BAD_USER_INPUT), for example
//
//	Variable "$p" got invalid value "abc" at "p.page"; Int cannot represent non-integer value: "abc"
//
// It only reports: graphql-go coerces the same values again when it runs
// the operation.
func gqlCheckVariables(schema *ast.Schema, op *ast.OperationDefinition, vars map[string]any) []gqlErrorJSON {
	var errs []gqlErrorJSON
	for _, def := range op.VariableDefinitions {
		name := def.Variable
		c := &varCoercer{schema: schema, name: name}
		value, present := vars[name]
		switch {
		case !present && def.DefaultValue == nil && def.Type.NonNull:
			c.fail(nil, nil, `Variable "$`+name+`" of required type "`+def.Type.String()+`" was not provided.`, true)
		case !present:
		case value == nil && def.Type.NonNull:
			c.fail(nil, nil, `Variable "$`+name+`" of non-null type "`+def.Type.String()+`" must not be null.`, true)
		default:
			c.coerce(value, def.Type, nil)
		}
		for _, m := range c.msgs {
			if !m.whole {
				prefix := `Variable "$` + name + `" got invalid value ` + jsInspect(m.value, 0)
				if len(m.path) > 0 {
					prefix += ` at "` + name + printPath(m.path) + `"`
				}
				m.text = prefix + "; " + m.text
			}
			e := gqlErrorJSON{Message: m.text, Extensions: map[string]any{"code": gqlCodeBadUserInput}}
			if def.Position != nil {
				e.Locations = []location.SourceLocation{{Line: def.Position.Line, Column: def.Position.Column}}
			}
			errs = append(errs, e)
			if len(errs) >= 50 { // graphql-js's maxErrors
				return errs
			}
		}
	}
	return errs
}

type varMessage struct {
	path  []any
	value any
	text  string
	whole bool // the message is complete, without the "got invalid value" prefix
}

type varCoercer struct {
	name    string // the variable's
	schema  *ast.Schema
	msgs    []varMessage
	tooDeep bool
}

// maxVariableDepth bounds how deeply a variable's value may nest lists
// and input objects; filters are limited to fewer levels anyway.
const maxVariableDepth = 64

func (c *varCoercer) fail(path []any, value any, text string, whole bool) {
	c.msgs = append(c.msgs, varMessage{path: slices.Clone(path), value: value, text: text, whole: whole})
}

// coerce is graphql-js's coerceInputValue, reporting instead of building.
func (c *varCoercer) coerce(v any, t *ast.Type, path []any) {
	if len(c.msgs) >= 50 || c.tooDeep {
		return
	}
	if len(path) > maxVariableDepth {
		// Not graphql-js's: a limit, so that graphql-go never walks a
		// value nested thousands of levels (seconds of work per request).
		c.tooDeep = true
		c.fail(nil, nil, `Variable "$`+c.name+`" nests more than `+strconv.Itoa(maxVariableDepth)+` levels of lists and objects.`, true)
		return
	}
	if t.NonNull && v == nil {
		c.fail(path, v, `Expected non-nullable type "`+t.String()+`" not to be null.`, false)
		return
	}
	if v == nil {
		return
	}
	if t.Elem != nil {
		elem := *t.Elem
		if list, ok := v.([]any); ok {
			for i, e := range list {
				c.coerce(e, &elem, append(path, i))
			}
			return
		}
		c.coerce(v, &elem, path)
		return
	}
	def := c.schema.Types[t.NamedType]
	if def == nil {
		return
	}
	switch def.Kind {
	case ast.InputObject:
		obj, ok := v.(map[string]any)
		if !ok {
			c.fail(path, v, `Expected type "`+def.Name+`" to be an object.`, false)
			return
		}
		for _, f := range def.Fields {
			fv, present := obj[f.Name]
			if !present {
				if f.DefaultValue == nil && f.Type.NonNull {
					c.fail(path, v, `Field "`+f.Name+`" of required type "`+f.Type.String()+`" was not provided.`, false)
				}
				continue
			}
			c.coerce(fv, f.Type, append(path, f.Name))
		}
		names := make([]string, len(def.Fields))
		for i, f := range def.Fields {
			names[i] = f.Name
		}
		for _, k := range slices.Sorted(maps.Keys(obj)) {
			if def.Fields.ForName(k) == nil {
				c.fail(path, v, `Field "`+k+`" is not defined by type "`+def.Name+`".`+didYouMean("", core.SuggestionList(k, names)), false)
			}
		}
	case ast.Enum:
		names := make([]string, len(def.EnumValues))
		for i, e := range def.EnumValues {
			names[i] = e.Name
		}
		s, ok := v.(string)
		if !ok {
			shown := jsInspect(v, 0)
			c.fail(path, v, `Enum "`+def.Name+`" cannot represent non-string value: `+shown+`.`+
				didYouMean("the enum value", core.SuggestionList(shown, names)), false)
			return
		}
		if def.EnumValues.ForName(s) == nil {
			c.fail(path, v, `Value "`+s+`" does not exist in "`+def.Name+`" enum.`+
				didYouMean("the enum value", core.SuggestionList(s, names)), false)
		}
	case ast.Scalar:
		if msg := scalarError(def.Name, v); msg != "" {
			c.fail(path, v, msg, false)
		}
	}
}

// scalarError is graphql-js's parseValue failure for the built-in
// scalars; JSON takes anything.
func scalarError(name string, v any) string {
	shown := jsInspect(v, 0)
	switch name {
	case "Int":
		f, ok := v.(float64)
		if !ok || f != math.Trunc(f) || math.IsInf(f, 0) {
			return "Int cannot represent non-integer value: " + shown
		}
		if f > math.MaxInt32 || f < math.MinInt32 {
			return "Int cannot represent non 32-bit signed integer value: " + shown
		}
	case "Float":
		if _, ok := v.(float64); !ok {
			return "Float cannot represent non numeric value: " + shown
		}
	case "String":
		if _, ok := v.(string); !ok {
			return "String cannot represent a non string value: " + shown
		}
	case "Boolean":
		if _, ok := v.(bool); !ok {
			return "Boolean cannot represent a non boolean value: " + shown
		}
	case "ID":
		switch x := v.(type) {
		case string:
		case float64:
			if x != math.Trunc(x) {
				return "ID cannot represent value: " + shown
			}
		default:
			return "ID cannot represent value: " + shown
		}
	}
	return ""
}

// didYouMean is graphql-js's suggestion suffix.
func didYouMean(subject string, suggestions []string) string {
	if len(suggestions) == 0 {
		return ""
	}
	msg := " Did you mean "
	if subject != "" {
		msg += subject + " "
	}
	return msg + core.QuotedOrList(suggestions...) + "?"
}

// printPath is graphql-js's printPathArray: .field and [index].
func printPath(path []any) string {
	var b strings.Builder
	for _, p := range path {
		switch x := p.(type) {
		case int:
			b.WriteString("[" + strconv.Itoa(x) + "]")
		case string:
			b.WriteString("." + x)
		}
	}
	return b.String()
}

// jsInspect is graphql-js's inspect for JSON values: strings quoted,
// arrays [a, b], objects { key: value }, two levels deep, ten items.
func jsInspect(v any, depth int) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string, float64, bool:
		b, _ := json.Marshal(x)
		return string(b)
	case []any:
		if len(x) == 0 {
			return "[]"
		}
		if depth >= 2 {
			return "[Array]"
		}
		var parts []string
		for i, e := range x {
			if i == 10 {
				more := len(x) - 10
				if more == 1 {
					parts = append(parts, "... 1 more item")
				} else {
					parts = append(parts, "... "+strconv.Itoa(more)+" more items")
				}
				break
			}
			parts = append(parts, jsInspect(e, depth+1))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		if len(x) == 0 {
			return "{}"
		}
		if depth >= 2 {
			return "[Object]"
		}
		var parts []string
		for _, k := range slices.Sorted(maps.Keys(x)) {
			parts = append(parts, k+": "+jsInspect(x[k], depth+1))
		}
		return "{ " + strings.Join(parts, ", ") + " }"
	}
	b, _ := json.Marshal(v)
	return string(b)
}
