package handlers

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/tokenadmin/tokenadmin/content"
	"github.com/tokenadmin/tokenadmin/db"
	"github.com/tokenadmin/tokenadmin/db/dbtest"
)

// orQuery is a find query string with n $or branches of op on title.
func orQuery(n int, op string) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte('&')
		}
		fmt.Fprintf(&b, "filters[$or][%d][title][%s]=x%d", i, op, i)
	}
	return b.String()
}

// wantValidation checks a 400 ValidationError whose message holds msg and
// whose details name limit (when not empty).
func wantValidation(t *testing.T, name string, res apiResult, msg, limit string) {
	t.Helper()
	if res.status != http.StatusBadRequest || res.errorField("name") != "ValidationError" {
		t.Errorf("%s: %d %.300s, want 400 ValidationError", name, res.status, res.raw)
		return
	}
	if m, _ := res.errorField("message").(string); !strings.Contains(m, msg) {
		t.Errorf("%s: message %q, want it to hold %q", name, m, msg)
	}
	details, _ := res.errorField("details").(map[string]any)
	if limit != "" && details["limit"] != limit {
		t.Errorf("%s: details %v, want limit %s", name, details, limit)
	}
}

func TestAPIQueryLimits(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		app := newTestAppWithStore(t, d)
		key := app.mintKey("ro", "read-only", "unlimited")
		get := func(q string) apiResult { return app.api("GET", "/api/articles?"+q, "Bearer "+key, "") }

		// Exactly 1,000 $or branches made SQLite answer 500 ("Expression
		// tree is too large"); 990 $containsi ran for seconds.
		wantValidation(t, "1,000 $or", get(orQuery(1000, "$eq")), "more than 100 conditions", content.LimitFilterConditions)
		wantValidation(t, "990 $containsi", get(orQuery(990, "$containsi")), "more than 100 conditions", content.LimitFilterConditions)
		if res := get(orQuery(content.MaxFilterConditions, "$containsi")); res.status != http.StatusOK {
			t.Errorf("%d conditions: %d %.300s", content.MaxFilterConditions, res.status, res.raw)
		}
		wantValidation(t, "sort", get("sort="+strings.Repeat("title,", content.MaxSortFields+1)), "sort names more than", content.LimitSortFields)
		wantValidation(t, "fields", get("fields="+strings.Repeat("title,", content.MaxFields+1)), "fields names more than", content.LimitFields)
		wantValidation(t, "page", get(fmt.Sprintf("pagination[page]=%d", content.MaxPage+1)), "at most", content.LimitPage)
		wantValidation(t, "long value", get("filters[title][$containsi]="+strings.Repeat("a", content.MaxTextLength+1)),
			"longer than", content.LimitTextLength)
		// Malformed query strings are refused, not read without the part
		// Go's parser drops (which would widen the filter).
		wantValidation(t, "bad escape", get("filters[title][$eq]=%zz&pagination[pageSize]=1"), "cannot be read", "")
		wantValidation(t, "over Go's parameter limit", get(strings.Repeat("populate=x&", 10001)), "cannot be read", "")
	})
}

func TestAPIBadBytes(t *testing.T) {
	// PostgreSQL refused these with a 500 ("invalid byte sequence for
	// encoding UTF8"); both databases now never see them.
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		app := newTestAppWithStore(t, d)
		full := app.mintKey("full", "full-access", "unlimited")
		doc := app.createArticle(full, "kept")
		for _, bad := range []string{"%FF", "%00", "%C0%80", "a%00b"} {
			for _, path := range []string{
				"/api/articles?filters[title][$eq]=" + bad,
				"/api/articles?filters[title][$containsi]=" + bad,
				"/api/articles?filters[title][$in][0]=ok&filters[title][$in][1]=" + bad,
				"/api/articles?filters[t" + bad + "][$eq]=x",
				"/api/articles?sort=" + bad,
				"/api/articles?populate=" + bad,
				"/api/articles/" + doc + "?fields=" + bad,
				"/api/articles/" + bad,
			} {
				res := app.api("GET", path, "Bearer "+full, "")
				wantValidation(t, path, res, "", "")
				if m, _ := res.errorField("message").(string); !strings.Contains(m, "UTF-8") && !strings.Contains(m, "NUL") {
					t.Errorf("%s: message %q does not say what is wrong", path, m)
				}
			}
			res := app.api("PUT", "/api/articles/"+bad, "Bearer "+full, `{"data":{"title":"x"}}`)
			wantValidation(t, "PUT path "+bad, res, "", "")
			res = app.api("DELETE", "/api/articles/"+bad, "Bearer "+full, "")
			wantValidation(t, "DELETE path "+bad, res, "", "")
		}
		bodies := []string{
			`{"data":{"title":"a\u0000b"}}`,
			`{"data":{"title":"x","body":"\u0000"}}`,
			"{\"data\":{\"title\":\"\xff\"}}",
			"{\"data\":{\"title\":\"\xc0\x80\"}}",
		}
		for _, b := range bodies {
			wantValidation(t, "POST "+b, app.api("POST", "/api/articles", "Bearer "+full, b), "", "")
			wantValidation(t, "PUT "+b, app.api("PUT", "/api/articles/"+doc, "Bearer "+full, b), "", "")
		}
		// Nothing was written, and the entry is as it was.
		if title, ok := app.restTitle(full, doc); !ok || title != "kept" {
			t.Errorf("entry after refused updates: %q %v", title, ok)
		}
		if n := app.restArticleCount(full); n != 1 {
			t.Errorf("%d entries after refused creates, want 1", n)
		}
		// An escaped backslash before u0000 is text.
		if res := app.api("POST", "/api/articles", "Bearer "+full, `{"data":{"title":"a\\u0000b"}}`); res.status != http.StatusCreated {
			t.Errorf("escaped backslash: %d %s", res.status, res.raw)
		}
	})
}

func TestGraphQLBadBytes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		app := newTestAppWithStore(t, d)
		full := app.mintKey("full", "full-access", "unlimited")
		for _, body := range []string{
			`{"query":"{ articles(filters: {title: {eq: \"a\u0000\"}}) { title } }"}`,
			`{"query":"query($t: String) { articles(filters: {title: {eq: $t}}) { title } }","variables":{"t":"\u0000"}}`,
			`{"query":"mutation($d: ArticleInput!) { createArticle(data: $d) { title } }","variables":{"d":{"title":"\u0000"}}}`,
			"{\"query\":\"{ articles(filters: {title: {eq: \\\"\xff\\\"}}) { title } }\"}",
		} {
			res := app.api("POST", "/graphql", "Bearer "+full, body)
			if res.status != http.StatusBadRequest || res.gqlCode() != "BAD_USER_INPUT" {
				t.Errorf("%s: %d %s, want 400 BAD_USER_INPUT", body, res.status, res.raw)
			}
		}
		// A NUL written as a GraphQL escape inside the document reaches
		// the filter parser, which refuses it like any bad filter value.
		res := app.gql(full, `{ articles(filters: {title: {eq: "a\u0000"}}) { title } }`, nil)
		if res.gqlCode() != "BAD_USER_INPUT" || res.status == http.StatusInternalServerError {
			t.Errorf("GraphQL escape: %d %s", res.status, res.raw)
		}
		res = app.gql(full, `mutation { createArticle(data: {title: "a\u0000"}) { title } }`, nil)
		if res.gqlCode() != "BAD_USER_INPUT" {
			t.Errorf("GraphQL escape in data: %d %s", res.status, res.raw)
		}
		if n := app.restArticleCount(full); n != 0 {
			t.Errorf("%d entries after refused creates", n)
		}
	})
}
