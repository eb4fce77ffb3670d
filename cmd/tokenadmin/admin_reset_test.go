package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tokenadmin/tokenadmin/access"
	"github.com/tokenadmin/tokenadmin/audit"
	"github.com/tokenadmin/tokenadmin/db"
)

// TestAdminResetPassword: the operator's path for a forgotten password.
// It checks the policy before touching anything, names an unknown email,
// never echoes the password, signs every session of the admin out, and is
// audited as the command line.
func TestAdminResetPassword(t *testing.T) {
	t.Chdir(t.TempDir())
	url := sqliteURL(t)
	env := map[string]string{"DATABASE_URL": url}
	if r := runCmd(t, env, "correct horse battery\n", "admin", "create", "--email", "ada@example.com", "--name", "Ada", "--role", "editor", "--password-stdin"); r.err != nil {
		t.Fatalf("admin create: %v\n%s", r.err, r.stderr)
	}
	ctx := context.Background()
	d, err := db.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ada, _, err := d.AdminCredentials(ctx, "ada@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if err := d.CreateSession(ctx, access.Session{ID: "laptop", AdminID: ada.ID, CreatedAt: time.Now(), LastSeenAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	reset := func(stdin string, args ...string) result {
		t.Helper()
		return runCmd(t, env, stdin, append([]string{"admin", "reset-password"}, args...)...)
	}

	if r := reset("short\n", "--email", "ada@example.com", "--password-stdin"); r.err == nil || !strings.Contains(r.stderr, "at least 10 characters") {
		t.Errorf("short password: err %v, stderr %q", r.err, r.stderr)
	}
	if r := reset("a long enough secret\n", "--email", "nobody@example.com", "--password-stdin"); r.err == nil || !strings.Contains(r.err.Error(), "no admin with email nobody@example.com") {
		t.Errorf("unknown email: err %v", r.err)
	}
	if r := reset("a long enough secret\n", "--email", "ada@example.com"); r.err == nil {
		t.Error("without --password-stdin: no error")
	}
	checkCredentials(t, url, "ada@example.com", "correct horse battery")

	r := reset("a long enough secret\n", "--email", "ADA@example.com", "--password-stdin")
	if r.err != nil {
		t.Fatalf("reset: %v\n%s", r.err, r.stderr)
	}
	if !strings.Contains(r.stdout, "1 sessions signed out") || strings.Contains(r.stdout+r.stderr, "long enough") {
		t.Errorf("reset output: %q %q", r.stdout, r.stderr)
	}
	checkCredentials(t, url, "ada@example.com", "a long enough secret")
	if ok, _ := d.SessionActive(ctx, "laptop", ada.ID); ok {
		t.Error("the admin's session survived the reset")
	}
	events, _, err := d.AuditEvents(ctx, audit.Query{Action: audit.UserPasswordReset})
	if err != nil || len(events) != 1 {
		t.Fatalf("reset audited %d times (%v), want 1", len(events), err)
	}
	if ev := events[0]; !strings.HasPrefix(ev.ActorEmail, "cli:") || ev.TargetName != "ada@example.com" {
		t.Errorf("audit record: actor %q target %q", ev.ActorEmail, ev.TargetName)
	}
}
