package config

import (
	"fmt"
	"time"
)

// DefaultRequestTimeout is how long one request may take before its
// work, database statements included, is stopped. Every legitimate
// request takes milliseconds; this is the backstop for one that the
// limits on input let through and the data makes slow.
const DefaultRequestTimeout = 10 * time.Second

// Bounds of TOKENADMIN_REQUEST_TIMEOUT: shorter would cut off ordinary
// requests on a busy machine, longer is no longer a budget.
const (
	minRequestTimeout = 100 * time.Millisecond
	maxRequestTimeout = 10 * time.Minute
)

func bindRequestTimeout(add func(env, name, usage string)) {
	add("TOKENADMIN_REQUEST_TIMEOUT", "request-timeout",
		"how long a request may run before it is stopped with 503, database statements included (e.g. 10s, 1m), default 10s")
}

func (f *Flags) loadRequestTimeout(getenv func(string) string) (time.Duration, error) {
	raw, name := f.get("TOKENADMIN_REQUEST_TIMEOUT", getenv)
	if raw == "" {
		return DefaultRequestTimeout, nil
	}
	d, err := time.ParseDuration(raw)
	if err != nil || d < minRequestTimeout || d > maxRequestTimeout {
		return 0, fmt.Errorf("%s: %q is not a duration from %v to %v, such as 10s", name, raw, minRequestTimeout, maxRequestTimeout)
	}
	return d, nil
}
