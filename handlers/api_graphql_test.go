package handlers

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/tokenadmin/tokenadmin/apitoken"
	"github.com/tokenadmin/tokenadmin/content"
	"github.com/tokenadmin/tokenadmin/db"
	"github.com/tokenadmin/tokenadmin/db/dbtest"
)

// gql posts a GraphQL request with the key (no key: no header).
func (a *testApp) gql(key, query string, vars map[string]any) apiResult {
	a.t.Helper()
	body := map[string]any{"query": query}
	if vars != nil {
		body["variables"] = vars
	}
	b, err := json.Marshal(body)
	if err != nil {
		a.t.Fatal(err)
	}
	auth := ""
	if key != "" {
		auth = "Bearer " + key
	}
	return a.api("POST", "/graphql", auth, string(b))
}

// gqlErrors returns the response's errors.
func (r apiResult) gqlErrors() []map[string]any {
	list, _ := r.body["errors"].([]any)
	out := make([]map[string]any, 0, len(list))
	for _, e := range list {
		m, _ := e.(map[string]any)
		out = append(out, m)
	}
	return out
}

// gqlCode returns the first error's extensions.code, "" without errors.
func (r apiResult) gqlCode() string {
	errs := r.gqlErrors()
	if len(errs) == 0 {
		return ""
	}
	ext, _ := errs[0]["extensions"].(map[string]any)
	code, _ := ext["code"].(string)
	return code
}

// gqlLimit returns the first error's extensions.error.details.limit, ""
// when it names none.
func (r apiResult) gqlLimit() string {
	errs := r.gqlErrors()
	if len(errs) == 0 {
		return ""
	}
	ext, _ := errs[0]["extensions"].(map[string]any)
	strapi, _ := ext["error"].(map[string]any)
	details, _ := strapi["details"].(map[string]any)
	limit, _ := details["limit"].(string)
	return limit
}

// gqlField returns data.<name>.
func (r apiResult) gqlField(name string) any {
	data, _ := r.body["data"].(map[string]any)
	return data[name]
}

// gqlList returns data.<name> as a list of objects, failing the test when
// it is not one.
func (r apiResult) gqlList(t *testing.T, name string) []map[string]any {
	t.Helper()
	list, ok := r.gqlField(name).([]any)
	if !ok {
		t.Fatalf("data.%s is not a list: %s", name, r.raw)
	}
	out := make([]map[string]any, len(list))
	for i, e := range list {
		out[i], _ = e.(map[string]any)
	}
	return out
}

func titles(list []map[string]any) []string {
	out := make([]string, len(list))
	for i, e := range list {
		out[i], _ = e["title"].(string)
	}
	return out
}

// createArticle creates an article over REST with full access and
// returns its documentId.
func (a *testApp) createArticle(full, title string) string {
	a.t.Helper()
	res := a.api("POST", "/api/articles", "Bearer "+full, `{"data":{"title":`+jsonString(title)+`}}`)
	if res.status != http.StatusCreated {
		a.t.Fatalf("create %q: %d %s", title, res.status, res.raw)
	}
	return res.body["data"].(map[string]any)["documentId"].(string)
}

// restTitle reads an article's title over REST; ok is false when it is
// gone.
func (a *testApp) restTitle(full, doc string) (title string, ok bool) {
	a.t.Helper()
	res := a.api("GET", "/api/articles/"+doc, "Bearer "+full, "")
	if res.status == http.StatusNotFound {
		return "", false
	}
	if res.status != http.StatusOK {
		a.t.Fatalf("GET %s: %d %s", doc, res.status, res.raw)
	}
	title, _ = res.body["data"].(map[string]any)["title"].(string)
	return title, true
}

func (a *testApp) restArticleCount(full string) int {
	a.t.Helper()
	res := a.api("GET", "/api/articles", "Bearer "+full, "")
	return int(res.body["meta"].(map[string]any)["pagination"].(map[string]any)["total"].(float64))
}

