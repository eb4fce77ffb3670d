package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/tokenadmin/tokenadmin/access"
	"github.com/tokenadmin/tokenadmin/account"
	"github.com/tokenadmin/tokenadmin/audit"
	"github.com/tokenadmin/tokenadmin/db"
	"github.com/tokenadmin/tokenadmin/views"
)

func (s *server) roleOptions(c echo.Context) ([]views.RoleOption, error) {
	roles, err := s.store.Roles(c.Request().Context())
	if err != nil {
		return nil, err
	}
	opts := make([]views.RoleOption, 0, len(roles))
	for _, r := range roles {
		opts = append(opts, views.RoleOption{ID: r.ID, Name: r.Name})
	}
	return opts, nil
}

func (s *server) usersView(c echo.Context) (views.UsersPageView, error) {
	me, _ := currentAdmin(c)
	admins, err := s.store.Admins(c.Request().Context())
	if err != nil {
		return views.UsersPageView{}, err
	}
	roles, err := s.roleOptions(c)
	if err != nil {
		return views.UsersPageView{}, err
	}
	v := views.UsersPageView{
		Roles:     roles,
		CanCreate: access.Can(me, access.UsersCreate),
		CanUpdate: access.Can(me, access.UsersUpdate),
	}
	for _, a := range admins {
		v.Users = append(v.Users, userRow(a, me))
	}
	return v, nil
}

func userRow(a, me access.Admin) views.UserRowView {
	return views.UserRowView{
		ID: a.ID, Email: a.Email, Name: a.Name, RoleID: a.Role.ID, RoleName: a.Role.Name,
		Active: a.Active, LastLoginAt: a.LastLoginAt, IsSelf: a.ID == me.ID,
	}
}

func (s *server) usersIndex(c echo.Context) error {
	v, err := s.usersView(c)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, views.UsersPage(v), nil)
}

func (s *server) userNew(c echo.Context) error {
	roles, err := s.roleOptions(c)
	if err != nil {
		return err
	}
	v := views.UserFormView{Roles: roles}
	for _, r := range roles {
		if r.Name == "Editor" {
			v.RoleID = r.ID
		}
	}
	return s.render(c, http.StatusOK, views.UserCreatePage(v), nil)
}

func (s *server) userCreate(c echo.Context) error {
	ctx := c.Request().Context()
	in, errs := account.ValidateNewAdmin(c.FormValue("email"), c.FormValue("name"), c.FormValue("password"))
	roleID, perr := strconv.ParseInt(c.FormValue("role"), 10, 64)
	if perr != nil {
		errs.Add("role", "Choose a role.")
	}
	if errs.Valid() {
		hash, err := s.passwords.Hash(in.Password)
		if errors.Is(err, account.ErrBusy) {
			retryAfter(c, time.Second)
			return echo.NewHTTPError(http.StatusServiceUnavailable, busyMessage)
		}
		if err != nil {
			return err
		}
		admin, err := s.store.CreateAdmin(ctx, in, hash, roleID)
		switch {
		case errors.Is(err, db.ErrConflict):
			errs.Add("email", "An admin with this email already exists.")
		case errors.Is(err, db.ErrNotFound):
			errs.Add("role", "This role no longer exists.")
		case err != nil:
			return err
		default:
			s.audit(c, adminEvent(audit.UserCreate, admin.ID, admin.Email, audit.Diff(nil, map[string]any{
				"email": admin.Email, "name": admin.Name, "role": admin.Role.Name, "active": admin.Active})))
			s.flash(c, views.FlashSuccess, admin.Name+" can now sign in as "+admin.Role.Name+".")
			return s.redirect(c, "/admin/settings/users")
		}
	}
	roles, err := s.roleOptions(c)
	if err != nil {
		return err
	}
	v := views.UserFormView{Email: in.Email, Name: in.Name, RoleID: roleID, Roles: roles, Errors: errs}
	return s.render(c, http.StatusUnprocessableEntity, views.UserCreatePage(v), nil)
}

// userTarget reads the :id of a user route. Admins may not change their
// own role or deactivate themselves: that is how one locks oneself out.
func (s *server) userTarget(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return 0, echo.ErrNotFound
	}
	if me, _ := currentAdmin(c); me.ID == id {
		return 0, echo.NewHTTPError(http.StatusForbidden, "You cannot change your own role or deactivate yourself.")
	}
	return id, nil
}

// userChanged answers a role or status change: the updated row for htmx,
// the users page otherwise.
func (s *server) userChanged(c echo.Context, id int64, err error, success string) error {
	switch {
	case errors.Is(err, db.ErrNotFound):
		return echo.ErrNotFound
	case errors.Is(err, db.ErrLastSuperAdmin):
		s.flash(c, views.FlashError, "At least one active super admin must remain.")
	case err != nil:
		return err
	default:
		s.flash(c, views.FlashSuccess, success)
	}
	if !wantsFragment(c) {
		return s.redirect(c, "/admin/settings/users")
	}
	v, verr := s.usersView(c)
	if verr != nil {
		return verr
	}
	for _, u := range v.Users {
		if u.ID == id {
			return s.render(c, http.StatusOK, nil, views.UserRow(v, u))
		}
	}
	return echo.ErrNotFound
}

func (s *server) userSetRole(c echo.Context) error {
	id, err := s.userTarget(c)
	if err != nil {
		return err
	}
	roleID, perr := strconv.ParseInt(c.FormValue("role"), 10, 64)
	if perr != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "Choose a role.")
	}
	before := s.adminForAudit(c, id)
	err = s.store.SetAdminRole(c.Request().Context(), id, roleID)
	if err == nil {
		after := s.adminForAudit(c, id)
		s.audit(c, adminEvent(audit.UserRoleChange, id, before.Email, audit.Diff(
			map[string]any{"role": before.Role.Name}, map[string]any{"role": after.Role.Name})))
	}
	return s.userChanged(c, id, err, "Role changed.")
}

func (s *server) userDeactivate(c echo.Context) error {
	id, err := s.userTarget(c)
	if err != nil {
		return err
	}
	before := s.adminForAudit(c, id)
	err = s.store.SetAdminActive(c.Request().Context(), id, false)
	if err == nil {
		s.audit(c, adminEvent(audit.UserDeactivate, id, before.Email, audit.Diff(
			map[string]any{"active": before.Active}, map[string]any{"active": false})))
		// Their sessions already stop at the next request (the admin is
		// read each time); revoking them keeps the record honest too.
		_, err = s.store.RevokeSessions(c.Request().Context(), id, "", "")
	}
	return s.userChanged(c, id, err, "Admin deactivated; their sessions have ended.")
}

func (s *server) userActivate(c echo.Context) error {
	id, err := s.userTarget(c)
	if err != nil {
		return err
	}
	before := s.adminForAudit(c, id)
	err = s.store.SetAdminActive(c.Request().Context(), id, true)
	if err == nil {
		s.audit(c, adminEvent(audit.UserActivate, id, before.Email, audit.Diff(
			map[string]any{"active": before.Active}, map[string]any{"active": true})))
	}
	return s.userChanged(c, id, err, "Admin activated.")
}
