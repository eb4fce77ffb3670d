package handlers

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tokenadmin/tokenadmin/apitoken"
	"github.com/tokenadmin/tokenadmin/db"
	"github.com/tokenadmin/tokenadmin/db/dbtest"
)

// apiResult is a content API answer with its JSON body decoded.
type apiResult struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

func (a *testApp) api(method, path, authorization, body string) apiResult {
	a.t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, a.srv.URL+path, r)
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	out := apiResult{status: res.StatusCode, header: res.Header, raw: string(b)}
	if len(b) > 0 {
		if err := json.Unmarshal(b, &out.body); err != nil {
			a.t.Fatalf("%s %s: body is not JSON: %q", method, path, b)
		}
	}
	return out
}

func (r apiResult) errorField(name string) any {
	e, _ := r.body["error"].(map[string]any)
	return e[name]
}

// mintKey creates a token straight through the service.
func (a *testApp) mintKey(name, typ, duration string, perms ...string) string {
	a.t.Helper()
	_, key, errs, err := a.tokens.Create(context.Background(), testActor, apitoken.Input{Name: name, Type: typ, Duration: duration, Permissions: perms})
	if err != nil || !errs.Valid() {
		a.t.Fatalf("mint %s: %v %v", name, err, errs)
	}
	return key
}

func TestAPIAuthorizationMatrix(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		app := newTestAppWithStore(t, d)
		full := app.mintKey("full", "full-access", "unlimited")
		readOnly := app.mintKey("ro", "read-only", "7")
		findOnly := app.mintKey("find", "custom", "30", "api::article.article.find")
		empty := app.mintKey("empty", "custom", "30")
		writer := app.mintKey("writer", "custom", "30", "api::category.category.create", "api::category.category.update", "api::category.category.delete", "api::category.category.findOne")

		created := app.api("POST", "/api/articles", "Bearer "+full, `{"data":{"title":"Hello","slug":"hello"}}`)
		if created.status != http.StatusCreated {
			t.Fatalf("create: %d %s", created.status, created.raw)
		}
		doc := created.body["data"].(map[string]any)["documentId"].(string)
		cat := app.api("POST", "/api/categories", "Bearer "+full, `{"data":{"name":"News"}}`)
		catDoc := cat.body["data"].(map[string]any)["documentId"].(string)

		type call struct{ method, path, body, action string }
		calls := []call{
			{"GET", "/api/articles", "", "api::article.article.find"},
			{"GET", "/api/articles/" + doc, "", "api::article.article.findOne"},
			{"POST", "/api/articles", `{"data":{"title":"T2"}}`, "api::article.article.create"},
			{"PUT", "/api/articles/" + doc, `{"data":{"title":"Hello again"}}`, "api::article.article.update"},
			{"GET", "/api/categories/" + catDoc, "", "api::category.category.findOne"},
			{"PUT", "/api/categories/" + catDoc, `{"data":{"description":"d"}}`, "api::category.category.update"},
			{"GET", "/api/categories", "", "api::category.category.find"},
		}
		keys := map[string]struct {
			key   string
			typ   apitoken.Type
			perms []string
		}{
			"full-access": {full, apitoken.FullAccess, nil},
			"read-only":   {readOnly, apitoken.ReadOnly, nil},
			"custom find": {findOnly, apitoken.Custom, []string{"api::article.article.find"}},
			"custom none": {empty, apitoken.Custom, nil},
			"custom writer": {writer, apitoken.Custom, []string{"api::category.category.create", "api::category.category.update",
				"api::category.category.delete", "api::category.category.findOne"}},
		}
		for name, k := range keys {
			for _, c := range calls {
				res := app.api(c.method, c.path, "Bearer "+k.key, c.body)
				allowed := apitoken.Allows(k.typ, k.perms, c.action)
				if allowed && res.status >= 400 {
					t.Errorf("%s %s %s: %d %s, want success", name, c.method, c.path, res.status, res.raw)
				}
				if !allowed {
					if res.status != http.StatusForbidden || res.errorField("name") != "ForbiddenError" || res.errorField("message") != "Forbidden" {
						t.Errorf("%s %s %s: %d %s, want 403 ForbiddenError", name, c.method, c.path, res.status, res.raw)
					}
					if got := res.header.Get("WWW-Authenticate"); !strings.Contains(got, `error="insufficient_scope"`) || !strings.Contains(got, `scope="`+c.action+`"`) {
						t.Errorf("%s %s: WWW-Authenticate %q", name, c.path, got)
					}
				}
			}
		}
		// The permission check comes before the existence check.
		if res := app.api("PUT", "/api/articles/doesnotexist0000000000000", "Bearer "+readOnly, `{"data":{}}`); res.status != http.StatusForbidden {
			t.Errorf("read-only PUT on a missing entry: %d, want 403", res.status)
		}
		// Delete last: full access may, read-only may not.
		if res := app.api("DELETE", "/api/articles/"+doc, "Bearer "+readOnly, ""); res.status != http.StatusForbidden {
			t.Errorf("read-only delete: %d", res.status)
		}
		res := app.api("DELETE", "/api/articles/"+doc, "Bearer "+full, "")
		if res.status != http.StatusNoContent || res.raw != "" {
			t.Errorf("delete: %d %q, want 204 and no body", res.status, res.raw)
		}
		if res := app.api("GET", "/api/articles/"+doc, "Bearer "+full, ""); res.status != http.StatusNotFound || res.errorField("name") != "NotFoundError" {
			t.Errorf("deleted entry: %d %s", res.status, res.raw)
		}
	})
}

