package openapi

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/tokenadmin/tokenadmin/content"
)

// openAPIJSON marshals the document and decodes it generically, as a
// client reading /api/openapi.json would.
func openAPIJSON(t *testing.T, doc *Document) map[string]any {
	t.Helper()
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("unmarshal: %v\n%s", err, b)
	}
	return out
}

// dig walks a decoded JSON value by object keys.
func dig(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

func sortedKeys(v any) []string {
	m, _ := v.(map[string]any)
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// openAPIPath is the document path of a Groups() route: relative to the
// /api server URL, with {documentId} for :documentId.
func openAPIPath(route string) string {
	return strings.ReplaceAll(strings.TrimPrefix(route, "/api"), ":documentId", "{documentId}")
}

func testRegistry(t *testing.T, files map[string]string) *content.Registry {
	t.Helper()
	fsys := fstest.MapFS{}
	for name, body := range files {
		fsys[name] = &fstest.MapFile{Data: []byte(body)}
	}
	r, err := content.Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

const gadgetSchema = `{
  "kind": "collectionType",
  "info": {"singularName": "gadget", "pluralName": "gadgets", "displayName": "Gadget", "description": "Every type"},
  "attributes": {
    "name": {"type": "string", "required": true, "maxLength": 50, "minLength": 2},
    "summary": {"type": "text"},
    "body": {"type": "richtext"},
    "contact": {"type": "email", "unique": true},
    "slug": {"type": "uid", "targetField": "name"},
    "count": {"type": "integer", "required": true, "default": 3, "min": 0, "max": 10},
    "big": {"type": "biginteger", "min": "1"},
    "price": {"type": "decimal", "required": true},
    "ratio": {"type": "float", "max": 1.5},
    "active": {"type": "boolean", "default": false},
    "day": {"type": "date"},
    "at": {"type": "datetime"},
    "size": {"type": "enumeration", "enum": ["s", "m", "l"], "required": true},
    "color": {"type": "enumeration", "enum": ["red", "blue"]},
    "extra": {"type": "json"},
    "secretNote": {"type": "string", "private": true, "required": true}
  }
}`

const homepageSchema = `{
  "kind": "singleType",
  "info": {"singularName": "homepage", "pluralName": "homepages", "displayName": "Home page"},
  "attributes": {
    "headline": {"type": "string", "required": true},
    "intro": {"type": "text"}
  }
}`

func gadgetRegistry(t *testing.T) *content.Registry {
	return testRegistry(t, map[string]string{
		"gadget/content-types/gadget/schema.json":     gadgetSchema,
		"homepage/content-types/homepage/schema.json": homepageSchema,
	})
}

func TestOpenAPIDefaultRegistry(t *testing.T) {
	doc := openAPIJSON(t, New(content.Default(), "/api"))

	if got := doc["openapi"]; got != "3.0.3" {
		t.Errorf("openapi = %v, want 3.0.3", got)
	}
	if got := dig(doc, "info", "title"); got != "tokenadmin content API" {
		t.Errorf("info.title = %v", got)
	}
	if got := dig(doc, "info", "version"); got != "1" {
		t.Errorf("info.version = %v", got)
	}
	if got, _ := json.Marshal(doc["servers"]); string(got) != `[{"url":"/api"}]` {
		t.Errorf("servers = %s", got)
	}
	if got, _ := json.Marshal(doc["security"]); string(got) != `[{"bearerAuth":[]}]` {
		t.Errorf("security = %s", got)
	}
	bearer := dig(doc, "components", "securitySchemes", "bearerAuth")
	if dig(bearer, "type") != "http" || dig(bearer, "scheme") != "bearer" || dig(bearer, "bearerFormat") != "tka_ API token" {
		t.Errorf("bearerAuth = %v", bearer)
	}
	for _, name := range []string{"Article", "ArticleInput", "ArticleUpdateInput", "ArticleResponse", "ArticleListResponse",
		"Category", "CategoryInput", "CategoryResponse", "CategoryListResponse", "Error", "Pagination"} {
		if dig(doc, "components", "schemas", name) == nil {
			t.Errorf("components.schemas.%s missing", name)
		}
	}

	want := map[string]map[string]string{ // path → method → operationId
		"/articles":                {"get": "findArticles", "post": "createArticle"},
		"/articles/{documentId}":   {"get": "findOneArticle", "put": "updateArticle", "delete": "deleteArticle"},
		"/categories":              {"get": "findCategories", "post": "createCategory"},
		"/categories/{documentId}": {"get": "findOneCategory", "put": "updateCategory", "delete": "deleteCategory"},
	}
	if got := sortedKeys(doc["paths"]); !slices.Equal(got, sortedKeys(toAny(want))) {
		t.Errorf("paths = %v", got)
	}
	for path, methods := range want {
		item := dig(doc, "paths", path)
		if got, wantM := sortedKeys(item), sortedKeys(toAny(methods)); !slices.Equal(got, wantM) {
			t.Errorf("%s methods = %v, want %v", path, got, wantM)
		}
		for method, id := range methods {
			op := dig(item, method)
			if got := dig(op, "operationId"); got != id {
				t.Errorf("%s %s operationId = %v, want %s", method, path, got, id)
			}
			tag := "Article"
			if strings.HasPrefix(path, "/categories") {
				tag = "Category"
			}
			if got, _ := json.Marshal(dig(op, "tags")); string(got) != `["`+tag+`"]` {
				t.Errorf("%s %s tags = %s", method, path, got)
			}
			codes := sortedKeys(dig(op, "responses"))
			for _, c := range []string{"401", "403"} {
				if !slices.Contains(codes, c) {
					t.Errorf("%s %s responses %v lack %s", method, path, codes, c)
				}
			}
			success := map[string]string{"get": "200", "post": "201", "put": "200", "delete": "204"}[method]
			if !slices.Contains(codes, success) {
				t.Errorf("%s %s responses %v lack %s", method, path, codes, success)
			}
			if method != "delete" && !slices.Contains(codes, "400") {
				t.Errorf("%s %s responses %v lack 400", method, path, codes)
			}
			// Deleting a missing entry is 204, as in Strapi: no 404.
			if strings.HasSuffix(path, "}") && slices.Contains(codes, "404") == (method == "delete") {
				t.Errorf("%s %s responses %v: 404 listed %v, want %v", method, path, codes, slices.Contains(codes, "404"), method != "delete")
			}
		}
	}

	// The 204 has no body; the 401 points at the shared Error schema.
	del := dig(doc, "paths", "/articles/{documentId}", "delete", "responses")
	if dig(del, "204", "content") != nil {
		t.Error("delete 204 has content")
	}
	if got := dig(del, "401", "$ref"); got != "#/components/responses/Unauthorized" {
		t.Errorf("401 = %v", got)
	}
	if got := dig(doc, "components", "responses", "Unauthorized", "content", "application/json", "schema", "$ref"); got != "#/components/schemas/Error" {
		t.Errorf("Unauthorized schema = %v", got)
	}
	if got := dig(doc, "components", "responses", "BadRequest", "content", "application/json", "example", "error", "name"); got != "ValidationError" {
		t.Errorf("BadRequest example name = %v", got)
	}

	// find's query parameters.
	var names []string
	params, _ := dig(doc, "paths", "/articles", "get", "parameters").([]any)
	for _, p := range params {
		names = append(names, dig(p, "name").(string))
		if dig(p, "in") != "query" {
			t.Errorf("parameter %v in %v", dig(p, "name"), dig(p, "in"))
		}
		if dig(p, "name") == "filters" {
			if dig(p, "style") != "deepObject" {
				t.Errorf("filters style = %v", dig(p, "style"))
			}
			desc, _ := dig(p, "description").(string)
			for _, op := range append(slices.Clone(openAPIOperators), "$and", "$or", "$not") {
				if !strings.Contains(desc, string(op)) {
					t.Errorf("filters description lacks %s", op)
				}
			}
		}
	}
	wantParams := []string{"pagination[page]", "pagination[pageSize]", "pagination[start]", "pagination[limit]", "sort", "fields", "filters"}
	if !slices.Equal(names, wantParams) {
		t.Errorf("find parameters = %v, want %v", names, wantParams)
	}
	if got := dig(doc, "paths", "/articles/{documentId}", "get", "parameters"); !strings.Contains(fmt.Sprint(got), "name:documentId") {
		t.Errorf("findOne parameters = %v", got)
	}

	// Create's body is {"data": ArticleInput}; update's every attribute optional.
	body := dig(doc, "paths", "/articles", "post", "requestBody", "content", "application/json", "schema")
	if got := dig(body, "properties", "data", "$ref"); got != "#/components/schemas/ArticleInput" {
		t.Errorf("create body data = %v", got)
	}
	body = dig(doc, "paths", "/articles/{documentId}", "put", "requestBody", "content", "application/json", "schema")
	if got := dig(body, "properties", "data", "$ref"); got != "#/components/schemas/ArticleUpdateInput" {
		t.Errorf("update body data = %v", got)
	}
}

func toAny[V any](m map[string]V) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		out[k] = v
	}
	return out
}

func TestOpenAPIActionsMatchRegistry(t *testing.T) {
	for name, r := range map[string]*content.Registry{"default": content.Default(), "gadget": gadgetRegistry(t)} {
		t.Run(name, func(t *testing.T) {
			doc := openAPIJSON(t, New(r, "/api"))
			routes := 0
			for _, g := range r.Groups() {
				for _, a := range g.Actions {
					routes++
					path := openAPIPath(a.Path)
					op := dig(doc, "paths", path, strings.ToLower(a.Method))
					if op == nil {
						t.Errorf("%s %s (%s) is not documented", a.Method, path, a.Action)
						continue
					}
					if got := dig(op, "x-tokenadmin-action"); got != a.Action {
						t.Errorf("%s %s x-tokenadmin-action = %v, want %s", a.Method, path, got, a.Action)
					}
					if got, _ := dig(op, "description").(string); !strings.Contains(got, a.Action) {
						t.Errorf("%s %s description %q does not name %s", a.Method, path, got, a.Action)
					}
				}
			}
			ops := 0
			ids := map[string]bool{}
			for _, path := range sortedKeys(doc["paths"]) {
				for _, method := range sortedKeys(dig(doc, "paths", path)) {
					ops++
					id, _ := dig(doc, "paths", path, method, "operationId").(string)
					if id == "" || ids[id] {
						t.Errorf("%s %s operationId %q empty or repeated", method, path, id)
					}
					ids[id] = true
				}
			}
			if ops != routes {
				t.Errorf("%d operations documented, registry has %d routes", ops, routes)
			}
		})
	}
}

func TestOpenAPIRequired(t *testing.T) {
	for name, r := range map[string]*content.Registry{"default": content.Default(), "gadget": gadgetRegistry(t)} {
		t.Run(name, func(t *testing.T) {
			doc := New(r, "")
			names := Names(r)
			for _, ct := range r.Types() {
				var want []string
				for _, a := range ct.Attributes {
					if a.Required && a.Default == nil {
						want = append(want, a.Name)
					}
				}
				n := names[ct.UID()]
				in := doc.Components.Schemas[n.Input]
				if in == nil {
					t.Fatalf("%s: no %s schema", ct.UID(), n.Input)
				}
				if !slices.Equal(in.Required, want) {
					t.Errorf("%s required = %v, want %v", n.Input, in.Required, want)
				}
				if len(in.Properties) != len(ct.Attributes) {
					t.Errorf("%s has %d properties, type has %d attributes", n.Input, len(in.Properties), len(ct.Attributes))
				}
				if up := doc.Components.Schemas[n.UpdateInput]; ct.Kind == content.CollectionType && (up == nil || len(up.Required) != 0) {
					t.Errorf("%s = %+v, want a schema with nothing required", n.UpdateInput, up)
				}
			}
		})
	}
	// Concretely, for the gadget: count has a default, secretNote is
	// private but still required on input.
	in := New(gadgetRegistry(t), "").Components.Schemas["GadgetInput"]
	if want := []string{"name", "price", "size", "secretNote"}; !slices.Equal(in.Required, want) {
		t.Errorf("GadgetInput required = %v, want %v", in.Required, want)
	}
}

func TestOpenAPIAttributeTypes(t *testing.T) {
	doc := New(gadgetRegistry(t), "/api")
	entry := doc.Components.Schemas["Gadget"]
	b, _ := json.Marshal(entry.Properties)
	var props map[string]any
	if err := json.Unmarshal(b, &props); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"id":          `{"type":"integer","format":"int64","readOnly":true}`,
		"documentId":  `{"type":"string","readOnly":true}`,
		"name":        `{"type":"string"}`,
		"summary":     `{"type":"string","nullable":true}`,
		"body":        `{"type":"string","nullable":true}`,
		"contact":     `{"type":"string","format":"email","nullable":true}`,
		"slug":        `{"type":"string","nullable":true}`,
		"count":       `{"type":"integer","format":"int64"}`,
		"big":         `{"description":"A 64-bit integer written as a string.","type":"string","nullable":true,"pattern":"^-?[0-9]{1,39}$"}`,
		"price":       `{"type":"number"}`,
		"ratio":       `{"type":"number","nullable":true}`,
		"active":      `{"type":"boolean","nullable":true}`,
		"day":         `{"type":"string","format":"date","nullable":true}`,
		"at":          `{"type":"string","format":"date-time","nullable":true}`,
		"size":        `{"type":"string","enum":["s","m","l"]}`,
		"color":       `{"type":"string","nullable":true,"enum":["red","blue",null]}`,
		"extra":       `{"description":"Any JSON value."}`,
		"createdAt":   `{"type":"string","format":"date-time","readOnly":true}`,
		"updatedAt":   `{"type":"string","format":"date-time","readOnly":true}`,
		"publishedAt": `{"type":"string","format":"date-time","nullable":true,"readOnly":true}`,
	}
	for name, w := range want {
		got, _ := json.Marshal(entry.Property(name))
		if string(got) != w {
			t.Errorf("Gadget.%s = %s, want %s", name, got, w)
		}
	}
	if len(props) != len(want) {
		t.Errorf("Gadget properties = %v", sortedKeys(props))
	}
	var order []string
	for _, p := range entry.Properties {
		order = append(order, p.Name)
	}
	wantOrder := []string{"id", "documentId", "name", "summary", "body", "contact", "slug", "count", "big", "price",
		"ratio", "active", "day", "at", "size", "color", "extra", "createdAt", "updatedAt", "publishedAt"}
	if !slices.Equal(order, wantOrder) {
		t.Errorf("Gadget property order = %v", order)
	}
	// The JSON keeps that order too.
	raw, _ := json.Marshal(entry)
	if i, j := strings.Index(string(raw), `"id"`), strings.Index(string(raw), `"publishedAt"`); i < 0 || j < i {
		t.Errorf("Gadget JSON out of order: %s", raw)
	}

	// Input carries the constraints.
	in := doc.Components.Schemas["GadgetInput"]
	for name, w := range map[string]string{
		"name":   `{"type":"string","minLength":2,"maxLength":50}`,
		"count":  `{"type":"integer","format":"int64","minimum":0,"maximum":10,"default":3}`,
		"active": `{"type":"boolean","nullable":true,"default":false}`,
		"slug":   `{"type":"string","nullable":true,"pattern":"^[A-Za-z0-9_.~-]*$"}`,
		"ratio":  `{"type":"number","nullable":true,"maximum":1.5}`,
	} {
		if got, _ := json.Marshal(in.Property(name)); string(got) != w {
			t.Errorf("GadgetInput.%s = %s, want %s", name, got, w)
		}
	}
	if p := in.Property("contact"); !strings.Contains(p.Description, "unique") {
		t.Errorf("GadgetInput.contact description = %q", p.Description)
	}
	if p := in.Property("big"); !strings.Contains(p.Description, "at least 1") {
		t.Errorf("GadgetInput.big description = %q", p.Description)
	}
}

