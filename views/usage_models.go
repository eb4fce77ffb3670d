package views

import (
	"strconv"
	"time"

	"github.com/tokenadmin/tokenadmin/apitoken"
)

// UsageDayView is one day of a token's requests, by outcome.
type UsageDayView struct {
	Date    time.Time
	OK      int64 // answered below 400
	Refused int64 // 401/403: expired, out of scope, or from outside the allow-list
	Blocked int64 // the part of Refused that came from outside the allow-list
	Limited int64 // 429: rate limit or quota
	Other   int64 // other errors (400, 404, 5xx)
}

// Total is every request of the day.
func (d UsageDayView) Total() int64 { return d.OK + d.Refused + d.Limited + d.Other }

// UsageView is a token's requests over the last apitoken.UsageDays days,
// oldest first, every day present (zero when unused).
type UsageView struct {
	Days []UsageDayView
}

// NewUsageView lays usage (any order, days may be missing) over the
// UsageDays days ending with today.
func NewUsageView(usage []apitoken.DayUsage, today int64) UsageView {
	first := today - apitoken.UsageDays + 1
	v := UsageView{Days: make([]UsageDayView, apitoken.UsageDays)}
	for i := range v.Days {
		v.Days[i].Date = apitoken.DayTime(first + int64(i))
	}
	for _, u := range usage {
		if i := u.Day - first; i >= 0 && i < int64(len(v.Days)) {
			d := &v.Days[i]
			d.OK += u.OK
			d.Refused += u.Refused + u.Blocked
			d.Blocked += u.Blocked
			d.Limited += u.Limited
			d.Other += u.Other
		}
	}
	return v
}

// Totals sums every day.
func (v UsageView) Totals() UsageDayView {
	var t UsageDayView
	for _, d := range v.Days {
		t.OK += d.OK
		t.Refused += d.Refused
		t.Blocked += d.Blocked
		t.Limited += d.Limited
		t.Other += d.Other
	}
	return t
}

// Max is the largest day's total (at least 1, so scales never divide by
// zero).
func (v UsageView) Max() int64 {
	m := int64(1)
	for _, d := range v.Days {
		m = max(m, d.Total())
	}
	return m
}

// Empty reports whether no request was counted.
func (v UsageView) Empty() bool { return v.Totals().Total() == 0 }

// Chart geometry, in SVG user units: one bar per day.
const (
	chartWidth  = 600
	chartHeight = 160
	chartBar    = 20 // slot per day: 30 × 20 = 600
	chartGap    = 4
)

// UsageBar is one day's stacked bar: each segment's y and height.
type UsageBar struct {
	X, Width int
	Segments []UsageSegment
	Label    string // the day's figures, for the bar's <title>
}

// UsageSegment is one outcome's part of a bar.
type UsageSegment struct {
	Y, Height float64
	Outcome   string // ok, refused, limited or other
}

// Bars lays the days out as stacked bars, 2xx at the bottom, then
// refused, then 429, then other errors, scaled to the busiest day.
func (v UsageView) Bars() []UsageBar {
	scale := float64(chartHeight) / float64(v.Max())
	bars := make([]UsageBar, 0, len(v.Days))
	for i, d := range v.Days {
		b := UsageBar{X: i*chartBar + chartGap/2, Width: chartBar - chartGap, Label: d.Summary()}
		y := float64(chartHeight)
		for _, s := range []struct {
			n       int64
			outcome string
		}{{d.OK, "ok"}, {d.Refused, "refused"}, {d.Limited, "limited"}, {d.Other, "other"}} {
			if s.n == 0 {
				continue
			}
			h := max(float64(s.n)*scale, 1) // a day with requests is never invisible
			y -= h
			b.Segments = append(b.Segments, UsageSegment{Y: y, Height: h, Outcome: s.outcome})
		}
		bars = append(bars, b)
	}
	return bars
}

// Summary is the day in words, e.g. "7 Dec: 12 succeeded, 1 refused, 0
// rate-limited, 0 other errors".
func (d UsageDayView) Summary() string {
	return d.Date.Format("2 Jan") + ": " + formatCount(d.OK) + " succeeded, " + formatCount(d.Refused) + " refused, " +
		formatCount(d.Limited) + " rate-limited, " + formatCount(d.Other) + " other errors"
}

// Description is the whole chart in one sentence, for screen readers.
func (v UsageView) Description() string {
	t := v.Totals()
	if t.Total() == 0 {
		return "No requests in the last 30 days."
	}
	return formatCount(t.Total()) + " requests in the last 30 days: " + formatCount(t.OK) + " succeeded, " +
		formatCount(t.Refused) + " refused (" + formatCount(t.Blocked) + " from outside the allow-list), " +
		formatCount(t.Limited) + " rate-limited, " + formatCount(t.Other) + " other errors. Busiest day: " + formatCount(v.Max()) + "."
}

// Sparkline is the points of a small line of the daily totals, in a
// 60 × 16 box.
func (v UsageView) Sparkline() string {
	m := float64(v.Max())
	out := make([]byte, 0, len(v.Days)*10)
	for i, d := range v.Days {
		if i > 0 {
			out = append(out, ' ')
		}
		x := float64(i) * 60 / float64(max(1, len(v.Days)-1))
		y := 15 - float64(d.Total())/m*14
		out = strconv.AppendFloat(out, x, 'f', 1, 64)
		out = append(out, ',')
		out = strconv.AppendFloat(out, y, 'f', 1, 64)
	}
	return string(out)
}

func formatCount(n int64) string {
	s := strconv.FormatInt(n, 10)
	if n < 0 {
		return s
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func ftoa(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) }

// blockedSentence says how many requests came from outside the token's
// allow-list: a key being tried from elsewhere may have leaked.
func blockedSentence(n int64) string {
	switch n {
	case 0:
		return "No request was refused for its address in the last 30 days."
	case 1:
		return "1 request was refused for its address (outside the allow-list) in the last 30 days."
	}
	return formatCount(n) + " requests were refused for their address (outside the allow-list) in the last 30 days."
}
