package handlers

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
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

// apiSelf describes the key's own token (GET /api/token): any valid key
// may ask, with no permission needed; never the key or its hash. This
// request itself counts against the rate limit and quota, as every other.
func (s *server) apiSelf(c echo.Context) error {
	tok, ok := currentToken(c)
	if !ok {
		return unauthorized("Missing or invalid credentials", realm)
	}
	perms := tok.Permissions
	if perms == nil {
		perms = []string{}
	}
	data := map[string]any{
		"id": tok.ID, "name": tok.Name, "type": string(tok.Type), "permissions": perms,
		"expiresAt": rfc3339(tok.ExpiresAt), "lastUsedAt": rfc3339(tok.LastUsedAt), "paused": false,
		"allowedIps": tok.AllowedIPs.Strings(), "rateLimit": nil, "quota": nil,
	}
	if r := tok.RateLimit; r != nil {
		w := "second"
		if r.Window == time.Minute {
			w = "minute"
		}
		data["rateLimit"] = selfRate{Limit: r.N, Window: w, Value: r.String()}
	}
	if q := tok.Quota; q != nil {
		sq := selfQuota{Limit: q.Limit}
		if v := currentVerdict(c); v.QuotaRemaining != nil {
			sq.Remaining = *v.QuotaRemaining
		}
		if q.Refill != "" {
			r := string(q.Refill)
			sq.Refill = &r
		}
		data["quota"] = sq
	}
	return c.JSON(http.StatusOK, map[string]any{"data": data})
}

func rfc3339(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC().Format(time.RFC3339)
}
