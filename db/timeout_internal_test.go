package db

import (
	"testing"
	"time"
)

func TestWithStatementTimeout(t *testing.T) {
	tests := []struct {
		in   string
		d    time.Duration
		want string
	}{
		{"postgres://u@h/db?sslmode=disable", 10 * time.Second, "postgres://u@h/db?sslmode=disable&statement_timeout=10000"},
		{"postgres://u@h/db", 1500 * time.Millisecond, "postgres://u@h/db?statement_timeout=1500"},
		// The URL's own setting wins.
		{"postgres://u@h/db?statement_timeout=5000", time.Second, "postgres://u@h/db?statement_timeout=5000"},
		{"postgres://u@h/db", 0, "postgres://u@h/db"},
	}
	for _, tt := range tests {
		got, err := withStatementTimeout(tt.in, tt.d)
		if err != nil || got != tt.want {
			t.Errorf("withStatementTimeout(%q, %v) = %q, %v; want %q", tt.in, tt.d, got, err, tt.want)
		}
	}
}
