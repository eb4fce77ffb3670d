package handlers

import (
	"net/http"
	"strings"
	"testing"
)

func TestOpenAPIDocument(t *testing.T) {
	app := newTestApp(t)

	res := app.api(http.MethodGet, "/api/openapi.json", "", "")
	if res.status != http.StatusOK {
		t.Fatalf("GET /api/openapi.json without a token: %d\n%s", res.status, res.raw)
	}
	if ct := res.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type = %q", ct)
	}
	if cc := res.header.Get("Cache-Control"); cc != "public, max-age=300" {
		t.Errorf("Cache-Control = %q", cc)
	}
	if got := res.body["openapi"]; got != "3.0.3" {
		t.Errorf("openapi = %v, want 3.0.3", got)
	}
	paths, _ := res.body["paths"].(map[string]any)
	for _, p := range []string{"/articles", "/articles/{documentId}", "/categories", "/categories/{documentId}"} {
		if _, ok := paths[p]; !ok {
			t.Errorf("paths lack %s: %v", p, paths)
		}
	}
	servers, _ := res.body["servers"].([]any)
	if len(servers) != 1 || servers[0].(map[string]any)["url"] != "/api" {
		t.Errorf("servers = %v", servers)
	}
	op, _ := paths["/articles/{documentId}"].(map[string]any)["get"].(map[string]any)
	if got := op["x-tokenadmin-action"]; got != "api::article.article.findOne" {
		t.Errorf("findOne x-tokenadmin-action = %v", got)
	}

	// A second request is answered from the same encoded document.
	again := app.api(http.MethodGet, "/api/openapi.json", "", "")
	if again.status != http.StatusOK || again.raw != res.raw {
		t.Errorf("second GET: %d, same body %v", again.status, again.raw == res.raw)
	}

	// A bad token does not matter either: the route takes none.
	if bad := app.api(http.MethodGet, "/api/openapi.json", "Bearer nope", ""); bad.status != http.StatusOK {
		t.Errorf("with a bad token: %d", bad.status)
	}

	// The content routes beside it still want a token.
	if got := app.api(http.MethodGet, "/api/articles", "", ""); got.status != http.StatusUnauthorized {
		t.Errorf("GET /api/articles without a token: %d, want 401", got.status)
	}
	// Other methods on the document's path are not content routes either.
	if got := app.api(http.MethodPost, "/api/openapi.json", "", "{}"); got.status == http.StatusOK || got.status == http.StatusCreated {
		t.Errorf("POST /api/openapi.json: %d", got.status)
	}
}
