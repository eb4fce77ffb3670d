package access

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"time"

	"github.com/tokenadmin/tokenadmin/account"
	"github.com/tokenadmin/tokenadmin/audit"
)

// AdminChange is what a Store needs, besides the change itself, to make
// a change to an admin in one transaction.
type AdminChange struct {
	// Check is asked inside the transaction, before anything is written,
	// with the admin as stored (nil when new) and the role they are to
	// hold; an error ends the change, nothing written, and is returned as
	// it is.
	Check func(before *Admin, role Role) error
	// Describe is the change's audit event, from the admin before and
	// after it; the store appends it in the same transaction.
	Describe func(before, after *Admin) audit.Event
}

// RoleChange is what a Store needs, besides the change itself, to make a
// change to a role in one transaction.
type RoleChange struct {
	// Check is asked inside the transaction with the role as stored (nil
	// when new); an error ends the change and is returned as it is.
	Check func(before *Role) error
	// Describe is the change's audit event, appended in the same
	// transaction.
	Describe func(before, after *Role) audit.Event
}

// Store persists admins and roles. Each change is one transaction that
// asks its Check and writes the event its Describe returns (a change
// without a Describe is an error), so that no change is stored without its
// record. Missing rows are ErrAdminNotFound or ErrRoleNotFound, taken
// names ErrEmailTaken or ErrRoleNameTaken; the store also keeps the rules
// that need every row at once (ErrRegistrationClosed, ErrLastSuperAdmin,
// ErrRoleLocked). Deactivating an admin ends their sessions in the same
// transaction.
type Store interface {
	RoleByID(ctx context.Context, id int64) (Role, error)
	CreateFirstAdmin(ctx context.Context, a account.NewAdmin, passwordHash string, ch AdminChange) (Admin, error)
	CreateAdmin(ctx context.Context, a account.NewAdmin, passwordHash string, roleID int64, ch AdminChange) (Admin, error)
	SetAdminRole(ctx context.Context, adminID, roleID int64, ch AdminChange) (Admin, error)
	SetAdminActive(ctx context.Context, adminID int64, active bool, ch AdminChange) (Admin, error)
	// SetAdminPassword replaces the admin's password hash and signs out
	// every session of theirs except keep ("" signs out all), reporting
	// how many it signed out.
	SetAdminPassword(ctx context.Context, adminID int64, passwordHash, keep string, ch AdminChange) (Admin, int, error)
	CreateRole(ctx context.Context, in RoleInput, ch RoleChange) (Role, error)
	UpdateRole(ctx context.Context, id int64, in RoleInput, ch RoleChange) (Role, error)
	SetRolePermission(ctx context.Context, roleID int64, action Action, granted bool, ch RoleChange) (Role, error)
	// RecordAudit appends an event that goes with no change: a refusal.
	RecordAudit(ctx context.Context, ev audit.Event) error
}

// Actor is who asks for a change: a signed-in admin, whom the rules of
// rules.go bind, or the command line (Admin nil), which holds the
// database anyway. Either way the audit log records them.
type Actor struct {
	audit.Actor
	Admin *Admin
}

// AdminActor is admin asking from ip with userAgent.
func AdminActor(a Admin, ip, userAgent string) Actor {
	id := a.ID
	return Actor{Actor: audit.Actor{ID: &id, Name: a.Email, IP: ip, UserAgent: userAgent}, Admin: &a}
}

// Service is the one way admins and roles are created and changed, from
// the admin pages and the command line alike: it applies the rules,
// hashes passwords, and has every change recorded in the audit log in the
// change's own transaction, and every refusal by the rules recorded too.
type Service struct {
	store Store
	hash  func(password string) (string, error)
	now   func() time.Time
}

// NewService returns a Service. hash hashes a new admin's password (the
// server's passes through its few hashing slots).
func NewService(store Store, hash func(password string) (string, error), now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: store, hash: hash, now: now}
}

// Register creates the first super admin, while no admin exists. The new
// admin is the actor of its own record; from says where they came from.
func (s *Service) Register(ctx context.Context, from audit.Actor, in account.NewAdmin) (Admin, error) {
	hash, err := s.hash(in.Password)
	if err != nil {
		return Admin{}, err
	}
	describe := s.describeAdmin(from, audit.UserCreate, createdFields)
	return s.store.CreateFirstAdmin(ctx, in, hash, AdminChange{
		Check: func(*Admin, Role) error { return nil },
		Describe: func(before, after *Admin) audit.Event {
			ev := describe(before, after)
			id := after.ID
			ev.ActorID, ev.ActorEmail = &id, after.Email
			return ev
		},
	})
}