func TestOpenAPIPrivateAttribute(t *testing.T) {
	r := gadgetRegistry(t)
	doc := New(r, "/api")
	if doc.Components.Schemas["Gadget"].Property("secretNote") != nil {
		t.Error("the entry schema describes a private attribute")
	}
	// Accepted on input, so described there, write-only.
	for _, name := range []string{"GadgetInput", "GadgetUpdateInput"} {
		p := doc.Components.Schemas[name].Property("secretNote")
		if p == nil || !p.WriteOnly {
			t.Errorf("%s.secretNote = %+v, want a write-only property", name, p)
		}
	}
	// Nowhere else: not in responses, nor among the fields sort, fields and
	// filters accept.
	delete(doc.Components.Schemas, "GadgetInput")
	delete(doc.Components.Schemas, "GadgetUpdateInput")
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "secretNote") {
		t.Errorf("a private attribute appears outside the input schemas")
	}
	if !strings.Contains(string(b), `"summary"`) {
		t.Error("sanity: a public attribute should appear")
	}
}

func TestOpenAPISingleType(t *testing.T) {
	r := gadgetRegistry(t)
	doc := openAPIJSON(t, New(r, "/api"))
	if got := sortedKeys(dig(doc, "paths", "/homepage")); !slices.Equal(got, []string{"delete", "get", "put"}) {
		t.Errorf("/homepage methods = %v, want delete get put", got)
	}
	for _, path := range sortedKeys(doc["paths"]) {
		if strings.HasPrefix(path, "/homepage") && path != "/homepage" || strings.HasPrefix(path, "/homepages") {
			t.Errorf("unexpected single-type path %s", path)
		}
	}
	for method, id := range map[string]string{"get": "findHomepage", "put": "updateHomepage", "delete": "deleteHomepage"} {
		op := dig(doc, "paths", "/homepage", method)
		if got := dig(op, "operationId"); got != id {
			t.Errorf("%s /homepage operationId = %v, want %s", method, got, id)
		}
		if got, _ := json.Marshal(dig(op, "tags")); string(got) != `["Home page"]` {
			t.Errorf("%s /homepage tags = %s", method, got)
		}
		if dig(op, "parameters") != nil {
			t.Errorf("%s /homepage has parameters", method)
		}
	}
	if got := dig(doc, "paths", "/homepage", "put", "requestBody", "content", "application/json", "schema", "properties", "data", "$ref"); got != "#/components/schemas/HomePageInput" {
		t.Errorf("PUT /homepage data = %v", got)
	}
	if got := dig(doc, "paths", "/homepage", "get", "responses", "200", "content", "application/json", "schema", "$ref"); got != "#/components/schemas/HomePageResponse" {
		t.Errorf("GET /homepage 200 = %v", got)
	}
	for _, name := range []string{"HomePageListResponse", "HomePageUpdateInput"} {
		if dig(doc, "components", "schemas", name) != nil {
			t.Errorf("a single type has %s", name)
		}
	}
	if got := dig(doc, "paths", "/gadgets", "get", "operationId"); got != "findGadgets" {
		t.Errorf("GET /gadgets operationId = %v", got)
	}
}

