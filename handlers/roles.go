package handlers

import (
	"errors"
	"net/http"
	"slices"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/tokenadmin/tokenadmin/access"
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
// ticked. What the current admin may not grant is offered only to be
// taken away: an action their role lacks cannot be ticked, and their own
// role's actions cannot be changed at all.
func roleForm(c echo.Context, id int64, name, description string, ticked []access.Action, locked bool) views.RoleFormView {
	me, _ := currentAdmin(c)
	v := views.RoleFormView{ID: id, Name: name, Description: description, Locked: locked}
	v.OwnRole = id != 0 && id == me.Role.ID
	v.ReadOnly = id != 0 && (!access.Can(me, access.RolesUpdate) || v.OwnRole)
	for _, info := range access.Catalogue() {
		if len(v.Groups) == 0 || v.Groups[len(v.Groups)-1].Name != info.Group {
			v.Groups = append(v.Groups, views.PermissionGroupView{Name: info.Group})
		}
		g := &v.Groups[len(v.Groups)-1]
		checked := slices.Contains(ticked, info.Action)
		g.Items = append(g.Items, views.PermissionItemView{
			Action: string(info.Action), Verb: info.Verb, Checked: checked,
			Disabled: !checked && !me.Role.Has(info.Action),
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
		role, err := s.admins.CreateRole(c.Request().Context(), s.by(c), in)
		switch {
		case errors.Is(err, access.ErrRoleNameTaken):
			errs.Add("name", "A role with this name already exists.")
		case err != nil:
			return s.changeRefused(c, err)
		default:
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
	if errors.Is(err, access.ErrRoleNotFound) {
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
		return s.changeRefused(c, access.ErrRoleLocked)
	}
	form, _ := c.FormParams()
	in, errs := access.NewRoleInput(form.Get("name"), form.Get("description"), form["permissions"])
	if errs.Valid() {
		_, err := s.admins.UpdateRole(c.Request().Context(), s.by(c), r.ID, in)
		switch {
		case errors.Is(err, access.ErrRoleNameTaken):
			errs.Add("name", "A role with this name already exists.")
		case errors.Is(err, access.ErrRoleNotFound):
			return echo.ErrNotFound
		case err != nil:
			return s.changeRefused(c, err)
		default:
			s.flash(c, views.FlashSuccess, "Role “"+in.Name+"” saved.")
			return s.redirect(c, "/admin/settings/roles/"+strconv.FormatInt(r.ID, 10))
		}
	}
	v := roleForm(c, r.ID, in.Name, in.Description, in.Permissions, false)
	v.Errors = errs
	return s.render(c, http.StatusUnprocessableEntity, views.RoleEditPage(v), nil)
}

// rolePermission grants or revokes one action, for a script or an htmx
// caller (the role page itself saves the whole form). The action's value
// comes under "permissions" only to grant it.
func (s *server) rolePermission(c echo.Context) error {
	r, err := s.roleParam(c)
	if err != nil {
		return err
	}
	if r.IsSuperAdmin() {
		return s.changeRefused(c, access.ErrRoleLocked)
	}
	form, _ := c.FormParams()
	action := access.Action(form.Get("action"))
	if !access.Known(action) {
		return echo.NewHTTPError(http.StatusBadRequest, "Unknown permission.")
	}
	granted := slices.Contains(form["permissions"], string(action))
	updated, err := s.admins.SetRolePermission(c.Request().Context(), s.by(c), r.ID, action, granted)
	switch {
	case errors.Is(err, access.ErrRoleNotFound):
		return echo.ErrNotFound
	case err != nil:
		return s.changeRefused(c, err)
	}
	verb := "removed from"
	if granted {
		verb = "granted to"
	}
	words, _ := access.Describe(action)
	s.flash(c, views.FlashSuccess, "“"+words+"” "+verb+" "+r.Name+".")
	if !wantsFragment(c) {
		return s.redirect(c, "/admin/settings/roles/"+strconv.FormatInt(r.ID, 10))
	}
	v := roleForm(c, updated.ID, updated.Name, updated.Description, updated.Permissions, false)
	for _, g := range v.Groups {
		for _, it := range g.Items {
			if it.Action == string(action) {
				return s.render(c, http.StatusOK, nil, views.PermissionToggle(v, it))
			}
		}
	}
	return echo.ErrNotFound
}
