package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
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
// yet; otherwise it returns access.ErrRegistrationClosed. Of concurrent
// calls on an empty database exactly one succeeds.
func (d *DB) CreateFirstAdmin(ctx context.Context, a account.NewAdmin, passwordHash string, ch access.AdminChange) (access.Admin, error) {
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
			return access.ErrRegistrationClosed
		}
		role, err := roleIn(ctx, tx, "r.slug = ?", access.SuperAdmin)
		if err != nil {
			return err
		}
		admin, err = d.insertAdmin(ctx, tx, a, passwordHash, role, ch)
		return err
	})
	return admin, adminErr("create first admin", err)
}

// CreateAdmin creates an active admin holding the given role. A taken
// email gives access.ErrEmailTaken; a missing role, access.ErrRoleNotFound.
func (d *DB) CreateAdmin(ctx context.Context, a account.NewAdmin, passwordHash string, roleID int64, ch access.AdminChange) (access.Admin, error) {
	var admin access.Admin
	err := d.inTx(ctx, func(tx *sqlx.Tx) error {
		// Taken so that a concurrent DeleteRole either finishes first (and
		// the role check below fails) or sees this admin and answers
		// ErrRoleInUse, rather than failing on the foreign key.
		if err := d.lockAdmins(ctx, tx); err != nil {
			return err
		}
		role, err := roleIn(ctx, tx, "r.id = ?", roleID)
		if err != nil {
			return err
		}
		admin, err = d.insertAdmin(ctx, tx, a, passwordHash, role, ch)
		return err
	})
	return admin, adminErr("create admin", err)
}

// roleIn reads one role inside tx; a missing one is access.ErrRoleNotFound.
func roleIn(ctx context.Context, tx *sqlx.Tx, where string, arg any) (access.Role, error) {
	role, err := loadRole(ctx, tx, where, arg)
	if errors.Is(err, sql.ErrNoRows) {
		return role, access.ErrRoleNotFound
	}
	return role, err
}

// adminIn reads one admin inside tx; a missing one is
// access.ErrAdminNotFound.
func adminIn(ctx context.Context, tx *sqlx.Tx, id int64) (access.Admin, error) {
	a, _, err := loadAdmin(ctx, tx, "id = ?", id)
	if errors.Is(err, sql.ErrNoRows) {
		return a, access.ErrAdminNotFound
	}
	return a, err
}

func (d *DB) insertAdmin(ctx context.Context, tx *sqlx.Tx, a account.NewAdmin, passwordHash string, role access.Role, ch access.AdminChange) (access.Admin, error) {
	if ch.Describe == nil {
		return access.Admin{}, errNoRecord
	}
	if ch.Check != nil {
		if err := ch.Check(nil, role); err != nil {
			return access.Admin{}, err
		}
	}
	t := now()
	var id int64
	err := tx.GetContext(ctx, &id, tx.Rebind(`INSERT INTO admin_users
		(email, name, password_hash, role_id, active, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`),
		a.Email, a.Name, passwordHash, role.ID, true, t, t)
	if isUniqueViolation(err) {
		return access.Admin{}, fmt.Errorf("%w: %w", access.ErrEmailTaken, err)
	}
	if err != nil {
		return access.Admin{}, err
	}
	admin, err := adminIn(ctx, tx, id)
	if err != nil {
		return access.Admin{}, err
	}
	return admin, d.recordAudit(ctx, tx, ch.Describe(nil, &admin))
}

// adminErr prefixes err with the operation; access's errors and refusals
// pass through as they are.
func adminErr(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("db: %s: %w", op, err)
}

// AdminByID returns the admin with the given id, with its role.
func (d *DB) AdminByID(ctx context.Context, id int64) (access.Admin, error) {
	a, _, err := loadAdmin(ctx, d, "id = ?", id)
	if errors.Is(err, sql.ErrNoRows) {
		err = access.ErrAdminNotFound
	}
	if err != nil {
		return access.Admin{}, adminErr("admin by id", err)
	}
	return a, nil
}