// TestOpenAPIRefsResolve checks every $ref points at a component that exists.
func TestOpenAPIRefsResolve(t *testing.T) {
	for name, r := range map[string]*content.Registry{"default": content.Default(), "gadget": gadgetRegistry(t)} {
		doc := openAPIJSON(t, New(r, "/api"))
		refs := 0
		var walk func(v any)
		walk = func(v any) {
			switch x := v.(type) {
			case map[string]any:
				if ref, ok := x["$ref"].(string); ok {
					refs++
					target := dig(doc, strings.Split(strings.TrimPrefix(ref, "#/"), "/")...)
					if !strings.HasPrefix(ref, "#/components/") || target == nil {
						t.Errorf("%s: $ref %s does not resolve", name, ref)
					}
					if len(x) != 1 {
						t.Errorf("%s: $ref %s has siblings %v", name, ref, sortedKeys(x))
					}
				}
				for _, e := range x {
					walk(e)
				}
			case []any:
				for _, e := range x {
					walk(e)
				}
			}
		}
		walk(doc)
		if refs == 0 {
			t.Errorf("%s: no $ref found", name)
		}
	}
}

func TestOpenAPIOperatorsComplete(t *testing.T) {
	seen := map[content.Operator]bool{}
	for _, op := range openAPIOperators {
		if !content.KnownOperator(op) || seen[op] {
			t.Errorf("operator %s unknown or listed twice", op)
		}
		seen[op] = true
	}
	if len(seen) != len(content.Operators()) {
		t.Errorf("documented %d operators, the parser knows %d", len(seen), len(content.Operators()))
	}
}