func TestGraphQLAuthorizationMatrix(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		app := newTestAppWithStore(t, d)
		full := app.mintKey("full", "full-access", "unlimited")
		tokens := []struct {
			name  string
			key   string
			typ   apitoken.Type
			perms []string
		}{
			{"full-access", full, apitoken.FullAccess, nil},
			{"read-only", app.mintKey("ro", "read-only", "7"), apitoken.ReadOnly, nil},
			{"custom find+create", app.mintKey("fc", "custom", "30", "api::article.article.find", "api::article.article.create"),
				apitoken.Custom, []string{"api::article.article.find", "api::article.article.create"}},
			{"custom findOne+update+delete", app.mintKey("fud", "custom", "30", "api::article.article.findOne",
				"api::article.article.update", "api::article.article.delete"),
				apitoken.Custom, []string{"api::article.article.findOne", "api::article.article.update", "api::article.article.delete"}},
			{"custom category only", app.mintKey("cat", "custom", "30", "api::category.category.find", "api::category.category.findOne",
				"api::category.category.create", "api::category.category.update", "api::category.category.delete"),
				apitoken.Custom, []string{"api::category.category.find", "api::category.category.findOne",
					"api::category.category.create", "api::category.category.update", "api::category.category.delete"}},
			{"custom none", app.mintKey("none", "custom", "30"), apitoken.Custom, nil},
		}

		type op struct {
			name, verb string
			// run performs the operation on a fresh article doc titled
			// "Seed"; check verifies an allowed call's answer and effect,
			// unchanged that a refused one changed nothing.
			run       func(key, doc string) apiResult
			check     func(t *testing.T, res apiResult, doc string)
			unchanged func(t *testing.T, doc string, countBefore int)
		}
		sameSeed := func(t *testing.T, doc string, countBefore int) {
			if title, ok := app.restTitle(full, doc); !ok || title != "Seed" {
				t.Errorf("after a refused call the entry is %q (exists %v), want Seed", title, ok)
			}
			if n := app.restArticleCount(full); n != countBefore {
				t.Errorf("after a refused call %d articles, want %d", n, countBefore)
			}
		}
		ops := []op{
			{
				name: "list", verb: "find",
				run: func(key, _ string) apiResult {
					return app.gql(key, `{ articles(pagination: {pageSize: 100}) { documentId title } }`, nil)
				},
				check: func(t *testing.T, res apiResult, doc string) {
					found := false
					for _, e := range res.gqlList(t, "articles") {
						found = found || e["documentId"] == doc && e["title"] == "Seed"
					}
					if !found {
						t.Errorf("list lacks the seeded entry %s: %s", doc, res.raw)
					}
				},
				unchanged: sameSeed,
			},
			{
				name: "one", verb: "findOne",
				run: func(key, doc string) apiResult {
					return app.gql(key, `query One($id: ID!) { article(documentId: $id) { documentId title featured } }`,
						map[string]any{"id": doc})
				},
				check: func(t *testing.T, res apiResult, doc string) {
					got, _ := res.gqlField("article").(map[string]any)
					if got["documentId"] != doc || got["title"] != "Seed" || got["featured"] != false {
						t.Errorf("article: %s", res.raw)
					}
				},
				unchanged: sameSeed,
			},
			{
				name: "create", verb: "create",
				run: func(key, _ string) apiResult {
					return app.gql(key, `mutation { createArticle(data: {title: "Made here", featured: true}) { documentId title featured } }`, nil)
				},
				check: func(t *testing.T, res apiResult, _ string) {
					got, _ := res.gqlField("createArticle").(map[string]any)
					id, _ := got["documentId"].(string)
					if got["title"] != "Made here" || got["featured"] != true || id == "" {
						t.Fatalf("createArticle: %s", res.raw)
					}
					if title, ok := app.restTitle(full, id); !ok || title != "Made here" {
						t.Errorf("created entry over REST: %q %v", title, ok)
					}
				},
				unchanged: sameSeed,
			},
			{
				name: "update", verb: "update",
				run: func(key, doc string) apiResult {
					return app.gql(key, `mutation Up($id: ID!) { updateArticle(documentId: $id, data: {title: "Renamed"}) { documentId title } }`,
						map[string]any{"id": doc})
				},
				check: func(t *testing.T, res apiResult, doc string) {
					got, _ := res.gqlField("updateArticle").(map[string]any)
					if got["documentId"] != doc || got["title"] != "Renamed" {
						t.Errorf("updateArticle: %s", res.raw)
					}
					if title, _ := app.restTitle(full, doc); title != "Renamed" {
						t.Errorf("updated entry over REST: %q", title)
					}
				},
				unchanged: sameSeed,
			},
			{
				name: "delete", verb: "delete",
				run: func(key, doc string) apiResult {
					return app.gql(key, `mutation Del($id: ID!) { deleteArticle(documentId: $id) { documentId } }`,
						map[string]any{"id": doc})
				},
				check: func(t *testing.T, res apiResult, doc string) {
					got, _ := res.gqlField("deleteArticle").(map[string]any)
					if got["documentId"] != doc {
						t.Errorf("deleteArticle: %s", res.raw)
					}
					if _, ok := app.restTitle(full, doc); ok {
						t.Error("deleted entry still readable over REST")
					}
				},
				unchanged: sameSeed,
			},
		}

		for _, tok := range tokens {
			for _, o := range ops {
				t.Run(tok.name+"/"+o.name, func(t *testing.T) {
					doc := app.createArticle(full, "Seed")
					before := app.restArticleCount(full)
					res := o.run(tok.key, doc)
					if res.status != http.StatusOK {
						t.Fatalf("status %d: %s", res.status, res.raw)
					}
					action := "api::article.article." + o.verb
					if apitoken.Allows(tok.typ, tok.perms, action) {
						if len(res.gqlErrors()) != 0 {
							t.Fatalf("allowed %s refused: %s", action, res.raw)
						}
						o.check(t, res, doc)
						return
					}
					errs := res.gqlErrors()
					if len(errs) != 1 || res.gqlCode() != "FORBIDDEN" || errs[0]["message"] != "Forbidden access" {
						t.Fatalf("refused %s: %s, want one FORBIDDEN error", action, res.raw)
					}
					if path, _ := errs[0]["path"].([]any); len(path) != 1 {
						t.Errorf("error path %v", errs[0]["path"])
					}
					ext := errs[0]["extensions"].(map[string]any)
					if strapi, _ := ext["error"].(map[string]any); strapi["name"] != "ForbiddenError" {
						t.Errorf("extensions.error: %v", ext["error"])
					}
					o.unchanged(t, doc, before)
				})
			}
		}

		// The permission check comes before the entry is looked up.
		res := app.gql(tokens[1].key, `mutation { updateArticle(documentId: "doesnotexist0000000000000", data: {title: "x"}) { title } }`, nil)
		if res.gqlCode() != "FORBIDDEN" {
			t.Errorf("read-only update of a missing entry: %s, want FORBIDDEN", res.raw)
		}
		// Each root field is checked on its own: the refused one is named
		// in the error. (Lists are non-null, [Article]!, as in Strapi, so
		// the refusal nulls the whole data.)
		res = app.gql(tokens[2].key, `{ articles { title } categories { name } }`, nil)
		if res.gqlCode() != "FORBIDDEN" || len(res.gqlErrors()) != 1 {
			t.Errorf("find on articles only, asking for both: %s", res.raw)
		}
		if errs := res.gqlErrors(); len(errs) == 1 && !slices.Equal(errs[0]["path"].([]any), []any{"categories"}) {
			t.Errorf("forbidden path: %v", errs[0]["path"])
		}
	})
}