// CreateAdmin creates an active admin holding role roleID. The rules are
// asked before the password is hashed (a refusal costs no hash) and again
// inside the transaction.
func (s *Service) CreateAdmin(ctx context.Context, by Actor, in account.NewAdmin, roleID int64) (Admin, error) {
	check := func(_ *Admin, role Role) error {
		if by.Admin == nil {
			return nil
		}
		return MayAssignRole(*by.Admin, role)
	}
	role, err := s.store.RoleByID(ctx, roleID)
	if err != nil {
		return Admin{}, err
	}
	target := adminTarget(0, in.Email)
	if err := check(nil, role); err != nil {
		return Admin{}, s.refused(ctx, by, audit.UserCreate, target, err)
	}
	hash, err := s.hash(in.Password)
	if err != nil {
		return Admin{}, err
	}
	a, err := s.store.CreateAdmin(ctx, in, hash, roleID, AdminChange{Check: check, Describe: s.describeAdmin(by.Actor, audit.UserCreate, createdFields)})
	return a, s.refused(ctx, by, audit.UserCreate, target, err)
}

// SetAdminRole gives admin id the role roleID.
func (s *Service) SetAdminRole(ctx context.Context, by Actor, id, roleID int64) (Admin, error) {
	target := adminTarget(id, "")
	a, err := s.store.SetAdminRole(ctx, id, roleID, AdminChange{
		Check: func(before *Admin, role Role) error {
			target = adminTarget(id, before.Email)
			if by.Admin == nil {
				return nil
			}
			if err := MayChangeAdmin(*by.Admin, *before); err != nil {
				return err
			}
			return MayAssignRole(*by.Admin, role)
		},
		Describe: s.describeAdmin(by.Actor, audit.UserRoleChange, func(a *Admin) map[string]any { return map[string]any{"role": a.Role.Name} }),
	})
	return a, s.refused(ctx, by, audit.UserRoleChange, target, err)
}

// SetAdminActive activates or deactivates admin id; deactivating ends
// their sessions.
func (s *Service) SetAdminActive(ctx context.Context, by Actor, id int64, active bool) (Admin, error) {
	action := audit.UserActivate
	if !active {
		action = audit.UserDeactivate
	}
	target := adminTarget(id, "")
	a, err := s.store.SetAdminActive(ctx, id, active, AdminChange{
		Check: func(before *Admin, _ Role) error {
			target = adminTarget(id, before.Email)
			if by.Admin == nil {
				return nil
			}
			return MayChangeAdmin(*by.Admin, *before)
		},
		Describe: s.describeAdmin(by.Actor, action, func(a *Admin) map[string]any { return map[string]any{"active": a.Active} }),
	})
	return a, s.refused(ctx, by, action, target, err)
}

// ChangePassword gives admin id a new password (already checked against
// the policy) and signs out every other browser of theirs: a password is
// changed because it may be known, so whoever used it must not stay in.
// keep is the session to leave signed in ("" for none). An admin may
// change only their own, after typing the current one (the caller checks
// it, throttled like a sign-in); the command line resets anyone's. It
// returns how many sessions it signed out.
func (s *Service) ChangePassword(ctx context.Context, by Actor, id int64, password, keep string) (Admin, int, error) {
	action := audit.UserPasswordReset
	if by.Admin != nil {
		action = audit.UserPasswordChange
	}
	target := adminTarget(id, "")
	if by.Admin != nil && by.Admin.ID != id {
		return Admin{}, 0, s.refused(ctx, by, action, target, deny(reasonOthersPassword))
	}
	hash, err := s.hash(password)
	if err != nil {
		return Admin{}, 0, err
	}
	a, n, err := s.store.SetAdminPassword(ctx, id, hash, keep, AdminChange{
		Check: func(before *Admin, _ Role) error {
			target = adminTarget(id, before.Email)
			return nil
		},
		Describe: func(_, after *Admin) audit.Event {
			ev := by.Event(action, s.now().UTC())
			ev.TargetType, ev.TargetID, ev.TargetName = audit.TargetAdmin, strconv.FormatInt(after.ID, 10), after.Email
			// Never the password nor its hash: only that it changed.
			ev.Changes = []audit.Change{{Field: "password", After: "changed"}}
			return ev
		},
	})
	return a, n, s.refused(ctx, by, action, target, err)
}

// CreateRole creates a role with the actions of in, all of which the
// actor must hold.
func (s *Service) CreateRole(ctx context.Context, by Actor, in RoleInput) (Role, error) {
	check := func(*Role) error {
		if by.Admin == nil {
			return nil
		}
		return MaySetPermissions(*by.Admin, Role{}, in.Permissions)
	}
	target := roleTarget(0, in.Name)
	if err := check(nil); err != nil {
		return Role{}, s.refused(ctx, by, audit.RoleCreate, target, err)
	}
	r, err := s.store.CreateRole(ctx, in, RoleChange{Check: check, Describe: s.describeRole(by.Actor, audit.RoleCreate)})
	return r, s.refused(ctx, by, audit.RoleCreate, target, err)
}

