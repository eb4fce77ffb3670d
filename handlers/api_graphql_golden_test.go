package handlers

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/tokenadmin/tokenadmin/db"
	"github.com/tokenadmin/tokenadmin/db/dbtest"
)

// TestGraphQLStrapiGolden pins the exact bytes of GraphQL answers in the
// shape of Strapi 5's plugin (read from @strapi/plugin-graphql 5.54.0):
// <plural>_connection, real enums, "Forbidden access", STRAPI_ codes,
// missing entries, introspection refused, Apollo's key order.
func TestGraphQLStrapiGolden(t *testing.T) {
	registry := goldenRegistry(t)
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		app := newTestAppWithRegistry(t, d, registry)
		full := app.mintKey("full", "full-access", "unlimited")
		readOnly := app.mintKey("ro", "read-only", "unlimited")
		for i, title := range []string{"A & B", "Second", "Third"} {
			body := `{"data":{"title":"` + title + `","views":` + string(rune('1'+i)) + `,"rating":"mid"}}`
			if r := app.api("POST", "/api/articles", "Bearer "+full, body); r.status != http.StatusCreated {
				t.Fatalf("seed: %d %s", r.status, r.raw)
			}
		}
		tests := []struct {
			name, key, query string
			status           int
			want             string
		}{
			{"list, selection order", full, `{ articles(sort: ["views:asc"], pagination: {pageSize: 1}) { views title rating } }`, 200,
				`{"data":{"articles":[{"views":1,"title":"A & B","rating":"mid"}]}}`},
			{"connection", full, `{ articles_connection(sort: ["views:desc"], pagination: {page: 2, pageSize: 2}) { pageInfo { total page pageSize pageCount } nodes { title } } }`, 200,
				`{"data":{"articles_connection":{"pageInfo":{"total":3,"page":2,"pageSize":2,"pageCount":2},"nodes":[{"title":"A & B"}]}}}`},
			{"connection by start and limit", full, `{ articles_connection(sort: ["views:asc"], pagination: {start: 2, limit: 1}) { nodes { views } pageInfo { page pageSize pageCount total } } }`, 200,
				`{"data":{"articles_connection":{"nodes":[{"views":3}],"pageInfo":{"page":3,"pageSize":1,"pageCount":3,"total":3}}}}`},
			{"default page size 10", full, `{ articles_connection { pageInfo { pageSize } } }`, 200,
				`{"data":{"articles_connection":{"pageInfo":{"pageSize":10}}}}`},
			{"no maximum page size", full, `{ articles_connection(pagination: {pageSize: 500}) { pageInfo { pageSize pageCount } } }`, 200,
				`{"data":{"articles_connection":{"pageInfo":{"pageSize":500,"pageCount":1}}}}`},
			{"enum filter and literal", full, `mutation { createArticle(data: {title: "Four", rating: high}) { title rating } }`, 200,
				`{"data":{"createArticle":{"title":"Four","rating":"high"}}}`},
			{"forbidden", readOnly, `mutation { createArticle(data: {title: "No"}) { title } }`, 200,
				`{"errors":[{"message":"Forbidden access","locations":[{"line":1,"column":12}],"path":["createArticle"],` +
					`"extensions":{"code":"FORBIDDEN","error":{"name":"ForbiddenError","message":"Forbidden access","details":{}}}}],"data":{"createArticle":null}}`},
			{"page and offset", full, `{ articles(pagination: {page: 1, limit: 2}) { title } }`, 200,
				`{"errors":[{"message":"Cannot use both page & offset pagination in the same query","locations":[{"line":1,"column":3}],"path":["articles"],` +
					`"extensions":{"code":"STRAPI_PAGINATION_ERROR","error":{"name":"PaginationError","message":"Cannot use both page & offset pagination in the same query","details":{}}}}],"data":null}`},
			{"unique", full, `mutation { createArticle(data: {title: "Second"}) { title } }`, 200,
				`{"errors":[{"message":"This attribute must be unique","locations":[{"line":1,"column":12}],"path":["createArticle"],` +
					`"extensions":{"code":"BAD_USER_INPUT","error":{"name":"ValidationError","message":"This attribute must be unique",` +
					`"details":{"errors":[{"path":["title"],"message":"This attribute must be unique","name":"ValidationError","value":"Second"}]}}}}],"data":{"createArticle":null}}`},
			{"update missing", full, `mutation { updateArticle(documentId: "nosuchdocument", data: {views: 1}) { title } }`, 200,
				`{"data":{"updateArticle":null}}`},
			{"delete missing", full, `mutation { deleteArticle(documentId: "nosuchdocument") { documentId } }`, 200,
				`{"data":{"deleteArticle":{"documentId":"nosuchdocument"}}}`},
			{"findOne missing", full, `{ article(documentId: "nosuchdocument") { title } }`, 200,
				`{"data":{"article":null}}`},
			{"introspection refused", full, `{ __schema { queryType { name } } }`, 400,
				`{"errors":[{"message":"GraphQL introspection is not allowed by Apollo Server, but the query contained __schema or __type. ` +
					`To enable introspection, pass introspection: true to ApolloServer in production","locations":[{"line":1,"column":3}],"extensions":{"code":"GRAPHQL_VALIDATION_FAILED"}}]}`},
			{"__typename is not introspection", full, `{ articles(pagination: {pageSize: 1}) { __typename } }`, 200,
				`{"data":{"articles":[{"__typename":"Article"}]}}`},
			{"bad enum value", full, `mutation { createArticle(data: {title: "X", rating: extreme}) { title } }`, 400,
				`{"errors":[{"message":"Value \"extreme\" does not exist in \"ENUM_ARTICLE_RATING\" enum.","locations":[{"line":1,"column":53}],"extensions":{"code":"GRAPHQL_VALIDATION_FAILED"}}]}`},
			{"unknown field", full, `{ articles { nope } }`, 400,
				`{"errors":[{"message":"Cannot query field \"nope\" on type \"Article\".","locations":[{"line":1,"column":14}],"extensions":{"code":"GRAPHQL_VALIDATION_FAILED"}}]}`},
			{"int literal", full, `{ articles(pagination: {page: "abc"}) { title } }`, 400,
				`{"errors":[{"message":"Int cannot represent non-integer value: \"abc\"","locations":[{"line":1,"column":31}],"extensions":{"code":"GRAPHQL_VALIDATION_FAILED"}}]}`},
			// Refusals that name an argument's path, as GraphQL reads it.
			{"value too long", full, `{ articles(filters: {or: [{title: {eq: "` + strings.Repeat("x", 1001) + `"}}]}) { title } }`, 200,
				`{"errors":[{"message":"The value of filters.or[0].title.eq is longer than 1000 characters","locations":[{"line":1,"column":3}],"path":["articles"],` +
					`"extensions":{"code":"BAD_USER_INPUT","error":{"name":"ValidationError","message":"The value of filters.or[0].title.eq is longer than 1000 characters",` +
					`"details":{"key":"filters.or[0].title.eq","path":null,"source":"query","limit":"maxTextLength","max":1000}}}}],"data":null}`},
			{"page over the maximum", full, `{ articles(pagination: {page: 1000001}) { title } }`, 200,
				`{"errors":[{"message":"pagination.page must be at most 1000000","locations":[{"line":1,"column":3}],"path":["articles"],` +
					`"extensions":{"code":"BAD_USER_INPUT","error":{"name":"ValidationError","message":"pagination.page must be at most 1000000",` +
					`"details":{"key":"page","path":null,"source":"query","param":"pagination","limit":"maxPage","max":1000000}}}}],"data":null}`},
			{"syntax error", full, `{ articles {`, 400,
				`{"errors":[{"message":"Syntax Error: Expected Name, found <EOF>.","locations":[{"line":1,"column":13}],"extensions":{"code":"GRAPHQL_PARSE_FAILED"}}]}`},
		}
		for _, tt := range tests {
			r := app.gql(tt.key, tt.query, nil)
			if r.status != tt.status || r.raw != tt.want+"\n" {
				t.Errorf("%s:\n got %d %s\nwant %d %s", tt.name, r.status, r.raw, tt.status, tt.want)
			}
			if ct := r.header.Get("Content-Type"); ct != mimeJSON {
				t.Errorf("%s: Content-Type %q", tt.name, ct)
			}
		}

		// Variables that do not fit their types: graphql-js's
		// coerceVariableValues wording, 400 BAD_USER_INPUT.
		const pageQuery = `query($p: PaginationArg) { articles(pagination: $p) { title } }`
		const createQuery = `mutation($d: ArticleInput!) { createArticle(data: $d) { title } }`
		vars := []struct {
			name, query string
			vars        map[string]any
			want        string
		}{
			{"not an integer", pageQuery, map[string]any{"p": map[string]any{"page": "abc"}},
				`Variable \"$p\" got invalid value \"abc\" at \"p.page\"; Int cannot represent non-integer value: \"abc\"`},
			{"not 32-bit", pageQuery, map[string]any{"p": map[string]any{"pageSize": 1e10}},
				`Variable \"$p\" got invalid value 10000000000 at \"p.pageSize\"; Int cannot represent non 32-bit signed integer value: 10000000000`},
			{"unknown field", pageQuery, map[string]any{"p": map[string]any{"pages": 1}},
				`Variable \"$p\" got invalid value { pages: 1 }; Field \"pages\" is not defined by type \"PaginationArg\". Did you mean \"page\" or \"pageSize\"?`},
			{"not an object", pageQuery, map[string]any{"p": 5},
				`Variable \"$p\" got invalid value 5; Expected type \"PaginationArg\" to be an object.`},
			{"required", createQuery, map[string]any{},
				`Variable \"$d\" of required type \"ArticleInput!\" was not provided.`},
			{"null", createQuery, map[string]any{"d": nil},
				`Variable \"$d\" of non-null type \"ArticleInput!\" must not be null.`},
			{"bad enum", createQuery, map[string]any{"d": map[string]any{"title": "x", "rating": "extreme"}},
				`Variable \"$d\" got invalid value \"extreme\" at \"d.rating\"; Value \"extreme\" does not exist in \"ENUM_ARTICLE_RATING\" enum.`},
		}
		for _, tt := range vars {
			r := app.gql(full, tt.query, tt.vars)
			column := "7" // the $ of the variable's definition
			if tt.query == createQuery {
				column = "10"
			}
			want := `{"errors":[{"message":"` + tt.want + `","locations":[{"line":1,"column":` + column + `}],"extensions":{"code":"BAD_USER_INPUT"}}]}` + "\n"
			if r.status != http.StatusBadRequest || r.raw != want {
				t.Errorf("variables, %s:\n got %d %s\nwant 400 %s", tt.name, r.status, r.raw, want)
			}
		}

		// An unknown key never reaches GraphQL: the REST-shaped 401.
		r := app.gql("nope", `{ articles { title } }`, nil)
		if want := `{"data":null,"error":{"status":401,"name":"UnauthorizedError","message":"Missing or invalid credentials","details":{}}}` + "\n"; r.status != 401 || r.raw != want || r.header.Get("Content-Type") != mimeJSON {
			t.Errorf("bad key: %d %s", r.status, r.raw)
		}
	})
}

