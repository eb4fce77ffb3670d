package e2e

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tokenadmin/tokenadmin/apitoken"
	"github.com/tokenadmin/tokenadmin/audit"
	"github.com/tokenadmin/tokenadmin/browsertest"
	"github.com/tokenadmin/tokenadmin/content"
	"github.com/tokenadmin/tokenadmin/db/dbtest"
	"github.com/tokenadmin/tokenadmin/handlers"
)

// corsPage is a page of another origin that calls the content API with a
// bearer key, as a single-page app would: the Authorization header makes
// every call a preflighted one. It writes what it got into #out.
const corsScript = `
const api = document.body.dataset.api, key = document.body.dataset.key;
const headers = {'Authorization': 'Bearer ' + key, 'Content-Type': 'application/json'};
(async () => {
  const out = [];
  try {
    let r = await fetch(api + '/api/articles', {method: 'POST', headers, body: JSON.stringify({data: {title: 'From afar'}})});
    const created = await r.json();
    out.push('create ' + r.status + ' ' + created.data.title);
    r = await fetch(api + '/api/articles/' + created.data.documentId, {method: 'PUT', headers, body: JSON.stringify({data: {title: 'Changed'}})});
    out.push('update ' + r.status + ' ' + (await r.json()).data.title);
    r = await fetch(api + '/api/articles?pagination[pageSize]=1', {headers});
    const list = await r.json();
    out.push('find ' + r.status + ' ' + JSON.stringify(list.meta.pagination));
    r = await fetch(api + '/graphql', {method: 'POST', headers, body: JSON.stringify({query: '{ articles { title } }'})});
    out.push('graphql ' + r.status + ' ' + JSON.stringify((await r.json()).data));
    r = await fetch(api + '/api/articles', {headers: {'Authorization': 'Bearer wrong'}});
    out.push('bad key ' + r.status + ' ' + (await r.json()).error.name);
    r = await fetch(api + '/api/articles/' + created.data.documentId, {method: 'DELETE', headers});
    out.push('delete ' + r.status);
  } catch (e) {
    out.push('error ' + e);
  }
  try {
    await fetch(api + '/admin/login');
    out.push('admin readable');
  } catch (e) {
    out.push('admin blocked');
  }
  document.getElementById('out').textContent = out.join('\n');
})();
`

func TestCORSFromAnotherOriginInABrowser(t *testing.T) {
	store := dbtest.SQLite(t)
	registry := content.Default()
	if err := store.SyncContentTypes(context.Background(), registry.Types()); err != nil {
		t.Fatal(err)
	}
	hasher := apitoken.NewHasher([]byte("e2e-token-hash-key-e2e-token-key"))
	tokens := apitoken.NewService(store, hasher, registry.KnownAction, time.Now)
	api := httptest.NewServer(handlers.NewServer(handlers.Options{
		Store:          store,
		Tokens:         tokens,
		Registry:       registry,
		Verifier:       apitoken.NewVerifier(store, hasher, apitoken.NewUsageRecorder(store), time.Now),
		Entries:        store,
		Logger:         slog.New(slog.NewTextHandler(&logBuffer{}, nil)),
		SessionAuthKey: []byte("e2e-session-auth-key-0123456789a"),
		SessionEncKey:  []byte("e2e-session-enc-key-0123456789ab"),
	}))
	t.Cleanup(api.Close)
	_, key, errs, err := tokens.Create(context.Background(), audit.CLI("e2e"), apitoken.Input{
		Name: "spa", Type: string(apitoken.FullAccess), Duration: string(apitoken.Days30),
	})
	if err != nil || !errs.Valid() {
		t.Fatal(err, errs)
	}

	// The page's own origin: another port on 127.0.0.1.
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src data:; connect-src 'self' "+api.URL)
		switch r.URL.Path {
		case "/":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprintf(w, `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>SPA</title>`+
				`<link rel="icon" href="data:,"></head><body data-api="%s" data-key="%s"><pre id="out"></pre>`+
				`<script src="/app.js"></script></body></html>`, api.URL, key)
		case "/app.js":
			w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
			fmt.Fprint(w, corsScript)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(site.Close)

	ctx := browsertest.New(t)
	// The admin refusing the page is the browser's CORS error, expected.
	browsertest.AllowConsoleError(ctx, "CORS policy")
	browsertest.AllowConsoleError(ctx, "Failed to load resource")
	var out string
	browsertest.Run(t, ctx,
		chromedp.Navigate(site.URL),
		chromedp.Poll(`document.getElementById('out').textContent !== ''`, nil, chromedp.WithPollingInterval(25*time.Millisecond)),
		chromedp.Text("#out", &out, chromedp.ByID),
	)
	want := []string{
		"create 201 From afar",
		"update 200 Changed",
		`find 200 {"page":1,"pageSize":1,"pageCount":1,"total":1}`,
		`graphql 200 {"articles":[{"title":"Changed"}]}`,
		"bad key 401 UnauthorizedError",
		"delete 204",
		"admin blocked",
	}
	if got := strings.Split(strings.TrimSpace(out), "\n"); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("the page saw:\n%s\nwant:\n%s", out, strings.Join(want, "\n"))
	}
}
