package handlers

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/tokenadmin/tokenadmin/access"
	"github.com/tokenadmin/tokenadmin/apitoken"
	"github.com/tokenadmin/tokenadmin/views"
)

// maxListPage bounds ?page= so that its offset cannot overflow.
const maxListPage = 100_000_000

// expiringSoon is the window of the "expiring" banner and filter (the
// row's badge is Token.ExpiringSoon's, which spares short-lived tokens).
const expiringSoon = 7 * 24 * time.Hour

func (s *server) tokensIndex(c echo.Context) error {
	me, _ := currentAdmin(c)
	v, err := s.tokensList(c.Request().Context(), me, c.QueryParams())
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, views.TokensPage(v), views.TokensContent(v))
}

// tokensList is the list as params (the list page's query) ask for it:
// its page of tokens with their rows (each with its usage) and the
// banner of tokens expiring soon.
func (s *server) tokensList(ctx context.Context, me access.Admin, params url.Values) (views.TokensPageView, error) {
	v, tokens, err := s.tokensPage(ctx, me, params)
	if err != nil {
		return views.TokensPageView{}, err
	}
	now := s.now()
	expiring, err := s.store.CountTokensExpiring(ctx, now, now.Add(expiringSoon))
	if err != nil {
		return views.TokensPageView{}, err
	}
	v.Expiring, v.ExpiringMore = expiring.N, expiring.Kind != apitoken.CountExact
	// Every row's sparkline in one query: the page's ids, 30 days each.
	ids := make([]int64, len(tokens))
	for i, t := range tokens {
		ids[i] = t.ID
	}
	today := apitoken.Day(now)
	usage, err := s.store.TokensUsage(ctx, ids, today-apitoken.UsageDays+1)
	if err != nil {
		return views.TokensPageView{}, err
	}
	for _, t := range tokens {
		r := views.TokenRowView{
			ID: t.ID, Name: t.Name, KeyHint: t.KeyHint, Description: t.Description, Type: string(t.Type), TypeLabel: t.Type.Label(),
			CreatedAt: t.CreatedAt, LastUsedAt: t.LastUsedAt, ExpiresAt: t.ExpiresAt,
			Expired: t.Expired(now), ExpiringSoon: t.ExpiringSoon(now), Paused: t.Paused,
			Usage: views.NewUsageView(usage[t.ID], today),
		}
		// As of the last usage batch: reading each instance's unflushed
		// spending would cost a query a row.
		if left := t.QuotaRemaining(now); left != nil {
			r.Quota = &views.QuotaLeftView{Left: *left, Limit: t.Quota.Limit, Refill: string(t.Quota.Refill)}
		}
		v.Rows = append(v.Rows, r)
	}
	return v, nil
}

