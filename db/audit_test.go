package db_test

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/tokenadmin/tokenadmin/account"
	"github.com/tokenadmin/tokenadmin/audit"
	"github.com/tokenadmin/tokenadmin/db"
	"github.com/tokenadmin/tokenadmin/db/dbtest"
)

func TestAuditEvents(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := t.Context()
		a, err := d.CreateFirstAdmin(ctx, account.NewAdmin{Email: "ada@example.com", Name: "Ada", Password: "x"}, "hash", dbtest.AdminChange())
		if err != nil {
			t.Fatal(err)
		}
		t0 := time.Date(2026, 3, 1, 12, 0, 0, 123456000, time.UTC)
		first := audit.Event{
			At: t0, ActorID: &a.ID, ActorEmail: a.Email, Action: audit.TokenUpdate,
			TargetType: audit.TargetToken, TargetID: "7", TargetName: "Blog",
			Changes: []audit.Change{
				{Field: "name", Before: "Blog", After: "Blog 2"},
				{Field: "permissions", Before: []string{"a", "b"}, After: []string{}},
				{Field: "expiresAt", Before: nil, After: "never"},
			},
			IP: "192.0.2.1", UserAgent: "test-agent",
		}
		if err := d.RecordAudit(ctx, first); err != nil {
			t.Fatal(err)
		}
		// 60 more: sign-in failures from an unknown email, a minute apart.
		for i := 1; i <= 60; i++ {
			ev := audit.Event{At: t0.Add(time.Duration(i) * time.Minute), ActorEmail: fmt.Sprintf("Who%d@Example.com", i),
				Action: audit.SignInFailed, TargetType: audit.TargetAdmin, IP: "198.51.100.9"}
			if err := d.RecordAudit(ctx, ev); err != nil {
				t.Fatal(err)
			}
		}

		all, total, err := d.AuditEvents(ctx, audit.Query{})
		if err != nil {
			t.Fatal(err)
		}
		// 61 and the record of the admin's creation, the oldest.
		if total != 62 || len(all) != audit.PageSize {
			t.Fatalf("all: got %d of %d, want %d of 62", len(all), total, audit.PageSize)
		}
		if all[0].ActorEmail != "Who60@Example.com" || all[0].ActorID != nil {
			t.Errorf("newest first: got %+v", all[0])
		}
		page2, _, err := d.AuditEvents(ctx, audit.Query{Limit: 50, Offset: 50})
		if err != nil {
			t.Fatal(err)
		}
		if len(page2) != 12 || page2[10].Action != audit.TokenUpdate || page2[11].Action != dbtest.Action {
			t.Fatalf("page 2: got %d events, last %+v", len(page2), page2[len(page2)-1])
		}

		got := page2[10]
		if got.ID == 0 || !got.At.Equal(t0) || got.ActorID == nil || *got.ActorID != a.ID || got.ActorEmail != a.Email ||
			got.TargetType != "token" || got.TargetID != "7" || got.TargetName != "Blog" || got.IP != "192.0.2.1" || got.UserAgent != "test-agent" {
			t.Errorf("round trip: got %+v", got)
		}
		// JSON brings slices back as []any.
		wantChanges := []audit.Change{
			{Field: "name", Before: "Blog", After: "Blog 2"},
			{Field: "permissions", Before: []any{"a", "b"}, After: []any{}},
			{Field: "expiresAt", Before: nil, After: "never"},
		}
		if !reflect.DeepEqual(got.Changes, wantChanges) {
			t.Errorf("changes: got %#v, want %#v", got.Changes, wantChanges)
		}

		count := func(q audit.Query) int {
			t.Helper()
			_, n, err := d.AuditEvents(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		from, to := t0.Add(10*time.Minute), t0.Add(20*time.Minute)
		for name, c := range map[string]struct {
			q    audit.Query
			want int
		}{
			"actor substring, any case": {audit.Query{Actor: "who1"}, 11}, // 1, 10-19
			"actor exact":               {audit.Query{Actor: "ada@example.com"}, 1},
			"actor LIKE wildcard":       {audit.Query{Actor: "%"}, 0},
			"action":                    {audit.Query{Action: audit.SignInFailed}, 60},
			"action exact only":         {audit.Query{Action: "token"}, 0},
			"token":                     {audit.Query{TokenID: "7"}, 1},
			"other token":               {audit.Query{TokenID: "8"}, 0},
			"from inclusive":            {audit.Query{From: &from}, 51},
			"to exclusive":              {audit.Query{To: &to}, 21}, // with the admin's creation
			"from and to":               {audit.Query{From: &from, To: &to}, 10},
			"combined":                  {audit.Query{Actor: "who", Action: audit.SignInFailed, From: &from, To: &to}, 10},
		} {
			if got := count(c.q); got != c.want {
				t.Errorf("%s: got %d, want %d", name, got, c.want)
			}
		}
	})
}

