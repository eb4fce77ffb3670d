package db

import (
	"context"
	"database/sql"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/tokenadmin/tokenadmin/access"
	"github.com/tokenadmin/tokenadmin/account"
)

type adminRow struct {
	ID           int64        `db:"id"`
	Email        string       `db:"email"`
	Name         string       `db:"name"`
	PasswordHash string       `db:"password_hash"`
	RoleID       int64        `db:"role_id"`
	Active       bool         `db:"active"`
	LastLoginAt  sql.NullTime `db:"last_login_at"`
	CreatedAt    time.Time    `db:"created_at"`
	UpdatedAt    time.Time    `db:"updated_at"`
}

const adminColumns = `id, email, name, password_hash, role_id, active, last_login_at, created_at, updated_at`

// admin converts a row, normalising times to UTC: drivers return them in
// the session's or a fixed zone even when the offset is zero.
func (r adminRow) admin(role access.Role) access.Admin {
	a := access.Admin{
		ID:        r.ID,
		Email:     r.Email,
		Name:      r.Name,
		Role:      role,
		Active:    r.Active,
		CreatedAt: r.CreatedAt.UTC(),
		UpdatedAt: r.UpdatedAt.UTC(),
	}
	if r.LastLoginAt.Valid {
		t := r.LastLoginAt.Time.UTC()
		a.LastLoginAt = &t
	}
	return a
}

// loadAdmin reads one admin matching where, a condition with a single
// placeholder, with its role, and returns the password hash beside it.
func loadAdmin(ctx context.Context, q sqlx.ExtContext, where string, arg any) (access.Admin, string, error) {
	var row adminRow
	err := sqlx.GetContext(ctx, q, &row, q.Rebind(`SELECT `+adminColumns+` FROM admin_users WHERE `+where), arg)
	if err != nil {
		return access.Admin{}, "", err
	}
	role, err := loadRole(ctx, q, "r.id = ?", row.RoleID)
	if err != nil {
		return access.Admin{}, "", err
	}
	return row.admin(role), row.PasswordHash, nil
}

// CountAdmins returns how many admin accounts exist, active or not.
func (d *DB) CountAdmins(ctx context.Context) (int, error) {
	var n int
	if err := d.GetContext(ctx, &n, `SELECT COUNT(*) FROM admin_users`); err != nil {
		return 0, wrap("count admins", err)
	}
	return n, nil
}

// CreateFirstAdmin creates a super admin if, and only if, no admin exists
// yet; otherwise it returns ErrRegistrationClosed. Of concurrent calls on
// an empty database exactly one succeeds.
func (d *DB) CreateFirstAdmin(ctx context.Context, a account.NewAdmin, passwordHash string) (access.Admin, error) {
	var admin access.Admin
	err := d.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := d.lockAdmins(ctx, tx); err != nil {
			return err
		}
		var n int
		if err := tx.GetContext(ctx, &n, `SELECT COUNT(*) FROM admin_users`); err != nil {
			return err
		}
		if n > 0 {
			return ErrRegistrationClosed
		}
		var roleID int64
		err := tx.GetContext(ctx, &roleID, tx.Rebind(`SELECT id FROM roles WHERE slug = ?`), access.SuperAdmin)
		if err != nil {
			return err
		}
		admin, err = insertAdmin(ctx, tx, a, passwordHash, roleID)
		return err
	})
	if err != nil {
		return access.Admin{}, wrap("create first admin", err)
	}
	return admin, nil
}

// CreateAdmin creates an active admin holding the given role. A taken
// email gives ErrConflict; a missing role, ErrNotFound.
func (d *DB) CreateAdmin(ctx context.Context, a account.NewAdmin, passwordHash string, roleID int64) (access.Admin, error) {
	var admin access.Admin
	err := d.inTx(ctx, func(tx *sqlx.Tx) error {
		// Taken so that a concurrent DeleteRole either finishes first (and
		// the role check below fails) or sees this admin and answers
		// ErrRoleInUse, rather than failing on the foreign key.
		if err := d.lockAdmins(ctx, tx); err != nil {
			return err
		}
		var exists int64
		if err := tx.GetContext(ctx, &exists, tx.Rebind(`SELECT id FROM roles WHERE id = ?`), roleID); err != nil {
			return err
		}
		var err error
		admin, err = insertAdmin(ctx, tx, a, passwordHash, roleID)
		return err
	})
	if err != nil {
		return access.Admin{}, wrap("create admin", err)
	}
	return admin, nil
}

func insertAdmin(ctx context.Context, tx *sqlx.Tx, a account.NewAdmin, passwordHash string, roleID int64) (access.Admin, error) {
	t := now()
	var id int64
	err := tx.GetContext(ctx, &id, tx.Rebind(`INSERT INTO admin_users
		(email, name, password_hash, role_id, active, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`),
		a.Email, a.Name, passwordHash, roleID, true, t, t)
	if err != nil {
		return access.Admin{}, err
	}
	admin, _, err := loadAdmin(ctx, tx, "id = ?", id)
	return admin, err
}

// AdminByID returns the admin with the given id, with its role.
func (d *DB) AdminByID(ctx context.Context, id int64) (access.Admin, error) {
	a, _, err := loadAdmin(ctx, d, "id = ?", id)
	if err != nil {
		return access.Admin{}, wrap("admin by id", err)
	}
	return a, nil
}