// seedArticles creates five articles: featured alternates, and
// publishedDate runs from January to May in creation order.
func seedArticles(t *testing.T, app *testApp, full string) {
	t.Helper()
	for i, title := range []string{"Alpha", "beta", "Gamma", "O'Brien's 50% off", "delta"} {
		body := `{"data":{"title":` + jsonString(title) + `,"featured":` + map[bool]string{true: "true", false: "false"}[i%2 == 0] +
			`,"publishedDate":"2026-0` + string(rune('1'+i)) + `-15"}}`
		if r := app.api("POST", "/api/articles", "Bearer "+full, body); r.status != http.StatusCreated {
			t.Fatalf("create %s: %s", title, r.raw)
		}
	}
}

func TestGraphQLFiltersSortPagination(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		app := newTestAppWithStore(t, d)
		full := app.mintKey("full", "full-access", "unlimited")
		seedArticles(t, app, full)

		cases := []struct {
			name, args string
			vars       map[string]any
			want       []string // titles in order; sorted by publishedDate unless args sort
		}{
			{"no filter", ``, nil, []string{"Alpha", "beta", "Gamma", "O'Brien's 50% off", "delta"}},
			{"eq with SQL metacharacters", `filters: {title: {eq: "O'Brien's 50% off"}}`, nil, []string{"O'Brien's 50% off"}},
			{"containsi", `filters: {title: {containsi: "ALPHA"}}`, nil, []string{"Alpha"}},
			{"contains is case-sensitive", `filters: {title: {contains: "ALPHA"}}`, nil, []string{}},
			{"boolean eq", `filters: {featured: {eq: false}}`, nil, []string{"beta", "O'Brien's 50% off"}},
			{"or", `filters: {or: [{title: {containsi: "ALPHA"}}, {featured: {eq: false}}]}`, nil,
				[]string{"Alpha", "beta", "O'Brien's 50% off"}},
			{"and with nested or", `filters: {and: [{featured: {eq: true}}, {or: [{title: {startsWith: "G"}}, {title: {eq: "delta"}}]}]}`, nil,
				[]string{"Gamma", "delta"}},
			{"not", `filters: {not: {featured: {eq: true}}}`, nil, []string{"beta", "O'Brien's 50% off"}},
			{"not of nothing matches nothing", `filters: {not: {}}`, nil, []string{}},
			{"or with an empty branch matches all", `filters: {or: [{}, {title: {eq: "delta"}}]}`, nil,
				[]string{"Alpha", "beta", "Gamma", "O'Brien's 50% off", "delta"}},
			{"and with an empty branch", `filters: {and: [{}, {title: {eq: "delta"}}]}`, nil, []string{"delta"}},
			{"in", `filters: {title: {in: ["Alpha", "delta", "nope"]}}`, nil, []string{"Alpha", "delta"}},
			{"date gte", `filters: {publishedDate: {gte: "2026-03-01"}}`, nil, []string{"Gamma", "O'Brien's 50% off", "delta"}},
			{"between", `filters: {publishedDate: {between: ["2026-02-01", "2026-03-31"]}}`, nil, []string{"beta", "Gamma"}},
			{"field-level not", `filters: {title: {not: {eq: "Alpha"}}, featured: {eq: true}}`, nil, []string{"Gamma", "delta"}},
			{"documentId notNull", `filters: {documentId: {null: false}}`, nil, []string{"Alpha", "beta", "Gamma", "O'Brien's 50% off", "delta"}},
			{"filters from variables", `filters: $f`, map[string]any{"f": map[string]any{
				"or": []any{map[string]any{"title": map[string]any{"eq": "beta"}}, map[string]any{"title": map[string]any{"eq": "Gamma"}}},
			}}, []string{"beta", "Gamma"}},
			{"sort desc", `sort: ["publishedDate:desc"]`, nil, []string{"delta", "O'Brien's 50% off", "Gamma", "beta", "Alpha"}},
			{"page 2", `sort: ["publishedDate:desc"], pagination: {page: 2, pageSize: 2}`, nil, []string{"Gamma", "beta"}},
			{"page past the end", `pagination: {page: 9}`, nil, []string{}},
			{"start and limit", `sort: ["publishedDate:asc"], pagination: {start: 3, limit: 1}`, nil, []string{"O'Brien's 50% off"}},
			{"filter, sort and page", `filters: {featured: {eq: true}}, sort: ["publishedDate:desc"], pagination: {pageSize: 2}`, nil,
				[]string{"delta", "Gamma"}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				args := tc.args
				if !strings.Contains(args, "sort:") {
					args = strings.TrimPrefix(args+`, sort: ["publishedDate:asc"]`, ", ")
				}
				q := `{ articles(` + args + `) { title } }`
				if tc.vars != nil {
					q = `query Q($f: ArticleFiltersInput) { articles(` + args + `) { title } }`
				}
				res := app.gql(full, q, tc.vars)
				if res.status != http.StatusOK || len(res.gqlErrors()) != 0 {
					t.Fatalf("%d %s", res.status, res.raw)
				}
				if got := titles(res.gqlList(t, "articles")); !slices.Equal(got, tc.want) {
					t.Errorf("got %q, want %q", got, tc.want)
				}
			})
		}

		// Values come back typed as in REST.
		res := app.gql(full, `{ articles(filters: {title: {eq: "Alpha"}}) { documentId title slug body publishedDate featured createdAt updatedAt publishedAt } }`, nil)
		list := res.gqlList(t, "articles")
		if len(list) != 1 {
			t.Fatalf("Alpha: %s", res.raw)
		}
		a := list[0]
		stamp := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)
		if a["publishedDate"] != "2026-01-15" || a["featured"] != true || a["slug"] != nil ||
			!stamp.MatchString(a["createdAt"].(string)) || !stamp.MatchString(a["updatedAt"].(string)) {
			t.Errorf("entry values: %v", a)
		}
		if doc, _ := a["documentId"].(string); len(doc) != 24 {
			t.Errorf("documentId %q", a["documentId"])
		}
		rest := app.api("GET", "/api/articles/"+a["documentId"].(string), "Bearer "+full, "")
		if rd := rest.body["data"].(map[string]any); rd["createdAt"] != a["createdAt"] || rd["publishedAt"] != a["publishedAt"] {
			t.Errorf("timestamps differ from REST: %v vs %v", a, rd)
		}

		// A missing entry reads as null, without an error.
		res = app.gql(full, `{ article(documentId: "doesnotexist0000000000000") { title } }`, nil)
		if res.status != http.StatusOK || len(res.gqlErrors()) != 0 || res.gqlField("article") != nil {
			t.Errorf("missing entry: %s", res.raw)
		}
		if _, ok := res.body["data"].(map[string]any)["article"]; !ok {
			t.Errorf("missing entry: data.article absent: %s", res.raw)
		}

		// Requests the REST parser refuses are BAD_USER_INPUT with
		// Strapi's error inside.
		bad := []struct{ name, args, message string }{
			{"unknown sort field", `sort: ["nope:asc"]`, "Invalid key nope"},
			{"bad sort order", `sort: ["title:sideways"]`, "Invalid order. order can only be one of asc|desc|ASC|DESC"},
			{"text operator on a boolean", `filters: {featured: {containsi: true}}`, ""},
			{"empty in", `filters: {title: {in: []}}`, "$in at title must be a list of values"},
			{"empty or", `filters: {or: []}`, "$or must be an array of objects"},
			{"bad date", `filters: {publishedDate: {eq: "yesterday"}}`, "publishedDate must be a valid date (YYYY-MM-DD)"},
			{"between needs two", `filters: {publishedDate: {between: ["2026-01-01"]}}`, ""},
		}
		for _, tc := range bad {
			res := app.gql(full, `{ articles(`+tc.args+`) { title } }`, nil)
			if res.status != http.StatusOK || res.gqlCode() != "BAD_USER_INPUT" {
				t.Errorf("%s: %d %s, want BAD_USER_INPUT", tc.name, res.status, res.raw)
				continue
			}
			e := res.gqlErrors()[0]
			strapi, _ := e["extensions"].(map[string]any)["error"].(map[string]any)
			if strapi["name"] != "ValidationError" || strapi["message"] != e["message"] {
				t.Errorf("%s: extensions.error %v", tc.name, strapi)
			}
			if tc.message != "" && e["message"] != tc.message {
				t.Errorf("%s: message %q, want %q", tc.name, e["message"], tc.message)
			}
		}
		// Page and offset together: Strapi's PaginationError, coded as its
		// GraphQL plugin codes application errors.
		res = app.gql(full, `{ articles(pagination: {page: 1, start: 0}) { title } }`, nil)
		if res.status != http.StatusOK || res.gqlCode() != "STRAPI_PAGINATION_ERROR" {
			t.Errorf("page and offset: %d %s, want STRAPI_PAGINATION_ERROR", res.status, res.raw)
		} else if strapi, _ := res.gqlErrors()[0]["extensions"].(map[string]any)["error"].(map[string]any); strapi["name"] != "PaginationError" ||
			strapi["message"] != "Cannot use both page & offset pagination in the same query" {
			t.Errorf("page and offset: extensions.error %v", strapi)
		}
		// An unknown filter field is refused by the schema itself.
		if res := app.gql(full, `{ articles(filters: {nope: {eq: "x"}}) { title } }`, nil); res.status != http.StatusBadRequest || res.gqlCode() != "GRAPHQL_VALIDATION_FAILED" {
			t.Errorf("unknown filter field: %d %s", res.status, res.raw)
		}
		// pageSize is clamped to 100, as in REST.
		for range 100 {
			app.createArticle(full, "bulk")
		}
		res = app.gql(full, `{ articles(pagination: {pageSize: 1000}) { title } }`, nil)
		if got := len(res.gqlList(t, "articles")); got != 100 {
			t.Errorf("pageSize 1000 gave %d entries, want 100", got)
		}
	})
}