// tokensPage is the page of tokens params ask for and what its summary
// and links show, without rows: all a delete in place draws again.
func (s *server) tokensPage(ctx context.Context, me access.Admin, params url.Values) (views.TokensPageView, []apitoken.Token, error) {
	q := apitoken.ListQuery{
		// No name is longer than MaxNameLen characters of up to 4 bytes.
		Search: truncateUTF8(strings.TrimSpace(params.Get("q")), 4*apitoken.MaxNameLen),
		Sort:   params.Get("sort"),
		Desc:   params.Get("dir") == "desc",
		Limit:  apitoken.PageSize,
	}
	switch q.Sort {
	case apitoken.SortName, apitoken.SortCreated, apitoken.SortLastUsed:
	default:
		q.Sort = apitoken.SortName
	}
	page, _ := strconv.Atoi(params.Get("page"))
	page = min(max(page, 1), maxListPage)
	// A page reached by Previous or Next carries a cursor and is found by
	// seeking; a bare ?page=N (an old link, a bookmark), or one whose
	// cursor does not parse, by position.
	q.After, q.Before = params.Get("after"), params.Get("before")
	q.Offset = (page - 1) * q.Limit
	now := s.now()
	filter := params.Get("filter")
	switch filter {
	case views.FilterPaused:
		q.Filter = apitoken.ListFilter{Paused: true}
	case views.FilterExpiring:
		q.Filter = apitoken.ExpiringWithin(now, expiringSoon)
	case views.FilterExpired:
		q.Filter = apitoken.ListFilter{Expired: true, Now: now.UTC()}
	case views.FilterNeverUsed:
		q.Filter = apitoken.ListFilter{NeverUsed: true}
	default:
		if slices.Contains(apitoken.Types, apitoken.Type(filter)) {
			q.Filter = apitoken.ListFilter{Type: apitoken.Type(filter)}
		} else {
			filter = ""
		}
	}
	res, err := s.store.TokenPage(ctx, q)
	if err != nil {
		return views.TokensPageView{}, nil, err
	}
	v := views.TokensPageView{
		Total: res.Total.N, Page: page,
		TotalAbout:   res.Total.Kind == apitoken.CountEstimate,
		TotalAtLeast: res.Total.Kind == apitoken.CountAtLeast,
		HasPrev:      res.HasPrev, HasNext: res.HasNext,
		FirstCursor: res.First, LastCursor: res.Last,
		Search: q.Search, Sort: q.Sort, Desc: q.Desc, Filter: filter,
		CanCreate: access.Can(me, access.TokensCreate),
		CanUpdate: access.Can(me, access.TokensUpdate),
		CanDelete: access.Can(me, access.TokensDelete),
	}
	if !v.TotalAtLeast {
		v.Pages = max((v.Total+q.Limit-1)/q.Limit, page)
	}
	return v, res.Tokens, nil
}

// accordionGroups are the registry's content types as the accordion and
// the content API page show them.
func (s *server) accordionGroups() []views.AccordionGroupView {
	var out []views.AccordionGroupView
	for _, g := range s.registry.Groups() {
		ag := views.AccordionGroupView{UID: g.UID, DisplayName: g.DisplayName}
		for _, a := range g.Actions {
			ag.Actions = append(ag.Actions, views.AccordionActionView{
				Action: a.Action, Verb: a.Verb, Method: a.Method, Path: a.Path, Description: a.Description,
			})
		}
		out = append(out, ag)
	}
	return out
}

// contentAPI shows what each permission opens: any signed-in admin may
// read it, as in Strapi.
func (s *server) contentAPI(c echo.Context) error {
	return s.render(c, http.StatusOK, views.ContentAPIPage(s.accordionGroups()), nil)
}

// tokenForm builds the form's view model for the current admin.
func (s *server) tokenForm(c echo.Context) views.TokenFormView {
	me, _ := currentAdmin(c)
	f := views.TokenFormView{Groups: s.accordionGroups()}
	f.ReadOnly = !access.Can(me, access.TokensUpdate)
	f.NeedsReauth = !s.recentlyAuthenticated(c)
	f.CanRegenerate = access.Can(me, access.TokensRegenerate)
	f.CanDelete = access.Can(me, access.TokensDelete)
	f.CanPause = access.Can(me, access.TokensUpdate)
	f.LifetimeRule = s.tokens.Policy.Rule()
	return f
}

// withToken fills the form with a stored token's facts and values.
func (s *server) withToken(f views.TokenFormView, t apitoken.Token) views.TokenFormView {
	f.ID, f.Title, f.Name, f.Description, f.Type = t.ID, t.Name, t.Name, t.Description, string(t.Type)
	f.Permissions = t.Permissions
	f = withGuardInput(f, t.Guardrails.Input())
	f.KeyHint, f.CreatedAt, f.LastUsedAt, f.ExpiresAt = t.KeyHint, t.CreatedAt, t.LastUsedAt, t.ExpiresAt
	now := s.now()
	f.Expired = t.Expired(now)
	f.CanWrite = t.CanWrite()
	f.Paused = t.Paused
	f.OldKey = nil
	if o := t.OldKey; o != nil {
		f.OldKey = &views.OldKeyView{
			Hint: o.Hint, GraceEndsAt: o.GraceEndsAt, InGrace: o.InGrace(now), Remaining: o.GraceEndsAt.Sub(now),
			LastUsedAt: o.LastUsedAt, Requests: o.Requests, RefusedAt: o.RefusedAt, Refused: o.Refused,
		}
	}
	f.Orphans = nil
	for _, p := range t.Permissions {
		if !s.registry.KnownAction(p) {
			f.Orphans = append(f.Orphans, p)
		}
	}
	return f
}

