package db_test

import (
	"testing"
	"time"

	"github.com/tokenadmin/tokenadmin/access"
	"github.com/tokenadmin/tokenadmin/account"
	"github.com/tokenadmin/tokenadmin/db"
	"github.com/tokenadmin/tokenadmin/db/dbtest"
)

func TestAdminSessions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := t.Context()
		a, err := d.CreateFirstAdmin(ctx, account.NewAdmin{Email: "a@example.com", Name: "A", Password: "x"}, "hash", dbtest.AdminChange())
		if err != nil {
			t.Fatal(err)
		}
		t0 := time.Now().UTC().Truncate(time.Microsecond)
		for i, id := range []string{"s1", "s2", "s3"} {
			at := t0.Add(time.Duration(i) * time.Minute)
			if err := d.CreateSession(ctx, access.Session{ID: id, AdminID: a.ID, CreatedAt: at, LastSeenAt: at, IP: "127.0.0.1", UserAgent: "ua"}); err != nil {
				t.Fatal(err)
			}
		}
		if ok, _ := d.SessionActive(ctx, "s1", a.ID); !ok {
			t.Error("s1 not active")
		}
		if ok, _ := d.SessionActive(ctx, "s1", a.ID+1); ok {
			t.Error("a session answers for another admin")
		}
		if err := d.TouchSession(ctx, "s1", t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		list, _ := d.AdminSessions(ctx, a.ID)
		if len(list) != 3 || list[0].ID != "s1" || !list[0].LastSeenAt.Equal(t0.Add(time.Hour)) {
			t.Fatalf("sessions: %+v", list)
		}
		if n, _ := d.RevokeSessions(ctx, a.ID, "s2", ""); n != 1 {
			t.Errorf("revoke one: %d", n)
		}
		if ok, _ := d.SessionActive(ctx, "s2", a.ID); ok {
			t.Error("revoked s2 still active")
		}
		if n, _ := d.RevokeSessions(ctx, a.ID, "", "s1"); n != 1 {
			t.Errorf("revoke others: %d, want 1 (s3)", n)
		}
		list, _ = d.AdminSessions(ctx, a.ID)
		if len(list) != 1 || list[0].ID != "s1" {
			t.Errorf("left: %+v", list)
		}
		if n, _ := d.RevokeSessions(ctx, a.ID, "", ""); n != 1 {
			t.Errorf("revoke all: %d", n)
		}
	})
}
