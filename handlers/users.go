package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/tokenadmin/tokenadmin/access"
	"github.com/tokenadmin/tokenadmin/account"
	"github.com/tokenadmin/tokenadmin/views"
)

// roleOptions are the roles me may give, for a role picker; held, the
// role its admin holds now, is shown too (disabled when me may not give
// it), so that the picker never shows a role the admin does not have.
func roleOptions(roles []access.Role, me access.Admin, held int64) []views.RoleOption {
	opts := make([]views.RoleOption, 0, len(roles))
	for _, r := range roles {
		may := access.MayAssignRole(me, r) == nil
		if may || r.ID == held {
			opts = append(opts, views.RoleOption{ID: r.ID, Name: r.Name, Disabled: !may})
		}
	}
	return opts
}

func (s *server) usersView(c echo.Context) (views.UsersPageView, error) {
	me, _ := currentAdmin(c)
	ctx := c.Request().Context()
	admins, err := s.store.Admins(ctx)
	if err != nil {
		return views.UsersPageView{}, err
	}
	roles, err := s.store.Roles(ctx)
	if err != nil {
		return views.UsersPageView{}, err
	}
	v := views.UsersPageView{
		Roles:     roleOptions(roles, me, 0),
		CanCreate: access.Can(me, access.UsersCreate),
		CanUpdate: access.Can(me, access.UsersUpdate),
	}
	for _, a := range admins {
		row := views.UserRowView{
			ID: a.ID, Email: a.Email, Name: a.Name, RoleID: a.Role.ID, RoleName: a.Role.Name,
			Active: a.Active, LastLoginAt: a.LastLoginAt, IsSelf: a.ID == me.ID,
			CanChange: v.CanUpdate && access.MayChangeAdmin(me, a) == nil,
		}
		if row.CanChange {
			row.Roles = roleOptions(roles, me, a.Role.ID)
		}
		v.Users = append(v.Users, row)
	}
	return v, nil
}

func (s *server) usersIndex(c echo.Context) error {
	v, err := s.usersView(c)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, views.UsersPage(v), nil)
}

// userForm is the create-admin form with the roles the current admin may
// give, Editor chosen when none is.
func (s *server) userForm(c echo.Context, v views.UserFormView) (views.UserFormView, error) {
	me, _ := currentAdmin(c)
	roles, err := s.store.Roles(c.Request().Context())
	if err != nil {
		return v, err
	}
	v.Roles = roleOptions(roles, me, 0)
	if v.RoleID == 0 {
		for _, r := range roles {
			if r.Slug == access.Editor {
				v.RoleID = r.ID
			}
		}
	}
	return v, nil
}

func (s *server) userNew(c echo.Context) error {
	v, err := s.userForm(c, views.UserFormView{})
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, views.UserCreatePage(v), nil)
}

func (s *server) userCreate(c echo.Context) error {
	in, errs := account.ValidateNewAdmin(c.FormValue("email"), c.FormValue("name"), c.FormValue("password"))
	roleID, perr := strconv.ParseInt(c.FormValue("role"), 10, 64)
	if perr != nil {
		errs.Add("role", "Choose a role.")
	}
	if errs.Valid() {
		admin, err := s.admins.CreateAdmin(c.Request().Context(), s.by(c), in, roleID)
		switch {
		case errors.Is(err, access.ErrEmailTaken):
			errs.Add("email", "An admin with this email already exists.")
		case errors.Is(err, access.ErrRoleNotFound):
			errs.Add("role", "This role no longer exists.")
		case err != nil:
			return s.changeRefused(c, err)
		default:
			s.flash(c, views.FlashSuccess, admin.Name+" can now sign in as "+admin.Role.Name+".")
			return s.redirect(c, "/admin/settings/users")
		}
	}
	v, err := s.userForm(c, views.UserFormView{Email: in.Email, Name: in.Name, RoleID: roleID, Errors: errs})
	if err != nil {
		return err
	}
	return s.render(c, http.StatusUnprocessableEntity, views.UserCreatePage(v), nil)
}

// changeRefused answers the errors a change to admins or roles may meet
// that are not about a field: a refusal by the access rules (403, already
// recorded in the audit log), a busy password hasher (503), or err itself.
func (s *server) changeRefused(c echo.Context, err error) error {
	var d *access.Denied
	switch {
	case errors.As(err, &d):
		return echo.NewHTTPError(http.StatusForbidden, d.Reason).SetInternal(err)
	case errors.Is(err, account.ErrBusy):
		retryAfter(c, time.Second)
		return echo.NewHTTPError(http.StatusServiceUnavailable, busyMessage)
	case errors.Is(err, access.ErrRoleLocked):
		return echo.NewHTTPError(http.StatusForbidden, "The super admin role cannot be edited.")
	}
	return err
}

// userParam reads the :id of a user route.
func userParam(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return 0, echo.ErrNotFound
	}
	return id, nil
}

// userChanged answers a role or status change: the updated row for htmx,
// the users page otherwise.
func (s *server) userChanged(c echo.Context, id int64, err error, success string) error {
	switch {
	case errors.Is(err, access.ErrAdminNotFound):
		return echo.ErrNotFound
	case errors.Is(err, access.ErrRoleNotFound):
		return echo.NewHTTPError(http.StatusBadRequest, "This role no longer exists.")
	case errors.Is(err, access.ErrLastSuperAdmin):
		s.flash(c, views.FlashError, "At least one active super admin must remain.")
	case err != nil:
		return s.changeRefused(c, err)
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
	id, err := userParam(c)
	if err != nil {
		return err
	}
	roleID, perr := strconv.ParseInt(c.FormValue("role"), 10, 64)
	if perr != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "Choose a role.")
	}
	_, err = s.admins.SetAdminRole(c.Request().Context(), s.by(c), id, roleID)
	return s.userChanged(c, id, err, "Role changed.")
}

// userConfirmDeactivate is the deactivation's confirmation page, for a
// browser without JavaScript (with it, a dialog on the users page asks).
// Who may not change the admin is refused here already.
func (s *server) userConfirmDeactivate(c echo.Context) error {
	id, err := userParam(c)
	if err != nil {
		return err
	}
	a, err := s.store.AdminByID(c.Request().Context(), id)
	if errors.Is(err, access.ErrAdminNotFound) {
		return echo.ErrNotFound
	}
	if err != nil {
		return err
	}
	me, _ := currentAdmin(c)
	if err := access.MayChangeAdmin(me, a); err != nil {
		return s.changeRefused(c, err)
	}
	row := views.UserRowView{ID: a.ID, Email: a.Email, Name: a.Name}
	return s.render(c, http.StatusOK, views.ConfirmPage("Deactivate "+a.Name, views.DeactivateConfirmForm(row)), nil)
}

func (s *server) userDeactivate(c echo.Context) error {
	id, err := userParam(c)
	if err != nil {
		return err
	}
	_, err = s.admins.SetAdminActive(c.Request().Context(), s.by(c), id, false)
	return s.userChanged(c, id, err, "Admin deactivated; their sessions have ended.")
}

func (s *server) userActivate(c echo.Context) error {
	id, err := userParam(c)
	if err != nil {
		return err
	}
	_, err = s.admins.SetAdminActive(c.Request().Context(), s.by(c), id, true)
	return s.userChanged(c, id, err, "Admin activated.")
}