func TestOpenAPIUIDPattern(t *testing.T) {
	re := regexp.MustCompile(openAPIUIDPattern)
	for _, s := range []string{"", "a-b_c.d~e", "ABC123", "a b", "a/b", "é", "a-", "-", "_", "~", "a+b"} {
		if re.MatchString(s) != content.UIDRE.MatchString(s) {
			t.Errorf("%q: pattern %v, uidRE %v", s, re.MatchString(s), content.UIDRE.MatchString(s))
		}
	}
}

func TestOpenAPINamesAndServers(t *testing.T) {
	if doc := openAPIJSON(t, New(content.Default(), "")); doc["servers"] != nil {
		t.Errorf("servers = %v, want none for an empty URL", doc["servers"])
	}
	r := testRegistry(t, map[string]string{
		"a/schema.json": `{"kind": "collectionType", "info": {"singularName": "blog-post", "pluralName": "blog-posts", "displayName": "Blog post"}, "attributes": {}}`,
		"b/schema.json": `{"kind": "collectionType", "info": {"singularName": "story", "pluralName": "stories", "displayName": "Blog post"}, "attributes": {}}`,
		"c/schema.json": `{"kind": "collectionType", "info": {"singularName": "error", "pluralName": "errors", "displayName": "Error"}, "attributes": {}}`,
	})
	names := Names(r)
	got := map[string]string{}
	for uid, n := range names {
		got[uid] = n.Entry
	}
	want := map[string]string{
		"api::blog-post.blog-post": "BlogPost", // first of the two "Blog post"s
		"api::story.story":         "Story",
		"api::error.error":         "error",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("names = %v, want %v", got, want)
	}
	valid := regexp.MustCompile(`^[a-zA-Z0-9._-]+$`)
	doc := openAPIJSON(t, New(r, "/api"))
	for _, k := range sortedKeys(dig(doc, "components", "schemas")) {
		if !valid.MatchString(k) {
			t.Errorf("component name %q is not valid", k)
		}
	}
	if got := sortedKeys(dig(doc, "components", "schemas")); len(got) != 2+3*5 {
		t.Errorf("schemas = %v", got)
	}
	// Tags are listed once each even when display names repeat.
	tags, _ := doc["tags"].([]any)
	if len(tags) != 2 {
		t.Errorf("tags = %v", tags)
	}
}
