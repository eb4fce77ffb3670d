package main

import (
	"context"
	"os/user"
	"strconv"
	"strings"
	"testing"

	"github.com/tokenadmin/tokenadmin/audit"
	"github.com/tokenadmin/tokenadmin/db"
)

// TestCLIChangesAreAudited: what the command line changes is in the audit
// log like what the admin pages change, made by "cli" and the user
// running it, on both databases.
func TestCLIChangesAreAudited(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			t.Chdir(t.TempDir())
			dbURL := sqliteURL(t)
			if dialect == "postgres" {
				dbURL = postgresDatabase(t)
			}
			env := map[string]string{"DATABASE_URL": dbURL, "TOKENADMIN_SECRET": testSecret}
			if r := runCmd(t, env, "", "migrate"); r.err != nil {
				t.Fatalf("migrate: %v\n%s", r.err, r.stderr)
			}
			r := runCmd(t, env, "correct horse battery\n", "admin", "create", "--email", "ops@example.com", "--name", "Ops", "--role", "editor", "--password-stdin")
			if r.err != nil {
				t.Fatalf("admin create: %v\n%s", r.err, r.stderr)
			}
			r = runCmd(t, env, "", "token", "create", "--name", "Deploy", "--type", "full-access", "--duration", "7d")
			if r.err != nil {
				t.Fatalf("token create: %v\n%s", r.err, r.stderr)
			}
			key := strings.TrimSpace(r.stdout)
			tok, err := storedToken(t, dbURL, key)
			if err != nil {
				t.Fatal(err)
			}
			id := strconv.FormatInt(tok.ID, 10)
			r = runCmd(t, env, "", "token", "regenerate", id)
			if r.err != nil {
				t.Fatalf("token regenerate: %v\n%s", r.err, r.stderr)
			}
			newKey := strings.TrimSpace(r.stdout)
			if r := runCmd(t, env, "", "token", "delete", id); r.err != nil {
				t.Fatalf("token delete: %v\n%s", r.err, r.stderr)
			}

			u, err := user.Current()
			if err != nil {
				t.Fatal(err)
			}
			wantActor := "cli:" + u.Username
			d, err := db.Open(context.Background(), dbURL)
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			events, _, err := d.AuditEvents(t.Context(), audit.Query{Limit: 50})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, ev := range events {
				got = append(got, ev.Action+" "+ev.TargetName)
				if ev.ActorEmail != wantActor || ev.ActorID != nil {
					t.Errorf("%s by %q (id %v), want %q", ev.Action, ev.ActorEmail, ev.ActorID, wantActor)
				}
				for _, c := range ev.Changes {
					for _, v := range []any{c.Before, c.After} {
						if s, _ := v.(string); strings.Contains(s, key) || strings.Contains(s, newKey) || strings.Contains(s, "tka_") {
							t.Errorf("%s records key material in %s", ev.Action, c.Field)
						}
					}
				}
			}
			want := []string{"token.delete Deploy", "token.regenerate Deploy", "token.create Deploy", "user.create ops@example.com"}
			if strings.Join(got, "|") != strings.Join(want, "|") {
				t.Errorf("audit log, newest first: %q, want %q", got, want)
			}
		})
	}
}
