package content

import (
	"errors"
	"strings"
)

// Errors an entry store reports, whatever database is behind it.
var (
	// ErrNotFound means no entry has the document id asked for, or a
	// single type has no entry yet.
	ErrNotFound = errors.New("content: entry not found")
	// ErrNotUnique is what every *UniqueViolation matches.
	ErrNotUnique = errors.New("content: duplicate value of a unique attribute")
)

// UniqueViolation is a write that would give unique attributes values
// another entry of the type already has.
type UniqueViolation struct {
	Fields []string // attribute names, in schema order
}

// Error returns "already exists: duplicate value for <fields>".
func (e *UniqueViolation) Error() string {
	return "already exists: duplicate value for " + strings.Join(e.Fields, ", ")
}

// Is reports whether target is ErrNotUnique.
func (e *UniqueViolation) Is(target error) bool { return target == ErrNotUnique }
