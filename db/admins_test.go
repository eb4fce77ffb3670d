package db_test

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tokenadmin/tokenadmin/access"
	"github.com/tokenadmin/tokenadmin/account"
	"github.com/tokenadmin/tokenadmin/audit"
	"github.com/tokenadmin/tokenadmin/db"
	"github.com/tokenadmin/tokenadmin/db/dbtest"
)

func newAdmin(email string) account.NewAdmin {
	return account.NewAdmin{Email: email, Name: "Name of " + email, Password: "not stored by db"}
}

// role returns the seeded role with the given slug.
func role(t *testing.T, d *db.DB, slug string) access.Role {
	t.Helper()
	r, err := d.RoleBySlug(t.Context(), slug)
	if err != nil {
		t.Fatalf("RoleBySlug(%q): %v", slug, err)
	}
	return r
}

func firstAdmin(t *testing.T, d *db.DB) access.Admin {
	t.Helper()
	a, err := d.CreateFirstAdmin(t.Context(), newAdmin("first@example.com"), "hash-first", dbtest.AdminChange())
	if err != nil {
		t.Fatalf("CreateFirstAdmin: %v", err)
	}
	return a
}

func assertAbout(t *testing.T, what string, got, want time.Time) {
	t.Helper()
	if got.Location() != time.UTC {
		t.Errorf("%s: got location %v, want UTC", what, got.Location())
	}
	if d := got.Sub(want); d < -time.Minute || d > time.Minute {
		t.Errorf("%s: got %v, want about %v", what, got, want)
	}
}

func TestCreateFirstAdmin(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := t.Context()
		if n, err := d.CountAdmins(ctx); err != nil || n != 0 {
			t.Fatalf("CountAdmins: got %d, %v, want 0, nil", n, err)
		}
		a := firstAdmin(t, d)
		if a.ID == 0 || a.Email != "first@example.com" || a.Name != "Name of first@example.com" || !a.Active {
			t.Errorf("got admin %+v, want the submitted, active admin", a)
		}
		if a.Role.Slug != access.SuperAdmin || a.Role.AdminCount != 1 {
			t.Errorf("got role %+v, want super-admin held by 1", a.Role)
		}
		if !access.Can(a, access.UsersCreate) {
			t.Errorf("got Can(first admin, %s) false, want true", access.UsersCreate)
		}
		if a.LastLoginAt != nil {
			t.Errorf("got LastLoginAt %v, want nil", a.LastLoginAt)
		}
		assertAbout(t, "CreatedAt", a.CreatedAt, time.Now())
		assertAbout(t, "UpdatedAt", a.UpdatedAt, time.Now())

		_, err := d.CreateFirstAdmin(ctx, newAdmin("second@example.com"), "hash", dbtest.AdminChange())
		if !errors.Is(err, access.ErrRegistrationClosed) {
			t.Errorf("second CreateFirstAdmin: got %v, want ErrRegistrationClosed", err)
		}
		if n, err := d.CountAdmins(ctx); err != nil || n != 1 {
			t.Errorf("CountAdmins: got %d, %v, want 1, nil", n, err)
		}
	})
}

// warmPool opens n connections up front so that racing goroutines start
// their transactions together instead of queueing on connection setup,
// which would serialise them and hide a missing lock.
func warmPool(t *testing.T, d *db.DB, n int) {
	t.Helper()
	// More than the pool allows would wait forever.
	conns := make([]*sql.Conn, min(n, d.Stats().MaxOpenConnections))
	for i := range conns {
		c, err := d.Conn(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		conns[i] = c
	}
	for _, c := range conns {
		c.Close()
	}
}

func TestCreateFirstAdminRace(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		const n, rounds = 8, 5
		warmPool(t, d, n)
		for round := range rounds {
			if _, err := d.ExecContext(t.Context(), "DELETE FROM admin_users"); err != nil {
				t.Fatal(err)
			}
			start := make(chan struct{})
			errs := make([]error, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() {
					<-start
					email := fmt.Sprintf("racer%d-%d@example.com", round, i)
					_, errs[i] = d.CreateFirstAdmin(t.Context(), newAdmin(email), "hash", dbtest.AdminChange())
				})
			}
			close(start)
			wg.Wait()

			ok := 0
			for i, err := range errs {
				switch {
				case err == nil:
					ok++
				case !errors.Is(err, access.ErrRegistrationClosed):
					t.Errorf("round %d, racer %d: got %v, want nil or ErrRegistrationClosed", round, i, err)
				}
			}
			if ok != 1 {
				t.Errorf("round %d: got %d successful CreateFirstAdmin calls, want 1", round, ok)
			}
			if count, err := d.CountAdmins(t.Context()); err != nil || count != 1 {
				t.Errorf("round %d: CountAdmins: got %d, %v, want 1, nil", round, count, err)
			}
		}
	})
}

