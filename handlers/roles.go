package handlers

import (
	"errors"
	"net/http"
	"slices"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/tokenadmin/tokenadmin/access"
	"github.com/tokenadmin/tokenadmin/audit"
	"github.com/tokenadmin/tokenadmin/db"
	"github.com/tokenadmin/tokenadmin/views"
)

func (s *server) rolesIndex(c echo.Context) error {
	roles, err := s.store.Roles(c.Request().Context())
	if err != nil {
		return err
	}
	me, _ := currentAdmin(c)
	v := views.RolesPageView{CanCreate: access.Can(me, access.RolesCreate)}
	for _, r := range roles {
		v.Roles = append(v.Roles, views.RoleRowView{
			ID: r.ID, Name: r.Name, Description: r.Description, AdminCount: r.AdminCount, Locked: r.IsSuperAdmin(),
		})
	}
	return s.render(c, http.StatusOK, views.RolesPage(v), nil)
}

// roleForm builds the form's view model; ticked lists the actions to show
// ticked.
func roleForm(c echo.Context, id int64, name, description string, ticked []access.Action, locked bool) views.RoleFormView {
	me, _ := currentAdmin(c)
	v := views.RoleFormView{ID: id, Name: name, Description: description, Locked: locked}
	v.ReadOnly = id != 0 && !access.Can(me, access.RolesUpdate)
	for _, info := range access.Catalogue() {
		if len(v.Groups) == 0 || v.Groups[len(v.Groups)-1].Name != info.Group {
			v.Groups = append(v.Groups, views.PermissionGroupView{Name: info.Group})
		}
		g := &v.Groups[len(v.Groups)-1]
		g.Items = append(g.Items, views.PermissionItemView{
			Action: string(info.Action), Verb: info.Verb, Checked: slices.Contains(ticked, info.Action),
		})
	}
	return v
}

func (s *server) roleNew(c echo.Context) error {
	return s.render(c, http.StatusOK, views.RoleEditPage(roleForm(c, 0, "", "", nil, false)), nil)
}

func (s *server) roleCreate(c echo.Context) error {
	form, _ := c.FormParams()
	in, errs := access.NewRoleInput(form.Get("name"), form.Get("description"), form["permissions"])
	if errs.Valid() {
		role, err := s.store.CreateRole(c.Request().Context(), in)
		switch {
		case errors.Is(err, db.ErrConflict):
			errs.Add("name", "A role with this name already exists.")
		case err != nil:
			return err
		default:
			s.audit(c, roleEvent(audit.RoleCreate, role.ID, role.Name, audit.Diff(nil, roleAudit(role.Name, role.Description, role.Permissions))))
			s.flash(c, views.FlashSuccess, "Role “"+role.Name+"” created.")
			return s.redirect(c, "/admin/settings/roles/"+strconv.FormatInt(role.ID, 10))
		}
	}
	v := roleForm(c, 0, in.Name, in.Description, in.Permissions, false)
	v.Errors = errs
	return s.render(c, http.StatusUnprocessableEntity, views.RoleEditPage(v), nil)
}

// roleParam reads the :id of a role route and loads the role.
func (s *server) roleParam(c echo.Context) (access.Role, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return access.Role{}, echo.ErrNotFound
	}
	r, err := s.store.RoleByID(c.Request().Context(), id)
	if errors.Is(err, db.ErrNotFound) {
		return r, echo.ErrNotFound
	}
	return r, err
}

func (s *server) roleEdit(c echo.Context) error {
	r, err := s.roleParam(c)
	if err != nil {
		return err
	}
	v := roleForm(c, r.ID, r.Name, r.Description, r.Permissions, r.IsSuperAdmin())
	return s.render(c, http.StatusOK, views.RoleEditPage(v), nil)
}

func (s *server) roleUpdate(c echo.Context) error {
	r, err := s.roleParam(c)
	if err != nil {
		return err
	}
	if r.IsSuperAdmin() {
		return echo.NewHTTPError(http.StatusForbidden, "The super admin role cannot be edited.")
	}
	form, _ := c.FormParams()
	in, errs := access.NewRoleInput(form.Get("name"), form.Get("description"), form["permissions"])
	if errs.Valid() {
		err := s.store.UpdateRole(c.Request().Context(), r.ID, in)
		switch {
		case errors.Is(err, db.ErrConflict):
			errs.Add("name", "A role with this name already exists.")
		case errors.Is(err, db.ErrNotFound):
			return echo.ErrNotFound
		case err != nil:
			return err
		default:
			s.audit(c, roleEvent(audit.RoleUpdate, r.ID, in.Name, audit.Diff(
				roleAudit(r.Name, r.Description, r.Permissions), roleAudit(in.Name, in.Description, in.Permissions))))
			s.flash(c, views.FlashSuccess, "Role “"+in.Name+"” saved.")
			return s.redirect(c, "/admin/settings/roles/"+strconv.FormatInt(r.ID, 10))
		}
	}
	v := roleForm(c, r.ID, in.Name, in.Description, in.Permissions, false)
	v.Errors = errs
	return s.render(c, http.StatusUnprocessableEntity, views.RoleEditPage(v), nil)
}

// rolePermission grants or revokes one action: what a checkbox of the
// matrix posts with htmx. The checkbox sends its own value under
// "permissions" only while ticked.
func (s *server) rolePermission(c echo.Context) error {
	r, err := s.roleParam(c)
	if err != nil {
		return err
	}
	if r.IsSuperAdmin() {
		return echo.NewHTTPError(http.StatusForbidden, "The super admin role cannot be edited.")
	}
	form, _ := c.FormParams()
	action := access.Action(form.Get("action"))
	if !access.Known(action) {
		return echo.NewHTTPError(http.StatusBadRequest, "Unknown permission.")
	}
	granted := slices.Contains(form["permissions"], string(action))
	if err := s.store.SetRolePermission(c.Request().Context(), r.ID, action, granted); err != nil {
		return err
	}
	perms := slices.DeleteFunc(slices.Clone(r.Permissions), func(a access.Action) bool { return a == action })
	if granted {
		perms = append(perms, action)
	}
	s.audit(c, roleEvent(audit.RoleUpdate, r.ID, r.Name, audit.Diff(
		map[string]any{"permissions": actionStrings(r.Permissions)}, map[string]any{"permissions": actionStrings(perms)})))
	verb := "removed from"
	if granted {
		verb = "granted to"
	}
	s.flash(c, views.FlashSuccess, "“"+string(action)+"” "+verb+" "+r.Name+".")
	if !wantsFragment(c) {
		return s.redirect(c, "/admin/settings/roles/"+strconv.FormatInt(r.ID, 10))
	}
	v := roleForm(c, r.ID, r.Name, r.Description, perms, false)
	for _, g := range v.Groups {
		for _, it := range g.Items {
			if it.Action == string(action) {
				return s.render(c, http.StatusOK, nil, views.PermissionToggle(v, it))
			}
		}
	}
	return echo.ErrNotFound
}
