package dbtest

import (
	"time"

	"github.com/tokenadmin/tokenadmin/access"
	"github.com/tokenadmin/tokenadmin/apitoken"
	"github.com/tokenadmin/tokenadmin/audit"
)

// Every change a store makes needs the audit event that goes with it. The
// hooks below let tests seed and exercise stores directly, with no rules
// and a plain event of action Action by the actor Actor.

// Action and Actor are what test changes record.
const (
	Action = "test.change"
	Actor  = "dbtest"
)

// At is when test changes say they happened: long ago, so that they come
// last in the audit log, after whatever a test records itself.
var At = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

func event(targetType, id, name string) audit.Event {
	return audit.Event{At: At, ActorEmail: Actor, Action: Action, TargetType: targetType, TargetID: id, TargetName: name}
}

// AdminChange is an admin change with no rules and a plain event.
func AdminChange() access.AdminChange {
	return access.AdminChange{Describe: func(_, after *access.Admin) audit.Event {
		return event(audit.TargetAdmin, "", after.Email)
	}}
}

// RoleChange is a role change with no rules and a plain event.
func RoleChange() access.RoleChange {
	return access.RoleChange{Describe: func(_, after *access.Role) audit.Event {
		return event(audit.TargetRole, "", after.Name)
	}}
}

// TokenChange describes a token change with a plain event.
func TokenChange() apitoken.Describe {
	return func(before, after *apitoken.Token) audit.Event {
		t := after
		if t == nil {
			t = before
		}
		return event(audit.TargetToken, "", t.Name)
	}
}