func TestCreateAdmin(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := t.Context()
		editor := role(t, d, access.Editor)
		a, err := d.CreateAdmin(ctx, newAdmin("ed@example.com"), "hash-ed", editor.ID, dbtest.AdminChange())
		if err != nil {
			t.Fatal(err)
		}
		if a.Role.ID != editor.ID || !a.Active {
			t.Errorf("got %+v, want an active editor", a)
		}
		if !a.Role.Has(access.TokensRead) || a.Role.Has(access.TokensCreate) {
			t.Errorf("got permissions %v, want exactly the editor's %v", a.Role.Permissions, editor.Permissions)
		}

		_, err = d.CreateAdmin(ctx, newAdmin("ed@example.com"), "other", editor.ID, dbtest.AdminChange())
		if !errors.Is(err, access.ErrEmailTaken) {
			t.Errorf("duplicate email: got %v, want ErrConflict", err)
		}
		if err != nil && !strings.HasPrefix(err.Error(), "db: create admin: ") {
			t.Errorf("got error %q, want prefix %q", err, "db: create admin: ")
		}

		_, err = d.CreateAdmin(ctx, newAdmin("ghost@example.com"), "hash", 987654, dbtest.AdminChange())
		if !errors.Is(err, access.ErrRoleNotFound) {
			t.Errorf("missing role: got %v, want ErrNotFound", err)
		}
		if n, err := d.CountAdmins(ctx); err != nil || n != 1 {
			t.Errorf("CountAdmins: got %d, %v, want 1, nil", n, err)
		}
	})
}

func TestAdminLookups(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := t.Context()
		first := firstAdmin(t, d)
		author := role(t, d, access.Author)
		b, err := d.CreateAdmin(ctx, newAdmin("b@example.com"), "hash-b", author.ID, dbtest.AdminChange())
		if err != nil {
			t.Fatal(err)
		}

		got, err := d.AdminByID(ctx, b.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Email != "b@example.com" || got.Role.Slug != access.Author {
			t.Errorf("AdminByID: got %+v, want b@example.com, author", got)
		}
		if _, err := d.AdminByID(ctx, 987654); !errors.Is(err, access.ErrAdminNotFound) {
			t.Errorf("AdminByID(missing): got %v, want ErrNotFound", err)
		}

		a, hash, err := d.AdminCredentials(ctx, "first@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if a.ID != first.ID || hash != "hash-first" {
			t.Errorf("AdminCredentials: got id %d, hash %q, want %d, %q", a.ID, hash, first.ID, "hash-first")
		}
		if a.Role.Slug != access.SuperAdmin {
			t.Errorf("AdminCredentials: got role %q, want %q", a.Role.Slug, access.SuperAdmin)
		}
		if _, _, err := d.AdminCredentials(ctx, "FIRST@example.com"); !errors.Is(err, access.ErrAdminNotFound) {
			t.Errorf("AdminCredentials(other case): got %v, want ErrNotFound (callers normalise)", err)
		}

		all, err := d.Admins(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var emails []string
		for _, a := range all {
			emails = append(emails, a.Email)
		}
		if got, want := strings.Join(emails, ","), "b@example.com,first@example.com"; got != want {
			t.Errorf("Admins: got %s, want %s", got, want)
		}
		if len(all) == 2 && (all[0].Role.Slug != access.Author || all[1].Role.Slug != access.SuperAdmin) {
			t.Errorf("Admins: got roles %q, %q, want author, super-admin", all[0].Role.Slug, all[1].Role.Slug)
		}
	})
}