func TestAPIUnauthenticated(t *testing.T) {
	app := newTestApp(t)
	key := app.mintKey("ro", "read-only", "7")
	cases := []struct {
		name, header, challenge string
	}{
		{"no header", "", `Bearer realm="tokenadmin"`},
		{"other scheme", "Token " + key, `Bearer realm="tokenadmin"`},
		{"scheme only", "Bearer", `Bearer realm="tokenadmin", error="invalid_request"`},
		{"three parts", "Bearer a b", `Bearer realm="tokenadmin", error="invalid_request"`},
		{"malformed key", "Bearer tka_nope", `Bearer realm="tokenadmin", error="invalid_token"`},
		{"checksum off", "Bearer " + flipLast(key), `Bearer realm="tokenadmin", error="invalid_token"`},
		{"strapi hex key", "Bearer " + strings.Repeat("ab", 128), `Bearer realm="tokenadmin", error="invalid_token"`},
	}
	for _, tc := range cases {
		res := app.api("GET", "/api/articles", tc.header, "")
		if res.status != http.StatusUnauthorized || res.errorField("name") != "UnauthorizedError" || res.errorField("message") != "Missing or invalid credentials" {
			t.Errorf("%s: %d %s", tc.name, res.status, res.raw)
		}
		if res.body["data"] != nil || res.errorField("status") != float64(401) {
			t.Errorf("%s: body shape %s", tc.name, res.raw)
		}
		if _, ok := res.body["error"].(map[string]any)["details"].(map[string]any); !ok {
			t.Errorf("%s: no details object", tc.name)
		}
		if got := res.header.Get("WWW-Authenticate"); got != tc.challenge {
			t.Errorf("%s: WWW-Authenticate %q, want %q", tc.name, got, tc.challenge)
		}
	}
	// Accepted forms: lower-case scheme, extra spaces between the parts.
	for _, h := range []string{"bearer " + key, "BEARER " + key, "Bearer   " + key, "Bearer\t" + key} {
		if res := app.api("GET", "/api/articles", h, ""); res.status != http.StatusOK {
			t.Errorf("%q: %d", h, res.status)
		}
	}
	// Never from the query string or a cookie.
	if res := app.api("GET", "/api/articles?access_token="+key, "", ""); res.status != http.StatusUnauthorized {
		t.Errorf("query-string token accepted: %d", res.status)
	}
	if strings.Contains(app.logs.String(), key) {
		t.Error("a key reached the log")
	}
}

func TestAPIExpiredRegeneratedDeleted(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		app := newTestAppWithStore(t, d)
		ctx := context.Background()
		expiring := app.mintKey("soon", "read-only", "7")
		app.advance(7*24*time.Hour + time.Second)
		res := app.api("GET", "/api/articles", "Bearer "+expiring, "")
		if res.status != http.StatusUnauthorized || res.errorField("message") != "Token expired" {
			t.Errorf("expired: %d %s", res.status, res.raw)
		}
		if !strings.Contains(res.header.Get("WWW-Authenticate"), `error="invalid_token"`) {
			t.Errorf("expired challenge: %q", res.header.Get("WWW-Authenticate"))
		}

		old := app.mintKey("regen", "full-access", "unlimited")
		tok, _ := d.TokenByHash(ctx, app.hasher.Hash(old))
		_, fresh, err := app.tokens.Regenerate(ctx, testActor, tok.ID)
		if err != nil {
			t.Fatal(err)
		}
		if res := app.api("GET", "/api/articles", "Bearer "+old, ""); res.status != http.StatusUnauthorized {
			t.Errorf("old key after regenerate: %d", res.status)
		}
		if res := app.api("GET", "/api/articles", "Bearer "+fresh, ""); res.status != http.StatusOK {
			t.Errorf("new key: %d", res.status)
		}
		if _, err := app.tokens.Delete(ctx, testActor, tok.ID); err != nil {
			t.Fatal(err)
		}
		if res := app.api("GET", "/api/articles", "Bearer "+fresh, ""); res.status != http.StatusUnauthorized {
			t.Errorf("deleted token's key: %d", res.status)
		}
	})
}