// withInput puts what the admin typed back into the form.
func withInput(f views.TokenFormView, in apitoken.Input) views.TokenFormView {
	f.Name, f.Description, f.Type, f.Duration, f.Permissions = in.Name, in.Description, in.Type, in.Duration, in.Permissions
	return withGuardInput(f, in.GuardInput)
}

// withGuardInput puts guardrails, as typed or as stored, into the form.
func withGuardInput(f views.TokenFormView, g apitoken.GuardInput) views.TokenFormView {
	f.AllowedIPs = strings.Join(g.AllowedIPs, "\n")
	f.RateLimit, f.Quota, f.QuotaRefill = g.RateLimit, g.Quota, g.QuotaRefill
	return f
}

func tokenInput(c echo.Context) apitoken.Input {
	form, _ := c.FormParams()
	return apitoken.Input{
		Name:        form.Get("name"),
		Description: form.Get("description"),
		Type:        form.Get("type"),
		Duration:    form.Get("duration"),
		Permissions: form["permissions"],
		GuardInput: apitoken.GuardInput{
			// Every line as typed (blank ones too), so that a rejected
			// list comes back exactly as it was sent; the domain skips
			// blanks and trims.
			AllowedIPs:  lines(form.Get("allowed_ips")),
			RateLimit:   form.Get("rate_limit"),
			Quota:       form.Get("quota"),
			QuotaRefill: form.Get("quota_refill"),
		},
	}
}

// lines splits a textarea's value into its lines; browsers send CRLF.
func lines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
}

func (s *server) tokenNew(c echo.Context) error {
	f := s.tokenForm(c)
	f.Type, f.Duration = string(apitoken.ReadOnly), string(s.tokens.Policy.Default())
	return s.render(c, http.StatusOK, views.TokenCreatePage(f), views.TokenCreateContent(f))
}

// reauthMessage is the field error when a change that lets a key write
// needs the password again.
const reauthMessage = "Enter your password to let a token change content."

// loosenMessage is the field error when a change that loosens a key's
// limits needs the password again.
const loosenMessage = "Enter your password to loosen this token's limits."

// updateAsks reports whether saving in over before needs the password
// again (when it was last typed long ago), and what to ask: a change that
// lets a leaked key do more, by writing or by escaping its limits.
func updateAsks(before apitoken.Token, in apitoken.Input) (bool, string) {
	switch {
	case growsWrite(&before, in):
		return true, reauthMessage
	case apitoken.GuardrailsLoosen(before.Guardrails, in.GuardInput):
		return true, loosenMessage
	}
	return false, ""
}

// growsWrite reports whether in lets a key write what before (nil for a
// new token) could not: full access or any write action added.
func growsWrite(before *apitoken.Token, in apitoken.Input) bool {
	var from apitoken.Type
	var perms []string
	if before != nil {
		from, perms = before.Type, before.Permissions
	}
	return apitoken.WritePowerGrows(from, perms, apitoken.Type(in.Type), in.Permissions)
}

func (s *server) tokenCreate(c echo.Context) error {
	me, _ := currentAdmin(c)
	in := tokenInput(c)
	p, err := s.reauthenticated(c, growsWrite(nil, in), reauthMessage)
	if err != nil {
		return err
	}
	if p != nil {
		_, errs := s.tokens.Validate(in, true)
		errs.Add("current_password", p.message)
		f := withInput(s.tokenForm(c), in)
		f.Errors = errs
		return s.render(c, p.status, views.TokenCreatePage(f), views.TokenCreateContent(f))
	}
	tok, key, errs, err := s.tokens.Create(c.Request().Context(), s.actor(c), in)
	if err != nil {
		return err
	}
	if !errs.Valid() {
		f := withInput(s.tokenForm(c), in)
		f.Errors = errs
		return s.render(c, http.StatusUnprocessableEntity, views.TokenCreatePage(f), views.TokenCreateContent(f))
	}
	s.log.Info("api token created", "token_id", tok.ID, "type", string(tok.Type), "admin_id", me.ID)
	s.flash(c, views.FlashSuccess, "Token “"+tok.Name+"” created.")
	return s.reveal(c, http.StatusCreated, tok, key)
}