func TestSetAdminPasswordAndTouchLogin(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := t.Context()
		a := firstAdmin(t, d)
		for _, id := range []string{"s-one", "s-kept", "s-three"} {
			if err := d.CreateSession(ctx, access.Session{ID: id, AdminID: a.ID, CreatedAt: time.Now(), LastSeenAt: time.Now()}); err != nil {
				t.Fatal(err)
			}
		}
		records := func() int {
			t.Helper()
			_, n, err := d.AuditEvents(ctx, audit.Query{Action: dbtest.Action, Limit: 1})
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		before := records()
		// A refusal inside the transaction writes nothing.
		refuse := dbtest.AdminChange()
		refuse.Check = func(*access.Admin, access.Role) error { return access.ErrDenied }
		if _, _, err := d.SetAdminPassword(ctx, a.ID, "hash-refused", "s-kept", refuse); !errors.Is(err, access.ErrDenied) {
			t.Fatalf("refused change: got %v", err)
		}
		if _, hash, _ := d.AdminCredentials(ctx, a.Email); hash == "hash-refused" {
			t.Error("a refused password change was written")
		}
		if ok, _ := d.SessionActive(ctx, "s-one", a.ID); !ok {
			t.Error("a refused password change signed a session out")
		}

		_, ended, err := d.SetAdminPassword(ctx, a.ID, "hash-new", "s-kept", dbtest.AdminChange())
		if err != nil {
			t.Fatal(err)
		}
		if _, hash, _ := d.AdminCredentials(ctx, a.Email); hash != "hash-new" {
			t.Errorf("got hash %q, want %q", hash, "hash-new")
		}
		if ended != 2 {
			t.Errorf("signed out %d sessions, want the 2 not kept", ended)
		}
		for id, want := range map[string]bool{"s-one": false, "s-kept": true, "s-three": false} {
			if ok, err := d.SessionActive(ctx, id, a.ID); err != nil || ok != want {
				t.Errorf("session %s active %v (%v), want %v", id, ok, err, want)
			}
		}
		if n := records() - before; n != 1 {
			t.Errorf("want the change's one audit record (and none of the refusal), got %d", n)
		}
		if _, _, err := d.SetAdminPassword(ctx, 987654, "x", "", dbtest.AdminChange()); !errors.Is(err, access.ErrAdminNotFound) {
			t.Errorf("SetAdminPassword(missing): got %v, want ErrAdminNotFound", err)
		}

		// A time in another zone must come back as the same instant, in UTC.
		at := time.Now().In(time.FixedZone("UTC+5", 5*3600)).Truncate(time.Microsecond)
		if err := d.TouchAdminLogin(ctx, a.ID, at); err != nil {
			t.Fatal(err)
		}
		got, err := d.AdminByID(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.LastLoginAt == nil {
			t.Fatal("got LastLoginAt nil, want a time")
		}
		if !got.LastLoginAt.Equal(at) || got.LastLoginAt.Location() != time.UTC {
			t.Errorf("got LastLoginAt %v, want %v in UTC", got.LastLoginAt, at.UTC())
		}
		if err := d.TouchAdminLogin(ctx, 987654, at); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("TouchAdminLogin(missing): got %v, want ErrNotFound", err)
		}
	})
}