func TestAPILastUsedIsBatched(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		app := newTestAppWithStore(t, d)
		ctx := context.Background()
		key := app.mintKey("ro", "read-only", "7")
		for range 5 {
			app.api("GET", "/api/articles", "Bearer "+key, "")
		}
		// A forbidden request still counts as a use.
		app.api("POST", "/api/articles", "Bearer "+key, `{"data":{"title":"x"}}`)
		tok, _ := d.TokenByHash(ctx, app.hasher.Hash(key))
		if tok.LastUsedAt != nil {
			t.Fatal("last used written on a request, want it batched")
		}
		if app.usage.Pending() != 1 {
			t.Fatalf("pending uses: %d", app.usage.Pending())
		}
		if err := app.usage.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		tok, _ = d.TokenByHash(ctx, app.hasher.Hash(key))
		if tok.LastUsedAt == nil || app.now().Sub(*tok.LastUsedAt) > time.Second {
			t.Errorf("last used after flush: %v", tok.LastUsedAt)
		}
	})
}

func TestAPIUnknownContentTypeAndMethods(t *testing.T) {
	app := newTestApp(t)
	full := app.mintKey("full", "full-access", "unlimited")
	for _, p := range []string{"/api/nothings", "/api/nothings/abc", "/api"} {
		res := app.api("GET", p, "Bearer "+full, "")
		if res.status != http.StatusNotFound || res.errorField("name") != "NotFoundError" {
			t.Errorf("%s: %d %s", p, res.status, res.raw)
		}
		if !strings.HasPrefix(res.header.Get("Content-Type"), "application/json") {
			t.Errorf("%s answered %s", p, res.header.Get("Content-Type"))
		}
	}
	// Unknown types are 404 even without a key: the route does not exist.
	if res := app.api("GET", "/api/nothings", "", ""); res.status != http.StatusNotFound {
		t.Errorf("unknown type without key: %d", res.status)
	}
}

func TestAPIBodiesAndValidation(t *testing.T) {
	app := newTestApp(t)
	full := "Bearer " + app.mintKey("full", "full-access", "unlimited")
	cases := []struct {
		name, body, errName, message string
	}{
		{"malformed JSON", `{"data":`, "SyntaxError", ""},
		{"no data", `{"title":"x"}`, "ValidationError", `Missing "data" payload in the request body`},
		{"data null", `{"data":null}`, "ValidationError", `Missing "data" payload in the request body`},
		{"unknown key", `{"data":{"title":"x","nope":1}}`, "ValidationError", "Invalid key nope"},
		{"required", `{"data":{"slug":"x"}}`, "ValidationError", "title must be defined."},
		{"too long", `{"data":{"title":"` + strings.Repeat("x", 201) + `"}}`, "ValidationError", "title must be at most 200 characters"},
		{"two errors", `{"data":{"title":5,"featured":"yes"}}`, "ValidationError", "2 errors occurred"},
	}
	for _, tc := range cases {
		res := app.api("POST", "/api/articles", full, tc.body)
		if res.status != http.StatusBadRequest || res.errorField("name") != tc.errName {
			t.Errorf("%s: %d %s", tc.name, res.status, res.raw)
			continue
		}
		if tc.message != "" && res.errorField("message") != tc.message {
			t.Errorf("%s: message %q, want %q", tc.name, res.errorField("message"), tc.message)
		}
	}
	res := app.api("POST", "/api/articles", full, `{"data":{"title":5,"featured":"yes"}}`)
	errs, _ := res.errorField("details").(map[string]any)["errors"].([]any)
	if len(errs) != 2 {
		t.Errorf("details.errors: %v", res.errorField("details"))
	}

	// Unique attributes.
	if r := app.api("POST", "/api/categories", full, `{"data":{"name":"Once"}}`); r.status != http.StatusCreated {
		t.Fatal(r.raw)
	}
	r := app.api("POST", "/api/categories", full, `{"data":{"name":"Once"}}`)
	if r.status != http.StatusBadRequest || r.errorField("message") != "This attribute must be unique" {
		t.Errorf("duplicate unique: %d %s", r.status, r.raw)
	}

	// A body over the limit is refused as JSON.
	big := `{"data":{"title":"` + strings.Repeat("x", 2<<20) + `"}}`
	if r := app.api("POST", "/api/articles", full, big); r.status != http.StatusRequestEntityTooLarge {
		t.Errorf("huge body: %d", r.status)
	}
}

