package db

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"testing"

	"github.com/lib/pq"
)

func TestMapError(t *testing.T) {
	unique := &pq.Error{Code: "23505", Message: "duplicate key value"}
	fk := &pq.Error{Code: "23503", Message: "foreign key violation"}
	other := errors.New("boom")
	tests := []struct {
		name string
		in   error
		want error
	}{
		{"no rows", sql.ErrNoRows, ErrNotFound},
		{"wrapped no rows", fmt.Errorf("scan: %w", sql.ErrNoRows), ErrNotFound},
		{"pq unique", unique, ErrConflict},
		{"wrapped pq unique", fmt.Errorf("exec: %w", unique), ErrConflict},
		{"pq foreign key", fk, fk},
		{"other", other, other},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := mapError(tt.in)
			if !errors.Is(got, tt.want) {
				t.Errorf("got %v, want an error matching %v", got, tt.want)
			}
			if tt.want != ErrConflict && errors.Is(got, ErrConflict) {
				t.Errorf("got %v, want no ErrConflict", got)
			}
		})
	}
	if got := mapError(nil); got != nil {
		t.Errorf("mapError(nil): got %v, want nil", got)
	}
	// The driver error stays reachable for logging.
	if got := mapError(unique); !errors.Is(got, unique) {
		t.Errorf("got %v, want it to wrap the *pq.Error", got)
	}
}

func TestWrapPrefixesOperation(t *testing.T) {
	err := wrap("create admin", sql.ErrNoRows)
	if got, want := err.Error(), "db: create admin: not found"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("got %v, want errors.Is ErrNotFound", err)
	}
}

func TestUnavailable(t *testing.T) {
	cases := []struct {
		err  error
		want bool
	}{
		{&pq.Error{Code: "08006"}, true},                   // connection failure
		{&pq.Error{Code: "57P01"}, true},                   // admin shutdown
		{&pq.Error{Code: "53300"}, true},                   // too many connections
		{&pq.Error{Code: "23505"}, false},                  // unique violation
		{fmt.Errorf("db: x: %w", driver.ErrBadConn), true}, // wrapped
		{&net.OpError{Op: "dial", Err: errors.New("refused")}, true},
		{errors.New("syntax error"), false},
		{sql.ErrNoRows, false},
	}
	for _, tc := range cases {
		if got := Unavailable(tc.err); got != tc.want {
			t.Errorf("Unavailable(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}