func TestGraphQLMutationErrors(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		app := newTestAppWithStore(t, d)
		full := app.mintKey("full", "full-access", "unlimited")
		before := app.restArticleCount(full)

		res := app.gql(full, `mutation { createArticle(data: {slug: "no-title"}) { documentId } }`, nil)
		if res.status != http.StatusOK || res.gqlCode() != "BAD_USER_INPUT" {
			t.Fatalf("missing title: %d %s", res.status, res.raw)
		}
		e := res.gqlErrors()[0]
		if e["message"] != "title must be defined." || !slices.Equal(e["path"].([]any), []any{"createArticle"}) {
			t.Errorf("missing title: %v", e)
		}
		strapi := e["extensions"].(map[string]any)["error"].(map[string]any)
		details, _ := strapi["details"].(map[string]any)["errors"].([]any)
		if strapi["name"] != "ValidationError" || len(details) != 1 ||
			!slices.Equal(details[0].(map[string]any)["path"].([]any), []any{"title"}) {
			t.Errorf("missing title: extensions.error %v", strapi)
		}
		if res.gqlField("createArticle") != nil {
			t.Errorf("missing title: data %v", res.body["data"])
		}
		if n := app.restArticleCount(full); n != before {
			t.Errorf("a refused create stored an entry: %d, want %d", n, before)
		}

		res = app.gql(full, `mutation { createArticle(data: {title: "`+strings.Repeat("x", 201)+`"}) { documentId } }`, nil)
		if res.gqlCode() != "BAD_USER_INPUT" || res.gqlErrors()[0]["message"] != "title must be at most 200 characters" {
			t.Errorf("too long: %s", res.raw)
		}

		// Unique attributes, checked by the store.
		if res := app.gql(full, `mutation { createCategory(data: {name: "Once"}) { name } }`, nil); res.gqlCode() != "" {
			t.Fatalf("category: %s", res.raw)
		}
		res = app.gql(full, `mutation { createCategory(data: {name: "Once"}) { name } }`, nil)
		if res.gqlCode() != "BAD_USER_INPUT" || res.gqlErrors()[0]["message"] != "This attribute must be unique" {
			t.Errorf("duplicate: %s", res.raw)
		}

		// Missing entries, as Strapi answers: update is null and delete
		// echoes the documentId, neither with an error.
		for m, want := range map[string]string{
			`mutation { updateArticle(documentId: "doesnotexist0000000000000", data: {title: "x"}) { title } }`: `{"data":{"updateArticle":null}}` + "\n",
			`mutation { deleteArticle(documentId: "doesnotexist0000000000000") { documentId } }`:                `{"data":{"deleteArticle":{"documentId":"doesnotexist0000000000000"}}}` + "\n",
		} {
			if res := app.gql(full, m, nil); res.status != http.StatusOK || res.raw != want {
				t.Errorf("%s: %d %s, want %s", m, res.status, res.raw, want)
			}
		}

		// An update changes only the attributes sent.
		doc := app.createArticle(full, "Keep me")
		res = app.gql(full, `mutation($id: ID!, $d: ArticleInput!) { updateArticle(documentId: $id, data: $d) { title body featured } }`,
			map[string]any{"id": doc, "d": map[string]any{"body": "Some *text*", "featured": true}})
		got, _ := res.gqlField("updateArticle").(map[string]any)
		if got["title"] != "Keep me" || got["body"] != "Some *text*" || got["featured"] != true {
			t.Errorf("partial update: %s", res.raw)
		}

		// Mutations run in order: the second sees the first's entry.
		res = app.gql(full, `mutation { a: createCategory(data: {name: "First"}) { name } b: createCategory(data: {name: "First"}) { name } }`, nil)
		if res.gqlField("a") == nil || res.gqlField("b") != nil || res.gqlCode() != "BAD_USER_INPUT" {
			t.Errorf("serial mutations: %s", res.raw)
		}
	})
}

