package access

import (
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/tokenadmin/tokenadmin/validate"
)

// RoleInput is a role as submitted by the role form, after cleaning.
type RoleInput struct {
	Name        string
	Description string
	Permissions []Action
}

// NewRoleInput trims and checks what the role form sent. Unknown actions
// are reported, never dropped silently, because a crafted form must not
// look as if it succeeded.
func NewRoleInput(name, description string, permissions []string) (RoleInput, validate.Errors) {
	errs := validate.Errors{}
	in := RoleInput{
		Name:        strings.TrimSpace(name),
		Description: strings.TrimSpace(description),
	}
	errs.Check(in.Name != "", "name", "Name is required.")
	errs.Check(utf8.RuneCountInString(in.Name) <= 50, "name", "Name must be at most 50 characters.")
	// The role's slug is made from its name; a name with nothing to make
	// it from would only fail later, in the store, as a server error.
	errs.Check(in.Name == "" || Slug(in.Name) != "", "name", "Name must contain a letter (a–z) or a digit.")
	errs.Check(utf8.RuneCountInString(in.Description) <= 200, "description", "Description must be at most 200 characters.")
	var unknown []string
	for _, p := range permissions {
		a := Action(p)
		if !Known(a) {
			unknown = append(unknown, p)
			continue
		}
		if !slices.Contains(in.Permissions, a) {
			in.Permissions = append(in.Permissions, a)
		}
	}
	if len(unknown) > 0 {
		errs.Add("permissions", "Unknown permissions: "+strings.Join(unknown, ", ")+".")
	}
	return in, errs
}

// Slug turns a role name into the stable identifier stored beside it
// ("Content Manager" → "content-manager").
func Slug(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(strings.TrimSpace(name)) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		default:
			if b.Len() > 0 && !dash {
				b.WriteByte('-')
				dash = true
			}
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}
