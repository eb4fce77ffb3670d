package apitoken

import (
	"strconv"

	"errors"
	"fmt"
	"github.com/tokenadmin/tokenadmin/audit"
	"strings"
	"time"

	"github.com/tokenadmin/tokenadmin/validate"
)

// ErrDisabled means the key's token is paused.
var ErrDisabled = errors.New("apitoken: token disabled")

// OldKey is the key a rotation replaced: it keeps working until
// GraceEndsAt, and is refused as expired after that. Its hash stays
// stored after the grace so that late attempts are recognised, counted
// and shown, instead of looking like made-up keys.
type OldKey struct {
	Hint        string
	GraceEndsAt time.Time
	// LastUsedAt and Requests are the old key's successful uses since the
	// rotation; RefusedAt and Refused its attempts after the grace.
	LastUsedAt *time.Time
	Requests   int64
	RefusedAt  *time.Time
	Refused    int64
}

// InGrace reports whether the old key still works at now: up to, but not
// at, the end of its grace.
func (o *OldKey) InGrace(now time.Time) bool {
	return o != nil && now.Before(o.GraceEndsAt)
}

// InGrace reports whether the token has an old key that still works.
func (t Token) InGrace(now time.Time) bool { return t.OldKey.InGrace(now) }

// GraceEndsAt is when the old key stops working, while it still works;
// nil otherwise.
func (t Token) GraceEndsAt(now time.Time) *time.Time {
	if !t.InGrace(now) {
		return nil
	}
	e := t.OldKey.GraceEndsAt
	return &e
}

// Grace is how long a rotated-out key keeps working.
type Grace string

// The graces the admin and the CLI offer. GraceNone is an immediate
// regenerate.
const (
	GraceNone  Grace = "0"
	Grace1h    Grace = "1h"
	Grace24h   Grace = "24h"
	Grace7d    Grace = "7d"
	graceLimit       = 7 * 24 * time.Hour
)

// Graces lists the graces in display order.
var Graces = []Grace{GraceNone, Grace1h, Grace24h, Grace7d}

// Label is the grace as the regenerate dialog offers it.
func (g Grace) Label() string {
	switch g {
	case GraceNone:
		return "now"
	case Grace1h:
		return "in 1 hour"
	case Grace24h:
		return "in 24 hours"
	case Grace7d:
		return "in 7 days"
	}
	return string(g)
}

// Duration is how long the grace lasts.
func (g Grace) Duration() time.Duration {
	switch g {
	case Grace1h:
		return time.Hour
	case Grace24h:
		return 24 * time.Hour
	case Grace7d:
		return graceLimit
	}
	return 0
}

// ParseGrace reads one of the offered graces ("" is none).
func ParseGrace(s string) (Grace, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return GraceNone, nil
	}
	for _, g := range Graces {
		if string(g) == s {
			return g, nil
		}
	}
	return "", fmt.Errorf("grace must be 0, 1h, 24h or 7d, not %q", s)
}

// Policy is the deployment's rule for token lifetimes: the longest a new
// (or re-timed) token may live, and whether it may live for ever.
type Policy struct {
	// MaxLifetime is the longest duration allowed; 0 means no limit.
	MaxLifetime time.Duration
	// NoUnlimited forbids tokens that never expire.
	NoUnlimited bool
}

// days is a duration's length; 0 for unlimited.
func (d Duration) days() int {
	switch d {
	case Days7:
		return 7
	case Days30:
		return 30
	case Days90:
		return 90
	}
	return 0
}

// Allows reports whether the policy accepts duration d.
func (p Policy) Allows(d Duration) bool {
	if d == Unlimited {
		return !p.NoUnlimited && p.MaxLifetime == 0
	}
	return p.MaxLifetime == 0 || time.Duration(d.days())*24*time.Hour <= p.MaxLifetime
}

// Durations lists the durations the policy accepts, in display order.
func (p Policy) Durations() []Duration {
	var out []Duration
	for _, d := range Durations {
		if p.Allows(d) {
			out = append(out, d)
		}
	}
	return out
}

// Rule says in words what the policy allows; "" when it allows every
// duration.
func (p Policy) Rule() string {
	switch {
	case p.MaxLifetime > 0:
		return "Tokens may live at most " + p.maxLabel() + " here."
	case p.NoUnlimited:
		return "Tokens must expire here."
	}
	return ""
}

// Default is the duration a new token starts with: 30 days, or 7 when
// the policy allows less.
func (p Policy) Default() Duration {
	if p.Allows(Days30) {
		return Days30
	}
	return Days7
}

// check adds a field error when c's duration breaks the policy.
func (p Policy) check(c Clean, errs validate.Errors) {
	if c.Duration == "" || errs["duration"] != "" || p.Allows(c.Duration) {
		return
	}
	if c.Duration == Unlimited {
		errs.Add("duration", "Tokens must expire here: choose "+p.choices()+".")
		return
	}
	errs.Add("duration", "Tokens may live at most "+p.maxLabel()+" here: choose "+p.choices()+".")
}

func (p Policy) maxLabel() string {
	days := int(p.MaxLifetime / (24 * time.Hour))
	if days*24*int(time.Hour) == int(p.MaxLifetime) {
		if days == 1 {
			return "1 day"
		}
		return fmt.Sprintf("%d days", days)
	}
	return p.MaxLifetime.String()
}

func (p Policy) choices() string {
	var labels []string
	for _, d := range p.Durations() {
		labels = append(labels, d.Label())
	}
	switch len(labels) {
	case 0:
		return "nothing (no duration fits the maximum lifetime; ask the operator)"
	case 1:
		return labels[0]
	}
	return strings.Join(labels[:len(labels)-1], ", ") + " or " + labels[len(labels)-1]
}

// Client is where a key was used from: the trusted-proxy-aware client
// address and the user agent, with when first and last seen.
type Client struct {
	Address   string
	UserAgent string
	FirstSeen time.Time
	LastSeen  time.Time
}

// MaxClients is how many distinct (address, user agent) pairs are kept
// per token.
const MaxClients = 5

// maxUserAgent bounds a stored user agent, in bytes.
const maxUserAgent = 256

// CleanUserAgent is a user agent as stored: valid UTF-8 without control
// characters, at most 256 bytes.
func CleanUserAgent(ua string) string {
	ua = strings.ToValidUTF8(ua, "\uFFFD")
	ua = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, ua)
	if len(ua) > maxUserAgent {
		cut := maxUserAgent
		for cut > 0 && !utf8RuneStart(ua[cut]) {
			cut--
		}
		ua = ua[:cut]
	}
	return ua
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }

// RefusedEvent is the audit event of the attempts a batch saw with token
// id's old key after its grace ended: how many, the last one's time and
// client.
func RefusedEvent(id int64, name string, u Usage) audit.Event {
	return audit.Event{
		At: u.RefusedAt, ActorEmail: "api", Action: audit.TokenOldKeyRefused,
		TargetType: audit.TargetToken, TargetID: strconv.FormatInt(id, 10), TargetName: name,
		IP: u.RefusedFrom.Address, UserAgent: u.RefusedFrom.UserAgent,
		Changes: []audit.Change{
			{Field: "note", After: "the old key was used after its grace ended and refused (401 Token expired)"},
			{Field: "attempts", After: u.Refused},
		},
	}
}
