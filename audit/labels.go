package audit

// labels are the actions as the log's readers say them. The codes stay
// in the records, the links and the filter's values; people read these.
var labels = map[string]string{
	SignIn:             "Signed in",
	SignInFailed:       "Failed sign-in",
	SignOut:            "Signed out",
	Reauth:             "Confirmed password",
	ReauthFailed:       "Wrong password at a prompt",
	TokenCreate:        "Created token",
	TokenUpdate:        "Edited token",
	TokenRegenerate:    "Regenerated token",
	TokenDelete:        "Deleted token",
	TokenPause:         "Paused token",
	TokenResume:        "Resumed token",
	TokenEndGrace:      "Ended old key's grace",
	TokenOldKeyRefused: "Old key used after its grace",
	RoleCreate:         "Created role",
	RoleUpdate:         "Edited role",
	UserCreate:         "Added admin",
	UserRoleChange:     "Changed admin's role",
	UserDeactivate:     "Deactivated admin",
	UserActivate:       "Reactivated admin",
	UserPasswordChange: "Changed own password",
	UserPasswordReset:  "Reset password (command line)",
	SessionsRevoke:     "Signed out other browsers",
	Denied:             "Refused by the rules",
}

// Label is how the log shows action: in words, or the code itself for an
// action this build does not know (a record from a newer version).
func Label(action string) string {
	if l, ok := labels[action]; ok {
		return l
	}
	return action
}
