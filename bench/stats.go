package main

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"
)

// median of xs (the mean of the middle two for an even count); 0 if empty.
func median[T int64 | float64 | time.Duration](xs []T) T {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// percentile of sorted durations by nearest rank, p in (0, 100].
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted))*p/100+0.999999) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// thousands writes n with comma separators: 48123 -> "48,123".
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	out := make([]byte, 0, len(s)+len(s)/3)
	for i, c := range []byte(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, c)
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}

// ms formats a duration in milliseconds with sensible precision.
func ms(d time.Duration) string {
	v := float64(d) / float64(time.Millisecond)
	switch {
	case v < 1:
		return fmt.Sprintf("%.3f ms", v)
	case v < 100:
		return fmt.Sprintf("%.1f ms", v)
	}
	return fmt.Sprintf("%s ms", thousands(int64(v+0.5)))
}

// nsPerOp formats a benchmark figure.
func nsPerOp(v float64) string {
	if v < 100 {
		return fmt.Sprintf("%.1f ns/op", v)
	}
	return thousands(int64(v+0.5)) + " ns/op"
}

// ratio formats a/b, or "-" when b is zero.
func ratio(a, b float64) string {
	if b == 0 {
		return "-"
	}
	// Truncated, not rounded: 0.9485 shown as 0.95 beside "≥ 0.95
	// MISSED" read as a contradiction.
	return fmt.Sprintf("%.2f", math.Floor(a/b*100)/100)
}
