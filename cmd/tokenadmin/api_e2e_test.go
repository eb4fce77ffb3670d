package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// startServer runs `tokenadmin serve` in-process on a free port and
// returns its base URL and a stop function that waits for a clean exit.
func startServer(t *testing.T, env map[string]string) (string, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stderr := &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve"}, getenv(env), strings.NewReader(""), io.Discard, stderr) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if m := listeningRE.FindStringSubmatch(stderr.String()); m != nil {
			stopped := false
			stop := func() {
				if stopped {
					return
				}
				stopped = true
				cancel()
				select {
				case err := <-done:
					if err != nil {
						t.Errorf("serve: %v", err)
					}
				case <-time.After(20 * time.Second):
					t.Error("serve did not stop")
				}
			}
			t.Cleanup(stop)
			return "http://" + m[1], stop
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("server did not start:\n%s", stderr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func call(t *testing.T, method, url, key, body string) (int, map[string]any) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, url, r)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	b, _ := io.ReadAll(res.Body)
	if len(b) > 0 {
		_ = json.Unmarshal(b, &out)
	}
	return res.StatusCode, out
}

// TestContentAPIEndToEnd drives a running server over HTTP with keys
// minted by the CLI, as an operator's script would.
func TestContentAPIEndToEnd(t *testing.T) {
	t.Chdir(t.TempDir())
	env := map[string]string{"TOKENADMIN_ADDR": "127.0.0.1:0", "DATABASE_URL": sqliteURL(t), "TOKENADMIN_SECRET": testSecret}

	mint := func(args ...string) string {
		r := runCmd(t, env, "", append([]string{"token", "create"}, args...)...)
		if r.err != nil {
			t.Fatalf("token create %v: %v %s", args, r.err, r.stderr)
		}
		return strings.TrimSpace(r.stdout)
	}
	full := mint("--name", "writer", "--type", "full-access", "--duration", "unlimited")
	reader := mint("--name", "reader", "--type", "read-only", "--duration", "7d")
	finder := mint("--name", "finder", "--type", "custom", "--duration", "30d", "--permission", "api::article.article.find")

	base, stop := startServer(t, env)
	status, body := call(t, "POST", base+"/api/articles", full, `{"data":{"title":"From a script","slug":"from-a-script"}}`)
	if status != http.StatusCreated {
		t.Fatalf("create: %d %v", status, body)
	}
	doc := body["data"].(map[string]any)["documentId"].(string)

	checks := []struct {
		method, path, key, body string
		want                    int
	}{
		{"GET", "/api/articles/" + doc, reader, "", 200},
		{"GET", "/api/articles", finder, "", 200},
		{"GET", "/api/articles/" + doc, finder, "", 403},
		{"PUT", "/api/articles/" + doc, reader, `{"data":{"title":"x"}}`, 403},
		{"PUT", "/api/articles/" + doc, full, `{"data":{"title":"Edited"}}`, 200},
		{"GET", "/api/articles", "", "", 401},
		{"GET", "/api/articles", "tka_" + strings.Repeat("0", 49), "", 401},
	}
	for _, c := range checks {
		if got, b := call(t, c.method, base+c.path, c.key, c.body); got != c.want {
			t.Errorf("%s %s: %d %v, want %d", c.method, c.path, got, b, c.want)
		}
	}

	// Regenerating with the CLI while the server runs: the old key stops.
	list := runCmd(t, env, "", "token", "list", "--json")
	var tokens []map[string]any
	if err := json.Unmarshal([]byte(list.stdout), &tokens); err != nil {
		t.Fatal(err)
	}
	var readerID string
	for _, tok := range tokens {
		if tok["name"] == "reader" {
			readerID = jsonID(tok["id"])
		}
	}
	newReader := strings.TrimSpace(runCmd(t, env, "", "token", "regenerate", readerID).stdout)
	// The server cached the old key; the CLI is another process, so the
	// server hears of it through the revocation record within a second.
	start := time.Now()
	for {
		got, _ := call(t, "GET", base+"/api/articles", reader, "")
		if got == 401 {
			break
		}
		if time.Since(start) > time.Second {
			t.Fatalf("old key still %d a second after CLI regenerate", got)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got, _ := call(t, "GET", base+"/api/articles", newReader, ""); got != 200 {
		t.Errorf("new key: %d", got)
	}

	// Last use reaches the database at shutdown at the latest.
	stop()
	list = runCmd(t, env, "", "token", "list", "--json")
	_ = json.Unmarshal([]byte(list.stdout), &tokens)
	for _, tok := range tokens {
		if tok["lastUsedAt"] == nil {
			t.Errorf("token %v has no last use after shutdown", tok["name"])
		}
	}
}

func jsonID(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