// AdminCredentials returns the admin with the given email and its password
// hash. The email is compared exactly: callers normalise it first, as it
// was when stored.
func (d *DB) AdminCredentials(ctx context.Context, email string) (access.Admin, string, error) {
	a, hash, err := loadAdmin(ctx, d, "email = ?", email)
	if errors.Is(err, sql.ErrNoRows) {
		err = access.ErrAdminNotFound
	}
	if err != nil {
		return access.Admin{}, "", adminErr("admin credentials", err)
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

// SetAdminRole gives an admin another role. It returns
// access.ErrLastSuperAdmin rather than demote the last active super admin,
// and access.ErrAdminNotFound or ErrRoleNotFound for a missing one.
func (d *DB) SetAdminRole(ctx context.Context, adminID, roleID int64, ch access.AdminChange) (access.Admin, error) {
	return d.changeAdmin(ctx, "set admin role", adminID, ch, func(tx *sqlx.Tx, before access.Admin) (access.Role, func() error, error) {
		role, err := roleIn(ctx, tx, "r.id = ?", roleID)
		if err != nil {
			return role, nil, err
		}
		return role, func() error {
			if before.Active && before.Role.IsSuperAdmin() && !role.IsSuperAdmin() {
				if err := otherActiveSuperAdmin(ctx, tx, adminID); err != nil {
					return err
				}
			}
			_, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE admin_users SET role_id = ?, updated_at = ? WHERE id = ?`),
				roleID, now(), adminID)
			return err
		}, nil
	})
}

// SetAdminActive activates or deactivates an admin; deactivating also
// ends every session of theirs. It returns access.ErrLastSuperAdmin rather
// than deactivate the last active super admin, and
// access.ErrAdminNotFound for a missing admin.
func (d *DB) SetAdminActive(ctx context.Context, adminID int64, active bool, ch access.AdminChange) (access.Admin, error) {
	return d.changeAdmin(ctx, "set admin active", adminID, ch, func(tx *sqlx.Tx, before access.Admin) (access.Role, func() error, error) {
		return before.Role, func() error {
			if !active && before.Active && before.Role.IsSuperAdmin() {
				if err := otherActiveSuperAdmin(ctx, tx, adminID); err != nil {
					return err
				}
			}
			t := now()
			if _, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE admin_users SET active = ?, updated_at = ? WHERE id = ?`),
				active, t, adminID); err != nil {
				return err
			}
			if active {
				return nil
			}
			_, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE admin_sessions SET revoked_at = ? WHERE admin_id = ? AND revoked_at IS NULL`), t, adminID)
			return err
		}, nil
	})
}

// changeAdmin runs one change to admin id in a transaction: it reads the
// admin, lets plan read what else it needs and say what role the admin
// will hold, asks ch.Check, applies the change plan returned, and appends
// ch.Describe's event.
func (d *DB) changeAdmin(ctx context.Context, op string, id int64, ch access.AdminChange,
	plan func(tx *sqlx.Tx, before access.Admin) (access.Role, func() error, error)) (access.Admin, error) {
	if ch.Describe == nil {
		return access.Admin{}, adminErr(op, errNoRecord)
	}
	var after access.Admin
	err := d.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := d.lockAdmins(ctx, tx); err != nil {
			return err
		}
		before, err := adminIn(ctx, tx, id)
		if err != nil {
			return err
		}
		role, apply, err := plan(tx, before)
		if err != nil {
			return err
		}
		if ch.Check != nil {
			if err := ch.Check(&before, role); err != nil {
				return err
			}
		}
		if err := apply(); err != nil {
			return err
		}
		if after, err = adminIn(ctx, tx, id); err != nil {
			return err
		}
		return d.recordAudit(ctx, tx, ch.Describe(&before, &after))
	})
	if err != nil {
		return access.Admin{}, adminErr(op, err)
	}
	return after, nil
}

// otherActiveSuperAdmin returns access.ErrLastSuperAdmin unless an active super
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
		return access.ErrLastSuperAdmin
	}
	return nil
}

// SetAdminPassword replaces an admin's password hash and signs out their
// sessions but keep ("" signs out all), in one transaction with its audit
// record. It returns how many sessions it signed out, and
// access.ErrAdminNotFound for a missing admin.
func (d *DB) SetAdminPassword(ctx context.Context, adminID int64, passwordHash, keep string, ch access.AdminChange) (access.Admin, int, error) {
	var ended int64
	a, err := d.changeAdmin(ctx, "set admin password", adminID, ch, func(tx *sqlx.Tx, before access.Admin) (access.Role, func() error, error) {
		return before.Role, func() error {
			t := now()
			if _, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE admin_users SET password_hash = ?, updated_at = ? WHERE id = ?`),
				passwordHash, t, adminID); err != nil {
				return err
			}
			res, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE admin_sessions SET revoked_at = ? WHERE admin_id = ? AND revoked_at IS NULL AND id <> ?`),
				t, adminID, keep)
			if err != nil {
				return err
			}
			ended, err = res.RowsAffected()
			return err
		}, nil
	})
	return a, int(ended), err
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
