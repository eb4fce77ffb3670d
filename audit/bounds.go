package audit

import (
	"strings"
	"unicode/utf8"
)

// Bounds of what one event keeps, in bytes. Inputs are checked long before
// they reach the log (an email is at most 254 bytes, a token description
// 500 characters), but the log is append-only and written by every entry
// point, so the store cuts every text to a bound on its own: a missed check
// anywhere can never fill it with a 400 KB string, nor fail a change on
// PostgreSQL with bytes that are not UTF-8.
const (
	MaxName      = 1024 // actor email, target type, id and name
	MaxIP        = 64
	MaxUserAgent = 300
	MaxValue     = 2048 // a string value in a change
)

// Bounded returns ev with every text valid UTF-8 without NUL and cut to its bound on a
// character boundary; values in changes that are strings are cut too
// (lists are made of known names, bounded where they are checked).
func Bounded(ev Event) Event {
	ev.ActorEmail = cut(ev.ActorEmail, MaxName)
	ev.Action = cut(ev.Action, MaxName)
	ev.TargetType = cut(ev.TargetType, MaxName)
	ev.TargetID = cut(ev.TargetID, MaxName)
	ev.TargetName = cut(ev.TargetName, MaxName)
	ev.IP = cut(ev.IP, MaxIP)
	ev.UserAgent = cut(ev.UserAgent, MaxUserAgent)
	if len(ev.Changes) > 0 {
		changes := make([]Change, len(ev.Changes))
		for i, c := range ev.Changes {
			c.Field = cut(c.Field, MaxName)
			if s, ok := c.Before.(string); ok {
				c.Before = cut(s, MaxValue)
			}
			if s, ok := c.After.(string); ok {
				c.After = cut(s, MaxValue)
			}
			changes[i] = c
		}
		ev.Changes = changes
	}
	return ev
}

// cut makes s valid UTF-8 without NUL (PostgreSQL text holds neither; each
// becomes U+FFFD) and at most n bytes long without splitting a character.
func cut(s string, n int) string {
	if len(s) > 4*n {
		s = s[:4*n] // spare the validity pass a 400 KB input
	}
	s = strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