// reveal answers create and regenerate: the token's page with the key,
// the only time the key is ever sent. It is never redirected to, stored in
// the session or cached; htmx is told the token's own URL, so a reload is
// a plain GET that shows no key.
func (s *server) reveal(c echo.Context, status int, tok apitoken.Token, key string) error {
	f, err := s.tokenPage(c, tok)
	if err != nil {
		return err
	}
	f.Reveal = key
	h := c.Response().Header()
	h.Set(echo.HeaderCacheControl, "no-store")
	h.Set("Pragma", "no-cache")
	if isHTMX(c) {
		h.Set(hxReplaceURL, views.TokenURL(tok.ID, ""))
	}
	return s.render(c, status, views.TokenEditPage(f), views.TokenEditContent(f))
}

// tokenParam loads the token of a /:id route; a missing or malformed id is
// a 404 page, as is a token deleted meanwhile.
func (s *server) tokenParam(c echo.Context) (apitoken.Token, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return apitoken.Token{}, echo.NewHTTPError(http.StatusNotFound, "This token does not exist. It may have been deleted.")
	}
	t, err := s.store.TokenByID(c.Request().Context(), id)
	if errors.Is(err, apitoken.ErrNotFound) {
		return t, echo.NewHTTPError(http.StatusNotFound, "This token does not exist. It may have been deleted.")
	}
	return t, err
}

func (s *server) tokenEdit(c echo.Context) error {
	t, err := s.tokenParam(c)
	if err != nil {
		return err
	}
	f, err := s.tokenPage(c, t)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, views.TokenEditPage(f), views.TokenEditContent(f))
}

func (s *server) tokenUpdate(c echo.Context) error {
	t, err := s.tokenParam(c)
	if err != nil {
		return err
	}
	in := tokenInput(c)
	needed, ask := updateAsks(t, in)
	p, err := s.reauthenticated(c, needed, ask)
	if err != nil {
		return err
	}
	if p != nil {
		_, errs := s.tokens.Validate(in, false)
		errs.Add("current_password", p.message)
		f := withInput(s.withToken(s.tokenForm(c), t), in)
		f.Errors = errs
		return s.render(c, p.status, views.TokenEditPage(f), views.TokenEditContent(f))
	}
	updated, errs, err := s.tokens.Update(c.Request().Context(), s.actor(c), t.ID, in)
	if errors.Is(err, apitoken.ErrNotFound) {
		return echo.NewHTTPError(http.StatusNotFound, "This token does not exist. It may have been deleted.")
	}
	if err != nil {
		return err
	}
	if !errs.Valid() {
		f := withInput(s.withToken(s.tokenForm(c), t), in)
		f.Errors = errs
		return s.render(c, http.StatusUnprocessableEntity, views.TokenEditPage(f), views.TokenEditContent(f))
	}
	me, _ := currentAdmin(c)
	s.log.Info("api token updated", "token_id", t.ID, "admin_id", me.ID)
	s.flash(c, views.FlashSuccess, "Token “"+updated.Name+"” saved.")
	if !wantsFragment(c) {
		return s.redirect(c, views.TokenURL(t.ID, ""))
	}
	f, err := s.tokenPage(c, updated)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, nil, views.TokenEditContent(f))
}

func (s *server) tokenConfirmRegenerate(c echo.Context) error {
	t, err := s.tokenParam(c)
	if err != nil {
		return err
	}
	ask := t.CanWrite() && !s.recentlyAuthenticated(c)
	return s.render(c, http.StatusOK, views.ConfirmPage("Regenerate token", views.RegenerateConfirmForm(t.ID, t.Name, ask, "")), nil)
}