func TestGraphQLRequestErrors(t *testing.T) {
	app := newTestApp(t)
	full := app.mintKey("full", "full-access", "unlimited")

	// No token: the REST 401, in Strapi's REST error shape.
	res := app.gql("", `{ articles { title } }`, nil)
	if res.status != http.StatusUnauthorized || res.errorField("name") != "UnauthorizedError" {
		t.Errorf("no token: %d %s", res.status, res.raw)
	}
	if got := res.header.Get("WWW-Authenticate"); got != `Bearer realm="tokenadmin"` {
		t.Errorf("no token: WWW-Authenticate %q", got)
	}
	if res := app.gql("tka_nope", `{ articles { title } }`, nil); res.status != http.StatusUnauthorized {
		t.Errorf("bad token: %d", res.status)
	}

	cases := []struct {
		name, body, code string
		status           int
	}{
		{"parse error", `{"query":"{ articles { title "}`, "GRAPHQL_PARSE_FAILED", 400},
		{"unknown field", `{"query":"{ nope }"}`, "GRAPHQL_VALIDATION_FAILED", 400},
		{"missing argument", `{"query":"{ article { title } }"}`, "GRAPHQL_VALIDATION_FAILED", 400},
		{"wrong variable type", `{"query":"query($p: PaginationArg) { articles(pagination: $p) { title } }","variables":{"p":{"page":"x"}}}`, "BAD_USER_INPUT", 400},
		{"missing variable", `{"query":"query($id: ID!) { article(documentId: $id) { title } }"}`, "BAD_USER_INPUT", 400},
		{"unknown operation", `{"query":"query A { articles { title } }","operationName":"B"}`, "OPERATION_RESOLUTION_FAILURE", 400},
		{"two operations, no name", `{"query":"query A { articles { title } } query B { categories { name } }"}`, "OPERATION_RESOLUTION_FAILURE", 400},
		// gqlparser reads executable documents only (graphql-js parses
		// type definitions and refuses them in validation).
		{"type definition", `{"query":"type Foo { a: String }"}`, "GRAPHQL_PARSE_FAILED", 400},
		{"not JSON", `{"query":`, "BAD_REQUEST", 400},
		{"no query", `{"variables":{}}`, "BAD_REQUEST", 400},
		{"query not a string", `{"query":5}`, "BAD_REQUEST", 400},
		{"variables not an object", `{"query":"{ articles { title } }","variables":[1]}`, "BAD_REQUEST", 400},
		{"a batch", `[{"query":"{ articles { title } }"}]`, "BAD_REQUEST", 400},
		{"deep nesting", `{"query":"{ articles(filters: ` + strings.Repeat("{and: [", 40) + `{}` + strings.Repeat("]}", 40) + `) { title } }"}`, "GRAPHQL_VALIDATION_FAILED", 400},
		{"too many selections", `{"query":"{ ` + strings.Repeat("articles { title } ", 300) + `}"}`, "GRAPHQL_VALIDATION_FAILED", 400},
	}
	for _, tc := range cases {
		res := app.api("POST", "/graphql", "Bearer "+full, tc.body)
		if res.status != tc.status || res.gqlCode() != tc.code {
			t.Errorf("%s: %d %s, want %d %s", tc.name, res.status, res.raw, tc.status, tc.code)
			continue
		}
		if _, ok := res.body["data"]; ok {
			t.Errorf("%s: a request error carries data: %s", tc.name, res.raw)
		}
		if msg, _ := res.gqlErrors()[0]["message"].(string); msg == "" {
			t.Errorf("%s: no message", tc.name)
		}
	}
	// A parse error says where.
	res = app.api("POST", "/graphql", "Bearer "+full, `{"query":"{ articles { title "}`)
	if locs, _ := res.gqlErrors()[0]["locations"].([]any); len(locs) != 1 {
		t.Errorf("parse error locations: %s", res.raw)
	}
	// Many root fields in one request are capped (identical fields merge
	// into one, so they are aliased): the document's alias limit comes
	// first.
	var aliased strings.Builder
	for i := range 60 {
		aliased.WriteString("a" + string(rune('A'+i/26)) + string(rune('a'+i%26)) + ": articles { title } ")
	}
	res = app.gql(full, `{ `+aliased.String()+`}`, nil)
	if res.status != http.StatusBadRequest || res.gqlCode() != "GRAPHQL_VALIDATION_FAILED" || res.gqlLimit() != "maxAliases" {
		t.Errorf("60 aliased root fields: %d %s, want 400 maxAliases", res.status, res.raw)
	}

	// A body over the limit is refused as JSON.
	big := `{"query":"{ articles(filters: {title: {eq: \"` + strings.Repeat("x", 2<<20) + `\"}}) { title } }"}`
	if r := app.api("POST", "/graphql", "Bearer "+full, big); r.status != http.StatusRequestEntityTooLarge {
		t.Errorf("huge body: %d", r.status)
	}
	// Only POST.
	for _, m := range []string{"GET", "PUT", "DELETE"} {
		r := app.api(m, "/graphql?query=%7Barticles%7Btitle%7D%7D", "Bearer "+full, "")
		if r.status != http.StatusMethodNotAllowed && r.status != http.StatusNotFound {
			t.Errorf("%s /graphql: %d", m, r.status)
		}
		if !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") || r.errorField("name") == nil {
			t.Errorf("%s /graphql: %s %s", m, r.header.Get("Content-Type"), r.raw)
		}
	}
}

