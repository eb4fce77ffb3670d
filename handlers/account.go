package handlers

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/tokenadmin/tokenadmin/audit"
	"github.com/tokenadmin/tokenadmin/views"
)

// account shows the signed-in admin their sessions.
func (s *server) account(c echo.Context) error {
	me, _ := currentAdmin(c)
	list, err := s.store.AdminSessions(c.Request().Context(), me.ID)
	if err != nil {
		return err
	}
	current := sessionRecordID(currentSession(c))
	v := views.AccountView{Name: me.Name, Email: me.Email, RoleName: me.Role.Name}
	for _, ss := range list {
		v.Sessions = append(v.Sessions, views.SessionView{
			ID: ss.ID, Current: ss.ID == current, CreatedAt: ss.CreatedAt, LastSeenAt: ss.LastSeenAt, IP: ss.IP, UserAgent: ss.UserAgent,
		})
	}
	return s.render(c, http.StatusOK, views.AccountPage(v), nil)
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
