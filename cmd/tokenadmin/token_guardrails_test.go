package main

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
)

func TestTokenGuardrailFlags(t *testing.T) {
	t.Chdir(t.TempDir())
	url := sqliteURL(t)
	env := map[string]string{"DATABASE_URL": url, "TOKENADMIN_SECRET": testSecret}

	r := runCmd(t, env, "", "token", "create", "--name", "office", "--type", "read-only", "--duration", "30d",
		"--allow-ip", "203.0.113.0/24", "--allow-ip", "2001:db8::1", "--rate", "10/s", "--quota", "1000", "--refill", "daily")
	if r.err != nil {
		t.Fatalf("create: %v\n%s", r.err, r.stderr)
	}
	key := strings.TrimSpace(r.stdout)
	tok, err := storedToken(t, url, key)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(tok.AllowedIPs.Strings(), " "); got != "203.0.113.0/24 2001:db8::1/128" {
		t.Errorf("allow-list: %q", got)
	}
	if tok.RateLimit == nil || tok.RateLimit.String() != "10/s" || tok.Quota == nil || tok.Quota.Limit != 1000 || tok.Quota.Refill != "daily" {
		t.Errorf("guardrails: %+v", tok.Guardrails)
	}
	id := strconv.FormatInt(tok.ID, 10)

	// Bad values: the flag is named, nothing is created.
	r = runCmd(t, env, "", "token", "create", "--name", "bad", "--type", "read-only", "--duration", "7d",
		"--allow-ip", "10.0.0.300", "--rate", "fast")
	if r.err == nil || !strings.Contains(r.stderr, "--allow-ip: ") || !strings.Contains(r.stderr, "10.0.0.300") || !strings.Contains(r.stderr, "--rate: ") {
		t.Errorf("bad create: %v\n%s", r.err, r.stderr)
	}

	// update changes only what is given.
	r = runCmd(t, env, "", "token", "update", id, "--rate", "5/m", "--json")
	if r.err != nil {
		t.Fatalf("update: %v\n%s", r.err, r.stderr)
	}
	var j map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &j); err != nil {
		t.Fatalf("update --json: %v: %s", err, r.stdout)
	}
	if j["rateLimit"] != "5/m" || j["name"] != "office" || len(j["allowedIps"].([]any)) != 2 || j["quota"].(map[string]any)["limit"] != 1000.0 {
		t.Errorf("after --rate 5/m: %v", j)
	}
	if strings.Contains(r.stdout, key) {
		t.Error("update --json printed the key")
	}
	r = runCmd(t, env, "", "token", "update", "--allow-ip", "198.51.100.0/24", "--name", "office 2", id)
	if r.err != nil {
		t.Fatalf("update: %v\n%s", r.err, r.stderr)
	}
	tok, _ = storedToken(t, url, key)
	if tok.Name != "office 2" || len(tok.AllowedIPs) != 1 || tok.AllowedIPs[0].String() != "198.51.100.0/24" || tok.RateLimit.String() != "5/m" {
		t.Errorf("after update: %+v", tok)
	}
	r = runCmd(t, env, "", "token", "update", id, "--allow-ip", "", "--rate", "", "--quota", "")
	if r.err != nil {
		t.Fatalf("clear: %v\n%s", r.err, r.stderr)
	}
	tok, _ = storedToken(t, url, key)
	if len(tok.AllowedIPs) != 0 || tok.RateLimit != nil || tok.Quota != nil {
		t.Errorf("after clearing: %+v", tok.Guardrails)
	}
	r = runCmd(t, env, "", "token", "update", id, "--quota", "-1")
	if r.err == nil || !strings.Contains(r.stderr, "--quota: ") {
		t.Errorf("bad quota: %v %s", r.err, r.stderr)
	}
	r = runCmd(t, env, "", "token", "update", "999", "--rate", "1/s")
	if r.err == nil || !strings.Contains(r.err.Error(), "no token with ID 999") {
		t.Errorf("unknown id: %v", r.err)
	}
	r = runCmd(t, env, "", "token", "update", "--rate", "1/s")
	var ue usageError
	if !errors.As(r.err, &ue) {
		t.Errorf("no id: %v, want a usage error", r.err)
	}
	r = runCmd(t, env, "", "token", "update", id, "--bogus")
	if !errors.As(r.err, &ue) {
		t.Errorf("unknown flag: %v, want a usage error", r.err)
	}
	// The list shows them as JSON.
	runCmd(t, env, "", "token", "update", id, "--quota", "50", "--refill", "monthly")
	r = runCmd(t, env, "", "token", "list", "--json")
	if !strings.Contains(r.stdout, `"quota": {`) || !strings.Contains(r.stdout, `"refill": "monthly"`) {
		t.Errorf("list --json: %s", r.stdout)
	}
	// --refill never, as the usage says, stops the refills.
	if r := runCmd(t, env, "", "token", "update", id, "--refill", "never"); r.err != nil {
		t.Fatalf("--refill never: %v %s", r.err, r.stderr)
	}
	r = runCmd(t, env, "", "token", "list", "--json")
	if !strings.Contains(r.stdout, `"quota": {`) || strings.Contains(r.stdout, `"refill": "monthly"`) {
		t.Errorf("list --json after --refill never: %s", r.stdout)
	}
}
