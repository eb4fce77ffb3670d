package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Lifetime is the deployment's rule for how long new and re-timed API
// tokens may live, enforced on create and edit (admin and CLI alike).
type Lifetime struct {
	// Max is the longest duration a token may be given; 0 means no limit.
	Max time.Duration
	// NoUnlimited forbids tokens that never expire (implied by a Max).
	NoUnlimited bool
}

func bindLifetime(add func(env, name, usage string)) {
	add("TOKENADMIN_TOKEN_MAX_LIFETIME", "token-max-lifetime", "longest duration a new or re-timed token may have, in days from 7d (e.g. 30d; unlimited for no limit), default unlimited")
	add("TOKENADMIN_TOKEN_ALLOW_UNLIMITED", "token-allow-unlimited", "true|false: whether tokens may never expire, default true (false when a maximum lifetime is set)")
}

// maxLifetimeDays bounds TOKENADMIN_TOKEN_MAX_LIFETIME: ten years.
const maxLifetimeDays = 3650

func (f *Flags) loadLifetime(getenv func(string) string) (Lifetime, error) {
	var l Lifetime
	raw, name := f.get("TOKENADMIN_TOKEN_MAX_LIFETIME", getenv)
	switch raw = strings.TrimSpace(raw); raw {
	case "", "unlimited", "0":
	default:
		n, err := strconv.Atoi(strings.TrimSuffix(raw, "d"))
		// The shortest duration a token can be given is 7 days: a lower
		// maximum would allow none.
		if err != nil || !strings.HasSuffix(raw, "d") || n < 7 || n > maxLifetimeDays {
			return l, fmt.Errorf("%s: %q is not a number of days from 7d to %dd, or unlimited", name, raw, maxLifetimeDays)
		}
		l.Max = time.Duration(n) * 24 * time.Hour
		l.NoUnlimited = true
	}
	raw, name = f.get("TOKENADMIN_TOKEN_ALLOW_UNLIMITED", getenv)
	if raw != "" {
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return l, fmt.Errorf("%s: %q is not true or false", name, raw)
		}
		if b && l.Max > 0 {
			return l, fmt.Errorf("%s: true contradicts TOKENADMIN_TOKEN_MAX_LIFETIME", name)
		}
		l.NoUnlimited = !b
	}
	return l, nil
}