func (s *server) tokenRegenerate(c echo.Context) error {
	t, err := s.tokenParam(c)
	if err != nil {
		return err
	}
	p, err := s.reauthenticated(c, t.CanWrite(), reauthMessage)
	if err != nil {
		return err
	}
	if p != nil {
		form := views.RegenerateConfirmForm(t.ID, t.Name, true, p.message)
		return s.render(c, p.status, views.ConfirmPage("Regenerate token", form), views.ConfirmCard(form))
	}
	grace, err := apitoken.ParseGrace(c.FormValue("grace"))
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "Choose when the old key stops working: now, in 1 hour, in 24 hours or in 7 days.")
	}
	tok, key, err := s.tokens.Rotate(c.Request().Context(), s.actor(c), t.ID, grace)
	if errors.Is(err, apitoken.ErrNotFound) {
		return echo.NewHTTPError(http.StatusNotFound, "This token does not exist. It may have been deleted.")
	}
	if err != nil {
		return err
	}
	me, _ := currentAdmin(c)
	s.log.Info("api token regenerated", "token_id", t.ID, "admin_id", me.ID, "grace", string(grace))
	if end := tok.GraceEndsAt(s.now()); end != nil {
		s.flash(c, views.FlashSuccess, "Token “"+tok.Name+"” has a new key. The old key keeps working until "+views.ExactTime(*end)+".")
	} else {
		s.flash(c, views.FlashSuccess, "Token “"+tok.Name+"” regenerated. The old key no longer works.")
	}
	return s.reveal(c, http.StatusCreated, tok, key)
}

func (s *server) tokenConfirmDelete(c echo.Context) error {
	t, err := s.tokenParam(c)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, views.ConfirmPage("Delete token", views.DeleteConfirmForm(t.ID, t.Name, false)), nil)
}

func (s *server) tokenDelete(c echo.Context) error {
	t, err := s.tokenParam(c)
	if err != nil {
		return err
	}
	// Deleted meanwhile is deleted all the same (and recorded by whoever
	// did it).
	if _, err := s.tokens.Delete(c.Request().Context(), s.actor(c), t.ID); err != nil && !errors.Is(err, apitoken.ErrNotFound) {
		return err
	}
	me, _ := currentAdmin(c)
	s.log.Info("api token deleted", "token_id", t.ID, "admin_id", me.ID)
	s.flash(c, views.FlashSuccess, "Token “"+t.Name+"” deleted.")
	if wantsFragment(c) && c.Request().Header.Get("HX-Target") == "token-row-"+strconv.FormatInt(t.ID, 10) {
		// An empty answer swapped over the row removes it in place; the
		// list's page summary ("Page 1 of 2 · 30 tokens") and links are
		// drawn again for the list the admin is looking at.
		if u, err := url.Parse(c.Request().Header.Get("HX-Current-URL")); err == nil && u.Path == views.TokensURL {
			v, _, err := s.tokensPage(c.Request().Context(), me, u.Query())
			if err != nil {
				return err
			}
			return s.render(c, http.StatusOK, nil, views.PaginationOOB(v))
		}
		return s.render(c, http.StatusOK, nil, views.Nothing())
	}
	return s.redirect(c, views.TokensURL)
}

// tokenConfirmDeleteExpired is the bulk delete's confirmation page, for a
// browser without JavaScript (with it, a dialog on the list asks).
func (s *server) tokenConfirmDeleteExpired(c echo.Context) error {
	return s.render(c, http.StatusOK, views.ConfirmPage("Delete expired tokens", views.DeleteExpiredForm()), nil)
}

// tokenDeleteExpired deletes the expired tokens, a bounded batch at a
// time, each audited and revoked as a single delete is.
func (s *server) tokenDeleteExpired(c echo.Context) error {
	n, more, err := s.tokens.DeleteExpired(c.Request().Context(), s.actor(c))
	if err != nil {
		return err
	}
	me, _ := currentAdmin(c)
	s.log.Info("expired api tokens deleted", "count", n, "admin_id", me.ID)
	msg := "No token had expired."
	switch {
	case n == 1:
		msg = "1 expired token deleted."
	case n > 1:
		msg = strconv.Itoa(n) + " expired tokens deleted."
	}
	if more {
		msg += " More have expired: delete again to go on."
	}
	s.flash(c, views.FlashSuccess, msg)
	return s.redirect(c, views.ExpiredURL)
}
