package handlers

import (
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/tokenadmin/tokenadmin/apitoken"
)

// selfRate is a rate limit as GET /api/token describes it.
type selfRate struct {
	Limit  int64  `json:"limit"`  // requests per window, also the burst
	Window string `json:"window"` // "second" or "minute"
	Value  string `json:"value"`  // as --rate and the form write it: "10/s"
}

// selfQuota is a quota as GET /api/token describes it.
type selfQuota struct {
	Limit     int64   `json:"limit"`
	Remaining int64   `json:"remaining"`
	Refill    *string `json:"refill"` // "daily", "monthly" or null
}

// selfJSON is what GET /api/token tells a key about itself (spec §9):
// never the key, its hash or its hint.
type selfJSON struct {
	ID          int64      `json:"id"`
	Name        string     `json:"name"`
	Type        string     `json:"type"`
	Permissions []string   `json:"permissions"`
	ExpiresAt   any        `json:"expiresAt"`
	LastUsedAt  any        `json:"lastUsedAt"`
	Paused      bool       `json:"paused"`
	GraceEndsAt any        `json:"graceEndsAt,omitempty"` // while a rotated-out key still works
	AllowedIPs  []string   `json:"allowedIps"`
	RateLimit   *selfRate  `json:"rateLimit"`
	Quota       *selfQuota `json:"quota"`
}

// apiSelf describes the key's own token (GET /api/token): any valid key
// may ask, with no permission needed; what Unkey's verify and GitHub's
// expiry header give a client to check itself. This request itself counts
// against the rate limit and quota, as every other. It reads the token
// once from the store (this route only) so that its last use and grace
// are current.
func (s *server) apiSelf(c echo.Context) error {
	cached, ok := currentToken(c)
	if !ok {
		return unauthorized("Missing or invalid credentials", realm)
	}
	tok, err := s.store.TokenByID(c.Request().Context(), cached.ID)
	if errors.Is(err, apitoken.ErrNotFound) {
		// Deleted between the check and now: the key no longer works.
		return unauthorized("Missing or invalid credentials", realm+`, error="invalid_token"`)
	}
	if err != nil {
		return err
	}
	out := selfJSON{
		ID: tok.ID, Name: tok.Name, Type: string(tok.Type), Permissions: s.effectivePermissions(tok),
		ExpiresAt: rfc3339(tok.ExpiresAt), LastUsedAt: rfc3339(tok.LastUsedAt), Paused: tok.Paused,
		GraceEndsAt: rfc3339(tok.GraceEndsAt(s.now())), AllowedIPs: tok.AllowedIPs.Strings(),
	}
	if out.AllowedIPs == nil {
		out.AllowedIPs = []string{}
	}
	if r := tok.RateLimit; r != nil {
		w := "second"
		if r.Window == time.Minute {
			w = "minute"
		}
		out.RateLimit = &selfRate{Limit: r.N, Window: w, Value: r.String()}
	}
	if q := tok.Quota; q != nil {
		sq := &selfQuota{Limit: q.Limit}
		if v := currentVerdict(c); v.QuotaRemaining != nil {
			sq.Remaining = *v.QuotaRemaining
		}
		if q.Refill != "" {
			r := string(q.Refill)
			sq.Refill = &r
		}
		out.Quota = sq
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	return c.JSON(http.StatusOK, map[string]any{"data": out})
}

// effectivePermissions lists the actions tok allows: every action of the
// registry that Allows accepts (a read-only token's reads, all of them for
// full access), and a custom token's stored actions as they are, even
// those no content type offers any more.
func (s *server) effectivePermissions(tok apitoken.Token) []string {
	out := []string{}
	if tok.Type == apitoken.Custom {
		return append(out, tok.Permissions...)
	}
	for _, g := range s.registry.Groups() {
		for _, a := range g.Actions {
			if tok.Allows(a.Action) {
				out = append(out, a.Action)
			}
		}
	}
	return out
}

func rfc3339(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC().Format(time.RFC3339)
}
