package db_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/tokenadmin/tokenadmin/access"
	"github.com/tokenadmin/tokenadmin/db"
	"github.com/tokenadmin/tokenadmin/db/dbtest"
)

func TestSeededRoles(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		roles, err := d.Roles(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		want := []access.Role{
			{Slug: access.SuperAdmin, Name: "Super Admin", Description: "Can do everything; cannot be edited."},
			{Slug: access.Author, Name: "Author", Description: "No admin permissions by default."},
			{Slug: access.Editor, Name: "Editor", Description: "Can see API tokens.", Permissions: []access.Action{access.TokensRead}},
		}
		if len(roles) != len(want) {
			t.Fatalf("got %d roles, want %d", len(roles), len(want))
		}
		for i, w := range want {
			g := roles[i]
			if g.ID == 0 || g.Slug != w.Slug || g.Name != w.Name || g.Description != w.Description ||
				!slices.Equal(g.Permissions, w.Permissions) || g.AdminCount != 0 {
				t.Errorf("role %d: got %+v, want %+v", i, g, w)
			}
		}
	})
}

func TestRolesOrderAndCounts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := t.Context()
		for _, name := range []string{"zeta", "Alpha"} {
			if _, err := d.CreateRole(ctx, access.RoleInput{Name: name}, dbtest.RoleChange()); err != nil {
				t.Fatal(err)
			}
		}
		firstAdmin(t, d)
		if _, err := d.CreateAdmin(ctx, newAdmin("e1@example.com"), "h", role(t, d, access.Editor).ID, dbtest.AdminChange()); err != nil {
			t.Fatal(err)
		}
		if _, err := d.CreateAdmin(ctx, newAdmin("e2@example.com"), "h", role(t, d, access.Editor).ID, dbtest.AdminChange()); err != nil {
			t.Fatal(err)
		}
		roles, err := d.Roles(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		counts := map[string]int{}
		for _, r := range roles {
			names = append(names, r.Name)
			counts[r.Slug] = r.AdminCount
		}
		if want := []string{"Super Admin", "Alpha", "Author", "Editor", "zeta"}; !slices.Equal(names, want) {
			t.Errorf("got order %q, want %q", names, want)
		}
		if counts[access.SuperAdmin] != 1 || counts[access.Editor] != 2 || counts[access.Author] != 0 {
			t.Errorf("got admin counts %v, want super-admin 1, editor 2, author 0", counts)
		}
	})
}

func TestCreateRole(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := t.Context()
		in := access.RoleInput{
			Name:        "Content Manager",
			Description: "Manages content.",
			Permissions: []access.Action{access.TokensRead, access.TokensCreate, access.TokensRead},
		}
		r, err := d.CreateRole(ctx, in, dbtest.RoleChange())
		if err != nil {
			t.Fatal(err)
		}
		if r.ID == 0 || r.Slug != "content-manager" || r.Name != in.Name || r.Description != in.Description {
			t.Errorf("got %+v, want content-manager with the submitted name and description", r)
		}
		want := []access.Action{access.TokensCreate, access.TokensRead}
		if !slices.Equal(sorted(r.Permissions), want) {
			t.Errorf("got permissions %v, want %v", r.Permissions, want)
		}
		got, err := d.RoleByID(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Slug != r.Slug || !slices.Equal(sorted(got.Permissions), want) {
			t.Errorf("RoleByID: got %+v, want %+v", got, r)
		}
		if _, err := d.RoleByID(ctx, 987654); !errors.Is(err, access.ErrRoleNotFound) {
			t.Errorf("RoleByID(missing): got %v, want ErrNotFound", err)
		}
		if _, err := d.RoleBySlug(ctx, "nope"); !errors.Is(err, access.ErrRoleNotFound) {
			t.Errorf("RoleBySlug(missing): got %v, want ErrNotFound", err)
		}

		// A failure part-way through leaves no role behind.
		_, err = d.CreateRole(ctx, access.RoleInput{Name: "Broken", Permissions: []access.Action{access.TokensRead, ""}}, dbtest.RoleChange())
		if err == nil {
			t.Fatal("CreateRole with an empty action: got nil error, want one")
		}
		if _, err := d.RoleBySlug(ctx, "broken"); !errors.Is(err, access.ErrRoleNotFound) {
			t.Errorf("after failed CreateRole: got %v, want ErrNotFound", err)
		}
	})
}