func TestAPIRoundTripAndQuery(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		app := newTestAppWithStore(t, d)
		full := "Bearer " + app.mintKey("full", "full-access", "unlimited")
		titles := []string{"Alpha", "beta", "Gamma", "O'Brien's 50% off", "delta"}
		for i, title := range titles {
			body := `{"data":{"title":` + jsonString(title) + `,"featured":` + map[bool]string{true: "true", false: "false"}[i%2 == 0] + `,"publishedDate":"2026-0` + string(rune('1'+i)) + `-15"}}`
			if r := app.api("POST", "/api/articles", full, body); r.status != http.StatusCreated {
				t.Fatalf("create %s: %s", title, r.raw)
			}
		}
		r := app.api("GET", "/api/articles?pagination[pageSize]=2&pagination[page]=2&sort=title:asc", full, "")
		if r.status != http.StatusOK {
			t.Fatal(r.raw)
		}
		meta := r.body["meta"].(map[string]any)["pagination"].(map[string]any)
		if meta["page"] != float64(2) || meta["pageSize"] != float64(2) || meta["pageCount"] != float64(3) || meta["total"] != float64(5) {
			t.Errorf("pagination meta: %v", meta)
		}
		data := r.body["data"].([]any)
		if len(data) != 2 {
			t.Fatalf("page 2 size: %d", len(data))
		}
		first := data[0].(map[string]any)
		for _, k := range []string{"id", "documentId", "title", "slug", "body", "publishedDate", "featured", "createdAt", "updatedAt", "publishedAt"} {
			if _, ok := first[k]; !ok {
				t.Errorf("entry lacks %s: %v", k, first)
			}
		}
		if doc, _ := first["documentId"].(string); len(doc) != 24 {
			t.Errorf("documentId %q", doc)
		}

		r = app.api("GET", `/api/articles?filters[title][$eq]=O'Brien's%2050%25%20off`, full, "")
		if got := r.body["data"].([]any); len(got) != 1 {
			t.Errorf("$eq with SQL metacharacters: %s", r.raw)
		}
		r = app.api("GET", "/api/articles?filters[$or][0][title][$containsi]=ALPHA&filters[$or][1][featured][$eq]=false&fields[0]=title", full, "")
		got := r.body["data"].([]any)
		if len(got) != 3 {
			t.Errorf("$or: %d entries: %s", len(got), r.raw)
		}
		if _, ok := got[0].(map[string]any)["slug"]; ok {
			t.Error("fields[0]=title returned slug")
		}
		r = app.api("GET", "/api/articles?pagination[start]=4&pagination[limit]=10", full, "")
		if m := r.body["meta"].(map[string]any)["pagination"].(map[string]any); m["start"] != float64(4) || m["limit"] != float64(10) || m["total"] != float64(5) || len(r.body["data"].([]any)) != 1 {
			t.Errorf("offset pagination: %s", r.raw)
		}
		r = app.api("GET", "/api/articles?pagination[page]=9", full, "")
		if r.status != http.StatusOK || len(r.body["data"].([]any)) != 0 {
			t.Errorf("page past the end: %d %s", r.status, r.raw)
		}
		for _, q := range []string{"sort=nope", "filters[nope][$eq]=1", "filters[title][$zz]=1", "fields[0]=nope", "sort=title:sideways"} {
			if r := app.api("GET", "/api/articles?"+q, full, ""); r.status != http.StatusBadRequest || r.errorField("name") != "ValidationError" {
				t.Errorf("%s: %d %s", q, r.status, r.raw)
			}
		}
		r = app.api("GET", "/api/articles?filters[publishedDate][$gte]=2026-03-01&sort[0]=publishedDate:desc", full, "")
		if got := r.body["data"].([]any); len(got) != 3 || got[0].(map[string]any)["publishedDate"] != "2026-05-15" {
			t.Errorf("date filter and sort: %s", r.raw)
		}
	})
}

func jsonString(s string) string { b, _ := json.Marshal(s); return string(b) }

func TestAPIPageSizeClamped(t *testing.T) {
	app := newTestApp(t)
	full := "Bearer " + app.mintKey("full", "full-access", "unlimited")
	for i := range 3 {
		app.api("POST", "/api/categories", full, `{"data":{"name":"c`+string(rune('a'+i))+`"}}`)
	}
	for q, want := range map[string]float64{"pagination[pageSize]=0": 1, "pagination[pageSize]=101": 100, "pagination[pageSize]=-5": 1, "": 25} {
		r := app.api("GET", "/api/categories?"+q, full, "")
		if r.status != http.StatusOK {
			t.Fatalf("%s: %d %s", q, r.status, r.raw)
		}
		if got := r.body["meta"].(map[string]any)["pagination"].(map[string]any)["pageSize"]; got != want {
			t.Errorf("%s: pageSize %v, want %v", q, got, want)
		}
	}
}

// flipLast changes a key's last character, so its checksum no longer
// matches (whatever the character was).
func flipLast(key string) string {
	last := byte('0')
	if key[len(key)-1] == '0' {
		last = '1'
	}
	return key[:len(key)-1] + string(last)
}