func TestGraphQLSchemaListsContentTypes(t *testing.T) {
	app := newTestAppWith(t, dbtest.SQLite(t), func(o *Options) { o.GraphQLIntrospection = true })
	key := app.mintKey("ro", "read-only", "7")
	res := app.gql(key, `{ __schema { queryType { fields { name } } mutationType { fields { name } } } }`, nil)
	if res.status != http.StatusOK || len(res.gqlErrors()) != 0 {
		t.Fatalf("%d %s", res.status, res.raw)
	}
	names := func(root string) []string {
		s := res.gqlField("__schema").(map[string]any)[root].(map[string]any)
		var out []string
		for _, f := range s["fields"].([]any) {
			out = append(out, f.(map[string]any)["name"].(string))
		}
		slices.Sort(out)
		return out
	}
	if got, want := names("queryType"), []string{"article", "articles", "articles_connection", "categories", "categories_connection", "category"}; !slices.Equal(got, want) {
		t.Errorf("queries %q, want %q", got, want)
	}
	want := []string{"createArticle", "createCategory", "deleteArticle", "deleteCategory", "updateArticle", "updateCategory"}
	if got := names("mutationType"); !slices.Equal(got, want) {
		t.Errorf("mutations %q, want %q", got, want)
	}
	// Every content type of the registry is there.
	camel := func(kebab string) string { // blog-posts → blogPosts
		parts := strings.Split(kebab, "-")
		for i := 1; i < len(parts); i++ {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
		return strings.Join(parts, "")
	}
	for _, ct := range content.Default().Types() {
		if !slices.Contains(names("queryType"), camel(ct.PluralName)) {
			t.Errorf("%s missing from the schema", ct.UID())
		}
	}

	// The filter input has Strapi's operators.
	res = app.gql(key, `{ __type(name: "StringFilterInput") { inputFields { name } } }`, nil)
	var ops []string
	for _, f := range res.gqlField("__type").(map[string]any)["inputFields"].([]any) {
		ops = append(ops, f.(map[string]any)["name"].(string))
	}
	for _, op := range []string{"and", "or", "not", "eq", "eqi", "ne", "nei", "lt", "lte", "gt", "gte", "in", "notIn",
		"contains", "notContains", "containsi", "notContainsi", "startsWith", "endsWith", "null", "notNull", "between"} {
		if !slices.Contains(ops, op) {
			t.Errorf("StringFilterInput lacks %s: %v", op, ops)
		}
	}
}

// newTestAppWithRegistry is newTestAppWithStore with other content types.
func newTestAppWithRegistry(t *testing.T, store *db.DB, registry *content.Registry) *testApp {
	t.Helper()
	a := &testApp{t: t, store: store, logs: &syncBuffer{}, clock: time.Now().UTC()}
	if err := store.SyncContentTypes(context.Background(), registry.Types()); err != nil {
		t.Fatal(err)
	}
	a.hasher = apitoken.NewHasher([]byte("token-hash-key-token-hash-key-32"))
	a.tokens = apitoken.NewService(store, a.hasher, registry.KnownAction, a.now)
	a.usage = apitoken.NewUsageRecorder(store)
	e := NewServer(Options{
		Store:          store,
		Tokens:         a.tokens,
		Registry:       registry,
		Verifier:       apitoken.NewVerifier(store, a.hasher, a.usage, a.now),
		Entries:        store,
		Logger:         slog.New(slog.NewTextHandler(a.logs, nil)),
		SessionAuthKey: []byte("0123456789abcdef0123456789abcdef"),
		SessionEncKey:  []byte("fedcba9876543210fedcba9876543210"),
		Now:            a.now,
	})
	a.srv = httptest.NewServer(e)
	t.Cleanup(a.srv.Close)
	return a
}

func TestGraphQLSingleTypeAndNames(t *testing.T) {
	registry, err := content.Load(fstest.MapFS{
		"home-page/schema.json": {Data: []byte(`{"kind": "singleType", "info": {"singularName": "home-page", "pluralName": "home-pages", "displayName": "Home page"},
			"attributes": {"heading": {"type": "string", "required": true}, "meta": {"type": "json"}, "secret": {"type": "string", "private": true},
			"views": {"type": "integer"}, "ratio": {"type": "decimal"}, "launch": {"type": "datetime"}, "big": {"type": "biginteger"}}}`)},
		"blog-post/schema.json": {Data: []byte(`{"kind": "collectionType", "info": {"singularName": "blog-post", "pluralName": "blog-posts", "displayName": "Blog post"},
			"attributes": {"headline": {"type": "string"}, "level": {"type": "enumeration", "enum": ["low", "high"]}}}`)},
	})
	if err != nil {
		t.Fatal(err)
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		app := newTestAppWithRegistry(t, d, registry)
		full := app.mintKey("full", "full-access", "unlimited")
		reader := app.mintKey("reader", "custom", "30", "api::home-page.home-page.find")

		res := app.gql(full, `{ homePage { heading } }`, nil)
		if res.status != http.StatusOK || len(res.gqlErrors()) != 0 || res.gqlField("homePage") != nil {
			t.Fatalf("no entry yet: %s", res.raw)
		}
		if res := app.gql(full, `mutation { updateHomePage(data: {meta: {a: 1}}) { heading } }`, nil); res.gqlCode() != "BAD_USER_INPUT" {
			t.Errorf("single type without its required heading: %s", res.raw)
		}
		res = app.gql(full, `mutation { updateHomePage(data: {heading: "Hi", secret: "s", views: 7, ratio: 2.5, big: "9007199254740993",
			launch: "2026-05-01T10:00:00Z", meta: {list: [1, 2.5, "x", true], nested: {deep: 1234567890123}}}) {
			documentId heading meta views ratio launch big } }`, nil)
		got, _ := res.gqlField("updateHomePage").(map[string]any)
		if len(res.gqlErrors()) != 0 || got["heading"] != "Hi" || got["views"] != float64(7) || got["ratio"] != 2.5 ||
			got["launch"] != "2026-05-01T10:00:00.000Z" || got["big"] != "9007199254740993" {
			t.Fatalf("updateHomePage: %s", res.raw)
		}
		if !strings.Contains(res.raw, `"nested":{"deep":1234567890123}`) || !strings.Contains(res.raw, `"list":[1,2.5,"x",true]`) {
			t.Errorf("json attribute did not round-trip exactly: %s", res.raw)
		}
		doc, _ := got["documentId"].(string)

		// The private attribute was stored but is not readable.
		if res := app.gql(full, `{ homePage { secret } }`, nil); res.status != http.StatusBadRequest || res.gqlCode() != "GRAPHQL_VALIDATION_FAILED" {
			t.Errorf("private attribute queried: %d %s", res.status, res.raw)
		}
		rest := app.api("GET", "/api/home-page", "Bearer "+full, "")
		if _, leaked := rest.body["data"].(map[string]any)["secret"]; leaked || rest.body["data"].(map[string]any)["heading"] != "Hi" {
			t.Errorf("REST after GraphQL update: %s", rest.raw)
		}
		restMeta, _ := json.Marshal(rest.body["data"].(map[string]any)["meta"])
		gqlMeta, _ := json.Marshal(got["meta"])
		if string(restMeta) != string(gqlMeta) {
			t.Errorf("json attribute: REST %s, GraphQL %s", restMeta, gqlMeta)
		}

		res = app.gql(reader, `{ homePage { documentId heading } }`, nil)
		if got, _ := res.gqlField("homePage").(map[string]any); got["documentId"] != doc || got["heading"] != "Hi" {
			t.Errorf("reader: %s", res.raw)
		}
		for _, m := range []string{`mutation { updateHomePage(data: {heading: "No"}) { heading } }`, `mutation { deleteHomePage { documentId } }`} {
			if res := app.gql(reader, m, nil); res.gqlCode() != "FORBIDDEN" {
				t.Errorf("reader %s: %s", m, res.raw)
			}
		}
		if h, _ := app.api("GET", "/api/home-page", "Bearer "+full, "").body["data"].(map[string]any)["heading"].(string); h != "Hi" {
			t.Errorf("a refused mutation changed the entry: heading %q", h)
		}

		res = app.gql(full, `mutation { deleteHomePage { documentId } }`, nil)
		if got, _ := res.gqlField("deleteHomePage").(map[string]any); got["documentId"] != doc {
			t.Errorf("deleteHomePage: %s", res.raw)
		}
		if res := app.gql(full, `mutation { deleteHomePage { documentId } }`, nil); res.gqlCode() != "STRAPI_NOT_FOUND_ERROR" ||
			res.gqlErrors()[0]["message"] != "Document not found" {
			t.Errorf("deleting again: %s", res.raw)
		}

		// Kebab-case names become camelCase fields and PascalCase types.
		res = app.gql(full, `mutation { createBlogPost(data: {headline: "Hello", level: high}) { documentId headline level } }`, nil)
		if got, _ := res.gqlField("createBlogPost").(map[string]any); got["headline"] != "Hello" || got["level"] != "high" {
			t.Fatalf("createBlogPost: %s", res.raw)
		}
		if res := app.gql(full, `mutation { createBlogPost(data: {level: medium}) { documentId } }`, nil); res.gqlCode() != "GRAPHQL_VALIDATION_FAILED" {
			t.Errorf("enumeration outside its values: %s", res.raw)
		}
		res = app.gql(full, `query($f: BlogPostFiltersInput) { blogPosts(filters: $f) { headline } blogPost(documentId: "x") { headline } }`,
			map[string]any{"f": map[string]any{"level": map[string]any{"eq": "high"}}})
		if got := res.gqlList(t, "blogPosts"); len(got) != 1 || got[0]["headline"] != "Hello" || len(res.gqlErrors()) != 0 {
			t.Errorf("blogPosts: %s", res.raw)
		}
	})
}