func TestRoleNameUnique(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := t.Context()
		// Same slug as a seeded role.
		if _, err := d.CreateRole(ctx, access.RoleInput{Name: "EDITOR"}, dbtest.RoleChange()); !errors.Is(err, access.ErrRoleNameTaken) {
			t.Errorf("CreateRole(EDITOR): got %v, want ErrConflict", err)
		}
		r, err := d.CreateRole(ctx, access.RoleInput{Name: "Reviewers"}, dbtest.RoleChange())
		if err != nil {
			t.Fatal(err)
		}
		// The slug stays "reviewers", so only the name index can object.
		_, err = d.UpdateRole(ctx, r.ID, access.RoleInput{Name: "eDiToR"}, dbtest.RoleChange())
		if !errors.Is(err, access.ErrRoleNameTaken) {
			t.Errorf("rename to eDiToR: got %v, want ErrConflict", err)
		}
		if _, err := d.UpdateRole(ctx, r.ID, access.RoleInput{Name: "REVIEWERS"}, dbtest.RoleChange()); err != nil {
			t.Errorf("change the case of its own name: got %v, want nil", err)
		}
	})
}

func TestUpdateRole(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := t.Context()
		r, err := d.CreateRole(ctx, access.RoleInput{
			Name:        "Ops",
			Permissions: []access.Action{access.TokensRead, access.TokensDelete, access.UsersRead},
		}, dbtest.RoleChange())
		if err != nil {
			t.Fatal(err)
		}
		in := access.RoleInput{
			Name:        "Operations",
			Description: "Runs things.",
			Permissions: []access.Action{access.TokensRead, access.RolesRead},
		}
		if _, err := d.UpdateRole(ctx, r.ID, in, dbtest.RoleChange()); err != nil {
			t.Fatal(err)
		}
		got, err := d.RoleByID(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Slug != "ops" || got.Name != "Operations" || got.Description != "Runs things." {
			t.Errorf("got %+v, want slug ops, the new name and description", got)
		}
		if want := sorted(in.Permissions); !slices.Equal(sorted(got.Permissions), want) {
			t.Errorf("got permissions %v, want exactly %v", got.Permissions, want)
		}

		if _, err := d.UpdateRole(ctx, r.ID, access.RoleInput{Name: "Operations"}, dbtest.RoleChange()); err != nil {
			t.Fatal(err)
		}
		if got, _ := d.RoleByID(ctx, r.ID); len(got.Permissions) != 0 {
			t.Errorf("got permissions %v after clearing, want none", got.Permissions)
		}
	})
}

func TestUpdateRoleIsAtomic(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := t.Context()
		before, err := d.Roles(ctx)
		if err != nil {
			t.Fatal(err)
		}
		in := access.RoleInput{Name: "Ghost", Permissions: []access.Action{access.UsersUpdate}}
		if _, err := d.UpdateRole(ctx, 987654, in, dbtest.RoleChange()); !errors.Is(err, access.ErrRoleNotFound) {
			t.Errorf("UpdateRole(missing): got %v, want ErrNotFound", err)
		}
		var n int
		if err := d.GetContext(ctx, &n, d.Rebind("SELECT COUNT(*) FROM role_permissions WHERE role_id = ?"), 987654); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("got %d permissions for the missing role, want 0", n)
		}

		// The empty action fails after the old permissions are deleted and
		// the name updated; the rollback must restore both.
		editor := role(t, d, access.Editor)
		_, err = d.UpdateRole(ctx, editor.ID, access.RoleInput{
			Name:        "Renamed",
			Permissions: []access.Action{access.UsersRead, ""},
		}, dbtest.RoleChange())
		if err == nil {
			t.Fatal("UpdateRole with an empty action: got nil error, want one")
		}
		after, err := d.Roles(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(after) != len(before) {
			t.Fatalf("got %d roles, want %d", len(after), len(before))
		}
		for i := range before {
			b, a := before[i], after[i]
			if a.Name != b.Name || a.Description != b.Description || !slices.Equal(a.Permissions, b.Permissions) {
				t.Errorf("got %+v after failed updates, want %+v", a, b)
			}
		}
	})
}

