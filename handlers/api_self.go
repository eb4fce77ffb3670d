package handlers

import (
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/tokenadmin/tokenadmin/apitoken"
	"github.com/tokenadmin/tokenadmin/content"
)

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
	body, err := content.OrderedObject{{Key: "data", Value: s.selfJSON(c, tok)}}.AppendJSON(make([]byte, 0, 512))
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	return writeJSON(c, http.StatusOK, append(body, '\n'))
}

// selfJSON is what GET /api/token tells a key about itself, in the key
// order of spec §9: never the key, its hash or its hint. graceEndsAt is
// there only while a rotated-out key still works.
func (s *server) selfJSON(c echo.Context, tok apitoken.Token) content.OrderedObject {
	allowed := tok.AllowedIPs.Strings()
	if allowed == nil {
		allowed = []string{}
	}
	out := content.OrderedObject{{Key: "id", Value: tok.ID}, {Key: "name", Value: tok.Name}, {Key: "type", Value: string(tok.Type)},
		{Key: "permissions", Value: s.effectivePermissions(tok)}, {Key: "expiresAt", Value: rfc3339(tok.ExpiresAt)},
		{Key: "lastUsedAt", Value: rfc3339(tok.LastUsedAt)}, {Key: "paused", Value: tok.Paused}}
	if g := rfc3339(tok.GraceEndsAt(s.now())); g != nil {
		out = append(out, content.Field{Key: "graceEndsAt", Value: g})
	}
	out = append(out, content.Field{Key: "allowedIps", Value: allowed})
	var rate, quota any
	if r := tok.RateLimit; r != nil {
		w := "second"
		if r.Window == time.Minute {
			w = "minute"
		}
		// limit is requests per window, also the burst; value is written
		// as --rate and the form write it ("10/s").
		rate = content.OrderedObject{{Key: "limit", Value: r.N}, {Key: "window", Value: w}, {Key: "value", Value: r.String()}}
	}
	if q := tok.Quota; q != nil {
		var remaining int64
		if v := currentVerdict(c); v.QuotaRemaining != nil {
			remaining = *v.QuotaRemaining
		}
		var refill any // "daily", "monthly" or null
		if q.Refill != "" {
			refill = string(q.Refill)
		}
		quota = content.OrderedObject{{Key: "limit", Value: q.Limit}, {Key: "remaining", Value: remaining}, {Key: "refill", Value: refill}}
	}
	return append(out, content.Field{Key: "rateLimit", Value: rate}, content.Field{Key: "quota", Value: quota})
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
