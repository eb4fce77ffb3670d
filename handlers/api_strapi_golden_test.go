package handlers

import (
	"net/http"
	"regexp"
	"testing"
	"testing/fstest"

	"github.com/tokenadmin/tokenadmin/apitoken"
	"github.com/tokenadmin/tokenadmin/content"
	"github.com/tokenadmin/tokenadmin/db"
	"github.com/tokenadmin/tokenadmin/db/dbtest"
)

// goldenRegistry is the article of the side-by-side runs against Strapi
// 5.54: a unique required title, an integer and an enumeration.
func goldenRegistry(t *testing.T) *content.Registry {
	t.Helper()
	registry, err := content.Load(fstest.MapFS{
		"article/schema.json": {Data: []byte(`{"kind": "collectionType",
			"info": {"singularName": "article", "pluralName": "articles", "displayName": "Article"},
			"options": {"draftAndPublish": false},
			"attributes": {"title": {"type": "string", "required": true, "unique": true},
				"views": {"type": "integer"}, "rating": {"type": "enumeration", "enum": ["low", "mid", "high"]}}}`)},
	})
	if err != nil {
		t.Fatal(err)
	}
	return registry
}

var (
	goldenDocumentID = regexp.MustCompile(`"documentId":"[a-z0-9]{24}"`)
	goldenID         = regexp.MustCompile(`"id":\d+`)
	goldenTime       = regexp.MustCompile(`"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"`)
)

// normalise replaces what differs from run to run (document ids, times)
// and keeps every other byte, key order included.
func normalise(raw string) string {
	raw = goldenDocumentID.ReplaceAllString(raw, `"documentId":"DOC"`)
	return goldenTime.ReplaceAllString(raw, `"TIME"`)
}

