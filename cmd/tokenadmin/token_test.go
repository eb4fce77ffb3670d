package main

import (
	"encoding/json"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/tokenadmin/tokenadmin/apitoken"
	"github.com/tokenadmin/tokenadmin/config"
	"github.com/tokenadmin/tokenadmin/db"
)

const testSecret = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

var keyShape = regexp.MustCompile(`^tka_[0-9A-Za-z]{49}$`)

// storedToken looks a key up the way the server does: keyed hash of the
// key with the deployment secret.
func storedToken(t *testing.T, url, key string) (apitoken.Token, error) {
	t.Helper()
	d, err := db.Open(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	secret, _ := config.ParseSecret(testSecret)
	h := apitoken.NewHasher(config.DeriveKey(secret, config.PurposeTokenHash))
	return d.TokenByHash(t.Context(), h.Hash(key))
}

func TestTokenCommands(t *testing.T) {
	t.Chdir(t.TempDir())
	url := sqliteURL(t)
	env := map[string]string{"DATABASE_URL": url, "TOKENADMIN_SECRET": testSecret}

	r := runCmd(t, env, "", "token", "create", "--name", "CI deploy", "--type", "custom", "--duration", "30d",
		"--permission", "api::article.article.find", "--permission", "api::article.article.create")
	if r.err != nil {
		t.Fatalf("create: %v\n%s", r.err, r.stderr)
	}
	key := strings.TrimSpace(r.stdout)
	if !keyShape.MatchString(key) || strings.Count(r.stdout, "\n") != 1 {
		t.Fatalf("stdout %q, want the key alone on one line", r.stdout)
	}
	tok, err := storedToken(t, url, key)
	if err != nil || tok.Name != "CI deploy" || len(tok.Permissions) != 2 || tok.ExpiresAt == nil {
		t.Fatalf("stored token: %+v %v", tok, err)
	}

	r = runCmd(t, env, "", "token", "create", "--name", "Reader", "--type", "read-only", "--duration", "unlimited", "--json")
	if r.err != nil {
		t.Fatal(r.err)
	}
	var created map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &created); err != nil {
		t.Fatalf("--json output: %v: %s", err, r.stdout)
	}
	if !keyShape.MatchString(created["accessKey"].(string)) || created["expiresAt"] != nil || created["type"] != "read-only" {
		t.Errorf("--json token: %v", created)
	}

	// Bad input: a message per flag, nothing written.
	r = runCmd(t, env, "", "token", "create", "--name", "ci DEPLOY", "--type", "read-only", "--duration", "7d")
	if r.err == nil || !strings.Contains(r.stderr, "--name: A token with this name already exists") {
		t.Errorf("duplicate: err=%v stderr=%q", r.err, r.stderr)
	}
	r = runCmd(t, env, "", "token", "create", "--name", "x", "--type", "custom", "--duration", "1y", "--permission", "api::nope.nope.find")
	if r.err == nil || !strings.Contains(r.stderr, "--duration:") || !strings.Contains(r.stderr, "--permission: Unknown permissions: api::nope.nope.find") {
		t.Errorf("bad input: err=%v stderr=%q", r.err, r.stderr)
	}
	if r.stdout != "" {
		t.Errorf("failed create printed %q", r.stdout)
	}

	r = runCmd(t, env, "", "token", "list", "--json")
	var list []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &list); err != nil || len(list) != 2 {
		t.Fatalf("list --json: %v %s", err, r.stdout)
	}
	for _, want := range []string{"id", "name", "description", "type", "permissions", "expiresAt", "lastUsedAt", "createdAt", "updatedAt"} {
		if _, ok := list[0][want]; !ok {
			t.Errorf("list item lacks %s", want)
		}
	}
	if strings.Contains(r.stdout, "accessKey") || strings.Contains(r.stdout, key[4:20]) {
		t.Error("list shows key material")
	}
	if perms, _ := list[1]["permissions"].([]any); perms == nil {
		t.Errorf("read-only token's permissions: %v, want []", list[1]["permissions"])
	}
	r = runCmd(t, env, "", "token", "list")
	if !strings.Contains(r.stdout, "CI deploy") || !strings.Contains(r.stdout, apitoken.Hint(key)) {
		t.Errorf("list table: %s", r.stdout)
	}

	id := int64(list[0]["id"].(float64))
	r = runCmd(t, env, "", "token", "regenerate", itoa(id))
	newKey := strings.TrimSpace(r.stdout)
	if r.err != nil || !keyShape.MatchString(newKey) || newKey == key {
		t.Fatalf("regenerate: %v %q", r.err, r.stdout)
	}
	if _, err := storedToken(t, url, key); !errors.Is(err, apitoken.ErrNotFound) {
		t.Errorf("old key after regenerate: %v", err)
	}
	if _, err := storedToken(t, url, newKey); err != nil {
		t.Errorf("new key: %v", err)
	}

	if r = runCmd(t, env, "", "token", "delete", itoa(id)); r.err != nil {
		t.Fatal(r.err)
	}
	if _, err := storedToken(t, url, newKey); !errors.Is(err, apitoken.ErrNotFound) {
		t.Errorf("deleted key: %v", err)
	}
	if r = runCmd(t, env, "", "token", "delete", itoa(id)); r.err == nil || !strings.Contains(r.err.Error(), "no token") {
		t.Errorf("second delete: %v", r.err)
	}

	var ue usageError
	for _, args := range [][]string{{"token"}, {"token", "frob"}, {"token", "delete"}, {"token", "delete", "abc"}, {"token", "create", "--nope"}} {
		if r := runCmd(t, env, "", args...); !errors.As(r.err, &ue) {
			t.Errorf("%v: err %v, want a usage error", args, r.err)
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
