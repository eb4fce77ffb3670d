package graphqlapi

import (
	"github.com/vektah/gqlparser/v2/ast"
)

// NoIntrospectionMessage is Apollo Server's refusal of introspection in
// production, which Strapi's GraphQL plugin inherits; the code is
// GRAPHQL_VALIDATION_FAILED.
const NoIntrospectionMessage = "GraphQL introspection is not allowed by Apollo Server, but the query contained __schema or __type. " +
	"To enable introspection, pass introspection: true to ApolloServer in production"

// IntrospectionFields lists where doc selects __schema or __type, in the
// operations and in the fragments, as Apollo's NoIntrospection rule
// reports them (one error per field). __typename is not introspection.
func IntrospectionFields(doc *ast.QueryDocument) []Location {
	var out []Location
	var walk func(ast.SelectionSet)
	walk = func(set ast.SelectionSet) {
		for _, sel := range set {
			switch s := sel.(type) {
			case *ast.Field:
				if s.Name == "__schema" || s.Name == "__type" {
					if s.Position != nil {
						out = append(out, Location{Line: s.Position.Line, Column: s.Position.Column})
					} else {
						out = append(out, Location{})
					}
				}
				walk(s.SelectionSet)
			case *ast.InlineFragment:
				walk(s.SelectionSet)
			}
		}
	}
	for _, op := range doc.Operations {
		walk(op.SelectionSet)
	}
	for _, f := range doc.Fragments {
		walk(f.SelectionSet)
	}
	return out
}
