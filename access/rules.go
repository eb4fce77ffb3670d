package access

import "slices"

// The rules below keep delegation from becoming escalation: an admin's
// actions say which pages and changes are open to them; these say which
// of those changes would hand someone (themselves included) more than
// they hold. Nobody grants what they do not hold. Each returns nil or a
// *Denied; the command line, which holds the database anyway, is not
// asked.

// Reasons, as the admin reads them.
const (
	reasonSuperAdminRole  = "Only a super admin can give the Super Admin role."
	reasonRoleBeyondYours = "You cannot give a role that can do more than yours: "
	reasonSelf            = "You cannot change your own role or deactivate yourself."
	reasonSuperAdmin      = "Only a super admin can change or deactivate a super admin."
	reasonOwnRole         = "You cannot change what your own role may do."
	reasonActionNotHeld   = "You cannot grant what your own role does not allow: "
	reasonOthersPassword  = "You can change only your own password; an operator resets others' with tokenadmin admin reset-password."
)

// MayAssignRole decides whether by may give role r to an admin, new or
// existing: the Super Admin role only a super admin may give, and any
// other role only if by holds every action it grants.
func MayAssignRole(by Admin, r Role) error {
	if r.IsSuperAdmin() {
		if !by.Role.IsSuperAdmin() {
			return deny(reasonSuperAdminRole)
		}
		return nil
	}
	if missing := notHeld(by, r.Permissions); len(missing) > 0 {
		return deny(reasonRoleBeyondYours + r.Name + " may " + joinActions(missing) + ".")
	}
	return nil
}

// MayChangeAdmin decides whether by may change target's role or status:
// nobody changes themselves, and only a super admin changes a super admin.
func MayChangeAdmin(by, target Admin) error {
	switch {
	case by.ID == target.ID:
		return deny(reasonSelf)
	case target.Role.IsSuperAdmin() && !by.Role.IsSuperAdmin():
		return deny(reasonSuperAdmin)
	}
	return nil
}

// MaySetPermissions decides whether by may give role (zero for a new one)
// exactly the actions perms: nobody changes what their own role may do,
// and every action added must be one by holds. Taking an action away
// grants nothing and is allowed.
func MaySetPermissions(by Admin, role Role, perms []Action) error {
	added := slices.DeleteFunc(slices.Clone(perms), func(a Action) bool { return slices.Contains(role.Permissions, a) })
	if role.ID != 0 && role.ID == by.Role.ID && (len(added) > 0 || len(perms) != len(role.Permissions)) {
		return deny(reasonOwnRole)
	}
	if missing := notHeld(by, added); len(missing) > 0 {
		return deny(reasonActionNotHeld + joinActions(missing) + ".")
	}
	return nil
}

// notHeld lists the actions of perms that by's role does not grant.
func notHeld(by Admin, perms []Action) []Action {
	var out []Action
	for _, a := range perms {
		if !by.Role.Has(a) {
			out = append(out, a)
		}
	}
	return out
}

func joinActions(as []Action) string {
	s := ""
	for i, a := range as {
		if i > 0 {
			s += ", "
		}
		s += string(a)
	}
	return s
}
