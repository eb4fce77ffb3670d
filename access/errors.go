package access

import "errors"

// Errors the admin and role stores and the Service report, whatever
// database is behind them.
var (
	// ErrAdminNotFound means no admin has the id or email asked for.
	ErrAdminNotFound = errors.New("access: admin not found")
	// ErrRoleNotFound means no role has the id or slug asked for.
	ErrRoleNotFound = errors.New("access: role not found")
	// ErrEmailTaken means another admin already has the email.
	ErrEmailTaken = errors.New("access: email already taken")
	// ErrRoleNameTaken means another role already has the name (or the
	// slug made from it).
	ErrRoleNameTaken = errors.New("access: role name already taken")
	// ErrRegistrationClosed means the first admin has already been created.
	ErrRegistrationClosed = errors.New("access: registration closed: an admin already exists")
	// ErrLastSuperAdmin means the change would leave no active super admin.
	ErrLastSuperAdmin = errors.New("access: at least one active super admin must remain")
	// ErrRoleLocked means the role is built in and cannot be changed that way.
	ErrRoleLocked = errors.New("access: role is locked")
	// ErrRoleInUse means admins still hold the role.
	ErrRoleInUse = errors.New("access: role is assigned to admins")
	// ErrDenied is what every Denied matches: the rules refused a change
	// to whoever asked, whatever their role's actions allow.
	ErrDenied = errors.New("access: denied")
)

// Denied is a refusal by the rules of rules.go, with the reason an admin
// reads.
type Denied struct{ Reason string }

func (d *Denied) Error() string { return "access: denied: " + d.Reason }

// Is makes every Denied match ErrDenied.
func (d *Denied) Is(target error) bool { return target == ErrDenied }

func deny(reason string) error { return &Denied{Reason: reason} }
