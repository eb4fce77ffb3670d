package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/tokenadmin/tokenadmin/account"
	"github.com/tokenadmin/tokenadmin/audit"
	"github.com/tokenadmin/tokenadmin/views"
)

// account shows the signed-in admin their sessions and the password form.
func (s *server) account(c echo.Context) error {
	return s.renderAccount(c, http.StatusOK, views.PasswordForm{})
}

func (s *server) renderAccount(c echo.Context, status int, pw views.PasswordForm) error {
	me, _ := currentAdmin(c)
	list, err := s.store.AdminSessions(c.Request().Context(), me.ID)
	if err != nil {
		return err
	}
	current := sessionRecordID(currentSession(c))
	v := views.AccountView{Name: me.Name, Email: me.Email, RoleName: me.Role.Name, Password: pw}
	for _, ss := range list {
		v.Sessions = append(v.Sessions, views.SessionView{
			ID: ss.ID, Current: ss.ID == current, CreatedAt: ss.CreatedAt, LastSeenAt: ss.LastSeenAt, IP: ss.IP, UserAgent: ss.UserAgent,
		})
	}
	return s.render(c, status, views.AccountPage(v), nil)
}

// changePassword sets the signed-in admin's own password after checking
// the current one (throttled and audited like every password prompt) and
// signs out their other browsers. Passwords are never written back into
// the form.
func (s *server) changePassword(c echo.Context) error {
	me, _ := currentAdmin(c)
	current, next := c.FormValue("current_password"), c.FormValue("new_password")
	form := views.PasswordForm{Errors: account.ValidatePasswordChange(current, next, c.FormValue("confirm_password"))}
	if !form.Errors.Valid() {
		return s.renderAccount(c, http.StatusUnprocessableEntity, form)
	}
	at, err := s.checkPassword(c, me.Email, current)
	switch {
	case err != nil:
		return err
	case at.refused:
		form.FormError = "Too many wrong passwords. Try again in " + retryAfter(c, at.wait) + "."
		return s.renderAccount(c, http.StatusTooManyRequests, form)
	case at.busy:
		retryAfter(c, time.Second)
		form.FormError = busyMessage
		return s.renderAccount(c, http.StatusServiceUnavailable, form)
	case !at.ok || at.admin.ID != me.ID:
		s.audit(c, adminEvent(audit.ReauthFailed, me.ID, me.Email, nil))
		form.Errors.Add("current_password", "Wrong password.")
		return s.renderAccount(c, http.StatusUnprocessableEntity, form)
	}
	_, ended, err := s.admins.ChangePassword(c.Request().Context(), s.by(c), me.ID, next, sessionRecordID(currentSession(c)))
	if errors.Is(err, account.ErrBusy) {
		retryAfter(c, time.Second)
		form.FormError = busyMessage
		return s.renderAccount(c, http.StatusServiceUnavailable, form)
	}
	if err != nil {
		return err
	}
	// The password was just typed: it vouches for risky actions too.
	sess := currentSession(c)
	sess.Values[keyAuthAt] = s.now().Unix()
	if err := sess.Save(c.Request(), c.Response()); err != nil {
		return err
	}
	msg := "Your password is changed."
	if ended > 0 {
		msg += " " + pluralSessions(ended) + " signed out."
	}
	s.flash(c, views.FlashSuccess, msg)
	return s.redirect(c, "/admin/account")
}

// revokeOtherSessions is "sign out everywhere else".
func (s *server) revokeOtherSessions(c echo.Context) error {
	me, _ := currentAdmin(c)
	n, err := s.store.RevokeSessions(c.Request().Context(), me.ID, "", sessionRecordID(currentSession(c)))
	if err != nil {
		return err
	}
	s.audit(c, adminEvent(audit.SessionsRevoke, me.ID, me.Email, []audit.Change{{Field: "revoked", After: n}}))
	s.flash(c, views.FlashSuccess, pluralSessions(n)+" signed out.")
	return s.redirect(c, "/admin/account")
}

// revokeSession signs one of the admin's own other sessions out.
func (s *server) revokeSession(c echo.Context) error {
	me, _ := currentAdmin(c)
	n, err := s.store.RevokeSessions(c.Request().Context(), me.ID, c.Param("id"), "")
	if err != nil {
		return err
	}
	if n == 0 {
		return echo.ErrNotFound
	}
	s.audit(c, adminEvent(audit.SessionsRevoke, me.ID, me.Email, []audit.Change{{Field: "revoked", After: n}}))
	s.flash(c, views.FlashSuccess, "That browser is signed out.")
	return s.redirect(c, "/admin/account")
}

func pluralSessions(n int) string {
	switch n {
	case 0:
		return "No other session was"
	case 1:
		return "1 other session was"
	}
	return itoaInt(n) + " other sessions were"
}

func itoaInt(n int) string { return strconv.Itoa(n) }