func TestSuperAdminRoleLocked(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := t.Context()
		super := role(t, d, access.SuperAdmin)
		if _, err := d.UpdateRole(ctx, super.ID, access.RoleInput{Name: "Boss"}, dbtest.RoleChange()); !errors.Is(err, access.ErrRoleLocked) {
			t.Errorf("UpdateRole(super-admin): got %v, want ErrRoleLocked", err)
		}
		if _, err := d.SetRolePermission(ctx, super.ID, access.TokensRead, true, dbtest.RoleChange()); !errors.Is(err, access.ErrRoleLocked) {
			t.Errorf("SetRolePermission(super-admin): got %v, want ErrRoleLocked", err)
		}
		got := role(t, d, access.SuperAdmin)
		if got.Name != "Super Admin" || len(got.Permissions) != 0 {
			t.Errorf("got %+v, want the super-admin role unchanged", got)
		}
	})
}

func TestSetRolePermission(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := t.Context()
		author := role(t, d, access.Author)
		for range 2 { // granting twice is not an error
			if _, err := d.SetRolePermission(ctx, author.ID, access.RolesRead, true, dbtest.RoleChange()); err != nil {
				t.Fatal(err)
			}
		}
		if got := role(t, d, access.Author).Permissions; !slices.Equal(got, []access.Action{access.RolesRead}) {
			t.Errorf("after grant: got %v, want [%s]", got, access.RolesRead)
		}
		for range 2 {
			if _, err := d.SetRolePermission(ctx, author.ID, access.RolesRead, false, dbtest.RoleChange()); err != nil {
				t.Fatal(err)
			}
		}
		if got := role(t, d, access.Author).Permissions; len(got) != 0 {
			t.Errorf("after revoke: got %v, want none", got)
		}
		if _, err := d.SetRolePermission(ctx, 987654, access.RolesRead, true, dbtest.RoleChange()); !errors.Is(err, access.ErrRoleNotFound) {
			t.Errorf("SetRolePermission(missing): got %v, want ErrNotFound", err)
		}
	})
}

func TestDeleteRole(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := t.Context()
		for _, slug := range []string{access.SuperAdmin, access.Editor, access.Author} {
			if err := d.DeleteRole(ctx, role(t, d, slug).ID); !errors.Is(err, access.ErrRoleLocked) {
				t.Errorf("DeleteRole(%s): got %v, want ErrRoleLocked", slug, err)
			}
		}
		r, err := d.CreateRole(ctx, access.RoleInput{Name: "Temp", Permissions: []access.Action{access.TokensRead}}, dbtest.RoleChange())
		if err != nil {
			t.Fatal(err)
		}
		firstAdmin(t, d)
		a, err := d.CreateAdmin(ctx, newAdmin("temp@example.com"), "h", r.ID, dbtest.AdminChange())
		if err != nil {
			t.Fatal(err)
		}
		if err := d.DeleteRole(ctx, r.ID); !errors.Is(err, access.ErrRoleInUse) {
			t.Errorf("DeleteRole(in use): got %v, want ErrRoleInUse", err)
		}
		if _, err := d.SetAdminRole(ctx, a.ID, role(t, d, access.Author).ID, dbtest.AdminChange()); err != nil {
			t.Fatal(err)
		}
		if err := d.DeleteRole(ctx, r.ID); err != nil {
			t.Fatalf("DeleteRole(unused): got %v, want nil", err)
		}
		if _, err := d.RoleByID(ctx, r.ID); !errors.Is(err, access.ErrRoleNotFound) {
			t.Errorf("RoleByID(deleted): got %v, want ErrNotFound", err)
		}
		var n int
		if err := d.GetContext(ctx, &n, d.Rebind("SELECT COUNT(*) FROM role_permissions WHERE role_id = ?"), r.ID); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("got %d permissions of the deleted role, want 0", n)
		}
		if err := d.DeleteRole(ctx, r.ID); !errors.Is(err, access.ErrRoleNotFound) {
			t.Errorf("DeleteRole(deleted): got %v, want ErrNotFound", err)
		}
	})
}

func sorted(a []access.Action) []access.Action {
	s := slices.Clone(a)
	slices.Sort(s)
	return s
}
