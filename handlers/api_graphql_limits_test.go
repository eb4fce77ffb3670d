package handlers

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/tokenadmin/tokenadmin/content"
	"github.com/tokenadmin/tokenadmin/db/dbtest"
	"github.com/tokenadmin/tokenadmin/graphqlapi"
)

// orFilter is a filters value with n $containsi branches.
func orFilter(n int) string {
	var b strings.Builder
	b.WriteString("{or: [")
	for i := range n {
		fmt.Fprintf(&b, `{title: {containsi: "x%d"}} `, i)
	}
	b.WriteString("]}")
	return b.String()
}

// wantGQLLimit checks a refusal by the document's budget: 400, no data,
// the code, and Strapi's error object naming the limit and its maximum.
func wantGQLLimit(t *testing.T, name string, res apiResult, code, limit string) {
	t.Helper()
	if res.status != http.StatusBadRequest || res.gqlCode() != code || res.gqlLimit() != limit {
		t.Errorf("%s: %d %.300s, want 400 %s %s", name, res.status, res.raw, code, limit)
		return
	}
	if _, ok := res.body["data"]; ok {
		t.Errorf("%s: a refused document carries data: %s", name, res.raw)
	}
	ext, _ := res.gqlErrors()[0]["extensions"].(map[string]any)
	strapi, _ := ext["error"].(map[string]any)
	details, _ := strapi["details"].(map[string]any)
	msg, _ := res.gqlErrors()[0]["message"].(string)
	if strapi["name"] != "ValidationError" || strapi["message"] != msg || msg == "" {
		t.Errorf("%s: extensions.error %v, want a ValidationError with the message", name, strapi)
	}
	if max, ok := details["max"].(float64); !ok || !strings.Contains(msg, fmt.Sprint(int(max))) {
		t.Errorf("%s: details %v: the message %q should name the maximum", name, details, msg)
	}
}

func TestGraphQLDocumentLimits(t *testing.T) {
	app := newTestApp(t)
	full := app.mintKey("full", "full-access", "unlimited")

	// The validation bomb, small: fields under one response key with
	// other arguments, a few more than the limit allows.
	var bomb strings.Builder
	bomb.WriteString("{ ")
	for i := range graphqlapi.Default.MaxRepeats + 2 {
		fmt.Fprintf(&bomb, "articles(pagination: {page: %d}) { title } ", i+1)
	}
	bomb.WriteString("}")
	wantGQLLimit(t, "one key repeated", app.gql(full, bomb.String(), nil), "GRAPHQL_VALIDATION_FAILED", graphqlapi.LimitRepeats)

	// As the issue sent it, every field aliased "a".
	var aliased strings.Builder
	aliased.WriteString("{ ")
	for i := range graphqlapi.Default.MaxAliases + 1 {
		fmt.Fprintf(&aliased, `a: articles(filters: {title: {eq: "%d"}}) { title } `, i)
	}
	aliased.WriteString("}")
	wantGQLLimit(t, "one alias repeated", app.gql(full, aliased.String(), nil), "GRAPHQL_VALIDATION_FAILED", graphqlapi.LimitAliases)

	// A heavy filter repeated under a few aliases: each is within the
	// REST cap, together they are over the request's budget.
	per := graphqlapi.Default.MaxFilterConditions/2 - 5
	three := fmt.Sprintf(`{ a: articles(filters: %s) { title } b: articles(filters: %s) { title } c: articles(filters: %s) { title } }`,
		orFilter(per), orFilter(per), orFilter(per))
	wantGQLLimit(t, "filters across aliases", app.gql(full, three, nil), "BAD_USER_INPUT", graphqlapi.LimitFilterConditions)
	two := fmt.Sprintf(`{ a: articles(filters: %s) { title } b: articles(filters: %s) { title } }`, orFilter(per), orFilter(per))
	if res := app.gql(full, two, nil); res.status != http.StatusOK || len(res.gqlErrors()) != 0 {
		t.Errorf("two filters within the budget: %d %s", res.status, res.raw)
	}
	// The same budget holds for filters sent as variables.
	branches := make([]any, graphqlapi.Default.MaxFilterConditions+1)
	for i := range branches {
		branches[i] = map[string]any{"title": map[string]any{"containsi": fmt.Sprint(i)}}
	}
	res := app.gql(full, `query($f: ArticleFiltersInput) { articles(filters: $f) { title } }`,
		map[string]any{"f": map[string]any{"or": branches}})
	wantGQLLimit(t, "filters in a variable", res, "BAD_USER_INPUT", graphqlapi.LimitFilterConditions)

	deep := "{ articles { title } }"
	wantGQLLimit(t, "depth", app.gql(full, strings.Repeat("{ a ", 12)+"{ b }"+strings.Repeat(" }", 12), nil),
		"GRAPHQL_VALIDATION_FAILED", graphqlapi.LimitDepth)
	wantGQLLimit(t, "size", app.gql(full, deep+strings.Repeat(" ", graphqlapi.Default.MaxBytes), nil),
		"GRAPHQL_PARSE_FAILED", graphqlapi.LimitBytes)
	wantGQLLimit(t, "tokens", app.gql(full, "{ "+strings.Repeat("__typename ", graphqlapi.Default.MaxTokens)+"}", nil),
		"GRAPHQL_PARSE_FAILED", graphqlapi.LimitTokens)
	wantGQLLimit(t, "selections", app.gql(full, "{ articles { "+strings.Repeat("title ", graphqlapi.Default.MaxSelections)+"} }", nil),
		"GRAPHQL_VALIDATION_FAILED", graphqlapi.LimitSelections)
	wantGQLLimit(t, "introspection", app.gql(full, `{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }`, nil),
		"GRAPHQL_VALIDATION_FAILED", graphqlapi.LimitIntrospection)
}