func TestAuditEventsAppendOnly(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := t.Context()
		a, err := d.CreateFirstAdmin(ctx, account.NewAdmin{Email: "ada@example.com", Name: "Ada", Password: "x"}, "hash", dbtest.AdminChange())
		if err != nil {
			t.Fatal(err)
		}
		if err := d.RecordAudit(ctx, audit.Event{At: time.Now(), ActorID: &a.ID, ActorEmail: a.Email, Action: audit.SignIn}); err != nil {
			t.Fatal(err)
		}
		for _, stmt := range []string{
			`UPDATE audit_events SET action = 'x'`,
			`UPDATE audit_events SET changes = '[]'`,
			`UPDATE audit_events SET actor_email = 'someone@else'`,
			`UPDATE audit_events SET actor_id = ` + strconv.FormatInt(a.ID, 10),
			`UPDATE audit_events SET actor_id = NULL, ip = '1.2.3.4'`,
			`DELETE FROM audit_events`,
		} {
			if _, err := d.ExecContext(ctx, stmt); err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Errorf("%s: got %v, want the trigger's append-only refusal", stmt, err)
			}
		}
		if d.Dialect == db.Postgres {
			if _, err := d.ExecContext(ctx, `TRUNCATE audit_events`); err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Errorf("TRUNCATE: got %v, want the trigger's append-only refusal", err)
			}
		}
		evs, n, err := d.AuditEvents(ctx, audit.Query{})
		if err != nil || n != 2 || evs[0].Action != audit.SignIn || evs[0].ActorEmail != a.Email {
			t.Fatalf("after refused changes: %v, %d, %+v", err, n, evs)
		}

		// Deleting the actor is the one change allowed: the foreign key
		// forgets the id; the email stays.
		if _, err := d.ExecContext(ctx, `DELETE FROM admin_sessions`); err != nil {
			t.Fatal(err)
		}
		if _, err := d.ExecContext(ctx, d.Rebind(`DELETE FROM admin_users WHERE id = ?`), a.ID); err != nil {
			t.Fatalf("delete the actor: %v", err)
		}
		evs, _, err = d.AuditEvents(ctx, audit.Query{})
		if err != nil || len(evs) != 2 || evs[0].ActorID != nil || evs[0].ActorEmail != a.Email {
			t.Fatalf("after deleting the actor: %v, %+v", err, evs)
		}
	})
}

// TestAuditEventsAreBounded: whatever a caller passes, the store keeps
// each text of an event to its bound, valid UTF-8 and free of NUL
// (PostgreSQL refuses anything else, which would fail the change the event
// goes with).
func TestAuditEventsAreBounded(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		huge := strings.Repeat("a", 400<<10)
		odd := strings.Repeat("é", audit.MaxName) + "\xff\x00"
		ev := audit.Event{Action: audit.SignInFailed, ActorEmail: huge + "@example.com", TargetType: audit.TargetAdmin,
			TargetID: odd, TargetName: huge, IP: huge, UserAgent: "bad \xff\x00" + huge,
			Changes: []audit.Change{{Field: "description", Before: huge, After: odd}, {Field: "n", Before: 1, After: 2}}}
		if err := d.RecordAudit(t.Context(), ev); err != nil {
			t.Fatal(err)
		}
		evs, _, err := d.AuditEvents(t.Context(), audit.Query{Limit: 1})
		if err != nil || len(evs) != 1 {
			t.Fatalf("%v %d events", err, len(evs))
		}
		got := evs[0]
		for _, f := range []struct {
			name, v string
			max     int
		}{
			{"actor email", got.ActorEmail, audit.MaxName},
			{"target id", got.TargetID, audit.MaxName},
			{"target name", got.TargetName, audit.MaxName},
			{"ip", got.IP, audit.MaxIP},
			{"user agent", got.UserAgent, audit.MaxUserAgent},
			{"change before", fmt.Sprint(got.Changes[0].Before), audit.MaxValue},
			{"change after", fmt.Sprint(got.Changes[0].After), audit.MaxValue},
		} {
			if len(f.v) > f.max || len(f.v) == 0 || !utf8.ValidString(f.v) || strings.ContainsRune(f.v, 0) {
				t.Errorf("%s: %d bytes (max %d), valid UTF-8 %v", f.name, len(f.v), f.max, utf8.ValidString(f.v))
			}
		}
		// Cut on a character boundary: the accented run is whole.
		if !strings.HasPrefix(got.TargetID, "éé") || strings.ContainsRune(got.TargetID, utf8.RuneError) {
			t.Errorf("target id cut mid-character: %q…", got.TargetID[:8])
		}
		if got.Changes[1].After != float64(2) && got.Changes[1].After != 2 {
			t.Errorf("a number in a change was touched: %#v", got.Changes[1].After)
		}
	})
}
