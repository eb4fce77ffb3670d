package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jmoiron/sqlx"

	"github.com/tokenadmin/tokenadmin/access"
)

// seededRoles cannot be deleted: the first migration created them and the
// rest of the application refers to them by slug.
var seededRoles = []string{access.SuperAdmin, access.Editor, access.Author}

type roleRow struct {
	ID          int64  `db:"id"`
	Slug        string `db:"slug"`
	Name        string `db:"name"`
	Description string `db:"description"`
	AdminCount  int    `db:"admin_count"`
}

const roleColumns = `r.id, r.slug, r.name, r.description,
	(SELECT COUNT(*) FROM admin_users a WHERE a.role_id = r.id) AS admin_count`

// Roles returns every role, the super-admin role first and the others by
// name, with their permissions and how many admins hold them.
func (d *DB) Roles(ctx context.Context) ([]access.Role, error) {
	roles, err := loadRoles(ctx, d)
	if err != nil {
		return nil, wrap("roles", err)
	}
	return roles, nil
}

func loadRoles(ctx context.Context, q sqlx.ExtContext) ([]access.Role, error) {
	var rows []roleRow
	err := sqlx.SelectContext(ctx, q, &rows, q.Rebind(`SELECT `+roleColumns+` FROM roles r
		ORDER BY CASE WHEN r.slug = ? THEN 0 ELSE 1 END, lower(r.name), r.id`), access.SuperAdmin)
	if err != nil {
		return nil, err
	}
	var perms []struct {
		RoleID int64         `db:"role_id"`
		Action access.Action `db:"action"`
	}
	err = sqlx.SelectContext(ctx, q, &perms, `SELECT role_id, action FROM role_permissions ORDER BY role_id, action`)
	if err != nil {
		return nil, err
	}
	byRole := make(map[int64][]access.Action)
	for _, p := range perms {
		byRole[p.RoleID] = append(byRole[p.RoleID], p.Action)
	}
	roles := make([]access.Role, len(rows))
	for i, r := range rows {
		roles[i] = r.role(byRole[r.ID])
	}
	return roles, nil
}

func (r roleRow) role(perms []access.Action) access.Role {
	return access.Role{
		ID:          r.ID,
		Slug:        r.Slug,
		Name:        r.Name,
		Description: r.Description,
		Permissions: perms,
		AdminCount:  r.AdminCount,
	}
}

// RoleByID returns the role with the given id.
func (d *DB) RoleByID(ctx context.Context, id int64) (access.Role, error) {
	r, err := loadRole(ctx, d, "r.id = ?", id)
	if errors.Is(err, sql.ErrNoRows) {
		err = access.ErrRoleNotFound
	}
	if err != nil {
		return access.Role{}, adminErr("role by id", err)
	}
	return r, nil
}

// RoleBySlug returns the role with the given slug.
func (d *DB) RoleBySlug(ctx context.Context, slug string) (access.Role, error) {
	r, err := loadRole(ctx, d, "r.slug = ?", slug)
	if errors.Is(err, sql.ErrNoRows) {
		err = access.ErrRoleNotFound
	}
	if err != nil {
		return access.Role{}, adminErr("role by slug", err)
	}
	return r, nil
}

// loadRole reads one role matching where, a condition on roles r with a
// single placeholder.
func loadRole(ctx context.Context, q sqlx.ExtContext, where string, arg any) (access.Role, error) {
	var row roleRow
	err := sqlx.GetContext(ctx, q, &row, q.Rebind(`SELECT `+roleColumns+` FROM roles r WHERE `+where), arg)
	if err != nil {
		return access.Role{}, err
	}
	var perms []access.Action
	err = sqlx.SelectContext(ctx, q, &perms,
		q.Rebind(`SELECT action FROM role_permissions WHERE role_id = ? ORDER BY action`), row.ID)
	if err != nil {
		return access.Role{}, err
	}
	return row.role(perms), nil
}

// CreateRole creates a role and its permissions, with a slug made from its
// name, and appends its audit event. A name or slug already taken gives
// access.ErrRoleNameTaken.
func (d *DB) CreateRole(ctx context.Context, in access.RoleInput, ch access.RoleChange) (access.Role, error) {
	const op = "create role"
	slug := access.Slug(in.Name)
	if slug == "" {
		return access.Role{}, fmt.Errorf("db: %s: name %q has no letters or digits to make a slug from", op, in.Name)
	}
	if ch.Describe == nil {
		return access.Role{}, adminErr(op, errNoRecord)
	}
	var role access.Role
	err := d.inTx(ctx, func(tx *sqlx.Tx) error {
		if ch.Check != nil {
			if err := ch.Check(nil); err != nil {
				return err
			}
		}
		t := now()
		var id int64
		err := tx.GetContext(ctx, &id, tx.Rebind(`INSERT INTO roles (slug, name, description, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?) RETURNING id`), slug, in.Name, in.Description, t, t)
		if isUniqueViolation(err) {
			return fmt.Errorf("%w: %w", access.ErrRoleNameTaken, err)
		}
		if err != nil {
			return err
		}
		if err := insertPermissions(ctx, tx, id, in.Permissions); err != nil {
			return err
		}
		if role, err = roleIn(ctx, tx, "r.id = ?", id); err != nil {
			return err
		}
		return d.recordAudit(ctx, tx, ch.Describe(nil, &role))
	})
	if err != nil {
		return access.Role{}, adminErr(op, err)
	}
	return role, nil
}

