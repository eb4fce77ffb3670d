package main

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tokenadmin/tokenadmin/apitoken"
)

// TestLifecycleCommands: rotate with a grace prints the new key alone and
// keeps the old one; end-grace stops it; pause and resume keep the key;
// every command takes --json; bad input is a usage error.
func TestLifecycleCommands(t *testing.T) {
	t.Chdir(t.TempDir())
	url := sqliteURL(t)
	env := map[string]string{"DATABASE_URL": url, "TOKENADMIN_SECRET": testSecret}
	id, key := mintKey(t, env, "Rolling", "read-only")
	sid := strconv.FormatInt(id, 10)

	newKey := cli(t, env, "rotate", sid, "--grace", "24h")
	if !keyShape.MatchString(newKey) || newKey == key {
		t.Fatalf("rotate: got %q, want a new key alone", newKey)
	}
	old, err := storedToken(t, url, key)
	if err != nil || !old.ViaOldKey || !old.InGrace(time.Now()) {
		t.Fatalf("old key after rotate --grace 24h: %+v %v, want it in its grace", old, err)
	}
	if end := old.OldKey.GraceEndsAt; end.Before(time.Now().Add(23*time.Hour)) || end.After(time.Now().Add(25*time.Hour)) {
		t.Errorf("grace end: got %v, want about 24 h from now", end)
	}

	var j map[string]any
	if err := json.Unmarshal([]byte(fresh(&j, cli(t, env, "end-grace", sid, "--json"))), &j); err != nil || j["graceEndsAt"] != nil || j["id"] != float64(id) {
		t.Errorf("end-grace --json: got %v (%v), want the token without a grace", j, err)
	}
	if old, err := storedToken(t, url, key); err != nil || old.InGrace(time.Now()) {
		t.Errorf("old key after end-grace: %+v %v, want its grace over", old, err)
	}
	r := runCmd(t, env, "", "token", "end-grace", sid)
	if r.err == nil || !strings.Contains(r.err.Error(), "no old key") {
		t.Errorf("end-grace twice: %v", r.err)
	}

	if err := json.Unmarshal([]byte(fresh(&j, cli(t, env, "pause", sid, "--json"))), &j); err != nil || j["paused"] != true {
		t.Errorf("pause --json: got %v (%v)", j, err)
	}
	if tok, err := storedToken(t, url, newKey); err != nil || !tok.Paused {
		t.Errorf("paused: %+v %v", tok, err)
	}
	cli(t, env, "resume", sid)
	if tok, err := storedToken(t, url, newKey); err != nil || tok.Paused {
		t.Errorf("resumed with the same key: %+v %v", tok, err)
	}

	if err := json.Unmarshal([]byte(fresh(&j, cli(t, env, "rotate", "--grace", "0", sid, "--json"))), &j); err != nil || !keyShape.MatchString(j["accessKey"].(string)) || j["graceEndsAt"] != nil {
		t.Errorf("rotate --grace 0 --json: got %v (%v)", j, err)
	}
	if _, err := storedToken(t, url, newKey); !errors.Is(err, apitoken.ErrNotFound) {
		t.Errorf("key replaced with no grace: %v, want it gone", err)
	}
	if err := json.Unmarshal([]byte(fresh(&j, cli(t, env, "regenerate", sid, "--json"))), &j); err != nil || !keyShape.MatchString(j["accessKey"].(string)) {
		t.Errorf("regenerate --json: got %v (%v)", j, err)
	}
	if err := json.Unmarshal([]byte(fresh(&j, cli(t, env, "delete", sid, "--json"))), &j); err != nil || j["name"] != "Rolling" || j["accessKey"] != nil {
		t.Errorf("delete --json: got %v (%v)", j, err)
	}

	var ue usageError
	for _, args := range [][]string{
		{"token", "rotate", sid}, {"token", "rotate", sid, "--grace", "2h"}, {"token", "rotate", sid, "--grace", strings.Repeat("9", 5000)},
		{"token", "pause"}, {"token", "resume", "x"}, {"token", "end-grace", "1", "2"}, {"token", "pause", "1", "--grace", "1h"},
	} {
		if r := runCmd(t, env, "", args...); !errors.As(r.err, &ue) {
			t.Errorf("%.60v: err %v, want a usage error", args, r.err)
		}
	}
	if r := runCmd(t, env, "", "token", "pause", "99999"); r.err == nil || !strings.Contains(r.err.Error(), "no token") {
		t.Errorf("pause missing: %v", r.err)
	}
}

