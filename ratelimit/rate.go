// Package ratelimit limits how fast each API token may be used: a rate
// of N requests per second or per minute with a burst of N, checked in
// memory in constant time per request (GCRA, one integer per limited
// key), and the IETF RateLimit headers that describe it.
package ratelimit

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// MaxRequests bounds N in a Rate: beyond it one request is worth less
// than a nanosecond of the window at per-second rates.
const MaxRequests = 1_000_000

// Rate is N requests per Window, with a burst of N.
type Rate struct {
	N      int64
	Window time.Duration // time.Second or time.Minute
}

// ErrBadRate is what ParseRate reports for anything but "N/s" or "N/m".
var ErrBadRate = errors.New("ratelimit: rate must be N/s or N/m with N from 1 to 1000000")

// ParseRate reads "N/s" or "N/m" (white space around the parts allowed).
func ParseRate(s string) (Rate, error) {
	n, unit, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok {
		return Rate{}, ErrBadRate
	}
	var w time.Duration
	switch strings.TrimSpace(unit) {
	case "s":
		w = time.Second
	case "m":
		w = time.Minute
	default:
		return Rate{}, ErrBadRate
	}
	num := strings.TrimSpace(n)
	// Digits only: no sign, no exponent, no leading "+".
	if num == "" || len(num) > 7 || strings.Trim(num, "0123456789") != "" {
		return Rate{}, ErrBadRate
	}
	v, err := strconv.ParseInt(num, 10, 64)
	if err != nil || v < 1 || v > MaxRequests {
		return Rate{}, ErrBadRate
	}
	return Rate{N: v, Window: w}, nil
}

// String is the rate in the syntax ParseRate reads ("" for none).
func (r Rate) String() string {
	if r.N == 0 {
		return ""
	}
	unit := "s"
	if r.Window == time.Minute {
		unit = "m"
	}
	return strconv.FormatInt(r.N, 10) + "/" + unit
}

// Label is the rate as people read it.
func (r Rate) Label() string {
	if r.Window == time.Minute {
		return strconv.FormatInt(r.N, 10) + " per minute"
	}
	return strconv.FormatInt(r.N, 10) + " per second"
}

// interval is the time one request uses of the window.
func (r Rate) interval() int64 { return int64(r.Window) / r.N }

// Policy is the RateLimit-Policy header of r (IETF
// draft-ietf-httpapi-ratelimit-headers, structured-field syntax): the
// quota q in the window w seconds.
func (r Rate) Policy() string {
	return `"token";q=` + strconv.FormatInt(r.N, 10) + `;w=` + strconv.FormatInt(int64(r.Window/time.Second), 10)
}