// TestAPIStrapiGolden pins status, headers and the exact bytes of the
// content API's answers where Strapi 5.54's were measured, key order
// included: entries id, documentId, attributes in schema order, then the
// timestamps; meta.pagination {page, pageSize, pageCount, total} or
// {start, limit, total}; errors {status, name, message, details}.
func TestAPIStrapiGolden(t *testing.T) {
	registry := goldenRegistry(t)
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		app := newTestAppWithRegistry(t, d, registry)
		full := "Bearer " + app.mintKey("full", "full-access", "unlimited")
		readOnly := "Bearer " + app.mintKey("ro", "read-only", "unlimited")
		entry := `{"id":1,"documentId":"DOC","title":"Hello","views":3,"rating":"mid","createdAt":"TIME","updatedAt":"TIME","publishedAt":"TIME"}`
		const json = mimeJSON
		tests := []struct {
			name, method, path, auth, body string
			status                         int
			contentType                    string
			want                           string
		}{
			{"create", "POST", "/api/articles", full, `{"data":{"rating":"mid","views":3,"title":"Hello"}}`, 201, json,
				`{"data":` + entry + `,"meta":{}}` + "\n"},
			{"find", "GET", "/api/articles", full, "", 200, json,
				`{"data":[` + entry + `],"meta":{"pagination":{"page":1,"pageSize":25,"pageCount":1,"total":1}}}` + "\n"},
			{"find by start and limit", "GET", "/api/articles?pagination[start]=0&pagination[limit]=5", full, "", 200, json,
				`{"data":[` + entry + `],"meta":{"pagination":{"start":0,"limit":5,"total":1}}}` + "\n"},
			{"fields", "GET", "/api/articles?fields[0]=rating", full, "", 200, json,
				`{"data":[{"id":1,"documentId":"DOC","rating":"mid"}],"meta":{"pagination":{"page":1,"pageSize":25,"pageCount":1,"total":1}}}` + "\n"},
			{"page and offset", "GET", "/api/articles?pagination[page]=1&pagination[limit]=2", full, "", 400, json,
				`{"data":null,"error":{"status":400,"name":"PaginationError","message":"Cannot use both page & offset pagination in the same query","details":{}}}` + "\n"},
			{"pageSize and start", "GET", "/api/articles?pagination[pageSize]=1&pagination[start]=2", full, "", 400, json,
				`{"data":null,"error":{"status":400,"name":"PaginationError","message":"Cannot use both page & offset pagination in the same query","details":{}}}` + "\n"},
			{"bad sort order", "GET", "/api/articles?sort=title:sideways", full, "", 400, json,
				`{"data":null,"error":{"status":400,"name":"ValidationError","message":"Invalid order. order can only be one of asc|desc|ASC|DESC","details":{}}}` + "\n"},
			{"bad sort order, object form", "GET", "/api/articles?sort[title]=sideways", full, "", 400, json,
				`{"data":null,"error":{"status":400,"name":"ValidationError","message":"Invalid order. order can only be one of asc|desc|ASC|DESC","details":{}}}` + "\n"},
			{"unknown sort key", "GET", "/api/articles?sort=nope", full, "", 400, json,
				`{"data":null,"error":{"status":400,"name":"ValidationError","message":"Invalid key nope","details":{"key":"nope","path":null,"source":"query","param":"sort"}}}` + "\n"},
			{"unknown operator", "GET", "/api/articles?filters[title][$zz]=1", full, "", 400, json,
				`{"data":null,"error":{"status":400,"name":"ValidationError","message":"Invalid key $zz at title","details":{"key":"$zz","path":"title","source":"query","param":"filters"}}}` + "\n"},
			{"not a number", "POST", "/api/articles", full, `{"data":{"title":"Two","views":"abc"}}`, 400, json,
				`{"data":null,"error":{"status":400,"name":"ValidationError","message":"views must be a ` + "`number`" + ` type, but the final value was: ` + "`NaN`" + ` (cast from the value ` + "`" + `\"abc\"` + "`" + `).",` +
					`"details":{"errors":[{"path":["views"],"message":"views must be a ` + "`number`" + ` type, but the final value was: ` + "`NaN`" + ` (cast from the value ` + "`" + `\"abc\"` + "`" + `).","name":"ValidationError","value":null}]}}}` + "\n"},
			{"not an integer", "POST", "/api/articles", full, `{"data":{"title":"Two","views":1.5}}`, 400, json,
				`{"data":null,"error":{"status":400,"name":"ValidationError","message":"views must be an integer","details":{"errors":[{"path":["views"],"message":"views must be an integer","name":"ValidationError","value":1.5}]}}}` + "\n"},
			{"required", "POST", "/api/articles", full, `{"data":{"views":1}}`, 400, json,
				`{"data":null,"error":{"status":400,"name":"ValidationError","message":"title must be defined.","details":{"errors":[{"path":["title"],"message":"title must be defined.","name":"ValidationError"}]}}}` + "\n"},
			{"unique", "POST", "/api/articles", full, `{"data":{"title":"Hello"}}`, 400, json,
				`{"data":null,"error":{"status":400,"name":"ValidationError","message":"This attribute must be unique","details":{"errors":[{"path":["title"],"message":"This attribute must be unique","name":"ValidationError","value":"Hello"}]}}}` + "\n"},
			{"unknown body key", "POST", "/api/articles", full, `{"data":{"title":"Two","nope":1}}`, 400, json,
				`{"data":null,"error":{"status":400,"name":"ValidationError","message":"Invalid key nope","details":{"key":"nope","path":null,"source":"body"}}}` + "\n"},
			{"missing data", "POST", "/api/articles", full, `{}`, 400, json,
				`{"data":null,"error":{"status":400,"name":"ValidationError","message":"Missing \"data\" payload in the request body","details":{}}}` + "\n"},
			{"findOne missing", "GET", "/api/articles/nosuchdocument", full, "", 404, json,
				`{"data":null,"error":{"status":404,"name":"NotFoundError","message":"Not Found","details":{}}}` + "\n"},
			{"update missing", "PUT", "/api/articles/nosuchdocument", full, `{"data":{"views":1}}`, 404, json,
				`{"data":null,"error":{"status":404,"name":"NotFoundError","message":"Not Found","details":{}}}` + "\n"},
			{"no key", "GET", "/api/articles", "", "", 401, json,
				`{"data":null,"error":{"status":401,"name":"UnauthorizedError","message":"Missing or invalid credentials","details":{}}}` + "\n"},
			{"read-only write", "DELETE", "/api/articles/nosuchdocument", readOnly, "", 403, json,
				`{"data":null,"error":{"status":403,"name":"ForbiddenError","message":"Forbidden","details":{}}}` + "\n"},
			{"delete missing", "DELETE", "/api/articles/nosuchdocument", full, "", 204, "", ""},
		}
		for _, tt := range tests {
			r := app.api(tt.method, tt.path, tt.auth, tt.body)
			if r.status != tt.status {
				t.Errorf("%s: status %d, want %d: %s", tt.name, r.status, tt.status, r.raw)
			}
			if got := r.header.Get("Content-Type"); got != tt.contentType {
				t.Errorf("%s: Content-Type %q, want %q", tt.name, got, tt.contentType)
			}
			if got := normalise(r.raw); got != tt.want {
				t.Errorf("%s:\n got %s\nwant %s", tt.name, got, tt.want)
			}
		}

		// A numeric string for an integer is cast as yup's number() casts
		// it: stored and answered as the number.
		r := app.api("POST", "/api/articles", full, `{"data":{"title":"Seven","views":" 7 "}}`)
		if want := `{"data":{"id":ID,"documentId":"DOC","title":"Seven","views":7,"rating":null,"createdAt":"TIME","updatedAt":"TIME","publishedAt":"TIME"},"meta":{}}` + "\n"; r.status != 201 || goldenID.ReplaceAllString(normalise(r.raw), `"id":ID`) != want {
			t.Errorf("numeric string:\n got %d %s\nwant 201 %s", r.status, r.raw, want)
		}
		r = app.api("PUT", "/api/articles/"+r.body["data"].(map[string]any)["documentId"].(string), full, `{"data":{"views":"7.5"}}`)
		if want := `{"data":null,"error":{"status":400,"name":"ValidationError","message":"views must be an integer","details":{"errors":[{"path":["views"],"message":"views must be an integer","name":"ValidationError","value":7.5}]}}}` + "\n"; r.status != 400 || r.raw != want {
			t.Errorf("numeric string, not whole:\n got %d %s\nwant 400 %s", r.status, r.raw, want)
		}

		// The guardrails' refusals are the content API's errors too.
		_, fenced := app.mintGuarded("fenced", apitoken.GuardInput{AllowedIPs: []string{"10.0.0.0/8"}})
		_, limited := app.mintGuarded("limited", apitoken.GuardInput{RateLimit: "1/m"})
		app.api("GET", "/api/articles", "Bearer "+limited, "")
		for _, tt := range []struct {
			name, key string
			status    int
			want      string
		}{
			{"address refused", fenced, 403, `{"data":null,"error":{"status":403,"name":"ForbiddenError","message":"This token cannot be used from this address","details":{}}}` + "\n"},
			{"rate limited", limited, 429, `{"data":null,"error":{"status":429,"name":"RateLimitError","message":"Too many requests","details":{}}}` + "\n"},
		} {
			r := app.api("GET", "/api/articles", "Bearer "+tt.key, "")
			if r.status != tt.status || r.raw != tt.want || r.header.Get("Content-Type") != mimeJSON {
				t.Errorf("%s:\n got %d %s %s\nwant %d %s", tt.name, r.status, r.header.Get("Content-Type"), r.raw, tt.status, tt.want)
			}
		}

		// Deleting an entry that exists is 204 too, and so is deleting it again.
		created := app.api("POST", "/api/articles", full, `{"data":{"title":"Gone"}}`)
		doc, _ := created.body["data"].(map[string]any)["documentId"].(string)
		for i := range 2 {
			if r := app.api("DELETE", "/api/articles/"+doc, full, ""); r.status != http.StatusNoContent || r.raw != "" {
				t.Errorf("delete #%d: %d %q", i+1, r.status, r.raw)
			}
		}
		if r := app.api("GET", "/api/articles/"+doc, full, ""); r.status != http.StatusNotFound {
			t.Errorf("deleted entry still found: %d", r.status)
		}
	})
}