// TestLifecycleReachesOtherInstance: two running instances have cached a
// key; after a rotation with grace both keys work on both; ending the
// grace from outside either (the CLI) makes both refuse the old key
// ("Token expired") within the propagation bound, and pausing makes both
// refuse the new one until it is resumed.
func TestLifecycleReachesOtherInstance(t *testing.T) {
	t.Chdir(t.TempDir())
	dbURL, _, _ := instanceDatabase(t)
	env := instanceEnv(dbURL)
	a, _ := startInstance(t, env)
	b, _ := startInstance(t, env)
	c := newAPIClient(t)
	id, key := mintKey(t, env, "rolling", string(apitoken.ReadOnly))
	sid := strconv.FormatInt(id, 10)
	for _, base := range []string{a, b} {
		for range 2 {
			expectStatus(t, c, "GET", base+"/api/articles", key, "", http.StatusOK)
		}
	}
	newKey := cli(t, env, "rotate", sid, "--grace", "1h")
	for _, base := range []string{a, b} {
		expectStatus(t, c, "GET", base+"/api/articles", newKey, "", http.StatusOK)
		expectStatus(t, c, "GET", base+"/api/articles", key, "", http.StatusOK)
	}
	returned := time.Now()
	cli(t, env, "end-grace", sid)
	onB := untilStatus(t, c, returned, "GET", b+"/api/articles", key, "", http.StatusUnauthorized)
	onA := untilStatus(t, c, returned, "GET", a+"/api/articles", key, "", http.StatusUnauthorized)
	t.Logf("end-grace: instance B refused the old key %v after the CLI returned, instance A by %v", onB.Round(time.Microsecond), onA.Round(time.Microsecond))
	for _, base := range []string{a, b} {
		expectStatus(t, c, "GET", base+"/api/articles", newKey, "", http.StatusOK)
	}

	returned = time.Now()
	cli(t, env, "pause", sid)
	untilStatus(t, c, returned, "GET", b+"/api/articles", newKey, "", http.StatusUnauthorized)
	untilStatus(t, c, returned, "GET", a+"/api/articles", newKey, "", http.StatusUnauthorized)
	returned = time.Now()
	cli(t, env, "resume", sid)
	untilStatus(t, c, returned, "GET", b+"/api/articles", newKey, "", http.StatusOK)
	untilStatus(t, c, returned, "GET", a+"/api/articles", newKey, "", http.StatusOK)
}

// fresh empties *m so that one decoded answer's keys never linger into
// the next, and returns s.
func fresh(m *map[string]any, s string) string {
	*m = nil
	return s
}

// TestExpiryCommands: the lifetime policy refuses a longer duration with
// the flag named, and token list --expiring 7d lists only the tokens about
// to expire.
func TestExpiryCommands(t *testing.T) {
	t.Chdir(t.TempDir())
	url := sqliteURL(t)
	env := map[string]string{"DATABASE_URL": url, "TOKENADMIN_SECRET": testSecret}
	for _, c := range [][]string{{"weekly", "7d"}, {"monthly", "30d"}, {"forever", "unlimited"}} {
		if r := runCmd(t, env, "", "token", "create", "--name", c[0], "--type", "read-only", "--duration", c[1]); r.err != nil {
			t.Fatalf("create %s: %v %s", c[0], r.err, r.stderr)
		}
	}
	var list []map[string]any
	if err := json.Unmarshal([]byte(cli(t, env, "list", "--expiring", "7d", "--json")), &list); err != nil || len(list) != 1 || list[0]["name"] != "weekly" {
		t.Errorf("list --expiring 7d --json: got %v (%v), want weekly alone", list, err)
	}
	if out := cli(t, env, "list", "--expiring", "31d"); !strings.Contains(out, "monthly") || strings.Contains(out, "forever") {
		t.Errorf("list --expiring 31d: got\n%s", out)
	}
	var ue usageError
	for _, bad := range []string{"7", "x", "-1d", "0d"} {
		if r := runCmd(t, env, "", "token", "list", "--expiring", bad); !errors.As(r.err, &ue) {
			t.Errorf("--expiring %s: err %v, want a usage error", bad, r.err)
		}
	}

	env["TOKENADMIN_TOKEN_MAX_LIFETIME"] = "30d"
	r := runCmd(t, env, "", "token", "create", "--name", "too long", "--type", "read-only", "--duration", "90d")
	if r.err == nil || !strings.Contains(r.stderr, "--duration: Tokens may live at most 30 days") {
		t.Errorf("policy: err=%v stderr=%q", r.err, r.stderr)
	}
	if r.stdout != "" {
		t.Errorf("refused create printed %q", r.stdout)
	}
}