func TestLastSuperAdmin(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := t.Context()
		super := role(t, d, access.SuperAdmin)
		editor := role(t, d, access.Editor)
		first := firstAdmin(t, d)

		if _, err := d.SetAdminRole(ctx, first.ID, editor.ID, dbtest.AdminChange()); !errors.Is(err, access.ErrLastSuperAdmin) {
			t.Errorf("demote the only super admin: got %v, want ErrLastSuperAdmin", err)
		}
		if _, err := d.SetAdminActive(ctx, first.ID, false, dbtest.AdminChange()); !errors.Is(err, access.ErrLastSuperAdmin) {
			t.Errorf("deactivate the only super admin: got %v, want ErrLastSuperAdmin", err)
		}
		// Re-asserting what already holds is not a demotion.
		if _, err := d.SetAdminRole(ctx, first.ID, super.ID, dbtest.AdminChange()); err != nil {
			t.Errorf("SetAdminRole to the same role: got %v, want nil", err)
		}
		if _, err := d.SetAdminActive(ctx, first.ID, true, dbtest.AdminChange()); err != nil {
			t.Errorf("SetAdminActive(true) on an active admin: got %v, want nil", err)
		}

		second, err := d.CreateAdmin(ctx, newAdmin("second@example.com"), "hash", super.ID, dbtest.AdminChange())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.SetAdminActive(ctx, second.ID, false, dbtest.AdminChange()); err != nil {
			t.Fatalf("deactivate one of two super admins: got %v, want nil", err)
		}
		// An inactive super admin cannot sign in, so it does not count.
		if _, err := d.SetAdminRole(ctx, first.ID, editor.ID, dbtest.AdminChange()); !errors.Is(err, access.ErrLastSuperAdmin) {
			t.Errorf("demote the only active super admin: got %v, want ErrLastSuperAdmin", err)
		}

		if _, err := d.SetAdminActive(ctx, second.ID, true, dbtest.AdminChange()); err != nil {
			t.Fatal(err)
		}
		if _, err := d.SetAdminRole(ctx, first.ID, editor.ID, dbtest.AdminChange()); err != nil {
			t.Fatalf("demote with another active super admin: got %v, want nil", err)
		}
		got, err := d.AdminByID(ctx, first.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Role.Slug != access.Editor || !got.Active {
			t.Errorf("got role %q, active %v, want editor, true", got.Role.Slug, got.Active)
		}
		if _, err := d.SetAdminActive(ctx, first.ID, false, dbtest.AdminChange()); err != nil {
			t.Errorf("deactivate an editor: got %v, want nil", err)
		}
		if _, err := d.SetAdminActive(ctx, second.ID, false, dbtest.AdminChange()); !errors.Is(err, access.ErrLastSuperAdmin) {
			t.Errorf("deactivate the remaining super admin: got %v, want ErrLastSuperAdmin", err)
		}
		got, err = d.AdminByID(ctx, second.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Role.Slug != access.SuperAdmin || !got.Active {
			t.Errorf("refused change left role %q, active %v, want super-admin, true", got.Role.Slug, got.Active)
		}

		if _, err := d.SetAdminRole(ctx, 987654, editor.ID, dbtest.AdminChange()); !errors.Is(err, access.ErrAdminNotFound) {
			t.Errorf("SetAdminRole(missing admin): got %v, want ErrNotFound", err)
		}
		if _, err := d.SetAdminRole(ctx, first.ID, 987654, dbtest.AdminChange()); !errors.Is(err, access.ErrRoleNotFound) {
			t.Errorf("SetAdminRole(missing role): got %v, want ErrNotFound", err)
		}
		if _, err := d.SetAdminActive(ctx, 987654, true, dbtest.AdminChange()); !errors.Is(err, access.ErrAdminNotFound) {
			t.Errorf("SetAdminActive(missing admin): got %v, want ErrNotFound", err)
		}
	})
}

// Two super admins demoting each other at once must not leave none.
func TestLastSuperAdminRace(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := t.Context()
		super := role(t, d, access.SuperAdmin)
		editor := role(t, d, access.Editor)
		first := firstAdmin(t, d)
		second, err := d.CreateAdmin(ctx, newAdmin("second@example.com"), "hash", super.ID, dbtest.AdminChange())
		if err != nil {
			t.Fatal(err)
		}

		warmPool(t, d, 2)
		for round := range 5 {
			_, err := d.ExecContext(ctx, d.Rebind("UPDATE admin_users SET role_id = ?, active = ?"), super.ID, true)
			if err != nil {
				t.Fatal(err)
			}
			start := make(chan struct{})
			var errs [2]error
			var wg sync.WaitGroup
			wg.Go(func() { <-start; _, errs[0] = d.SetAdminRole(ctx, first.ID, editor.ID, dbtest.AdminChange()) })
			wg.Go(func() { <-start; _, errs[1] = d.SetAdminActive(ctx, second.ID, false, dbtest.AdminChange()) })
			close(start)
			wg.Wait()

			ok := 0
			for i, err := range errs {
				switch {
				case err == nil:
					ok++
				case !errors.Is(err, access.ErrLastSuperAdmin):
					t.Errorf("round %d, change %d: got %v, want nil or ErrLastSuperAdmin", round, i, err)
				}
			}
			if ok != 1 {
				t.Errorf("round %d: got %d successful changes, want 1", round, ok)
			}
			var active int
			err = d.GetContext(ctx, &active, d.Rebind(`SELECT COUNT(*) FROM admin_users a JOIN roles r ON r.id = a.role_id
				WHERE r.slug = ? AND a.active = ?`), access.SuperAdmin, true)
			if err != nil {
				t.Fatal(err)
			}
			if active != 1 {
				t.Errorf("round %d: got %d active super admins, want 1", round, active)
			}
		}
	})
}
