package handlers

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/tokenadmin/tokenadmin/apitoken"
	"github.com/tokenadmin/tokenadmin/views"
)

// tokenPause and tokenResume switch a token's key off and on again: the
// same key, permissions and history (api-tokens.update).
func (s *server) tokenPause(c echo.Context) error  { return s.tokenSetPaused(c, true) }
func (s *server) tokenResume(c echo.Context) error { return s.tokenSetPaused(c, false) }

func (s *server) tokenSetPaused(c echo.Context, paused bool) error {
	t, err := s.tokenParam(c)
	if err != nil {
		return err
	}
	var tok apitoken.Token
	if paused {
		tok, err = s.tokens.Pause(c.Request().Context(), s.actor(c), t.ID)
	} else {
		tok, err = s.tokens.Resume(c.Request().Context(), s.actor(c), t.ID)
	}
	if errors.Is(err, apitoken.ErrNotFound) {
		return echo.NewHTTPError(http.StatusNotFound, "This token does not exist. It may have been deleted.")
	}
	if err != nil {
		return err
	}
	me, _ := currentAdmin(c)
	msg := "Token “" + tok.Name + "” resumed: its key works again."
	if paused {
		msg = "Token “" + tok.Name + "” paused: its key gets 401 until you resume it."
		s.log.Info("api token paused", "token_id", tok.ID, "admin_id", me.ID)
	} else {
		s.log.Info("api token resumed", "token_id", tok.ID, "admin_id", me.ID)
	}
	s.flash(c, views.FlashSuccess, msg)
	return s.showToken(c, tok)
}

// tokenEndGrace stops the old key of a rotation at once
// (api-tokens.regenerate, like the rotation itself).
func (s *server) tokenEndGrace(c echo.Context) error {
	t, err := s.tokenParam(c)
	if err != nil {
		return err
	}
	tok, err := s.tokens.EndGrace(c.Request().Context(), s.actor(c), t.ID)
	switch {
	case errors.Is(err, apitoken.ErrNotFound):
		return echo.NewHTTPError(http.StatusNotFound, "This token does not exist. It may have been deleted.")
	case errors.Is(err, apitoken.ErrNoGrace):
		s.flash(c, views.FlashError, "The old key of “"+t.Name+"” was no longer working.")
		return s.showToken(c, t)
	case err != nil:
		return err
	}
	me, _ := currentAdmin(c)
	s.log.Info("api token grace ended", "token_id", tok.ID, "admin_id", me.ID)
	s.flash(c, views.FlashSuccess, "The old key of “"+tok.Name+"” no longer works.")
	return s.showToken(c, tok)
}

// showToken answers a change made from the token's page: the page again
// (with htmx, its content), or a redirect to it without JavaScript.
func (s *server) showToken(c echo.Context, tok apitoken.Token) error {
	if !wantsFragment(c) {
		return s.redirect(c, views.TokenURL(tok.ID, ""))
	}
	f, err := s.tokenPage(c, tok)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, nil, views.TokenEditContent(f))
}

// tokenPage is the token's page view: the form with the token's facts,
// its old key and the clients it was used from.
func (s *server) tokenPage(c echo.Context, t apitoken.Token) (views.TokenFormView, error) {
	f := s.withToken(s.tokenForm(c), t)
	clients, err := s.store.TokenClients(c.Request().Context(), t.ID)
	if err != nil {
		return f, err
	}
	for _, cl := range clients {
		f.Clients = append(f.Clients, views.ClientView{Address: cl.Address, UserAgent: cl.UserAgent, FirstSeen: cl.FirstSeen, LastSeen: cl.LastSeen})
	}
	today := apitoken.Day(s.now())
	usage, err := s.store.TokensUsage(c.Request().Context(), []int64{t.ID}, today-apitoken.UsageDays+1)
	if err != nil {
		return f, err
	}
	u := views.NewUsageView(usage[t.ID], today)
	f.Usage = &u
	return f, nil
}
