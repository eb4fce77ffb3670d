package graphqlapi

import (
	"maps"
	"slices"
	"strings"

	"github.com/graphql-go/graphql"
	"github.com/graphql-go/graphql/language/location"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/validator"
)

// gqlparserSchema is the graphql-go schema written as SDL and loaded by
// gqlparser, whose validator words its errors as graphql-js does (what
// Strapi's Apollo Server answers): `Cannot query field "nope" on type
// "Article".`, `Value "extreme" does not exist in "ENUM_ARTICLE_RATING"
// enum.` graphql-go still runs the resolvers.
func gqlparserSchema(s graphql.Schema) (*ast.Schema, error) {
	var b strings.Builder
	builtin := map[string]bool{"String": true, "Int": true, "Float": true, "Boolean": true, "ID": true}
	types := s.TypeMap()
	for _, name := range slices.Sorted(maps.Keys(types)) {
		if builtin[name] || strings.HasPrefix(name, "__") {
			continue
		}
		switch t := types[name].(type) {
		case *graphql.Scalar:
			b.WriteString("scalar " + name + "\n")
		case *graphql.Enum:
			b.WriteString("enum " + name + " {")
			for _, v := range t.Values() {
				b.WriteString(" " + v.Name)
			}
			b.WriteString(" }\n")
		case *graphql.InputObject:
			fields := t.Fields()
			b.WriteString("input " + name + " {\n")
			for _, f := range slices.Sorted(maps.Keys(fields)) {
				b.WriteString("  " + f + ": " + fields[f].Type.String() + "\n")
			}
			b.WriteString("}\n")
		case *graphql.Object:
			fields := t.Fields()
			b.WriteString("type " + name + " {\n")
			for _, f := range slices.Sorted(maps.Keys(fields)) {
				def := fields[f]
				b.WriteString("  " + f)
				if len(def.Args) > 0 {
					b.WriteString("(")
					for i, a := range def.Args {
						if i > 0 {
							b.WriteString(", ")
						}
						b.WriteString(a.PrivateName + ": " + a.Type.String())
					}
					b.WriteString(")")
				}
				b.WriteString(": " + def.Type.String() + "\n")
			}
			b.WriteString("}\n")
		}
	}
	schema, err := gqlparser.LoadSchema(&ast.Source{Name: "schema", Input: b.String()})
	if err != nil {
		return nil, err
	}
	return schema, nil
}

// gqlValidate checks doc against schema with gqlparser's rules, which are
// graphql-js's; the errors come back as the response's entries.
func gqlValidate(schema *ast.Schema, doc *ast.QueryDocument, query string) []gqlErrorJSON {
	list := validator.Validate(schema, doc)
	if len(list) == 0 {
		return nil
	}
	out := gqlErrorEntries(list, gqlCodeValidationFailed)
	lines := newLineIndex(query)
	for i := range out {
		for j, l := range out[i].Locations {
			out[i].Locations[j] = lines.atStringStart(query, l)
		}
	}
	return out
}

func gqlErrorEntries(list gqlerror.List, code string) []gqlErrorJSON {
	out := make([]gqlErrorJSON, len(list))
	for i, e := range list {
		out[i] = gqlErrorJSON{Message: e.Message, Extensions: map[string]any{"code": code}}
		for _, l := range e.Locations {
			out[i].Locations = append(out[i].Locations, location.SourceLocation{Line: l.Line, Column: l.Column})
		}
	}
	return out
}

// atStringStart moves a location gqlparser gives inside a string literal
// (just after its opening quote or quotes) back to the quote, where
// graphql-js locates the value. Nothing else in a document follows a
// quote directly.
func (x lineIndex) atStringStart(query string, l location.SourceLocation) location.SourceLocation {
	if l.Line < 1 || l.Line > len(x.starts) {
		return l
	}
	offset := x.starts[l.Line-1] + l.Column - 1
	for n := 0; n < 3 && offset > x.starts[l.Line-1] && offset <= len(query) && query[offset-1] == '"'; n++ {
		offset--
		l.Column--
	}
	return l
}
