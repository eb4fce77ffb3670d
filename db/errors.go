package db

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/lib/pq"
	"github.com/lib/pq/pqerror"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Sentinel errors, matched with errors.Is. Their text carries no "db:"
// prefix because every error leaving the package already has one.
var (
	// ErrNotFound means the row asked for does not exist.
	ErrNotFound = errors.New("not found")
	// ErrConflict means a unique value (an email, a role name or slug) is
	// already taken.
	ErrConflict = errors.New("already exists")
)

// Admins and roles report the access package's errors (access.ErrAdminNotFound,
// access.ErrLastSuperAdmin, ...) and tokens apitoken's: what a rule or a
// missing row means belongs to the domain, not to the database.

// mapError turns driver errors the caller can act on into sentinels,
// looking only at error codes: messages differ between versions and
// locales. The driver error stays in the chain for logging.
func mapError(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	if isUniqueViolation(err) {
		return fmt.Errorf("%w: %w", ErrConflict, err)
	}
	return err
}

// Unavailable is the package's Unavailable, as a method so that callers
// that only hold a store need not import the package to ask.
func (d *DB) Unavailable(err error) bool { return Unavailable(err) }

// Unavailable reports whether err means the database could not be reached
// or dropped the connection (not that it refused the query): a retry may
// succeed, so callers answer 503 rather than 500.
func Unavailable(err error) bool {
	if pqErr, ok := errors.AsType[*pq.Error](err); ok {
		c := string(pqErr.Code)
		return pqErr.Fatal() || strings.HasPrefix(c, "08") || strings.HasPrefix(c, "53") || strings.HasPrefix(c, "57")
	}
	_, isNet := errors.AsType[net.Error](err)
	return isNet || errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) || errors.Is(err, io.ErrUnexpectedEOF)
}

func isUniqueViolation(err error) bool {
	if pqErr, ok := errors.AsType[*pq.Error](err); ok {
		return pqErr.Code == pqerror.UniqueViolation
	}
	if sqliteErr, ok := errors.AsType[*sqlite.Error](err); ok {
		switch sqliteErr.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return true
		}
	}
	return false
}

// wrap prefixes err with the operation that failed, after mapping it.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("db: %s: %w", op, mapError(err))
}