func TestGraphQLLimitsComeBeforeValidationAndPermissions(t *testing.T) {
	app := newTestApp(t)
	// A key that may read categories only.
	key := app.mintKey("categories", "custom", "unlimited", "api::category.category.find")
	// Unknown fields, a type the key may not read, and over a limit: the
	// limit is what the answer names, since it is checked first.
	var doc strings.Builder
	doc.WriteString("{ ")
	for i := range graphqlapi.Default.MaxRepeats + 2 {
		fmt.Fprintf(&doc, "articles(pagination: {page: %d}) { nope%d } ", i+1, i)
	}
	doc.WriteString("}")
	wantGQLLimit(t, "over a limit", app.gql(key, doc.String(), nil), "GRAPHQL_VALIDATION_FAILED", graphqlapi.LimitRepeats)
	// Within the limits, the same key gets the usual answers.
	if res := app.gql(key, `{ articles { nope } }`, nil); res.status != http.StatusBadRequest || res.gqlLimit() != "" {
		t.Errorf("unknown field: %d %s", res.status, res.raw)
	}
	if res := app.gql(key, `{ articles { title } }`, nil); res.gqlCode() != "FORBIDDEN" {
		t.Errorf("forbidden type: %d %s", res.status, res.raw)
	}
}

func TestGraphQLErrorLocationsKeepTheirLines(t *testing.T) {
	// graphql-go parses without the source attached (see the handler);
	// the locations of validation and execution errors are put back.
	app := newTestApp(t)
	full := app.mintKey("full", "full-access", "unlimited")
	res := app.gql(full, "{\n  articles {\n    title\n    nope\n  }\n}", nil)
	locs, _ := res.gqlErrors()[0]["locations"].([]any)
	if len(locs) != 1 || fmt.Sprint(locs[0]) != "map[column:5 line:4]" {
		t.Errorf("validation error: %s, want line 4 column 5", res.raw)
	}
	res = app.gql(full, "query {\r\n  a: articles { title }\r\n  b: articles(sort: [\"nope\"]) { title }\r\n}", nil)
	if res.gqlCode() != "BAD_USER_INPUT" {
		t.Fatalf("execution error: %s", res.raw)
	}
	locs, _ = res.gqlErrors()[0]["locations"].([]any)
	if len(locs) != 1 || fmt.Sprint(locs[0]) != "map[column:3 line:3]" {
		t.Errorf("execution error: %s, want line 3 column 3", res.raw)
	}
}

func TestGraphQLIntrospectionQueryIsWithinTheLimits(t *testing.T) {
	app := newTestAppWith(t, dbtest.SQLite(t), func(o *Options) { o.GraphQLIntrospection = true })
	key := app.mintKey("ro", "read-only", "7")
	res := app.gql(key, graphqlIntrospectionQuery, nil)
	if res.status != http.StatusOK || len(res.gqlErrors()) != 0 {
		t.Fatalf("%d %.300s", res.status, res.raw)
	}
}

// graphqlIntrospectionQuery is the query GraphiQL and most clients send
// (graphql-js getIntrospectionQuery with descriptions), minus the fields
// graphql-go's older introspection schema lacks.
const graphqlIntrospectionQuery = `query IntrospectionQuery {
  __schema {
    queryType { name }
    mutationType { name }
    subscriptionType { name }
    types { ...FullType }
    directives { name description locations args { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description
  fields(includeDeprecated: true) {
    name description
    args { ...InputValue }
    type { ...TypeRef }
    isDeprecated deprecationReason
  }
  inputFields { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name
    ofType { kind name ofType { kind name ofType { kind name } } } } } } }
}`

// TestGraphQLArgumentLimitsInTheResolver: what the document's budget
// cannot see (values sent as variables, values per condition) is bounded
// where the arguments become a query, by the REST API's limits, and
// answered as a refused argument without data.
func TestGraphQLArgumentLimitsInTheResolver(t *testing.T) {
	app := newTestApp(t)
	full := app.mintKey("full", "full-access", "unlimited")
	hundred := make([]any, 100)
	for i := range hundred {
		hundred[i] = fmt.Sprint(i)
	}
	wide := make([]any, 11) // 11 conditions, 1,100 values
	for i := range wide {
		wide[i] = map[string]any{"title": map[string]any{"in": hundred}}
	}
	var deep any = map[string]any{"title": map[string]any{"eq": "x"}}
	for range 40 {
		deep = map[string]any{"not": deep}
	}
	const find = `query($f: ArticleFiltersInput) { articles(filters: $f) { title } }`
	for _, tc := range []struct {
		name, limit string
		filters     any
	}{
		{"values", content.LimitFilterValues, map[string]any{"or": wide}},
		{"one list", content.LimitInValues, map[string]any{"title": map[string]any{"in": append(hundred, "x")}}},
		{"nesting", content.LimitQueryDepth, deep},
		{"huge string", content.LimitTextLength, map[string]any{"title": map[string]any{"eq": strings.Repeat("x", 500_000)}}},
	} {
		res := app.gql(full, find, map[string]any{"f": tc.filters})
		if res.status != http.StatusOK || res.gqlCode() != "BAD_USER_INPUT" || res.gqlLimit() != tc.limit || res.gqlField("articles") != nil {
			t.Errorf("%s: %d %.400s, want BAD_USER_INPUT %s", tc.name, res.status, res.raw, tc.limit)
		}
	}
}
