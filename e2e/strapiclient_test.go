package e2e

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/tokenadmin/tokenadmin/apitoken"
	"github.com/tokenadmin/tokenadmin/audit"
	"github.com/tokenadmin/tokenadmin/content"
	"github.com/tokenadmin/tokenadmin/db/dbtest"
	"github.com/tokenadmin/tokenadmin/handlers"
)

// TestStrapiClient runs e2e/strapiclient/check.mjs, which drives Strapi's
// own @strapi/client against a running tokenadmin. It needs node and
// node_modules/@strapi/client (npm ci); without them it skips, unless
// TOKENADMIN_REQUIRE_NODE is set, as .ci/run does.
func TestStrapiClient(t *testing.T) {
	node, err := exec.LookPath("node")
	_, modErr := os.Stat(filepath.Join("..", "node_modules", "@strapi", "client", "package.json"))
	if err != nil || modErr != nil {
		msg := "node or node_modules/@strapi/client missing (run npm ci)"
		if os.Getenv("TOKENADMIN_REQUIRE_NODE") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	store := dbtest.SQLite(t)
	registry := content.Default()
	if err := store.SyncContentTypes(context.Background(), registry.Types()); err != nil {
		t.Fatal(err)
	}
	hasher := apitoken.NewHasher([]byte("e2e-token-hash-key-e2e-token-key"))
	tokens := apitoken.NewService(store, hasher, registry.KnownAction, time.Now)
	logs := &logBuffer{}
	srv := httptest.NewServer(handlers.NewServer(handlers.Options{
		Store:          store,
		Tokens:         tokens,
		Registry:       registry,
		Verifier:       apitoken.NewVerifier(store, hasher, apitoken.NewUsageRecorder(store), time.Now),
		Entries:        store,
		Logger:         slog.New(slog.NewTextHandler(logs, nil)),
		SessionAuthKey: []byte("e2e-session-auth-key-0123456789a"),
		SessionEncKey:  []byte("e2e-session-enc-key-0123456789ab"),
	}))
	t.Cleanup(srv.Close)
	mint := func(name string, typ apitoken.Type) string {
		_, key, errs, err := tokens.Create(context.Background(), audit.CLI("e2e"), apitoken.Input{
			Name: name, Type: string(typ), Duration: string(apitoken.Days30),
		})
		if err != nil || !errs.Valid() {
			t.Fatal(err, errs)
		}
		return key
	}
	full, readOnly := mint("client", apitoken.FullAccess), mint("reader", apitoken.ReadOnly)

	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join("strapiclient", "check.mjs"), srv.URL, full, readOnly)
	out, err := cmd.CombinedOutput()
	t.Logf("node check.mjs:\n%s", out)
	if err != nil {
		t.Errorf("@strapi/client against tokenadmin: %v\nserver log:\n%s", err, logs.String())
	}
}
