package handlers

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/tokenadmin/tokenadmin/access"
	"github.com/tokenadmin/tokenadmin/account"
	"github.com/tokenadmin/tokenadmin/audit"
	"github.com/tokenadmin/tokenadmin/validate"
	"github.com/tokenadmin/tokenadmin/views"
)

// badCredentials is the one message for a wrong email, a wrong password
// and a deactivated account, so that the form reveals nothing about which
// accounts exist.
const badCredentials = "Invalid email or password."

// adminHome sends /admin wherever the visitor should start: sign-up on a
// fresh install, sign-in when signed out, else the first page they may see.
func (s *server) adminHome(c echo.Context) error {
	if to, err := s.elsewhere(c); to != "" || err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/admin/login")
}

// elsewhere redirects a visitor who has nothing to do on the sign-in page:
// signed in already, or no admin exists yet. It returns where it sent
// them, or "" to go on.
func (s *server) elsewhere(c echo.Context) (string, error) {
	to := ""
	if a, ok := currentAdmin(c); ok {
		to = firstPage(a)
	} else {
		n, err := s.store.CountAdmins(c.Request().Context())
		if err != nil {
			return "", err
		}
		if n == 0 {
			to = "/admin/register"
		}
	}
	if to == "" {
		return "", nil
	}
	return to, c.Redirect(http.StatusSeeOther, to)
}

func (s *server) welcome(c echo.Context) error {
	return s.render(c, http.StatusOK, views.NoAccessPage(), nil)
}

// registrationOpen reports whether the first-admin sign-up may be shown:
// only while no admin exists. Afterwards the page does not exist at all.
func (s *server) registrationOpen(c echo.Context) error {
	n, err := s.store.CountAdmins(c.Request().Context())
	if err != nil {
		return err
	}
	if n > 0 {
		return echo.ErrNotFound
	}
	return nil
}

func (s *server) showRegister(c echo.Context) error {
	if err := s.registrationOpen(c); err != nil {
		return err
	}
	return s.render(c, http.StatusOK, views.RegisterPage(views.AuthForm{}), nil)
}

func (s *server) register(c echo.Context) error {
	if err := s.registrationOpen(c); err != nil {
		return err
	}
	in, errs := account.ValidateNewAdmin(c.FormValue("email"), c.FormValue("name"), c.FormValue("password"))
	form := views.AuthForm{Email: in.Email, Name: in.Name, Errors: errs}
	if !errs.Valid() {
		return s.render(c, http.StatusUnprocessableEntity, views.RegisterPage(form), nil)
	}
	admin, err := s.admins.Register(c.Request().Context(), s.actor(c), in)
	switch {
	case errors.Is(err, access.ErrRegistrationClosed):
		// Someone else registered first, between our check and now.
		return echo.ErrNotFound
	case errors.Is(err, account.ErrBusy):
		retryAfter(c, time.Second)
		form.FormError = busyMessage
		return s.render(c, http.StatusServiceUnavailable, views.RegisterPage(form), nil)
	case err != nil:
		return err
	}
	s.log.Info("first super admin registered", "admin_id", admin.ID)
	if err := s.startSession(c, admin); err != nil {
		return err
	}
	s.flash(c, views.FlashSuccess, "Welcome, "+admin.Name+". You are the first super admin.")
	return s.redirect(c, firstPage(admin))
}

func (s *server) showLogin(c echo.Context) error {
	if to, err := s.elsewhere(c); to != "" || err != nil {
		return err
	}
	return s.render(c, http.StatusOK, views.LoginPage(views.AuthForm{Next: localPath(c.QueryParam("next"))}), nil)
}

func (s *server) login(c echo.Context) error {
	email := account.NormalizeEmail(c.FormValue("email"))
	password := c.FormValue("password")
	form := views.AuthForm{Email: email, Next: localPath(c.FormValue("next")), Errors: validate.Errors{}}
	form.Errors.Check(email != "", "email", "Email is required.")
	form.Errors.Check(password != "", "password", "Password is required.")
	// Checked before the email keys the throttle or reaches the log.
	if len(email) > account.MaxEmailLength {
		form.Email = ""
		form.Errors.Add("email", "Enter a valid email address.")
	}
	if !form.Errors.Valid() {
		return s.render(c, http.StatusUnprocessableEntity, views.LoginPage(form), nil)
	}
	at, err := s.checkPassword(c, email, password)
	switch {
	case err != nil:
		return err
	case at.refused:
		return s.tooManyAttempts(c, form, at.wait)
	case at.busy:
		retryAfter(c, time.Second)
		form.FormError = busyMessage
		return s.render(c, http.StatusServiceUnavailable, views.LoginPage(form), nil)
	case !at.ok:
		s.log.Info("sign-in failed", "remote_ip", c.RealIP())
		s.audit(c, audit.Event{Action: audit.SignInFailed, ActorEmail: email, TargetType: audit.TargetAdmin, TargetName: email})
		if at.wait > 0 {
			return s.tooManyAttempts(c, form, at.wait)
		}
		form.FormError = badCredentials
		return s.render(c, http.StatusUnauthorized, views.LoginPage(form), nil)
	}
	admin, ctx := at.admin, c.Request().Context()
	if err := s.store.TouchAdminLogin(ctx, admin.ID, s.now().UTC()); err != nil {
		return err
	}
	if err := s.startSession(c, admin); err != nil {
		return err
	}
	s.log.Info("signed in", "admin_id", admin.ID)
	s.audit(c, adminEvent(audit.SignIn, admin.ID, admin.Email, nil))
	to := form.Next
	if to == "" {
		to = firstPage(admin)
	}
	return s.redirect(c, to)
}

func (s *server) logout(c echo.Context) error {
	if me, ok := currentAdmin(c); ok {
		s.audit(c, adminEvent(audit.SignOut, me.ID, me.Email, nil))
	}
	s.endSession(c, "")
	s.flash(c, views.FlashSuccess, "You are signed out.")
	return s.redirect(c, "/admin/login")
}

// localPath returns p if it is a path on this site, else "". It keeps the
// sign-in's "come back to where you were" from becoming an open redirect.
func localPath(p string) string {
	if p == "" || len(p) > 2048 || !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.ContainsAny(p, "\\\r\n\t") {
		return ""
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return ""
	}
	return p
}

// tooManyAttempts answers 429 with Retry-After: the same answer for every
// account, known or not.
func (s *server) tooManyAttempts(c echo.Context, form views.AuthForm, wait time.Duration) error {
	form.FormError = "Too many failed sign-ins. Try again in " + retryAfter(c, wait) + "."
	return s.render(c, http.StatusTooManyRequests, views.LoginPage(form), nil)
}

func waitWords(secs int) string {
	if secs < 60 {
		if secs == 1 {
			return "1 second"
		}
		return strconv.Itoa(secs) + " seconds"
	}
	m := (secs + 59) / 60
	if m == 1 {
		return "1 minute"
	}
	return strconv.Itoa(m) + " minutes"
}