// UpdateRole renames role id and replaces its actions with in's.
func (s *Service) UpdateRole(ctx context.Context, by Actor, id int64, in RoleInput) (Role, error) {
	return s.changeRole(ctx, by, id, func(ch RoleChange) (Role, error) { return s.store.UpdateRole(ctx, id, in, ch) },
		func(Role) []Action { return in.Permissions })
}

// SetRolePermission grants or revokes one action of role id.
func (s *Service) SetRolePermission(ctx context.Context, by Actor, id int64, action Action, granted bool) (Role, error) {
	return s.changeRole(ctx, by, id, func(ch RoleChange) (Role, error) { return s.store.SetRolePermission(ctx, id, action, granted, ch) },
		func(before Role) []Action {
			perms := slices.DeleteFunc(slices.Clone(before.Permissions), func(a Action) bool { return a == action })
			if granted {
				perms = append(perms, action)
			}
			return perms
		})
}

// changeRole runs a change to role id whose actions will be those perms
// returns for the role as stored.
func (s *Service) changeRole(ctx context.Context, by Actor, id int64, change func(RoleChange) (Role, error), perms func(before Role) []Action) (Role, error) {
	target := roleTarget(id, "")
	r, err := change(RoleChange{
		Check: func(before *Role) error {
			target = roleTarget(id, before.Name)
			if by.Admin == nil {
				return nil
			}
			return MaySetPermissions(*by.Admin, *before, perms(*before))
		},
		Describe: s.describeRole(by.Actor, audit.RoleUpdate),
	})
	return r, s.refused(ctx, by, audit.RoleUpdate, target, err)
}

// refused records a refusal by the rules, if err is one, and returns err:
// such a refusal changes nothing but is kept in the log, with what was
// tried on what and why it was refused.
func (s *Service) refused(ctx context.Context, by Actor, attempt string, target audit.Event, err error) error {
	var d *Denied
	if !errors.As(err, &d) {
		return err
	}
	ev := by.Event(audit.Denied, s.now().UTC())
	ev.TargetType, ev.TargetID, ev.TargetName = target.TargetType, target.TargetID, target.TargetName
	ev.Changes = []audit.Change{{Field: "attempt", After: attempt}, {Field: "reason", After: d.Reason}}
	// The refusal stands even if it cannot be recorded.
	return errors.Join(err, s.store.RecordAudit(context.WithoutCancel(ctx), ev))
}

func adminTarget(id int64, email string) audit.Event {
	ev := audit.Event{TargetType: audit.TargetAdmin, TargetName: email}
	if id != 0 {
		ev.TargetID = strconv.FormatInt(id, 10)
	}
	return ev
}

func roleTarget(id int64, name string) audit.Event {
	ev := audit.Event{TargetType: audit.TargetRole, TargetName: name}
	if id != 0 {
		ev.TargetID = strconv.FormatInt(id, 10)
	}
	return ev
}

// createdFields is what the log records of a new admin.
func createdFields(a *Admin) map[string]any {
	return map[string]any{"email": a.Email, "name": a.Name, "role": a.Role.Name, "active": a.Active}
}

// describeAdmin is the Describe of a change to an admin by by, recording
// the fields that differ.
func (s *Service) describeAdmin(by audit.Actor, action string, fields func(*Admin) map[string]any) func(before, after *Admin) audit.Event {
	return func(before, after *Admin) audit.Event {
		ev := by.Event(action, s.now().UTC())
		ev.TargetType, ev.TargetID, ev.TargetName = audit.TargetAdmin, strconv.FormatInt(after.ID, 10), after.Email
		var b map[string]any
		if before != nil {
			b = fields(before)
		}
		ev.Changes = audit.Diff(b, fields(after))
		return ev
	}
}

// describeRole is the Describe of a change to a role by by.
func (s *Service) describeRole(by audit.Actor, action string) func(before, after *Role) audit.Event {
	fields := func(r *Role) map[string]any {
		if r == nil {
			return nil
		}
		perms := make([]string, len(r.Permissions))
		for i, p := range r.Permissions {
			perms[i] = string(p)
		}
		slices.Sort(perms)
		return map[string]any{"name": r.Name, "description": r.Description, "permissions": perms}
	}
	return func(before, after *Role) audit.Event {
		ev := by.Event(action, s.now().UTC())
		ev.TargetType, ev.TargetID, ev.TargetName = audit.TargetRole, strconv.FormatInt(after.ID, 10), after.Name
		ev.Changes = audit.Diff(fields(before), fields(after))
		return ev
	}
}