// Variables built to cost: many unknown fields give at most 50 errors
// (graphql-js's maxErrors), and nesting is refused before it is walked.
func TestGraphQLVariablesAbuse(t *testing.T) {
	app := newTestAppWithRegistry(t, dbtest.SQLite(t), goldenRegistry(t))
	full := app.mintKey("full", "full-access", "unlimited")
	wide := map[string]any{}
	for i := range 5000 {
		wide["k"+strconv.Itoa(i)] = i
	}
	r := app.gql(full, `query($p: PaginationArg) { articles(pagination: $p) { title } }`, map[string]any{"p": wide})
	if r.status != http.StatusBadRequest || len(r.gqlErrors()) != 50 || r.gqlCode() != "BAD_USER_INPUT" {
		t.Errorf("5000 unknown fields: %d, %d errors", r.status, len(r.gqlErrors()))
	}
	var deep any = map[string]any{"title": map[string]any{"eq": "x"}}
	for range 3000 {
		deep = map[string]any{"and": []any{deep}}
	}
	r = app.gql(full, `query($f: ArticleFiltersInput) { articles(filters: $f) { title } }`, map[string]any{"f": deep})
	if r.status != http.StatusBadRequest || len(r.gqlErrors()) != 1 ||
		r.gqlErrors()[0]["message"] != `Variable "$f" nests more than 64 levels of lists and objects.` {
		t.Errorf("filters 3000 levels deep: %d %.300s", r.status, r.raw)
	}
	var list any = "x"
	for range 3000 {
		list = []any{list}
	}
	r = app.gql(full, `query($s: [String]) { articles(sort: $s) { title } }`, map[string]any{"s": list})
	if r.status != http.StatusBadRequest || r.gqlCode() != "BAD_USER_INPUT" {
		t.Errorf("a list 3000 levels deep: %d %.300s", r.status, r.raw)
	}
}