func insertPermissions(ctx context.Context, tx *sqlx.Tx, roleID int64, actions []access.Action) error {
	seen := make(map[access.Action]bool, len(actions))
	for _, a := range actions {
		// A repeated action would otherwise surface as a misleading ErrConflict.
		if seen[a] {
			continue
		}
		seen[a] = true
		_, err := tx.ExecContext(ctx, tx.Rebind(`INSERT INTO role_permissions (role_id, action) VALUES (?, ?)`), roleID, a)
		if err != nil {
			return err
		}
	}
	return nil
}

// UpdateRole renames a role, sets its description and replaces its
// permissions with exactly in.Permissions, all or nothing. The slug stays,
// since other records may refer to it. The super-admin role gives
// access.ErrRoleLocked; a name already taken, access.ErrRoleNameTaken.
func (d *DB) UpdateRole(ctx context.Context, id int64, in access.RoleInput, ch access.RoleChange) (access.Role, error) {
	return d.changeRole(ctx, "update role", id, ch, func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE roles SET name = ?, description = ?, updated_at = ? WHERE id = ?`),
			in.Name, in.Description, now(), id)
		if isUniqueViolation(err) {
			return fmt.Errorf("%w: %w", access.ErrRoleNameTaken, err)
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, tx.Rebind(`DELETE FROM role_permissions WHERE role_id = ?`), id); err != nil {
			return err
		}
		return insertPermissions(ctx, tx, id, in.Permissions)
	})
}

// SetRolePermission grants or revokes one action of a role; doing what is
// already done is not an error. The super-admin role gives
// access.ErrRoleLocked.
func (d *DB) SetRolePermission(ctx context.Context, roleID int64, action access.Action, granted bool, ch access.RoleChange) (access.Role, error) {
	return d.changeRole(ctx, "set role permission", roleID, ch, func(tx *sqlx.Tx) error {
		query := `DELETE FROM role_permissions WHERE role_id = ? AND action = ?`
		if granted {
			query = `INSERT INTO role_permissions (role_id, action) VALUES (?, ?)
				ON CONFLICT (role_id, action) DO NOTHING`
		}
		if _, err := tx.ExecContext(ctx, tx.Rebind(query), roleID, action); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE roles SET updated_at = ? WHERE id = ?`), now(), roleID)
		return err
	})
}

// changeRole runs one change to an editable role in a transaction: it
// reads the role, asks ch.Check, applies the change and appends
// ch.Describe's event.
func (d *DB) changeRole(ctx context.Context, op string, id int64, ch access.RoleChange, apply func(tx *sqlx.Tx) error) (access.Role, error) {
	if ch.Describe == nil {
		return access.Role{}, adminErr(op, errNoRecord)
	}
	var after access.Role
	err := d.inTx(ctx, func(tx *sqlx.Tx) error {
		before, err := roleIn(ctx, tx, "r.id = ?", id)
		if err != nil {
			return err
		}
		if before.IsSuperAdmin() {
			return access.ErrRoleLocked
		}
		if ch.Check != nil {
			if err := ch.Check(&before); err != nil {
				return err
			}
		}
		if err := apply(tx); err != nil {
			return err
		}
		if after, err = roleIn(ctx, tx, "r.id = ?", id); err != nil {
			return err
		}
		return d.recordAudit(ctx, tx, ch.Describe(&before, &after))
	})
	if err != nil {
		return access.Role{}, adminErr(op, err)
	}
	return after, nil
}

// DeleteRole deletes a role and its permissions. The seeded roles give
// ErrRoleLocked; a role some admin holds, ErrRoleInUse.
func (d *DB) DeleteRole(ctx context.Context, id int64) error {
	err := d.inTx(ctx, func(tx *sqlx.Tx) error {
		// Taken so that no admin is given this role between the count and
		// the delete.
		if err := d.lockAdmins(ctx, tx); err != nil {
			return err
		}
		var slug string
		if err := tx.GetContext(ctx, &slug, tx.Rebind(`SELECT slug FROM roles WHERE id = ?`), id); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return access.ErrRoleNotFound
			}
			return err
		}
		for _, s := range seededRoles {
			if slug == s {
				return access.ErrRoleLocked
			}
		}
		var holders int
		err := tx.GetContext(ctx, &holders, tx.Rebind(`SELECT COUNT(*) FROM admin_users WHERE role_id = ?`), id)
		if err != nil {
			return err
		}
		if holders > 0 {
			return access.ErrRoleInUse
		}
		_, err = tx.ExecContext(ctx, tx.Rebind(`DELETE FROM roles WHERE id = ?`), id)
		return err
	})
	return adminErr("delete role", err)
}