// AdminCredentials returns the admin with the given email and its password
// hash. The email is compared exactly: callers normalise it first, as it
// was when stored.
func (d *DB) AdminCredentials(ctx context.Context, email string) (access.Admin, string, error) {
	a, hash, err := loadAdmin(ctx, d, "email = ?", email)
	if err != nil {
		return access.Admin{}, "", wrap("admin credentials", err)
	}
	return a, hash, nil
}

// Admins returns every admin ordered by email, each with its role.
func (d *DB) Admins(ctx context.Context) ([]access.Admin, error) {
	const op = "admins"
	var rows []adminRow
	if err := d.SelectContext(ctx, &rows, `SELECT `+adminColumns+` FROM admin_users ORDER BY email`); err != nil {
		return nil, wrap(op, err)
	}
	roles, err := loadRoles(ctx, d)
	if err != nil {
		return nil, wrap(op, err)
	}
	byID := make(map[int64]access.Role, len(roles))
	for _, r := range roles {
		byID[r.ID] = r
	}
	admins := make([]access.Admin, len(rows))
	for i, r := range rows {
		admins[i] = r.admin(byID[r.RoleID])
	}
	return admins, nil
}

// SetAdminRole gives an admin another role. It returns ErrLastSuperAdmin
// rather than demote the last active super admin, and ErrNotFound for a
// missing admin or role.
func (d *DB) SetAdminRole(ctx context.Context, adminID, roleID int64) error {
	err := d.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := d.lockAdmins(ctx, tx); err != nil {
			return err
		}
		cur, err := adminState(ctx, tx, adminID)
		if err != nil {
			return err
		}
		var slug string
		if err := tx.GetContext(ctx, &slug, tx.Rebind(`SELECT slug FROM roles WHERE id = ?`), roleID); err != nil {
			return err
		}
		if cur.Active && cur.Slug == access.SuperAdmin && slug != access.SuperAdmin {
			if err := otherActiveSuperAdmin(ctx, tx, adminID); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, tx.Rebind(`UPDATE admin_users SET role_id = ?, updated_at = ? WHERE id = ?`),
			roleID, now(), adminID)
		return err
	})
	return wrap("set admin role", err)
}

// SetAdminActive activates or deactivates an admin. It returns
// ErrLastSuperAdmin rather than deactivate the last active super admin,
// and ErrNotFound for a missing admin.
func (d *DB) SetAdminActive(ctx context.Context, adminID int64, active bool) error {
	err := d.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := d.lockAdmins(ctx, tx); err != nil {
			return err
		}
		cur, err := adminState(ctx, tx, adminID)
		if err != nil {
			return err
		}
		if !active && cur.Active && cur.Slug == access.SuperAdmin {
			if err := otherActiveSuperAdmin(ctx, tx, adminID); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, tx.Rebind(`UPDATE admin_users SET active = ?, updated_at = ? WHERE id = ?`),
			active, now(), adminID)
		return err
	})
	return wrap("set admin active", err)
}

type adminStateRow struct {
	Active bool   `db:"active"`
	Slug   string `db:"slug"`
}

// adminState returns whether an admin is active and its role's slug.
func adminState(ctx context.Context, tx *sqlx.Tx, adminID int64) (adminStateRow, error) {
	var s adminStateRow
	err := tx.GetContext(ctx, &s, tx.Rebind(`SELECT a.active, r.slug
		FROM admin_users a JOIN roles r ON r.id = a.role_id WHERE a.id = ?`), adminID)
	return s, err
}

// otherActiveSuperAdmin returns ErrLastSuperAdmin unless an active super
// admin other than adminID exists.
func otherActiveSuperAdmin(ctx context.Context, tx *sqlx.Tx, adminID int64) error {
	var n int
	err := tx.GetContext(ctx, &n, tx.Rebind(`SELECT COUNT(*)
		FROM admin_users a JOIN roles r ON r.id = a.role_id
		WHERE r.slug = ? AND a.active = ? AND a.id <> ?`), access.SuperAdmin, true, adminID)
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrLastSuperAdmin
	}
	return nil
}

// SetAdminPassword replaces an admin's password hash.
func (d *DB) SetAdminPassword(ctx context.Context, id int64, passwordHash string) error {
	res, err := d.ExecContext(ctx, d.Rebind(`UPDATE admin_users SET password_hash = ?, updated_at = ? WHERE id = ?`),
		passwordHash, now(), id)
	return wrap("set admin password", mustAffect(res, err))
}

// TouchAdminLogin records when an admin last signed in. It leaves
// updated_at alone: signing in does not edit the account.
func (d *DB) TouchAdminLogin(ctx context.Context, id int64, at time.Time) error {
	res, err := d.ExecContext(ctx, d.Rebind(`UPDATE admin_users SET last_login_at = ? WHERE id = ?`),
		at.UTC().Truncate(time.Microsecond), id)
	return wrap("touch admin login", mustAffect(res, err))
}

// mustAffect turns an update that matched no row into sql.ErrNoRows.
func mustAffect(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return sql.ErrNoRows
	}
	return nil
}
