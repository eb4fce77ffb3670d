package views

import (
	"fmt"
	"time"
)

// ExactTime is the full UTC time shown in a tooltip beside a relative one.
func ExactTime(t time.Time) string {
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

// RelativeTime says how far t is from now in words people read at a
// glance ("3 minutes ago", "in 6 days").
func RelativeTime(t, now time.Time) string {
	d := now.Sub(t)
	future := d < 0
	if future {
		d = -d
	}
	var s string
	switch {
	case d < time.Minute:
		if future {
			return "in less than a minute"
		}
		return "just now"
	case d < time.Hour-30*time.Second:
		s = plural(rounded(d, time.Minute), "minute")
	case d < 24*time.Hour-30*time.Minute:
		s = plural(rounded(d, time.Hour), "hour")
	case d < 60*24*time.Hour:
		s = plural(rounded(d, 24*time.Hour), "day")
	case d < 365*24*time.Hour:
		s = plural(rounded(d, 30*24*time.Hour), "month")
	default:
		s = plural(rounded(d, 365*24*time.Hour), "year")
	}
	if future {
		return "in " + s
	}
	return s + " ago"
}

// rounded is d in units, to the nearest: a 7-day token made a second ago
// expires "in 7 days", not "in 6 days".
func rounded(d, unit time.Duration) int { return int((d + unit/2) / unit) }

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// ShortDate is a day as people read it in a list, in UTC like every time
// the admin shows: "7 Dec 2026".
func ShortDate(t time.Time) string {
	return t.UTC().Format("2 Jan 2006")
}
